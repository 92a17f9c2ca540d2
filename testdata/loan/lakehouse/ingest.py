"""Ingest German Credit applications into the lakehouse: what a data team's
job does, outside sei. `ingest.py FORMAT` creates the applications table
(FORMAT iceberg or delta) from data/german_credit.csv, read through its
Croissant descriptor; `ingest.py FORMAT --append FILE` appends the rows of
FILE (a CSV with the same header) as one new snapshot. Each row carries a
row_id, so a reader can put the rows back in their order."""
import argparse

import pandas as pd
import pyarrow as pa

import compliance_eval
import lake


def rows(frame: pd.DataFrame, first: int) -> pa.Table:
    frame = frame.reset_index(drop=True)
    frame.insert(0, "row_id", range(first, first + len(frame)))
    return pa.Table.from_pandas(frame, preserve_index=False)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("format", choices=["iceberg", "delta"])
    ap.add_argument("--append", metavar="FILE", help="a CSV of new applications, same columns")
    args = ap.parse_args()
    if args.append is None:
        lake.append(args.format, "applications", rows(compliance_eval.load_applications(), 0))
        return
    new = pd.read_csv(args.append)
    want = list(compliance_eval.load_applications().columns)
    if list(new.columns) != want:
        raise SystemExit(f"{args.append}: columns {list(new.columns)} are not the applications' {want}")
    if args.format == "iceberg":
        present = lake.catalog().load_table(lake.ICEBERG["applications"]).scan(selected_fields=("row_id",)).to_arrow()
    else:
        from deltalake import DeltaTable
        present = DeltaTable(str(lake.LAKE / "applications")).to_pyarrow_table(columns=["row_id"])
    first = max(present.column("row_id").to_pylist(), default=-1) + 1
    lake.append(args.format, "applications", rows(new, first))


if __name__ == "__main__":
    main()
    lake.leave()
