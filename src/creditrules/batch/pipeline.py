"""A batch file through the engine: read (streaming) -> chunks -> this process or worker processes -> write (as
produced, in input order). `evaluate_file` is what `creditrules evaluate FILE.jsonl|.csv|.parquet` runs."""
from __future__ import annotations

import datetime as dt
import os
import sys
import time
from collections.abc import Callable
from typing import Any, BinaryIO, TextIO

from .. import backends
from ..api import DateInput, evaluate_records, plan_for
from .formats import STDIO, input_format_of, output_format_of
from .progress import Reporter, Summary, _is_terminal
from .readers import open_input
from .workers import Job, Runner
from .writers import open_output, row_group


class Interrupted(KeyboardInterrupt):
    """Ctrl-C (SIGINT) during a batch: what was done. Every output holds the records done, in order, whole: JSONL
    and text as whole lines (each chunk is one write), Parquet as a complete file of the row groups written."""

    def __init__(self, summary: Summary, output: str, fmt: str):
        super().__init__()
        self.summary, self.output, self.format = summary, output, fmt

    def line(self) -> str:
        s = self.summary
        return (f"creditrules: interrupted after {s.records:,} records ({s.errors:,} errors); "
                f"{_kept(self.output, self.format, s.records)}")


def _kept(output: str, fmt: str, records: int) -> str:
    whole = "a complete Parquet file" if fmt == "parquet" else "whole lines"
    return f"{output} holds the first {records:,} records ({whole})"


class _HeldInterrupt:
    """SIGINT is held while a chunk is written (or the output closed) and raised as KeyboardInterrupt right after:
    a write is never cut in the middle (a JSONL line, a Parquet row group). Elsewhere (reading, waiting for a
    worker) it is raised at once. Installed only in the main thread and only over Python's default handler, so a
    library caller's own handler is left alone."""

    def __init__(self) -> None:
        self.holding = False
        self.pending = False
        self.previous: Any = None

    def __enter__(self) -> _HeldInterrupt:
        import signal
        import threading
        if (threading.current_thread() is threading.main_thread()
                and signal.getsignal(signal.SIGINT) is signal.default_int_handler):
            self.previous = signal.signal(signal.SIGINT, self._handler)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.previous is not None:
            import signal
            signal.signal(signal.SIGINT, self.previous)
            self.previous = None

    def _handler(self, signum: int, frame: Any) -> None:
        if self.holding:
            self.pending = True
            return
        raise KeyboardInterrupt

    def hold(self) -> None:
        self.holding = True

    def release(self) -> None:
        """Stop holding; a SIGINT that came meanwhile is raised now."""
        self.holding = False
        if self.pending:
            self.pending = False
            raise KeyboardInterrupt


TABLES = ("flat", "full")


def batch_evaluator(evaluator: str | None, output: str, table: str) -> str:
    """The evaluator a batch runs: the one named, else the columnar one for the flat table (when polars is
    installed) and the reference one for JSON. The columnar evaluator's JSON is the reference's own assembly over
    its truths (columnar/full.py): the same determinations, no faster; its flat table needs no assembly at all."""
    if evaluator is not None:
        return evaluator
    if output == "parquet" and table == "flat":
        import importlib.util
        if importlib.util.find_spec("polars") is not None:
            return "columnar"
    return backends.DEFAULT


def make_job(jurisdiction: str | os.PathLike, as_of: DateInput = None, *, evaluator: str | None = None,
             lang: str = "en", trace: str = "fired", output: str = "jsonl", where: str = "<batch>",
             unit: str = "line", summary: Callable[[Any], str] | None = None, table: str = "flat"
             ) -> tuple[Job, Any]:
    """The job for workers, and the plan: the pack resolved and checked here, once, before any record is read
    (an unknown jurisdiction, evaluator, language, trace level or table fails now, not in a worker).
    `evaluator=None`: `batch_evaluator`'s choice."""
    if table not in TABLES:
        from ..errors import Diagnostic, Position, UsageError
        raise UsageError([Diagnostic("bad-option", f"unknown table `{table}`", Position(),
                                     "allowed: flat (the columns), full (and the determination JSON)")])
    evaluator = batch_evaluator(evaluator, output, table)
    list(evaluate_records([], jurisdiction, as_of, evaluator=evaluator, lang=lang, trace=trace))   # checks them all
    plan = plan_for(jurisdiction)
    day = (dt.date.today() if as_of is None else as_of.date() if isinstance(as_of, dt.datetime)
           else as_of if isinstance(as_of, dt.date) else dt.date.fromisoformat(str(as_of)))
    return Job(plan.source, os.fspath(jurisdiction), plan.digest, day, evaluator, lang, trace, output, table, where,
               unit, summary), plan


