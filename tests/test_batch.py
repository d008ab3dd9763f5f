"""Batches at scale (creditrules.batch): streaming JSONL/CSV/Parquet in, JSONL/Parquet out, in input order, on
worker processes, with progress on a terminal only. Real processes, real pipes, a real pseudo-terminal."""
import datetime as dt
import json
import os
import random
import re
import subprocess
import sys
import tracemalloc

import pytest

from conftest import MINI, ROOT

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

AS_OF = "2024-06-01"


def run(*args, stdin=None, cwd=ROOT, timeout=180):
    proc = subprocess.run([sys.executable, "-m", "creditrules", *map(str, args)], capture_output=True, cwd=cwd,
                          timeout=timeout, input=stdin)
    assert b"Traceback" not in proc.stderr, proc.stderr.decode()
    return proc


def events(n, seed=7):
    """Events of the mini pack with varied outcomes: severe, general, undetermined, none, deadlines."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        kind = rng.choice(["administrative_penalty", "administrative_penalty", "criminal_conviction",
                           "objection_filed", "registration"])
        e = {"id": f"e{i}", "subject": {"type": rng.choice(["legal_person", "natural_person"])}, "kind": kind}
        if rng.random() < 0.7:
            e["conduct"] = rng.sample(["tax_evasion", "bribery", "tax_fraud"], k=rng.randrange(3))
        day = dt.date(2021, 1, 1) + dt.timedelta(days=rng.randrange(1200))
        if rng.random() < 0.8:
            e["basis"] = {"type": "administrative_penalty_decision", "decided_on": day.isoformat(),
                          "effective_on": day.isoformat()}
        e["occurred_on"] = day.isoformat()
        facts = {}
        if rng.random() < 0.6:
            facts["decision_final"] = rng.random() < 0.7
        if rng.random() < 0.3:
            facts["procedure"] = rng.choice(["simple", "general"])
        if kind == "objection_filed" and rng.random() < 0.7:
            facts["notice_received_on"] = (day + dt.timedelta(days=rng.randrange(10))).isoformat()
        if facts:
            e["facts"] = facts
        out.append(e)
    return out


BAD_LINES = ["{not json", '{"id": "dup", "id": "dup2", "subject": {"type": "legal_person"}, "kind": "registration"}',
             "[1, 2]", '{"id": "k", "subject": {"type": "legal_person"}, "kind": "no_such_kind"}']


def write_jsonl(path, evs, bad_every=0):
    """The events as JSONL; with bad_every, a bad line (of four kinds in turn) after every bad_every-th event.
    Returns the expected output: an event id, or ("error", line number) for a bad line."""
    expected, lines = [], []
    for i, e in enumerate(evs):
        lines.append(json.dumps(e, ensure_ascii=False))
        expected.append(e["id"])
        if bad_every and i % bad_every == bad_every - 1:
            lines.append(BAD_LINES[(i // bad_every) % len(BAD_LINES)])
            expected.append(("error", len(lines)))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return expected


def outputs(stdout: bytes):
    return [json.loads(line) for line in stdout.splitlines()]


def ids(records):
    return [r["event_id"] if "event_id" in r else ("error", r["line"]) for r in records]


# --- 1. one output record per input record, in order; workers give the same bytes --------------------------------

def test_one_percent_bad_lines_every_record_out_in_order_and_workers_change_no_byte(tmp_path):
    path = tmp_path / "events.jsonl"
    expected = write_jsonl(path, events(800), bad_every=99)           # 8 bad lines of 808: 1%
    assert sum(isinstance(x, tuple) for x in expected) == 8
    one = run("evaluate", path, "-j", MINI, "--as-of", AS_OF, "--workers", "1")
    two = run("evaluate", path, "-j", MINI, "--as-of", AS_OF, "--workers", "2")
    assert one.returncode == two.returncode == 1
    assert one.stdout == two.stdout                                   # byte for byte
    records = outputs(two.stdout)
    assert ids(records) == expected                                   # ids in == ids out, in input order
    assert [r["index"] for r in records if "error" in r] == [i for i, x in enumerate(expected) if isinstance(x, tuple)]
    codes = {r["error"]["code"] for r in records if "error" in r}
    assert codes == {"bad-json", "duplicate-key", "not-an-object", "unknown-name"}
    levels = {r["dishonesty"]["level"] for r in records if "dishonesty" in r}
    assert levels == {"severe", "general", "none", "undetermined"}   # the comparison is not of empty outputs
    err = two.stderr.decode()
    for _, line in (x for x in expected if isinstance(x, tuple)):
        assert f"{path}:{line}: error " in err
    assert "creditrules: 808 events, 800 determinations, 8 errors in" in err and "2 workers" in err
    assert "\x1b[" not in err                                         # piped: no progress bar


def test_parquet_output_is_the_same_on_two_workers_and_holds_the_jsonl(tmp_path):
    from creditrules.batch import evaluate_file
    path = tmp_path / "events.jsonl"
    expected = write_jsonl(path, events(200, seed=3), bad_every=50)
    outs = {}
    for workers in (1, 2):
        out = tmp_path / f"w{workers}.parquet"
        s = evaluate_file(path, MINI, AS_OF, output=out, workers=workers, chunk_size=32, quiet=True, table="full")
        assert (s.records, s.errors, s.exit_code, s.workers, s.evaluator) == (204, 4, 1, workers, "reference")
        outs[workers] = out.read_bytes()
    assert outs[1] == outs[2]
    table = pq.read_table(tmp_path / "w2.parquet")
    assert table.num_rows == 204 and table.column("index").to_pylist() == list(range(204))
    rows = table.to_pylist()
    assert [r["event_id"] or ("error", r["line"]) for r in rows] == expected
    jsonl = tmp_path / "out.jsonl"
    evaluate_file(path, MINI, AS_OF, output=jsonl, workers=1, quiet=True)
    lines = jsonl.read_bytes().splitlines()
    for r, line in zip(rows, lines, strict=True):
        assert (r["determination"] or r["error"]).encode() == line    # the full JSON is in the table
        if r["determination"]:
            d = json.loads(line)
            assert r["level"] == d["dishonesty"]["level"] and r["eligible"] == d["severe_list"]["eligible"]
            assert r["sanction_ids"] == [s["id"] for s in d["sanctions"]]
            assert r["publication_max_end"] == (dt.date.fromisoformat(d["publication"]["max_end"])
                                                if d["publication"]["max_end"] else None)
            assert r["deadline_ids"] == [x["id"] for x in d["deadlines"]]
            assert r["deadline_dues"] == [dt.date.fromisoformat(x["due"]) if x["due"] else None
                                          for x in d["deadlines"]]
            assert r["missing_facts"] == d["missing_facts"] and r["pack_digest"] == d["pack"]["digest"]
        else:
            assert r["error_code"] == json.loads(line)["error"]["code"]
    assert any(r["deadline_ids"] for r in rows) and any(r["sanction_ids"] for r in rows)


# --- 2. streaming: output before the input ends; memory flat ------------------------------------------------------

def test_output_comes_while_standard_input_is_still_open():
    """600 records on a pipe that stays open: the first chunks are out before the input ends."""
    proc = subprocess.Popen([sys.executable, "-m", "creditrules", "evaluate", "-", "-j", str(MINI), "--as-of", AS_OF,
                             "--workers", "1", "--quiet"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=ROOT)
    try:
        for e in events(600):
            proc.stdin.write(json.dumps(e).encode() + b"\n")
        proc.stdin.flush()
        seen = [proc.stdout.readline() for _ in range(256)]          # blocks until written: the input is open
        assert all(json.loads(line)["event_id"] == f"e{i}" for i, line in enumerate(seen))
        assert proc.poll() is None                                    # still running, waiting for more input
        proc.stdin.write(json.dumps(events(1)[0] | {"id": "last"}).encode() + b"\n")
        proc.stdin.close()
        rest = proc.stdout.read().splitlines()
        assert proc.wait(timeout=60) == 0
    finally:
        proc.kill()
    assert len(seen) + len(rest) == 601 and json.loads(rest[-1])["event_id"] == "last"


def test_reader_and_runner_hold_at_most_a_chunk_and_the_window(tmp_path):
    """Structural: records are pulled from the input only as chunks are needed (in this process: the chunk being
    evaluated; on the pool: the window of chunks in flight), and the Parquet writer holds at most one row group."""
    import creditrules
    from creditrules.batch import workers
    from creditrules.batch.pipeline import make_job
    from creditrules.batch.table import record_batch
    from creditrules.batch.writers import ParquetOutput
    from creditrules.records import Record
    job, _ = make_job(MINI, AS_OF, trace="none")
    pulled = [0]

    def source(n):
        for i, e in enumerate(events(n)):
            pulled[0] += 1
            yield Record(i, i + 1, e, None)
    pulled[0] = 0
    for k, result in enumerate(workers.Runner(job, source(400), 1, chunk_size=20)):
        assert pulled[0] == (k + 1) * 20 and result.seq == k and result.records == 20
    window = workers.WINDOW_PER_WORKER * 2
    pulled[0] = 0
    for k, result in enumerate(workers.Runner(job, source(400), 2, chunk_size=20)):
        assert pulled[0] <= min(400, (k + window) * 20), (k, pulled[0])
        assert result.seq == k and result.records == 20
    assert pulled[0] == 400
    items = list(creditrules.evaluate_many(events(70), MINI, AS_OF, trace="none"))
    out = ParquetOutput(tmp_path / "o.parquet", row_group=50)
    held = []
    for i in range(0, 70, 10):
        out.write(record_batch(items[i:i + 10]))
        held.append(out._rows)
    out.close()
    assert max(held) < 50 and pq.ParquetFile(tmp_path / "o.parquet").metadata.num_row_groups == 2


def test_memory_stays_flat_from_500_to_4000_events(tmp_path):
    from creditrules.batch import evaluate_file
    simple = [{"id": f"m{i}", "subject": {"type": "legal_person"}, "kind": "registration"} for i in range(4_000)]
    warm = tmp_path / "warm.jsonl"
    warm.write_text(json.dumps(simple[0]) + "\n", encoding="utf-8")
    evaluate_file(warm, MINI, AS_OF, output=os.devnull, workers=1, trace="none", quiet=True)   # caches filled
    peaks = {}
    for n in (500, 4_000):
        path = tmp_path / f"{n}.jsonl"
        path.write_text("".join(json.dumps(e) + "\n" for e in simple[:n]), encoding="utf-8")
        tracemalloc.start()
        summary = evaluate_file(path, MINI, AS_OF, output=os.devnull, workers=1, trace="none", quiet=True)
        peaks[n] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert summary.records == n
    # a chunk (256 records) is the most held: holding every output would add about 5 MB at 4,000 (1 KB of JSON
    # and its dict per event); tracemalloc makes this run about 7 times slower, hence the small counts
    assert peaks[4_000] < peaks[500] + 1_000_000, peaks


# --- 3. CSV and Parquet in -------------------------------------------------------------------------------------------

CSV = "\n".join([
    "id,subject.type,kind,conduct,basis.type,basis.decided_on,basis.effective_on,occurred_on,"
    "facts.decision_final,facts.procedure,facts.notice_received_on",
    'c1,legal_person,administrative_penalty,tax_evasion'
    ',administrative_penalty_decision,2024-02-29,2024-02-29,,true,,',
    'c2,legal_person,administrative_penalty,"[""bribery"", ""tax_fraud""]"'
    ',administrative_penalty_decision,2024-03-01,2024-03-01,,1,general,',
    'c3,natural_person,administrative_penalty,[]'
    ',administrative_penalty_decision,2024-03-01,2024-03-01,,TRUE,simple,',
    'c4,legal_person,administrative_penalty,,administrative_penalty_decision,2024-03-01,2024-03-01,,,,',
    '',
    'c5,legal_person,objection_filed,,,,,2024-05-06,,,2024-05-20',
    'c6,legal_person,administrative_penalty,bribery; tax_evasion,,,,2024-01-02,0,,',
    'c7,legal_person,administrative_penalty,tax_evasion,,,,2024-01-02,maybe,,',
    'c8,legal_person',
    'c9,legal_person,administrative_penalty,"[""tax_evasion""",,,,2024-01-02,,,',
]) + "\n"

