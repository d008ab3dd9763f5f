"""Explain stage: a determination as a tree, conclusion <- rule <- article (with its words) <- facts.

A view over the evaluation: the determination's items name the rules that produced them (`rules`), the trace
gives each rule's outcome and words, and `--why-not` renders the verdicts of the plan's own condition nodes
(engine/because.py) down to the facts that are missing or false. Nothing here decides anything.
"""
from __future__ import annotations

from typing import Optional

from rich.markup import escape
from rich.tree import Tree

from .determination import Citation, CitationRef, Determination, TraceEntry
from .engine.assemble import Evaluation
from .engine.because import because
from .errors import Diagnostic, InputError, Position, did_you_mean
from .plan import conditions as n
from .plan.conclusions import output_id
from .plan.conditions import Verdict
from .plan.plan import Plan

WORDS = {
    "en": {"det": "Determination", "pack": "pack", "because": "selected because", "dishonesty": "Dishonesty information",
           "severe": "Severe-dishonesty list", "eligible": "eligible", "criteria": "criteria", "procedure": "procedure",
           "sanctions": "Sanctions", "incentives": "Incentives", "publication": "Publication", "repair": "Repair",
           "deadlines": "Deadlines", "decisions": "Decisions", "missing": "Missing facts (unknown is not false)",
           "warnings": "Warnings", "rule": "rule", "none": "none", "why_not": "Why not", "applies": "applies",
           "persons": "responsible persons", "from": "from", "due": "due", "until": "until", "undetermined": "undetermined",
           "outcomes": {"fired": "applies", "not_fired": "does not apply", "undetermined": "undetermined",
                        "overridden": "overridden by an exception", "not_in_version": "not in this version"}},
    "zh": {"det": "认定结果", "pack": "规范包", "because": "适用理由", "dishonesty": "失信信息",
           "severe": "严重失信主体名单", "eligible": "可列入", "criteria": "认定标准", "procedure": "程序",
           "sanctions": "惩戒措施", "incentives": "激励措施", "publication": "公示", "repair": "信用修复",
           "deadlines": "期限", "decisions": "其他决定", "missing": "缺少的事实（未知不等于否）",
           "warnings": "提示", "rule": "规则", "none": "无", "why_not": "为何不适用", "applies": "适用",
           "persons": "责任人", "from": "起算", "due": "届满", "until": "至", "undetermined": "待定",
           "outcomes": {"fired": "适用", "not_fired": "不适用", "undetermined": "待定", "overridden": "因例外规定不适用",
                        "not_in_version": "不属于本版本"}},
}


def _words(lang: str) -> dict:
    return WORDS["zh" if lang == "zh" else "en"]


def _article(node: Tree, citation: Citation) -> None:
    title = f"【{escape(citation.title)}】" if citation.title else ""
    node.add(f"[bold]{escape(citation.label)}[/bold]{title}：「{escape(citation.text)}」")


def _provisions(det: Determination, refs: list[CitationRef]) -> list[Citation]:
    """The words of each referenced provision, from the determination's top-level `citations`."""
    by_label = {c.label: c for c in det.citations}
    return [by_label[r.label] for r in refs if r.label in by_label]


def _trace(det: Determination) -> dict[str, TraceEntry]:
    return {e.rule: e for e in det.trace}


def _rule_node(parent: Tree, det: Determination, rules: list[str], citations: list[CitationRef], w: dict) -> None:
    entry = next((e for r in rules if (e := _trace(det).get(r)) is not None), None)
    target = parent if entry is None else parent.add(
        f"← {w['rule']} [cyan]{escape(entry.rule)}[/cyan]: {escape(entry.because)}")
    for c in _provisions(det, citations):
        _article(target, c)


