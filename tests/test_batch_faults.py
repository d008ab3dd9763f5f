"""Faults during a batch (issues 9 and 13): Ctrl-C keeps every record done, in order and whole (a valid Parquet
file, whole JSONL lines), and a bug on one record stops only that record, in this process and on worker
processes. Real subprocesses and real signals."""
import glob
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_batch import AS_OF, events, ids, outputs, write_jsonl

from conftest import MINI, ROOT

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

FAULTS = Path(__file__).parent / "fixtures" / "faults"      # sitecustomize.py: a bug on one event id, by env var


def _cli(*args):
    return [sys.executable, "-m", "creditrules", *map(str, args)]


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    path = tmp_path_factory.mktemp("big") / "events.jsonl"
    return path, write_jsonl(path, events(40_000, seed=3))


def _interrupt_when(proc, ready, timeout=120):
    """SIGINT to the command once `ready()` says its first output is there."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None and not ready():
        time.sleep(0.02)
    assert proc.poll() is None, "the batch ended before it could be interrupted: give it a larger input"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    return err.decode("utf-8")


def _count(err):
    line = [x for x in err.splitlines() if "interrupted after" in x]
    assert len(line) == 1, err
    return int(line[0].split("interrupted after ")[1].split(" ")[0].replace(",", "")), line[0]


@pytest.mark.parametrize("workers", ["1", "2"])
def test_ctrl_c_keeps_a_valid_parquet_file_of_every_record_done_in_order(big, tmp_path, workers):
    path, expected = big
    out = tmp_path / "out.parquet"
    proc = subprocess.Popen(_cli("evaluate", path, "-j", MINI, "--as-of", AS_OF, "-q", "--workers", workers,
                                 "--table", "full", "-o", out), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=ROOT)
    # the temporary file appears when the first row group (1,024 rows of the full table) is written
    err = _interrupt_when(proc, lambda: any(os.path.getsize(p) > 4 for p in glob.glob(f"{out}.tmp-*")))
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    n, line = _count(err)
    assert f"{out} holds the first {n:,} records (a complete Parquet file)" in line
    assert not glob.glob(f"{out}.tmp-*")
    table = pq.read_table(out)                                   # a valid file: the footer was written
    assert 1024 <= n < len(expected) and table.num_rows == n
    rows = table.to_pylist()
    assert [r["index"] for r in rows] == list(range(n))
    assert [r["event_id"] for r in rows] == expected[:n]         # a prefix of the input, in order
    for r in rows:                                               # each record whole
        assert json.loads(r["determination"])["event_id"] == r["event_id"]


def test_ctrl_c_keeps_whole_jsonl_lines_of_every_record_done_in_order(big, tmp_path):
    path, expected = big
    out = tmp_path / "out.jsonl"
    proc = subprocess.Popen(_cli("evaluate", path, "-j", MINI, "--as-of", AS_OF, "-q", "--workers", "2",
                                 "-o", out), stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    err = _interrupt_when(proc, lambda: out.exists() and out.stat().st_size > 0)
    assert proc.returncode == 130, err
    n, line = _count(err)
    assert f"{out} holds the first {n:,} records (whole lines)" in line
    data = out.read_bytes()
    assert data.endswith(b"\n")
    records = outputs(data)                                       # every line is whole JSON
    assert 0 < n == len(records) < len(expected)
    assert ids(records) == expected[:n]


# --- a bug on one record (issue 13) --------------------------------------------------------------------------------

def _with_fault(monkeypatch, event_id):
    """tests/fixtures/faults/sitecustomize.py makes the engine raise for this event id, in every process started
    with this environment (the command, its spawned workers): the fault is outside creditrules."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(FAULTS), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.setenv("CREDITRULES_TEST_FAULT_EVENT", event_id)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_bug_on_one_record_is_an_internal_error_in_place_and_exit_3(tmp_path, monkeypatch, workers):
    path = tmp_path / "e.jsonl"
    expected = write_jsonl(path, events(1_500, seed=5), bad_every=300)   # > 1,024 records: --workers 2 is used
    fault = expected[700]                                        # line 701 (the bad lines are 301 and 602)
    assert isinstance(fault, str)
    _with_fault(monkeypatch, fault)
    proc = subprocess.run(_cli("evaluate", path, "-j", MINI, "--as-of", AS_OF, "--workers", workers),
                          capture_output=True, cwd=ROOT, timeout=300)
    err = proc.stderr.decode("utf-8")
    assert proc.returncode == 3, err
    assert "Traceback" not in err
    records = outputs(proc.stdout)
    line = 701
    assert ids(records) == expected[:700] + [("error", line)] + expected[701:]   # every other record comes out
    bug = records[700]
    assert bug["index"] == 700 and bug["line"] == line
    assert bug["error"]["code"] == "internal-error" and "RuntimeError" in bug["error"]["message"]
    assert f"{path}:{line}: error internal-error: a bug in creditrules stopped this record" in err
    assert "creditrules: 1,505 events, 1,499 determinations, 6 errors" in err   # 5 bad lines and the bug


