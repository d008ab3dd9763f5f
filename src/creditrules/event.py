"""The credit event (CONTRACT.md section 2): the typed input, checked against the vocabulary.

Bad input becomes an `InputError` listing every problem with its field path (and its file:line:col when the
event came from a file), the allowed values and the nearest name. Unknown is not false: absent facts stay absent.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from .errors import Diagnostic, InputError, Position, allowed, did_you_mean, quote, shorten
from .vocabulary import Vocabulary, default_vocabulary
from .yamlsource import YamlDocument

_ISO = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")       # fullmatch: ASCII digits only, no trailing newline

# The days an event's dates (and `as_of`) may fall on, both included: outside them a date is a typo, never a
# credit record. 1900: no living person was born before it, and no regulation held here reaches conduct that old
# (the oldest took effect in 2017); 2200: far past any decision or as_of in use, and short enough that the longest
# period a pack may add (100 years) stays far inside the calendar Python can compute (9999-12-31).
# docs/contract-extensions.md, "Event dates".
DATE_RANGE = (dt.date(1900, 1, 1), dt.date(2200, 12, 31))


def in_date_range(day: dt.date) -> dt.date:
    """`day` if it lies in DATE_RANGE, else ValueError saying so."""
    if not DATE_RANGE[0] <= day <= DATE_RANGE[1]:
        raise ValueError(f"`{day.isoformat()}` is outside the dates an event may hold ({DATE_RANGE[0].isoformat()} "
                         f"to {DATE_RANGE[1].isoformat()})")
    return day


def _iso_date(value: Any) -> Any:
    """Only real calendar dates written YYYY-MM-DD (no timestamps, no 2024-02-30), within DATE_RANGE."""
    if isinstance(value, dt.datetime):
        raise ValueError("expected a date YYYY-MM-DD, not a date and time")
    if isinstance(value, dt.date):
        return in_date_range(value)
    if isinstance(value, str) and _ISO.fullmatch(value):
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"`{value}` is not a real date") from None
        return in_date_range(day)
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(f"expected a date YYYY-MM-DD, got {_kind(value)} `{quote(value)}`")
    raise ValueError(f"expected a date YYYY-MM-DD, got `{quote(value)}`")


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ResponsiblePerson(_Model):
    role: str
    name: str | None = None
    id: str | None = None


class Subject(_Model):
    type: str
    id: str | None = None
    name: str | None = None
    birth_date: IsoDate | None = None
    responsible_persons: list[ResponsiblePerson] | None = None


class Basis(_Model):
    type: str
    number: str | None = None
    decided_on: IsoDate | None = None
    effective_on: IsoDate | None = None


class CreditEvent(_Model):
    """One credit record to evaluate. Field names are part of the public contract."""
    id: Annotated[str, Field(min_length=1)]
    subject: Subject
    kind: str
    conduct: list[str] | None = None
    basis: Basis | None = None
    occurred_on: IsoDate | None = None
    facts: dict[str, Any] = Field(default_factory=dict)

    @property
    def event_date(self) -> dt.date | None:
        """The date the law looks at: the decision date, else the day it occurred."""
        if self.basis is not None and self.basis.decided_on is not None:
            return self.basis.decided_on
        return self.occurred_on


# Limits on what an event may hold (hostile input: nothing crashes, nothing hangs). A real event is a few hundred
# characters, five levels deep; these are far above that and far below what would hurt.
MAX_TEXT = 10_000           # characters in any one text or field name
MAX_TOTAL = 1_000_000       # characters in all the texts and field names of one event
MAX_VALUES = 100_000        # values (texts, numbers, lists, mappings ...) in one event
MAX_DEPTH = 20              # lists and mappings nested inside one another (the event itself is level 1)
MAX_INT = 2 ** 53           # whole numbers beyond this are not exact in JSON


def _kind(value: Any) -> str:
    """How a value's type is named in messages."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "bytes"
    if isinstance(value, (set, frozenset)):
        return "a set"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, dt.datetime):
        return "a date and time"
    if isinstance(value, dt.date):
        return "a date"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"a `{type(value).__name__}`"


