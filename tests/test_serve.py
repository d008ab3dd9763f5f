"""`creditrules serve` for real: the server started as a command (`python -m creditrules serve --port 0`) in its
own process on a loopback port, real HTTP requests (httpx), its decision log in a SQLite file in a temp dir and in
a PostgreSQL database of its own ($CREDITRULES_TEST_PG_URL; .ci/run starts a server). Every test that touches the
log runs on both backends.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest
from test_decision_log import create_pg_database, drop_pg_database, example_event
from typer.testing import CliRunner, Result

import creditrules
from creditrules import cli
from creditrules.serve.log import DecisionLog
from creditrules.workspace import Workspace, default_workspace

ROOT = Path(__file__).resolve().parent.parent
HENAN = ROOT / "examples" / "henan-tax-evasion.yaml"
START_TIMEOUT = 60.0


class Server:
    """`creditrules serve` in a subprocess; `url` once it answers /healthz."""

    def __init__(self, log: str, *args: str, env: dict[str, str] | None = None, cwd: Path | None = None):
        self.log = log
        self.lines: list[str] = []
        command = [sys.executable, "-m", "creditrules", "serve", "--port", "0", "--log", log, "--no-access-log", *args]
        self.proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})},
                                     cwd=cwd or ROOT)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.url = self._wait()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line)

    def _wait(self) -> str:
        deadline = time.monotonic() + START_TIMEOUT
        url = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self._reader.join(5)
                raise AssertionError(f"the server exited ({self.proc.returncode}):\n{''.join(self.lines)}")
            if url is None:
                found = [m for line in list(self.lines) if (m := re.search(r"creditrules serve: (http://\S+?),", line))]
                url = found[0].group(1) if found else None
            if url is not None:
                try:
                    if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                        return url
                except httpx.HTTPError:
                    pass
            time.sleep(0.1)
        self.stop()
        raise AssertionError(f"the server did not start within {START_TIMEOUT:.0f} s:\n{''.join(self.lines)}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._reader.join(5)

    def post(self, path: str, body: object = None, *, content: bytes | None = None, **params: str) -> httpx.Response:
        data = content if content is not None else orjson.dumps(body)
        return httpx.post(self.url + path, content=data, params=params, timeout=60,
                          headers={"content-type": "application/json"})

    def get(self, path: str, **params: str) -> httpx.Response:
        return httpx.get(self.url + path, params=params, timeout=60)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server per backend for the module (its log: a SQLite file, or a fresh PostgreSQL database)."""
    name = None
    if request.param == "sqlite":
        log = str(tmp_path_factory.mktemp("serve") / "decisions.sqlite")
    else:
        log, name = create_pg_database()
    srv = Server(log)
    try:
        yield srv
    finally:
        srv.stop()
        if name is not None:
            drop_pg_database(name)


def creditrules_cli(*args: str) -> Result:
    """The command, run in this process (its packs are compiled once here; the server is the real subprocess)."""
    return CliRunner().invoke(cli.app, list(args))


def logged(server: Server, decision_id: str) -> dict:
    with DecisionLog(server.log, create=False) as log:
        record = log.get(decision_id)
    assert record is not None, f"decision {decision_id} is not in the log"
    return record


# --- evaluate -----------------------------------------------------------------------------------------------------

def test_one_event_gets_the_library_determination_and_is_logged_masked(server: Server) -> None:
    event = example_event(HENAN)
    r = server.post("/v1/evaluate", event, jurisdiction="henan", as_of="2024-06-01")
    assert r.status_code == 200, r.text
    body = r.json()
    decision_id = body.pop("decision_id")
    assert r.headers["x-decision-id"] == decision_id
    assert body == creditrules.evaluate(HENAN, jurisdiction="henan", as_of="2024-06-01").model_dump(mode="json")
    assert "张三" in r.text, "the answer is never masked"

    record = logged(server, decision_id)
    assert (record["jurisdiction"], record["evaluator"], record["as_of"], record["trace"], record["endpoint"]) == \
        ("henan", "reference", "2024-06-01", "full", "evaluate")
    assert record["pack_digest"] == body["pack"]["digest"] == default_workspace().digest("henan")
    assert record["event_id"] == "henan-2024-0001" and record["decided_at"].startswith("20")
    subject = record["input"]["subject"]
    assert subject["name"].startswith("masked-") and subject["id"] != event["subject"]["id"]
    assert subject["id"][:2] == "91" and len(subject["id"]) == 18
    text = orjson.dumps([record["input"], record["determination"]]).decode()
    for secret in ("张三", "李四", event["subject"]["name"], event["subject"]["id"]):
        assert secret not in text
    persons = [p["name"] for s in record["determination"]["sanctions"] for p in s["persons"]]
    assert persons and all(p.startswith("masked-") for p in persons)
    assert record["masking"]["fields"]["subject.name"] == "pseudonym"


