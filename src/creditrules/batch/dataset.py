"""A partitioned dataset (files of JSONL, CSV or Parquet) into partitioned Parquet: one task per partition (a JSONL
or CSV file, or consecutive row groups of a Parquet file: `split`), each writing `part-NNNNN.parquet` (the flat
table) in the output folder. `evaluate_partition` is the task, the same on this machine's worker processes
(`evaluate_partitions`) and on a Dask cluster (`creditrules.batch.dask`). Ctrl-C: DatasetInterrupted.

Paths are local, or URLs (`s3://`, `gs://`, `file://` ...) read and written through fsspec when it is installed
(with the filesystem's own package, e.g. s3fs, on every worker).
"""
from __future__ import annotations

import glob
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ..errors import CreditRulesError, Diagnostic, InputError, Position, UsageError
from .formats import SUFFIXES, input_format_of
from .progress import Summary
from .workers import Job, Runner, stop_requested
from .writers import row_group

PART = "part-{:05d}.parquet"


def _is_url(path: str) -> bool:
    return "://" in path


def _fs(path: str) -> tuple[Any, str]:
    try:
        from fsspec.core import url_to_fs
    except ImportError:                     # pragma: no cover - fsspec comes with the dask extra
        raise UsageError([Diagnostic("missing-extra", f"`{path}` is a URL: reading it needs fsspec", Position(),
                                     "pip install 'creditrules[dask]' (and s3fs, gcsfs ... for the store)")]) from None
    return url_to_fs(path)


def partitions(source: str, input_format: str | None = None) -> list[str]:
    """The input files, sorted: a file, a folder (its .jsonl/.ndjson/.csv/.parquet/.pq files, recursively) or a
    glob pattern. Hidden files (`.x`, `_x`, as Spark and Dask write them) are left out."""
    def wanted(p: str) -> bool:
        base = os.path.basename(p.rstrip("/"))
        return not base.startswith((".", "_")) and (input_format is not None or os.path.splitext(base)[1].lower()
                                                    in SUFFIXES)
    if _is_url(source):
        fs, path = _fs(source)
        protocol = source.split("://", 1)[0]
        if any(ch in path for ch in "*?["):
            found = fs.glob(path)
        elif fs.isdir(path):
            found = [p for p in fs.find(path)]
        else:
            found = [path] if fs.exists(path) else []
        files = sorted(f"{protocol}://{p.lstrip('/') if protocol != 'file' else p}" for p in found if wanted(p))
    elif any(ch in source for ch in "*?["):
        files = sorted(p for p in glob.glob(source, recursive=True) if os.path.isfile(p) and wanted(p))
    elif os.path.isdir(source):
        files = sorted(os.path.join(d, f) for d, _, names in os.walk(source) for f in names
                       if wanted(os.path.join(d, f)) and not any(part.startswith((".", "_")) for part in
                                                                 os.path.relpath(d, source).split(os.sep)
                                                                 if part != "."))
    else:
        files = [source] if os.path.isfile(source) else []
    if not files:
        raise InputError([Diagnostic("file-missing", f"no input files at `{source}`", Position(source),
                                     "give a file, a folder or a glob of .jsonl, .csv or .parquet files")])
    return files


PART_ROWS = 65_536          # a Parquet file's row groups are gathered into partitions of about this many rows


@dataclass(frozen=True)
class Part:
    """One partition: a whole file, or consecutive row groups of a Parquet file (`row_groups`), so a large file is
    shared by several workers. Indexes and row numbers in the output stay the file's own."""
    source: str
    row_groups: tuple[int, ...] | None = None

    def __str__(self) -> str:
        if self.row_groups is None:
            return self.source
        first, last = self.row_groups[0], self.row_groups[-1]
        return f"{self.source} (row groups {first}-{last})" if last != first else f"{self.source} (row group {first})"


