"""The columnar backend: the evaluation plan compiled to polars expressions, a whole batch evaluated at once
(creditrules/columnar/; docs/engine.md "Columnar backend"). The optional extra `creditrules[columnar]`.

    from creditrules.backends.columnar import evaluate_table, evaluate_batch
    table = evaluate_table("henan", events, "2024-06-01")              # polars.DataFrame, one row per record
    table.write_parquet("determinations.parquet")
    table, items = evaluate_batch(plan, events, as_of, full=True)     # + the contract JSON (api.BatchItem each)

The flat table has one row per input record, in input order (`FLAT_SCHEMA`: the batch engine's flat table,
creditrules/batch/table.py, then a few columns of its own): a bad record is a row with its `error_code`,
`error_message` (the first diagnostic, as in the JSONL error record) and `error` (that record as JSON); every good
record its determination's fields, and with `full=True` its contract JSON in `determination`.

`prepare(plan)` is the backend-registry form (decide one stratum over one fact view): the same truths, a row at a
time, for `evaluate(..., evaluator="columnar")` and the YAML test cases.
"""
from __future__ import annotations

import datetime as dt
import os
import weakref
from collections.abc import Iterable
from typing import Any

import polars as pl

from ..columnar import conditions as cx
from ..columnar.evaluator import T_LIST, Compiled
from ..columnar.full import determination
from ..columnar.table import DTYPES, Rows
from ..plan.conditions import Truth
from ..plan.facts import AGE, BASIS, CONDUCT, KIND, SUBJECT
from ..plan.plan import Plan

__all__ = ["FLAT_COLUMNS", "FLAT_SCHEMA", "evaluate_table", "evaluate_batch", "evaluate_records", "iter_tables",
           "write_parquet",
           "flat_row", "prepare", "compiled"]

_DATES = pl.List(pl.Date)
# The flat table: the columns of the batch engine's table (creditrules/batch/table.py, docs/batches.md) in its
# order, then the columnar evaluator's own. `determination` and `error` are the JSON texts: `error` for a bad
# record always, `determination` only with evaluate_batch(..., full=True).
FLAT_SCHEMA: dict[str, Any] = {
    "index": pl.Int64, "line": pl.Int64, "event_id": pl.String, "error_code": pl.String, "error_message": pl.String,
    "jurisdiction": pl.String, "as_of": pl.Date, "pack_id": pl.String, "pack_version": pl.String,
    "pack_status": pl.String, "pack_digest": pl.String, "level": pl.String, "at_least": pl.String,
    "eligible": pl.Boolean, "criteria": T_LIST, "sanction_ids": T_LIST, "incentive_ids": T_LIST,
    "decision_ids": T_LIST, "publication_disclosure": pl.String, "publication_start": pl.Date,
    "publication_min_end": pl.Date, "publication_max_end": pl.Date, "publication_extended_until_removal": pl.Boolean,
    "repair_eligible": pl.Boolean, "repair_earliest": pl.Date, "deadline_ids": T_LIST, "deadline_dues": _DATES,
    "missing_facts": T_LIST, "warnings": T_LIST, "determination": pl.String, "error": pl.String,
    # the columnar evaluator's own
    "publication_after_end": pl.String, "repair_not_repairable_reason": pl.String,
    "repair_processing_working_days": pl.Int64, "deadline_from": _DATES, "warning_codes": T_LIST,
}
FLAT_COLUMNS = tuple(FLAT_SCHEMA)

_CACHE: dict[int, tuple[Any, dict[str, Compiled]]] = {}


def compiled(plan: Plan, lang: str = "en") -> Compiled:
    """The plan compiled for the columnar evaluator (once per plan object and language)."""
    key = id(plan)
    found = _CACHE.get(key)
    if found is None or found[0]() is not plan:
        def forget(ref: weakref.ref, k: int = key) -> None:      # the plan is gone: so is its compiled form
            if _CACHE.get(k, (None,))[0] is ref:
                del _CACHE[k]
        found = _CACHE[key] = (weakref.ref(plan, forget), {})
    by_lang = found[1]
    if lang not in by_lang:
        by_lang[lang] = Compiled(plan, lang)
    return by_lang[lang]


