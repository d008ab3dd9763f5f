"""The decision log and its masking, without HTTP: real SQLite files in a temp dir, and a real PostgreSQL
database when $CREDITRULES_TEST_PG_URL names a server (.ci/run starts one; each test gets a database of its own).

The same tests run on both backends (`log_target`); the service's HTTP side is tests/test_serve.py.
"""
from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from creditrules import api
from creditrules.errors import UsageError
from creditrules.identifiers import (
    USCC_CHARS,
    id_check_char,
    identifier_warning,
    is_valid_citizen_id,
    is_valid_uscc,
    uscc_check_char,
)
from creditrules.serve.log import DecisionLog, LogError, LogWriter
from creditrules.serve.masking import DEFAULTS, FIELDS, Masking, parse_mask_options
from creditrules.serve.service import Options, Service, replay

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
PG_ENV = "CREDITRULES_TEST_PG_URL"
KEY = b"test key: fixed, so pseudonyms are the same every run"


def example_event(path: Path) -> dict:
    """An example event as the JSON a client sends."""
    return api.read_event(path, api.plan_for(jurisdiction_of(path))).model_dump(mode="json", exclude_none=True)


def jurisdiction_of(path: Path) -> str:
    return path.name.split("-")[0]


# --- PostgreSQL: one database per test, dropped afterwards --------------------------------------------------------

def pg_admin_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"PostgreSQL tests need ${PG_ENV}: a postgresql:// URL of a server where this user may create "
                    "databases (.ci/run installs Debian's postgresql, starts a cluster on a loopback port and sets it)")
    return url


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def create_pg_database() -> tuple[str, str]:
    import psycopg
    admin = pg_admin_url()
    name = f"creditrules_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return with_database(admin, name), name


