"""The evaluation plan: a validated pack compiled once into frozen data that every backend consumes.

A `Plan` knows nothing of backends and holds no caches (the workspace caches plans by content digest). It holds:
the rules in evaluation order with typed condition nodes and typed conclusions, the strata (a rule comes after
every rule it reads and every exception that may override it), the fact schema, the computed dates conditions
need (offsets), the provisions cited (label and words, resolved against the held text once), and two static
shortcuts: the rules each event kind can make other than false (`candidates`), and the rules each version leaves
out (`excluded`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping, Optional, TypeVar

from .. import model as m
from ..lawtext import Cite
from ..timerules import WorkingDayCalendar
from ..vocabulary import Vocabulary
from .conclusions import Conclusion
from .conditions import Node
from .facts import FactSchema

_K = TypeVar("_K")
_V = TypeVar("_V")


def frozen_map(d: dict[_K, _V]) -> Mapping[_K, _V]:
    return MappingProxyType(dict(d))


@dataclass(frozen=True, eq=False)
class Provision:
    """A cited provision as the held text gives it: the reference, the article's title, the words. One object per
    cited provision of a plan (compared and hashed by identity)."""
    cite: Cite
    compact: str
    ref: Any                       # CitationRef {document, article, paragraph, item, label}: nested citations
    label: str
    title: Optional[str]
    text: str
    draft: bool                    # from a document whose status is draft
    document_title: str
    cited: Mapping[str, dict[str, Any]]  # role -> the top-level citation entry {ref..., title, text, role}, made once


@dataclass(frozen=True)
class PlanRule:
    index: int
    id: str
    group: str
    stratum: int
    condition: Node
    conclusions: tuple[Conclusion, ...]
    overridden_by: tuple[int, ...]          # exception rules (`overrides:` this one), by index
    readers: tuple[int, ...]                # rules that read this one or that it may override
    reads: tuple[str, ...]                  # rules this one reads (`rule:` leaves)
    versions: Optional[frozenset[str]]      # the versions the rule belongs to (None: all)
    cites: tuple[Cite, ...]                 # every provision the rule and its conclusions cite
    refs: tuple[Any, ...]                   # ... as references (CitationRef: the trace shows them)
    outcome_key: str
    only_criteria: bool                     # concludes nothing but severe criteria (matters through its readers)
    title: Optional[str]
    source: m.Rule                          # the rule as written (positions, notes) for tools
    shared: tuple[tuple[Conclusion, frozenset[int]], ...] = ()
    #   what the rule concludes that some of its exceptions conclude too, each part with the exceptions that agree:
    #   while those exceptions are undetermined (and no other is), the part holds either way (engine: applies)


@dataclass(frozen=True)
class Plan:
    pack: m.Pack
    vocab: Vocabulary
    calendar: WorkingDayCalendar
    digest: str
    source: str                              # the folder the pack was loaded from
    rules: tuple[PlanRule, ...]
    strata: tuple[tuple[int, ...], ...]
    by_id: Mapping[str, int]
    schema: FactSchema
    offsets: tuple[m.DateExpr | m.YearDate, ...]
    provisions: Mapping[Cite, Provision]
    candidates: Mapping[tuple[str, str], tuple[tuple[int, ...], ...]]   # (version, kind) -> per stratum, the
    #                                                   rules to decide: the others are false for that kind or
    #                                                   not part of that version
    excluded: Mapping[str, frozenset[int]]                    # version id -> rules not part of it
    declinable: Mapping[tuple[str, str], tuple[int, ...]] = field(default_factory=lambda: frozen_map({}))
    withheld: frozenset[int] = frozenset()
    #   rules attaching new consequences to conduct (retroactivity: new_consequence): not applied to conduct from
    #   before the version was in force (立法法 art. 104), unless the caller asks (apply_out_of_force)
    #   (version, kind) -> the candidate rules whose not applying is itself a conclusion to cite (role not_applied):
    #   those concluding a dishonesty level, a severe-list criterion or listing, repair eligibility, and every rule
    #   an exception may override

    @property
    def id(self) -> str:
        return self.pack.id

    def rule(self, rule_id: str) -> PlanRule:
        return self.rules[self.by_id[rule_id]]

    def to_decide(self, version: str, kind: str) -> tuple[tuple[int, ...], ...]:
        """Per stratum, the rules an event of `kind` under `version` needs decided (the rest are false)."""
        return self.candidates[version, kind]

    def summary(self) -> dict[str, Any]:
        """The plan as plain data (`creditrules plan J`)."""
        from .render import plan_summary
        return plan_summary(self)


def source_path(directory: Path) -> str:
    return str(directory.resolve())