def test_an_array_is_answered_item_by_item_in_order(server: Server) -> None:
    good = example_event(HENAN)
    r = server.post("/v1/evaluate", [good, dict(good, kind="adminstrative_penalty"), 17, dict(good, id="second")],
                    jurisdiction="henan", as_of="2024-06-01")
    assert r.status_code == 200, r.text
    items = r.json()
    assert [i.get("event_id") for i in items] == ["henan-2024-0001", None, None, "second"]
    assert [i.get("index") for i in items] == [None, 1, 2, None]
    assert items[1]["error"]["code"] == "unknown-name" and "administrative_penalty" in items[1]["error"]["message"]
    assert items[2]["error"]["code"] == "bad-event"
    assert r.headers["x-decision-count"] == "2" and r.headers["x-error-count"] == "2"
    assert items[0]["trace"] and all(e["outcome"] != "not_fired" for e in items[0]["trace"]), "arrays: trace fired"
    for i in (0, 3):
        record = logged(server, items[i]["decision_id"])
        assert (record["batch_id"], record["batch_index"]) == (r.headers["x-batch-id"], i)


BAD_REQUESTS = [
    # (what, path, params, body bytes, status, code)
    ("malformed JSON", "/v1/evaluate", {"jurisdiction": "henan"}, b'{"id": "x",\n "kind": }', 400, "bad-json"),
    ("duplicate key", "/v1/evaluate", {"jurisdiction": "henan"}, b'{"id": "a", "id": "b"}', 400, "duplicate-key"),
    ("not UTF-8", "/v1/evaluate", {"jurisdiction": "henan"}, b'{"id": "\xff"}', 400, "bad-encoding"),
    ("NaN", "/v1/evaluate", {"jurisdiction": "henan"}, b'{"id": NaN}', 400, "bad-json"),
    ("no body", "/v1/evaluate", {"jurisdiction": "henan"}, b"", 400, "empty-body"),
    ("nested 100,000 deep", "/v1/evaluate", {"jurisdiction": "henan"}, b"[" * 100_000, 400, "too-deep"),
    ("no jurisdiction", "/v1/evaluate", {}, b"{}", 400, "no-jurisdiction"),
    ("unknown jurisdiction", "/v1/evaluate", {"jurisdiction": "henna"}, b"{}", 404, "unknown-jurisdiction"),
    ("a folder path", "/v1/evaluate", {"jurisdiction": str(ROOT / "policies" / "henan")}, b"{}", 404,
     "unknown-jurisdiction"),
    ("impossible as_of", "/v1/evaluate", {"jurisdiction": "henan", "as_of": "2024-02-30"}, b"{}", 400, "bad-date"),
    ("unknown trace level", "/v1/evaluate", {"jurisdiction": "henan", "trace": "all"}, b"{}", 400, "bad-option"),
    ("unknown evaluator", "/v1/evaluate", {"jurisdiction": "henan", "evaluator": "rete"}, b"{}", 400, "bad-option"),
    ("an event of an unknown kind", "/v1/evaluate", {"jurisdiction": "henan"},
     b'{"id": "x", "subject": {"type": "legal_person"}, "kind": "tax_evasion"}', 422, "unknown-name"),
    ("an event without a subject", "/v1/evaluate", {"jurisdiction": "henan"},
     b'{"id": "x", "kind": "administrative_penalty"}', 422, "missing-field"),
    ("a number for an event", "/v1/evaluate", {"jurisdiction": "henan"}, b"42", 422, "bad-event"),
    ("an array to explain", "/v1/explain", {"jurisdiction": "henan"}, b"[]", 422, "bad-event"),
    ("why not something unknown", "/v1/explain", {"jurisdiction": "henan", "why_not": "nothing_such"}, b"{}", 400,
     "unknown-outcome"),
    ("explain format pdf", "/v1/explain", {"jurisdiction": "henan", "format": "pdf"}, b"{}", 400, "bad-option"),
    ("unknown endpoint", "/v2/evaluate", {}, b"{}", 404, "not-found"),
    ("a wrong method", "/v1/vocab", {}, b"", 405, "method-not-allowed"),
]


