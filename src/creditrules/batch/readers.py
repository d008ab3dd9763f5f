"""Batch inputs, read record by record in constant memory: JSON Lines, CSV and Parquet.

Each reader yields `records.Record`s in input order (index from 0 over the records, `line` the 1-based line of a
JSONL/CSV record, the 1-based row of a Parquet record) and never stops at a bad record: a record that cannot be
read is a `Record` whose `error` says where and why; the event checker then judges every readable one.

- JSONL: `records.iter_jsonl` (the robust reader: limits, duplicate keys, invalid UTF-8 per line); for a batch,
  `raw_jsonl` (its lines, split the same way, unparsed) and `parse_raw` where the chunk is evaluated.
- CSV: a header row, then one event per row. Column mapping and how text becomes typed values: `to_event` below
  and docs/batches.md ("CSV").
- Parquet: read one record batch at a time (`ParquetFile.iter_batches`). Columns are either nested like the event
  (`subject` a struct, `conduct` a list, `facts` a struct or a map) or flat, named as the CSV columns
  (`subject.type`, `facts.decision_final`), or a mix; a null is an absent field (unknown, never false).

A header (CSV) or schema (Parquet) that names a column the event has no place for is an error of the whole file,
raised before any record is read: one clear message rather than the same error on every row.
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from ..errors import Diagnostic, InputError, Position, UsageError, did_you_mean, quote
from ..records import Record, _parse, _Refused, iter_jsonl, raw_records
from ..vocabulary import Vocabulary
from .formats import STDIO

TOP = ("id", "subject", "kind", "conduct", "basis", "occurred_on", "facts")
SUBJECT = ("type", "id", "name", "birth_date", "responsible_persons")
BASIS = ("type", "number", "decided_on", "effective_on")
FLAT = ("id", "kind", "conduct", "occurred_on", *(f"subject.{k}" for k in SUBJECT), *(f"basis.{k}" for k in BASIS))
PARQUET_BATCH = 1024            # rows decoded at a time from a Parquet file

_ESCAPED = re.compile("[\udc80-\udcff]")      # a byte that was not UTF-8, kept by surrogateescape
_INT = re.compile(r"[+-]?[0-9]{1,18}")
_TRUE, _FALSE = {"true", "1"}, {"false", "0"}


class _CellError(Exception):
    def __init__(self, code: str, message: str, column: int = 0):
        super().__init__(message)
        self.code, self.message, self.column = code, message, column


# --- text cells and Arrow values -> the event's values -----------------------------------------------------------

def _json_list(text: str, where: str) -> list:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise _CellError("bad-cell", f"`{where}` starts with `[` but is not a JSON array") from None
    if not isinstance(value, list):
        raise _CellError("bad-cell", f"`{where}` is not a JSON array")
    return value


def text_list(text: str, where: str) -> list:
    """A list written in one cell: a JSON array (`["a", "b"]`, `[]` = none), else names separated by `;`."""
    stripped = text.strip()
    if stripped.startswith("["):
        return _json_list(stripped, where)
    return [part.strip() for part in stripped.split(";") if part.strip()]


def typed_fact(text: str, ftype: str | None, where: str) -> Any:
    """A fact written as text, read by the type the vocabulary gives it. A text that does not fit the type is kept
    as text, so the event checker reports it with the fact's name and the type expected."""
    if ftype == "bool":
        low = text.strip().lower()
        return True if low in _TRUE else False if low in _FALSE else text
    if ftype == "int":
        return int(text.strip()) if _INT.fullmatch(text.strip()) else text
    if ftype == "list":
        return text_list(text, where)
    if ftype == "date":
        return text.strip()
    return text                                  # text, enum: as written


def _drop_nulls(value: Any, where: str) -> Any:
    """Nulls inside mappings are absent fields; an Arrow map (a list of key/value pairs) becomes a mapping."""
    if isinstance(value, dict):
        return {k: _drop_nulls(v, f"{where}.{k}") for k, v in value.items() if v is not None}
    if isinstance(value, list):
        if value and all(isinstance(x, tuple) and len(x) == 2 for x in value):
            out: dict = {}
            for k, v in value:
                if k in out:
                    raise _CellError("duplicate-key", f"duplicate key `{quote(k)}` in `{where}`")
                if v is not None:
                    out[k] = _drop_nulls(v, f"{where}.{k}")
            return out
        return [_drop_nulls(x, where) for x in value]
    return value


