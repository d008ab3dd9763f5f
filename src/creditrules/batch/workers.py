"""Evaluating a batch chunk by chunk, in this process or on a pool of worker processes, in input order.

A chunk is up to CHUNK records (COLUMNAR_CHUNK on the columnar evaluator). `evaluate_chunk(job, seq, records)`
evaluates one through the library (`api.evaluate_records`, or for the columnar evaluator
`backends.columnar.evaluate_records` on the whole chunk) and encodes the result at once (JSONL bytes, text, or an
Arrow record batch of the flat table), so only bytes cross between processes and the output of a chunk is the same
wherever it was made: the output of N workers is byte for byte the output of one.

The pool (`--workers N`): `concurrent.futures.ProcessPoolExecutor` on the `spawn` context; each worker builds the
plan once, in its initializer, through the workspace. At most `2 * N` chunks are in flight, results are taken
in submission order (a deque of futures): memory is bounded by the window, never by the input.

Every chunk checks that each determination carries the digest the batch started with: a pack edited during a run
stops it (PackError) rather than mixing two packs in one output. A bug that raises on one record (anything but
CreditRulesError) makes that record an `internal-error` record, the chunk is re-run record by record, and the
command exits 3: every other record is still evaluated.
"""
from __future__ import annotations

import datetime as dt
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from itertools import islice
from typing import Any

from .. import errors as _errors
from ..api import BatchItem, evaluate_records
from ..errors import CreditRulesError, Diagnostic, PackError, Position
from ..records import Record

CHUNK = 256                 # records per chunk
COLUMNAR_CHUNK = 8192       # records per chunk on the columnar evaluator (a batch has a fixed cost: its plans)
AUTO_CHUNKS = 4             # --workers unset: an input of at most this many chunks is evaluated in this process
WINDOW_PER_WORKER = 2       # chunks in flight per worker


@dataclass(frozen=True)
class Job:
    """Everything a worker needs to evaluate chunks: picklable, resolved once in the parent (the pack folder and
    its digest, as_of as a date: every worker evaluates against the same pack on the same day)."""
    jurisdiction: str                  # the pack folder the parent resolved
    name: str                          # the jurisdiction as given (resolved again where the folder is not there)
    digest: str
    as_of: dt.date
    evaluator: str = "reference"
    lang: str = "en"
    trace: str = "fired"
    output: str = "jsonl"              # jsonl | text | parquet
    table: str = "flat"                # parquet: flat (the determination JSON left out) | full (with it)
    where: str = "<batch>"             # the input's name in positions and messages
    unit: str = "line"                 # line | row (Parquet): how messages name a record's place
    summary: Callable[[Any], str] | None = field(default=None, compare=False)   # output "text": det -> text

    @property
    def target(self) -> str:
        return self.jurisdiction if os.path.isdir(self.jurisdiction) else self.name

    @property
    def flat(self) -> bool:
        """The output is the flat table alone: no determination JSON is made."""
        return self.output == "parquet" and self.table == "flat"

    @property
    def chunk(self) -> int:
        return COLUMNAR_CHUNK if self.evaluator == "columnar" else CHUNK


@dataclass
class ChunkResult:
    seq: int
    payload: Any                       # bytes (jsonl, text) or a pyarrow.RecordBatch (parquet)
    records: int = 0
    errors: int = 0
    internal: int = 0
    messages: list[str] = field(default_factory=list)     # one stderr line per diagnostic of a bad record
    failure: tuple[str, list[Diagnostic]] | None = None  # a CreditRulesError that stops the batch (picklable)

    def raise_failure(self) -> None:
        if self.failure is not None:
            name, diagnostics = self.failure
            cls = getattr(_errors, name, CreditRulesError)
            raise cls(diagnostics)


def chunks(records: Iterable[Record], size: int = CHUNK) -> Iterator[list[Record]]:
    it = iter(records)
    while True:
        chunk = list(islice(it, size))
        if not chunk:
            return
        yield chunk


@dataclass
class _Done:
    """One record evaluated and at once encoded (`piece`: its JSONL line or text, or its table row): the chunk does
    not hold its determinations, so its working set stays small. `digest`: the determination's pack digest."""
    index: int
    line: int | None
    error: CreditRulesError | None
    digest: str | None
    piece: Any


def _settle(job: Job, item: BatchItem) -> _Done:
    digest = item.data["pack"]["digest"] if item.data is not None else None
    if job.output == "parquet":
        from .table import row
        piece: Any = row(item, full=not job.flat)
    elif job.output == "text":
        assert job.summary is not None
        if item.error is None:
            piece = f"line {item.line}: {job.summary(item.determination)}\n".encode()
        else:
            piece = "".join(_message(job, item.line, d) + "\n" for d in item.error.diagnostics).encode("utf-8")
    else:
        piece = item.to_json() + b"\n"
    return _Done(item.index, item.line, item.error, digest, piece)


