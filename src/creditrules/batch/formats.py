"""The batch file formats and how a format is chosen from a file name. Imported by the command line at start-up:
nothing heavy here (no pyarrow)."""
from __future__ import annotations

from enum import Enum
from pathlib import PurePath

from ..errors import Diagnostic, Position, UsageError


class InputFormat(str, Enum):
    jsonl = "jsonl"
    csv = "csv"
    parquet = "parquet"


class OutputFormat(str, Enum):
    jsonl = "jsonl"
    parquet = "parquet"


SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
STDIO = "-"


def suffix_format(path: str) -> str | None:
    """`jsonl`, `csv` or `parquet` from a file name's suffix (case-insensitive; a `.gz` is not read); else None."""
    if path == STDIO:
        return None
    return SUFFIXES.get(PurePath(path).suffix.lower())


def is_batch_file(path: str, input_format: str | None = None) -> bool:
    """A batch: standard input, a named input format, or a file named .jsonl/.ndjson/.csv/.parquet/.pq."""
    return path == STDIO or input_format is not None or suffix_format(path) is not None


def input_format_of(path: str, given: str | None) -> str:
    """The input format: the one given, else the suffix's, else JSONL (standard input is JSONL unless told)."""
    if given is not None:
        return given
    found = suffix_format(path)
    if found is not None:
        return found
    if path == STDIO:
        return "jsonl"
    raise UsageError([Diagnostic("bad-option", f"cannot tell the format of `{path}` from its name", Position(),
                                 "name it .jsonl, .csv or .parquet, or give --input-format jsonl|csv|parquet")])


def output_format_of(path: str | None, given: str | None) -> str:
    """The output format: the one given, else `parquet` for an output named .parquet/.pq, else JSONL."""
    if given is not None:
        return given
    if path is not None and suffix_format(path) == "parquet":
        return "parquet"
    return "jsonl"