CSV_AS_EVENTS = [
    {"id": "c1", "subject": {"type": "legal_person"}, "kind": "administrative_penalty", "conduct": ["tax_evasion"],
     "basis": {"type": "administrative_penalty_decision", "decided_on": "2024-02-29", "effective_on": "2024-02-29"},
     "facts": {"decision_final": True}},
    {"id": "c2", "subject": {"type": "legal_person"}, "kind": "administrative_penalty",
     "conduct": ["bribery", "tax_fraud"],
     "basis": {"type": "administrative_penalty_decision", "decided_on": "2024-03-01", "effective_on": "2024-03-01"},
     "facts": {"decision_final": True, "procedure": "general"}},
    {"id": "c3", "subject": {"type": "natural_person"}, "kind": "administrative_penalty", "conduct": [],
     "basis": {"type": "administrative_penalty_decision", "decided_on": "2024-03-01", "effective_on": "2024-03-01"},
     "facts": {"decision_final": True, "procedure": "simple"}},
    {"id": "c4", "subject": {"type": "legal_person"}, "kind": "administrative_penalty",
     "basis": {"type": "administrative_penalty_decision", "decided_on": "2024-03-01", "effective_on": "2024-03-01"}},
    {"id": "c5", "subject": {"type": "legal_person"}, "kind": "objection_filed", "occurred_on": "2024-05-06",
     "facts": {"notice_received_on": "2024-05-20"}},
    {"id": "c6", "subject": {"type": "legal_person"}, "kind": "administrative_penalty",
     "conduct": ["bribery", "tax_evasion"], "occurred_on": "2024-01-02", "facts": {"decision_final": False}},
]


