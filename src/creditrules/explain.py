"""Explain stage: a determination as a tree, conclusion <- rule <- article (with its words) <- facts.

A view over the same trace the JSON carries: nothing here re-decides anything.
"""
from __future__ import annotations

from rich.markup import escape
from rich.tree import Tree

from .compile import CompiledPack
from .determination import Citation, Determination, TraceEntry
from .errors import did_you_mean

WORDS = {
    "en": {"det": "Determination", "pack": "pack", "because": "selected because", "dishonesty": "Dishonesty information",
           "severe": "Severe-dishonesty list", "eligible": "eligible", "criteria": "criteria", "procedure": "procedure",
           "sanctions": "Sanctions", "incentives": "Incentives", "publication": "Publication", "repair": "Repair",
           "deadlines": "Deadlines", "decisions": "Decisions", "missing": "Missing facts (unknown is not false)",
           "warnings": "Warnings", "rule": "rule", "none": "none", "why_not": "Why not", "applies": "applies",
           "persons": "responsible persons", "from": "from", "due": "due", "until": "until", "undetermined": "undetermined"},
    "zh": {"det": "认定结果", "pack": "规范包", "because": "适用理由", "dishonesty": "失信信息",
           "severe": "严重失信主体名单", "eligible": "可列入", "criteria": "认定标准", "procedure": "程序",
           "sanctions": "惩戒措施", "incentives": "激励措施", "publication": "公示", "repair": "信用修复",
           "deadlines": "期限", "decisions": "其他决定", "missing": "缺少的事实（未知不等于否）",
           "warnings": "提示", "rule": "规则", "none": "无", "why_not": "为何不适用", "applies": "适用",
           "persons": "责任人", "from": "起算", "due": "届满", "until": "至", "undetermined": "待定"},
}


def _article(node: Tree, citation: Citation) -> None:
    title = f"【{escape(citation.title)}】" if citation.title else ""
    node.add(f"[bold]{escape(citation.label)}[/bold]{title}：「{escape(citation.text)}」")


def _rule_node(parent: Tree, entry: TraceEntry | None, citations: list[Citation], w: dict) -> None:
    if entry is None:
        for c in citations:
            _article(parent, c)
        return
    rule_node = parent.add(f"← {w['rule']} [cyan]{entry.rule}[/cyan]: {escape(entry.because)}")
    for c in citations:
        _article(rule_node, c)


def _trace_for(det: Determination, compiled: CompiledPack, kind: str, out_id: str) -> TraceEntry | None:
    for entry in det.trace:
        rule = compiled.by_id.get(entry.rule)
        if rule is None or entry.outcome != "fired":
            continue
        for con in rule.rule.then:
            if con.kind == kind and (con.fields.get("id") or entry.rule) == out_id:
                return entry
    return None