def test_bad_requests_are_4xx_with_the_contract_diagnostics(server: Server) -> None:
    for what, path, params, body, status, code in BAD_REQUESTS:
        r = server.post(path, content=body, **params)
        assert r.status_code == status, f"{what}: {r.status_code} {r.text[:300]}"
        data = r.json()
        assert data["status"] == status, what
        assert code in [d["code"] for d in data["diagnostics"]], f"{what}: {data}"
        for d in data["diagnostics"]:
            assert set(d) == {"code", "message", "file", "line", "column", "hint", "severity"}, what
    r = server.post("/v1/evaluate", content=b'{"id": "x",\n "kind": }', jurisdiction="henan")
    d = r.json()["diagnostics"][0]
    assert (d["file"], d["line"], d["column"]) == ("<body>", 2, 10)
    r = server.post("/v1/evaluate", content=b"{}", jurisdiction="henna")
    assert "did you mean `henan`?" in r.json()["diagnostics"][0]["hint"]
    assert server.get("/v1/vocab", jurisdiction="nowhere").status_code == 404
    assert server.get("/healthz").json()["status"] == "ok", "the server took all of it"


def test_a_huge_body_is_refused_without_reading_it_all(server: Server) -> None:
    huge = b'[' + b'{"id": "x"},' * 1_000_000 + b'{"id": "x"}]'           # 12 MB, over the 10 MiB default
    r = server.post("/v1/evaluate", content=huge, jurisdiction="henan")
    assert r.status_code == 413 and r.json()["diagnostics"][0]["code"] == "too-large"

    def chunks() -> Iterator[bytes]:                                     # no Content-Length: chunked
        yield b"["
        for _ in range(1200):
            yield b'{"id": "x"},' * 1000
        yield b"{}]"

    r = httpx.post(server.url + "/v1/evaluate", content=chunks(), params={"jurisdiction": "henan"}, timeout=60)
    assert r.status_code == 413 and r.json()["diagnostics"][0]["code"] == "too-large"
    assert server.get("/healthz").status_code == 200


# --- explain, packs, vocab, health, OpenAPI ---------------------------------------------------------------------

def test_explain_is_logged_and_cites_what_the_determination_cites(server: Server) -> None:
    event = example_event(HENAN)
    r = server.post("/v1/explain", event, jurisdiction="henan", as_of="2024-06-01", lang="en")
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["decision_id"] == r.headers["x-decision-id"]
    det = creditrules.evaluate(HENAN, jurisdiction="henan", as_of="2024-06-01")
    text = r.text
    for citation in det.citations:
        assert orjson.dumps(citation.label).decode() in text, citation.label
    for sanction in det.sanctions:
        assert sanction.id in text
    record = logged(server, data["decision_id"])
    assert record["endpoint"] == "explain" and record["trace"] == "full"

    page = server.post("/v1/explain", event, jurisdiction="henan", as_of="2024-06-01", format="html")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.text.lstrip().lower().startswith("<!doctype html") and "x-decision-id" in page.headers
    hostile = dict(event, subject=dict(event["subject"], name="<script>alert(1)</script>"))
    page = server.post("/v1/explain", hostile, jurisdiction="henan", as_of="2024-06-01", format="html")
    assert "<script>alert(1)</script>" not in page.text, "user text is data in HTML"

    why = server.post("/v1/explain", event, jurisdiction="henan", as_of="2024-06-01",
                      why_not="incentive_list_requires_public_notice")
    assert why.status_code == 200 and "incentive_list_requires_public_notice" in why.text


