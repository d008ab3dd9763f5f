"""Batches at scale: streaming JSONL/CSV/Parquet in and JSONL/Parquet out, every core, Dask, progress.

    from creditrules.batch import evaluate_file
    summary = evaluate_file("events.jsonl", "henan", "2024-06-01", output="out.parquet", workers=2)
    summary.records, summary.errors, summary.exit_code

    from creditrules.batch.dask import evaluate_dataset          # a partitioned dataset on a Dask cluster
    from creditrules.batch.arrow import evaluate_arrow           # Arrow batches in and out (Spark mapInArrow)

Modules: formats (names and suffixes), readers, writers, table (the flat determination table), workers (chunks,
the process pool), pipeline (a file through it all), dataset (partitions), dask, arrow, progress, cli. See
docs/batches.md. This module imports nothing heavy: the command line imports it at start-up.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .formats import InputFormat, OutputFormat

if TYPE_CHECKING:
    import typer

__all__ = ["evaluate_file", "open_input", "Summary", "InputFormat", "OutputFormat", "register", "evaluate_batch"]

_LAZY = {"evaluate_file": ".pipeline", "open_input": ".readers", "Summary": ".progress", "evaluate_batch": ".cli"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module
        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def register(app: typer.Typer) -> None:
    """Add `creditrules batch IN OUT` to the command line (cli.py calls this once)."""
    from .cli import register as _register
    _register(app)
