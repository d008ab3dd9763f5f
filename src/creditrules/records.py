"""Batches (CONTRACT.md section 6): JSON Lines read record by record, robustly, in constant memory.

`iter_jsonl(source)` yields one `Record` per non-blank line, in input order: its data (a JSON object), or the
diagnostic that says why the line could not be read. A bad line never stops the batch. The file is read as
bytes in chunks and split on b"\\n" only (U+2028, U+2029, a lone \\r or \\x85 inside a line are not line ends, as
they are for `str.splitlines`); a UTF-8 byte-order mark at the start is dropped; each line is decoded on its own,
so invalid UTF-8 spoils only its line. Refused, each with a line:column and a plain reason: a line over
MAX_LINE_BYTES (skipped without being held), invalid UTF-8, invalid JSON, a duplicate key (named), NaN or
Infinity, a number over MAX_DIGITS digits or beyond a float's range, nesting deeper than MAX_DEPTH (checked before
parsing: no RecursionError), a value that is not an object.

Privacy: a diagnostic never quotes the record (names and ID numbers); it gives the line, the column and the
reason, and for a duplicate key the key's name.
"""
from __future__ import annotations

import io
import json
import math
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO, Union, cast

from .errors import Diagnostic, Position, quote

MAX_LINE_BYTES = 1_000_000      # one record; a credit event is a few hundred bytes
MAX_DEPTH = 64                  # arrays and objects nested inside one another (the event checks 20 with its paths)
MAX_DIGITS = 100                # digits of a whole number
CHUNK = 64 * 1024               # bytes read at a time

_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Record:
    """One non-blank line of a batch: `index` counts the non-blank lines (good and bad) from 0 in input order,
    `line` is its 1-based physical line number; `data` is the JSON object read, or None and `error` says why."""
    index: int
    line: int
    data: Any | None
    error: Diagnostic | None

    @property
    def ok(self) -> bool:
        return self.error is None

    def error_item(self) -> dict:
        """The contract's output record for a line that could not be read (CONTRACT.md section 6)."""
        assert self.error is not None, "error_item() of a good record"
        return {"index": self.index, "line": self.line,
                "error": {"code": self.error.code, "message": self.error.message, "position": str(self.error.position)}}


class _Refused(Exception):
    def __init__(self, code: str, message: str, column: int = 1):
        super().__init__(message)
        self.code, self.message, self.column = code, message, column


Source = Union[str, "os.PathLike[str]", BinaryIO]


def iter_jsonl(source: Source, name: str | None = None) -> Iterator[Record]:
    """The records of a JSON Lines file or binary stream (e.g. `sys.stdin.buffer`), one per non-blank line.

    `name` is the file named in positions (default: the path, or the stream's `name`, or "<stream>"). A path is
    opened and closed here; a stream is read to its end and left open. A text stream is read through its
    `.buffer`. Memory stays flat: one chunk and one line (at most MAX_LINE_BYTES) are held at a time."""
    if isinstance(source, (str, os.PathLike)):
        display = name or os.fspath(source)
        with open(source, "rb") as file:
            yield from _records(file, display)
        return
    stream = source
    if isinstance(stream, io.TextIOBase):
        if not hasattr(stream, "buffer"):
            raise TypeError("iter_jsonl needs a binary stream (bytes): a text stream without .buffer was given")
        stream = stream.buffer
    display = name or str(getattr(source, "name", "") or "<stream>")
    yield from _records(stream, display)


def _records(stream: BinaryIO, file: str) -> Iterator[Record]:
    for record in raw_records(stream, file):
        if record.error is None:
            try:
                record = Record(record.index, record.line, _parse(cast(bytes, record.data)), None)
            except _Refused as exc:
                record = Record(record.index, record.line, None,
                                Diagnostic(exc.code, exc.message, Position(file, record.line, exc.column)))
        yield record


def raw_records(stream: BinaryIO, file: str) -> Iterator[Record]:
    """The records of a JSONL stream before their JSON is read: a good line's `data` is its bytes (a BOM on the
    first line dropped, blank lines skipped); a line over the limit is a `too-long` error. `iter_jsonl` parses
    them here; a batch's parent hands them to its workers to parse (batch/readers.py)."""
    index = 0
    for lineno, raw, length in _lines(stream):
        if raw is not None:
            if lineno == 1 and raw.startswith(_BOM):
                raw = raw[len(_BOM):]
            if not raw.strip(b" \t\r"):
                continue                                # a blank line: no record
            yield Record(index, lineno, raw, None)
        else:
            yield Record(index, lineno, None, Diagnostic("too-long", f"the line is too long ({length:,} bytes; at "
                                                         f"most {MAX_LINE_BYTES:,} for one record)",
                                                         Position(file, lineno, 1)))
        index += 1