def _items(job: Job, records: list[Record]) -> list[_Done]:
    """The reference (or durable) evaluator, record by record, each record settled as it comes. The flat table
    needs no trace: none is made."""
    trace = "none" if job.flat else job.trace

    def run(part: list[Record]) -> list[_Done]:
        return [_settle(job, item) for item in evaluate_records(part, job.target, job.as_of, evaluator=job.evaluator,
                                                                lang=job.lang, trace=trace, where=job.where)]
    try:
        return run(records)
    except CreditRulesError:
        raise                                          # the pack or an option: the whole batch stops
    except Exception:  # noqa: BLE001 - a bug on some record: find it, report it in place, keep the others
        done: list[_Done] = []
        for record in records:
            try:
                done += run([record])
            except CreditRulesError:
                raise
            except Exception as exc:  # noqa: BLE001
                bug = CreditRulesError([_bug(job, record, exc)])
                done.append(_settle(job, BatchItem(record.index, error=bug, line=record.line)))
        return done


def _columnar(job: Job, records: list[Record]) -> tuple[Any, list[_Done]]:
    """The columnar evaluator on the whole chunk (backends/columnar.py `evaluate_records`): the flat table as an
    Arrow record batch of the batch schema (None unless `job.flat`), and the records settled: every one with the
    JSON, else only the bad ones (the table holds the others). A bug raises (the caller hands the chunk over)."""
    from ..api import plan_for
    from ..backends.columnar import evaluate_records as columnar_records
    plan = plan_for(job.target)
    if plan.digest != job.digest:
        raise PackError([_changed(job, plan.digest)])
    unread = [BatchItem(r.index, error=_errors.InputError([r.error]), line=r.line) for r in records
              if r.error is not None]
    table, items, refused = columnar_records(plan, ((r.index, r.line, r.data) for r in records if r.error is None),
                                             job.as_of, full=not job.flat, lang=job.lang, trace=job.trace,
                                             where=job.where)
    if not job.flat:
        return None, [_settle(job, item) for item in sorted(unread + items, key=lambda item: item.index)]
    from .table import arrow_table
    bad = sorted(unread + refused, key=lambda item: item.index)
    return arrow_table(table, unread), [_settle(job, item) for item in bad]


def _changed(job: Job, digest: str) -> Diagnostic:
    return Diagnostic("pack-changed", f"the pack changed during the batch (digest {job.digest} at the start, "
                      f"{digest} now); run the batch again", Position(job.jurisdiction))


def _bug(job: Job, record: Record, exc: Exception) -> Diagnostic:
    return Diagnostic("internal-error", f"a bug in creditrules stopped this record ({exc.__class__.__name__}: "
                      f"{_errors.shorten(str(exc), 200)}); please report it", Position(job.where, record.line, 0))


def _parsed(job: Job, record: Record) -> Record:
    """A JSONL line parsed here, in the worker (readers.parse_raw); a bug in the reader stops only this record."""
    from .readers import parse_raw
    try:
        return parse_raw(record, job.where)
    except Exception as exc:  # noqa: BLE001 - as in _items: reported in place, the others go on
        return Record(record.index, record.line, None, _bug(job, record, exc))


def _message(job: Job, line: int | None, d: Diagnostic) -> str:
    place = job.where if not line else (f"{job.where}:{line}" if job.unit == "line" else f"{job.where}: row {line}")
    return f"{place}: error {d.code}: {d.message}" + (f" ({d.hint})" if d.hint else "")


def evaluate_chunk(job: Job, seq: int, records: list[Record]) -> ChunkResult:
    """Evaluate one chunk and encode its output (see the module docstring). JSONL lines come unparsed (the
    parent only splits them): they are parsed here, in the worker."""
    records = [_parsed(job, r) for r in records]
    try:
        table, done, notes = _evaluated(job, records)
    except CreditRulesError as exc:
        return ChunkResult(seq, None, failure=(type(exc).__name__, list(exc.diagnostics)))
    result = ChunkResult(seq, None, records=len(records), messages=notes)
    for one in done:
        if one.error is not None:
            result.errors += 1
            result.internal += any(d.code == "internal-error" for d in one.error.diagnostics)
            result.messages += [_message(job, one.line, d) for d in one.error.diagnostics]
        elif one.digest is not None and one.digest != job.digest:
            return ChunkResult(seq, None, failure=("PackError", [_changed(job, one.digest)]))
    result.payload = _encoded(job, done, table)
    return result


def _evaluated(job: Job, records: list[Record]) -> tuple[Any, list[_Done], list[str]]:
    """(the flat table's record batch when the columnar evaluator made it, else None; the records settled; notes
    for stderr). A bug in the columnar evaluator hands the chunk to the reference evaluator, which finds the record
    it meets (if any) and reports it in place; a note says so."""
    if job.evaluator != "columnar":
        return None, _items(job, records), []
    try:
        table, done = _columnar(job, records)
        return table, done, []
    except CreditRulesError:
        raise
    except Exception as exc:  # noqa: BLE001 - a bug: the reference evaluator takes the chunk over
        note = (f"{job.where}: creditrules: the columnar evaluator failed on the chunk of records "
                f"{records[0].index}-{records[-1].index} ({exc.__class__.__name__}: "
                f"{_errors.shorten(str(exc), 200)}); the reference evaluator evaluated them; please report it")
        return None, _items(replace(job, evaluator="reference"), records), [note]