def test_csv_columns_read_as_the_documented_mapping(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(CSV, encoding="utf-8")
    proc = run("evaluate", path, "-j", MINI, "--as-of", AS_OF, "--workers", "1")
    assert proc.returncode == 1
    records = outputs(proc.stdout)
    import creditrules
    want = [json.loads(i.to_json()) for i in creditrules.evaluate_many(CSV_AS_EVENTS, MINI, AS_OF, lang="zh")]
    assert records[:6] == want                       # every typed cell read as the same JSON event would be
    assert [r["dishonesty"]["level"] for r in want[:4]] == ["severe", "severe", "none", "undetermined"]
    assert "decision_final" in want[3]["missing_facts"]             # an empty cell is unknown, not false
    bad = records[6:]
    assert [(r["index"], r["line"], r["error"]["code"]) for r in bad] == [
        (6, 9, "bad-fact-value"), (7, 10, "bad-csv"), (8, 11, "bad-cell")]
    assert "decision_final" in bad[0]["error"]["message"] and "maybe" in bad[0]["error"]["message"]
    assert "the row has 2 cells; the header has 11" in bad[1]["error"]["message"]
    err = proc.stderr.decode()
    assert f"{path}:9: error bad-fact-value" in err and f"{path}:11: error bad-cell" in err


def test_a_csv_header_with_an_unknown_column_stops_before_any_record(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("id,subject.typ,kind,facts.decison_final\nx,legal_person,registration,true\n", encoding="utf-8")
    proc = run("evaluate", path, "-j", MINI)
    assert proc.returncode == 1 and proc.stdout == b""
    err = proc.stderr.decode()
    assert f"{path}:1:4: error unknown-column: column 2 `subject.typ`" in err and "did you mean `subject.type`?" in err
    assert f"{path}:1:21: error unknown-column: column 4 `facts.decison_final`" in err
    assert "did you mean `facts.decision_final`?" in err


@pytest.mark.parametrize("workers", [1, 2])
def test_the_flat_table_is_the_full_tables_columns_on_either_evaluator(tmp_path, workers):
    """The default Parquet output is the flat table, made by the columnar evaluator without any JSON: every column
    is the full table's (made by the reference evaluator from each determination), bad records in place."""
    from creditrules.batch import evaluate_file
    path = tmp_path / "events.jsonl"
    expected = write_jsonl(path, events(300, seed=11), bad_every=40)
    full = tmp_path / "full.parquet"
    evaluate_file(path, MINI, AS_OF, output=full, workers=1, quiet=True, table="full")
    reference = pq.read_table(full)
    flats = {}
    for evaluator in (None, "reference"):
        out = tmp_path / f"flat-{evaluator}.parquet"
        s = evaluate_file(path, MINI, AS_OF, output=out, workers=workers, chunk_size=64, quiet=True,
                          evaluator=evaluator)
        assert s.evaluator == (evaluator or "columnar")
        bad = sum(isinstance(x, tuple) for x in expected)
        assert (s.records, s.errors, s.exit_code) == (len(expected), bad, 1) and bad >= 7
        flats[evaluator] = pq.read_table(out)
    columnar = flats[None]
    assert columnar.schema.equals(reference.schema)
    assert columnar.column("determination").null_count == columnar.num_rows        # no JSON made
    assert [r["event_id"] or ("error", r["line"]) for r in columnar.to_pylist()] == expected
    assert columnar.drop(["determination"]).equals(reference.drop(["determination"]))
    assert flats["reference"].equals(columnar)
    levels = set(columnar.column("level").to_pylist())
    assert {"severe", "general", "none"} <= levels                  # the comparison is not of empty outputs


@pytest.mark.parametrize("trace", ["fired", "full"])
def test_jsonl_on_the_columnar_evaluator_is_the_references_byte_for_byte(tmp_path, trace):
    from creditrules.batch import evaluate_file
    path = tmp_path / "events.jsonl"
    write_jsonl(path, events(250, seed=13), bad_every=60)
    outs = {}
    for evaluator in ("reference", "columnar"):
        out = tmp_path / f"{evaluator}.jsonl"
        s = evaluate_file(path, MINI, AS_OF, output=out, workers=1, quiet=True, evaluator=evaluator, trace=trace,
                          lang="zh")
        assert s.evaluator == evaluator and s.errors == 4
        outs[evaluator] = out.read_bytes()
    assert outs["columnar"] == outs["reference"]
    assert len(outs["reference"].splitlines()) == 254


@pytest.mark.parametrize("pack", ["henan", "jilin", "xinjiang", "bingtuan"])
def test_every_packs_corpus_gives_the_same_flat_table_on_the_columnar_evaluator(tmp_path, pack):
    """Each shipped pack's corpus (300 events chosen to reach its articles) through the batch command's default
    (the columnar flat table) and through the reference evaluator's full table: the same rows, column for column."""
    from creditrules.batch import evaluate_file
    from creditrules.packs import pack_dirs
    corpus = next(d for d in pack_dirs() if d.name == pack) / "corpus" / "events.jsonl"
    tables = {}
    for table in ("flat", "full"):
        out = tmp_path / f"{table}.parquet"
        s = evaluate_file(corpus, pack, AS_OF, output=out, workers=1, quiet=True, table=table, lang="zh")
        assert s.evaluator == ("columnar" if table == "flat" else "reference") and s.records == 300
        tables[table] = pq.read_table(out)
    assert tables["flat"].drop(["determination"]).equals(tables["full"].drop(["determination"]))
    assert len(set(tables["flat"].column("level").to_pylist())) >= 2


def test_the_flat_table_is_written_in_large_row_groups_and_the_full_one_in_small(tmp_path):
    from creditrules.batch import evaluate_file
    path = tmp_path / "events.jsonl"
    write_jsonl(path, events(2500, seed=12))
    for table, groups in (("flat", 1), ("full", 3)):                # 65,536 rows a group; 1,024
        out = tmp_path / f"{table}.parquet"
        evaluate_file(path, MINI, AS_OF, output=out, workers=1, quiet=True, table=table)
        assert pq.ParquetFile(out).metadata.num_row_groups == groups


def test_table_option_is_for_parquet_and_names_flat_or_full(tmp_path):
    path = tmp_path / "events.jsonl"
    write_jsonl(path, events(3, seed=1))
    proc = run("evaluate", path, "-j", MINI, "--table", "full")
    assert proc.returncode == 2 and b"--table is for a Parquet output" in proc.stderr
    proc = run("evaluate", path, "-j", MINI, "--table", "wide", "-o", tmp_path / "x.parquet")
    assert proc.returncode == 2 and b"unknown table `wide`" in proc.stderr
    assert not (tmp_path / "x.parquet").exists()
    proc = run("evaluate", path, "-j", MINI, "-o", tmp_path / "y.parquet")
    assert proc.returncode == 0 and b"1 worker, columnar evaluator" in proc.stderr


def test_parquet_input_nested_flat_and_typed_gives_the_same_determinations(tmp_path):
    from creditrules.batch import evaluate_file
    evs = events(150, seed=11)
    src = tmp_path / "events.jsonl"
    write_jsonl(src, evs)
    ref = tmp_path / "ref.jsonl"
    evaluate_file(src, MINI, AS_OF, output=ref, workers=1, quiet=True)
    nested = tmp_path / "nested.parquet"
    pq.write_table(pa.Table.from_pylist(evs), nested, row_group_size=40)   # structs; a null is an absent field
    flat_rows = []
    for e in evs:
        row = {"id": e["id"], "subject.type": e["subject"]["type"], "kind": e["kind"],
               "conduct": ";".join(e["conduct"]) if "conduct" in e and e["conduct"] else
               ("[]" if "conduct" in e else None),                           # text, as a CSV would have it
               "basis.type": e.get("basis", {}).get("type"),
               "basis.decided_on": dt.date.fromisoformat(e["basis"]["decided_on"]) if "basis" in e else None,
               "basis.effective_on": dt.date.fromisoformat(e["basis"]["effective_on"]) if "basis" in e else None,
               "occurred_on": dt.date.fromisoformat(e["occurred_on"]),       # Arrow date32
               "facts.decision_final": e.get("facts", {}).get("decision_final"),   # Arrow bool
               "facts.procedure": e.get("facts", {}).get("procedure"),
               "facts.notice_received_on": e.get("facts", {}).get("notice_received_on")}
        flat_rows.append(row)
    flat = tmp_path / "flat.parquet"
    pq.write_table(pa.Table.from_pylist(flat_rows), flat)
    for path in (nested, flat):
        out = tmp_path / (path.stem + ".jsonl")
        s = evaluate_file(path, MINI, AS_OF, output=out, workers=1, quiet=True)
        assert s.exit_code == 0 and s.records == 150
        assert out.read_bytes() == ref.read_bytes(), path.name


def test_parquet_bad_rows_are_reported_in_place_by_row(tmp_path):
    table = pa.table({"id": ["a", "b", "c", "d"], "subject.type": ["legal_person"] * 4,
                      "kind": ["registration", "administrative_penalty", "registration", "registration"],
                      "conduct": [[], [], [], []],
                      "facts": pa.array([None, [("decision_final", True)], [("decision_final", True),
                                                                             ("decision_final", False)], None],
                                        type=pa.map_(pa.string(), pa.bool_())),
                      "occurred_on": pa.array([None, None, None, dt.datetime(2024, 1, 1, 8)], type=pa.timestamp("s"))})
    path = tmp_path / "rows.parquet"
    pq.write_table(table, path)
    proc = run("evaluate", path, "-j", MINI, "--as-of", AS_OF)
    assert proc.returncode == 1
    records = outputs(proc.stdout)
    assert ids(records) == ["a", "b", ("error", 3), ("error", 4)]
    assert records[1]["dishonesty"]["level"] == "general"                # the map column read as facts
    assert records[2]["error"]["code"] == "duplicate-key" and "occurred_on" in records[3]["error"]["message"]
    err = proc.stderr.decode()
    assert f"{path}: row 3: error duplicate-key" in err and f"{path}: row 4: error" in err
    not_parquet = tmp_path / "x.parquet"
    not_parquet.write_text("id,kind\n", encoding="utf-8")
    proc = run("evaluate", not_parquet, "-j", MINI)
    assert proc.returncode == 1 and b"error bad-parquet: not a Parquet file" in proc.stderr


# --- 4. options, text, stdin, usage errors ---------------------------------------------------------------------------

def test_stdin_text_format_and_usage_errors(tmp_path):
    lines = (json.dumps(events(2)[0]) + "\n{bad\n").encode()
    proc = run("evaluate", "-", "-j", MINI, "--as-of", AS_OF, "--format", "text", "--lang", "en", stdin=lines)
    assert proc.returncode == 1
    text = proc.stdout.decode()
    assert text.startswith("line 1: e0: mini 2020 (enacted)") and "\n<stdin>:2: error bad-json" in text
    path = tmp_path / "e.jsonl"
    path.write_bytes(lines)
    for args, words in ((["--workers", "0"], "--workers must be 1 or more"),
                        (["--output-format", "parquet"], "Parquet output needs a file"),
                        (["--format", "text", "--output-format", "parquet", "-o", tmp_path / "x.parquet"],
                         "--format text writes text")):
        proc = run("evaluate", path, "-j", MINI, *args)
        assert proc.returncode == 2 and words in proc.stderr.decode(), (args, proc.stderr)
    single = tmp_path / "one.yaml"
    single.write_text(json.dumps(events(1)[0]), encoding="utf-8")
    proc = run("evaluate", single, "-j", MINI, "--output", tmp_path / "o.jsonl")
    assert proc.returncode == 2 and b"are for batches" in proc.stderr
    proc = run("evaluate", path, "-j", "no-such-pack", "-o", tmp_path / "never.parquet")
    assert proc.returncode != 0 and b"unknown-jurisdiction" in proc.stderr
    assert not (tmp_path / "never.parquet").exists()                    # the pack is checked before any output


def test_a_bug_on_one_record_is_an_error_record_and_the_others_are_evaluated(tmp_path, monkeypatch):
    from creditrules.batch import evaluate_file, workers
    real = workers.evaluate_records

    def buggy(records, *args, **kwargs):
        if any(r.data and r.data.get("id") == "e5" for r in records):
            raise ZeroDivisionError("division by zero")
        return real(records, *args, **kwargs)
    monkeypatch.setattr(workers, "evaluate_records", buggy)
    path = tmp_path / "e.jsonl"
    expected = write_jsonl(path, events(10))
    out = tmp_path / "out.jsonl"
    summary = evaluate_file(path, MINI, AS_OF, output=out, workers=1, quiet=True, chunk_size=4)
    records = outputs(out.read_bytes())
    assert ids(records) == expected[:5] + [("error", 6)] + expected[6:]
    assert records[5]["error"]["code"] == "internal-error" and "ZeroDivisionError" in records[5]["error"]["message"]
    assert summary.exit_code == 3 and summary.internal == 1


# --- 5. progress: a bar on a terminal, silence on a pipe -------------------------------------------------------------

def test_progress_bar_on_a_terminal_only(tmp_path):
    import pty
    path = tmp_path / "e.jsonl"
    write_jsonl(path, [{"id": f"p{i}", "subject": {"type": "legal_person"}, "kind": "registration"}
                       for i in range(3000)], bad_every=1000)
    command = [sys.executable, "-m", "creditrules", "evaluate", str(path), "-j", str(MINI), "--workers", "1",
               "-o", str(tmp_path / "out.jsonl")]
    master, slave = pty.openpty()
    proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=slave, cwd=ROOT)
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:                                  # EIO: the terminal's other side is closed
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    assert proc.wait(timeout=60) == 1
    terminal = seen.decode("utf-8", "replace")
    bar = re.compile(r"[0-9] bad(?![-\w])")
    assert bar.search(terminal) and "\x1b[" in terminal                 # the rich bar was drawn
    assert f"{path}:1001: error bad-json" in terminal and "creditrules: 3,003 events" in terminal
    piped = subprocess.run(command, capture_output=True, cwd=ROOT, timeout=60)
    assert b"\x1b[" not in piped.stderr and not bar.search(piped.stderr.decode())
    last = piped.stderr.decode().splitlines()[-1]
    assert last.startswith("creditrules: 3,003 events, 3,000 determinations, 3 errors")
    quiet = subprocess.run(command + ["--quiet"], capture_output=True, cwd=ROOT, timeout=60)
    assert b"creditrules: 3,003 events" not in quiet.stderr and quiet.stderr.count(b": error ") == 3


# --- 6. creditrules batch: a partitioned dataset on this machine --------------------------------------------------

def test_batch_command_writes_one_parquet_part_per_input_file(tmp_path):
    data = tmp_path / "in"
    (data / "year=2024").mkdir(parents=True)
    e1 = write_jsonl(data / "year=2024" / "a.jsonl", events(40, seed=1), bad_every=20)
    (data / "b.csv").write_text(CSV, encoding="utf-8")
    pq.write_table(pa.Table.from_pylist(events(30, seed=2)), data / "c.parquet")
    (data / "_SUCCESS").write_text("")
    out = tmp_path / "out"
    proc = run("batch", data, out, "-j", MINI, "--as-of", AS_OF, "--workers", "2")
    assert proc.returncode == 1, proc.stderr
    assert sorted(os.listdir(out)) == ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    parts = [pq.read_table(out / f"part-0000{i}.parquet").to_pylist() for i in range(3)]
    assert [len(p) for p in parts] == [9, 30, 42]                   # b.csv, c.parquet, year=2024/a.jsonl (sorted)
    assert [r["event_id"] or ("error", r["line"]) for r in parts[2]] == e1
    assert "creditrules: 81 events, 76 determinations, 5 errors" in proc.stderr.decode()
    again = run("batch", data, out, "-j", MINI, "--as-of", AS_OF)
    assert again.returncode == 2 and b"is not empty" in again.stderr
    here = tmp_path / "here"
    again = run("batch", str(data) + "/**/*.jsonl", here, "-j", MINI, "--as-of", AS_OF, "--workers", "1", "-q")
    assert again.returncode == 1 and os.listdir(here) == ["part-00000.parquet"]
    assert (here / "part-00000.parquet").read_bytes() == (out / "part-00002.parquet").read_bytes()
    url = tmp_path / "url"                                             # fsspec URLs in and out
    again = run("batch", f"file://{data}/year=2024", f"file://{url}", "-j", MINI, "--as-of", AS_OF, "--workers", "1")
    assert again.returncode == 1 and os.listdir(url) == ["part-00000.parquet"], again.stderr
    via_url = pq.read_table(url / "part-00000.parquet").drop(["error"])
    assert via_url.equals(pq.read_table(out / "part-00002.parquet").drop(["error"]))


def test_lines_parsed_in_the_workers_are_the_records_of_the_jsonl_reader(tmp_path):
    """The batch's parent only splits JSONL lines (raw_jsonl) and the workers parse them (parse_raw): the same
    records, indexes, lines, data and errors as records.iter_jsonl, on every kind of bad line."""
    from creditrules.batch.readers import parse_raw, raw_jsonl
    from creditrules.records import MAX_LINE_BYTES, iter_jsonl
    good = json.dumps(events(1)[0], ensure_ascii=False).encode("utf-8")
    lines = [b"\xef\xbb\xbf" + good, b"", b"  \t\r", good + b"\r", b"{not json", b'{"a": 1, "a": 2}', b"[1]",
             b'{"x": "\xff"}', b'{"x": NaN}', b"[" * 70 + b"]" * 70, b'{"x": "a\xe2\x80\xa8b"}',
             b'{"x": ' + b"1" * 400 + b"}", b"x" * (MAX_LINE_BYTES + 10), good]
    path = tmp_path / "hostile.jsonl"
    path.write_bytes(b"\n".join(lines))                                 # no newline at the end
    expected = list(iter_jsonl(path, name="h.jsonl"))
    with path.open("rb") as f:
        got = [parse_raw(r, "h.jsonl") for r in raw_jsonl(f, "h.jsonl")]
    assert got == expected
    assert len(got) == len(lines) - 2 and sum(r.error is None for r in got) == 4
