"""The batch side of the command line: `creditrules evaluate FILE.jsonl|.csv|.parquet|-` (its batch branch) and
`creditrules batch IN OUT` (a partitioned dataset, on this machine's cores or a Dask cluster). cli.py calls
`evaluate_batch` and `register(app)`; the work is in pipeline.py, dataset.py and dask.py."""
from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

import typer

from ..errors import CreditRulesError, Diagnostic, InputError, Position, UsageError


def _check_workers(workers: int | None) -> None:
    if workers is not None and workers < 1:
        raise UsageError([Diagnostic("bad-option", f"--workers must be 1 or more, got {workers}", Position(),
                                     "leave it out to use every core")])


def _check_table(table: str | None, parquet: bool) -> str:
    """`--table`: only for a Parquet output; flat by default."""
    if table is not None and not parquet:
        raise UsageError([Diagnostic("bad-option", "--table is for a Parquet output (the JSON Lines output is the "
                                     "determinations themselves)", Position(), "give --output FILE.parquet")])
    return table or "flat"


def evaluate_batch(event_file: str, jurisdiction: str, as_of: str | None, *, text: Callable[[Any], str] | None,
                   evaluator: str | None, lang: str, trace: str, workers: int | None = None,
                   output: str | None = None, output_format: str | None = None, input_format: str | None = None,
                   quiet: bool = False, table: str | None = None) -> int:
    """`creditrules evaluate` on a batch: the exit code (0; 1 a bad record; 3 a bug stopped a record)."""
    from .formats import output_format_of
    from .pipeline import evaluate_file
    _check_workers(workers)
    chosen = _check_table(table, text is None and output_format_of(output, output_format) == "parquet")
    if text is not None and output_format == "parquet":
        raise UsageError([Diagnostic("bad-option", "--format text writes text; it cannot be Parquet", Position(),
                                     "leave out --format text, or --output-format parquet")])
    from ..api import plan_for
    from .workers import freeze_heap
    plan_for(jurisdiction)                     # compiled (and cached) before the heap is frozen
    freeze_heap()
    from .pipeline import Interrupted
    try:
        summary = evaluate_file(event_file, jurisdiction, as_of, output=output, input_format=input_format,
                                output_format=output_format, workers=workers, evaluator=evaluator, lang=lang,
                                trace=trace, quiet=quiet, text=text, table=chosen)
    except Interrupted as stop:
        sys.stderr.write(stop.line() + "\n")
        sys.stderr.flush()
        return 130
    return summary.exit_code


def _guarded(fn: Callable[..., int]) -> Callable[..., None]:
    """As cli._guard: bad input exit 1, a wrong call exit 2, the diagnostics on stderr; never a traceback."""
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        from ..cli import report
        try:
            code = fn(*args, **kwargs)
        except UsageError as exc:
            report(exc.diagnostics)
            raise typer.Exit(2) from None
        except InputError as exc:
            report(exc.diagnostics, events=True)       # as cli._guard: an input's lines are shown masked
            raise typer.Exit(1) from None
        except CreditRulesError as exc:
            report(exc.diagnostics)
            raise typer.Exit(1) from None
        raise typer.Exit(code)
    return wrapper