def _row_group_sizes(source: str) -> list[int]:
    import pyarrow.parquet as pq
    try:
        if _is_url(source):
            fs, path = _fs(source)
            with fs.open(path, "rb") as stream:
                meta = pq.ParquetFile(stream).metadata
        else:
            meta = pq.ParquetFile(source).metadata
    except Exception:  # noqa: BLE001 - not Parquet (or unreadable): one partition, whose task reports it as the
        return []      # reader does (bad-parquet, file-missing)
    return [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]


def split(files: Sequence[str], input_format: str | None = None, part_rows: int = PART_ROWS) -> list[Part]:
    """The partitions of these files, in order: a JSONL or CSV file is one; a Parquet file's row groups are
    gathered, in order, into partitions of at most `part_rows` rows (a row group larger than that is one
    partition of its own). A Parquet file of one row group, or of at most `part_rows` rows, stays whole."""
    parts: list[Part] = []
    for source in files:
        sizes = _row_group_sizes(source) if input_format_of(source, input_format) == "parquet" else []
        if len(sizes) <= 1 or sum(sizes) <= part_rows:
            parts.append(Part(source))
            continue
        group: list[int] = []
        rows = 0
        for i, n in enumerate(sizes):
            if group and rows + n > part_rows:
                parts.append(Part(source, tuple(group)))
                group, rows = [], 0
            group.append(i)
            rows += n
        parts.append(Part(source, tuple(group)))
    return parts


@dataclass
class PartitionResult:
    partition: int
    source: str
    output: str
    records: int = 0
    errors: int = 0
    internal: int = 0
    messages: list[str] = field(default_factory=list)
    failure: tuple[str, list[Diagnostic]] | None = None
    worker: str = ""                   # host:pid of the process that ran it
    interrupted: bool = False          # stopped by Ctrl-C: `output` holds the first `records` records of the part


class DatasetInterrupted(KeyboardInterrupt):
    """Ctrl-C during `creditrules batch`: the partitions done are complete parts; those running when it came are
    parts of the records done (each a valid Parquet file); those not begun have no part."""

    def __init__(self, summary: Summary, output_dir: str, cut: list[str]):
        super().__init__()
        self.summary, self.output_dir, self.cut = summary, output_dir, cut

    def line(self) -> str:
        s = self.summary
        complete = len(s.outputs) - len(self.cut)
        whose = "their partitions" if len(self.cut) > 1 else "its partition"
        cut = (f", and {len(self.cut)} cut short, with the first records of {whose} "
               f"({', '.join(os.path.basename(c) for c in self.cut)})" if self.cut else "")
        return (f"creditrules: interrupted after {s.records:,} records ({s.errors:,} errors); {self.output_dir} "
                f"holds {complete} complete part{'s' if complete != 1 else ''}{cut}; the partitions not begun have "
                "no part")


def _open_source(source: str, fmt: str, vocab: Any, row_groups: Sequence[int] | None = None) -> Any:
    from .readers import open_input
    if _is_url(source):
        fs, path = _fs(source)
        stream = fs.open(path, "rb")
        try:
            reader = open_input(stream, fmt, vocab, name=source, row_groups=row_groups, raw=True)
        except BaseException:
            stream.close()
            raise
        inner = reader._close

        def close() -> None:
            inner()
            stream.close()
        reader._close = close
        return reader
    return open_input(source, fmt, vocab, name=source, row_groups=row_groups, raw=True)


def _write_table(output: str, chunks: Iterator[Any], written: Callable[[Any], None], rows: int) -> None:
    """Write each chunk's record batch as it comes (`written(chunk)` once it is in the file); Ctrl-C in this
    process (held while a chunk is written) or a stop from the parent (the iterator ends) leaves a complete file
    of the rows done. Another failure leaves no file."""
    from .pipeline import _HeldInterrupt
    from .writers import ParquetOutput
    if _is_url(output):
        import pyarrow.parquet as pq

        from .table import schema
        fs, path = _fs(output)
        with fs.open(path, "wb") as stream, pq.ParquetWriter(stream, schema(), compression="zstd") as writer:
            def batches() -> Iterator[Any]:
                for chunk in chunks:
                    yield chunk.payload
                    written(chunk)
            for table in _grouped(batches(), rows):
                writer.write_table(table, row_group_size=rows)
        return
    out = ParquetOutput(output, rows)
    ok = False
    held = _HeldInterrupt()
    try:
        with held:
            for chunk in chunks:
                held.hold()
                out.write(chunk.payload)
                written(chunk)
                held.release()
        ok = True
    except KeyboardInterrupt:
        ok = True
        raise
    finally:
        held.holding = True
        out.close(ok)