def drop_pg_database(name: str) -> None:
    import psycopg
    with psycopg.connect(pg_admin_url(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def log_target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A decision log that does not exist yet: a SQLite path, or a fresh PostgreSQL database's URL."""
    if request.param == "sqlite":
        yield str(tmp_path / "decisions.sqlite")
        return
    url, name = create_pg_database()
    try:
        yield url
    finally:
        drop_pg_database(name)


def service(target: str, masking: Masking | None = None) -> tuple[Service, LogWriter]:
    writer = LogWriter(DecisionLog(target)).start()
    return Service(writer, masking or Masking(key=KEY, key_source="test")), writer


def options(jurisdiction: str, as_of: str = "2024-06-01", evaluator: str = "reference", trace: str | None = None,
            lang: str = "en") -> Options:
    import datetime as dt
    return Options(jurisdiction, dt.date.fromisoformat(as_of), evaluator, lang, trace)


def decide(svc: Service, event: dict, jurisdiction: str, **kw: str) -> dict:
    import orjson
    body, headers = svc.evaluate(event, options(jurisdiction, **kw))
    data = orjson.loads(body)
    assert data["decision_id"] == headers["X-Decision-Id"]
    return data


# --- the log ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("evaluator", ["reference", "durable"])
def test_every_example_is_logged_masked_and_replays_identically(log_target: str, evaluator: str) -> None:
    svc, writer = service(log_target)
    try:
        answers = [(path, decide(svc, example_event(path), jurisdiction_of(path), evaluator=evaluator))
                   for path in EXAMPLES]
    finally:
        writer.stop()
    with DecisionLog(log_target, create=False) as log:
        assert log.count() == len(EXAMPLES)
        for path, answer in answers:
            record = log.get(answer["decision_id"])
            assert record is not None
            event = example_event(path)
            assert record["jurisdiction"] == jurisdiction_of(path)
            assert record["evaluator"] == evaluator and record["as_of"] == "2024-06-01"
            assert record["pack_digest"] == answer["pack"]["digest"] and record["endpoint"] == "evaluate"
            assert record["event_id"] == event["id"] and record["trace"] == "full" and record["lang"] == "en"
            subject = record["input"]["subject"]
            if "name" in event["subject"]:
                assert subject["name"].startswith("masked-") and subject["name"] != event["subject"]["name"]
            if "id" in event["subject"]:
                assert subject["id"] != event["subject"]["id"] and len(subject["id"]) == len(event["subject"]["id"])
            names = [p["name"] for p in event["subject"].get("responsible_persons", []) if "name" in p]
            logged_text = str(record["input"]) + str(record["determination"])
            for name in names + [event["subject"].get("name", "\0")]:
                assert name not in logged_text, f"{name} is in the log of {path.name}"
            library = api.evaluate(path, jurisdiction_of(path), "2024-06-01", evaluator=evaluator)
            assert {k: v for k, v in answer.items() if k != "decision_id"} == library.model_dump(mode="json"), \
                "the answer is the library's determination, never masked"
            result = replay(record)
            assert result.identical, result.differences
            assert result.same_digest


def test_the_logged_determination_differs_from_the_answer_only_where_names_were(log_target: str) -> None:
    path = ROOT / "examples" / "henan-tax-evasion.yaml"
    svc, writer = service(log_target)
    try:
        answer = decide(svc, example_event(path), "henan")
    finally:
        writer.stop()
    with DecisionLog(log_target, create=False) as log:
        record = log.get(answer["decision_id"])
    assert record is not None
    from creditrules.serve.service import diff
    answer.pop("decision_id")
    changes = diff(answer, record["determination"])
    assert changes, "the example names responsible persons: their names must be masked"
    assert all(c.split(":")[0].endswith(".name") for c in changes), changes
    assert all("张三" in c or "李四" in c for c in changes), changes


def test_a_changed_determination_is_reported_by_replay(log_target: str) -> None:
    svc, writer = service(log_target)
    try:
        answer = decide(svc, example_event(ROOT / "examples" / "henan-tax-evasion.yaml"), "henan")
    finally:
        writer.stop()
    with DecisionLog(log_target, create=False) as log:
        record = log.get(answer["decision_id"])
    assert record is not None
    record["determination"]["publication"]["max_end"] = "2030-01-01"
    record["determination"]["warnings"] = record["determination"]["warnings"][1:]
    result = replay(record)
    assert not result.identical
    assert result.differences[0] == 'publication.max_end: "2030-01-01" -> "2029-03-01"'
    assert any(d.startswith("warnings") for d in result.differences)
    record["pack_digest"] = "sha256:" + "0" * 64
    assert not replay(record).same_digest


def test_batch_decisions_share_a_batch_id_and_keep_their_index(log_target: str) -> None:
    import orjson
    event = example_event(ROOT / "examples" / "henan-tax-evasion.yaml")
    bad = dict(event, kind="no_such_kind")
    svc, writer = service(log_target)
    try:
        body, headers = svc.evaluate([event, bad, dict(event, id="second")], options("henan"))
    finally:
        writer.stop()
    items = orjson.loads(body)
    assert [item.get("event_id") for item in items] == ["henan-2024-0001", None, "second"]
    assert items[1]["index"] == 1 and items[1]["error"]["code"] == "unknown-name"
    assert headers["X-Decision-Count"] == "2" and headers["X-Error-Count"] == "1"
    with DecisionLog(log_target, create=False) as log:
        rows = [log.get(items[i]["decision_id"]) for i in (0, 2)]
    assert [(r["batch_id"], r["batch_index"], r["trace"]) for r in rows if r] == [
        (headers["X-Batch-Id"], 0, "fired"), (headers["X-Batch-Id"], 2, "fired")]


def test_concurrent_writers_lose_no_decision(log_target: str) -> None:
    """8 threads write 40 decisions each through one writer (group commits); every one is in the log."""
    svc, writer = service(log_target)
    event = example_event(ROOT / "examples" / "jilin-severe-penalty.yaml")
    ids: list[str] = []
    lock = threading.Lock()

    def work(n: int) -> None:
        for i in range(40):
            data = decide(svc, dict(event, id=f"t{n}-{i}"), "jilin", trace="none")
            with lock:
                ids.append(data["decision_id"])

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        writer.stop()
    assert len(set(ids)) == 320
    with DecisionLog(log_target, create=False) as log:
        assert log.count() == 320
        assert {r["event_id"] for r in log.latest(320)} == {f"t{n}-{i}" for n in range(8) for i in range(40)}


def test_a_postgresql_connection_that_breaks_is_opened_again() -> None:
    import psycopg
    url, name = create_pg_database()
    try:
        svc, writer = service(url)
        event = example_event(ROOT / "examples" / "henan-tax-evasion.yaml")
        try:
            decide(svc, event, "henan", trace="none")
            with psycopg.connect(pg_admin_url(), autocommit=True) as admin:
                killed = admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                                       (name,)).fetchall()
            assert killed == [(True,)]
            decide(svc, dict(event, id="after"), "henan", trace="none")
        finally:
            writer.stop()
        with DecisionLog(url, create=False) as log:
            assert log.count() == 2
    finally:
        drop_pg_database(name)


def test_a_log_that_cannot_be_opened_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no decision log at"):
        DecisionLog(tmp_path / "missing.sqlite", create=False).connect()
    with pytest.raises(LogError, match="does not exist"):
        DecisionLog(tmp_path / "no" / "folder.sqlite").connect()
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]            # nothing listens here once closed
    with pytest.raises(LogError, match="cannot open the decision log `postgresql://u:\\*\\*\\*@127.0.0.1"):
        DecisionLog(f"postgresql://u:secret@127.0.0.1:{port}/x?connect_timeout=2").connect()
    not_a_log = tmp_path / "other.sqlite"
    import sqlite3
    sqlite3.connect(not_a_log).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(UsageError, match="is not a creditrules decision log"):
        DecisionLog(not_a_log, create=False).get("x")


