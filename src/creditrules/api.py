"""The library's calls (CONTRACT.md section 1): evaluate, evaluate_many, load_pack, read_event. Nothing else.

    det = creditrules.evaluate(event, jurisdiction="henan", as_of="2024-06-01")       # a Determination
    for item in creditrules.evaluate_many(events, jurisdiction="henan"):             # lazily, in input order
        item.index, item.determination, item.error, item.to_json()

Options on both: `evaluator` (reference | durable), `lang` (en | zh, the engine's own words), `trace`
(full | fired | none; default full for `evaluate`, fired for `evaluate_many`), `tracer` (an observer).
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Optional, Sequence, Union

import orjson

from . import backends
from .determination import Determination
from .engine.assemble import Evaluation, Tracer, determine, trace_level
from .errors import CreditRulesError, Diagnostic, InputError, Position, UsageError
from .event import CreditEvent, check_event_model, in_date_range, parse_event
from .messages import LANGS
from .model import Pack
from .plan.plan import Plan
from .workspace import default_workspace
from .yamlsource import load_yaml_file

EventInput = Union[CreditEvent, dict, str, os.PathLike]
DateInput = Union[str, dt.date, None]


def _as_of(value: DateInput) -> dt.date:
    if value is None:
        return dt.date.today()
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return _as_of_in_range(value)
    try:
        text = str(value)
        if not (len(text) == 10 and text[4] == "-" and text[7] == "-" and text.replace("-", "").isascii()
                and text.replace("-", "").isdigit()):
            raise ValueError(text)                   # YYYY-MM-DD only (fromisoformat also takes 2024-W01-1)
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise InputError([Diagnostic("bad-date", f"`as_of` `{str(value)[:40]}` is not a real date YYYY-MM-DD",
                                     Position())]) from None
    return _as_of_in_range(day)


def _as_of_in_range(day: dt.date) -> dt.date:
    """as_of within the dates an event may hold (event.DATE_RANGE): 9999-12-31 is a typo, not a day to decide on."""
    try:
        return in_date_range(day)
    except ValueError as exc:
        raise InputError([Diagnostic("bad-date", f"`as_of`: {exc}", Position())]) from None


def _lang(value: str) -> str:
    if value not in LANGS:
        raise UsageError([Diagnostic("bad-option", f"unknown language `{value}`", Position(),
                                     "allowed: " + ", ".join(LANGS))])
    return value


def read_event(source: EventInput, plan: Optional[Plan] = None) -> CreditEvent:
    """A model, a dict, or a path to a YAML/JSON file -> a CreditEvent checked against the vocabulary (a model is
    checked exactly like a dict). InputError otherwise."""
    vocab = plan.vocab if plan is not None else None
    if isinstance(source, CreditEvent):
        return check_event_model(source, vocab)
    if isinstance(source, dict):
        return parse_event(source, vocab)
    if not isinstance(source, (str, os.PathLike)):
        raise InputError([Diagnostic("bad-type", f"an event is a mapping, a CreditEvent or a file path, not "
                                     f"{type(source).__name__}", Position())])
    path = Path(source)
    if not path.is_file():
        raise InputError([Diagnostic("file-missing", f"no such event file `{path}`", Position(str(path)))])
    doc, errors = load_yaml_file(path)
    if errors:
        raise InputError(errors)
    return parse_event(doc.data, vocab, doc)


def plan_for(jurisdiction: Union[str, os.PathLike, None], layers: Sequence[str] = ()) -> Plan:
    """The evaluation plan of a jurisdiction (name or pack folder), from the workspace (compiled once per digest).

    `layers`: layer ids loaded beyond those the pack's pack.yaml names (`layers:`), each a folder beside the pack
    that declares `supplements: [<pack>]`; never a path (layers.py)."""
    if jurisdiction is None or jurisdiction == "":
        known = default_workspace().known()
        raise UsageError([Diagnostic("no-jurisdiction", "no jurisdiction given: name the pack to evaluate against",
                                     Position(), "known: " + ", ".join(known) if known else "no packs found")])
    return default_workspace().compiled(jurisdiction, layers)


def load_pack(name_or_path: Union[str, os.PathLike]) -> Pack:
    """The validated pack model, by jurisdiction name (`henan`) or by folder path."""
    return plan_for(name_or_path).pack


def evaluation(event: EventInput, jurisdiction: Union[str, os.PathLike, None] = None, as_of: DateInput = None, *,
               evaluator: str = backends.DEFAULT, lang: str = "en", trace: str = "full",
               tracer: Optional[Tracer] = None, layers: Sequence[str] = (), apply_out_of_force: bool = False
               ) -> Evaluation:
    """The whole evaluation of one event (view, outcomes, determination as plain data): for tools that explain.
    `apply_out_of_force`: apply every provision to conduct from before the pack was in force, new consequences
    included (by default they are withheld, 立法法 art. 104; the determination says which)."""
    plan = plan_for(jurisdiction, layers)
    backend = default_workspace().prepared(plan, evaluator)
    checked = read_event(event, plan)
    return determine(plan, checked, _as_of(as_of), backend, lang=_lang(lang), trace=trace_level(trace), tracer=tracer,
                     apply_out_of_force=apply_out_of_force)


def evaluate(event: EventInput, jurisdiction: Union[str, os.PathLike, None] = None, as_of: DateInput = None, *,
             evaluator: str = backends.DEFAULT, lang: str = "en", trace: str = "full",
             tracer: Optional[Tracer] = None, layers: Sequence[str] = (), apply_out_of_force: bool = False
             ) -> Determination:
    """Evaluate one credit event against one jurisdiction's pack (with the layers it names, and `layers`)."""
    found = evaluation(event, jurisdiction, as_of, evaluator=evaluator, lang=lang, trace=trace, tracer=tracer,
                       layers=layers, apply_out_of_force=apply_out_of_force)
    return Determination.model_validate(found.determination)