def test_packs_vocab_health_and_openapi(server: Server) -> None:
    packs = server.get("/v1/packs").json()["packs"]
    ws = default_workspace()
    assert {p["jurisdiction"]: p["digest"] for p in packs} == {loc.name: ws.digest(loc.name)
                                                              for loc in ws.jurisdictions()}
    henan = next(p for p in packs if p["jurisdiction"] == "henan")
    assert henan["status"] == "ok" and henan["versions"][0]["id"]

    vocab = server.get("/v1/vocab").json()
    assert vocab["kinds"]["administrative_penalty"]["zh"] and vocab["conduct"]["tax_evasion"]["read_by"]
    only = server.get("/v1/vocab", jurisdiction="jilin").json()
    readers = [r for section in only.values() for entry in section.values() for r in entry["read_by"]]
    assert readers and all(r.startswith("jilin ") for r in readers)

    health = server.get("/healthz").json()
    assert health["status"] == "ok" and health["version"] == creditrules.__version__
    assert health["log"]["kind"] == ("postgresql" if server.log.startswith("postgresql") else "sqlite")

    schema = server.get("/openapi.json").json()
    assert {"/v1/evaluate", "/v1/explain", "/v1/packs", "/v1/vocab", "/v1/reload", "/healthz"} <= set(schema["paths"])
    components = schema["components"]["schemas"]
    assert {"CreditEvent", "Subject", "DecisionOut", "ErrorOut", "DiagnosticOut", "PacksOut"} <= set(components)
    body = schema["paths"]["/v1/evaluate"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert {"$ref": "#/components/schemas/CreditEvent"} in body["oneOf"]
    assert "decision_id" in components["DecisionOut"]["properties"]
    params = {p["name"] for p in schema["paths"]["/v1/evaluate"]["post"]["parameters"]}
    assert params == {"jurisdiction", "as_of", "trace", "evaluator", "lang"}


# --- the decision log from the command line -----------------------------------------------------------------------

def test_log_show_and_replay(server: Server) -> None:
    r = server.post("/v1/evaluate", example_event(HENAN), jurisdiction="henan", as_of="2024-06-01")
    decision_id = r.json()["decision_id"]

    shown = creditrules_cli("log", "show", decision_id, "--log", server.log)
    assert shown.exit_code == 0, shown.stderr
    assert decision_id in shown.stdout and "masked-" in shown.stdout and "张三" not in shown.stdout
    assert "as_of 2024-06-01" in shown.stdout and r.json()["pack"]["digest"] in shown.stdout
    as_json = orjson.loads(creditrules_cli("log", "show", decision_id, "--log", server.log, "--format", "json").stdout)
    assert as_json["decision_id"] == decision_id and as_json["input"]["kind"] == "administrative_penalty"

    same = creditrules_cli("log", "replay", decision_id, "--log", server.log)
    assert same.exit_code == 0, same.stdout + same.stderr
    assert "pack digest: same" in same.stdout and "determination: identical" in same.stdout

    tampered = dict(logged(server, decision_id)["determination"])
    tampered["repair"] = dict(tampered["repair"], eligible=not tampered["repair"]["eligible"])
    with DecisionLog(server.log, create=False) as log:
        mark = "?" if log.kind == "sqlite" else "%s"
        log.connect()._conn.execute(f"UPDATE creditrules_decisions SET determination = {mark} WHERE decision_id = "
                                    f"{mark}", (orjson.dumps(tampered).decode(), decision_id))
        if log.kind == "sqlite":
            log._conn.commit()
    changed = creditrules_cli("log", "replay", decision_id, "--log", server.log)
    assert changed.exit_code == 1, changed.stdout + changed.stderr
    assert "determination: different (1 field)" in changed.stdout and "repair.eligible" in changed.stdout
    report = orjson.loads(creditrules_cli("log", "replay", decision_id, "--log", server.log, "--format", "json").stdout)
    assert report["identical"] is False and report["pack_digest"]["same"] is True

    unknown = creditrules_cli("log", "replay", "no-such-decision", "--log", server.log)
    assert unknown.exit_code == 2 and "no decision `no-such-decision`" in unknown.stderr
    listed = creditrules_cli("log", "list", "--log", server.log, "--limit", "500")
    assert decision_id in listed.stdout


def test_serve_refuses_a_log_it_cannot_open(tmp_path: Path) -> None:
    bad = creditrules_cli("serve", "--port", "0", "--log", str(tmp_path / "no" / "such" / "folder.sqlite"))
    assert bad.exit_code == 2 and "does not exist" in bad.stderr and "Traceback" not in bad.stderr
    mask = creditrules_cli("serve", "--port", "0", "--mask", "subject.nam=keep")
    assert mask.exit_code == 2 and "did you mean `subject.name`?" in mask.stderr


# --- packs change while the server runs -------------------------------------------------------------------------

def _save(path: Path, text: str) -> None:
    """As an editor saves (write a temporary file, then rename over): a reader never sees half a file."""
    tmp = path.with_name(path.name + ".tmp~")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def test_an_edited_pack_is_used_at_once_and_requests_in_flight_all_finish(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    policies = tmp_path / "policies"
    shutil.copytree(ROOT / "policies" / "henan", policies / "henan", ignore=shutil.ignore_patterns("tests"))
    env = {"CREDITRULES_POLICIES": str(policies)}
    rules = policies / "henan" / "rules" / "publication.yaml"
    original = rules.read_text(encoding="utf-8")
    log = str(tmp_path / "decisions.sqlite")
    srv = Server(log, env=env, cwd=tmp_path)
    event = example_event(HENAN)
    try:
        first = srv.post("/v1/evaluate", event, jurisdiction="henan", as_of="2024-06-01").json()
        five = first["pack"]["digest"]
        assert first["pack"]["source"] == str(policies / "henan") and first["publication"]["max_end"] == "2029-03-01"

        _save(rules, original.replace("max: {years: 5}", "max: {years: 3}"))
        three = Workspace().digest(policies / "henan")
        reloaded = {p["jurisdiction"]: p for p in srv.post("/v1/reload").json()["packs"]}
        assert reloaded["henan"] == {"jurisdiction": "henan", "status": "ok", "digest": three,
                                     "previous_digest": five, "changed": True, "errors": []}
        assert not any(p["changed"] for name, p in reloaded.items() if name != "henan")
        second = srv.post("/v1/evaluate", event, jurisdiction="henan", as_of="2024-06-01").json()
        assert second["pack"]["digest"] == three and second["publication"]["max_end"] == "2027-03-01"

        # requests keep coming while the rule is edited back and the caches are dropped (reload?force=true)
        answers: list[tuple[int, str]] = []
        stop = threading.Event()

        def hammer() -> None:
            with httpx.Client(timeout=60) as client:
                while not stop.is_set():
                    r = client.post(srv.url + "/v1/evaluate", content=orjson.dumps(event),
                                    params={"jurisdiction": "henan", "as_of": "2024-06-01", "trace": "none"})
                    answers.append((r.status_code, r.json()["publication"]["max_end"] if r.status_code == 200
                                    else r.text))

        threads = [threading.Thread(target=hammer) for _ in range(3)]
        for t in threads:
            t.start()
        time.sleep(0.5)
        _save(rules, original)
        forced = {p["jurisdiction"]: p for p in srv.post("/v1/reload", force="true").json()["packs"]}
        assert forced["henan"]["digest"] == five, "the digest is the content's: the same text, the same digest"
        time.sleep(0.5)
        stop.set()
        for t in threads:
            t.join(60)
        assert answers and all(status == 200 for status, _ in answers), [a for a in answers if a[0] != 200][:3]
        assert {end for _, end in answers} <= {"2027-03-01", "2029-03-01"} and answers[-1][1] == "2029-03-01"

        monkeypatch.setenv("CREDITRULES_POLICIES", str(policies))
        replayed = creditrules_cli("log", "replay", second["decision_id"], "--log", log)
        assert replayed.exit_code == 1, replayed.stdout + replayed.stderr
        assert f"pack digest: different (logged {three}, now {five})" in replayed.stdout
        assert 'publication.max_end: "2027-03-01" -> "2029-03-01"' in replayed.stdout
        again = creditrules_cli("log", "replay", first["decision_id"], "--log", log)
        assert again.exit_code == 0 and "pack digest: same" in again.stdout, again.stdout + again.stderr
    finally:
        srv.stop()


def test_a_bug_is_one_line_of_json_never_a_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The last line of defence, in process (a bug cannot be provoked from outside by design)."""
    import asyncio

    from creditrules.serve.app import ServeConfig, create_app
    from creditrules.serve.service import Service

    def broken(self: Service) -> list[dict]:
        raise RuntimeError("a bug")

    monkeypatch.setattr(Service, "packs", broken)
    app = create_app(ServeConfig(log=str(tmp_path / "d.sqlite"), warm=False))

    async def run() -> tuple[httpx.Response, httpx.Response]:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                return await client.get("/v1/packs"), await client.get("/healthz")

    r, health = asyncio.run(run())
    assert r.status_code == 500 and health.status_code == 200
    assert r.json()["diagnostics"][0]["code"] == "internal-error" and "Traceback" not in r.text
