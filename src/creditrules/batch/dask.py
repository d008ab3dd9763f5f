"""A partitioned dataset on a Dask cluster (the `dask` extra: `pip install 'creditrules[dask]'`).

    from creditrules.batch.dask import evaluate_dataset
    summary = evaluate_dataset("events/*.parquet", "out/", "henan", as_of="2024-06-01",
                               scheduler="tcp://scheduler:8786")

One Dask task per partition (`dataset.evaluate_partition`, the same function `creditrules batch` runs on this
machine's processes without Dask), each writing `part-NNNNN.parquet` of the flat table: a JSONL or CSV file is one
partition, a Parquet file one per group of row groups (`dataset.split`, about PART_ROWS rows each). The pack is
resolved and its digest taken here; each worker resolves it again (the folder if it sees it, else the jurisdiction
name, e.g. the packs installed with creditrules) and refuses to run on another digest. `as_of` is fixed here, so
every worker evaluates on the same day. Paths must be visible to the workers: a shared folder, or an object store
URL (fsspec and the store's package on every worker).

The work is pure Python: give Dask workers one thread each (`dask worker --nthreads 1 --nworkers N`); threads in
one worker share one interpreter lock.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from ..api import DateInput
from ..errors import Diagnostic, Position, UsageError
from .dataset import PART_ROWS, DatasetInterrupted, _collect_one, evaluate_partition, output_paths, partitions, split
from .pipeline import make_job
from .progress import Summary


def _dask() -> Any:
    try:
        import distributed
    except ImportError:                     # pragma: no cover - the extra is not installed
        raise UsageError([Diagnostic("missing-extra", "`dask[distributed]` is not installed", Position(),
                                     "pip install 'creditrules[dask]'")]) from None
    return distributed


def _client(scheduler: Any) -> tuple[Any, Callable[[], None]]:
    """A client and how to let it go: the one given; one connected to an address; the current one; else a
    LocalCluster of one single-threaded worker process per core, closed afterwards."""
    distributed = _dask()
    if isinstance(scheduler, distributed.Client):
        return scheduler, lambda: None
    if scheduler:
        try:
            client = distributed.Client(scheduler, timeout="30s")
        except (OSError, TimeoutError) as exc:
            raise UsageError([Diagnostic("no-scheduler", f"cannot reach the Dask scheduler `{scheduler}`: "
                                         f"{exc.__class__.__name__}: {exc}", Position())]) from None
        return client, client.close
    try:
        return distributed.get_client(), lambda: None
    except ValueError:
        pass
    from .workers import default_workers
    cluster = distributed.LocalCluster(n_workers=default_workers(), threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    client = distributed.Client(cluster)

    def close() -> None:
        client.close()
        cluster.close()
    return client, close


def evaluate_dataset(input_path_or_glob: str | os.PathLike, output_dir: str | os.PathLike,
                     jurisdiction: str | os.PathLike, *, as_of: DateInput = None, scheduler: Any = None,
                     evaluator: str | None = None, lang: str = "en", trace: str = "fired",
                     input_format: str | None = None, overwrite: bool = False, report: Any = None,
                     part_rows: int = PART_ROWS, table: str = "flat") -> Summary:
    """Evaluate every file of a dataset (JSONL, CSV or Parquet; a file, a folder or a glob) on Dask, writing
    `output_dir/part-NNNNN.parquet` (the flat table; the partitions in the sorted order of the input files: a JSONL
    or CSV file is one, a Parquet file's row groups are gathered into partitions of about `part_rows` rows, each a
    task of its own, so one large file is shared by the workers). `scheduler`: a `distributed.Client`, a scheduler
    address, or None (the current client, else a temporary LocalCluster). `evaluator`, `table`: as for
    `evaluate_file`. Returns the Summary; a pack error on a worker is raised here as the PackError it was. `report`:
    a progress.Reporter (bad records' lines, counts), as the command line passes."""
    import time
    started = time.perf_counter()
    job, _plan = make_job(jurisdiction, as_of, evaluator=evaluator, lang=lang, trace=trace, output="parquet",
                          table=table)
    sources = split(partitions(os.fspath(input_path_or_glob), input_format), input_format, part_rows)
    outputs = output_paths(os.fspath(output_dir), len(sources), overwrite)
    client, close = _client(scheduler)
    summary = Summary(workers=len(client.scheduler_info(n_workers=-1).get("workers", {})) or 1,
                      evaluator=job.evaluator)
    import uuid
    distributed = _dask()
    name = f"creditrules-stop-{uuid.uuid4().hex}"
    stop = distributed.Event(name, client=client)
    try:
        futures = client.map(evaluate_partition, [job] * len(sources), list(range(len(sources))), sources, outputs,
                             [input_format] * len(sources), pure=False, stop_event=name)
        # in partition order: messages and counts stay in order (the same collection as a local run)
        cut: list[str] = []
        i = 0                                       # futures[:i] are collected
        try:
            for future in futures:
                _collect_one(future.result(), summary, report, cut)
                i += 1
        except KeyboardInterrupt:
            # Ctrl-C: the tasks running end at their next chunk (a part of the records done), those not begun
            # return at once without a part; all of them are collected, so the message says what is there
            stop.set()
            for future in futures[i:]:
                _collect_one(future.result(), summary, report, cut)
            summary.determinations = summary.records - summary.errors
            raise DatasetInterrupted(summary, os.fspath(output_dir), cut) from None
        summary.workers = len(client.scheduler_info(n_workers=-1).get("workers", {})) or summary.workers
    finally:
        close()
    summary.determinations = summary.records - summary.errors
    summary.seconds = time.perf_counter() - started
    return summary
