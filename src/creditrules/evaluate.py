"""Evaluate stage: one event (or many) + a compiled pack -> a determination.

1. the pack version is chosen by legal date (CONTRACT.md section 1);
2. the event becomes a flat fact view;
3. an evaluator decides each stratum's conditions (true / false / unknown);
4. exceptions are applied (`overrides`: effective = condition AND NOT exception, three-valued) and the
   outcomes are written back into the view for the next stratum;
5. the conclusions of the rules that hold are assembled into the determination; every rule considered is
   reported to the tracer, fired or not, and why.
"""
from __future__ import annotations

import calendar as _calendar
import datetime as dt
import gc
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterable

from . import model as m
from .backends import Evaluator, get_evaluator
from .compile import CompiledPack, CompiledRule, ResolvedCite, Truth, fact_key, member_key, present_key
from .determination import (Citation, Deadline, Decision, Determination, Dishonesty, Incentive, PackInfo, Person,
                            ProcedureStep, Publication, Repair, Sanction, SevereList, TraceEntry)
from .event import CreditEvent
from .explain_condition import describe
from .identifiers import identifier_warning
from .messages import msg
from .timerules import DateComputation, WorkingDayCalendar, add_period
from .trace import NullTracer, Tracer

DEFAULT_EVALUATOR = "reference"   # measured faster (benchmarks/bench.py); durable cross-checks it in the tests


# --- version selection -----------------------------------------------------------------------------------------

@dataclass
class VersionChoice:
    version: m.Version
    because: str
    warnings: list[str]


def _in_force(v: m.Version, day: dt.date) -> bool:
    return v.effective_from is not None and v.effective_from <= day and (v.effective_to is None or day <= v.effective_to)


def select_version(pack: m.Pack, event: CreditEvent, as_of: dt.date, lang: str = "en") -> VersionChoice:
    if event.basis is not None and event.basis.decided_on is not None:
        day, which = event.basis.decided_on, msg("which_decided", lang)
    elif event.occurred_on is not None:
        day, which = event.occurred_on, msg("which_occurred", lang)
    else:
        day, which = as_of, msg("which_as_of", lang)
    held = [v for v in pack.versions if v.text_held]
    warnings: list[str] = []
    in_force_held = [v for v in held if _in_force(v, day)]
    if in_force_held:
        chosen = max(in_force_held, key=lambda v: v.effective_from)
        because = msg("because_in_force", lang, version=chosen.id, status=chosen.status, day=day, which=which,
                      start=chosen.effective_from)
    else:
        not_held = [v for v in pack.versions if not v.text_held and _in_force(v, day)]
        later = sorted((v for v in held if v.effective_from and v.effective_from > day), key=lambda v: v.effective_from)
        drafts = [v for v in held if v.effective_from is None]
        if later and not not_held:
            chosen = later[0]
            because = msg("because_later", lang, day=day, which=which, version=chosen.id, start=chosen.effective_from)
            warnings.append(msg("not_yet_in_force", lang, pack=pack.id, version=chosen.id, day=day,
                                start=chosen.effective_from))
        elif drafts:
            chosen = drafts[-1]
            because = msg("because_draft", lang, version=chosen.id, day=day, which=which)
        else:
            chosen = max(held, key=lambda v: v.effective_from or dt.date.min)
            because = msg("because_latest", lang, day=day, which=which, version=chosen.id)
            warnings.append(msg("not_in_force", lang, pack=pack.id, version=chosen.id, day=day))
        for v in not_held:
            warnings.append(msg("version_not_held", lang, day=day, pack=pack.id, other=v.id, status=v.status,
                                start=v.effective_from, version=chosen.id))
            because += msg("because_not_held", lang, other=v.id, start=v.effective_from)
    if chosen.status == "draft":
        warnings.append(msg("draft_version", lang, pack=pack.id, version=chosen.id))
    elif chosen.status == "trial":
        warnings.append(msg("trial_version", lang, pack=pack.id, version=chosen.id))
    return VersionChoice(chosen, because, warnings)


# --- the fact view ---------------------------------------------------------------------------------------------