@pytest.mark.parametrize("evaluator", ["columnar", "reference"])
def test_a_bug_on_one_record_in_a_parquet_output_is_an_error_row(tmp_path, monkeypatch, evaluator):
    """The flat table on either evaluator: a bug in the columnar evaluator hands its chunk to the reference one
    (and says so), which finds the record; that record is an internal-error row, every other one is evaluated."""
    path = tmp_path / "e.jsonl"
    expected = write_jsonl(path, events(300, seed=6))
    _with_fault(monkeypatch, expected[10])
    out = tmp_path / "out.parquet"
    proc = subprocess.run(_cli("evaluate", path, "-j", MINI, "--as-of", AS_OF, "-q", "--workers", "1", "-o", out,
                               "--evaluator", evaluator), capture_output=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 3, proc.stderr.decode()
    rows = pq.read_table(out).to_pylist()
    assert [r["event_id"] for r in rows] == expected[:10] + [None] + expected[11:]
    assert rows[10]["error_code"] == "internal-error" and rows[10]["line"] == 11
    assert sum(r["level"] is not None for r in rows) == 299
    handed = "the columnar evaluator failed on the chunk of records 0-299 (RuntimeError: test fault on"
    assert (handed in proc.stderr.decode()) == (evaluator == "columnar")


@pytest.mark.parametrize("where", ["local", "dask"])
def test_ctrl_c_during_a_dataset_keeps_every_part_done_and_cuts_the_running_ones_whole(tmp_path, where):
    """`creditrules batch` of one Parquet file in 40 partitions on 2 worker processes (this machine's, or a
    2-worker LocalCluster's), interrupted once the first part is there: each part written is a valid Parquet file
    holding its partition's rows, or their first rows for a partition cut short; the partitions not begun have no
    part."""
    import contextlib
    evs = events(40 * 512, seed=8)
    source = tmp_path / "in.parquet"
    pq.write_table(pa.Table.from_pylist(evs), source, row_group_size=512)
    out = tmp_path / "out"
    with contextlib.ExitStack() as stack:
        if where == "dask":
            distributed = pytest.importorskip("distributed")
            cluster = stack.enter_context(distributed.LocalCluster(n_workers=2, threads_per_worker=1,
                                                                   processes=True, dashboard_address=None,
                                                                   host="127.0.0.1"))
            on = ["--scheduler", cluster.scheduler_address]
        else:
            on = ["--workers", "2"]
        proc = subprocess.Popen(_cli("batch", source, out, "-j", MINI, "--as-of", AS_OF, "-q", "--part-rows", "512",
                                     *on), stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
        err = _interrupt_when(proc, lambda: (out / "part-00000.parquet").exists())
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    n, line = _count(err)
    names = sorted(os.listdir(out))
    assert names and all(x.startswith("part-") and x.endswith(".parquet") for x in names)   # no temporary file
    cut = set(re.findall(r"part-\d{5}\.parquet", line.split("with the first records")[1])) if "with the first" \
        in line else set()
    assert f"holds {len(names) - len(cut)} complete part" in line
    total = 0
    for name in names:
        part = int(name[5:10])
        rows = pq.read_table(out / name).to_pylist()
        start = part * 512
        assert [r["event_id"] for r in rows] == [e["id"] for e in evs[start:start + len(rows)]]
        assert [r["index"] for r in rows] == list(range(start, start + len(rows)))
        assert len(rows) == 512 or name in cut
        total += len(rows)
    assert total == n < len(evs)


def test_a_sigint_during_a_write_waits_for_the_write_to_end():
    """The parent holds SIGINT while a chunk is written and raises it right after (pipeline._HeldInterrupt)."""
    from creditrules.batch.pipeline import _HeldInterrupt
    # pytest-xdist's workers ignore SIGINT: the test puts Python's default handler in place for its duration
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        held = _HeldInterrupt()
        with held:
            held.hold()
            os.kill(os.getpid(), signal.SIGINT)                   # comes in the middle of a write
            time.sleep(0.05)                                      # the handler has run: nothing raised
            assert held.pending
            with pytest.raises(KeyboardInterrupt):
                held.release()                                    # the write is done: now it is raised
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
        # a caller's own handler is left alone
        def own(signum, frame):
            return None
        signal.signal(signal.SIGINT, own)
        with _HeldInterrupt():
            assert signal.getsignal(signal.SIGINT) is own
    finally:
        signal.signal(signal.SIGINT, previous)


def test_a_batch_stopped_by_a_failure_keeps_a_parquet_file_of_the_records_written(tmp_path, monkeypatch, capsys):
    """The pack changed during the run (the third chunk): the batch stops with pack-changed, and the Parquet file
    holds the two chunks written before, whole, with a line saying so."""
    from creditrules.batch import evaluate_file, workers
    from creditrules.errors import Diagnostic, PackError
    real = workers.evaluate_chunk

    def changed(job, seq, records):
        if seq == 2:
            return workers.ChunkResult(seq, None, failure=("PackError", [Diagnostic("pack-changed", "changed")]))
        return real(job, seq, records)
    monkeypatch.setattr(workers, "evaluate_chunk", changed)
    path = tmp_path / "e.jsonl"
    expected = write_jsonl(path, events(100, seed=9))
    out = tmp_path / "out.parquet"
    with pytest.raises(PackError):
        evaluate_file(path, MINI, AS_OF, output=out, workers=1, chunk_size=20)
    rows = pq.read_table(out).to_pylist()
    assert [r["event_id"] for r in rows] == expected[:40]
    assert f"creditrules: stopped after 40 records; {out} holds the first 40 records" in capsys.readouterr().err


def test_a_bug_in_reading_one_line_stops_only_that_line(tmp_path, monkeypatch):
    """The workers parse the JSONL lines: a bug there (not a bad line) is an internal-error record in place."""
    from creditrules.batch import evaluate_file, readers
    real = readers._parse

    def buggy(raw):
        if b'"e3"' in raw:
            raise IndexError("test fault")
        return real(raw)
    monkeypatch.setattr(readers, "_parse", buggy)
    path = tmp_path / "e.jsonl"
    expected = write_jsonl(path, events(8))
    out = tmp_path / "out.jsonl"
    summary = evaluate_file(path, MINI, AS_OF, output=out, workers=1, chunk_size=4)
    records = outputs(out.read_bytes())
    assert ids(records) == expected[:3] + [("error", 4)] + expected[4:]
    assert records[3]["error"]["code"] == "internal-error" and "IndexError" in records[3]["error"]["message"]
    assert summary.exit_code == 3 and summary.internal == 1
