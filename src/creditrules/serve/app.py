"""The HTTP service (FastAPI on uvicorn): `create_app(ServeConfig(...))`.

- `POST /v1/evaluate`: one event (a JSON object) -> its determination with `decision_id`; a JSON array -> one item
  per event, in order: a determination with its `decision_id`, or the error record of that event (CONTRACT.md
  section 6). Query: `jurisdiction` (required), `as_of`, `trace`, `evaluator`, `lang`.
- `POST /v1/explain`: one event -> the explanation of `creditrules explain` (`format=json`: as data; `format=html`:
  one self-contained page), logged like an evaluation; `why_not=ID`: why that id does or does not apply.
- `GET /v1/packs`: the jurisdictions, their versions and digests.
- `GET /v1/vocab`: the vocabulary (`?jurisdiction=J`: the names one pack is evaluated with, read by its articles).
- `POST /v1/reload`: re-check every pack's digest now, compile what changed (`?force=true`: forget the caches).
- `GET /healthz`: liveness: version, decision log, the digests in use.

Every decision is in the decision log before it is returned (`X-Decision-Id`, `decision_id`). Errors are
`{"status", "diagnostics": [...]}` with the contract's diagnostics: 400 unreadable request, 404 unknown
jurisdiction or path, 405 wrong method, 413 body or batch too large, 422 an event that does not fit the contract,
503 a server problem (pack invalid, log unreachable). A bug is a 500 with one line (`internal-error`), never a
traceback.

Packs: the workspace re-checks each pack's digest on every request (a stat of each input file) and compiles a
changed pack once; a request evaluates with the plan it started with, so a reload never drops or mixes a request
in flight (a batch is evaluated with one plan).

The configuration comes as a `ServeConfig`; `create_app_from_env()` reads it from `$CREDITRULES_SERVE_CONFIG`
(JSON), for `--workers N`, where each worker process builds its own app.
"""
from __future__ import annotations

import json
import os
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from ..determination import Determination
from ..event import CreditEvent
from .log import DEFAULT_LOG, DecisionLog, LogWriter
from .masking import DEFAULTS, Masking
from .service import (
    MAX_BATCH,
    MAX_BODY,
    RequestError,
    Service,
    check_options,
    default_lang,
    error,
    library_version,
    parse_body,
)

CONFIG_ENV = "CREDITRULES_SERVE_CONFIG"
DRAIN = 64 * 1024 * 1024            # bytes of an oversized body read and dropped, so the client sees the 413


@dataclass
class ServeConfig:
    log: str = DEFAULT_LOG
    mask: dict[str, str] = field(default_factory=lambda: dict(DEFAULTS))
    max_body: int = MAX_BODY
    max_batch: int = MAX_BATCH
    warm: bool = True               # compile every pack in the background at start

    def to_env(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_env(cls) -> ServeConfig:
        return cls(**json.loads(os.environ.get(CONFIG_ENV) or "{}"))


# --- the models the OpenAPI document shows ------------------------------------------------------------------------

class DiagnosticOut(BaseModel):
    code: str
    message: str
    file: str = ""
    line: int = 0
    column: int = 0
    hint: str = ""
    severity: str = "error"


class ErrorOut(BaseModel):
    """An answer other than 200: its status and every diagnostic."""
    status: int
    diagnostics: list[DiagnosticOut]


class DecisionOut(Determination):
    """A determination (CONTRACT.md section 3) with the id it is logged under."""
    decision_id: str


class RecordErrorOut(BaseModel):
    """An event of an array that could not be checked (CONTRACT.md section 6): its index and why."""
    index: int
    line: int | None = None
    error: dict[str, Any]


class PackVersionOut(BaseModel):
    id: str
    status: str
    effective_from: str | None = None
    effective_to: str | None = None


class PackOut(BaseModel):
    jurisdiction: str
    id: str | None
    status: Literal["ok", "invalid"]
    digest: str
    source: str
    origin: str
    layers: list[str]
    versions: list[PackVersionOut]
    errors: list[DiagnosticOut]


class PacksOut(BaseModel):
    packs: list[PackOut]


class ReloadPackOut(BaseModel):
    jurisdiction: str
    status: str
    digest: str
    previous_digest: str | None
    changed: bool
    errors: list[DiagnosticOut]


class ReloadOut(BaseModel):
    packs: list[ReloadPackOut]


class HealthOut(BaseModel):
    status: str
    version: str
    log: dict[str, Any] | None
    packs: dict[str, str]


class ExplanationOut(BaseModel):
    """The explanation as data (`creditrules explain --format json`) with the id its decision is logged under."""
    model_config = ConfigDict(extra="allow")
    decision_id: str


_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "the request cannot be read (not JSON, a bad query parameter)"},
    404: {"model": ErrorOut, "description": "unknown jurisdiction"},
    413: {"model": ErrorOut, "description": "body or batch over the limit"},
    422: {"model": ErrorOut, "description": "the event does not fit the contract (field, vocabulary, type)"},
    503: {"model": ErrorOut, "description": "the pack does not validate on this server, or the log is unreachable"},
}