def to_event(fields: dict[tuple[str, ...], Any], vocab: Vocabulary | None) -> dict:
    """An event from (path -> value) pairs: `("id",)`, `("subject", "type")`, `("facts", "x")`, or a whole
    `("subject",)` mapping. Null and empty text are absent (unknown). Texts are read as docs/batches.md says:
    `conduct` and list facts as a JSON array or `;`-separated names, `subject.responsible_persons` as a JSON
    array, bool facts `true`/`false`/`1`/`0`, int facts as whole numbers, everything else as text (dates are
    checked by the event checker as YYYY-MM-DD)."""
    event: dict[str, Any] = {}
    for path, value in fields.items():
        if value is None or (isinstance(value, str) and value == ""):
            continue
        where = ".".join(path)
        value = _drop_nulls(value, where)
        if len(path) == 1:
            if path[0] in event and isinstance(event[path[0]], dict) and isinstance(value, dict):
                event[path[0]].update(value)
            else:
                event[path[0]] = value
        else:
            parent = event.setdefault(path[0], {})
            if not isinstance(parent, dict):
                raise _CellError("bad-cell", f"`{where}` and `{path[0]}` are both given")
            parent[path[1]] = value
    if isinstance(event.get("conduct"), str):
        event["conduct"] = text_list(event["conduct"], "conduct")
    subject = event.get("subject")
    if isinstance(subject, dict) and isinstance(subject.get("responsible_persons"), str):
        subject["responsible_persons"] = _json_list(subject["responsible_persons"].strip(),
                                                    "subject.responsible_persons")
    facts = event.get("facts")
    if isinstance(facts, dict):
        for name, value in list(facts.items()):
            if isinstance(value, str):
                term = vocab.facts.get(name) if vocab is not None else None
                facts[name] = typed_fact(value, term.type if term else None, f"facts.{name}")
    return event


def column_path(name: str, vocab: Vocabulary | None, nested: bool) -> tuple[str, ...] | None:
    """Where a column goes in the event, or None if it has no place. `nested`: Parquet's whole-object columns
    (`subject`, `basis`, `facts`) are allowed too."""
    if name in FLAT:
        return tuple(name.split("."))
    if nested and name in TOP:
        return (name,)
    if name.startswith("facts.") and len(name) > 6:
        fact = name[6:]
        if vocab is None or fact in vocab.facts:
            return ("facts", fact)
    return None


def check_columns(names: list[str], vocab: Vocabulary | None, file: str, line: int, nested: bool,
                  what: str) -> list[tuple[str, ...]]:
    """The event path of every column; an InputError naming every column without one (and duplicates)."""
    problems, paths, seen = [], [], set()
    columns, at = [], 1                 # where each header cell starts in its line (exact when unquoted)
    for name in names:
        columns.append(at)
        at += len(name) + 1
    choices = [*FLAT, *(TOP if nested else ()), *(f"facts.{f}" for f in (vocab.facts if vocab else ()))]
    for i, name in enumerate(names, start=1):
        path = column_path(name, vocab, nested)
        if name in seen:
            problems.append(Diagnostic("duplicate-column", f"column {i} `{quote(name)}` appears twice in the {what}",
                                       Position(file, line, columns[i - 1] if line else 0)))
        elif path is None:
            unknown_fact = name.startswith("facts.")
            problems.append(Diagnostic(
                "unknown-column", f"column {i} `{quote(name)}` of the {what} "
                + ("is not a fact of this pack's vocabulary" if unknown_fact else "has no place in an event"),
                Position(file, line, columns[i - 1] if line else 0),
                did_you_mean(name, choices) or ("columns: id, kind, conduct, occurred_on, subject.*, basis.*, "
                                                "facts.<name>" + (", or nested subject, basis, facts" if nested
                                                                  else ""))))
        seen.add(name)
        paths.append(path or (name,))
    if problems:
        raise InputError(problems)
    return paths


# --- the readers --------------------------------------------------------------------------------------------------

class _Counting(io.RawIOBase):
    """A binary stream that counts the bytes read through it (for progress)."""

    def __init__(self, stream: BinaryIO):
        self.stream, self.count = stream, 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.count += len(data)
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