@dataclass
class BatchItem:
    """One record of a batch: its determination, or the error that stopped it (with where and why).
    `data` is the determination as plain data; `determination` is the typed model, built on first access."""
    index: int
    data: Optional[dict] = None
    error: Optional[CreditRulesError] = None
    line: Optional[int] = None
    _model: Optional[Determination] = field(default=None, repr=False)

    @property
    def determination(self) -> Optional[Determination]:
        if self.data is None:
            return None
        if self._model is None:
            self._model = Determination.model_validate(self.data)
        return self._model

    @property
    def ok(self) -> bool:
        return self.error is None

    def error_record(self) -> dict:
        """`{"index", "line", "error": {code, message, position}}` (CONTRACT.md section 6)."""
        assert self.error is not None
        first = self.error.diagnostics[0] if self.error.diagnostics else Diagnostic("error", str(self.error), Position())
        pos = first.position
        return {"index": self.index, "line": self.line if self.line is not None else pos.line or None,
                "error": {"code": first.code, "message": first.message + (f" ({first.hint})" if first.hint else ""),
                          "position": {"file": pos.file or None, "line": pos.line or None, "column": pos.column or None},
                          "diagnostics": [d.as_dict() for d in self.error.diagnostics]}}

    def to_json(self) -> bytes:
        """The output record as JSON text (UTF-8 bytes): the determination, or the error record."""
        return orjson.dumps(self.data if self.error is None else self.error_record())


def evaluate_many(events: Iterable[Any], jurisdiction: Union[str, os.PathLike, None] = None, as_of: DateInput = None,
                  *, evaluator: str = backends.DEFAULT, lang: str = "en", trace: str = "fired",
                  tracer: Optional[Tracer] = None, where: str = "<batch>", layers: Sequence[str] = (),
                  apply_out_of_force: bool = False) -> Iterator[BatchItem]:
    """Evaluate many events lazily: one item per input record, in input order; a bad record is an item with its
    error, never dropped, and every good one is still evaluated. Records may be dicts or CreditEvent models."""
    plan = plan_for(jurisdiction, layers)
    backend = default_workspace().prepared(plan, evaluator)
    day, language, level = _as_of(as_of), _lang(lang), trace_level(trace)
    return _stream(plan, backend, ((i, None, raw) for i, raw in enumerate(events)), day, language, level, tracer,
                   where, apply_out_of_force)


def _stream(plan: Plan, backend: Any, records: Iterable[tuple[int, Optional[int], Any]], day: dt.date, lang: str,
            level: str, tracer: Optional[Tracer], where: str, apply_out_of_force: bool = False
            ) -> Iterator[BatchItem]:
    words = default_workspace().trace_words(plan, lang) if level != "none" else None
    for i, line, raw in records:
        try:
            if isinstance(raw, CreditEvent):
                event = check_event_model(raw, plan.vocab)
            else:
                event = parse_event(raw, plan.vocab, where=Position(where, line or i + 1, 1))
        except CreditRulesError as exc:
            yield BatchItem(i, error=exc, line=line)
            continue
        data = determine(plan, event, day, backend, lang=lang, trace=level, tracer=tracer,
                         apply_out_of_force=apply_out_of_force, words=words).determination
        yield BatchItem(i, data, line=line)


def evaluate_records(records: Iterable[Any], jurisdiction: Union[str, os.PathLike, None], as_of: DateInput = None, *,
                     evaluator: str = backends.DEFAULT, lang: str = "en", trace: str = "fired",
                     where: str = "<batch>") -> Iterator[BatchItem]:
    """Like `evaluate_many`, over `records.Record`s (a JSONL reader's output): a record that could not be read is
    an error item at its line; the others are evaluated, all in input order."""
    plan = plan_for(jurisdiction)
    backend = default_workspace().prepared(plan, evaluator)
    day, language, level = _as_of(as_of), _lang(lang), trace_level(trace)
    good = []
    for record in records:
        if record.error is not None:
            yield from _stream(plan, backend, good, day, language, level, None, where)
            good = []
            yield BatchItem(record.index, error=InputError([record.error]), line=record.line)
            continue
        good.append((record.index, record.line, record.data))
        if len(good) >= 64:
            yield from _stream(plan, backend, good, day, language, level, None, where)
            good = []
    yield from _stream(plan, backend, good, day, language, level, None, where)
