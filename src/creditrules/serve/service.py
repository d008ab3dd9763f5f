"""What the service does, without HTTP: check the options, evaluate, log, explain, list packs and vocabulary,
replay a logged decision. `app.py` puts it on HTTP; `cli.py` uses `replay` for `creditrules log replay`.

Statuses (`RequestError.status`): 400 a request that cannot be read (not JSON, a bad query parameter), 404 an
unknown jurisdiction or path, 413 a body or batch over the limit, 422 an event that does not fit the contract,
503 the server's own problem (a pack that does not validate, the decision log unreachable). Every error carries
the contract's diagnostics (`errors.Diagnostic.as_dict`).
"""
from __future__ import annotations

import datetime as dt
import json
import re
import threading
import uuid
from dataclasses import dataclass
from typing import Any

import orjson

from .. import api, backends
from ..engine.assemble import TRACE_LEVELS, Evaluation, determine
from ..errors import CreditRulesError, Diagnostic, InputError, PackError, Position, UsageError, allowed
from ..event import parse_event
from ..messages import LANGS
from ..workspace import Workspace, default_workspace
from .log import LogError, LogWriter
from .masking import Masking

MAX_BODY = 10 * 1024 * 1024         # bytes in one request body
MAX_BATCH = 10_000                  # events in one JSON array
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


class RequestError(Exception):
    """An answer other than 200: the HTTP status and the diagnostics that say why."""

    def __init__(self, status: int, diagnostics: list[Diagnostic]):
        self.status = status
        self.diagnostics = diagnostics
        super().__init__("; ".join(str(d) for d in diagnostics))

    def body(self) -> dict:
        return {"status": self.status, "diagnostics": [d.as_dict() for d in self.diagnostics]}


def error(status: int, code: str, message: str, hint: str = "", where: str = "") -> RequestError:
    return RequestError(status, [Diagnostic(code, message, Position(where), hint)])


def from_library(exc: CreditRulesError) -> RequestError:
    """A library error as an HTTP answer: unknown jurisdiction 404, a pack that does not validate 503, a wrong
    option 400, an event that does not fit 422."""
    codes = {d.code for d in exc.diagnostics}
    if "unknown-jurisdiction" in codes:
        return RequestError(404, exc.diagnostics)
    if isinstance(exc, PackError):
        return RequestError(503, [Diagnostic("pack-invalid", "the policy pack does not load or validate on this "
                                             "server (the server's data, not your request)", Position()),
                                  *exc.diagnostics])
    if isinstance(exc, UsageError):
        return RequestError(400, exc.diagnostics)
    return RequestError(422, exc.diagnostics)


# --- reading the body ---------------------------------------------------------------------------------------------

def parse_body(raw: bytes, where: str = "<body>") -> Any:
    """The request body as JSON: strict (duplicate keys, NaN, huge numbers and deep nesting refused, as for a
    JSONL record: records.py), with line:column. RequestError 400 otherwise."""
    from .. import records as r
    if not raw.strip():
        raise error(400, "empty-body", "the request has no body: send one event (a JSON object) or a JSON array of "
                    "events", where=where)
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        head = raw[:exc.start].decode("utf-8", "replace")
        line, column = head.count("\n") + 1, len(head) - head.rfind("\n")
        raise RequestError(400, [Diagnostic("bad-encoding", "the body is not valid UTF-8 text",
                                            Position(where, line, column))]) from None
    try:
        r._check_depth(text)
    except r._Refused as exc:
        raise RequestError(400, [Diagnostic(exc.code, exc.message, Position(where, 1, exc.column))]) from None
    try:
        return json.loads(text, object_pairs_hook=r._pairs, parse_constant=r._constant, parse_float=r._float,
                          parse_int=r._int)
    except r._Duplicate as exc:
        message = f"duplicate key `{exc.key[:60]}`"
        raise RequestError(400, [Diagnostic("duplicate-key", message, Position(where))]) from None
    except r._Number as exc:
        raise RequestError(400, [Diagnostic("bad-json", f"not JSON: {exc}", Position(where))]) from None
    except json.JSONDecodeError as exc:
        words = r._JSON_WORDS.get(exc.msg, exc.msg[:1].lower() + exc.msg[1:])
        raise RequestError(400, [Diagnostic("bad-json", f"not JSON: {words}",
                                            Position(where, exc.lineno, exc.colno))]) from None
    except (RecursionError, ValueError):
        raise RequestError(400, [Diagnostic("bad-json", "not JSON: a value that cannot be read",
                                            Position(where))]) from None