FIELD_PRESENCE = {
    "basis": lambda e: e.basis is not None,
    "basis.number": lambda e: e.basis is not None and e.basis.number is not None,
    "basis.decided_on": lambda e: e.basis is not None and e.basis.decided_on is not None,
    "basis.effective_on": lambda e: e.basis is not None and e.basis.effective_on is not None,
    "occurred_on": lambda e: e.occurred_on is not None,
    "conduct": lambda e: e.conduct is not None,
    "subject.id": lambda e: e.subject.id is not None,
    "subject.name": lambda e: e.subject.name is not None,
    "subject.birth_date": lambda e: e.subject.birth_date is not None,
    "subject.responsible_persons": lambda e: bool(e.subject.responsible_persons),
}


def age_on(birth: dt.date, day: dt.date) -> int:
    """周岁 on `day`: a year of age is complete from the day after the birthday (法释〔2006〕1号 第二条; the
    first day is not counted, CONTRACT.md section 5). On the 18th birthday one is still 未满十八周岁; born on
    29 February, the anniversary in a common year is 28 February."""
    return max(0, day.year - birth.year - ((day.month, day.day) <= (birth.month, birth.day)))


def date_at(event: CreditEvent, path: str) -> dt.date | None:
    """The date an event gives at a date path (`occurred_on`, `basis.decided_on`, `facts.reported_on` ...)."""
    if path == "occurred_on":
        return event.occurred_on
    if path == "basis.decided_on":
        return event.basis.decided_on if event.basis else None
    if path == "basis.effective_on":
        return event.basis.effective_on if event.basis else None
    if path.startswith("facts."):
        value = event.facts.get(path[6:])
        return value if isinstance(value, dt.date) else None
    return None


def _missing_name(path: str) -> str:
    return path[6:] if path.startswith("facts.") else path


def first_date_at(event: CreditEvent, paths, dates: dict | None = None) -> tuple[dt.date | None, str | None]:
    """The first date present among `paths` (publication.* from `dates`), and its path; else (None, None)."""
    for path in paths:
        day = (dates or {}).get(path) if path.startswith("publication.") else date_at(event, path)
        if day is not None:
            return day, path
    return None, None


def add_period_or_working_days(start: dt.date, period: m.Period, calendar: WorkingDayCalendar | None) -> DateComputation:
    if period.working_days:
        return (calendar or WorkingDayCalendar()).add_working_days(start, period.working_days)
    return add_period(start, years=period.years, months=period.months, days=period.days)


def computed_date(event: CreditEvent, expr, calendar: WorkingDayCalendar | None, dates: dict | None = None):
    """(DateComputation, None), or (None, the path that is missing) for a DateExpr or a YearDate."""
    if isinstance(expr, m.YearDate):
        year = event.facts.get(expr.year_path[6:])
        if not isinstance(year, int) or isinstance(year, bool):
            return None, expr.year_path
        y = year + expr.plus_years
        day = min(expr.day, _calendar.monthrange(y, expr.month)[1])
        return DateComputation(dt.date(y, 1, 1), f"{expr.month}/{expr.day} of {expr.year_path[6:]} ({year})"
                               + (f" + {expr.plus_years} year(s)" if expr.plus_years else ""), dt.date(y, expr.month, day)), None
    start, _ = first_date_at(event, expr.paths, dates)
    if start is None:
        return None, (expr.paths[0] if expr.paths else "date")
    return add_period_or_working_days(start, expr.add, calendar), None


def compare_dates(event: CreditEvent, leaf: m.DateCompare, calendar: WorkingDayCalendar | None):
    """(truth, words, missing) of a `date:` leaf over the event."""
    left = date_at(event, leaf.left)
    if left is None:
        return None, f"{leaf.left} unknown", [_missing_name(leaf.left)]
    right, how = leaf.right, None
    if isinstance(right, (m.YearDate, m.DateExpr)):
        comp, missing = computed_date(event, right, calendar)
        if comp is None:
            return None, f"{missing} unknown", [_missing_name(missing)]
        right, how = comp.result, comp.describe()
    ok = {"eq": left == right, "ne": left != right, "gt": left > right, "gte": left >= right, "lt": left < right,
          "lte": left <= right}[leaf.op]
    words = {"eq": "=", "ne": "≠", "gt": ">", "gte": "≥", "lt": "<", "lte": "≤"}[leaf.op]
    return ok, f"{leaf.left} {left} {'' if ok else 'not '}{words} {right}" + (f" ({how})" if how else ""), []