_EVENT = {"$ref": "#/components/schemas/CreditEvent"}


def _body(description: str, array: bool) -> dict:
    schema = {"oneOf": [_EVENT, {"type": "array", "items": _EVENT}]} if array else _EVENT
    return {"requestBody": {"required": True, "description": description,
                            "content": {"application/json": {"schema": schema}}}}


Jurisdiction = Query(None, description="the pack to evaluate against: a name from GET /v1/packs (required)")
AsOf = Query(None, description="YYYY-MM-DD (default: today); the decision log keeps the date used")
Evaluator = Query(None, description="reference (default) | durable")
Lang = Query(None, description="language of the engine's own words: en (default) | zh")


# --- the app ------------------------------------------------------------------------------------------------------

async def _read_body(request: Request, limit: int) -> bytes:
    """The body, at most `limit` bytes: RequestError 413 beyond (a body up to DRAIN beyond is read and dropped
    first, so the client, still sending, receives the answer)."""
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit + DRAIN:
        raise _too_large(limit)
    chunks: list[bytes] = []
    total = 0
    try:
        async for chunk in request.stream():
            total += len(chunk)
            if total > limit:
                chunks = []
                if total > limit + DRAIN:
                    break
                continue
            chunks.append(chunk)
    except ClientDisconnect:
        raise error(400, "client-disconnected", "the client went away before the body was complete") from None
    if total > limit:
        raise _too_large(limit)
    return b"".join(chunks)


def _too_large(limit: int) -> RequestError:
    return error(413, "too-large", f"the request body is over {limit:,} bytes", "send fewer events per request "
                 "(an event is a few hundred bytes), or start the server with a larger --max-body", "<body>")


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    import orjson
    return Response(orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS), status_code=status,
                    media_type="application/json", headers=headers)


