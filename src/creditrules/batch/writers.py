"""Batch outputs, written as the results come (never gathered first), in input order.

- JSONL (and the text summaries): each chunk's bytes are written and flushed at once; nothing goes through rich.
- Parquet: the flat table (`table.py`), a row group each ROW_GROUP rows (FLAT_ROW_GROUP without the JSON column),
  so at most one row group is held. The
  file is written under a temporary name next to the target and renamed when closed: a Parquet file is unreadable
  until its footer is written, so a run that is interrupted (or crashes) closes it with the rows written so far,
  and a reader never sees a truncated file.
"""
from __future__ import annotations

import os
import sys
from typing import Any, BinaryIO

from ..errors import Diagnostic, Position, UsageError
from .formats import STDIO

ROW_GROUP = 1024            # rows per Parquet row group of the full table (its JSON: about 20 MB a group)
FLAT_ROW_GROUP = 65_536     # ... of the flat table (about 2 MB in memory a group)


def row_group(flat: bool) -> int:
    return FLAT_ROW_GROUP if flat else ROW_GROUP


class StreamWriter:
    """JSONL or text to a binary stream (standard output by default), or to a file it opens."""

    def __init__(self, target: str | os.PathLike | BinaryIO | None = None):
        self.owned = isinstance(target, (str, os.PathLike)) and os.fspath(target) != STDIO
        if self.owned:
            assert isinstance(target, (str, os.PathLike))
            self.stream: Any = open(target, "wb")
            self.name = os.fspath(target)
        elif target is None or (isinstance(target, (str, os.PathLike)) and os.fspath(target) == STDIO):
            self.stream, self.name = sys.stdout.buffer, "<stdout>"
        else:
            self.stream, self.name = target, str(getattr(target, "name", "<stream>"))

    def write(self, payload: bytes) -> None:
        if payload:
            self.stream.write(payload)
            self.stream.flush()

    def close(self, ok: bool = True) -> None:
        if self.owned:
            self.stream.close()
        else:
            self.stream.flush()


class ParquetOutput:
    """The flat table to a Parquet file (a path, or an fsspec-style URL when fsspec is installed)."""

    def __init__(self, target: str | os.PathLike, row_group: int = ROW_GROUP):
        try:
            import pyarrow as pa  # noqa: F401
            import pyarrow.parquet  # noqa: F401
        except ImportError:                     # pragma: no cover - the extra is not installed
            raise UsageError([Diagnostic("missing-extra", "Parquet output needs `pyarrow`, which is not installed",
                                         Position(), "pip install 'creditrules[parquet]'")]) from None
        path = os.fspath(target)
        if path == STDIO:
            raise UsageError([Diagnostic("bad-option", "Parquet is not written to standard output", Position(),
                                         "give --output FILE.parquet")])
        self.name, self.row_group = path, row_group
        self.tmp = f"{path}.tmp-{os.getpid()}"
        self._writer: Any = None
        self._pending: list[Any] = []
        self._rows = 0
        self.rows = 0
        self.closed = False

    def _open(self) -> Any:
        import pyarrow.parquet as pq

        from .table import schema
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.tmp, schema(), compression="zstd")
        return self._writer

    def write(self, batch: Any) -> None:
        self._pending.append(batch)
        self._rows += batch.num_rows
        self.rows += batch.num_rows
        if self._rows >= self.row_group:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa

        from .table import schema
        if not self._pending:
            return
        table = pa.Table.from_batches(self._pending, schema=schema())
        self._pending, self._rows = [], 0
        self._open().write_table(table, row_group_size=self.row_group)

    def close(self, ok: bool = True) -> None:
        """`ok`: the rows written so far become the file (complete, or the records done before an interrupt or a
        crash: a valid Parquet file either way); else the temporary file is removed. Only the first call acts."""
        if self.closed:
            return
        self.closed = True
        if not ok:
            if self._writer is not None:
                self._writer.close()
            if os.path.exists(self.tmp):
                os.unlink(self.tmp)
            return
        try:
            self._flush()
            self._open().close()               # an empty input still gives a file with the table's schema
        except BaseException:
            if os.path.exists(self.tmp):
                os.unlink(self.tmp)
            raise
        os.replace(self.tmp, self.name)


def open_output(target: str | os.PathLike | BinaryIO | None, fmt: str,
                rows: int = ROW_GROUP) -> StreamWriter | ParquetOutput:
    """A writer for `jsonl`/`text` (a path, `-`/None for standard output, or a binary stream) or `parquet` (a path;
    row groups of `rows` rows)."""
    if fmt == "parquet":
        if target is None:
            raise UsageError([Diagnostic("bad-option", "Parquet output needs a file", Position(),
                                         "give --output FILE.parquet")])
        if not isinstance(target, (str, os.PathLike)):
            raise UsageError([Diagnostic("bad-option", "Parquet output needs a file path", Position())])
        return ParquetOutput(target, rows)
    return StreamWriter(target)