def build_view(event: CreditEvent, compiled: CompiledPack, calendar: WorkingDayCalendar | None = None) -> dict:
    view: dict[str, Any] = {"k": event.kind, "s": event.subject.type}
    if event.conduct is not None:
        view["c"] = 1
        for tag in event.conduct:
            view[f"c__{tag}"] = True
    if event.basis is not None:
        view["b"] = event.basis.type
    for name, value in event.facts.items():
        term = compiled.vocab.facts[name]
        view[present_key(name)] = True
        if term.type == "list":
            view[fact_key(name)] = True
            for member in value:
                view[member_key(name, member)] = True
        elif term.type == "date":
            view[fact_key(name)] = value.toordinal()
        else:
            view[fact_key(name)] = value
    for path, test in FIELD_PRESENCE.items():
        if test(event):
            view[present_key(path)] = True
    for key, leaf in compiled.derived:
        truth, words, missing = compare_dates(event, leaf, calendar)
        if truth is not None:
            view[key] = truth
        else:
            view[key + "__missing"] = missing[0]
        view[key + "__why"] = words
    conduct_day = event.occurred_on or event.event_date          # age at the conduct, else at the decision
    if event.subject.birth_date is not None and conduct_day is not None:
        view["age"] = age_on(event.subject.birth_date, conduct_day)
    return view


# --- three-valued outcomes with exceptions -------------------------------------------------------------------

def _and3(a: Truth, b: Truth) -> Truth:
    if a is False or b is False:
        return False
    if a is None or b is None:
        return None
    return True


@dataclass
class Outcomes:
    raw: dict[int, Truth] = field(default_factory=dict)
    effective: dict[int, Truth] = field(default_factory=dict)
    excluded: set[int] = field(default_factory=set)      # rules not part of the selected version


def decide_all(compiled: CompiledPack, views: list[dict], versions: list[m.Version], evaluator: Evaluator) -> list[Outcomes]:
    """Decide every rule for a batch of views, stratum by stratum (views gain the outcomes as they go)."""
    results = [Outcomes() for _ in views]
    for stratum in compiled.strata:
        decided = evaluator.decide(compiled, stratum, views)
        for view, raw, out, version in zip(views, decided, results, versions):
            for rule in stratum:
                value = raw.get(rule.index)
                if rule.rule.versions is not None and version.id not in rule.rule.versions:
                    out.excluded.add(rule.index)
                    value, effective = False, False
                else:
                    effective = value
                    for o in rule.overridden_by:
                        exception = out.effective.get(o)
                        effective = _and3(effective, None if exception is None else not exception)
                out.raw[rule.index] = value
                out.effective[rule.index] = effective
                if effective is not None:
                    view[rule.outcome_key] = effective
    return results


# --- assembling the determination ---------------------------------------------------------------------------

def _citation(rc: ResolvedCite) -> Citation:
    if rc.model is None:
        c = rc.cite
        rc.model = Citation(document=c.document, article=c.article, paragraph=c.paragraph, item=c.item, label=rc.label,
                            title=rc.title, text=rc.text)
    return rc.model