def create_app(config: ServeConfig | None = None) -> FastAPI:
    config = config or ServeConfig()
    masking = Masking(dict(config.mask))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        writer = LogWriter(DecisionLog(config.log)).start()
        service = Service(writer, masking, max_batch=config.max_batch)
        app.state.service = service
        if config.warm:
            threading.Thread(target=service.warm, name="creditrules-warm", daemon=True).start()
        try:
            yield
        finally:
            writer.stop()

    app = FastAPI(title="creditrules", version=library_version(), lifespan=lifespan,
                  description="Evaluate credit events against Chinese social-credit regulations encoded as policy "
                              "packs; every decision is logged with a decision id (names and identifiers masked "
                              "in the log).")

    def service_of(request: Request) -> Service:
        return request.app.state.service

    @app.exception_handler(RequestError)
    async def _request_error(request: Request, exc: RequestError) -> Response:
        return _json(exc.body(), exc.status)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
        message = {404: f"no endpoint `{request.url.path[:80]}`",
                   405: f"`{request.method}` is not allowed on `{request.url.path[:80]}`"}.get(
            exc.status_code, str(exc.detail))
        hint = "endpoints: POST /v1/evaluate, POST /v1/explain, GET /v1/packs, GET /v1/vocab, POST /v1/reload, " \
               "GET /healthz, GET /docs"
        body = RequestError(exc.status_code, [error(exc.status_code, code, message, hint).diagnostics[0]]).body()
        return _json(body, exc.status_code, dict(exc.headers) if exc.headers else None)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        diagnostics = []
        for e in exc.errors():
            loc = [str(p) for p in e.get("loc", ()) if p not in ("query", "body")]
            name = ".".join(loc) or "request"
            expected = (e.get("ctx") or {}).get("expected", "")
            diagnostics.append(error(400, "bad-option", f"query parameter `{name}`: {str(e.get('msg', '')).lower()}",
                                     f"allowed: {expected}" if expected else "").diagnostics[0])
        return _json(RequestError(400, diagnostics).body(), 400)

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> Response:
        # Starlette raises the exception again after this answer: uvicorn logs its traceback (server side only)
        return _json(error(500, "internal-error", f"internal error in creditrules: {type(exc).__name__} (a bug, "
                           "not your request; the server log has the details)").body(), 500)

    @app.post("/v1/evaluate", response_model=None, openapi_extra=_body("one credit event, or a JSON array of events",
                                                                          True),
              responses={200: {"model": DecisionOut | list[DecisionOut | RecordErrorOut],
                               "description": "the determination with its decision_id (header X-Decision-Id); for "
                                              "an array, one item per event in order (header X-Batch-Id)"},
                         **_ERRORS})
    async def evaluate(request: Request, jurisdiction: str | None = Jurisdiction, as_of: str | None = AsOf,
                       trace: Literal["full", "fired", "none"] | None = Query(
                           None, description="full (default for one event) | fired (default for an array) | none"),
                       evaluator: Literal["reference", "durable"] | None = Evaluator,
                       lang: Literal["en", "zh"] | None = Lang) -> Response:
        """Evaluate one credit event, or an array of them; every decision is logged before it is returned."""
        raw = await _read_body(request, config.max_body)
        opts = check_options(jurisdiction, as_of, evaluator, lang, trace)
        service = service_of(request)
        payload, headers = await run_in_threadpool(lambda: service.evaluate(parse_body(raw), opts))
        return Response(payload, media_type="application/json", headers=headers)

    @app.post("/v1/explain", response_model=None, openapi_extra=_body("one credit event", False),
              responses={200: {"model": ExplanationOut, "description": "the explanation (format=json), or one "
                               "self-contained page (format=html)", "content": {"text/html": {}}},
                         **_ERRORS})
    async def explain(request: Request, jurisdiction: str | None = Jurisdiction, as_of: str | None = AsOf,
                      format: Literal["json", "html"] = Query("json", description="json | html"),
                      why_not: str | None = Query(None, description="a sanction, incentive, decision, deadline "
                                                     "or rule id: why it does or does not apply, down to the facts, "
                                                     "and the smallest change that would make it apply"),
                      sanction: str | None = Query(None, description="explain only this sanction"),
                      evaluator: Literal["reference", "durable"] | None = Evaluator,
                      lang: Literal["en", "zh"] | None = Query(
                          None, description="the language of the explanation: zh (default) | en")) -> Response:
        """Explain one event (`creditrules explain`): the verdict, each conclusion with its rules and the
        provisions' own words; the decision is logged like an evaluation."""
        from .. import explain as ex
        raw = await _read_body(request, config.max_body)
        opts = check_options(jurisdiction, as_of, evaluator, lang, None, default_lang(ex.explanation_data))
        service = service_of(request)

        def work() -> Response:
            found, headers = service.explain(parse_body(raw), opts, why_not, sanction)
            if format == "html":
                page = (ex.why_not_html(found, why_not, opts.lang) if why_not else
                        ex.explanation_html(found, opts.lang, sanction=sanction))
                return HTMLResponse(page, headers=headers)
            data = (ex.why_not_data(found, why_not, opts.lang) if why_not else
                    ex.explanation_data(found, opts.lang, sanction=sanction))
            return _json({"decision_id": headers["X-Decision-Id"], **data}, headers=headers)

        return await run_in_threadpool(work)

    @app.get("/v1/packs", response_model=PacksOut)
    async def packs(request: Request) -> Response:
        """Every jurisdiction the server evaluates against: versions, status and content digest."""
        return _json({"packs": await run_in_threadpool(service_of(request).packs)})

    @app.get("/v1/vocab", responses={200: {"description": "section -> name -> {zh, en, type, values, read_by}"},
                                     **_ERRORS})
    async def vocab(request: Request, jurisdiction: str | None = Query(
            None, description="the names this pack is evaluated with (the library's and its own), read_by its "
                              "articles only")) -> Response:
        """Event kinds, conduct tags, facts and the other names an event may use, with zh and en labels."""
        return _json(await run_in_threadpool(service_of(request).vocab, jurisdiction))

    @app.post("/v1/reload", response_model=ReloadOut)
    async def reload(request: Request, force: bool = Query(False, description="forget every cache first")) -> Response:
        """Check every pack's digest now and compile what changed (the server also does this on each request)."""
        return _json(await run_in_threadpool(service_of(request).reload, force))

    @app.get("/healthz", response_model=HealthOut)
    async def healthz(request: Request) -> Response:
        """Liveness: the version, the decision log, the pack digests in use."""
        data = service_of(request).health()
        return _json(data, 200 if data["status"] == "ok" else 503)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        event = CreditEvent.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, sub in event.pop("$defs", {}).items():
            components.setdefault(name, sub)
        components["CreditEvent"] = event
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def create_app_from_env() -> FastAPI:
    """The app of one worker process (`creditrules serve --workers N`): its configuration from the environment."""
    return create_app(ServeConfig.from_env())
