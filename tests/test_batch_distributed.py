"""The batch function on a real Dask cluster (LocalCluster, two worker processes, the scheduler on loopback) and,
where pyspark and a JRE are installed, under Spark's mapInArrow: the same rows as a run on this machine."""
import importlib.util
import os
import shutil
import subprocess
import sys

import pytest
from test_batch import AS_OF, CSV, events, write_jsonl

from conftest import MINI, ROOT

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")


@pytest.fixture
def dataset(tmp_path):
    data = tmp_path / "in"
    data.mkdir()
    write_jsonl(data / "a.jsonl", events(60, seed=21), bad_every=25)
    pq.write_table(pa.Table.from_pylist(events(50, seed=22)), data / "b.parquet", row_group_size=16)
    (data / "c.csv").write_text(CSV, encoding="utf-8")
    return data


def test_dask_cluster_gives_the_rows_of_a_local_run(dataset, tmp_path):
    distributed = pytest.importorskip("distributed")
    local = tmp_path / "local"
    proc = subprocess.run([sys.executable, "-m", "creditrules", "batch", str(dataset), str(local), "-j", str(MINI),
                           "--as-of", AS_OF, "--workers", "1"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  host="127.0.0.1") as cluster:
        out = tmp_path / "dask"
        proc = subprocess.run([sys.executable, "-m", "creditrules", "batch", str(dataset), str(out), "-j", str(MINI),
                               "--as-of", AS_OF, "--scheduler", cluster.scheduler_address], capture_output=True,
                              text=True, cwd=ROOT, timeout=180)
        assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
        with distributed.Client(cluster) as client:
            ran_on = {k["name"] for k in client.scheduler_info(n_workers=-1)["workers"].values()}
            assert len(ran_on) == 2
        from creditrules.batch.dask import evaluate_dataset  # the library call, same cluster
        lib = tmp_path / "lib"
        summary = evaluate_dataset(dataset / "*.jsonl", lib, MINI, as_of=AS_OF, scheduler=cluster.scheduler_address)
        assert (summary.records, summary.errors, summary.workers) == (62, 2, 2)
    names = sorted(os.listdir(local))
    assert names == sorted(os.listdir(out)) == ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    total = 0
    for name in names:
        here, there = pq.read_table(local / name), pq.read_table(out / name)
        assert here.to_pylist() == there.to_pylist()                          # row for row
        total += here.num_rows
    assert total == 62 + 50 + 9
    assert "creditrules: 121 events, 116 determinations, 5 errors" in proc.stderr
    assert pq.read_table(lib / "part-00000.parquet").to_pylist() == pq.read_table(local / names[0]).to_pylist()


def test_one_parquet_file_is_shared_by_two_dask_workers_row_group_by_row_group(tmp_path):
    """One Parquet file of 8 row groups: 4 partitions of 2 row groups (--part-rows 128), 4 tasks on 2 worker
    processes; the parts, read in order, are the rows of the whole file evaluated here, with the file's own indexes
    and row numbers."""
    distributed = pytest.importorskip("distributed")
    from creditrules.batch.dask import evaluate_dataset
    from creditrules.batch.dataset import Part, split
    from creditrules.batch.pipeline import evaluate_file
    evs = events(8 * 64, seed=31)
    evs[70] = {"id": "bad", "subject": {"type": "legal_person"}, "kind": "no_such_kind"}   # row 71: an error row
    source = tmp_path / "one.parquet"
    pq.write_table(pa.Table.from_pylist(evs), source, row_group_size=64)
    assert pq.ParquetFile(source).metadata.num_row_groups == 8
    assert split([str(source)], None, 128) == [Part(str(source), (0, 1)), Part(str(source), (2, 3)),
                                               Part(str(source), (4, 5)), Part(str(source), (6, 7))]
    whole = tmp_path / "whole.parquet"
    evaluate_file(source, MINI, AS_OF, output=whole, workers=1)
    expected = pq.read_table(whole).to_pylist()
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  host="127.0.0.1") as cluster:
        out = tmp_path / "dask"
        summary = evaluate_dataset(source, out, MINI, as_of=AS_OF, scheduler=cluster.scheduler_address,
                                   part_rows=128)
    names = sorted(os.listdir(out))
    assert names == [f"part-0000{i}.parquet" for i in range(4)]               # 4 partitions, 4 tasks
    assert (summary.records, summary.errors, summary.workers) == (512, 1, 2)
    assert len(summary.ran_on) == 4 and len(set(summary.ran_on)) == 2        # the two workers shared the file
    rows = [r for name in names for r in pq.read_table(out / name).to_pylist()]
    assert rows == expected                                                   # row for row, in order
    assert rows[70]["line"] == 71 and rows[70]["error_code"] is not None
    assert [r["index"] for r in rows] == list(range(512))
    local = tmp_path / "local"                                                # the same parts without Dask
    proc = subprocess.run([sys.executable, "-m", "creditrules", "batch", str(source), str(local), "-j", str(MINI),
                           "--as-of", AS_OF, "--workers", "2", "--part-rows", "128", "-q"], capture_output=True,
                          text=True, cwd=ROOT, timeout=180)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "one.parquet: row 71: error" in proc.stderr
    for name in names:
        assert pq.read_table(local / name).to_pylist() == pq.read_table(out / name).to_pylist()


def test_a_worker_with_another_pack_refuses_to_run(dataset, tmp_path):
    from creditrules.batch.dataset import evaluate_partition, raise_failure
    from creditrules.batch.pipeline import make_job
    from creditrules.errors import InputError
    job, _ = make_job(MINI, AS_OF, output="parquet")
    other = tmp_path / "mini"
    shutil.copytree(MINI, other)
    (other / "rules" / "severe.yaml").write_text((other / "rules" / "severe.yaml").read_text(encoding="utf-8")
                                                 .replace("tax_fraud", "bribery"), encoding="utf-8")
    moved = type(job)(str(other), str(other), job.digest, job.as_of, output="parquet")
    result = evaluate_partition(moved, 0, str(dataset / "a.jsonl"), str(tmp_path / "p.parquet"))
    with pytest.raises(InputError, match="this worker's pack"):
        raise_failure(result)
    assert not (tmp_path / "p.parquet").exists()


@pytest.mark.skipif(importlib.util.find_spec("pyspark") is None or shutil.which("java") is None,
                    reason="pyspark and a Java runtime are not installed (docs/batches.md, Spark)")
def test_spark_map_in_arrow_gives_the_rows_of_a_local_run(dataset, tmp_path, monkeypatch):
    import warnings

    from creditrules.batch.arrow import evaluate_arrow, spark_schema
    monkeypatch.setenv("PYSPARK_PYTHON", sys.executable)
    warnings.filterwarnings("ignore", category=FutureWarning)                 # pyspark on pandas 3
    from pyspark.sql import SparkSession
    spark = (SparkSession.builder.master("local[2]").appName("creditrules-test").config("spark.ui.enabled", "false")
             .config("spark.sql.shuffle.partitions", "2").getOrCreate())
    try:
        source = str(dataset / "b.parquet")
        jurisdiction = str(MINI)
        df = spark.read.parquet(source).coalesce(1)

        def evaluate(batches):
            return evaluate_arrow(batches, jurisdiction, AS_OF)
        rows = [r.asDict(recursive=True) for r in df.mapInArrow(evaluate, spark_schema()).collect()]
    finally:
        spark.stop()
    here = pa.Table.from_batches(list(evaluate_arrow(pq.read_table(source).to_batches(), MINI, AS_OF))).to_pylist()
    assert len(rows) == 50 and rows == here
