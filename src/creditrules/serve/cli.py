"""The commands `creditrules serve` and `creditrules log show|list|replay` (`register(app)` adds them).

    creditrules serve [--host 127.0.0.1] [--port 8000] [--log PATH_OR_URL] [--workers N] [--mask FIELD=MODE ...]
    creditrules log show ID [--log PATH_OR_URL] [--format text|json]
    creditrules log list [--log PATH_OR_URL] [--limit 20]
    creditrules log replay ID [--log PATH_OR_URL] [--pack DIR] [--format text|json]   # exit 0 identical, 1 different

Exit codes as for every command: 1 invalid input or a pack that does not validate (and, for `replay`, a
determination that differs), 2 a usage error (an unknown decision id, a log that cannot be opened, a bad option).
The service itself needs the `serve` extra (FastAPI, uvicorn, psycopg): `pip install 'creditrules[serve]'`.
"""
from __future__ import annotations

import functools
import os
import socket
import sys
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Any

import typer

from ..errors import CreditRulesError, Diagnostic, Position, UsageError
from .log import DEFAULT_LOG, DecisionLog, LogError, display_target, is_postgres

LOG_HELP = f"the decision log: a SQLite file (default ./{DEFAULT_LOG}) or a postgresql:// URL"


class _Fmt(str, Enum):
    text = "text"
    json = "json"


def _report(diagnostics: list[Diagnostic]) -> None:
    from ..cli import report  # imported when used: creditrules.cli imports this module at its end
    report(diagnostics)


def _guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    """As the other commands: usage errors exit 2, bad input 1, with diagnostics; a log that cannot be opened 2."""
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except UsageError as exc:
            _report(exc.diagnostics)
            raise typer.Exit(2) from None
        except CreditRulesError as exc:
            _report(exc.diagnostics)
            raise typer.Exit(1) from None
        except LogError as exc:
            _report([Diagnostic("log-unavailable", str(exc), Position())])
            raise typer.Exit(2) from None
    return wrapper


def _log_target(value: str | None) -> str:
    text = value or DEFAULT_LOG
    return text if is_postgres(text) else os.path.abspath(text)


def _open_log(value: str | None) -> DecisionLog:
    return DecisionLog(_log_target(value), create=False).connect()


def _record(log: DecisionLog, decision_id: str) -> dict:
    record = log.get(decision_id)
    if record is None:
        raise UsageError([Diagnostic("unknown-decision", f"no decision `{decision_id[:80]}` in the decision log "
                                     f"`{log.display}`", Position(), "`creditrules log list` shows the latest")])
    return record