def explanation_tree(det: Determination, compiled: CompiledPack, lang: str = "en", sanction: str | None = None) -> Tree:
    w = WORDS[lang]
    root = Tree(f"[bold]{w['det']}[/bold] {det.event_id} — {w['pack']} {det.pack.id} {det.pack.version} "
                f"({det.pack.status}); {w['because']}: {det.pack.selected_because}")
    if sanction is None:
        d = root.add(f"[bold]{w['dishonesty']}[/bold]: {det.dishonesty.level}")
        for c in det.dishonesty.citations:
            _article(d, c)
        s = root.add(f"[bold]{w['severe']}[/bold]: {w['eligible']} = {det.severe_list.eligible}"
                     + (f"; {w['criteria']}: {', '.join(det.severe_list.criteria)}" if det.severe_list.criteria else ""))
        for crit in det.severe_list.criteria:
            entry = next((e for e in det.trace if e.rule == crit), None)
            rule = compiled.by_id[crit]
            _rule_node(s, entry, [_cit(det, rc) for rc in rule.cites], w)
        for step in det.severe_list.procedure:
            p = s.add(f"{w['procedure']}: {step.id} — {step.title_zh}")
            for c in step.citations:
                _article(p, c)
    sanctions = [x for x in det.sanctions if sanction is None or x.id == sanction]
    if sanctions or sanction is None:
        node = root.add(f"[bold]{w['sanctions']}[/bold] ({len(sanctions)})")
        for x in sanctions:
            label = f"[green]{x.id}[/green] {escape(f'[{x.tier}, {x.target}]')} {escape(x.title_zh)}"
            if x.persons:
                label += f" — {w['persons']}: " + escape(", ".join(f"{p.name or '?'} ({p.role})" for p in x.persons))
            _rule_node(node.add(label), _trace_for(det, compiled, "sanction", x.id), x.citations, w)
    if sanction is not None:
        return root
    if det.incentives:
        node = root.add(f"[bold]{w['incentives']}[/bold] ({len(det.incentives)})")
        for x in det.incentives:
            _rule_node(node.add(f"[green]{x.id}[/green] {x.title_zh}"), _trace_for(det, compiled, "incentive", x.id), x.citations, w)
    p = det.publication
    if p.citations:
        node = root.add(f"[bold]{w['publication']}[/bold]: {p.disclosure}; start {p.start}; min_end {p.min_end}; "
                        f"max_end {p.max_end}; extended_until_removal {p.extended_until_removal}; after_end {p.after_end}")
        for text in p.computations:
            node.add(escape(text))
        for c in p.citations:
            _article(node, c)
    r = det.repair
    if r.citations:
        node = root.add(f"[bold]{w['repair']}[/bold]: eligible {r.eligible}; earliest {r.earliest}; "
                        f"processing {r.processing_working_days} working days"
                        + (f" ({r.computation})" if r.computation else "")
                        + (f"; {r.not_repairable_reason}" if r.not_repairable_reason else ""))
        for c in r.citations:
            _article(node, c)
    if det.deadlines:
        node = root.add(f"[bold]{w['deadlines']}[/bold]")
        for x in det.deadlines:
            sub = node.add(f"[green]{x.id}[/green]: {x.working_days} working days, {w['from']} {x.from_}, {w['due']} {x.due}"
                           + (f" ({x.computation})" if x.computation else ""))
            for c in x.citations:
                _article(sub, c)
    if det.decisions:
        node = root.add(f"[bold]{w['decisions']}[/bold]")
        for x in det.decisions:
            sub = node.add(f"[green]{x.id}[/green] = {x.value}" + (f", {w['until']} {x.until} ({x.computation})" if x.until else ""))
            for c in x.citations:
                _article(sub, c)
    if det.missing_facts:
        root.add(f"[bold yellow]{w['missing']}[/bold yellow]: {', '.join(det.missing_facts)}")
    if det.warnings:
        node = root.add(f"[bold yellow]{w['warnings']}[/bold yellow]")
        for text in det.warnings:
            node.add(escape(text))
    return root


def _cit(det: Determination, rc) -> Citation:
    return next((c for c in det.citations if c.label == rc.label),
                Citation(document=rc.cite.document, article=rc.cite.article, paragraph=rc.cite.paragraph,
                         item=rc.cite.item, label=rc.label, title=rc.title, text=rc.text))


def known_outcome_ids(compiled: CompiledPack) -> dict[str, list[str]]:
    """Every id a user may ask about (sanction, incentive, decision, deadline, step, or a rule id) -> rule ids."""
    ids: dict[str, list[str]] = {}
    for rule in compiled.rules:
        ids.setdefault(rule.rule.id, []).append(rule.rule.id)
        for con in rule.rule.then:
            if "id" in con.fields:
                ids.setdefault(con.fields["id"], []).append(rule.rule.id)
    return ids


def why_not_tree(det: Determination, compiled: CompiledPack, target: str, lang: str = "en") -> Tree:
    """Why `target` (an outcome id or a rule id) does or does not apply: each rule that could conclude it, with the
    condition that failed or the fact that is missing. KeyError with a suggestion if the id is unknown."""
    w = WORDS[lang]
    ids = known_outcome_ids(compiled)
    if target not in ids:
        raise KeyError(" ".join(filter(None, [f"no sanction, incentive, decision, deadline or rule `{target}` in pack "
                                              f"{compiled.pack.id}", did_you_mean(target, ids)])))
    root = Tree(f"[bold]{w['why_not']}[/bold] {target}? ({det.event_id}, {det.pack.id} {det.pack.version})")
    by_rule = {e.rule: e for e in det.trace}
    for rule_id in dict.fromkeys(ids[target]):
        entry = by_rule.get(rule_id)
        rule = compiled.by_id[rule_id]
        if entry is None:
            continue
        style = {"fired": "green", "not_fired": "red", "overridden": "magenta", "undetermined": "yellow"}.get(entry.outcome, "white")
        verdict = w["applies"] if entry.outcome == "fired" else entry.outcome
        node = root.add(f"{w['rule']} [cyan]{rule_id}[/cyan]: [{style}]{verdict}[/{style}] — {entry.because}")
        if entry.missing:
            node.add(f"[yellow]{w['missing']}[/yellow]: {', '.join(entry.missing)}")
        for rc in rule.cites:
            _article(node, _cit(det, rc))
        for rid in _reads(rule):
            sub = by_rule.get(rid)
            if sub is not None and sub.outcome != "fired":
                node.add(f"{w['rule']} [cyan]{rid}[/cyan]: {sub.outcome} — {sub.because}")
    return root


def _reads(rule) -> list[str]:
    from .validate import rule_dependencies
    return rule_dependencies(rule.rule)