def evaluate_file(source: str | os.PathLike | BinaryIO, jurisdiction: str | os.PathLike, as_of: DateInput = None, *,
                  output: str | os.PathLike | BinaryIO | None = None, input_format: str | None = None,
                  output_format: str | None = None, workers: int | None = None, evaluator: str | None = None,
                  lang: str = "en", trace: str = "fired", quiet: bool = True, text: Callable[[Any], str] | None = None,
                  chunk_size: int | None = None, stderr: TextIO | None = None, progress: bool | None = None,
                  table: str = "flat") -> Summary:
    """Evaluate a batch file (JSONL, CSV or Parquet; a path, `-` for standard input, or a binary stream) into JSONL
    (standard output by default) or a Parquet file. One output record per input record, in input order; a bad record
    is an error record in place and a line on stderr. `workers`: None every core (small inputs in this process), 1
    this process, N worker processes. `evaluator`: None chooses (`batch_evaluator`: columnar for the flat table,
    else reference). `table`: a Parquet output's table, `flat` (the columns) or `full` (and the determination JSON).
    `text`: write text summaries made by this function (det -> str) instead of JSONL. `quiet=False` (the command
    line's default) shows the progress bar on a terminal and the summary line on stderr; a bad record's line goes to
    stderr either way. Returns the Summary (its `exit_code`: 0, 1 bad records, 3 a bug)."""
    name = os.fspath(source) if isinstance(source, (str, os.PathLike)) else str(getattr(source, "name", "<stream>"))
    where = "<stdin>" if name == STDIO else name
    in_fmt = input_format_of(name, input_format)
    out_name = os.fspath(output) if isinstance(output, (str, os.PathLike)) else None
    out_fmt = "text" if text is not None else output_format_of(out_name, output_format)
    job, plan = make_job(jurisdiction, as_of, evaluator=evaluator, lang=lang, trace=trace, output=out_fmt,
                         where=where, unit="row" if in_fmt == "parquet" else "line", summary=text, table=table)
    reader = open_input(source, in_fmt, plan.vocab, name=where, raw=True)   # JSONL parsed by the workers
    try:
        writer = open_output(output, out_fmt, row_group(job.flat))
    except BaseException:
        reader.close()
        raise
    to_terminal = (output is None or out_name == STDIO) and _is_terminal(sys.stdout)
    summary = Summary()
    runner = Runner(job, reader, workers, chunk_size)
    started = time.perf_counter()
    held = _HeldInterrupt()

    def done() -> None:
        summary.determinations = summary.records - summary.errors
        summary.seconds = time.perf_counter() - started
        summary.workers = runner.workers
        summary.evaluator = job.evaluator
    try:
        with held, Reporter(quiet=quiet, total=reader.total, unit=reader.unit, stderr=stderr,
                            data_to_terminal=to_terminal, show=progress) as report:
            try:
                for result in runner:
                    held.hold()                    # the chunk is written and counted, or neither
                    writer.write(result.payload)
                    summary.records += result.records
                    summary.errors += result.errors
                    summary.internal += result.internal
                    held.release()
                    for line in result.messages:
                        report.message(line)
                    report.advance(result.records, result.errors, reader.done)
            except KeyboardInterrupt:
                done()
                held.holding = True                # a second Ctrl-C does not cut the closing of the output
                _close(writer, True)
                raise Interrupted(summary, writer.name, out_fmt) from None
            except BaseException:
                # a crash (a bug, the pack changed): a Parquet file keeps the records written so far (JSONL lines
                # are whole as written); nothing written, no Parquet file is left
                if out_fmt == "parquet" and _close(writer, summary.records > 0):
                    (stderr or sys.stderr).write(f"creditrules: stopped after {summary.records:,} records; "
                                                 f"{_kept(writer.name, out_fmt, summary.records)}\n")
                raise
            held.holding = True
            writer.close(True)
            done()
            summary.outputs.append(writer.name)
    finally:
        reader.close()
        _close(writer, False)                      # a no-op once closed
    report.finish(summary)
    return summary


def _close(writer: Any, keep: bool) -> bool:
    """Close the output: `keep` finishes it with what was written (a Parquet file's footer, its final name);
    else a Parquet output not yet finished is removed. True if it was kept; a close that fails is not raised
    over the error being handled."""
    try:
        writer.close(keep)
        return keep
    except Exception:  # noqa: BLE001 - the output's own fault (a full disk) must not hide the first error
        return False