def batch(input: str = typer.Argument(..., help="a file, a folder or a glob of .jsonl/.csv/.parquet files (quote "
                                                 "the glob); URLs through fsspec"),
          output: str = typer.Argument(..., help="a folder (made if missing, refused if not empty) for "
                                                  "part-NNNNN.parquet, one per partition (an input file, or "
                                                  "row groups of a Parquet file: --part-rows)"),
          jurisdiction: str = typer.Option(..., "--jurisdiction", "-j", help="henan, jilin, xinjiang, bingtuan, or a "
                                                                             "pack folder"),
          as_of: str | None = typer.Option(None, "--as-of", help="YYYY-MM-DD (default today, fixed at the start)"),
          scheduler: str | None = typer.Option(None, "--scheduler", help="a Dask scheduler address "
                                                  "(tcp://host:8786); without it, worker processes on this machine"),
          workers: int | None = typer.Option(None, "--workers", help="processes on this machine (default: every "
                                                "core); not used with --scheduler"),
          input_format: str | None = typer.Option(None, "--input-format", help="jsonl | csv | parquet (default: "
                                                     "from each file's suffix)"),
          evaluator: str | None = typer.Option(None, "--evaluator", help="columnar | reference | durable "
                                                  "(default: columnar for the flat table, reference for --table "
                                                  "full)"),
          table: str = typer.Option("flat", "--table", help="flat (the columns) | full (and each determination's "
                                    "JSON)"),
          lang: str = typer.Option("en", "--lang", help="en | zh: the engine's own words"),
          trace: str = typer.Option("fired", "--trace", help="full | fired | none"),
          overwrite: bool = typer.Option(False, "--overwrite", help="replace the part-*.parquet files of an earlier "
                                                                    "run in OUT"),
          part_rows: int = typer.Option(65_536, "--part-rows", help="a Parquet input's row groups are gathered into "
                                        "partitions (tasks) of about this many rows"),
          quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress and no summary line")) -> None:
    """Evaluate a partitioned dataset into partitioned Parquet (the flat determination table), on every core of
    this machine or on a Dask cluster (--scheduler). Exit 1 if any record was bad (each is an error row)."""
    _guarded(_batch)(input, output, jurisdiction, as_of, scheduler, workers, input_format, evaluator, lang, trace,
                     overwrite, quiet, part_rows, table)


def _batch(input: str, output: str, jurisdiction: str, as_of: str | None, scheduler: str | None,
           workers: int | None, input_format: str | None, evaluator: str | None, lang: str, trace: str,
           overwrite: bool, quiet: bool, part_rows: int = 65_536, table: str = "flat") -> int:
    import time

    _check_workers(workers)
    if part_rows < 1:
        raise UsageError([Diagnostic("bad-option", f"--part-rows must be 1 or more, got {part_rows}", Position())])
    if input_format is not None and input_format not in ("jsonl", "csv", "parquet"):
        raise UsageError([Diagnostic("bad-option", f"unknown input format `{input_format}`", Position(),
                                     "allowed: jsonl, csv, parquet")])
    started = time.perf_counter()
    from ..api import plan_for
    from .workers import freeze_heap
    plan_for(jurisdiction)
    freeze_heap()
    from .dataset import DatasetInterrupted
    try:
        summary = _run_batch(input, output, jurisdiction, as_of, scheduler, workers, input_format, evaluator, lang,
                             trace, overwrite, quiet, part_rows, table)
    except DatasetInterrupted as stop:
        sys.stderr.write(stop.line() + "\n")
        sys.stderr.flush()
        return 130
    summary.seconds = time.perf_counter() - started
    if not quiet:
        sys.stderr.write(summary.line() + "\n")
        sys.stderr.write(f"creditrules: {len(summary.outputs)} Parquet files in {output}\n")
    return summary.exit_code


def _run_batch(input: str, output: str, jurisdiction: str, as_of: str | None, scheduler: str | None,
               workers: int | None, input_format: str | None, evaluator: str | None, lang: str, trace: str,
               overwrite: bool, quiet: bool, part_rows: int, table: str) -> Any:
    from .progress import Reporter
    with Reporter(quiet=quiet) as report:
        if scheduler:
            from .dask import evaluate_dataset
            summary = evaluate_dataset(input, output, jurisdiction, as_of=as_of, scheduler=scheduler,
                                       evaluator=evaluator, lang=lang, trace=trace, input_format=input_format,
                                       overwrite=overwrite, report=report, part_rows=part_rows, table=table)
        else:
            from .dataset import evaluate_partitions, output_paths, partitions, split
            from .pipeline import make_job
            job, _plan = make_job(jurisdiction, as_of, evaluator=evaluator, lang=lang, trace=trace, output="parquet",
                                  table=table)
            sources = split(partitions(input, input_format), input_format, part_rows)
            summary = evaluate_partitions(job, sources, output_paths(output, len(sources), overwrite),
                                          workers=workers, input_format=input_format, report=report)
    return summary


def register(app: typer.Typer) -> None:
    """Add `creditrules batch` to the command line."""
    app.command("batch")(batch)