def _plan(plan: Plan | str | os.PathLike) -> Plan:
    if isinstance(plan, Plan):
        return plan
    from ..api import plan_for
    return plan_for(plan)


def _day(as_of) -> dt.date:
    from ..api import _as_of
    return _as_of(as_of)


def _flat(comp: Compiled, df: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    pack = comp.plan.pack
    statuses = {v.id: v.status for v in pack.versions}
    null_text = pl.lit(None, dtype=pl.String)
    return df.select(
        "index", pl.lit(None, dtype=pl.Int64).alias("line"), "event_id", null_text.alias("error_code"),
        null_text.alias("error_message"), pl.lit(pack.id).alias("jurisdiction"), pl.lit(as_of).alias("as_of"),
        pl.lit(pack.id).alias("pack_id"), pl.col("version").alias("pack_version"),
        pl.col("version").replace_strict(statuses, return_dtype=pl.String).alias("pack_status"),
        pl.lit(comp.plan.digest, dtype=pl.String).alias("pack_digest"), "level", "at_least", "eligible",
        "criteria", "sanction_ids", "incentive_ids", "decision_ids", "publication_disclosure",
        pl.col("_pub_start").alias("publication_start"), "publication_min_end",
        pl.col("_pub_max_end").alias("publication_max_end"), "publication_extended_until_removal",
        "repair_eligible", "repair_earliest", "deadline_ids", "deadline_dues", "missing_facts", "warnings",
        null_text.alias("determination"), null_text.alias("error"), "publication_after_end",
        "repair_not_repairable_reason", "repair_processing_working_days", "deadline_from", "warning_codes",
    ).cast(pl.Schema(FLAT_SCHEMA))


def _error_rows(rows: Rows) -> pl.DataFrame:
    from ..api import BatchItem
    items = [BatchItem(i, error=exc, line=line) for i, line, exc in rows.errors]
    records = [item.error_record() for item in items]
    data: dict[str, list[Any]] = {name: [None] * len(records) for name in FLAT_COLUMNS}
    data["index"] = [item.index for item in items]
    data["line"] = [item.line for item in items]
    data["error_code"] = [r["error"]["code"] for r in records]
    data["error_message"] = [r["error"]["message"] for r in records]
    data["error"] = [item.to_json().decode("utf-8") for item in items]
    return pl.DataFrame(data, schema=FLAT_SCHEMA)


def _evaluate(plan: Plan, records: Iterable[tuple[int, int | None, Any]], as_of: dt.date, lang: str, where: str,
              keep_events: bool):
    """`records`: (index, line or None, raw event) triples, in input order."""
    comp = compiled(plan, lang)
    rows = Rows(comp.spec, lang, keep_events=keep_events)
    lines: dict[int, int] = {}
    for i, line, raw in records:
        rows.add(i, raw, where, line)
        if line is not None:
            lines[i] = line
    frame = comp.run(rows, as_of, outcomes=keep_events)
    table = _flat(comp, frame, as_of)
    if lines:
        table = table.with_columns(pl.Series("line", [lines.get(i) for i in rows.index], dtype=pl.Int64))
    if rows.errors:
        table = pl.concat([table, _error_rows(rows)]).sort("index")
    return comp, rows, frame, table


def _numbered(events: Iterable[Any], start: int = 0) -> Iterable[tuple[int, None, Any]]:
    return ((i, None, raw) for i, raw in enumerate(events, start))


def evaluate_table(plan: Plan | str | os.PathLike, events: Iterable[Any], as_of=None, *, lang: str = "en",
                   where: str = "<batch>") -> pl.DataFrame:
    """The flat determination table of a batch: one row per record, in input order (FLAT_SCHEMA)."""
    plan = _plan(plan)
    return _evaluate(plan, _numbered(events), _day(as_of), lang, where, False)[3]


def evaluate_batch(plan: Plan | str | os.PathLike, events: Iterable[Any], as_of=None, *, full: bool = False,
                   lang: str = "en", trace: str = "none", where: str = "<batch>"):
    """(the flat table, None), or with `full=True` (the flat table, one `api.BatchItem` per record in input order:
    its determination as plain data, identical to `evaluate_many`'s at the same trace level, or its error)."""
    table, items, _ = evaluate_records(plan, _numbered(events), as_of, full=full, lang=lang, trace=trace,
                                       where=where)
    if items is None:
        return table, None
    texts = [None if item.error is not None else item.to_json().decode("utf-8") for item in items]
    return table.with_columns(pl.Series("determination", texts, dtype=pl.String)), items


def evaluate_records(plan: Plan | str | os.PathLike, records: Iterable[tuple[int, int | None, Any]], as_of=None, *,
                     full: bool = False, lang: str = "en", trace: str = "none", where: str = "<batch>"):
    """`evaluate_batch` over (index, line, raw event) triples (the batch engine's records: creditrules/batch/
    workers.py): the flat table with those indexes and lines (`determination` null: the caller encodes each
    record's JSON once, as it needs it); with `full=True` the `api.BatchItem` of each record (else None), in the
    triples' order; and the BatchItems of the records the event checker refused."""
    from ..api import BatchItem
    from ..engine.assemble import trace_level
    plan = _plan(plan)
    day = _day(as_of)
    level = trace_level(trace)
    comp, rows, frame, table = _evaluate(plan, records, day, lang, where, full)
    refused = [BatchItem(i, error=exc, line=line) for i, line, exc in rows.errors]
    if not full:
        return table, None, refused
    n_rules = len(plan.rules)
    raws = frame.select([f"raw:{i}" for i in range(n_rules)]).rows()
    from ..workspace import default_workspace
    words = default_workspace().trace_words(plan, lang) if level != "none" else None
    found = {item.index: item for item in refused}
    for k, (i, event) in enumerate(zip(rows.index, rows.events, strict=True)):
        found[i] = BatchItem(i, determination(plan, event, day, raws[k], lang=lang, trace=level, words=words))
    by_row = table.get_column("index").to_list()
    items = [found[i] for i in by_row]
    for item, line in zip(items, table.get_column("line").to_list(), strict=True):
        item.line = line
    return table, items, refused


def flat_row(det: dict) -> dict:
    """A determination (plain data, dates as dates or ISO text) projected onto the flat table's columns (those
    read off the determination: not `index`, `line`, the error columns or the JSON texts)."""
    def day(value):
        return dt.date.fromisoformat(value) if isinstance(value, str) else value
    pack, pub, rep = det["pack"], det["publication"], det["repair"]
    return {
        "event_id": det["event_id"], "jurisdiction": det["jurisdiction"], "as_of": day(det["as_of"]),
        "pack_id": pack["id"], "pack_version": pack["version"], "pack_status": pack["status"],
        "pack_digest": pack["digest"], "level": det["dishonesty"]["level"],
        "at_least": det["dishonesty"]["at_least"], "eligible": det["severe_list"]["eligible"],
        "criteria": list(det["severe_list"]["criteria"]), "sanction_ids": [s["id"] for s in det["sanctions"]],
        "incentive_ids": [s["id"] for s in det["incentives"]], "decision_ids": [x["id"] for x in det["decisions"]],
        "publication_disclosure": pub["disclosure"], "publication_start": day(pub["start"]),
        "publication_min_end": day(pub["min_end"]), "publication_max_end": day(pub["max_end"]),
        "publication_extended_until_removal": pub["extended_until_removal"], "repair_eligible": rep["eligible"],
        "repair_earliest": day(rep["earliest"]), "deadline_ids": [x["id"] for x in det["deadlines"]],
        "deadline_dues": [day(x["due"]) for x in det["deadlines"]], "missing_facts": list(det["missing_facts"]),
        "warnings": [str(w) for w in det["warnings"]], "publication_after_end": pub["after_end"],
        "repair_not_repairable_reason": rep["not_repairable_reason"],
        "repair_processing_working_days": rep["processing_working_days"],
        "deadline_from": [day(x["from"]) for x in det["deadlines"]],
    }


# --- the backend-registry form: one stratum over one fact view --------------------------------------------------

class ColumnarBackend:
    """`decide(stratum, rules, view)` with the columnar expressions, on a one-row frame made from the view."""
    name = "columnar"

    def __init__(self, plan: Plan):
        self.plan = plan
        self.truth = {r.index: cx.truth(r.condition) for r in plan.rules}
        self.reads = {r.index: cx.reads(r.condition) for r in plan.rules}
        self.fact_types = {slot.key: DTYPES[slot.type] for slot in plan.schema.facts.values()}

    def _dtype(self, key: str):
        if key in (KIND, SUBJECT, BASIS):
            return pl.String
        if key == CONDUCT:
            return T_LIST
        if key == AGE:
            return pl.Int64
        if key.startswith("fact:"):
            return self.fact_types[key]
        if key.startswith(("date:", "offset:")):
            return pl.Date
        return pl.Boolean                      # present:, offset?:, rule:

    def _value(self, key: str, view: dict):
        if key.startswith("present:") or key.startswith("offset?:"):
            return (key.replace("offset?:", "offset:", 1) if key.startswith("offset?:") else key) in view
        if key.startswith("rule:"):
            return view.get(key, False)
        value = view.get(key)
        if key.startswith("offset:"):
            return None if value is None else value.result
        if isinstance(value, frozenset):
            return sorted(value)
        return value

    def decide(self, stratum: int, rules: tuple[int, ...], view: dict) -> dict[int, Truth]:
        keys = sorted(set().union(*(self.reads[i] for i in rules)))
        frame = pl.DataFrame({k: pl.Series(k, [self._value(k, view)], dtype=self._dtype(k)) for k in keys}
                             if keys else {"_": [0]})
        out = frame.select([self.truth[i].alias(str(i)) for i in rules]).row(0)
        return dict(zip(rules, out, strict=True))


def prepare(plan: Plan) -> ColumnarBackend:
    return ColumnarBackend(plan)


def _chunks(events: Iterable[Any], size: int):
    chunk: list = []
    for event in events:
        chunk.append(event)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def iter_tables(plan: Plan | str | os.PathLike, events: Iterable[Any], as_of=None, *, chunk: int = 50_000,
                lang: str = "en", where: str = "<batch>"):
    """The flat table of a stream of events, chunk by chunk (memory flat in the number of events); `index` counts
    from the start of the stream, so the chunks together are one table in input order."""
    plan = _plan(plan)
    day = _day(as_of)
    start = 0
    for part in _chunks(events, chunk):
        yield _evaluate(plan, _numbered(part, start), day, lang, where, False)[3]
        start += len(part)


def write_parquet(plan: Plan | str | os.PathLike, events: Iterable[Any], path: str | os.PathLike,
                  as_of=None, *, chunk: int = 50_000, lang: str = "en", where: str = "<batch>") -> dict:
    """Evaluate a stream of events and write the flat table to one Parquet file, a row group per chunk (with
    pyarrow, streamed; without it, the chunks are gathered and written once). Returns {"rows", "errors"}."""
    rows = errors = 0
    try:
        import pyarrow.parquet as pq
    except ImportError:                                  # pragma: no cover - pyarrow is installed with the extra
        pq = None
    writer = None
    gathered = []
    try:
        for table in iter_tables(plan, events, as_of, chunk=chunk, lang=lang, where=where):
            rows += table.height
            errors += table.get_column("error_code").is_not_null().sum()
            if pq is None:
                gathered.append(table)
                continue
            arrow = table.to_arrow()
            if writer is None:
                writer = pq.ParquetWriter(str(path), arrow.schema)
            writer.write_table(arrow)
            del table, arrow                       # not held while the next chunk is evaluated
        if pq is None or writer is None:
            (pl.concat(gathered) if gathered else pl.DataFrame(schema=FLAT_SCHEMA)).write_parquet(str(path))
    finally:
        if writer is not None:
            writer.close()
    return {"rows": rows, "errors": int(errors)}