def _write(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()


def _json_text(value: Any) -> str:
    import orjson
    return orjson.dumps(value, option=orjson.OPT_INDENT_2).decode("utf-8")


def _summary(det: dict) -> str:
    """One line of a logged determination (user text is printed as data, never as markup)."""
    sev = det.get("severe_list") or {}
    pub = det.get("publication") or {}
    rep = det.get("repair") or {}
    parts = [f"dishonesty {det.get('dishonesty', {}).get('level')}", f"severe list eligible={sev.get('eligible')}",
             "sanctions: " + (", ".join(s["id"] for s in det.get("sanctions", [])) or "-"),
             "incentives: " + (", ".join(i["id"] for i in det.get("incentives", [])) or "-")]
    if pub.get("rules"):
        parts.append(f"publication {pub.get('disclosure')} {pub.get('start')} -> {pub.get('max_end')}")
    if rep.get("rules"):
        parts.append(f"repair eligible={rep.get('eligible')} earliest={rep.get('earliest')}")
    if det.get("missing_facts"):
        parts.append("missing facts: " + ", ".join(det["missing_facts"]))
    parts.append(f"{len(det.get('warnings', []))} warnings")
    return "; ".join(parts)


def _show_text(r: dict) -> str:
    masking = r.get("masking") or {}
    fields = ", ".join(f"{k}={v}" for k, v in (masking.get("fields") or {}).items())
    batch = f" (batch {r['batch_id']}, item {r['batch_index']})" if r.get("batch_id") else ""
    lines = [f"decision {r['decision_id']}: {r['endpoint']} at {r['decided_at']}{batch}",
             f"  jurisdiction {r['jurisdiction']}: pack {r['pack_id']} {r['pack_version']}, {r['pack_digest']}",
             f"  pack folder {r['pack_source']}",
             f"  evaluator {r['evaluator']}, as_of {r['as_of']}, lang {r['lang']}, trace {r['trace']}; "
             f"creditrules {r['creditrules_version']}",
             f"  event {r['event_id']}",
             f"  masked in the log: {fields} (key: {masking.get('key')})",
             f"  determination: {_summary(r['determination'])}",
             "input (as logged):", _indent(_json_text(r["input"]))]
    return "\n".join(lines)


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (port 0: a free port); UsageError when it cannot be had."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as exc:
        raise UsageError([Diagnostic("cannot-listen", f"cannot listen on {host}:{port}: {exc.strerror or exc}",
                                     Position(), "choose another --port or --host")]) from None
    sock.set_inheritable(True)
    return sock


def register(app: typer.Typer) -> None:
    """Add `serve` and `log show|list|replay` to the `creditrules` command."""

    @app.command()
    @_guarded
    def serve(host: str = typer.Option("127.0.0.1", "--host", help="the address to listen on (default loopback only)"),
              port: int = typer.Option(8000, "--port", help="the port (0: any free port, printed at start)"),
              log: str | None = typer.Option(None, "--log", help=LOG_HELP),
              workers: int = typer.Option(1, "--workers", min=1, help="worker processes"),
              mask: list[str] | None = typer.Option(
                  None, "--mask", help="FIELD=pseudonym|redact|keep, repeatable; `none` keeps every field; fields: "
                  "subject.name, subject.id, subject.responsible_persons[].name, subject.responsible_persons[].id, "
                  "basis.number"),
              max_body: int = typer.Option(10 * 1024 * 1024, "--max-body", min=1, help="bytes in one request body"),
              max_batch: int = typer.Option(10_000, "--max-batch", min=1, help="events in one JSON array"),
              access_log: bool = typer.Option(True, "--access-log/--no-access-log", help="one line per request")):
        """Serve POST /v1/evaluate, /v1/explain, GET /v1/packs, /v1/vocab, /healthz; every decision logged."""
        try:
            import fastapi  # noqa: F401
            import uvicorn
        except ImportError:
            raise UsageError([Diagnostic("serve-missing", "`creditrules serve` needs FastAPI and uvicorn, which are "
                                         "not installed", Position(),
                                         "install them with: pip install 'creditrules[serve]'")]) from None
        from .app import CONFIG_ENV, ServeConfig, create_app
        from .masking import parse_mask_options
        modes = parse_mask_options(mask)
        target = _log_target(log)
        if workers > 1 and port == 0:
            raise UsageError([Diagnostic("bad-option", "--port 0 needs --workers 1 (each worker must listen on the "
                                         "same port)", Position())])
        try:
            DecisionLog(target).connect().close()           # create the table now; a wrong --log fails here
        except LogError as exc:
            raise UsageError([Diagnostic("log-unavailable", str(exc), Position(),
                                         "--log takes a SQLite file path or a postgresql:// URL")]) from None
        config = ServeConfig(log=target, mask=modes, max_body=max_body, max_batch=max_batch)
        shown = host if ":" not in host else f"[{host}]"
        if workers > 1:
            os.environ[CONFIG_ENV] = config.to_env()
            sys.stderr.write(f"creditrules serve: http://{shown}:{port} ({workers} workers), decision log "
                             f"{display_target(target)}\n")
            sys.stderr.flush()
            uvicorn.run("creditrules.serve.app:create_app_from_env", factory=True, host=host, port=port,
                        workers=workers, access_log=access_log, log_level="info")
            return
        sock = _bind(host, port)
        server = uvicorn.Server(uvicorn.Config(create_app(config), host=host, port=sock.getsockname()[1],
                                               access_log=access_log, log_level="info", lifespan="on"))
        sys.stderr.write(f"creditrules serve: http://{shown}:{sock.getsockname()[1]}, decision log "
                         f"{display_target(target)}\n")
        sys.stderr.flush()
        server.run(sockets=[sock])
        if not server.started:
            raise typer.Exit(1)

    log_app = typer.Typer(no_args_is_help=True, add_completion=False, rich_markup_mode=None,
                          help="The decision log of `creditrules serve`: show a decision, replay it.")
    app.add_typer(log_app, name="log")

    @log_app.command("show")
    @_guarded
    def show(decision_id: str = typer.Argument(..., help="the decision id (X-Decision-Id)"),
             log: str | None = typer.Option(None, "--log", help=LOG_HELP),
             fmt: _Fmt = typer.Option(_Fmt.text, "--format")):
        """A logged decision: when, pack and digest, options, the masked input and the determination."""
        with _open_log(log) as opened:
            record = _record(opened, decision_id)
        _write(_json_text(record) if fmt is _Fmt.json else _show_text(record))

    @log_app.command("list")
    @_guarded
    def list_(log: str | None = typer.Option(None, "--log", help=LOG_HELP),
              limit: int = typer.Option(20, "--limit", min=1, help="how many, newest first")):
        """The latest decisions, newest first: id, time, jurisdiction, event id, dishonesty level."""
        with _open_log(log) as opened:
            rows = opened.latest(limit)
        for r in rows:
            _write(f"{r['decision_id']}  {r['decided_at']}  {r['jurisdiction']}  {r['event_id']}  "
                   f"{r['determination'].get('dishonesty', {}).get('level')}")

    @log_app.command("replay")
    @_guarded
    def replay_(decision_id: str = typer.Argument(..., help="the decision id (X-Decision-Id)"),
                log: str | None = typer.Option(None, "--log", help=LOG_HELP),
                pack: Path | None = typer.Option(None, "--pack", help="evaluate with this pack folder instead of "
                                                    "the logged jurisdiction (e.g. a checkout of the logged version)"),
                fmt: _Fmt = typer.Option(_Fmt.text, "--format")):
        """Evaluate a logged decision again (logged input, jurisdiction, as_of, evaluator) and say whether the pack
        digest is the same and the determination identical: exit 0 identical, 1 different."""
        from .service import replay
        with _open_log(log) as opened:
            record = _record(opened, decision_id)
        result = replay(record, str(pack) if pack is not None else None)
        if fmt is _Fmt.json:
            _write(_json_text(result.as_dict()))
        else:
            against = record["jurisdiction"] if pack is None else pack
            lines = [f"decision {record['decision_id']}: replayed with {against} ({result.source}), "
                     f"as_of {record['as_of']}, evaluator {record['evaluator']}",
                     "pack digest: " + (f"same ({result.digest})" if result.same_digest else
                                        f"different (logged {result.logged_digest}, now {result.digest})"),
                     "determination: " + ("identical" if result.identical else
                                          f"different ({len(result.differences)} "
                                          f"{'field' if len(result.differences) == 1 else 'fields'}"
                                          f"{', the first 20 shown' if len(result.differences) >= 20 else ''})")]
            lines += [f"  {d}" for d in result.differences]
            _write("\n".join(lines))
        raise typer.Exit(0 if result.identical else 1)