# --- masking ------------------------------------------------------------------------------------------------------

def _uscc(first17: str) -> str:
    return first17 + uscc_check_char(first17)


def _citizen(first17: str) -> str:
    return first17 + id_check_char(first17)


@given(st.text(USCC_CHARS, min_size=17, max_size=17), st.booleans())
def test_a_pseudonymised_credit_code_is_judged_like_the_original(first17: str, valid: bool) -> None:
    code = _uscc(first17)
    if not valid:
        code = code[:17] + next(c for c in USCC_CHARS if c != code[17])
    masked = Masking(key=KEY).subject_id(code, "legal_person")
    assert masked != code and len(masked) == 18 and masked[:2] == code[:2]
    assert is_valid_uscc(masked) == valid
    assert identifier_warning("legal_person", masked) == identifier_warning("legal_person", code)
    assert identifier_warning("legal_person", masked, "zh") == identifier_warning("legal_person", code, "zh")


@given(st.text("0123456789", min_size=17, max_size=17), st.booleans())
def test_a_pseudonymised_citizen_id_is_judged_like_the_original(first17: str, valid: bool) -> None:
    number = _citizen(first17)
    if not valid:
        number = number[:17] + next(c for c in "0123456789X" if c != number[17])
    masked = Masking(key=KEY).subject_id(number, "natural_person")
    assert masked != number and masked[:2] == number[:2] and masked[:17].isdigit()
    assert is_valid_citizen_id(masked) == valid
    assert identifier_warning("natural_person", masked) == identifier_warning("natural_person", number)


_ID_TEXT = st.text(st.sampled_from("0123456789" + USCC_CHARS + "IOSVZ" + "abcxyz-/ " + "中文名字\u3000"), min_size=1,
                   max_size=30)