@dataclass
class Input:
    """An opened batch input: its records (iterate once), where it is, and how far reading has come (`done` of
    `total` bytes or rows; total is None when unknown, e.g. standard input)."""
    name: str
    format: str
    records: Iterator[Record]
    total: int | None = None
    unit: str = "bytes"
    _position: Callable[[], int] = field(default=lambda: 0, repr=False)
    _close: Callable[[], None] = field(default=lambda: None, repr=False)

    @property
    def done(self) -> int:
        return self._position()

    def close(self) -> None:
        self._close()

    def __iter__(self) -> Iterator[Record]:
        return self.records


def _file_missing(path: str) -> InputError:
    return InputError([Diagnostic("file-missing", f"no such input file `{path}`", Position(path))])


def _binary(source: str | os.PathLike | BinaryIO) -> tuple[BinaryIO, str, int | None, bool]:
    """(stream, display name, size or None, whether we opened it)."""
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        if path == STDIO:
            return sys.stdin.buffer, "<stdin>", None, False
        if not os.path.isfile(path):
            raise _file_missing(path)
        return open(path, "rb"), path, os.path.getsize(path), True
    stream: Any = source
    if isinstance(stream, io.TextIOBase):
        stream = getattr(stream, "buffer", stream)
    return stream, str(getattr(source, "name", "") or "<stream>"), None, False


def raw_jsonl(stream: BinaryIO, file: str) -> Iterator[Record]:
    """The records of `records.iter_jsonl`, the same indexes and lines, but a good line's JSON is not parsed here:
    its `data` is the line's bytes, parsed later by `parse_raw` (where the record is evaluated: a batch's parent
    only splits lines, its workers parse them). A line over the limit is the same `too-long` error."""
    return raw_records(stream, file)


def parse_raw(record: Record, file: str) -> Record:
    """A record of `raw_jsonl` parsed as `records.iter_jsonl` parses it (the same data, or the same error); any
    other record as it is."""
    if not isinstance(record.data, bytes):
        return record
    try:
        return Record(record.index, record.line, _parse(record.data), None)
    except _Refused as exc:
        return Record(record.index, record.line, None, Diagnostic(exc.code, exc.message,
                                                                  Position(file, record.line, exc.column)))


def open_input(source: str | os.PathLike | BinaryIO, fmt: str, vocab: Vocabulary | None = None,
               name: str | None = None, row_groups: Sequence[int] | None = None, raw: bool = False) -> Input:
    """Open a batch input (a path, `-` for standard input, or a binary stream) of format jsonl, csv or parquet.
    Header and schema problems raise InputError here, before any record is read. `row_groups` (Parquet only,
    consecutive): read only these row groups of the file; indexes and row numbers stay the file's own. `raw`
    (JSONL only): records of unparsed lines (`raw_jsonl`; `parse_raw` parses one)."""
    if fmt == "parquet":
        return _open_parquet(source, vocab, name, row_groups)
    stream, display, size, owned = _binary(source)
    display = name or display
    counting = _Counting(stream)
    close = stream.close if owned else (lambda: None)
    if fmt == "jsonl":
        records = (raw_jsonl(counting, display) if raw      # type: ignore[arg-type]
                   else iter_jsonl(counting, name=display))     # type: ignore[arg-type]
    elif fmt == "csv":
        try:
            records = _csv_records(counting, display, vocab)
        except BaseException:
            close()
            raise
    else:
        raise ValueError(f"unknown input format {fmt!r}")
    return Input(display, fmt, records, size, "bytes", lambda: counting.count, close)


def _csv_records(stream: io.RawIOBase, file: str, vocab: Vocabulary | None) -> Iterator[Record]:
    text = io.TextIOWrapper(io.BufferedReader(stream), encoding="utf-8-sig", errors="surrogateescape", newline="")
    reader = csv.reader(text, strict=False)
    header: list[str] | None = None
    header_line = 0
    while header is None:
        try:
            first = next(reader, None)
        except csv.Error as exc:
            raise InputError([Diagnostic("bad-csv", f"the header row cannot be read: {exc}",
                                         Position(file, reader.line_num, 0))]) from None
        if first is None:
            return iter(())
        if any(cell.strip() for cell in first):
            header, header_line = [cell.strip() for cell in first], reader.line_num
    if _ESCAPED.search("".join(header)):
        raise InputError([Diagnostic("bad-encoding", "the header row is not valid UTF-8 text",
                                     Position(file, header_line, 0))])
    paths = check_columns(header, vocab, file, header_line, nested=False, what="CSV header")
    return _csv_rows(reader, header, paths, file, vocab)


