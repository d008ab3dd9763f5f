"""The determination (CONTRACT.md section 3): the typed public model of the engine's output.

The engine builds a determination as plain data (engine/assemble.py) and serialises it with a fast encoder;
this model is the typed boundary: `Determination.model_validate(data)`, `det.model_dump(mode="json")`.
Nested `citations` are references; the provision's words are given once, in the top-level `citations`.

The two items a determination holds by the dozen, `CitationRef` and `TraceEntry`, are plain dataclasses: the
engine makes them itself (a plan holds one reference per provision), pydantic accepts them as they are and the
JSON encoder writes them natively; from JSON, pydantic builds them like any model.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", serialize_by_alias=True, populate_by_name=True, defer_build=True)


@dataclass(frozen=True)
class CitationRef:
    """A reference to a provision: 《河南省社會信用條例》第三十三條第一款第（二）項 is document henan, 33, 1, 2."""
    document: str
    article: int
    paragraph: int | None = None
    item: int | None = None
    label: str = ""


class Citation(_Out):
    """A provision the determination uses, with its words and the role it plays."""
    document: str
    article: int
    paragraph: int | None = None
    item: int | None = None
    label: str
    title: str | None = None          # the article's own title where the text has one (Jilin draft: 【立法目的】)
    text: str                            # the provision's own words, from the held source
    role: Literal["applied", "not_applied", "undetermined"] = "applied"


class PackInfo(_Out):
    id: str
    version: str
    status: Literal["enacted", "trial", "draft"]
    effective_from: dt.date | None = None
    selected_because: str
    layers: list[str] = Field(default_factory=list)     # layers that supplement the pack (e.g. a national layer)
    source: str = ""                                    # the folder the pack was loaded from
    digest: str = ""                                    # sha256 over every input file of the pack


class Dishonesty(_Out):
    level: Literal["none", "general", "severe", "undetermined"]
    at_least: Literal["general"] | None = None   # level undetermined, but dishonesty information it is
    citations: list[CitationRef] = Field(default_factory=list)
    rules: list[str] = Field(default_factory=list)


class ProcedureStep(_Out):
    id: str
    title_zh: str
    citations: list[CitationRef] = Field(default_factory=list)
    rules: list[str] = Field(default_factory=list)


class SevereList(_Out):
    eligible: bool | None = None
    criteria: list[str] = Field(default_factory=list)
    procedure: list[ProcedureStep] = Field(default_factory=list)
    citations: list[CitationRef] = Field(default_factory=list)
    rules: list[str] = Field(default_factory=list)


class Person(_Out):
    role: str
    name: str | None = None


class Sanction(_Out):
    id: str
    tier: Literal["general", "severe"]
    target: Literal["subject", "responsible_person"]
    title_zh: str
    persons: list[Person] = Field(default_factory=list)   # responsible persons named in the event, for that target
    citations: list[CitationRef] = Field(default_factory=list)
    rules: list[str] = Field(default_factory=list)


class Incentive(_Out):
    id: str
    title_zh: str
    citations: list[CitationRef] = Field(default_factory=list)
    rules: list[str] = Field(default_factory=list)


class Publication(_Out):
    disclosure: Literal["public", "government_sharing", "authorized_query", "none"] | None = None
    start: dt.date | None = None
    min_end: dt.date | None = None
    max_end: dt.date | None = None
    extended_until_removal: bool = False
    after_end: Literal["archive", "delete", "stop_sharing"] | None = None
    computations: list[str] = Field(default_factory=list)    # how min_end / max_end were reached
    citations: list[CitationRef] = Field(default_factory=list)
    rules: list[str] = Field(default_factory=list)


class Repair(_Out):
    eligible: bool | None = None
    earliest: dt.date | None = None
    not_repairable_reason: str | None = None
    processing_working_days: int | None = None
    computation: str | None = None                         # how `earliest` was reached
    citations: list[CitationRef] = Field(default_factory=list)
    rules: list[str] = Field(default_factory=list)


class Deadline(_Out):
    id: str
    working_days: int
    from_: dt.date | None = Field(default=None, alias="from", serialization_alias="from")
    due: dt.date | None = None
    computation: str | None = None           # how `due` was reached, e.g. 2024-09-28 + 3 working days = 2024-10-08
    citations: list[CitationRef] = Field(default_factory=list)
    rules: list[str] = Field(default_factory=list)


class Decision(_Out):
    id: str
    value: Any = None
    until: dt.date | None = None
    computation: str | None = None
    citations: list[CitationRef] = Field(default_factory=list)
    rules: list[str] = Field(default_factory=list)


Outcome = Literal["fired", "not_fired", "undetermined", "overridden", "not_in_version", "withheld"]


@dataclass
class TraceEntry:
    """One rule considered: its outcome, why (in words rendered from its verdict), the facts it lacks."""
    rule: str
    outcome: Outcome
    because: str
    missing: list[str] = field(default_factory=list)
    citations: list[CitationRef] = field(default_factory=list)


class Determination(_Out):
    event_id: str
    jurisdiction: str
    as_of: dt.date
    pack: PackInfo
    dishonesty: Dishonesty
    severe_list: SevereList
    sanctions: list[Sanction] = Field(default_factory=list)
    incentives: list[Incentive] = Field(default_factory=list)
    publication: Publication
    repair: Repair
    deadlines: list[Deadline] = Field(default_factory=list)
    decisions: list[Decision] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    trace: list[TraceEntry] = Field(default_factory=list)
    missing_facts: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    withheld: list[str] = Field(default_factory=list)    # rules not applied to conduct before the pack was in force

    def to_json(self) -> dict:
        return self.model_dump(mode="json")