class _Assembler:
    """Collects the conclusions of the rules that hold into one determination."""

    def __init__(self, compiled: CompiledPack, event: CreditEvent, calendar: WorkingDayCalendar, lang: str = "en"):
        self.lang = lang
        self.compiled = compiled
        self.event = event
        self.calendar = calendar
        self.citations: dict[Any, Citation] = {}
        self._warning_sources: dict[str, list[str]] = {}
        self.missing: set[str] = set()
        self.publication: dict[str, Any] = {}
        self.publication_cites: list[Citation] = []
        self.publication_field_cites: dict[str, list[Citation]] = {}     # which provisions gave which field
        self.dates: dict[str, dt.date | None] = {}

    def cites(self, rule: CompiledRule, conclusion: m.Conclusion | None = None) -> list[Citation]:
        """The conclusion's own citations if it has any (more precise), else the rule's; all enter `citations`."""
        own = conclusion.cites if conclusion is not None and conclusion.cites else rule.rule.cites
        for c in [*own, *rule.rule.cites]:
            if c not in self.citations:
                self.citations[c] = _citation(self.compiled.resolved(c))
            document = self.compiled.pack.documents.get(c.document)
            if document is not None and document.status == "draft":
                self.warn(msg("draft_document", self.lang, title=document.title_zh))
        out: list[Citation] = []
        for c in own:
            if self.citations[c] not in out:
                out.append(self.citations[c])
        return out

    def warn(self, text: str, source: str | None = None) -> None:
        """One warning per text; the provisions that gave it are listed once, together."""
        sources = self._warning_sources.setdefault(text, [])
        if source and source not in sources:
            sources.append(source)

    @property
    def warnings(self) -> list[str]:
        return [f"{text} ({'; '.join(src)})" if src else text for text, src in self._warning_sources.items()]

    # dates
    def first_date(self, paths: Iterable[str]) -> tuple[dt.date | None, str | None]:
        paths = list(paths)
        day, path = first_date_at(self.event, paths, self.dates)
        if day is None and paths:
            self.missing.add(_missing_name(paths[0]))
        return day, path

    def add(self, start: dt.date, period: m.Period) -> DateComputation:
        comp = add_period_or_working_days(start, period, self.calendar)
        self.calendar_warning(comp)
        return comp

    def date_expr(self, expr) -> DateComputation | None:
        comp, missing = computed_date(self.event, expr, self.calendar, self.dates)
        if comp is None:
            self.missing.add(_missing_name(missing))
        else:
            self.calendar_warning(comp)
        return comp

    def calendar_warning(self, comp: DateComputation) -> None:
        if comp.unknown_years:
            years = ", ".join(str(y) for y in comp.unknown_years)
            self.warn(msg("calendar_unknown", self.lang, years=years, start=comp.start, first=comp.unknown_years[0]))


def evaluate_event(compiled: CompiledPack, event: CreditEvent, as_of: dt.date, calendar: WorkingDayCalendar,
                   evaluator: Evaluator | None = None, tracer: Tracer | None = None, lang: str = "en") -> Determination:
    return evaluate_events(compiled, [event], as_of, calendar, evaluator, tracer, lang)[0]


def evaluate_events(compiled: CompiledPack, events: list[CreditEvent], as_of: dt.date, calendar: WorkingDayCalendar,
                    evaluator: Evaluator | None = None, tracer: Tracer | None = None,
                    lang: str = "en") -> list[Determination]:
    """Evaluate a batch; the engine's own sentences (warnings) in `lang` ("en" or "zh")."""
    evaluator = evaluator or get_evaluator(DEFAULT_EVALUATOR)
    cycle_free = getattr(evaluator, "cycle_free", False)
    with paused_gc(cycle_free):
        choices = [select_version(compiled.pack, e, as_of, lang) for e in events]
        views = [build_view(e, compiled, calendar) for e in events]
        outcomes = decide_all(compiled, views, [c.version for c in choices], evaluator)
        with paused_gc(not cycle_free):
            return [assemble(compiled, e, as_of, calendar, v, o, c, tracer or NullTracer(), lang)
                    for e, v, o, c in zip(events, views, outcomes, choices)]


@contextmanager
def paused_gc(pause: bool):
    """Pause the cyclic garbage collector around work that creates no reference cycles (tests/test_gc.py proves it
    for assembling and for the reference evaluator; durable_rules does create cycles, so it is not paused). With
    many objects alive (a large batch), each collection pass rescans them all: pausing halved the run time."""
    if not pause or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


_LEVEL_RANK = {"general": 1, "severe": 2}


