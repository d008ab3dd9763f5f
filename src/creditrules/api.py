"""The library's calls (CONTRACT.md section 1)."""
from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Union

from .backends import get_evaluator
from .determination import Determination
from .errors import CreditRulesError, Diagnostic, InputError, Position
from .evaluate import DEFAULT_EVALUATOR, evaluate_events
from .event import CreditEvent, parse_event
from .model import Pack
from .packs import compiled_pack, load_valid_pack, working_day_calendar
from .trace import Tracer
from .vocabulary import default_vocabulary
from .yamlsource import load_yaml_file

EventInput = Union[CreditEvent, dict, str, os.PathLike]


def _as_of(value: Union[str, dt.date, None]) -> dt.date:
    if value is None:
        return dt.date.today()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InputError([Diagnostic("bad-date", f"`as_of` `{value}` is not a real date YYYY-MM-DD", Position())]) from None


def read_event(source: EventInput) -> CreditEvent:
    """A model, a dict, or a path to a YAML/JSON file -> a checked CreditEvent (InputError otherwise)."""
    if isinstance(source, CreditEvent):
        return source
    if isinstance(source, dict):
        return parse_event(source)
    path = Path(source)
    if not path.is_file():
        raise InputError([Diagnostic("file-missing", f"no such event file `{path}`", Position(str(path)))])
    doc, errors = load_yaml_file(path)
    if errors:
        raise InputError(errors)
    return parse_event(doc.data, default_vocabulary(), doc)


def load_pack(name_or_path: Union[str, os.PathLike]) -> Pack:
    """The validated pack model, by jurisdiction name (`henan`) or by folder path."""
    return load_valid_pack(name_or_path)


def evaluate(event: EventInput, jurisdiction: str = "henan", as_of: Union[str, dt.date, None] = None, *,
             evaluator: str = DEFAULT_EVALUATOR, tracer: Tracer | None = None, lang: str = "en") -> Determination:
    """Evaluate one credit event against one jurisdiction's pack (the engine's own warnings in `lang`: en or zh)."""
    checked = read_event(event)
    compiled = compiled_pack(jurisdiction)
    return evaluate_events(compiled, [checked], _as_of(as_of), working_day_calendar(compiled.pack.directory),
                           get_evaluator(evaluator), tracer, lang)[0]


@dataclass
class BatchItem:
    """One record of a batch: its determination, or the error that stopped it (with where and why)."""
    index: int
    determination: Determination | None = None
    error: CreditRulesError | None = None


def evaluate_many(events: Iterable[Any], jurisdiction: str = "henan", as_of: Union[str, dt.date, None] = None, *,
                  evaluator: str = DEFAULT_EVALUATOR, where: str = "<batch>", lang: str = "en") -> list[BatchItem]:
    """Evaluate many events; a bad one is reported with its position, the good ones are all evaluated."""
    compiled = compiled_pack(jurisdiction)
    day = _as_of(as_of)
    items: list[BatchItem] = []
    good: list[tuple[int, CreditEvent]] = []
    for i, raw in enumerate(events):
        try:
            good.append((i, raw if isinstance(raw, CreditEvent) else parse_event(raw, where=Position(where, i + 1, 1))))
        except CreditRulesError as exc:
            items.append(BatchItem(i, error=exc))
    determinations = evaluate_events(compiled, [e for _, e in good], day, working_day_calendar(compiled.pack.directory),
                                     get_evaluator(evaluator), lang=lang)
    items += [BatchItem(i, determination=d) for (i, _), d in zip(good, determinations)]
    return sorted(items, key=lambda item: item.index)


def read_jsonl(path: Union[str, os.PathLike]) -> tuple[list[Any], list[BatchItem]]:
    """Lines of a JSONL file: (records, items for lines that are not JSON). Blank lines are skipped."""
    records, bad = [], []
    text = Path(path).read_text(encoding="utf-8")
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append((lineno, json.loads(line)))
        except json.JSONDecodeError as exc:
            bad.append(BatchItem(lineno - 1, error=InputError([Diagnostic("bad-json", f"not JSON: {exc.msg}",
                                                                             Position(str(path), lineno, exc.colno))])))
    return records, bad