def _grouped(batches: Iterator[Any], size: int) -> Iterator[Any]:
    """Record batches gathered into tables of `size` rows, as ParquetOutput writes them."""
    import pyarrow as pa

    from .table import schema
    pending, rows = [], 0
    for batch in batches:
        pending.append(batch)
        rows += batch.num_rows
        if rows >= size:
            yield pa.Table.from_batches(pending, schema=schema())
            pending, rows = [], 0
    if pending:
        yield pa.Table.from_batches(pending, schema=schema())


def _stopper(stop_event: str | None) -> Callable[[], bool]:
    """Has Ctrl-C come? Asked of this worker process's Event (the local pool), or of the Dask cluster's Event of
    this name (`distributed.Event`: one call to the scheduler per chunk)."""
    if stop_event is None:
        return stop_requested
    import distributed
    event = distributed.Event(stop_event)
    return lambda: stop_requested() or event.is_set()


def evaluate_partition(job: Job, partition: int, source: str | Part, output: str, input_format: str | None = None,
                       chunk_size: int | None = None, stop_event: str | None = None) -> PartitionResult:
    """One input file (or a Part: some row groups of a Parquet file) into one Parquet file of the flat table, in
    this process. Never raises a CreditRulesError (it does not survive pickling): a failure is returned in the
    result and raised again by `raise_failure`. `stop_event`: the name of a Dask Event that says Ctrl-C came."""
    import socket

    from ..api import plan_for
    part = source if isinstance(source, Part) else Part(source)
    source = part.source
    result = PartitionResult(partition, str(part), output, worker=f"{socket.gethostname()}:{os.getpid()}")
    stopped = _stopper(stop_event)
    if stopped():                                      # Ctrl-C before it began: no part
        result.output, result.interrupted = "", True
        return result
    try:
        plan = plan_for(job.target)
        if plan.digest != job.digest:
            raise InputError([Diagnostic("pack-changed", f"this worker's pack `{job.target}` has digest "
                                         f"{plan.digest}; the batch started with {job.digest}",
                                         Position(job.jurisdiction), "install the same pack on every worker")])
        fmt = input_format_of(source, input_format)
        part_job = replace(job, output="parquet", where=source, unit="row" if fmt == "parquet" else "line",
                           summary=None)
        reader = _open_source(source, fmt, plan.vocab, part.row_groups)
        try:
            def chunks() -> Iterator[Any]:
                for chunk in Runner(part_job, reader, 1, chunk_size):
                    yield chunk
                    if stopped():                      # Ctrl-C in the parent: this part ends here
                        result.interrupted = True
                        return

            def written(chunk: Any) -> None:
                result.records += chunk.records
                result.errors += chunk.errors
                result.internal += chunk.internal
                result.messages += chunk.messages
            _write_table(output, chunks(), written, row_group(part_job.flat))
        except KeyboardInterrupt:                      # Ctrl-C, evaluated in the parent's own process
            result.interrupted = True
        finally:
            reader.close()
    except CreditRulesError as exc:
        result.failure = (type(exc).__name__, list(exc.diagnostics))
    return result


def raise_failure(result: PartitionResult) -> None:
    if result.failure is not None:
        from .. import errors
        name, diagnostics = result.failure
        raise getattr(errors, name, CreditRulesError)(diagnostics)