def assemble(compiled: CompiledPack, event: CreditEvent, as_of: dt.date, calendar: WorkingDayCalendar, view: dict,
             outcomes: Outcomes, choice: VersionChoice, tracer: Tracer, lang: str = "en") -> Determination:
    a = _Assembler(compiled, event, calendar, lang)
    for w in choice.warnings:
        a.warn(w)
    id_warning = identifier_warning(event.subject.type, event.subject.id, lang)
    if id_warning:
        a.warn(id_warning)
    trace: list[TraceEntry] = []
    levels: list[str] = []
    pending_levels: list[str] = []
    criteria: list[str] = []
    severe_cites: list[Citation] = []
    eligible_true, eligible_unknown, eligible_deferred = False, False, False
    procedure: list[ProcedureStep] = []
    sanctions: dict[str, Sanction] = {}
    incentives: dict[str, Incentive] = {}
    repair_fields: dict[str, Any] = {}
    repair_cites: list[Citation] = []
    dated: list[tuple[CompiledRule, m.Conclusion]] = []     # deadlines, decisions, repair: after publication
    dishonesty_cites: list[Citation] = []
    undetermined: list[tuple[CompiledRule, TraceEntry]] = []
    persons = [Person(role=p.role, name=p.name) for p in (event.subject.responsible_persons or [])]

    for rule in compiled.rules:
        idx = rule.index
        effective = outcomes.effective.get(idx)
        raw = outcomes.raw.get(idx)
        entry = _trace_entry(compiled, rule, raw, effective, outcomes, view, lang)
        trace.append(entry)
        tracer.rule_considered(rule, entry)
        if effective is None:
            undetermined.append((rule, entry))
            for con in rule.rule.then:
                if con.kind == "dishonesty":
                    pending_levels.append(con.fields["level"])
                elif con.kind == "severe_list" and con.fields.get("value") == "eligible":
                    eligible_unknown = True
            continue
        if not effective:
            continue
        for con in rule.rule.then:
            cites = a.cites(rule, con)
            k = con.kind
            if k == "dishonesty":
                levels.append(con.fields["level"])
                dishonesty_cites += [c for c in cites if c not in dishonesty_cites]
            elif k == "severe_criterion":
                criteria.append(rule.rule.id)
                severe_cites += [c for c in cites if c not in severe_cites]
            elif k == "severe_list":
                if con.fields.get("value") == "deferred":
                    eligible_deferred = True
                    if not any(other.kind == "deferral" for other in rule.rule.then):
                        a.warn(msg("severe_list_deferred", lang, labels=_labels(cites)))
                else:
                    eligible_true = True
                severe_cites += [c for c in cites if c not in severe_cites]
            elif k == "procedure_step":
                procedure.append(ProcedureStep(id=con.fields["id"], title_zh=rule.titles[rule.rule.then.index(con)], citations=cites))
            elif k == "sanction":
                sid = con.fields.get("id") or rule.rule.id
                if sid not in sanctions:
                    target = con.fields.get("target", "subject")
                    sanctions[sid] = Sanction(id=sid, tier=con.fields["tier"], target=target,
                                              title_zh=rule.titles[rule.rule.then.index(con)],
                                              persons=persons if target == "responsible_person" else [], citations=cites)
            elif k == "incentive":
                iid = con.fields.get("id") or rule.rule.id
                incentives.setdefault(iid, Incentive(id=iid, title_zh=rule.titles[rule.rule.then.index(con)], citations=cites))
            elif k == "publication":
                a.publication.update(con.fields)
                a.publication_field_cites.update({key: cites for key in con.fields})
                a.publication_cites += [c for c in cites if c not in a.publication_cites]
            elif k == "repair":
                if "eligible" in con.fields and repair_fields.get("eligible") is False:
                    pass                       # a bar to repair is not lifted by a general right to it
                else:
                    repair_fields.update(con.fields)
                repair_cites += [c for c in cites if c not in repair_cites]
            elif k in ("deadline", "decision"):
                dated.append((rule, con))
            elif k == "warning":
                a.warn(con.fields["text"], _labels(cites))
            elif k == "deferral":
                a.warn(msg("deferral", lang, labels=_labels(cites) or rule.rule.id, what=con.fields["what"],
                           to=con.fields["to"]))

    # missing facts: only those of undetermined rules whose conclusions could still change the determination
    for rule, entry in undetermined:
        if any(outcomes.effective.get(r) is None for r in rule.readers) or any(
                _could_change(rule.rule.id, con, levels, eligible_true, sanctions, incentives, procedure, a,
                              repair_fields, dated)
                for con in rule.rule.then):
            a.missing.update(entry.missing)

    # dishonesty level: the highest that holds, unless a higher one is still unknown
    top = max(levels, key=_LEVEL_RANK.get, default=None)
    if top is None:
        level = "undetermined" if pending_levels else "none"
    elif any(_LEVEL_RANK[p] > _LEVEL_RANK[top] for p in pending_levels):
        level = "undetermined"
    else:
        level = top
    eligible = True if eligible_true else (None if eligible_unknown or eligible_deferred else False)

    publication = _publication(a)
    a.dates["publication.start"] = publication.start
    a.dates["publication.max_end"] = publication.max_end

    deadlines: list[Deadline] = []
    decisions: list[Decision] = []
    for rule, con in dated:
        cites = a.cites(rule, con)
        f = con.fields
        if con.kind == "deadline":
            start, _ = a.first_date(f["from"])
            comp = a.add(start, m.Period(working_days=f["working_days"])) if start else None
            deadlines.append(Deadline(id=f["id"], working_days=f["working_days"], from_=start,
                                      due=comp.result if comp else None, computation=comp.describe() if comp else None,
                                      citations=cites))
        else:
            comp = a.date_expr(f["until"]) if f.get("until") else None
            value = [p.model_dump() for p in persons] if f.get("value") == "$responsible_persons" else f.get("value")
            same = next((d for d in decisions if d.id == f["id"]), None)
            if same is not None:                 # one decision, several provisions: merged, conflicts flagged
                same.citations += [c for c in cites if c not in same.citations]
                if same.value != value:
                    a.warn(msg("decision_conflict", lang, id=f["id"], first=repr(same.value), second=repr(value)),
                           _labels(cites))
                continue
            decisions.append(Decision(id=f["id"], value=value, until=comp.result if comp else None,
                                      computation=comp.describe() if comp else None, citations=cites))

    earliest = a.date_expr(repair_fields["earliest"]) if repair_fields.get("earliest") else None
    repair = Repair(eligible=repair_fields.get("eligible"),    # null when no rule decides it (unknown or silent)
                    earliest=earliest.result if earliest else None,
                    computation=earliest.describe() if earliest else None,
                    not_repairable_reason=repair_fields.get("not_repairable_reason"),
                    processing_working_days=repair_fields.get("processing_working_days"), citations=repair_cites)

    pack = compiled.pack
    version = choice.version
    det = Determination(
        event_id=event.id, jurisdiction=pack.id, as_of=as_of,
        pack=PackInfo(id=pack.id, version=version.id, status=version.status, effective_from=version.effective_from,
                      selected_because=choice.because, layers=list(pack.layers)),
        dishonesty=Dishonesty(level=level, at_least=top if level == "undetermined" else None, citations=dishonesty_cites),
        severe_list=SevereList(eligible=eligible, criteria=criteria, procedure=procedure, citations=severe_cites),
        sanctions=list(sanctions.values()), incentives=list(incentives.values()),
        publication=publication, repair=repair, deadlines=deadlines, decisions=decisions,
        citations=list(a.citations.values()), trace=trace, missing_facts=sorted(a.missing), warnings=a.warnings)
    tracer.determined(det)
    return det