_PERSONAL = {"id", "name"}     # subject.id, subject.name, responsible_persons[i].id / .name: never quoted whole


def _shown(path: tuple, value: Any) -> str:
    """A bad value as a message quotes it: shortened, and masked (`91**************00`) where it identifies a
    person (an ID number, a name)."""
    if len(path) >= 2 and path[0] == "subject" and path[-1] in _PERSONAL:
        from .identifiers import mask_identifier
        return mask_identifier(quote(value, 40))
    return quote(value)


def _where(path: tuple) -> str:
    return shorten(".".join(shorten(p) if isinstance(p, str) else quote(p) for p in path), 80) or "event"


class _Bad:
    """Stands where a value was rejected before the model saw it (its problem is already reported)."""
    __slots__ = ()

    def __repr__(self) -> str:
        return "<rejected>"


_BAD = _Bad()


class _TooLarge(Exception):
    pass


def _plain(data: Any, pos) -> tuple[Any, list[tuple[tuple, Diagnostic]]]:
    """`data` as plain JSON-like values (dict with text keys, list, str, bool, int, finite float, None, date).
    What cannot be one is reported with its path and replaced by `_BAD`: bytes, sets, NaN, texts over MAX_TEXT,
    nesting over MAX_DEPTH ... A tuple counts as a list (and is checked like one); a model of this module counts
    as the mapping of the fields it was given. Recursion stops at MAX_DEPTH, so it is bounded (and a structure
    that contains itself ends there too); MAX_VALUES and MAX_TOTAL stop the walk with `_TooLarge`."""
    found: list[tuple[tuple, Diagnostic]] = []
    counts = [0, 0]                                  # values, characters

    def bad(path, code, message, hint=""):
        found.append((path, Diagnostic(code, message, pos(path), hint)))
        return _BAD

    def text(value: str, path: tuple) -> Any:
        counts[1] += len(value)
        if counts[1] > MAX_TOTAL:
            raise _TooLarge(f"the event holds more than {MAX_TOTAL:,} characters of text")
        if len(value) > MAX_TEXT:
            return bad(path, "too-long", f"`{_where(path)}` is too long ({len(value):,} characters; "
                       f"at most {MAX_TEXT:,})")
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return bad(path, "bad-text", f"`{_where(path)}` holds a character that is not text "
                           "(an unpaired surrogate)")
        return value

    def walk(value: Any, path: tuple, depth: int) -> Any:
        counts[0] += 1
        kind = type(value)
        if kind is str:
            return text(value, path)
        if value is None or kind is bool:
            return value
        if kind is int:
            return value if -MAX_INT <= value <= MAX_INT else bad(
                path, "bad-number", f"`{_where(path)}`: the number `{_shown(path, value)}` is too large "
                f"(at most {MAX_INT:,})")
        if kind is not dict and kind is not list and isinstance(value, _Model):
            value = {name: getattr(value, name) for name in value.model_fields_set}
        if kind is dict or kind is list or isinstance(value, (dict, list, tuple)):
            if depth > MAX_DEPTH:
                return bad(path, "too-deep", f"`{_where(path)}` is nested too deeply (more than {MAX_DEPTH} levels "
                           "of lists and mappings)")
            if counts[0] + len(value) > MAX_VALUES:
                raise _TooLarge(f"the event has more than {MAX_VALUES:,} values")
            if not isinstance(value, dict):
                return [walk(child, path + (i,), depth + 1) for i, child in enumerate(value)]
            out: dict = {}
            for key, child in value.items():
                if type(key) is str and len(key) <= MAX_TEXT and key.isascii():      # the usual case, quickly
                    counts[1] += len(key)
                else:
                    if not isinstance(key, str):
                        bad(path + (key,), "bad-type", f"a field name in `{_where(path)}` must be text, got "
                            f"{_kind(key)} `{quote(key)}`")
                        continue
                    key = str.__str__(key)
                    if text(key, path + (key,)) is _BAD:
                        continue
                kind = type(child)
                if kind is str and len(child) <= MAX_TEXT and child.isascii():
                    counts[0] += 1
                    counts[1] += len(child)
                    out[key] = child
                elif kind is bool or child is None:
                    counts[0] += 1
                    out[key] = child
                else:
                    out[key] = walk(child, path + (key,), depth + 1)
            if counts[1] > MAX_TOTAL:
                raise _TooLarge(f"the event holds more than {MAX_TOTAL:,} characters of text")
            return out
        if isinstance(value, str):                          # a subclass of str (an enum ...): its plain text
            return text(str.__str__(value), path)
        if isinstance(value, bool):
            return bool(value)
        if isinstance(value, int):
            return walk(int.__index__(value), path, depth)
        if isinstance(value, float):
            value = float(value)
            if not math.isfinite(value):
                return bad(path, "bad-number", f"`{_where(path)}` must be a finite number, got `{value}`")
            return value
        if isinstance(value, dt.date):                     # datetime too: each date check says why it is not a date
            return value
        if isinstance(value, (bytes, bytearray, memoryview)):
            return bad(path, "bad-type", f"`{_where(path)}` must be text, got bytes `{_shown(path, bytes(value))}`",
                       "decode it first, e.g. value.decode('utf-8')")
        if isinstance(value, (set, frozenset)):
            return bad(path, "bad-type", f"`{_where(path)}` must be a list, got a set (a set has no order)")
        return bad(path, "bad-type", f"`{_where(path)}`: {_kind(value)} is not an allowed value (text, a number, "
                   "true/false, a date YYYY-MM-DD, a list or a mapping)")

    return walk(data, (), 1), found