# --- options ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Options:
    jurisdiction: str
    as_of: dt.date
    evaluator: str
    lang: str
    trace: str | None                   # None: the default (full for one event, fired for an array)


def default_lang(function: Any) -> str:
    """The default of `function`'s `lang` parameter: the service answers in the library's own default."""
    import inspect
    value = inspect.signature(function).parameters["lang"].default
    return value if isinstance(value, str) else "en"


def check_options(jurisdiction: str | None, as_of: str | None, evaluator: str | None, lang: str | None,
                  trace: str | None, lang_default: str | None = None) -> Options:
    """The query parameters, checked (RequestError 400; 404 for a jurisdiction that cannot be a pack name).
    `lang` defaults to `lang_default`, else to the default of `api.evaluation`."""
    if not jurisdiction:
        try:
            api.plan_for(None)
        except UsageError as exc:
            raise RequestError(400, exc.diagnostics) from None
    assert jurisdiction is not None
    if not _NAME.fullmatch(jurisdiction):
        known = default_workspace().known()
        raise error(404, "unknown-jurisdiction", f"no policy pack `{jurisdiction[:60]}`: a jurisdiction is a pack "
                    "name (the service never loads a folder path)", "known: " + ", ".join(known))
    day = dt.date.today()
    if as_of:
        try:
            day = api._as_of(as_of)
        except InputError as exc:
            raise RequestError(400, exc.diagnostics) from None
    evaluator = evaluator or backends.DEFAULT
    if evaluator not in backends.BACKENDS:
        raise error(400, "unknown-evaluator", f"unknown evaluator `{evaluator[:60]}`", allowed(backends.BACKENDS))
    lang = lang or lang_default or default_lang(api.evaluation)
    if lang not in LANGS:
        raise error(400, "bad-option", f"unknown language `{lang[:60]}`", allowed(LANGS))
    if trace is not None and trace not in TRACE_LEVELS:
        raise error(400, "bad-option", f"unknown trace level `{trace[:60]}`", allowed(TRACE_LEVELS))
    return Options(jurisdiction, day, evaluator, lang, trace)


# --- the service --------------------------------------------------------------------------------------------------

def library_version() -> str:
    from .. import __version__
    return __version__


