"""The loan scenario's tables, for its lakehouse variant: the applications
and their features, in Apache Iceberg (a pyiceberg SQL catalog, SQLite, with
a local warehouse under lake/) or in Delta Lake (one directory per table
under lake/). The format is the one sei passes in SEI_TABLE_<NAME>_FORMAT,
else the argument of ingest.py; a read is always at a snapshot, never at
"the current one", so a stage measures exactly the rows its key names."""
import os
import pathlib
import sys

import pyarrow as pa

ROOT = pathlib.Path(__file__).resolve().parent
LAKE = ROOT / "lake"
ICEBERG = {"applications": "credit.applications", "features": "credit.features"}


def leave() -> None:
    """Ends a stage that did its work without the interpreter's teardown:
    deltalake's Rust runtime can abort the process there ("terminate called
    without an active exception", SIGABRT; delta-io/delta-rs#2184), now and
    then, after the files are written. A failure still raises before this."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def catalog():
    from pyiceberg.catalog.sql import SqlCatalog
    LAKE.joinpath("warehouse").mkdir(parents=True, exist_ok=True)
    return SqlCatalog("loan", uri=f"sqlite:///{LAKE / 'catalog.db'}", warehouse=(LAKE / "warehouse").as_uri())


def pinned(name: str) -> tuple:
    """The format and snapshot sei pinned table name at for this stage."""
    key = f"SEI_TABLE_{name.upper()}_"
    try:
        return os.environ[key + "FORMAT"], int(os.environ[key + "SNAPSHOT"])
    except KeyError as e:
        raise SystemExit(f"{name}: {e.args[0]} is not set: run this stage through sei, which pins its tables") from None


def read(name: str) -> pa.Table:
    """Table name as it was at the snapshot sei pinned (time travel)."""
    fmt, snapshot = pinned(name)
    if fmt == "iceberg":
        return catalog().load_table(ICEBERG[name]).scan(snapshot_id=snapshot).to_arrow()
    from deltalake import DeltaTable
    return DeltaTable(str(LAKE / name), version=snapshot).to_pyarrow_table()


def overwrite(fmt: str, name: str, rows: pa.Table) -> None:
    """Replace table name's rows with rows: one new snapshot, the table's
    identity and history kept, its schema widened when rows bring columns."""
    if fmt == "iceberg":
        cat = catalog()
        cat.create_namespace_if_not_exists("credit")
        if not cat.table_exists(ICEBERG[name]):
            cat.create_table(ICEBERG[name], schema=rows.schema)
        table = cat.load_table(ICEBERG[name])
        with table.update_schema() as update:
            update.union_by_name(rows.schema)
        table.overwrite(rows)
        return
    from deltalake import write_deltalake
    write_deltalake(str(LAKE / name), rows, mode="overwrite", schema_mode="overwrite")


def append(fmt: str, name: str, rows: pa.Table) -> None:
    """Add rows to table name (created when absent): one new snapshot."""
    if fmt == "iceberg":
        cat = catalog()
        cat.create_namespace_if_not_exists("credit")
        if not cat.table_exists(ICEBERG[name]):
            cat.create_table(ICEBERG[name], schema=rows.schema)
        cat.load_table(ICEBERG[name]).append(rows)
        return
    from deltalake import write_deltalake
    write_deltalake(str(LAKE / name), rows, mode="append")