def _lines(stream: BinaryIO) -> Iterator[tuple[int, bytes | None, int]]:
    """(line number, the line's bytes without b"\\n", length); the bytes are None for a line over the limit,
    which is skipped as it streams past, never held whole."""
    buf = bytearray()
    lineno, over, skipped = 1, False, 0
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            break
        if isinstance(chunk, str):
            raise TypeError("iter_jsonl needs a binary stream (bytes), got text")
        start = 0
        while True:
            end = chunk.find(b"\n", start)
            piece = chunk[start:] if end < 0 else chunk[start:end]
            if over:
                skipped += len(piece)
            else:
                buf += piece
                if len(buf) > MAX_LINE_BYTES:
                    over, skipped = True, len(buf)
                    buf = bytearray()
            if end < 0:
                break
            yield (lineno, None, skipped) if over else (lineno, bytes(buf), len(buf))
            buf, over, skipped = bytearray(), False, 0
            lineno += 1
            start = end + 1
    if over:
        yield lineno, None, skipped
    elif buf:
        yield lineno, bytes(buf), len(buf)


_STRING_OR_BRACKET = re.compile(r'"(?:[^"\\]++|\\.)*+"|[\[\]{}]', re.S)


def _check_depth(text: str) -> None:
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        ch = match.group()
        if ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise _Refused("too-deep", f"nested too deeply (more than {MAX_DEPTH} levels of arrays and "
                               "objects)", match.start() + 1)
        elif ch in "]}":
            depth = max(0, depth - 1)


class _Duplicate(Exception):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


class _Number(Exception):
    pass


def _pairs(pairs: list[tuple[str, Any]]) -> dict:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Duplicate(key)
            seen.add(key)
    return obj


def _constant(literal: str):
    raise _Number(f"`{literal}` is not a JSON number")


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Number("a number too large to hold")
    return value


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_DIGITS:         # digits, whatever the sign
        raise _Number(f"a whole number with more than {MAX_DIGITS} digits")
    return int(text)


_JSON_WORDS = {
    "Expecting value": "expected a value",
    "Expecting property name enclosed in double quotes": "expected a field name in double quotes",
    "Expecting ',' delimiter": "expected `,` between items, or the end of the object or array",
    "Expecting ':' delimiter": "expected `:` after a field name",
    "Extra data": "more text after the end of the record (one JSON object per line)",
    "Unterminated string starting at": "a text is not closed (its closing `\"` is missing)",
    "Invalid control character at": "a control character inside a text (write it as an escape, e.g. `\\n`)",
    "Invalid \\escape": "an invalid `\\` escape inside a text",
    "Invalid \\uXXXX escape": "an invalid `\\u` escape inside a text",
    "Unexpected UTF-8 BOM (decode using utf-8-sig)": "a byte-order mark inside the file",
}


def _key_column(text: str, key: str) -> int:
    """The column of the second `"key":` in the line, when it is written plainly; else 1."""
    needle = re.compile(re.escape(json.dumps(key, ensure_ascii=False)) + r"\s*:")
    hits = [m.start() for m in needle.finditer(text)]
    return hits[1] + 1 if len(hits) > 1 else 1


def _parse(raw: bytes) -> dict:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        column = len(raw[:exc.start].decode("utf-8", "replace")) + 1
        raise _Refused("bad-encoding", "the line is not valid UTF-8 text", column) from None
    _check_depth(text)
    try:
        data = json.loads(text, object_pairs_hook=_pairs, parse_constant=_constant, parse_float=_float,
                          parse_int=_int)
    except _Duplicate as exc:
        raise _Refused("duplicate-key", f"duplicate key `{quote(exc.key)}`", _key_column(text, exc.key)) from None
    except _Number as exc:
        raise _Refused("bad-json", f"not JSON: {exc}") from None
    except json.JSONDecodeError as exc:
        words = _JSON_WORDS.get(exc.msg, exc.msg[:1].lower() + exc.msg[1:])
        raise _Refused("bad-json", f"not JSON: {words}", exc.colno) from None
    except RecursionError:                  # pragma: no cover - _check_depth stops nesting long before
        raise _Refused("too-deep", "nested too deeply") from None
    except ValueError:                      # pragma: no cover - a number json cannot convert
        raise _Refused("bad-json", "not JSON: a number that cannot be read") from None
    if not isinstance(data, dict):
        kind = {list: "an array", str: "a text", bool: "true/false", type(None): "null"}.get(type(data), "a number")
        raise _Refused("not-an-object", f"a record must be a JSON object `{{...}}`, got {kind}")
    return data