class Service:
    """The decisions: evaluated with the workspace's packs (re-checked by digest on every call), logged through
    `writer` (None: not logged, for tools), masked in the log by `masking`."""

    def __init__(self, writer: LogWriter | None, masking: Masking | None = None,
                 workspace: Workspace | None = None, max_batch: int = MAX_BATCH):
        self.writer = writer
        self.masking = masking or Masking()
        self.workspace = workspace or default_workspace()
        self.max_batch = max_batch
        self.version = library_version()
        self._digests: dict[str, str] = {}
        self._lock = threading.Lock()
        self._vocab_cache: tuple[tuple, dict] | None = None

    # evaluation ---------------------------------------------------------------------------------------------

    def _prepared(self, opts: Options) -> tuple[Any, Any]:
        try:
            plan = self.workspace.compiled(opts.jurisdiction)
            backend = self.workspace.prepared(plan, opts.evaluator)
        except CreditRulesError as exc:
            raise from_library(exc) from None
        with self._lock:
            self._digests[opts.jurisdiction] = plan.digest
        return plan, backend

    def _evaluate_one(self, plan: Any, backend: Any, raw: Any, opts: Options, trace: str,
                      where: Position) -> Evaluation:
        event = parse_event(raw, plan.vocab, where=where)
        return determine(plan, event, opts.as_of, backend, lang=opts.lang, trace=trace,
                         words=self.workspace.trace_words(plan, opts.lang))

    def _record(self, found: Evaluation, opts: Options, trace: str, endpoint: str, batch_id: str | None,
                index: int | None) -> dict:
        det = found.determination
        pack = det["pack"]
        masked, changed = self.masking.event(found.event.model_dump(mode="json", exclude_none=True))
        return {"decision_id": str(uuid.uuid4()), "decided_at": dt.datetime.now(dt.timezone.utc),
                "endpoint": endpoint, "batch_id": batch_id, "batch_index": index,
                "jurisdiction": opts.jurisdiction, "pack_id": pack["id"], "pack_version": pack["version"],
                "pack_digest": pack["digest"], "pack_source": pack["source"], "evaluator": opts.evaluator,
                "as_of": opts.as_of.isoformat(), "lang": opts.lang, "trace": trace, "event_id": found.event.id,
                "input": masked, "determination": self.masking.determination(det, changed),
                "masking": self.masking.describe(), "creditrules_version": self.version}

    def _log(self, records: list[dict]) -> None:
        if self.writer is None or not records:
            return
        try:
            self.writer.write(records)
        except LogError as exc:
            raise error(503, "log-unavailable", f"the decision could not be logged, so it is not returned: {exc}",
                        "try again; the server's decision log needs attention") from None

    def evaluate(self, body: Any, opts: Options) -> tuple[bytes, dict[str, str]]:
        """POST /v1/evaluate: (the JSON answer, headers). One event -> its determination with `decision_id`;
        an array -> one item per event in order, a determination with its `decision_id` or the error record."""
        plan, backend = self._prepared(opts)
        if isinstance(body, list):
            return self._evaluate_batch(body, plan, backend, opts)
        if not isinstance(body, dict):
            raise error(422, "bad-event", f"the body must be one event (a JSON object) or a JSON array of events, "
                        f"got {_json_kind(body)}", where="<body>")
        trace = opts.trace or "full"
        try:
            found = self._evaluate_one(plan, backend, body, opts, trace, Position("<body>"))
        except CreditRulesError as exc:
            raise from_library(exc) from None
        record = self._record(found, opts, trace, "evaluate", None, None)
        self._log([record])
        payload = orjson.dumps({"decision_id": record["decision_id"], **found.determination})
        return payload, {"X-Decision-Id": record["decision_id"]}

    def _evaluate_batch(self, events: list, plan: Any, backend: Any, opts: Options) -> tuple[bytes, dict[str, str]]:
        if len(events) > self.max_batch:
            raise error(413, "too-many-events", f"the array holds {len(events):,} events; at most "
                        f"{self.max_batch:,} in one request", "split the batch", where="<body>")
        trace = opts.trace or "fired"
        batch_id = str(uuid.uuid4())
        items: list[Any] = []
        records: list[dict] = []
        for i, raw in enumerate(events):
            try:
                found = self._evaluate_one(plan, backend, raw, opts, trace, Position(f"<body>[{i}]"))
            except CreditRulesError as exc:
                items.append(api.BatchItem(i, error=exc).error_record())
                continue
            record = self._record(found, opts, trace, "evaluate", batch_id, i)
            records.append(record)
            items.append({"decision_id": record["decision_id"], **found.determination})
        self._log(records)
        return orjson.dumps(items), {"X-Batch-Id": batch_id, "X-Decision-Count": str(len(records)),
                                     "X-Error-Count": str(len(events) - len(records))}

    def explain(self, body: Any, opts: Options, why_not: str | None = None,
                sanction: str | None = None) -> tuple[Evaluation, dict[str, str]]:
        """POST /v1/explain: (the evaluation, headers); the decision is logged. The explanation itself is
        `creditrules.explain`'s (app.py renders it as data or HTML)."""
        from ..explain import known_outcome_ids, unknown_outcome
        plan, backend = self._prepared(opts)
        for target in (why_not, sanction):
            if target is not None and target not in known_outcome_ids(plan):
                raise RequestError(400, unknown_outcome(plan, target).diagnostics)
        if not isinstance(body, dict):
            raise error(422, "bad-event", f"/v1/explain takes one event (a JSON object), got {_json_kind(body)}",
                        where="<body>")
        try:
            found = self._evaluate_one(plan, backend, body, opts, "full", Position("<body>"))
        except CreditRulesError as exc:
            raise from_library(exc) from None
        record = self._record(found, opts, "full", "explain", None, None)
        self._log([record])
        return found, {"X-Decision-Id": record["decision_id"]}

    # packs, vocabulary, reload --------------------------------------------------------------------------------

    def packs(self) -> list[dict]:
        """GET /v1/packs: every jurisdiction the server can evaluate against, with its digest and versions (a
        pack that does not validate is listed with its errors)."""
        rows = []
        for loc in self.workspace.jurisdictions():
            row: dict[str, Any] = {"jurisdiction": loc.name, "source": str(loc.folder), "origin": loc.origin}
            try:
                plan = self.workspace.compiled(loc.name)
                pack = plan.pack
                row.update(id=pack.id, status="ok", digest=plan.digest, layers=list(pack.layers),
                           versions=[{"id": v.id, "status": v.status,
                                      "effective_from": v.effective_from.isoformat() if v.effective_from else None,
                                      "effective_to": v.effective_to.isoformat() if v.effective_to else None}
                                     for v in pack.versions], errors=[])
            except CreditRulesError as exc:
                row.update(id=None, status="invalid", digest=self.workspace.digest(loc.folder), layers=[],
                           versions=[], errors=[d.as_dict() for d in exc.diagnostics])
            rows.append(row)
        return rows

    def reload(self, force: bool = False) -> dict:
        """POST /v1/reload: check every pack's digest now (with `force`, forget every cache first, for an edit
        the file system's timestamps cannot show) and compile what changed; requests in flight finish with the
        pack they started with."""
        with self._lock:
            before = dict(self._digests)
        if force:
            self.workspace.clear()
        rows = self.packs()
        with self._lock:
            for row in rows:
                if row["status"] == "ok":
                    self._digests[row["jurisdiction"]] = row["digest"]
        return {"packs": [{"jurisdiction": row["jurisdiction"], "status": row["status"], "digest": row["digest"],
                           "previous_digest": before.get(row["jurisdiction"]),
                           "changed": before.get(row["jurisdiction"], row["digest"]) != row["digest"],
                           "errors": row["errors"]} for row in rows]}

    def warm(self) -> None:
        """Compile every pack (at start, in the background, so the first request does not wait for it)."""
        for loc in self.workspace.jurisdictions():
            try:
                plan = self.workspace.compiled(loc.name)
            except CreditRulesError:
                continue
            with self._lock:
                self._digests.setdefault(loc.name, plan.digest)

    def vocab(self, jurisdiction: str | None = None) -> dict:
        """GET /v1/vocab: event kinds, conduct tags, facts ... with zh and en labels and the articles that read
        them (`creditrules vocab --format json`); with a jurisdiction, the names that pack is evaluated with
        (the library's and its own), `read_by` only its articles."""
        from ..plan.render import reads_names
        from ..vocabulary import SECTIONS
        if jurisdiction is not None:
            opts = check_options(jurisdiction, None, None, None, None)
            plans = [self._prepared(opts)[0]]
        else:
            plans = []
            for loc in self.workspace.jurisdictions():
                try:
                    plans.append(self.workspace.compiled(loc.name))
                except CreditRulesError:
                    continue
        key = (jurisdiction, tuple((p.source, p.digest) for p in plans))
        cached = self._vocab_cache
        if cached is not None and cached[0] == key:
            return cached[1]
        terms: dict[str, dict[str, Any]] = {s: {} for s in SECTIONS}
        readers: dict[tuple[str, str], set[str]] = {}
        for plan in plans:
            for section in SECTIONS:
                for name, t in plan.vocab.names(section).items():
                    terms[section].setdefault(name, t)
            for rule in plan.rules:
                labels = {f"{plan.pack.id} {plan.provisions[c].compact}" for c in rule.cites}
                for k in reads_names(rule.condition):
                    readers.setdefault(k, set()).update(labels)
        data = {section: {name: {"zh": t.zh, "en": t.en, **({"type": t.type} if t.type else {}),
                                 **({"values": list(t.values)} if t.values else {}),
                                 "read_by": sorted(readers.get((section, name), set()))}
                          for name, t in sorted(entries.items())} for section, entries in terms.items()}
        self._vocab_cache = (key, data)
        return data

    def health(self) -> dict:
        alive = self.writer is None or (self.writer._thread is not None and self.writer._thread.is_alive())
        return {"status": "ok" if alive else "log-writer-stopped", "version": self.version,
                "log": None if self.writer is None else {"kind": self.writer.log.kind,
                                                         "target": self.writer.log.display,
                                                         "written": self.writer.written},
                "packs": dict(sorted(self._digests.items()))}