_FIELD_TYPES = {"bool": "true or false", "int": "a whole number", "date": "a date YYYY-MM-DD", "text": "text"}


def _check_fact(name: str, value: Any, vocab: Vocabulary, path: tuple, pos) -> tuple[Any, list[Diagnostic]]:
    """The fact's value as the engine holds it (a list fact as a tuple), or None and why not."""
    term = vocab.facts[name]
    where = _where(path)

    def bad(message, hint=""):
        return None, [Diagnostic("bad-fact-value", message, pos(path), hint)]

    if term.type == "bool":
        if not isinstance(value, bool):
            return bad(f"`{where}` must be true or false, got {_kind(value)} `{quote(value)}`")
        return value, []
    if term.type == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            return bad(f"`{where}` must be a whole number, got {_kind(value)} `{quote(value)}`")
        if value < 0:       # every whole-number fact is a count or a year: a negative one is impossible data
            return bad(f"`{where}` must be a whole number >= 0 (a count or a year), got `{quote(value)}`")
        return value, []
    if term.type == "date":
        try:
            return _iso_date(value), []
        except ValueError as exc:
            return bad(f"`{where}`: {exc}")
    if term.type == "text":
        if not isinstance(value, str):
            return bad(f"`{where}` must be text, got {_kind(value)} `{quote(value)}`")
        return value, []
    if term.type == "enum":
        if not isinstance(value, str) or value not in term.values:
            got = f"`{quote(value)}`" if isinstance(value, str) else f"{_kind(value)} `{quote(value)}`"
            return bad(f"`{where}` must be one of {', '.join(term.values)}, got {got}",
                       did_you_mean(value, term.values) if isinstance(value, str) else "")
        return value, []
    if term.type == "list":
        if not isinstance(value, list):
            return bad(f"`{where}` must be a list, got {_kind(value)} `{quote(value)}`")
        diags = []
        for i, member in enumerate(value):
            if not isinstance(member, str) or member not in term.values:
                hint = " ".join(filter(None, [did_you_mean(member, term.values) if isinstance(member, str) else "",
                                              allowed(term.values), vocab.where()]))
                diags.append(Diagnostic("unknown-name", f"unknown value `{quote(member)}` in `{where}`",
                                        pos(path + (i,)), hint))
        return (tuple(value) if not diags else None), diags
    return value, []


