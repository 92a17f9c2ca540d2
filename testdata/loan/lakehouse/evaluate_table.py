"""Stage evaluate (lakehouse): measure the treatment in train.py on the
features table at the snapshot sei pinned, keep the model."""
import pickle

import compliance_eval
import lake
import train


def main():
    """Write metrics.json and model.pkl; return (metrics, model)."""
    frame = lake.read("features").to_pandas().sort_values("row_id", kind="stable")
    frame = frame.drop(columns=["row_id"]).reset_index(drop=True)
    metrics, model = compliance_eval.run(train.build_model, frame=frame)
    with open(compliance_eval.ROOT / "model.pkl", "wb") as f:
        pickle.dump(model, f)
    return metrics, model


if __name__ == "__main__":
    main()
    lake.leave()
