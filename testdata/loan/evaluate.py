"""Stage evaluate: measure the treatment in train.py, keep the model."""
import pickle

import compliance_eval
import train


def main():
    """Write metrics.json and model.pkl; return (metrics, model)."""
    metrics, model = compliance_eval.run(train.build_model)
    with open(compliance_eval.ROOT / "model.pkl", "wb") as f:
        pickle.dump(model, f)
    return metrics, model


if __name__ == "__main__":
    main()