def _pydantic_message(err: Any) -> tuple[str, str]:
    loc = _where(tuple(err["loc"]))
    kind = err["type"]
    if kind == "extra_forbidden":
        return "unknown-field", f"unknown field `{loc}`"
    if kind == "missing":
        return "missing-field", f"missing required field `{loc}`"
    if kind == "value_error":
        code = "bad-date" if "date" in err["msg"] else "bad-value"
        return code, f"`{loc}`: {err['msg'].removeprefix('Value error, ')}"
    got = err.get("input")
    if kind in ("string_type", "list_type", "dict_type", "model_type", "model_attributes_type"):
        want = {"string_type": "text", "list_type": "a list"}.get(kind, "a mapping of fields")
        return "bad-value", f"`{loc}` must be {want}, got {_kind(got)} `{_shown(tuple(err['loc']), got)}`"
    return "bad-value", f"`{loc}`: {err['msg'].lower()}"


_EVENT_FIELDS = {"": set(CreditEvent.model_fields), "subject": set(Subject.model_fields),
                 "basis": set(Basis.model_fields), "responsible_persons": set(ResponsiblePerson.model_fields)}


def _under(path: tuple, bad_paths: list[tuple]) -> bool:
    return any(path[:len(b)] == b for b in bad_paths)


def parse_event(data: Any, vocab: Vocabulary | None = None, doc: YamlDocument | None = None,
                where: Position | None = None) -> CreditEvent:
    """Check `data` against the contract and the vocabulary; InputError listing every problem.

    `data` is a mapping (from YAML, JSON or Python) or a `CreditEvent`, which is checked exactly like the mapping
    of its fields (see `check_event_model`). Nothing is coerced: bytes, sets, NaN or infinite numbers, a date and
    time for a date, true/false for a number (and back) are each an error naming the field; a tuple counts as a
    list and its names are checked. A text over MAX_TEXT characters, an event over MAX_TOTAL characters or
    MAX_VALUES values, or lists and mappings nested over MAX_DEPTH levels are rejected. Messages quote a bad
    value shortened to 60 characters (a subject's or a person's id or name masked). Never raises anything but
    InputError for bad data.
    """
    vocab = vocab or default_vocabulary()

    def pos(path: tuple) -> Position:
        if doc is not None:
            try:
                return doc.position(path)
            except TypeError:                     # an unhashable part of a path: the nearest hashable ancestor
                return doc.position(())
        return where or Position()

    if not isinstance(data, (dict, CreditEvent)):
        raise InputError([Diagnostic("bad-event", f"an event must be a mapping of fields, got {_kind(data)}", pos(()))])
    try:
        data, found = _plain(data, pos)
    except _TooLarge as exc:
        raise InputError([Diagnostic("too-large", str(exc), pos(()), "an event is a few hundred characters: "
                                     "is this the right input?")]) from None
    bad_paths = [path for path, _ in found]
    diagnostics: list[Diagnostic] = [d for _, d in found]

    def report(path: tuple, code: str, message: str, hint: str = "") -> None:
        if not _under(path, bad_paths):
            diagnostics.append(Diagnostic(code, message, pos(path), hint))

    event = None
    try:
        event = CreditEvent.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            loc = tuple(err["loc"])
            code, message = _pydantic_message(err)
            hint = ""
            if code == "unknown-field":
                parent = next((str(p) for p in reversed(loc[:-1]) if isinstance(p, str)), "")
                hint = did_you_mean(str(loc[-1]), _EVENT_FIELDS.get(parent, _EVENT_FIELDS[""]))
            report(loc, code, message, hint)

    def check_name(value, section: str, path: tuple, label: str):
        names = vocab.names(section)
        if isinstance(value, str) and value not in names:
            hint = " ".join(filter(None, [did_you_mean(value, names), allowed(names), vocab.where()]))
            report(path, "unknown-name", f"unknown {label} `{quote(value)}` in `{_where(path)}`", hint)

    # names are checked on the plain data, so they are reported even when the shape has errors too
    subject = data.get("subject") if isinstance(data.get("subject"), dict) else {}
    basis = data.get("basis") if isinstance(data.get("basis"), dict) else {}
    check_name(data.get("kind"), "kinds", ("kind",), "event kind")
    check_name(subject.get("type"), "subject_types", ("subject", "type"), "subject type")
    persons = subject.get("responsible_persons")
    for i, person in enumerate(persons if isinstance(persons, list) else []):
        if isinstance(person, dict):
            check_name(person.get("role"), "responsible_roles", ("subject", "responsible_persons", i, "role"),
                       "responsible-person role")
    check_name(basis.get("type"), "basis_types", ("basis", "type"), "basis type")
    conduct = data.get("conduct")
    for i, tag in enumerate(conduct if isinstance(conduct, list) else []):
        check_name(tag, "conduct", ("conduct", i), "conduct tag")
    facts: dict[str, Any] = {}
    raw_facts = data.get("facts") if isinstance(data.get("facts"), dict) else {}
    for name, value in raw_facts.items():
        if name not in vocab.facts:
            hint = " ".join(filter(None, [did_you_mean(name, vocab.facts), vocab.where(),
                                          "(`creditrules vocab --jurisdiction J` lists them)"]))
            diagnostics.append(Diagnostic("unknown-name", f"unknown fact `{shorten(name)}` in `facts`",
                                          pos(("facts", name)), hint))
            continue
        if value is None or value is _BAD:  # an explicit null is the same as absent: unknown (_BAD: reported)
            continue
        checked, errs = _check_fact(name, value, vocab, ("facts", name), pos)
        if not _under(("facts", name), bad_paths):
            diagnostics += errs
        if not errs:
            facts[name] = checked
    if event is not None:
        diagnostics += _impossible_dates(event, pos)
    if diagnostics or event is None:
        raise InputError(diagnostics or [Diagnostic("bad-event", "the event could not be read", pos(()))])
    return event.model_copy(update={"facts": facts})