@given(_ID_TEXT, st.sampled_from(["legal_person", "natural_person", "unincorporated_org"]))
def test_any_identifier_keeps_what_the_engine_says_of_it(value: str, subject_type: str) -> None:
    masked = Masking(key=KEY).subject_id(value, subject_type)
    assert identifier_warning(subject_type, masked) == identifier_warning(subject_type, value)
    assert len(masked) == len(value)
    core = value.strip()
    if len(core) > 4:
        assert masked.strip() != core and not any(ch in masked.strip()[2:-2] for ch in "中文名字"), \
            "only the characters the engine's own warning shows are kept"


def test_pseudonyms_follow_the_key_and_the_value(monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = Masking(key=b"one"), Masking(key=b"two")
    assert a.name("张三", "pseudonym") == Masking(key=b"one").name("张三", "pseudonym")
    assert a.name("张三", "pseudonym") != b.name("张三", "pseudonym")
    assert a.name("张三", "pseudonym") != a.name("李四", "pseudonym")
    monkeypatch.setenv("CREDITRULES_LOG_KEY", "from the environment")
    env = Masking()
    assert env.key_source == "CREDITRULES_LOG_KEY" and env.key == b"from the environment"
    monkeypatch.delenv("CREDITRULES_LOG_KEY")
    assert Masking().key_source == "per-process" and Masking().key != Masking().key
    assert "key" in env.describe() and b"environment" not in str(env.describe()).encode()


def test_each_field_is_masked_as_configured() -> None:
    event = example_event(ROOT / "examples" / "henan-tax-evasion.yaml")
    event["subject"]["responsible_persons"][0]["id"] = "410101199001011234"
    modes = parse_mask_options(["subject.name=keep", "responsible_persons[].name=redact", "basis.number=pseudonym"])
    masked, changed = Masking(modes, key=KEY).event(event)
    assert masked["subject"]["name"] == event["subject"]["name"]
    assert [p["name"] for p in masked["subject"]["responsible_persons"]] == ["***", "***"]
    assert masked["subject"]["responsible_persons"][0]["id"].startswith("masked-")
    assert masked["basis"]["number"].startswith("masked-")
    assert masked["subject"]["id"] != event["subject"]["id"] and is_valid_uscc(masked["subject"]["id"])
    assert changed["张三"] == "***" and event["subject"]["name"] not in changed
    assert event["subject"]["responsible_persons"][0]["name"] == "张三", "the argument is not changed"
    everything, _ = Masking(parse_mask_options(["none"]), key=KEY).event(event)
    assert everything == event
    redacted, _ = Masking(parse_mask_options(["subject.id=redact"]), key=KEY).event(event)
    assert redacted["subject"]["id"] == "91**************0T"


def test_mask_options_are_checked() -> None:
    assert parse_mask_options(None) == DEFAULTS and set(DEFAULTS) == set(FIELDS)
    with pytest.raises(UsageError, match="expected FIELD=MODE") as bad:
        parse_mask_options(["subject.nam=keep"])
    assert "did you mean `subject.name`?" in bad.value.diagnostics[0].hint
    with pytest.raises(UsageError, match="unknown mode `hide`"):
        parse_mask_options(["subject.name=hide"])
    assert set(parse_mask_options(["all"]).values()) == {"pseudonym"}


def test_a_redacted_valid_identifier_replays_with_one_more_warning(log_target: str) -> None:
    """The trade-off docs/service.md states: `redact` on a valid subject.id makes the engine warn on replay."""
    svc, writer = service(log_target, Masking(parse_mask_options(["subject.id=redact"]), key=KEY))
    try:
        answer = decide(svc, example_event(ROOT / "examples" / "henan-tax-evasion.yaml"), "henan")
    finally:
        writer.stop()
    with DecisionLog(log_target, create=False) as log:
        record = log.get(answer["decision_id"])
    assert record is not None
    result = replay(record)
    assert len(result.differences) == 1 and result.differences[0].startswith("warnings")
