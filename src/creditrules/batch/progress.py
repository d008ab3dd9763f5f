"""Progress of a batch on stderr, and the summary line at its end.

The bar (rich: records done, events/s, bad records so far, ETA) is shown only when stderr is a terminal and the
data is not going to that same terminal (stdout a terminal too), and never with `--quiet`. Piped or redirected,
stderr gets only the bad records (one line each, as they come) and the summary line. Records' text is data: it is
printed with markup and emoji off, so `[bold]` in an event id is shown as written.
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import Any, TextIO


@dataclass
class Summary:
    """What a batch did: records read, determinations, bad records (`errors`, of which `internal` were bugs),
    seconds of wall time, workers used."""
    records: int = 0
    determinations: int = 0
    errors: int = 0
    internal: int = 0
    seconds: float = 0.0
    workers: int = 1
    evaluator: str = ""                                   # the evaluator the batch ran on
    outputs: list[str] = field(default_factory=list)
    ran_on: list[str] = field(default_factory=list)       # a dataset: host:pid of the process of each partition

    @property
    def exit_code(self) -> int:
        """0 every record evaluated; 1 a bad record (reported in place); 3 a bug stopped a record."""
        return 3 if self.internal else 1 if self.errors else 0

    def line(self) -> str:
        rate = f" ({self.records / self.seconds:,.0f} events/s)" if self.seconds > 0 and self.records else ""
        return (f"creditrules: {self.records:,} events, {self.determinations:,} determinations, {self.errors:,} "
                f"errors in {self.seconds:.1f} s{rate}; {self.workers} worker{'s' if self.workers != 1 else ''}"
                + (f", {self.evaluator} evaluator" if self.evaluator else ""))


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class Reporter:
    """Receives each chunk's counts and messages; draws the bar when `show` (see the module docstring)."""

    def __init__(self, *, quiet: bool = False, total: int | None = None, unit: str = "bytes",
                 stderr: TextIO | None = None, data_to_terminal: bool = False, show: bool | None = None):
        self.stderr = stderr or sys.stderr
        self.quiet = quiet
        self.show = (not quiet and _is_terminal(self.stderr) and not data_to_terminal) if show is None else show
        self.total, self.unit = total, unit
        self.started = time.perf_counter()
        self.records = self.errors = 0
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> Reporter:
        if self.show:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
            console = Console(file=self.stderr, highlight=False, markup=False, emoji=False)
            columns: list[Any] = [TextColumn("{task.fields[records]:>10,} events"),
                                  TextColumn("{task.fields[rate]:>8,.0f} events/s"),
                                  TextColumn("{task.fields[errors]:,} bad")]
            if self.total:
                columns[1:1] = [BarColumn(), TextColumn("{task.percentage:>3.0f}%")]
                columns += [TextColumn("ETA"), TimeRemainingColumn()]
            else:
                columns.append(TimeElapsedColumn())
            self._progress = Progress(*columns, console=console, transient=True, refresh_per_second=4)
            self._progress.start()
            self._task = self._progress.add_task("batch", total=self.total or None, records=0, rate=0.0, errors=0)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def message(self, text: str) -> None:
        """A bad record's line: above the bar when there is one, else straight to stderr."""
        if self._progress is not None:
            self._progress.console.print(text, markup=False, emoji=False, highlight=False, soft_wrap=True)
        else:
            self.stderr.write(text + "\n")

    def advance(self, records: int, errors: int, done: int | None = None) -> None:
        self.records += records
        self.errors += errors
        if self._progress is not None:
            elapsed = time.perf_counter() - self.started
            self._progress.update(self._task, completed=done if done is not None else self.records,
                                  records=self.records, errors=self.errors,
                                  rate=self.records / elapsed if elapsed > 0 else 0.0)

    def finish(self, summary: Summary) -> None:
        self.__exit__()
        if not self.quiet:
            self.stderr.write(summary.line() + "\n")
            self.stderr.flush()
