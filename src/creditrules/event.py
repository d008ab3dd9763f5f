"""The credit event (CONTRACT.md section 2): the typed input, checked against the vocabulary.

Bad input becomes an `InputError` listing every problem with its field path (and its file:line:col when the
event came from a file), the allowed values and the nearest name. Unknown is not false: absent facts stay absent.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Optional

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from .errors import Diagnostic, InputError, Position, allowed, did_you_mean
from .vocabulary import Vocabulary, default_vocabulary
from .yamlsource import YamlDocument

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date(value: Any) -> Any:
    """Only real calendar dates written YYYY-MM-DD (no timestamps, no 2024-02-30)."""
    if isinstance(value, dt.datetime):
        raise ValueError("expected a date YYYY-MM-DD, not a date and time")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _ISO.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"`{value}` is not a real date") from None
    raise ValueError(f"expected a date YYYY-MM-DD, got `{value}`")


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ResponsiblePerson(_Model):
    role: str
    name: Optional[str] = None
    id: Optional[str] = None


class Subject(_Model):
    type: str
    id: Optional[str] = None
    name: Optional[str] = None
    birth_date: Optional[IsoDate] = None
    responsible_persons: Optional[list[ResponsiblePerson]] = None


class Basis(_Model):
    type: str
    number: Optional[str] = None
    decided_on: Optional[IsoDate] = None
    effective_on: Optional[IsoDate] = None


class CreditEvent(_Model):
    """One credit record to evaluate. Field names are part of the public contract."""
    id: Annotated[str, Field(min_length=1)]
    subject: Subject
    kind: str
    conduct: Optional[list[str]] = None
    basis: Optional[Basis] = None
    occurred_on: Optional[IsoDate] = None
    facts: dict[str, Any] = Field(default_factory=dict)

    @property
    def event_date(self) -> dt.date | None:
        """The date the law looks at: the decision date, else the day it occurred."""
        if self.basis is not None and self.basis.decided_on is not None:
            return self.basis.decided_on
        return self.occurred_on


_FIELD_TYPES = {"bool": "true or false", "int": "a whole number", "date": "a date YYYY-MM-DD", "text": "text"}


def _check_fact(name: str, value: Any, vocab: Vocabulary, path: tuple, pos) -> tuple[Any, list[Diagnostic]]:
    term = vocab.facts[name]
    where = ".".join(map(str, path))
    bad = lambda msg, hint="": ([], [Diagnostic("bad-fact-value", msg, pos(path), hint)])  # noqa: E731
    if term.type == "bool":
        if not isinstance(value, bool):
            return None, bad(f"`{where}` must be true or false, got `{value}`")[1]
        return value, []
    if term.type == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            return None, bad(f"`{where}` must be a whole number, got `{value}`")[1]
        return value, []
    if term.type == "date":
        try:
            return _iso_date(value), []
        except ValueError as exc:
            return None, bad(f"`{where}`: {exc}")[1]
    if term.type == "text":
        return str(value), []
    if term.type == "enum":
        if value not in term.values:
            return None, bad(f"`{where}` must be one of {', '.join(term.values)}, got `{value}`",
                             did_you_mean(value, term.values))[1]
        return value, []
    if term.type == "list":
        if not isinstance(value, list):
            return None, bad(f"`{where}` must be a list, got `{value}`")[1]
        diags = []
        for i, member in enumerate(value):
            if member not in term.values:
                diags.append(Diagnostic("unknown-name", f"unknown value `{member}` in `{where}`", pos(path + (i,)),
                                        " ".join(filter(None, [did_you_mean(member, term.values), allowed(term.values)]))))
        return (tuple(value) if not diags else None), diags
    return value, []


def _pydantic_message(err: dict) -> tuple[str, str]:
    loc = ".".join(str(p) for p in err["loc"])
    kind = err["type"]
    if kind == "extra_forbidden":
        return "unknown-field", f"unknown field `{loc}`"
    if kind == "missing":
        return "missing-field", f"missing required field `{loc}`"
    if kind == "value_error":
        return "bad-date" if "date" in err["msg"] else "bad-value", f"`{loc}`: {err['msg'].removeprefix('Value error, ')}"
    return "bad-value", f"`{loc}`: {err['msg'].lower()}"


_EVENT_FIELDS = {"": set(CreditEvent.model_fields), "subject": set(Subject.model_fields),
                 "basis": set(Basis.model_fields), "responsible_persons": set(ResponsiblePerson.model_fields)}


def parse_event(data: Any, vocab: Vocabulary | None = None, doc: YamlDocument | None = None,
                where: Position | None = None) -> CreditEvent:
    """Check `data` against the contract and the vocabulary; InputError listing every problem."""
    vocab = vocab or default_vocabulary()

    def pos(path: tuple) -> Position:
        if doc is not None:
            return doc.position(path)
        return where or Position()

    if not isinstance(data, dict):
        raise InputError([Diagnostic("bad-event", f"an event must be a mapping of fields, got `{type(data).__name__}`", pos(()))])
    diagnostics: list[Diagnostic] = []
    event = None
    try:
        event = CreditEvent.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            code, message = _pydantic_message(err)
            loc = tuple(err["loc"])
            hint = ""
            if code == "unknown-field":
                parent = next((str(p) for p in reversed(loc[:-1]) if isinstance(p, str)), "")
                hint = did_you_mean(loc[-1], _EVENT_FIELDS.get(parent, _EVENT_FIELDS[""]))
            diagnostics.append(Diagnostic(code, message, pos(loc), hint))

    def check_name(value, section: str, path: tuple, label: str):
        names = vocab.names(section)
        if isinstance(value, str) and value not in names:
            hint = " ".join(filter(None, [did_you_mean(value, names), allowed(names)]))
            diagnostics.append(Diagnostic("unknown-name", f"unknown {label} `{value}` in `{'.'.join(map(str, path))}`", pos(path), hint))

    # names are checked on the raw data, so they are reported even when the shape has errors too
    subject = data.get("subject") if isinstance(data.get("subject"), dict) else {}
    basis = data.get("basis") if isinstance(data.get("basis"), dict) else {}
    check_name(data.get("kind"), "kinds", ("kind",), "event kind")
    check_name(subject.get("type"), "subject_types", ("subject", "type"), "subject type")
    persons = subject.get("responsible_persons")
    for i, person in enumerate(persons if isinstance(persons, list) else []):
        if isinstance(person, dict):
            check_name(person.get("role"), "responsible_roles", ("subject", "responsible_persons", i, "role"), "responsible-person role")
    check_name(basis.get("type"), "basis_types", ("basis", "type"), "basis type")
    conduct = data.get("conduct")
    for i, tag in enumerate(conduct if isinstance(conduct, list) else []):
        check_name(tag, "conduct", ("conduct", i), "conduct tag")
    facts: dict[str, Any] = {}
    raw_facts = data.get("facts") if isinstance(data.get("facts"), dict) else {}
    for name, value in raw_facts.items():
        if name not in vocab.facts:
            hint = " ".join(filter(None, [did_you_mean(name, vocab.facts), "see `creditrules vocab`"]))
            diagnostics.append(Diagnostic("unknown-name", f"unknown fact `{name}` in `facts`", pos(("facts", name)), hint))
            continue
        if value is None:          # an explicit null is the same as absent: unknown
            continue
        checked, errs = _check_fact(name, value, vocab, ("facts", name), pos)
        diagnostics += errs
        if not errs:
            facts[name] = checked
    if diagnostics:
        raise InputError(diagnostics)
    return event.model_copy(update={"facts": facts})
