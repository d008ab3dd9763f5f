"""The fact table: a batch of events -> one polars DataFrame whose columns are the keys of the fact view.

Each event gives one row. The columns are named by the view's keys (plan/facts.py), so the condition expressions
(columnar/conditions.py) read a column where the reference reads a key:

    index, event_id                 the record's position in the batch, the event's id
    kind, subject, basis            String (basis null when the event has none)
    conduct                         List[String], null when not known (an empty list: none applies)
    fact:<name>                     the fact, typed (Boolean, Int64, Date, String, List[String]); null = not given
    present:<path>                  Boolean, never null
    date:<path>                     Date, null where the event gives none
    age                             Int64, 周岁 at the conduct (engine/dates.age_on)
    subject_id                      the identifier (its check warning is worked out here, per distinct value)

Events are checked exactly as `evaluate_many` checks them: a dict by `event.parse_event` (a CreditEvent by
`check_event_model`). A plain dict of the usual shape takes a fast path that accepts only what `parse_event`
accepts and holds the same values (every limit, type and name checked; anything unusual, or any doubt, goes to
`parse_event` itself, which then gives the record its error or its event). tests/test_columnar.py holds the fast
path to `parse_event` on generated and hostile records.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, cast

import polars as pl

from .. import model as m
from ..engine.assemble import _unread_names
from ..errors import CreditRulesError, Position
from ..event import DATE_RANGE, MAX_INT, MAX_TOTAL, MAX_VALUES, CreditEvent, check_event_model, parse_event
from ..identifiers import birth_date_of, identifier_warning
from ..messages import msg
from ..plan import conclusions as c
from ..plan import conditions as n
from ..plan.facts import AGE, BASIS, CONDUCT, KIND, SUBJECT, date_key, fact_key, present_key
from ..plan.plan import Plan

_ISO = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
FAST_TEXT = 1000            # the fast path takes texts up to this length, lists and persons up to FAST_ITEMS
FAST_ITEMS = 100
_EVENT_KEYS = frozenset(("id", "subject", "kind", "conduct", "basis", "occurred_on", "facts"))
_SUBJECT_KEYS = frozenset(("type", "id", "name", "birth_date", "responsible_persons"))
_BASIS_KEYS = frozenset(("type", "number", "decided_on", "effective_on"))
_PERSON_KEYS = frozenset(("role", "name", "id"))
DTYPES = {"bool": pl.Boolean, "int": pl.Int64, "date": pl.Date, "enum": pl.String, "text": pl.String,
          "list": pl.List(pl.String)}


class _Slow(Exception):
    """The fast path declines a record: parse_event decides."""


def _text(value: Any) -> str:
    if type(value) is not str or len(value) > FAST_TEXT:
        raise _Slow
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise _Slow from None
    return value


def _opt_text(value: Any) -> str | None:
    return None if value is None else _text(value)


_DAYS: dict[str, dt.date] = {}              # ISO texts already read (dates repeat: a batch has few distinct days)


def _date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if type(value) is str:
        day = _DAYS.get(value)
        if day is not None:
            return day
        if _ISO.fullmatch(value):
            try:
                day = dt.date.fromisoformat(value)
            except ValueError:
                raise _Slow from None
            if not DATE_RANGE[0] <= day <= DATE_RANGE[1]:
                raise _Slow                      # outside the dates an event may hold: parse_event says so
            if len(_DAYS) > 200_000:
                _DAYS.clear()
            _DAYS[value] = day
            return day
        raise _Slow
    if type(value) is dt.date and DATE_RANGE[0] <= value <= DATE_RANGE[1]:
        return value
    raise _Slow


def _names(value: Any, allowed) -> list[str]:
    if type(value) is not list or len(value) > FAST_ITEMS:
        raise _Slow
    for x in value:
        if type(x) is not str or x not in allowed:
            raise _Slow
    return value


@dataclass
class Spec:
    """What the fact table of one plan holds (worked out once per plan)."""
    plan: Plan
    facts: dict[str, str]                      # fact name -> type, every fact a condition or conclusion reads
    present_paths: tuple[str, ...]             # `present:` paths the conditions test
    date_paths: tuple[str, ...]                # date paths read (conditions, offsets, conclusions)
    fast: bool = True
    kinds: frozenset = field(default_factory=frozenset)
    subject_types: frozenset = field(default_factory=frozenset)
    roles: frozenset = field(default_factory=frozenset)
    basis_types: frozenset = field(default_factory=frozenset)
    conduct: frozenset = field(default_factory=frozenset)
    checks: dict = field(default_factory=dict)  # fact name -> (type, allowed values)

    @classmethod
    def of(cls, plan: Plan) -> Spec:
        vocab = plan.vocab
        facts: dict[str, None] = dict.fromkeys(sorted(plan.schema.read_facts))
        paths: dict[str, None] = dict.fromkeys(plan.schema.date_paths)
        present: dict[str, None] = {}
        for rule in plan.rules:
            for node in n.walk(rule.condition):
                if isinstance(node, n.Present):
                    present[node.path] = None
                    if node.path in vocab.facts:
                        facts[node.path] = None
            for con in rule.conclusions:
                for expr in _date_exprs(con):
                    if isinstance(expr, m.YearDate):
                        facts[expr.year_path[6:]] = None
                    else:
                        paths.update(dict.fromkeys(expr.paths))
                if isinstance(con, c.Deadline):
                    paths.update(dict.fromkeys(con.start_paths))
                if isinstance(con, c.PublicationTerms):
                    terms = con.as_dict
                    paths.update(dict.fromkeys(terms.get("start") or ()))
                    if "extended_until_removal" in terms and "removed_from_list_on" in vocab.facts:
                        facts["removed_from_list_on"] = None
        for expr in plan.offsets:
            if isinstance(expr, m.YearDate):
                facts[expr.year_path[6:]] = None
            else:
                paths.update(dict.fromkeys(expr.paths))
        for path in paths:
            if path.startswith("facts.") and path[6:] in vocab.facts:
                facts[path[6:]] = None
        types = {name: vocab.facts[name].type or "bool" for name in facts if name in vocab.facts}
        checks = {name: (term.type or "bool", frozenset(term.values or ())) for name, term in vocab.facts.items()}
        spec = cls(plan, types, tuple(present), tuple(paths), kinds=frozenset(vocab.kinds),
                   subject_types=frozenset(vocab.names("subject_types")),
                   roles=frozenset(vocab.names("responsible_roles")), basis_types=frozenset(vocab.names("basis_types")),
                   conduct=frozenset(vocab.conduct), checks=checks)
        spec.fast = spec._fast_bound_ok()
        return spec

    def _fast_bound_ok(self) -> bool:
        """The fast path's caps keep every record it takes far inside parse_event's limits (else it is off):
        free texts (ids, names, numbers, text facts, persons' names and ids) up to FAST_TEXT characters, lists and
        persons up to FAST_ITEMS, every other text a vocabulary name."""
        def longest(names) -> int:
            return max((len(x) for x in names), default=0)
        texts = 4 + sum(1 for t, _ in self.checks.values() if t == "text") + 2 * FAST_ITEMS
        names = [self.kinds, self.subject_types, self.basis_types, self.checks]
        chars = (texts * FAST_TEXT + sum(longest(x) for x in names) + FAST_ITEMS * longest(self.roles)
                 + FAST_ITEMS * longest(self.conduct) + sum(len(k) for k in self.checks) + 200
                 + sum(FAST_ITEMS * longest(v) if t == "list" else longest(v) for t, v in self.checks.values()))
        lists = sum(1 for t, _ in self.checks.values() if t == "list")
        values = 40 + 5 * FAST_ITEMS + lists * (FAST_ITEMS + 1) + len(self.checks)
        return chars < MAX_TOTAL // 2 and values < MAX_VALUES // 2

    def fact_dtype(self, name: str):
        return DTYPES[self.facts[name]]


def _date_exprs(con) -> list:
    out = []
    if isinstance(con, c.RepairTerms) and con.as_dict.get("earliest") is not None:
        out.append(con.as_dict["earliest"])
    if isinstance(con, c.Decision) and con.until is not None:
        out.append(con.until)
    return out


class Rows:
    """One batch's rows, gathered column by column (the good records; the bad ones are kept with their error)."""

    def __init__(self, spec: Spec, lang: str = "en", *, keep_events: bool = False):
        self.spec, self.lang = spec, lang
        self.index: list[int] = []
        self.ids: list[str] = []
        self.kind: list[str] = []
        self.subject: list[str] = []
        self.subject_id: list[str | None] = []
        self.name_given: list[bool] = []
        self.birth: list[dt.date | None] = []
        self.persons: list[int] = []
        self.conduct: list[str | None] = []             # the tags joined by _SEP
        self.basis: list[str | None] = []
        self.number_given: list[bool] = []
        self.decided: list[dt.date | None] = []
        self.effective: list[dt.date | None] = []
        self.occurred: list[dt.date | None] = []
        self.facts: dict[str, list] = {name: [] for name in spec.facts}      # (row, value) pairs
        self.ident_text: list[str | None] = []          # the identifier's check warning
        self.unread_text: list[str] = []                   # the unread-name warnings, joined by _SEP
        self._unread: dict[tuple, str] = {}
        self._unread_words = _unread_templates(spec.plan, lang)
        self.unread_codes: list[str] = []
        self._unread_codes = ["", "unread", _SEP.join(["unread"] * 2), _SEP.join(["unread"] * 3)]
        self.events: list[CreditEvent | None] = []
        self.keep_events = keep_events
        self.errors: list[tuple[int, int | None, CreditRulesError]] = []

    def __len__(self) -> int:
        return len(self.index)

    # --- adding records -------------------------------------------------------------------------------------

    def add(self, i: int, raw: Any, where: str = "<batch>", line: int | None = None) -> None:
        """Check one record and add it (or its error), as api._stream does."""
        if not self.keep_events and self.spec.fast and type(raw) is dict:
            try:
                self._add_fast(i, raw)
                return
            except _Slow:
                pass
        try:
            if isinstance(raw, CreditEvent):
                event = check_event_model(raw, self.spec.plan.vocab)
            else:
                event = parse_event(raw, self.spec.plan.vocab, where=Position(where, line or i + 1, 1))
        except CreditRulesError as exc:
            self.errors.append((i, line, exc))
            return
        self.add_event(i, event)

    def add_event(self, i: int, e: CreditEvent) -> None:
        s, b = e.subject, e.basis
        self._append(i, e.id, e.kind, s.type, s.id, s.name is not None, s.birth_date, len(s.responsible_persons or ()),
                     e.conduct, b.type if b else None, b is not None and b.number is not None,
                     b.decided_on if b else None, b.effective_on if b else None, e.occurred_on, e.facts)
        if self.keep_events:
            self.events.append(e)

    def _append(self, i, eid, kind, stype, sid, name_given, birth, persons, conduct, btype, number_given, decided,
                effective, occurred, facts) -> None:
        row = len(self.index)
        self.index.append(i)
        self.ids.append(eid)
        self.kind.append(kind)
        self.subject.append(stype)
        self.subject_id.append(sid)
        self.name_given.append(name_given)
        self.birth.append(birth_date_of(stype, birth, sid, occurred or decided))   # given, else the ID's
        self.persons.append(persons)
        self.conduct.append(_SEP.join(conduct) if conduct is not None else None)
        self.basis.append(btype)
        self.number_given.append(number_given)
        self.decided.append(decided)
        self.effective.append(effective)
        self.occurred.append(occurred)
        self.ident_text.append(identifier_warning(stype, sid, self.lang) if sid else None)
        schema = self.spec.plan.schema
        key = (kind if kind not in schema.read_kinds else "",
               tuple(t for t in conduct if t not in schema.read_conduct) if conduct else (),
               tuple(sorted(f for f in facts if f not in schema.read_facts)))
        text = self._unread.get(key)
        if text is None:
            if len(self._unread) > 100_000:
                self._unread.clear()
            text = self._unread[key] = self._unread_words(*key)
        self.unread_text.append(text)
        self.unread_codes.append(self._unread_codes[text.count(_SEP) + 1 if text else 0])
        columns = self.facts
        for name, value in facts.items():
            col = columns.get(name)
            if col is not None:
                col.append((row, _SEP.join(value) if isinstance(value, (list, tuple)) else value))

    def _add_fast(self, i: int, raw: dict) -> None:
        """parse_event's checks for the usual shape (see the module docstring); _Slow for anything else."""
        spec = self.spec
        for key in raw:
            if key not in _EVENT_KEYS:
                raise _Slow
        eid = _text(raw.get("id"))
        kind = raw.get("kind")
        if not eid or type(kind) is not str or kind not in spec.kinds:
            raise _Slow
        subject = raw.get("subject")
        if type(subject) is not dict:
            raise _Slow
        for key in subject:
            if key not in _SUBJECT_KEYS:
                raise _Slow
        stype = subject.get("type")
        if type(stype) is not str or stype not in spec.subject_types:
            raise _Slow
        sid = _opt_text(subject.get("id"))
        name = _opt_text(subject.get("name"))
        birth = _date(subject.get("birth_date"))
        persons = subject.get("responsible_persons")
        count = 0
        if persons is not None:
            if type(persons) is not list or len(persons) > FAST_ITEMS:
                raise _Slow
            for person in persons:
                if type(person) is not dict:
                    raise _Slow
                for key in person:
                    if key not in _PERSON_KEYS:
                        raise _Slow
                role = person.get("role")
                if type(role) is not str or role not in spec.roles:
                    raise _Slow
                _opt_text(person.get("name"))
                _opt_text(person.get("id"))
            count = len(persons)
        conduct = raw.get("conduct")
        if conduct is not None:
            _names(conduct, spec.conduct)
        basis = raw.get("basis")
        btype = decided = effective = None
        number_given = False
        if basis is not None:
            if type(basis) is not dict:
                raise _Slow
            for key in basis:
                if key not in _BASIS_KEYS:
                    raise _Slow
            btype = basis.get("type")
            if type(btype) is not str or btype not in spec.basis_types:
                raise _Slow
            number = _opt_text(basis.get("number"))
            number_given = number is not None
            decided = _date(basis.get("decided_on"))
            effective = _date(basis.get("effective_on"))
        occurred = _date(raw.get("occurred_on"))
        if (effective is not None and decided is not None and effective < decided) or (
                birth is not None and any(d is not None and d < birth for d in (occurred, decided, effective))):
            raise _Slow                          # dates that cannot all be true: parse_event says which
        facts = {}
        given = raw.get("facts", _ABSENT)
        if given is not _ABSENT:
            if type(given) is not dict:
                raise _Slow
            checks = spec.checks
            for fname, value in given.items():
                check = checks.get(fname) if type(fname) is str else None
                if check is None:
                    raise _Slow
                if value is None:
                    continue
                ftype, allowed = check
                if ftype == "bool":
                    if type(value) is not bool:
                        raise _Slow
                elif ftype == "int":
                    if type(value) is not int or not -MAX_INT <= value <= MAX_INT:
                        raise _Slow
                elif ftype == "date":
                    value = _date(value)
                elif ftype == "enum":
                    if type(value) is not str or value not in allowed:
                        raise _Slow
                elif ftype == "list":
                    _names(value, allowed)
                elif ftype == "text":
                    _text(value)
                else:
                    raise _Slow
                facts[fname] = value
        self._append(i, eid, kind, stype, sid, name is not None, birth, count, conduct, btype, number_given, decided,
                     effective, occurred, facts)

    # --- the frame ----------------------------------------------------------------------------------------------

    def frame(self) -> pl.DataFrame:
        """The base columns (derived ones, `present:`, `date:`, `age`, offsets, are added by the evaluator)."""
        size = len(self.index)
        cols: dict[str, pl.Series] = {
            "index": pl.Series("index", self.index, dtype=pl.Int64),
            "event_id": pl.Series("event_id", self.ids, dtype=pl.String),
            KIND: pl.Series(KIND, self.kind, dtype=pl.String),
            SUBJECT: pl.Series(SUBJECT, self.subject, dtype=pl.String),
            "subject_id": pl.Series("subject_id", self.subject_id, dtype=pl.String),
            "_name_given": pl.Series("_name_given", self.name_given, dtype=pl.Boolean),
            "_birth": pl.Series("_birth", self.birth, dtype=pl.Date),
            "_persons": pl.Series("_persons", self.persons, dtype=pl.Int64),
            CONDUCT: pl.Series(CONDUCT, self.conduct, dtype=pl.String),
            BASIS: pl.Series(BASIS, self.basis, dtype=pl.String),
            "_number_given": pl.Series("_number_given", self.number_given, dtype=pl.Boolean),
            "_decided": pl.Series("_decided", self.decided, dtype=pl.Date),
            "_effective": pl.Series("_effective", self.effective, dtype=pl.Date),
            "_occurred": pl.Series("_occurred", self.occurred, dtype=pl.Date),
            "_itext": pl.Series("_itext", self.ident_text, dtype=pl.String),
            "_unread": pl.Series("_unread", self.unread_text, dtype=pl.String),
            "_ucodes": pl.Series("_ucodes", self.unread_codes, dtype=pl.String),
        }
        for name, pairs in self.facts.items():
            values: list = [None] * size
            for row, value in pairs:
                values[row] = value
            key = fact_key(name)
            listed = self.spec.facts[name] == "list"
            cols[key] = pl.Series(key, values, dtype=pl.String if listed else self.spec.fact_dtype(name))
        lists = [CONDUCT, "_unread", "_ucodes"] + [fact_key(name) for name, t in self.spec.facts.items() if t == "list"]
        return pl.DataFrame(cols).with_columns([_split(key) for key in lists])


_ABSENT = object()


def _unread_templates(plan: Plan, lang: str):
    """(kind if no rule reads it, unread conduct tags, unread facts sorted) -> the engine's unread-name warnings
    (engine/assemble._unread_names) joined by _SEP: the kind's asked of the engine itself, the lists' words made
    from its messages with the names put in as it puts them."""
    pack = plan.pack.id
    marker = "\x00"
    conduct = msg("unread_conduct", lang, pack=pack, names=marker).split(marker)
    facts = msg("unread_facts", lang, pack=pack, names=marker).split(marker)
    kinds: dict[str, str] = {}

    def kind_text(kind: str) -> str:
        if kind not in kinds:
            texts: list[str] = []
            probe = SimpleNamespace(kind=kind, conduct=None, facts={})
            ctx = SimpleNamespace(lang=lang, warn=lambda text, *_: texts.append(text))
            _unread_names(plan, cast(Any, probe), cast(Any, ctx))
            kinds[kind] = texts[0]
        return kinds[kind]

    def words(kind: str, tags: tuple, names: tuple) -> str:
        out = [kind_text(kind)] if kind else []
        if tags:
            out.append(conduct[0] + ", ".join(f"`{t}`" for t in tags) + conduct[1])
        if names:
            out.append(facts[0] + ", ".join(f"`{f}`" for f in names) + facts[1])
        return _SEP.join(out)
    return words
_SEP = "\x1f"              # list members (vocabulary names) are gathered as one text, split by polars
_EMPTY = pl.lit(pl.Series([[]], dtype=pl.List(pl.String))).first()


def _split(key: str) -> pl.Expr:
    col = pl.col(key)
    return pl.when(col == "").then(_EMPTY).otherwise(col.str.split(_SEP)).alias(key)

FIELD_PRESENT = {
    "basis": pl.col(BASIS).is_not_null(),
    "basis.number": pl.col("_number_given"),
    "basis.decided_on": pl.col("_decided").is_not_null(),
    "basis.effective_on": pl.col("_effective").is_not_null(),
    "occurred_on": pl.col("_occurred").is_not_null(),
    "conduct": pl.col(CONDUCT).is_not_null(),
    "subject.id": pl.col("subject_id").is_not_null(),
    "subject.name": pl.col("_name_given"),
    "subject.birth_date": pl.col("_birth").is_not_null(),
    "subject.responsible_persons": pl.col("_persons") > 0,
}
_FIELD_DATES = {"occurred_on": "_occurred", "basis.decided_on": "_decided", "basis.effective_on": "_effective"}


def date_column(spec: Spec, path: str) -> pl.Expr:
    """The date an event gives at a date path (engine/dates.date_at), as an expression over the base columns."""
    if path in _FIELD_DATES:
        return pl.col(_FIELD_DATES[path])
    if path.startswith("facts.") and spec.facts.get(path[6:]) == "date":
        return pl.col(fact_key(path[6:]))
    return pl.lit(None, dtype=pl.Date)


def derived_columns(spec: Spec) -> list[pl.Expr]:
    """`present:<path>`, `date:<path>` and `age` from the base columns."""
    out = []
    for path in spec.present_paths:
        if path in FIELD_PRESENT:
            expr = FIELD_PRESENT[path]
        elif path in spec.facts:
            expr = pl.col(fact_key(path)).is_not_null()
        else:
            expr = pl.lit(False)
        out.append(expr.alias(present_key(path)))
    for path in spec.date_paths:
        out.append(date_column(spec, path).alias(date_key(path)))
    birth, day = pl.col("_birth"), pl.coalesce(pl.col("_occurred"), pl.col("_decided"))
    def month_day(x: pl.Expr) -> pl.Expr:          # dt.month() and dt.day() are Int8: widen before arithmetic
        return x.dt.month().cast(pl.Int32) * 100 + x.dt.day().cast(pl.Int32)
    later = month_day(day) <= month_day(birth)
    age = day.dt.year().cast(pl.Int64) - birth.dt.year().cast(pl.Int64) - later.cast(pl.Int64)
    out.append(pl.when(birth.is_not_null() & day.is_not_null()).then(pl.max_horizontal(age, pl.lit(0)))
               .alias(AGE))
    return out
