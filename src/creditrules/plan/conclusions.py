"""Typed conclusions of the plan (docs/pack-format.md section 6): what a rule concludes when it holds.

One class per kind; engine/collectors.py has one collector per family of kinds that turns them into the
determination. Every conclusion carries the citations its output item shows (`refs`: small references) and the
citations it adds to the determination's top-level `citations` (`provisions`, with the words).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional, Union

from .. import model as m
from ..lawtext import Cite

if TYPE_CHECKING:
    from .plan import Provision


@dataclass(frozen=True, kw_only=True)
class Conclusion:
    cites: tuple[Cite, ...] = ()           # the provisions this conclusion rests on (its own, else its rule's)
    refs: tuple[Any, ...] = ()             # ... as citation references (CitationRef)
    recorded: tuple[Provision, ...] = ()    # the Provisions it adds to the top-level `citations` (its own, its rule's)
    pos: Any = field(default=None, compare=False)


@dataclass(frozen=True, kw_only=True)
class DishonestyLevel(Conclusion):
    level: str                              # general | severe


@dataclass(frozen=True, kw_only=True)
class SevereCriterion(Conclusion):
    """The rule's id names a criterion of the severe-dishonesty list that the event meets."""


@dataclass(frozen=True, kw_only=True)
class SevereListing(Conclusion):
    deferred: bool                          # the text leaves the criteria to other rules: eligible stays null
    deferral_stated: bool = False           # the rule states its own deferral (no generic warning then)


@dataclass(frozen=True, kw_only=True)
class ProcedureStep(Conclusion):
    id: str
    title_zh: str


@dataclass(frozen=True, kw_only=True)
class Sanction(Conclusion):
    id: str
    tier: str                               # general | severe
    target: str                             # subject | responsible_person
    title_zh: str


@dataclass(frozen=True, kw_only=True)
class Incentive(Conclusion):
    id: str
    title_zh: str


@dataclass(frozen=True, kw_only=True)
class PublicationTerms(Conclusion):
    """Some of: disclosure, start (date paths), min / max (Period or Deferred), extended_until_removal, after_end."""
    terms: tuple[tuple[str, Any], ...]

    @property
    def as_dict(self) -> dict[str, Any]:
        return dict(self.terms)


@dataclass(frozen=True, kw_only=True)
class RepairTerms(Conclusion):
    """Some of: eligible, earliest (a date expression), not_repairable_reason, processing_working_days."""
    terms: tuple[tuple[str, Any], ...]

    @property
    def as_dict(self) -> dict[str, Any]:
        return dict(self.terms)


@dataclass(frozen=True, kw_only=True)
class Deadline(Conclusion):
    id: str
    working_days: int
    start_paths: tuple[str, ...]


RESPONSIBLE_PERSONS = "$responsible_persons"     # a decision whose value is the event's responsible persons


@dataclass(frozen=True, kw_only=True)
class Decision(Conclusion):
    id: str
    value: Any
    until: Union[m.DateExpr, m.YearDate, None] = None


@dataclass(frozen=True, kw_only=True)
class Notice(Conclusion):
    """A warning the pack itself states (its words are the pack's)."""
    text: str


@dataclass(frozen=True, kw_only=True)
class Deferral(Conclusion):
    """The text defers `what` to other rules (`to`): the determination says so and invents nothing."""
    what: str
    to: str


ANY = Union[DishonestyLevel, SevereCriterion, SevereListing, ProcedureStep, Sanction, Incentive, PublicationTerms,
            RepairTerms, Deadline, Decision, Notice, Deferral]


def output_id(conclusion: Conclusion) -> Optional[str]:
    """The id a user asks about (`--why-not ID`), for conclusions that have one."""
    return getattr(conclusion, "id", None)
