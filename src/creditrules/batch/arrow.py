"""Arrow record batches of events in, record batches of the flat table out: the batch function for engines that
hand a partition over as Arrow (Spark's `mapInArrow`, Ray, DuckDB, a Dask partition read by pyarrow).

    from creditrules.batch.arrow import evaluate_arrow, spark_schema
    out = events_df.mapInArrow(lambda batches: evaluate_arrow(batches, "henan", "2024-06-01"), spark_schema())

Columns of the input: as for a Parquet input (docs/batches.md): nested like the event or flat (`subject.type`).
`index` and `line` count the rows of this call (in Spark: of the partition), from 0 and from 1.
"""
from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import Any

from ..api import DateInput
from .pipeline import make_job
from .readers import arrow_records
from .table import COLUMNS
from .workers import Runner

_DDL = {"int64": "bigint", "string": "string", "date": "date", "bool": "boolean", "strings": "array<string>",
        "dates": "array<date>"}


def evaluate_arrow(batches: Iterable[Any], jurisdiction: str | os.PathLike, as_of: DateInput = None, *,
                   evaluator: str | None = None, lang: str = "en", trace: str = "fired", name: str = "<arrow>",
                   chunk_size: int | None = None, table: str = "flat") -> Iterator[Any]:
    """The flat table's record batches (one per chunk of `chunk_size` rows: by default 8,192 on the columnar
    evaluator, 256 on the others) for the events in `batches`, in order; a bad row is an error row in place. The
    pack is compiled once per process (the workspace). `evaluator`, `table`: as for `pipeline.evaluate_file`."""
    job, plan = make_job(jurisdiction, as_of, evaluator=evaluator, lang=lang, trace=trace, output="parquet",
                         where=name, unit="row", table=table)
    for result in Runner(job, arrow_records(batches, plan.vocab, name), 1, chunk_size):
        yield result.payload


def spark_schema() -> str:
    """The flat table's schema as a Spark DDL string (for `mapInArrow(func, schema)`)."""
    return ", ".join(f"`{name}` {_DDL[kind]}" for name, kind in COLUMNS)
