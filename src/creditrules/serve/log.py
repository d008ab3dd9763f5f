"""The decision log: every decision the service makes, in a real database.

`DecisionLog(target)` opens a SQLite file (a path; created with its table on first use, WAL mode so several
server processes can write to it) or a PostgreSQL database (a `postgresql://` URL, through psycopg 3; the table is
created if missing). One table, `creditrules_decisions`:

| column | what |
|---|---|
| `decision_id` | the id returned to the caller (`X-Decision-Id`, `decision_id`), a UUID |
| `decided_at` | when, UTC (PostgreSQL `timestamptz`, SQLite ISO 8601 text) |
| `endpoint` | `evaluate` or `explain` |
| `batch_id`, `batch_index` | for an event of a JSON array: the request's batch id and its index in the array |
| `jurisdiction` | the jurisdiction name asked for |
| `pack_id`, `pack_version`, `pack_digest`, `pack_source` | the pack and version the determination used |
| `evaluator`, `as_of`, `lang`, `trace` | the options, `as_of` resolved (today, when the caller gave none) |
| `event_id` | the event's own `id` |
| `input` | the checked event, masked (JSON) |
| `determination` | the determination, masked (JSON, the contract's form) |
| `masking` | how it was masked: the mode of each field and the key's source (masking.py) |
| `creditrules_version` | the library's version |

JSON columns are PostgreSQL `json` (not `jsonb`: it keeps the contract's key order for `creditrules log show`).

Writes go through `LogWriter`: one thread per log that commits whatever has queued up in one transaction (group
commit); a request waits until its decision is committed, so a decision id the caller receives is in the log.
"""
from __future__ import annotations

import datetime as dt
import os
import queue
import re
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import orjson

from ..errors import Diagnostic, Position, UsageError

DEFAULT_LOG = "creditrules-decisions.sqlite"
TABLE = "creditrules_decisions"
SCHEMA_VERSION = 1
COLUMNS = ("decision_id", "decided_at", "endpoint", "batch_id", "batch_index", "jurisdiction", "pack_id",
           "pack_version", "pack_digest", "pack_source", "evaluator", "as_of", "lang", "trace", "event_id", "input",
           "determination", "masking", "creditrules_version")
JSON_COLUMNS = ("input", "determination", "masking")

_SQLITE_DDL = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
  decision_id TEXT PRIMARY KEY,
  decided_at TEXT NOT NULL,
  endpoint TEXT NOT NULL,
  batch_id TEXT,
  batch_index INTEGER,
  jurisdiction TEXT NOT NULL,
  pack_id TEXT NOT NULL,
  pack_version TEXT NOT NULL,
  pack_digest TEXT NOT NULL,
  pack_source TEXT NOT NULL,
  evaluator TEXT NOT NULL,
  as_of TEXT NOT NULL,
  lang TEXT NOT NULL,
  trace TEXT NOT NULL,
  event_id TEXT NOT NULL,
  input TEXT NOT NULL,
  determination TEXT NOT NULL,
  masking TEXT NOT NULL,
  creditrules_version TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS {TABLE}_decided_at ON {TABLE} (decided_at);
CREATE INDEX IF NOT EXISTS {TABLE}_event_id ON {TABLE} (event_id);
"""

_PG_DDL = [f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
  decision_id TEXT PRIMARY KEY,
  decided_at TIMESTAMPTZ NOT NULL,
  endpoint TEXT NOT NULL,
  batch_id TEXT,
  batch_index INTEGER,
  jurisdiction TEXT NOT NULL,
  pack_id TEXT NOT NULL,
  pack_version TEXT NOT NULL,
  pack_digest TEXT NOT NULL,
  pack_source TEXT NOT NULL,
  evaluator TEXT NOT NULL,
  as_of DATE NOT NULL,
  lang TEXT NOT NULL,
  trace TEXT NOT NULL,
  event_id TEXT NOT NULL,
  input JSON NOT NULL,
  determination JSON NOT NULL,
  masking JSON NOT NULL,
  creditrules_version TEXT NOT NULL
)""", f"CREATE INDEX IF NOT EXISTS {TABLE}_decided_at ON {TABLE} (decided_at)",
           f"CREATE INDEX IF NOT EXISTS {TABLE}_event_id ON {TABLE} (event_id)"]


class LogError(Exception):
    """The decision log could not be opened or written (a server problem, not the caller's input)."""