def explanation_tree(det: Determination, lang: str = "en", sanction: Optional[str] = None) -> Tree:
    w = _words(lang)
    root = Tree(f"[bold]{w['det']}[/bold] {escape(det.event_id)} — {w['pack']} {det.pack.id} {det.pack.version} "
                f"({det.pack.status}); {w['because']}: {escape(det.pack.selected_because)}")
    if sanction is None:
        d = root.add(f"[bold]{w['dishonesty']}[/bold]: {det.dishonesty.level}")
        for c in _provisions(det, det.dishonesty.citations):
            _article(d, c)
        s = root.add(f"[bold]{w['severe']}[/bold]: {w['eligible']} = {_show(det.severe_list.eligible)}"
                     + (f"; {w['criteria']}: {', '.join(det.severe_list.criteria)}" if det.severe_list.criteria else ""))
        _rule_node(s, det, det.severe_list.rules, det.severe_list.citations, w)
        for step in det.severe_list.procedure:
            p = s.add(f"{w['procedure']}: {step.id} — {escape(step.title_zh)}")
            for c in _provisions(det, step.citations):
                _article(p, c)
    sanctions = [x for x in det.sanctions if sanction is None or x.id == sanction]
    if sanctions or sanction is None:
        node = root.add(f"[bold]{w['sanctions']}[/bold] ({len(sanctions)})")
        for x in sanctions:
            label = f"[green]{x.id}[/green] {escape(f'[{x.tier}, {x.target}]')} {escape(x.title_zh)}"
            if x.persons:
                label += f" — {w['persons']}: " + escape(", ".join(f"{p.name or '?'} ({p.role})" for p in x.persons))
            _rule_node(node.add(label), det, x.rules, x.citations, w)
    if sanction is not None:
        return root
    if det.incentives:
        node = root.add(f"[bold]{w['incentives']}[/bold] ({len(det.incentives)})")
        for i in det.incentives:
            _rule_node(node.add(f"[green]{i.id}[/green] {escape(i.title_zh)}"), det, i.rules, i.citations, w)
    p = det.publication
    if p.rules:
        node = root.add(f"[bold]{w['publication']}[/bold]: {_show(p.disclosure)}; start {_show(p.start)}; "
                        f"min_end {_show(p.min_end)}; max_end {_show(p.max_end)}; extended_until_removal "
                        f"{_show(p.extended_until_removal)}; after_end {_show(p.after_end)}")
        for text in p.computations:
            node.add(escape(text))
        for c in _provisions(det, p.citations):
            _article(node, c)
    r = det.repair
    if r.rules:
        node = root.add(f"[bold]{w['repair']}[/bold]: eligible {_show(r.eligible)}; earliest {_show(r.earliest)}; "
                        f"processing {_show(r.processing_working_days)} working days"
                        + (f" ({escape(r.computation)})" if r.computation else "")
                        + (f"; {escape(r.not_repairable_reason)}" if r.not_repairable_reason else ""))
        for c in _provisions(det, r.citations):
            _article(node, c)
    if det.deadlines:
        node = root.add(f"[bold]{w['deadlines']}[/bold]")
        for x in det.deadlines:
            sub = node.add(f"[green]{x.id}[/green]: {x.working_days} working days, {w['from']} {_show(x.from_)}, "
                           f"{w['due']} {_show(x.due)}" + (f" ({escape(x.computation)})" if x.computation else ""))
            for c in _provisions(det, x.citations):
                _article(sub, c)
    if det.decisions:
        node = root.add(f"[bold]{w['decisions']}[/bold]")
        for x in det.decisions:
            sub = node.add(f"[green]{x.id}[/green] = {escape(_show(x.value))}"
                           + (f", {w['until']} {x.until} ({escape(x.computation or '')})" if x.until else ""))
            for c in _provisions(det, x.citations):
                _article(sub, c)
    if det.missing_facts:
        root.add(f"[bold yellow]{w['missing']}[/bold yellow]: {', '.join(det.missing_facts)}")
    if det.warnings:
        node = root.add(f"[bold yellow]{w['warnings']}[/bold yellow]")
        for text in det.warnings:
            node.add(escape(text))
    return root


