"""Stage featurize (lakehouse): the applications table, at the snapshot sei
pinned, encoded once into the features table (one new snapshot of it)."""
import pyarrow as pa

import compliance_eval
import lake


def main() -> int:
    apps = lake.read("applications").to_pandas().sort_values("row_id", kind="stable")
    frame = compliance_eval.encode(apps.drop(columns=["row_id"]).reset_index(drop=True))
    frame.insert(0, "row_id", apps["row_id"].to_numpy())
    fmt, _ = lake.pinned("applications")
    lake.overwrite(fmt, "features", pa.Table.from_pandas(frame, preserve_index=False))
    return len(frame)


if __name__ == "__main__":
    main()
    lake.leave()