def is_postgres(target: str) -> bool:
    return target.startswith(("postgresql://", "postgres://"))


def display_target(target: str) -> str:
    """The log as shown in messages: a URL without its password."""
    return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", target) if is_postgres(target) else target


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode("utf-8")


class DecisionLog:
    """One connection to the log (module docstring). Not thread-safe by itself: the server writes through a
    `LogWriter` (one thread), the commands read with their own instance."""

    def __init__(self, target: str | os.PathLike[str] | None = None, *, create: bool = True):
        text = os.fspath(target) if target is not None else DEFAULT_LOG
        self.target = text
        self.kind = "postgresql" if is_postgres(text) else "sqlite"
        self.create = create
        self._conn: Any = None

    @property
    def display(self) -> str:
        return display_target(self.target)

    # --- connection ------------------------------------------------------------------------------------------

    def connect(self) -> DecisionLog:
        if self._conn is not None:
            return self
        try:
            if self.kind == "sqlite":
                path = Path(self.target)
                if not self.create and not path.is_file():
                    raise UsageError([Diagnostic("log-missing", f"no decision log at `{self.target}`", Position(),
                                                 "give the log with --log PATH_OR_URL")])
                if path.parent and not path.parent.is_dir():
                    raise LogError(f"the folder of the decision log `{self.target}` does not exist")
                conn: Any = sqlite3.connect(str(path), timeout=30.0, isolation_level=None, check_same_thread=False)
                conn.execute("PRAGMA busy_timeout = 30000")
                if self.create:
                    conn.execute("PRAGMA journal_mode = WAL")
                    conn.execute("PRAGMA synchronous = NORMAL")
                    conn.executescript(_SQLITE_DDL)
                self._conn = conn
            else:
                try:
                    import psycopg
                except ImportError:
                    raise UsageError([Diagnostic("log-driver-missing", "a PostgreSQL decision log needs psycopg 3, "
                                                 "which is not installed", Position(),
                                                 "install it with: pip install 'creditrules[serve]'")]) from None
                conn = psycopg.connect(self.target, connect_timeout=10, autocommit=True)
                if self.create:
                    with conn.transaction():
                        # one server at a time creates the table (several instances may start together)
                        conn.execute("SELECT pg_advisory_xact_lock(4242011)")
                        for statement in _PG_DDL:
                            conn.execute(statement)
                self._conn = conn
        except (sqlite3.Error, OSError) as exc:
            raise LogError(f"cannot open the decision log `{self.display}`: {exc}") from None
        except UsageError:
            raise
        except Exception as exc:    # psycopg.Error and its kin: the database is not there or refuses
            if self.kind == "postgresql" and type(exc).__module__.startswith("psycopg"):
                raise LogError(f"cannot open the decision log `{self.display}`: {str(exc).strip()}") from None
            raise
        return self

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None

    def __enter__(self) -> DecisionLog:
        return self.connect()

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # --- writing ---------------------------------------------------------------------------------------------

    def append(self, records: Sequence[dict]) -> None:
        """Store decisions in one transaction (a record: a dict with every column of COLUMNS)."""
        if not records:
            return
        self.connect()
        if self.kind == "sqlite":
            rows = [tuple(_dumps(r[c]) if c in JSON_COLUMNS else _sqlite_value(r[c]) for c in COLUMNS)
                    for r in records]
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany(f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) VALUES "
                                 f"({', '.join('?' for _ in COLUMNS)})", rows)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            return
        from psycopg.types.json import Json
        rows = [tuple(Json(r[c], dumps=_dumps) if c in JSON_COLUMNS else r[c] for c in COLUMNS) for r in records]
        with self._conn.transaction(), self._conn.cursor() as cur:
            cur.executemany(f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) VALUES "
                            f"({', '.join('%s' for _ in COLUMNS)})", rows)

    # --- reading ---------------------------------------------------------------------------------------------

    def get(self, decision_id: str) -> dict | None:
        """The logged decision as plain data (JSON columns parsed, times and dates as ISO text), or None."""
        rows = self._select(f"SELECT {', '.join(COLUMNS)} FROM {TABLE} WHERE decision_id = {self._mark}",
                            (decision_id,))
        return rows[0] if rows else None

    def latest(self, limit: int = 20) -> list[dict]:
        """The most recent decisions, newest first."""
        return self._select(f"SELECT {', '.join(COLUMNS)} FROM {TABLE} ORDER BY decided_at DESC, decision_id "
                            f"LIMIT {int(limit)}", ())

    def count(self) -> int:
        self.connect()
        if self.kind == "sqlite":
            return int(self._conn.execute(f"SELECT count(*) FROM {TABLE}").fetchone()[0])
        with self._conn.cursor() as cur:
            cur.execute(f"SELECT count(*) FROM {TABLE}")
            row = cur.fetchone()
        return int(row[0])

    @property
    def _mark(self) -> str:
        return "?" if self.kind == "sqlite" else "%s"

    def _select(self, sql: str, params: tuple) -> list[dict]:
        self.connect()
        try:
            if self.kind == "sqlite":
                raw = self._conn.execute(sql, params).fetchall()
            else:
                with self._conn.cursor() as cur:
                    cur.execute(sql, params)
                    raw = cur.fetchall()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                raise UsageError([Diagnostic("log-missing", f"`{self.display}` is not a creditrules decision log",
                                             Position())]) from None
            raise
        return [_row(self.kind, row) for row in raw]


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return value