def _show(value) -> str:
    from .engine.because import show
    if value is None:
        return "—"
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return ", ".join(f"{v.get('name') or '?'} ({v.get('role')})" for v in value)
    return show(value)


def known_outcome_ids(plan: Plan) -> dict[str, list[str]]:
    """Every id a user may ask about (sanction, incentive, decision, deadline, step, or a rule id) -> rule ids."""
    ids: dict[str, list[str]] = {}
    for rule in plan.rules:
        ids.setdefault(rule.id, []).append(rule.id)
        for con in rule.conclusions:
            oid = output_id(con)
            if oid is not None and rule.id not in ids.setdefault(oid, []):
                ids[oid].append(rule.id)
    return ids


def unknown_outcome(plan: Plan, target: str) -> InputError:
    ids = known_outcome_ids(plan)
    return InputError([Diagnostic("unknown-outcome", f"no sanction, incentive, decision, deadline or rule `{target}` "
                                  f"in pack {plan.id}", Position(), did_you_mean(target, ids))])


def why_not_tree(found: Evaluation, target: str, lang: str = "en") -> Tree:
    """Why `target` (an outcome id or a rule id) does or does not apply: each rule that could conclude it, its
    verdict, and below it the parts that failed or are unknown, down to the facts."""
    w = _words(lang)
    plan, det = found.plan, found.determination
    ids = known_outcome_ids(plan)
    if target not in ids:
        raise unknown_outcome(plan, target)
    root = Tree(f"[bold]{w['why_not']}[/bold] {escape(target)}? ({escape(det['event_id'])}, {plan.id} "
                f"{det['pack']['version']})")
    labels = {c["label"]: c for c in det["citations"]}
    for rule_id in ids[target]:
        rule = plan.rule(rule_id)
        outcome = found.outcome(rule)
        verdict = found.verdict(rule)
        style = {"fired": "green", "not_fired": "red", "overridden": "magenta", "undetermined": "yellow"}.get(outcome, "white")
        node = root.add(f"{w['rule']} [cyan]{escape(rule_id)}[/cyan]: [{style}]{w['outcomes'][outcome]}[/{style}] — "
                        f"{escape(because(verdict, lang))}")
        if verdict.missing and outcome == "undetermined":
            node.add(f"[yellow]{w['missing']}[/yellow]: {', '.join(verdict.missing)}")
        for cite in rule.cites:
            prov = plan.provisions[cite]
            entry = labels.get(prov.label)
            node.add(f"[bold]{escape(prov.label)}[/bold]：「{escape(entry['text'] if entry else prov.text)}」")
        _why_parts(node, found, verdict, lang, w, depth=0)
    return root


def _why_parts(parent: Tree, found: Evaluation, verdict: Verdict, lang: str, w: dict, depth: int) -> None:
    """Below a verdict that is not true: each part that is false or unknown, down to the facts; a rule it reads is
    explained in turn."""
    if verdict.truth is True or depth > 12:
        return
    node = verdict.node
    if isinstance(node, n.RuleHolds):
        rule = found.plan.rule(node.rule)
        inner = found.verdict(rule)
        outcome = found.outcome(rule)
        sub = parent.add(f"{w['rule']} [cyan]{escape(rule.id)}[/cyan]: {w['outcomes'][outcome]} — "
                         f"{escape(because(inner, lang))}")
        _why_parts(sub, found, inner, lang, w, depth + 1)
        return
    if not isinstance(node, (n.All, n.AnyOf, n.Not)):
        return
    for child in verdict.children:
        if child.truth is True and not isinstance(node, n.Not):
            continue
        if isinstance(child.node, (n.All, n.AnyOf, n.Not)):
            _why_parts(parent, found, child, lang, w, depth + 1)
            continue
        mark = "[yellow]?[/yellow] " if child.truth is None else "[red]✗[/red] " if child.truth is False else "[red]![/red] "
        leaf = parent.add(mark + escape(because(child, lang)))
        if isinstance(child.node, n.RuleHolds):
            _why_parts(leaf, found, child, lang, w, depth + 1)