def _csv_rows(reader: Any, header: list[str], paths: list[tuple[str, ...]], file: str,
              vocab: Vocabulary | None) -> Iterator[Record]:
    index = 0
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader, None)
        except csv.Error as exc:
            yield Record(index, start, None, Diagnostic("bad-csv", f"the row cannot be read as CSV: {exc}",
                                                        Position(file, start, 1)))
            index += 1
            continue
        if cells is None:
            return
        if not any(cell.strip() for cell in cells):
            continue                                        # a blank row: no record
        data, error = None, None
        if len(cells) != len(header):
            spans = (f" (the row runs from line {start} to line {reader.line_num}: is a `\"` not closed?)"
                     if reader.line_num > start else "")
            error = Diagnostic("bad-csv", f"the row has {len(cells)} cells; the header has {len(header)}{spans}",
                               Position(file, start, 1))
        elif any(_ESCAPED.search(cell) for cell in cells):
            column = next(i for i, cell in enumerate(cells, start=1) if _ESCAPED.search(cell))
            error = Diagnostic("bad-encoding", f"column {column} `{quote(header[column - 1])}` is not valid UTF-8 "
                               "text", Position(file, start, 1))
        else:
            try:
                data = to_event(dict(zip(paths, cells, strict=True)), vocab)
            except _CellError as exc:
                error = Diagnostic(exc.code, exc.message, Position(file, start, 1))
        yield Record(index, start, data, error)
        index += 1


def arrow_records(batches: Any, vocab: Vocabulary | None, file: str, start: int = 0,
                  schema_checked: bool = False) -> Iterator[Record]:
    """Records from Arrow record batches of events (Parquet, Dask, Spark's mapInArrow): row `start + i` is
    index `start + i`, line (row number) `start + i + 1`."""
    index = start
    paths: list[tuple[str, ...]] | None = None
    for batch in batches:
        if paths is None:
            names = list(batch.schema.names)
            paths = (check_columns(names, vocab, file, 0, nested=True, what="schema") if not schema_checked
                     else [column_path(n, vocab, True) or (n,) for n in names])
        for row in batch.to_pylist():
            data, error = None, None
            try:
                data = to_event(dict(zip(paths, row.values(), strict=True)), vocab)
            except _CellError as exc:
                error = Diagnostic(exc.code, exc.message, Position(file, index + 1, 0))
            yield Record(index, index + 1, data, error)
            index += 1


def _open_parquet(source: str | os.PathLike | BinaryIO, vocab: Vocabulary | None, name: str | None,
                  row_groups: Sequence[int] | None = None) -> Input:
    try:
        import pyarrow.parquet as pq
    except ImportError:                                      # pragma: no cover - the extra is not installed
        raise _needs("pyarrow", "parquet") from None
    if isinstance(source, (str, os.PathLike)) and os.fspath(source) == STDIO:
        raise InputError([Diagnostic("bad-option", "Parquet cannot be read from standard input (it is read from "
                                     "its end); give a file", Position())])
    display = name or (os.fspath(source) if isinstance(source, (str, os.PathLike))
                       else str(getattr(source, "name", "") or "<stream>"))
    if isinstance(source, (str, os.PathLike)) and not os.path.isfile(source):
        raise _file_missing(display)
    try:
        pf = pq.ParquetFile(source)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several kinds for a file that is not Parquet
        raise InputError([Diagnostic("bad-parquet", f"not a Parquet file: {quote(str(exc), 200)}",
                                     Position(display))]) from None
    check_columns(list(pf.schema_arrow.names), vocab, display, 0, nested=True, what="Parquet schema")
    rows_read = [0]
    meta = pf.metadata
    groups = list(range(meta.num_row_groups)) if row_groups is None else list(row_groups)
    start = sum(meta.row_group(g).num_rows for g in range(groups[0])) if groups else 0

    def batches() -> Iterator[Any]:
        if not groups:
            return
        for batch in pf.iter_batches(batch_size=PARQUET_BATCH, row_groups=groups):
            rows_read[0] += batch.num_rows
            yield batch

    records = arrow_records(batches(), vocab, display, start=start, schema_checked=True)
    total = sum(meta.row_group(g).num_rows for g in groups)
    return Input(display, "parquet", records, total, "rows", lambda: rows_read[0], pf.close)


def _needs(module: str, extra: str) -> UsageError:
    return UsageError([Diagnostic("missing-extra", f"`{module}` is not installed",
                                  Position(), f"pip install 'creditrules[{extra}]'")])
