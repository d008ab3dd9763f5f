"""The fact schema: the only place the keys of the fact view are named.

The engine turns an event into a flat *fact view* (a dict) once; every condition node reads it through the keys
made here, and each backend that needs another encoding (durable_rules' dense messages) derives it from this
schema. A key is a short string, so a view is cheap to build and to read.

    kind / subject / basis         the event's kind, subject.type, basis.type (basis absent: no key)
    conduct                        frozenset of conduct tags (absent: not known; empty: none applies)
    fact:<name>                    a fact's value (a list fact: frozenset of its members; a date: datetime.date)
    present:<path>                 True where the event gives the fact or field at <path>
    date:<path>                    a date the event gives (occurred_on, basis.decided_on, facts.reported_on ...)
    offset:<n>                     the n-th computed date of the plan (a DateComputation), where it can be computed
    age                            周岁 of a natural person at the conduct (from subject.birth_date)
    rule:<i>                       the effective outcome of rule i, once its stratum is decided (absent: unknown)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# The fact view itself: key (made here) -> value. A plain dict, for speed; the values are as listed above.
View = dict[str, Any]

KIND = "kind"
SUBJECT = "subject"
BASIS = "basis"
CONDUCT = "conduct"
AGE = "age"

# Event fields a `present:` leaf may test, besides facts (docs/pack-format.md section 5).
FIELD_PATHS = ("basis", "basis.number", "basis.decided_on", "basis.effective_on", "occurred_on", "conduct",
               "subject.id", "subject.name", "subject.birth_date", "subject.responsible_persons")


def fact_key(name: str) -> str:
    return "fact:" + name


def present_key(path: str) -> str:
    return "present:" + path


def date_key(path: str) -> str:
    return "date:" + path


def offset_key(n: int) -> str:
    return f"offset:{n}"


def outcome_key(index: int) -> str:
    return f"rule:{index}"


def missing_name(path: str) -> str:
    """The name a missing date path is reported under in `missing_facts` (facts by their own name)."""
    return path[6:] if path.startswith("facts.") else path


@dataclass(frozen=True)
class FactSlot:
    """One fact of the vocabulary as the plan reads it."""
    name: str
    type: str                       # bool | int | enum | date | list | text
    key: str


@dataclass(frozen=True)
class FactSchema:
    """What the view holds for one plan: every fact of the vocabulary, and what the pack's rules read."""
    facts: dict[str, FactSlot]                  # every fact of the vocabulary, by name
    date_paths: tuple[str, ...]                 # dates the conditions and conclusions read
    read_facts: frozenset[str]                  # facts some rule of the pack reads
    read_kinds: frozenset[str]                  # kinds some rule tests
    read_conduct: frozenset[str]                # conduct tags some rule tests

    def slot(self, name: str) -> FactSlot:
        return self.facts[name]
