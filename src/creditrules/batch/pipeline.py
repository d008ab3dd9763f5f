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
from .workers import CHUNK, Job, Runner
from .writers import open_output


class Interrupted(KeyboardInterrupt):
    """Ctrl-C (SIGINT) during a batch: what was done. JSONL and text outputs hold the records done, whole (each
    chunk is one write); a Parquet output is not written (its temporary file is removed)."""

    def __init__(self, summary: Summary, output: str, fmt: str):
        super().__init__()
        self.summary, self.output, self.format = summary, output, fmt

    def line(self) -> str:
        s = self.summary
        kept = ("no Parquet file is written" if self.format == "parquet"
                else f"{self.output} holds the first {s.records:,} records, whole")
        return f"creditrules: interrupted after {s.records:,} records ({s.errors:,} errors); {kept}"


def make_job(jurisdiction: str | os.PathLike, as_of: DateInput = None, *, evaluator: str = backends.DEFAULT,
             lang: str = "en", trace: str = "fired", output: str = "jsonl", where: str = "<batch>",
             unit: str = "line", summary: Callable[[Any], str] | None = None) -> tuple[Job, Any]:
    """The job for workers, and the plan: the pack resolved and checked here, once, before any record is read
    (an unknown jurisdiction, evaluator, language or trace level fails now, not in a worker)."""
    list(evaluate_records([], jurisdiction, as_of, evaluator=evaluator, lang=lang, trace=trace))   # checks them all
    plan = plan_for(jurisdiction)
    day = (dt.date.today() if as_of is None else as_of.date() if isinstance(as_of, dt.datetime)
           else as_of if isinstance(as_of, dt.date) else dt.date.fromisoformat(str(as_of)))
    return Job(plan.source, os.fspath(jurisdiction), plan.digest, day, evaluator, lang, trace, output, where, unit,
               summary), plan


def evaluate_file(source: str | os.PathLike | BinaryIO, jurisdiction: str | os.PathLike, as_of: DateInput = None, *,
                  output: str | os.PathLike | BinaryIO | None = None, input_format: str | None = None,
                  output_format: str | None = None, workers: int | None = None, evaluator: str = backends.DEFAULT,
                  lang: str = "en", trace: str = "fired", quiet: bool = True, text: Callable[[Any], str] | None = None,
                  chunk_size: int = CHUNK, stderr: TextIO | None = None, progress: bool | None = None) -> Summary:
    """Evaluate a batch file (JSONL, CSV or Parquet; a path, `-` for standard input, or a binary stream) into
    JSONL (standard output by default) or a Parquet file. One output record per input record, in input order;
    a bad record is an error record in place and a line on stderr. `workers`: None every core (small inputs in
    this process), 1 this process, N worker processes. `text`: write text summaries made by this function
    (det -> str) instead of JSONL. `quiet=False` (the command line's default) shows the progress bar on a terminal
    and the summary line on stderr; a bad record's line goes to stderr either way. Returns the Summary (its
    `exit_code`: 0, 1 bad records, 3 a bug)."""
    name = os.fspath(source) if isinstance(source, (str, os.PathLike)) else str(getattr(source, "name", "<stream>"))
    where = "<stdin>" if name == STDIO else name
    in_fmt = input_format_of(name, input_format)
    out_name = os.fspath(output) if isinstance(output, (str, os.PathLike)) else None
    out_fmt = "text" if text is not None else output_format_of(out_name, output_format)
    job, plan = make_job(jurisdiction, as_of, evaluator=evaluator, lang=lang, trace=trace, output=out_fmt,
                         where=where, unit="row" if in_fmt == "parquet" else "line", summary=text)
    reader = open_input(source, in_fmt, plan.vocab, name=where)
    try:
        writer = open_output(output, out_fmt)
    except BaseException:
        reader.close()
        raise
    to_terminal = (output is None or out_name == STDIO) and _is_terminal(sys.stdout)
    summary = Summary()
    runner = Runner(job, reader, workers, chunk_size)
    started = time.perf_counter()
    ok = False
    try:
        with Reporter(quiet=quiet, total=reader.total, unit=reader.unit, stderr=stderr, data_to_terminal=to_terminal,
                      show=progress) as report:
            for result in runner:
                writer.write(result.payload)
                for line in result.messages:
                    report.message(line)
                summary.records += result.records
                summary.errors += result.errors
                summary.internal += result.internal
                report.advance(result.records, result.errors, reader.done)
            ok = True
            summary.determinations = summary.records - summary.errors
            summary.seconds = time.perf_counter() - started
            summary.workers = runner.workers
            summary.outputs.append(writer.name)
    except KeyboardInterrupt:
        summary.determinations = summary.records - summary.errors
        summary.seconds = time.perf_counter() - started
        summary.workers = runner.workers
        raise Interrupted(summary, writer.name, out_fmt) from None
    finally:
        reader.close()
        writer.close(ok)
    report.finish(summary)
    return summary
