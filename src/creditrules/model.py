"""The policy pack as data: what the loader builds and the validator, compiler and explainer read.

Every node keeps the `Position` it was written at, so every later stage can point at the YAML line.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import Position
from .lawtext import Cite, LawText

# --- conditions (docs/pack-format.md section 5) -------------------------------------------------------------
# `pos` is where a condition is written; `value_pos`, where each of its values is (`conduct: [a, b]` or a block
# list: the position of `a`, of `b`), so a message about one bad name points at that name. Empty when a condition
# was built in code: use `pos` then.


@dataclass(frozen=True)
class All:
    children: tuple
    pos: Position = field(default=Position(), compare=False)


@dataclass(frozen=True)
class AnyOf:
    children: tuple
    pos: Position = field(default=Position(), compare=False)


@dataclass(frozen=True)
class Not:
    child: Any
    pos: Position = field(default=Position(), compare=False)


@dataclass(frozen=True)
class Always:
    pos: Position = field(default=Position(), compare=False)


@dataclass(frozen=True)
class KindIn:
    values: tuple[str, ...]
    pos: Position = field(default=Position(), compare=False)
    value_pos: tuple[Position, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class SubjectIn:
    values: tuple[str, ...]
    pos: Position = field(default=Position(), compare=False)
    value_pos: tuple[Position, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class ConductAny:
    values: tuple[str, ...]
    pos: Position = field(default=Position(), compare=False)
    value_pos: tuple[Position, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class BasisIn:
    values: tuple[str, ...]
    pos: Position = field(default=Position(), compare=False)
    value_pos: tuple[Position, ...] = field(default=(), compare=False)


COMPARISONS = ("eq", "ne", "gt", "gte", "lt", "lte", "in", "any_of")


@dataclass(frozen=True)
class FactTest:
    """`fact: name` (op `is_true`) or `fact: {name: value}` (op `eq`) or `fact: {name: {op: value}}`."""
    name: str
    op: str
    value: Any = True
    pos: Position = field(default=Position(), compare=False)
    value_pos: tuple[Position, ...] = field(default=(), compare=False)     # of each value tested (`in`, `any_of`)


@dataclass(frozen=True)
class Present:
    path: str            # a fact name, or a field path such as basis.effective_on
    pos: Position = field(default=Position(), compare=False)


@dataclass(frozen=True)
class AgeAtEvent:
    op: str
    value: int
    pos: Position = field(default=Position(), compare=False)


@dataclass(frozen=True)
class YearDate:
    """A day of the year named by an int fact: `{year: facts.report_year, plus_years: 1, month: 6, day: 30}`."""
    year_path: str
    plus_years: int
    month: int
    day: int


@dataclass(frozen=True)
class DateCompare:
    """`date: {of: facts.reported_on, lte: <date>}`: a date of the event compared with a literal date, a computed
    date (`{from: ..., add: ...}`) or a YearDate. Unknown when a date it needs is missing."""
    left: str
    op: str
    right: Any
    pos: Position = field(default=Position(), compare=False)


@dataclass(frozen=True)
class RuleRef:
    rule: str
    pos: Position = field(default=Position(), compare=False)


Condition = (All | AnyOf | Not | Always | KindIn | SubjectIn | ConductAny | BasisIn | FactTest | Present | AgeAtEvent
             | RuleRef | DateCompare)

# --- conclusions (section 6) --------------------------------------------------------------------------------

DATE_PATHS = ("occurred_on", "basis.decided_on", "basis.effective_on", "publication.start", "publication.max_end")


@dataclass(frozen=True)
class Period:
    years: int = 0
    months: int = 0
    days: int = 0
    working_days: int = 0


@dataclass(frozen=True)
class Deferred:
    to: str


@dataclass(frozen=True)
class DateExpr:
    """`{from: [paths], add: {months: 3}}`: the first date present among `paths`, plus a period."""
    paths: tuple[str, ...]
    add: Period = Period()


@dataclass
class Conclusion:
    kind: str                                  # dishonesty | severe_criterion | severe_list | procedure_step
    #                                            | sanction | incentive | publication | repair | deadline | decision
    #                                            | warning | deferral
    fields: dict[str, Any]
    cites: list[Cite]
    pos: Position


@dataclass
class Rule:
    id: str
    group: str
    cites: list[Cite]
    when: Condition
    then: list[Conclusion]
    overrides: list[str]
    versions: list[str] | None
    title: str | None
    note: str | None
    pos: Position
    cite_positions: list[Position] = field(default_factory=list)
    retroactivity: str | None = None          # handling | new_consequence | more_favourable (pack-format 4.1)

    def all_cites(self) -> list[Cite]:
        seen, out = set(), []
        for cite in [*self.cites, *(c for conclusion in self.then for c in conclusion.cites)]:
            if cite not in seen:
                seen.add(cite)
                out.append(cite)
        return out


# --- pack, documents, versions, ledger -----------------------------------------------------------------------


@dataclass
class Document:
    id: str
    title_zh: str
    title_en: str
    source: Path
    law: LawText | None
    articles_published: int | None
    note: str | None
    pos: Position
    status: str | None = None   # a document's own status where it differs from its version's (a draft annex)


@dataclass
class Version:
    id: str
    status: str                 # enacted | trial | draft
    adopted_on: dt.date | None
    effective_from: dt.date | None
    effective_to: dt.date | None
    documents: list[str]
    text_held: bool
    note: str | None
    pos: Position


@dataclass
class LedgerEntry:
    document: str
    article: int
    status: str                 # encoded | declaratory | out_of_scope
    note: str | None
    pos: Position


@dataclass
class TestCase:
    name: str
    event: Any                  # as written: parse_event checks it when the case runs
    expect: dict
    as_of: dt.date | None
    pos: Position
    file: str
    expect_positions: dict[str, Position] = field(default_factory=dict)
    event_doc: Any = None       # the YamlDocument the event came from, for input-error positions
    event_path: tuple = ()


@dataclass
class Pack:
    id: str
    directory: Path
    jurisdiction: dict[str, str]
    documents: dict[str, Document]
    versions: list[Version]
    rules: list[Rule]
    ledger: list[LedgerEntry]
    tests: Sequence[TestCase]                 # a list, or the workspace's PackTests (read when first used)
    pos: Position
    note: str | None = None
    layers: list[str] = field(default_factory=list)     # the layers loaded with it (named: `layers:`)
    warnings: list = field(default_factory=list)         # Diagnostics found loading (layer-not-named)

    @property
    def default_document(self) -> str:
        return next(iter(self.documents))

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    def titles(self) -> dict[str, str]:
        return {d.id: d.title_zh for d in self.documents.values()}