def _row(kind: str, row: Iterable[Any]) -> dict:
    out: dict[str, Any] = {}
    for column, value in zip(COLUMNS, row, strict=True):
        if column in JSON_COLUMNS and isinstance(value, (str, bytes)):
            value = orjson.loads(value)
        elif isinstance(value, dt.datetime):
            value = value.astimezone(dt.timezone.utc).isoformat()
        elif isinstance(value, dt.date):
            value = value.isoformat()
        out[column] = value
    return out


class _Pending:
    __slots__ = ("records", "done", "error")

    def __init__(self, records: Sequence[dict]):
        self.records = records
        self.done = threading.Event()
        self.error: BaseException | None = None


class LogWriter:
    """Group commit: `write(records)` queues the decisions and waits until they are committed (LogError if the
    database refused them). One thread owns the connection; everything queued meanwhile goes in one transaction.
    A connection that broke (a PostgreSQL restart) is opened again once per batch before the batch fails."""

    MAX_BATCH = 512

    def __init__(self, log: DecisionLog, timeout: float = 30.0):
        self.log = log
        self.timeout = timeout
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self.written = 0

    def start(self) -> LogWriter:
        self.log.connect()                          # fail at start, not at the first request
        self._thread = threading.Thread(target=self._run, name="creditrules-decision-log", daemon=True)
        self._thread.start()
        return self

    def write(self, records: Sequence[dict]) -> None:
        if not records:
            return
        if self._thread is None or not self._thread.is_alive():
            raise LogError("the decision log writer is not running")
        pending = _Pending(records)
        self._queue.put(pending)
        if not pending.done.wait(self.timeout):
            raise LogError(f"the decision log `{self.log.display}` did not commit within {self.timeout:.0f} s")
        if pending.error is not None:
            raise LogError(f"the decision log `{self.log.display}` refused the decision: "
                           f"{str(pending.error).strip()}") from pending.error

    def stop(self) -> None:
        """Commit what is queued, then stop the thread and close the connection."""
        if self._thread is not None and self._thread.is_alive():
            self._queue.put(None)
            self._thread.join(self.timeout)
        self._thread = None

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is None:
                break
            batch = [first]
            count = len(first.records)
            while count < self.MAX_BATCH:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stopping = True
                    break
                batch.append(item)
                count += len(item.records)
            self._commit(batch)
        self.log.close()

    def _commit(self, batch: list[_Pending]) -> None:
        records = [r for p in batch for r in p.records]
        error: BaseException | None = None
        for attempt in range(2):
            try:
                self.log.append(records)
                error = None
                break
            except Exception as exc:        # noqa: BLE001 - reported to every waiting request
                error = exc
                if attempt == 0 and self.log.kind == "postgresql" and _broken(self.log):
                    self.log.close()
                    try:
                        self.log.connect()
                    except Exception as again:      # noqa: BLE001
                        error = again
                        break
                    continue
                break
        if error is None:
            self.written += len(records)
        for p in batch:
            p.error = error
            p.done.set()


def _broken(log: DecisionLog) -> bool:
    conn = log._conn
    return conn is None or bool(getattr(conn, "closed", False)) or bool(getattr(conn, "broken", False))