def _plain(value: Any) -> Any:
    return orjson.loads(orjson.dumps(value))


def _json_kind(value: Any) -> str:
    return {list: "an array", str: "a text", bool: "true/false", type(None): "null", dict: "an object"}.get(
        type(value), "a number")


# --- replay -------------------------------------------------------------------------------------------------------

IGNORED = (("pack", "digest"), ("pack", "source"))   # reported apart: the pack itself, and where it was loaded


@dataclass
class Replay:
    decision_id: str
    logged_digest: str
    digest: str
    differences: list[str]
    determination: dict
    source: str

    @property
    def same_digest(self) -> bool:
        return self.logged_digest == self.digest

    @property
    def identical(self) -> bool:
        return not self.differences

    def as_dict(self) -> dict:
        return {"decision_id": self.decision_id, "pack_digest": {"logged": self.logged_digest, "now": self.digest,
                                                                "same": self.same_digest},
                "pack_source": self.source, "identical": self.identical, "differences": self.differences}


def replay(record: dict, pack: str | None = None, workspace: Workspace | None = None) -> Replay:
    """Evaluate a logged decision again: its logged (masked) event, jurisdiction (or the pack folder `pack`),
    as_of, evaluator, language and trace level; compare with the logged determination (pack digest and folder
    apart). CreditRulesError when the pack or the evaluator is not there any more."""
    ws = workspace or default_workspace()
    target = pack or record["jurisdiction"]
    plan = ws.compiled(target)
    backend = ws.prepared(plan, record["evaluator"])
    event = parse_event(record["input"], plan.vocab, where=Position(f"<decision {record['decision_id']}>"))
    found = determine(plan, event, dt.date.fromisoformat(str(record["as_of"])[:10]), backend, lang=record["lang"],
                      trace=record["trace"])
    now = _plain(found.determination)
    logged = record["determination"]
    differences = diff(_without(logged), _without(now))
    return Replay(record["decision_id"], record["pack_digest"], now["pack"]["digest"], differences, now,
                  now["pack"]["source"])