def _impossible_dates(event: CreditEvent, pos) -> list[Diagnostic]:
    """Dates that are each real but cannot all be true (issue 13: they decided before): a subject born after
    the conduct or a decision about it (age 0 would make the minors' rules fire), a decision that takes effect
    before the day it was made (it would move publication into the past). A conduct dated after the decision is
    not among them: for a procedural event (a repair application, an objection) `occurred_on` is the day of the
    application, after the decision it is about."""
    out = []
    basis = event.basis
    decided = basis.decided_on if basis is not None else None
    effective = basis.effective_on if basis is not None else None
    if decided is not None and effective is not None and effective < decided:
        out.append(Diagnostic("impossible-date", f"`basis.effective_on` {effective.isoformat()} is before "
                              f"`basis.decided_on` {decided.isoformat()}: a decision takes effect on or after the day "
                              "it is made", pos(("basis", "effective_on")),
                              "check the two dates: were they swapped?"))
    born = event.subject.birth_date
    if born is not None:
        later = [(day, name) for day, name in ((event.occurred_on, "occurred_on"), (decided, "basis.decided_on"),
                                               (effective, "basis.effective_on")) if day is not None and day < born]
        if later:
            day, name = min(later)
            out.append(Diagnostic("impossible-date", f"`subject.birth_date` {born.isoformat()} is after `{name}` "
                                  f"{day.isoformat()}: the subject was not yet born", pos(("subject", "birth_date")),
                                  "check the birth date and the event's dates"))
    return out


def check_event_model(model: CreditEvent, vocab: Vocabulary | None = None,
                      where: Position | None = None) -> CreditEvent:
    """A ready-made `CreditEvent` checked exactly as its fields would be as a mapping: the vocabulary (kind,
    conduct tags, facts and their types, subject type, roles, basis type) and the limits of `parse_event`.

    A model built by pydantic has had its values coerced (bytes to text, a tuple to a list ...) before this sees
    them; one built with `model_construct` has not, and is checked value by value. Returns a new, checked
    CreditEvent (facts as the engine holds them: a list fact as a tuple, a date fact as a date); InputError
    otherwise. `api.read_event` should call this for a CreditEvent instead of returning it unchecked."""
    if not isinstance(model, CreditEvent):
        raise TypeError(f"check_event_model expects a CreditEvent, got {type(model).__name__}")
    return parse_event(model, vocab, where=where)