def _encoded(job: Job, done: list[_Done], table: Any) -> Any:
    """The chunk's output: an Arrow record batch of the table (Parquet), or bytes (JSONL, text)."""
    if job.output == "parquet":
        from .table import rows_batch
        return table if table is not None else rows_batch(one.piece for one in done)
    return b"".join(one.piece for one in done)


# --- the pool -------------------------------------------------------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _init_worker(job: Job, stop: Any = None) -> None:
    """Build the plan and the backend once, in each worker (cached by the workspace for the worker's life).
    Ctrl-C is the parent's to handle (it stops submitting, lets the running chunks end and says what was done):
    a worker ignores SIGINT, so no worker prints a traceback. `stop`: a multiprocessing Event the parent sets on
    Ctrl-C, for work longer than a chunk (a dataset's partition ends at its next chunk)."""
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER["job"] = job
    _WORKER["stop"] = stop
    try:
        from ..api import plan_for
        from ..workspace import default_workspace
        plan = plan_for(job.target)
        default_workspace().prepared(plan, job.evaluator)
        if plan.digest != job.digest:
            raise PackError([Diagnostic("pack-changed", f"the worker found another pack at {job.target} (digest "
                                        f"{plan.digest}, the batch started with {job.digest})",
                                        Position(job.jurisdiction))])
    except CreditRulesError as exc:
        _WORKER["failure"] = (type(exc).__name__, list(exc.diagnostics))
    freeze_heap()


def freeze_heap() -> None:
    """Move every object alive now (modules, the plan, the backend) out of the cyclic collector's sight
    (`gc.freeze`): they live as long as the process, and the collector no longer walks them again and again while
    the batch runs (about a tenth of the CPU time of a batch). Only in processes creditrules owns: the command line
    and its workers, never under a library caller."""
    import gc
    gc.collect()
    gc.freeze()


def stop_requested() -> bool:
    """The parent asked this worker process to stop (Ctrl-C); never in the parent itself."""
    stop = _WORKER.get("stop")
    return stop is not None and stop.is_set()


def _run_in_worker(seq: int, records: list[Record]) -> ChunkResult:
    if "failure" in _WORKER:
        return ChunkResult(seq, None, failure=_WORKER["failure"])
    return evaluate_chunk(_WORKER["job"], seq, records)


def default_workers() -> int:
    """Every core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:                     # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _context() -> Any:
    """`spawn`: fresh interpreters, on every platform the same; the workers are this process's own children, so
    their CPU time is counted in its rusage (forkserver's workers are the server's children, and fork would copy
    the parent's threads)."""
    return multiprocessing.get_context("spawn")


class Runner:
    """The results of every chunk of `records`, in input order (iterate once). `workers`: 1 evaluates here; N > 1
    on N worker processes; None (the default) every core, except that an input of at most AUTO_CHUNKS chunks is
    evaluated here (starting workers would take longer than the work). The output is the same in every case.
    `self.workers` is the number used (known once iteration has begun). A failure (a pack error in a chunk) is
    raised as the CreditRulesError it was."""

    def __init__(self, job: Job, records: Iterable[Record], workers: int | None = None, chunk_size: int | None = None):
        self.job, self.records, self.chunk_size = job, records, chunk_size or job.chunk
        self.requested = workers
        self.workers = max(1, workers) if workers is not None else default_workers()

    def __iter__(self) -> Iterator[ChunkResult]:
        pending = chunks(self.records, self.chunk_size)
        if self.requested is None:
            head = list(islice(pending, AUTO_CHUNKS + 1))
            if len(head) <= AUTO_CHUNKS:
                self.workers = 1
            pending = _chain(head, pending)
        if self.workers == 1:
            for seq, chunk in enumerate(pending):
                result = evaluate_chunk(self.job, seq, chunk)
                result.raise_failure()
                yield result
            return
        yield from _pool(self.job, pending, self.workers)


def _chain(head: list[list[Record]], rest: Iterator[list[Record]]) -> Iterator[list[Record]]:
    yield from head
    yield from rest


def _pool(job: Job, pending: Iterator[list[Record]], n: int) -> Iterator[ChunkResult]:
    from concurrent.futures import Future, ProcessPoolExecutor
    pool = ProcessPoolExecutor(max_workers=n, mp_context=_context(), initializer=_init_worker, initargs=(job,))
    window: deque[Future] = deque()
    try:
        for seq, chunk in enumerate(pending):
            window.append(pool.submit(_run_in_worker, seq, chunk))
            if len(window) >= WINDOW_PER_WORKER * n:
                result = window.popleft().result()
                result.raise_failure()
                yield result
        while window:
            result = window.popleft().result()
            result.raise_failure()
            yield result
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
