"""Stage evaluate: measure the treatment in train.py, keep the model."""
import pickle

import compliance_eval
import train

if __name__ == "__main__":
    _, model = compliance_eval.run(train.build_model)
    with open(compliance_eval.ROOT / "model.pkl", "wb") as f:
        pickle.dump(model, f)
