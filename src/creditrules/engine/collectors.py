"""One collector per family of conclusions: each turns the conclusions of the rules that hold into its part of the
determination, as plain data (CONTRACT.md section 3). `assemble.py` is the loop that feeds them.

Every collector answers five questions, in this order:
- `applied(rule, conclusion)`: the rule holds; record what it concludes (and its citations, `rules`);
- `pending(rule, conclusion)`: the rule is undetermined; note what it might have concluded;
- `would_change(rule, conclusion)`: were the undetermined rule to hold, would the determination say more?
  (its missing facts are reported only then: unknown is not false, but not every unknown matters);
- `declined(rule, conclusion)`: the rule could apply to this kind of event and was found not to (its condition is
  false, or an exception set it aside);
- `emit(out)`: write its fields into the determination. A negative answer (not dishonesty information, not
  eligible for the list, no repair concluded) cites the provisions declined, role `not_applied`; an undetermined
  one cites the provisions pending, role `undetermined` (CONTRACT.md section 3).
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterable, Optional, Protocol, TypeVar

from .. import model as m
from ..event import CreditEvent
from ..messages import msg
from ..plan import conclusions as c
from ..plan.facts import missing_name
from ..plan.plan import Plan, PlanRule, Provision
from ..timerules import DateComputation
from . import dates

_ROLE_RANK = {"not_applied": 0, "undetermined": 1, "applied": 2}


class Context:
    """What one determination accumulates across collectors: citations with their role, warnings (one per text,
    with the provisions that gave it), missing facts, and the dates already concluded (publication.*)."""

    def __init__(self, plan: Plan, event: CreditEvent, lang: str):
        self.plan = plan
        self.event = event
        self.lang = lang
        self.recorded: dict[Provision, str] = {}
        self._warnings: dict[str, list[str]] = {}
        self.missing: set[str] = set()
        self.known: dict[str, Optional[dt.date]] = {}
        self.persons = [{"role": p.role, "name": p.name} for p in (event.subject.responsible_persons or [])]

    def record(self, conclusion: c.Conclusion, role: str = "applied") -> None:
        self.record_provisions(conclusion.recorded, role)

    def record_provisions(self, provisions: Iterable[Provision], role: str = "applied") -> None:
        """Add provisions to the top-level citations: a provision cited in several roles keeps the strongest
        (applied, then undetermined, then not applied) and its first place. Only an applied draft warns."""
        recorded = self.recorded
        rank = _ROLE_RANK[role]
        for provision in provisions:
            before = recorded.get(provision)
            if before is None:
                recorded[provision] = role
                if provision.draft and role == "applied":
                    self.warn(msg("draft_document", self.lang, title=provision.document_title))
            elif _ROLE_RANK[before] < rank:
                recorded[provision] = role
                if provision.draft and role == "applied":
                    self.warn(msg("draft_document", self.lang, title=provision.document_title))

    def warn(self, text: str, source: Optional[str] = None) -> None:
        sources = self._warnings.setdefault(text, [])
        if source and source not in sources:
            sources.append(source)

    @property
    def warnings(self) -> list[str]:
        return [f"{text} ({'; '.join(src)})" if src else text for text, src in self._warnings.items()]

    def citations(self) -> list[Any]:
        return [provision.cited[role] for provision, role in self.recorded.items()]

    # dates
    def first_date(self, paths: Iterable[str]) -> Optional[dt.date]:
        paths = list(paths)
        day, _ = dates.first_date(self.event, paths, self.known)
        if day is None and paths:
            self.missing.add(missing_name(paths[0]))
        return day

    def add(self, start: dt.date, period: m.Period) -> DateComputation:
        comp = dates.add(start, period, self.plan.calendar)
        self._calendar_warning(comp)
        return comp

    def date_expr(self, expr: Any) -> Optional[DateComputation]:
        comp, missing = dates.computed(self.event, expr, self.plan.calendar, self.known)
        if comp is None:
            self.missing.add(missing_name(missing or "date"))
        else:
            self._calendar_warning(comp)
        return comp

    def _calendar_warning(self, comp: DateComputation) -> None:
        if comp.result is None and comp.beyond_calendar:
            beyond = comp.beyond_warning(self.lang)
            if beyond:
                self.warn(beyond)
        for text in comp.calendar_warnings(self.lang):     # years no holiday arrangement holds
            self.warn(text)


def labels(refs: Iterable[Any]) -> str:
    return "; ".join(r.label for r in refs)


_T = TypeVar("_T")


def _extend(target: list[_T], items: Iterable[_T]) -> None:
    for x in items:
        if x not in target:
            target.append(x)


class Collector(Protocol):
    """A collector as assemble.py drives it: each conclusion goes to the collector whose `kinds` hold its type, so
    a collector only ever receives its own kinds. Its methods name those kinds; `con` is `Any` here because it is
    that dispatch by type, which no signature can state, that narrows a `Conclusion` to them."""

    @property
    def kinds(self) -> tuple[type[c.Conclusion], ...]: ...

    def applied(self, rule: PlanRule, con: Any) -> None: ...

    def pending(self, rule: PlanRule, con: Any) -> None: ...

    def would_change(self, rule: PlanRule, con: Any) -> bool: ...

    def declined(self, rule: PlanRule, con: Any) -> None: ...

    def emit(self, out: dict[str, Any]) -> None: ...


def _cite(ctx: Context, citations: list[Any], cons: Iterable[c.Conclusion], role: str) -> None:
    """A family's answer rests on these conclusions' provisions too, in `role`."""
    for con in cons:
        _extend(citations, con.refs)
        ctx.record(con, role)


_LEVEL_RANK = {"general": 1, "severe": 2}


class Dishonesty:
    """Is the record dishonesty information, and how severe: the highest level that holds, unless a higher one is
    still undetermined."""
    kinds = (c.DishonestyLevel,)

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.levels: list[str] = []
        self.pending_levels: list[str] = []
        self.pending_cons: list[c.DishonestyLevel] = []
        self.declined_cons: list[c.DishonestyLevel] = []
        self.citations: list[Any] = []
        self.rules: list[str] = []

    def applied(self, rule: PlanRule, con: c.DishonestyLevel) -> None:
        self.levels.append(con.level)
        _extend(self.citations, con.refs)
        _extend(self.rules, [rule.id])

    def pending(self, rule: PlanRule, con: c.DishonestyLevel) -> None:
        self.pending_levels.append(con.level)
        self.pending_cons.append(con)

    def declined(self, rule: PlanRule, con: c.DishonestyLevel) -> None:
        self.declined_cons.append(con)

    def would_change(self, rule: PlanRule, con: c.DishonestyLevel) -> bool:
        return not any(_LEVEL_RANK[x] >= _LEVEL_RANK[con.level] for x in self.levels)

    def emit(self, out: dict[str, Any]) -> None:
        top = max(self.levels, key=_LEVEL_RANK.__getitem__, default=None)
        if top is None:
            level = "undetermined" if self.pending_levels else "none"
        elif any(_LEVEL_RANK[p] > _LEVEL_RANK[top] for p in self.pending_levels):
            level = "undetermined"
        else:
            level = top
        if level == "none":            # e.g. Henan 20(2): a penalty not yet final is not dishonesty information
            _cite(self.ctx, self.citations, self.declined_cons, "not_applied")
        elif level == "undetermined":
            _cite(self.ctx, self.citations, [x for x in self.pending_cons if top is None
                                             or _LEVEL_RANK[x.level] > _LEVEL_RANK[top]], "undetermined")
        out["dishonesty"] = {"level": level, "at_least": top if level == "undetermined" else None,
                             "citations": self.citations, "rules": self.rules}


_Severe = c.SevereCriterion | c.SevereListing | c.ProcedureStep


class SevereList:
    """Should the subject go on the severe-dishonesty list: the criteria met, eligibility, the procedure."""
    kinds = (c.SevereCriterion, c.SevereListing, c.ProcedureStep)

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.criteria: list[str] = []
        self.citations: list[Any] = []
        self.rules: list[str] = []
        self.procedure: list[Any] = []
        self.eligible = self.unknown = self.deferred = False
        self.pending_cons: list[_Severe] = []
        self.declined_cons: list[_Severe] = []

    def applied(self, rule: PlanRule, con: _Severe) -> None:
        if isinstance(con, c.ProcedureStep):
            self.procedure.append({"id": con.id, "title_zh": con.title_zh, "citations": list(con.refs),
                                   "rules": [rule.id]})
            return
        if isinstance(con, c.SevereCriterion):
            self.criteria.append(rule.id)
        elif con.deferred:
            self.deferred = True
            if not con.deferral_stated:
                self.ctx.warn(msg("severe_list_deferred", self.ctx.lang, labels=labels(con.refs)))
        else:
            self.eligible = True
        _extend(self.citations, con.refs)
        _extend(self.rules, [rule.id])

    def pending(self, rule: PlanRule, con: _Severe) -> None:
        if isinstance(con, c.SevereListing) and not con.deferred:
            self.unknown = True
        if not isinstance(con, c.ProcedureStep):
            self.pending_cons.append(con)

    def declined(self, rule: PlanRule, con: _Severe) -> None:
        if not isinstance(con, c.ProcedureStep):
            self.declined_cons.append(con)

    def would_change(self, rule: PlanRule, con: _Severe) -> bool:
        if isinstance(con, c.SevereCriterion):
            return False                       # matters only through the rules that read it
        if isinstance(con, c.SevereListing):
            return not self.eligible
        return con.id not in {p["id"] for p in self.procedure}

    def emit(self, out: dict[str, Any]) -> None:
        eligible = True if self.eligible else (None if self.unknown or self.deferred else False)
        if eligible is False:          # each criterion not met cites its article (e.g. Bingtuan art. 38)
            _cite(self.ctx, self.citations, self.declined_cons, "not_applied")
        elif eligible is None and self.unknown:
            _cite(self.ctx, self.citations, self.pending_cons, "undetermined")
        out["severe_list"] = {"eligible": eligible, "criteria": self.criteria, "procedure": self.procedure,
                              "citations": self.citations, "rules": self.rules}


_Measure = c.Sanction | c.Incentive


class Measures:
    """Sanctions (惩戒措施) and incentives (激励措施), each once by id, with every rule that gives it."""
    kinds = (c.Sanction, c.Incentive)

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.sanctions: dict[str, dict[str, Any]] = {}
        self.incentives: dict[str, dict[str, Any]] = {}

    def applied(self, rule: PlanRule, con: _Measure) -> None:
        if isinstance(con, c.Sanction):
            item = self.sanctions.get(con.id)
            if item is None:
                persons = self.ctx.persons if con.target == "responsible_person" else []
                self.sanctions[con.id] = {"id": con.id, "tier": con.tier, "target": con.target,
                                          "title_zh": con.title_zh, "persons": persons,
                                          "citations": list(con.refs), "rules": [rule.id]}
            elif rule.id not in item["rules"]:
                item["rules"].append(rule.id)
        else:
            item = self.incentives.get(con.id)
            if item is None:
                self.incentives[con.id] = {"id": con.id, "title_zh": con.title_zh, "citations": list(con.refs),
                                           "rules": [rule.id]}
            elif rule.id not in item["rules"]:
                item["rules"].append(rule.id)

    def pending(self, rule: PlanRule, con: _Measure) -> None:
        return None

    def declined(self, rule: PlanRule, con: _Measure) -> None:
        return None

    def would_change(self, rule: PlanRule, con: _Measure) -> bool:
        return con.id not in (self.sanctions if isinstance(con, c.Sanction) else self.incentives)

    def emit(self, out: dict[str, Any]) -> None:
        out["sanctions"] = list(self.sanctions.values())
        out["incentives"] = list(self.incentives.values())


class Publication:
    """How the record is published and for how long (start, min_end, max_end), each end worked out and explained;
    a period the text defers is null with a warning."""
    kinds = (c.PublicationTerms,)

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.terms: dict[str, Any] = {}
        self.term_refs: dict[str, tuple[Any, ...]] = {}
        self.citations: list[Any] = []
        self.rules: list[str] = []

    def applied(self, rule: PlanRule, con: c.PublicationTerms) -> None:
        for key, value in con.terms:
            self.terms[key] = value
            self.term_refs[key] = con.refs
        _extend(self.citations, con.refs)
        _extend(self.rules, [rule.id])

    def pending(self, rule: PlanRule, con: c.PublicationTerms) -> None:
        return None

    def declined(self, rule: PlanRule, con: c.PublicationTerms) -> None:
        return None

    def would_change(self, rule: PlanRule, con: c.PublicationTerms) -> bool:
        return any(self.terms.get(key) != value for key, value in con.terms)

    def emit(self, out: dict[str, Any]) -> None:
        ctx, f = self.ctx, self.terms
        start = ctx.first_date(f["start"]) if f.get("start") else None
        ends: dict[str, Optional[dt.date]] = {}
        computations: list[str] = []
        for key in ("min", "max"):
            spec = f.get(key)
            ends[key] = None
            if isinstance(spec, m.Deferred):
                ctx.warn(msg("period_deferred", ctx.lang, labels=labels(self.term_refs.get(key, ())) or "publication",
                             which="minimum" if key == "min" else "maximum", which_zh="最短" if key == "min" else "最长",
                             to=spec.to, field=f"{key}_end"))
            elif isinstance(spec, m.Period) and start is not None:
                comp = ctx.add(start, spec)
                ends[key] = comp.result
                computations.append(f"{key}_end: {comp.describe()}")
        extended = bool(f.get("extended_until_removal"))
        max_end = ends["max"]
        removed = ctx.event.facts.get("removed_from_list_on")
        if extended and max_end is not None and isinstance(removed, dt.date) and removed > max_end:
            computations.append(f"max_end: still listed at {max_end}, extended to removal from the list on {removed}")
            max_end = removed
        ctx.known["publication.start"] = start
        ctx.known["publication.max_end"] = max_end
        out["publication"] = {"disclosure": f.get("disclosure"), "start": start, "min_end": ends["min"],
                              "max_end": max_end, "extended_until_removal": extended, "after_end": f.get("after_end"),
                              "computations": computations, "citations": self.citations, "rules": self.rules}


class Repair:
    """Credit repair (信用修复): eligible, the earliest date, the processing time. A bar to repair is not lifted by
    a general right to it."""
    kinds = (c.RepairTerms,)

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.terms: dict[str, Any] = {}
        self.citations: list[Any] = []
        self.rules: list[str] = []
        self.pending_cons: list[c.RepairTerms] = []
        self.declined_cons: list[c.RepairTerms] = []

    def applied(self, rule: PlanRule, con: c.RepairTerms) -> None:
        terms = con.as_dict
        if not ("eligible" in terms and self.terms.get("eligible") is False):
            self.terms.update(terms)
        _extend(self.citations, con.refs)
        _extend(self.rules, [rule.id])

    def pending(self, rule: PlanRule, con: c.RepairTerms) -> None:
        if "eligible" in con.as_dict:
            self.pending_cons.append(con)

    def declined(self, rule: PlanRule, con: c.RepairTerms) -> None:
        if "eligible" in con.as_dict:
            self.declined_cons.append(con)

    def would_change(self, rule: PlanRule, con: c.RepairTerms) -> bool:
        return any(self.terms.get(key) != value for key, value in con.terms)

    def emit(self, out: dict[str, Any]) -> None:
        f = self.terms
        if f.get("eligible") is None:  # e.g. Xinjiang art. 55: repair undetermined, or no right to it found
            if self.pending_cons:
                _cite(self.ctx, self.citations, self.pending_cons, "undetermined")
            else:
                _cite(self.ctx, self.citations, self.declined_cons, "not_applied")
        earliest = self.ctx.date_expr(f["earliest"]) if f.get("earliest") else None
        out["repair"] = {"eligible": f.get("eligible"), "earliest": earliest.result if earliest else None,
                         "not_repairable_reason": f.get("not_repairable_reason"),
                         "processing_working_days": f.get("processing_working_days"),
                         "computation": earliest.describe() if earliest else None,
                         "citations": self.citations, "rules": self.rules}


_Dated = c.Deadline | c.Decision


class Dated:
    """Deadlines (working days from a start) and other decisions, worked out after publication (they may count
    from its dates); one decision given by several provisions is merged, and a conflict is flagged."""
    kinds = (c.Deadline, c.Decision)

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.items: list[tuple[PlanRule, _Dated]] = []

    def applied(self, rule: PlanRule, con: _Dated) -> None:
        self.items.append((rule, con))

    def pending(self, rule: PlanRule, con: _Dated) -> None:
        return None

    def declined(self, rule: PlanRule, con: _Dated) -> None:
        return None

    def would_change(self, rule: PlanRule, con: _Dated) -> bool:
        if isinstance(con, c.Deadline):
            return not any(isinstance(x, c.Deadline) and x.id == con.id for _, x in self.items)
        return not any(isinstance(x, c.Decision) and x.id == con.id and x.value == con.value for _, x in self.items)

    def emit(self, out: dict[str, Any]) -> None:
        ctx = self.ctx
        deadlines: list[Any] = []
        decisions: dict[str, dict[str, Any]] = {}
        for rule, con in self.items:
            if isinstance(con, c.Deadline):
                start = ctx.first_date(con.start_paths)
                comp = ctx.add(start, m.Period(working_days=con.working_days)) if start else None
                deadlines.append({"id": con.id, "working_days": con.working_days, "from": start,
                                  "due": comp.result if comp else None,
                                  "computation": comp.describe() if comp else None,
                                  "citations": list(con.refs), "rules": [rule.id]})
                continue
            comp = ctx.date_expr(con.until) if con.until else None
            value = ctx.persons if con.value == c.RESPONSIBLE_PERSONS else con.value
            same = decisions.get(con.id)
            if same is not None:
                _extend(same["citations"], con.refs)
                _extend(same["rules"], [rule.id])
                if same["value"] != value:
                    ctx.warn(msg("decision_conflict", ctx.lang, id=con.id, first=repr(same["value"]),
                                 second=repr(value)), labels(con.refs))
                continue
            decisions[con.id] = {"id": con.id, "value": value, "until": comp.result if comp else None,
                                 "computation": comp.describe() if comp else None,
                                 "citations": list(con.refs), "rules": [rule.id]}
        out["deadlines"] = deadlines
        out["decisions"] = list(decisions.values())


_Notice = c.Notice | c.Deferral


class Notices:
    """What the pack itself says must be said: its warnings, and the deferrals to other rules."""
    kinds = (c.Notice, c.Deferral)

    def __init__(self, ctx: Context):
        self.ctx = ctx

    def applied(self, rule: PlanRule, con: _Notice) -> None:
        if isinstance(con, c.Notice):
            self.ctx.warn(con.text, labels(con.refs))
        else:
            self.ctx.warn(msg("deferral", self.ctx.lang, labels=labels(con.refs) or rule.id, what=con.what, to=con.to))

    def pending(self, rule: PlanRule, con: _Notice) -> None:
        return None

    def declined(self, rule: PlanRule, con: _Notice) -> None:
        return None

    def would_change(self, rule: PlanRule, con: _Notice) -> bool:
        return True                 # whether a warning or a deferral applies is itself news

    def emit(self, out: dict[str, Any]) -> None:
        return None


# In the order they emit: publication before the dates that may count from it.
COLLECTORS = (Dishonesty, SevereList, Measures, Publication, Repair, Dated, Notices)