def _could_change(rule_id: str, con: m.Conclusion, levels, eligible_true, sanctions, incentives, procedure, a,
                  repair_fields, dated) -> bool:
    """Would this conclusion, were its rule to hold, add something the determination does not already say?"""
    k, f = con.kind, con.fields
    if k == "severe_criterion":
        return False                               # matters only through the rules that read it
    if k == "dishonesty":
        return not any(_LEVEL_RANK[x] >= _LEVEL_RANK[f["level"]] for x in levels)
    if k == "severe_list":
        return not eligible_true
    if k == "sanction":
        return (f.get("id") or rule_id) not in sanctions
    if k == "incentive":
        return (f.get("id") or rule_id) not in incentives
    if k == "procedure_step":
        return f["id"] not in {p.id for p in procedure}
    if k == "publication":
        return any(a.publication.get(key) != value for key, value in f.items())
    if k == "repair":
        return any(repair_fields.get(key) != value for key, value in f.items())
    if k in ("deadline", "decision"):
        return not any(c.kind == k and c.fields.get("id") == f.get("id") and c.fields.get("value") == f.get("value")
                       for _, c in dated)
    return True                                    # warnings and deferrals: whether they apply is itself news


def _labels(cites: list[Citation]) -> str:
    return "; ".join(c.label for c in cites)