def _without(det: dict) -> dict:
    out = dict(det)
    pack = dict(out.get("pack") or {})
    for _, key in IGNORED:
        pack.pop(key, None)
    out["pack"] = pack
    return out


def diff(a: Any, b: Any, path: str = "", limit: int = 20) -> list[str]:
    """Where two JSON values differ: `path: logged -> now` lines (at most `limit`)."""
    out: list[str] = []

    def show(v: Any) -> str:
        text = orjson.dumps(v).decode("utf-8")
        return text if len(text) <= 80 else text[:79] + "…"

    def walk(x: Any, y: Any, where: str) -> None:
        if len(out) >= limit or x == y:
            return
        if isinstance(x, dict) and isinstance(y, dict):
            for k in list(x) + [k for k in y if k not in x]:
                if k not in y:
                    out.append(f"{where}{k}: {show(x[k])} -> (absent)")
                elif k not in x:
                    out.append(f"{where}{k}: (absent) -> {show(y[k])}")
                else:
                    walk(x[k], y[k], f"{where}{k}.")
                if len(out) >= limit:
                    return
            return
        if isinstance(x, list) and isinstance(y, list) and len(x) == len(y):
            for i, (u, v) in enumerate(zip(x, y, strict=True)):
                walk(u, v, f"{where.rstrip('.')}[{i}].")
            return
        out.append(f"{where.rstrip('.')}: {show(x)} -> {show(y)}")

    walk(a, b, path)
    return out
