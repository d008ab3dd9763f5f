"""The flat determination table: one row per input record (a determination, or the error that stopped it), in
input order. It is the Parquet output of `creditrules evaluate ... --output-format parquet`, of `creditrules batch`
and of `creditrules.batch.arrow.evaluate_arrow` (Dask, Spark). Columns: docs/batches.md ("The flat table").

Every column but `determination` is read off the determination's plain data; `determination` is the full contract
JSON (the JSONL line) in the full table (`--table full`), null in the flat one (`--table flat`, the default: the
columns alone, what the columnar evaluator makes without assembling any JSON).
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

    from ..api import BatchItem

# (name, arrow type name) in column order; the types are built on first use (pyarrow is an optional extra)
COLUMNS: tuple[tuple[str, str], ...] = (
    ("index", "int64"), ("line", "int64"), ("event_id", "string"),
    ("error_code", "string"), ("error_message", "string"),
    ("jurisdiction", "string"), ("as_of", "date"),
    ("pack_id", "string"), ("pack_version", "string"), ("pack_status", "string"), ("pack_digest", "string"),
    ("level", "string"), ("at_least", "string"),
    ("eligible", "bool"), ("criteria", "strings"),
    ("sanction_ids", "strings"), ("incentive_ids", "strings"), ("decision_ids", "strings"),
    ("publication_disclosure", "string"), ("publication_start", "date"), ("publication_min_end", "date"),
    ("publication_max_end", "date"), ("publication_extended_until_removal", "bool"),
    ("repair_eligible", "bool"), ("repair_earliest", "date"),
    ("deadline_ids", "strings"), ("deadline_dues", "dates"),
    ("missing_facts", "strings"), ("warnings", "strings"),
    ("determination", "string"), ("error", "string"),
)
NAMES = tuple(name for name, _ in COLUMNS)

_SCHEMA: Any = None


def schema() -> pa.Schema:
    """The table's Arrow schema (every column nullable; list columns hold no nulls)."""
    global _SCHEMA
    if _SCHEMA is None:
        import pyarrow as pa
        types = {"int64": pa.int64(), "string": pa.string(), "date": pa.date32(), "bool": pa.bool_(),
                 "strings": pa.list_(pa.string()), "dates": pa.list_(pa.date32())}
        _SCHEMA = pa.schema([pa.field(name, types[kind]) for name, kind in COLUMNS],
                            metadata={b"creditrules.table": b"flat determinations v1"})
    return _SCHEMA


def _ids(items: list[dict]) -> list[str]:
    return [x["id"] for x in items]


def row(item: BatchItem, full: bool = True) -> dict[str, Any]:
    """One row of the table for one batch item; `full=False` leaves `determination` null (the flat table)."""
    out: dict[str, Any] = dict.fromkeys(NAMES)
    out["index"], out["line"] = item.index, item.line
    if item.error is not None:
        record = item.error_record()
        out["error_code"], out["error_message"] = record["error"]["code"], record["error"]["message"]
        out["error"] = item.to_json().decode("utf-8")
        return out
    d = item.data
    assert d is not None
    pack, dis, sev, pub, rep = d["pack"], d["dishonesty"], d["severe_list"], d["publication"], d["repair"]
    out.update(
        event_id=d["event_id"], jurisdiction=d["jurisdiction"], as_of=d["as_of"],
        pack_id=pack["id"], pack_version=pack["version"], pack_status=pack["status"], pack_digest=pack["digest"],
        level=dis["level"], at_least=dis["at_least"], eligible=sev["eligible"], criteria=list(sev["criteria"]),
        sanction_ids=_ids(d["sanctions"]), incentive_ids=_ids(d["incentives"]), decision_ids=_ids(d["decisions"]),
        publication_disclosure=pub["disclosure"], publication_start=pub["start"], publication_min_end=pub["min_end"],
        publication_max_end=pub["max_end"], publication_extended_until_removal=pub["extended_until_removal"],
        repair_eligible=rep["eligible"], repair_earliest=rep["earliest"],
        deadline_ids=_ids(d["deadlines"]), deadline_dues=[x["due"] for x in d["deadlines"]],
        missing_facts=list(d["missing_facts"]), warnings=[str(w) for w in d["warnings"]],
        determination=item.to_json().decode("utf-8") if full else None)
    return out


def record_batch(items: Iterable[BatchItem], full: bool = True) -> pa.RecordBatch:
    """The rows of these items as one Arrow record batch of the table's schema (`full=False`: the flat table,
    `determination` null)."""
    return rows_batch(row(item, full) for item in items)


def rows_batch(rows: Iterable[dict[str, Any]]) -> pa.RecordBatch:
    """Rows made by `row` as one Arrow record batch of the table's schema."""
    import pyarrow as pa
    columns: dict[str, list[Any]] = {name: [] for name in NAMES}
    for one in rows:
        for name, value in one.items():
            columns[name].append(value)
    return pa.RecordBatch.from_pydict(columns, schema=schema())


def arrow_table(frame: Any, items: list[BatchItem]) -> pa.RecordBatch:
    """The columnar evaluator's flat table (a polars DataFrame of its FLAT_SCHEMA: backends/columnar.py) in this
    table's columns and types, with the rows of `items` (records no evaluator saw: unreadable lines) in their
    places by `index`: one record batch."""
    import pyarrow as pa
    table = frame.select(NAMES).to_arrow().cast(schema())
    if items:
        table = pa.concat_tables([table, pa.Table.from_batches([record_batch(items, False)])]).sort_by("index")
    table = table.combine_chunks()
    batches = table.to_batches()
    return batches[0] if batches else pa.RecordBatch.from_pydict({n: [] for n in NAMES}, schema=schema())