def _publication(a: _Assembler) -> Publication:
    f = a.publication
    if not f:
        return Publication()
    start = None
    if f.get("start"):
        start, _ = a.first_date(f["start"])
    ends: dict[str, dt.date | None] = {}
    computations: list[str] = []
    for key in ("min", "max"):
        spec = f.get(key)
        label = _labels(a.publication_field_cites.get(key, [])) or "publication"
        if isinstance(spec, m.Deferred):
            a.warn(msg("period_deferred", a.lang, labels=label, which="minimum" if key == "min" else "maximum",
                       which_zh="最短" if key == "min" else "最长", to=spec.to, field=f"{key}_end"))
            ends[key] = None
        elif isinstance(spec, m.Period) and start is not None:
            comp = a.add(start, spec)
            ends[key] = comp.result
            computations.append(f"{key}_end: {comp.describe()}")
        else:
            ends[key] = None
    extended = bool(f.get("extended_until_removal"))
    max_end = ends["max"]
    removed = a.event.facts.get("removed_from_list_on")
    if extended and max_end is not None and isinstance(removed, dt.date) and removed > max_end:
        computations.append(f"max_end: still listed at {max_end}, extended to removal from the list on {removed}")
        max_end = removed
    return Publication(disclosure=f.get("disclosure"), start=start, min_end=ends["min"], max_end=max_end,
                       extended_until_removal=extended, after_end=f.get("after_end"), computations=computations,
                       citations=a.publication_cites)


_MEMO_LIMIT = 4096


def explain_rule(compiled: CompiledPack, rule: CompiledRule, view: dict, lang: str = "en") -> tuple[Truth, str, list[str]]:
    """`describe` of the rule's condition, memoised on exactly the view attributes the condition reads."""
    key = (lang, *map(view.get, rule.read_keys))
    found = rule.explained.get(key)
    if found is None:
        if len(rule.explained) >= _MEMO_LIMIT:
            rule.explained.clear()
        found = rule.explained[key] = describe(rule.rule.when, view, compiled, lang)
    return found



def _trace_entry(compiled: CompiledPack, rule: CompiledRule, raw: Truth, effective: Truth, outcomes: Outcomes,
                 view: dict, lang: str = "en") -> TraceEntry:
    """The rule's trace entry: a pure function of its outcome, its exceptions' outcomes and what it reads."""
    excluded = rule.index in outcomes.excluded
    key = (lang, excluded, raw, effective, tuple(map(outcomes.effective.get, rule.overridden_by)),
           tuple(map(view.get, rule.read_keys)))          # view values are never None: None means absent
    entry = rule.traced.get(key)
    if entry is None:
        if len(rule.traced) >= _MEMO_LIMIT:
            rule.traced.clear()
        entry = rule.traced[key] = _new_trace_entry(compiled, rule, raw, effective, outcomes, view, excluded, lang)
    return entry


_TRACE_WORDS = {
    "en": {"not_in_version": "not part of the selected pack version",
           "overridden": "its conditions hold, but the exception {rule} ({label}) applies",
           "exception_unknown": "its conditions hold, but whether the exception {rule} ({label}) applies is unknown"},
    "zh": {"not_in_version": "不属于所选版本",
           "overridden": "条件成立，但例外规则 {rule}（{label}）适用",
           "exception_unknown": "条件成立，但例外规则 {rule}（{label}）是否适用尚不能确定"},
}


def _new_trace_entry(compiled: CompiledPack, rule: CompiledRule, raw: Truth, effective: Truth, outcomes: Outcomes,
                     view: dict, excluded: bool, lang: str = "en") -> TraceEntry:
    words = _TRACE_WORDS["zh" if lang == "zh" else "en"]
    labels = tuple(rule.labels)
    if excluded:
        return TraceEntry(rule=rule.rule.id, outcome="not_in_version", because=words["not_in_version"], citations=labels)
    truth, because, missing = explain_rule(compiled, rule, view, lang)
    if raw is True and effective is not True:
        beaters = [compiled.rules[o] for o in rule.overridden_by]
        held = [b for b in beaters if outcomes.effective.get(b.index) is True]
        unknown = [b for b in beaters if outcomes.effective.get(b.index) is None]
        if effective is False and held:
            b = held[0]
            return TraceEntry(rule=rule.rule.id, outcome="overridden", citations=labels,
                              because=words["overridden"].format(rule=b.rule.id, label=b.cites[0].label))
        if unknown:
            b = unknown[0]
            return TraceEntry(rule=rule.rule.id, outcome="undetermined", citations=labels,
                              missing=tuple(explain_rule(compiled, b, view, lang)[2]),
                              because=words["exception_unknown"].format(rule=b.rule.id, label=b.cites[0].label))
    outcome = {True: "fired", False: "not_fired", None: "undetermined"}[effective]
    return TraceEntry(rule=rule.rule.id, outcome=outcome, because=because, citations=labels,
                      missing=tuple(missing) if effective is None else ())