def output_paths(output_dir: str, count: int, overwrite: bool) -> list[str]:
    """`part-00000.parquet` ... in the output folder, which is made; a folder holding files already is refused
    unless `overwrite` (then its part-*.parquet files are removed first)."""
    names = [PART.format(i) for i in range(count)]
    if _is_url(output_dir):
        fs, path = _fs(output_dir)
        fs.makedirs(path, exist_ok=True)
        existing = [p for p in fs.ls(path, detail=False)]
        if existing and not overwrite:
            raise UsageError([Diagnostic("output-exists", f"the output folder `{output_dir}` is not empty",
                                         Position(output_dir), "give an empty folder, or --overwrite")])
        for p in existing:
            if os.path.basename(p).startswith("part-"):
                fs.rm(p)
        return [output_dir.rstrip("/") + "/" + n for n in names]
    os.makedirs(output_dir, exist_ok=True)
    existing = os.listdir(output_dir)
    if existing and not overwrite:
        raise UsageError([Diagnostic("output-exists", f"the output folder `{output_dir}` is not empty",
                                     Position(output_dir), "give an empty folder, or --overwrite")])
    for name in existing:
        if name.startswith("part-") and name.endswith(".parquet"):
            os.unlink(os.path.join(output_dir, name))
    return [os.path.join(output_dir, n) for n in names]


def _run_partition(args: tuple) -> PartitionResult:
    return evaluate_partition(*args)


def evaluate_partitions(job: Job, sources: Sequence[str | Part], outputs: list[str], *, workers: int | None = None,
                        input_format: str | None = None, report: Any = None) -> Summary:
    """Every partition on this machine: one worker process per partition at a time (`workers`, default every
    core), or in this process with workers=1 or a single partition. Results are reported in partition order.
    Ctrl-C: the partitions running end at their next chunk, each a part of the records done; those not begun are
    not run; DatasetInterrupted says what was done."""
    from .workers import _context, default_workers
    n = min(workers or default_workers(), len(sources))
    summary = Summary(workers=n, evaluator=job.evaluator)
    tasks = [(job, i, s, o, input_format) for i, (s, o) in enumerate(zip(sources, outputs, strict=True))]
    folder = os.path.dirname(outputs[0]) if outputs else ""
    cut: list[str] = []
    if n <= 1:
        try:
            for task in tasks:
                if _collect_one(_run_partition(task), summary, report, cut):
                    break
        except KeyboardInterrupt:
            _interrupted(summary, folder, cut)
        if cut:
            _interrupted(summary, folder, cut)
        return _done(summary)
    from concurrent.futures import ProcessPoolExecutor

    from .workers import _init_worker
    stop = _context().Event()
    with ProcessPoolExecutor(max_workers=n, mp_context=_context(), initializer=_init_worker,
                             initargs=(job, stop)) as pool:
        futures = [pool.submit(_run_partition, task) for task in tasks]
        i = 0                                      # futures[:i] are collected
        try:
            for future in futures:
                result = future.result()
                _collect_one(result, summary, report, cut)
                i += 1
        except KeyboardInterrupt:
            stop.set()                             # the running partitions end at their next chunk
            for future in futures[i:]:
                future.cancel()                    # the others are not begun
            for future in futures[i:]:
                if not future.cancelled():
                    _collect_one(future.result(), summary, report, cut)
            _interrupted(summary, folder, cut)
    return _done(summary)


def _interrupted(summary: Summary, folder: str, cut: list[str]) -> None:
    _done(summary)
    raise DatasetInterrupted(summary, folder, cut) from None


def _done(summary: Summary) -> Summary:
    summary.determinations = summary.records - summary.errors
    return summary


def _collect_one(result: PartitionResult, summary: Summary, report: Any, cut: list[str]) -> bool:
    """Add one partition's result; True if it was interrupted (its part holds the records done)."""
    raise_failure(result)
    summary.records += result.records
    summary.errors += result.errors
    summary.internal += result.internal
    if result.output:
        summary.outputs.append(result.output)
        summary.ran_on.append(result.worker)
        if result.interrupted:
            cut.append(result.output)
    if report is not None:
        for line in result.messages:
            report.message(line)
        report.advance(result.records, result.errors)
    return result.interrupted


def _collect(results: Any, summary: Summary, report: Any) -> Summary:
    cut: list[str] = []
    for result in results:
        _collect_one(result, summary, report, cut)
    return _done(summary)
