"""`creditrules weave J`: the pack woven with its law, in Catala's literate style. One self-contained HTML page in
which each article of the held text (in order, with its paragraphs and items) is followed by its ledger status and
the rules that cite it: for each rule its condition and its conclusions in plain words (zh or en, the vocabulary's
names), and the test cases that make it true, false and undetermined.

The cases are run once, with the full trace, by `tools.coverage.coverage_report` (the same accounting as the
coverage page); the conditions and conclusions come from the compiled plan (`creditrules.api.plan_for` /
the workspace's `compiled`). Every text shown goes through `html.esc`.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..lawtext import int_to_cn
from ..plan import conditions as n
from ..plan.render import _node_text, conclusion_data
from ..workspace import default_workspace
from .coverage import LABELS, OUTCOMES, SHOWN, CoverageReport, coverage_report
from .html import esc, page

OPS = {"eq": "=", "ne": "≠", "lt": "<", "lte": "≤", "gt": ">", "gte": "≥"}
WORDS = {
    "zh": {"and": " 且 ", "or": " 或 ", "not": "并非", "always": "（无条件）", "kind": "事件类型为",
           "subject": "主体为", "conduct": "行为包括", "basis": "依据为", "fact": "事实", "holds": "成立",
           "present": "已给出",
           "includes": "包含", "rule": "规则", "age": "事件时年龄", "date": "日期", "in": "为",
           "when": "条件", "then": "结论", "cases": "测试用例", "none": "（尚无用例）", "ledger": "台账",
           "more": "个用例",
           "no_rule": "没有规则引用本条。", "not_in_ledger": "台账未列", "cites": "引用"},
    "en": {"and": " and ", "or": " or ", "not": "not ", "always": "(always)", "kind": "the event is", "subject":
           "the subject is", "conduct": "the conduct includes", "basis": "the basis is", "fact": "fact", "holds":
           "holds", "present": "is given", "includes": "includes", "rule": "rule", "age": "age at the event",
           "date": "date", "in": "is", "when": "when", "then": "then", "cases": "test cases", "none": "(no case yet)",
           "ledger": "ledger", "more": "more cases", "no_rule": "No rule cites this article.",
           "not_in_ledger": "not in the ledger",
           "cites": "cites"},
}


@dataclass
class Woven:
    coverage: CoverageReport
    plan: Any
    vocab: Any


def weave(pack_dir, evaluator: str = "reference") -> Woven:
    """The data of the page: the coverage report (cases run once, full trace), the plan, the vocabulary."""
    from .schema import vocabulary_for
    plan = default_workspace().compiled(pack_dir)
    return Woven(coverage_report(pack_dir, evaluator), plan, vocabulary_for(Path(pack_dir)))


def _name(vocab, section: str, name: Any, lang: str) -> str:
    term = vocab.sections.get(section, {}).get(str(name))
    word = getattr(term, lang, None) if term is not None else None
    return f"{word} ({name})" if word else str(name)


def condition_words(node: Any, vocab, lang: str) -> str:
    """A condition in plain words, with the vocabulary's names; a leaf without words falls back to its data."""
    w = WORDS[lang]
    if isinstance(node, (n.All, n.AnyOf)):
        word = w["and"] if isinstance(node, n.All) else w["or"]
        parts = [condition_words(x, vocab, lang) for x in node.children]
        return "（" + word.join(parts) + "）" if lang == "zh" else "(" + word.join(parts) + ")"
    if isinstance(node, n.Not):
        return w["not"] + condition_words(node.child, vocab, lang)
    if isinstance(node, n.Always):
        return w["always"]
    if isinstance(node, n.KindIn):
        return f"{w['kind']} " + " / ".join(_name(vocab, "kinds", v, lang) for v in node.shown)
    if isinstance(node, n.SubjectIn):
        return f"{w['subject']} " + " / ".join(str(v) for v in node.shown)
    if isinstance(node, n.ConductAny):
        return f"{w['conduct']} " + " / ".join(_name(vocab, "conduct", v, lang) for v in node.shown)
    if isinstance(node, n.BasisIn):
        return f"{w['basis']} " + " / ".join(str(v) for v in node.shown)
    if isinstance(node, n.FactIs):
        return f"{w['fact']} {_name(vocab, 'facts', node.name, lang)}"
    if isinstance(node, n.FactCompare):
        return f"{w['fact']} {_name(vocab, 'facts', node.name, lang)} {OPS.get(node.op, node.op)} {node.value}"
    if isinstance(node, n.FactIn):
        return (f"{w['fact']} {_name(vocab, 'facts', node.name, lang)} {w['in']} "
                + " / ".join(str(v) for v in node.shown))
    if isinstance(node, n.FactIncludesAny):
        return (f"{w['fact']} {_name(vocab, 'facts', node.name, lang)} {w['includes']} "
                + " / ".join(str(v) for v in node.shown))
    if isinstance(node, n.Present):
        return f"{node.path} {w['present']}"
    if isinstance(node, n.RuleHolds):
        return f"{w['rule']} {node.rule} {w['holds']}"
    if isinstance(node, n.AgeCompare):
        return f"{w['age']} {OPS.get(node.op, node.op)} {node.value}"
    return _node_text(node)


CONCLUSIONS = {
    "DishonestyLevel": ("失信信息等级", "dishonesty level"),
    "SevereCriterion": ("严重失信认定标准", "severe criterion"),
    "SevereListing": ("严重失信主体名单", "severe list"), "ProcedureStep": ("程序步骤", "procedure step"),
    "Sanction": ("惩戒措施", "sanction"), "Incentive": ("激励措施", "incentive"),
    "PublicationTerms": ("公示期限", "publication terms"), "RepairTerms": ("信用修复", "repair terms"),
    "Deadline": ("期限", "deadline"), "Decision": ("认定", "decision"), "Notice": ("提示", "notice"),
    "Deferral": ("另行规定", "deferral"),
}


def conclusion_words(con, plan, lang: str = "zh") -> str:
    """A conclusion as `what: its arguments` (the kind named in zh or en, empty arguments left out)."""
    data = conclusion_data(con, plan)
    kind = next(k for k in data if k != "cite")
    args = "; ".join(f"{k}: {v}" for k, v in data[kind].items() if v not in (None, [], {}, ""))
    name = CONCLUSIONS.get(kind, (kind, kind))[0 if lang == "zh" else 1]
    return f"{name} — {args}" if args else name


def render_html(woven: Woven, lang: str = "zh") -> str:
    report, plan, w = woven.coverage, woven.plan, WORDS[lang]
    parts = [f"<h1>{esc(report.title)}</h1>",
             f'<p class="muted">{esc(report.pack)} · {esc(report.directory)} · {len(report.rules)} rules · '
             f"{report.cases} {esc(w['cases'])}</p>"]
    chapter = None
    for article in report.articles:
        if article.chapter and article.chapter != chapter:
            chapter = article.chapter
            parts.append(f"<h2>{esc(chapter)}</h2>")
        parts.append(_article(article, report, plan, woven.vocab, lang))
    return page(f"{report.pack} · weave", "\n".join(parts), lang)


def _article(article, report, plan, vocab, lang: str) -> str:
    w = WORDS[lang]
    status = article.ledger or w["not_in_ledger"]
    out = [f'<section class="article" id="{esc(article.document)}-{article.number}" '
           f'data-article="{article.number}" data-document="{esc(article.document)}">',
           f'<h3>{esc(article.label.split("》")[-1])}'
           + (f"【{esc(article.title)}】" if article.title else "")
           + f'<span class="badge {esc(article.ledger or "")}" data-ledger="{esc(status)}">{esc(w["ledger"])}: '
           f"{esc(status)}</span></h3>"]
    if article.note:
        out.append(f'<p class="muted small">{esc(article.note)}</p>')
    out.append('<div class="law">')
    for prov in article.provisions[1:]:
        marker = f"（{int_to_cn(int(prov.cite.rsplit('.', 1)[-1]))}）" if prov.level == "item" else ""
        cls = "item" if prov.level == "item" else ""
        out.append(f'<p class="{cls}" data-cite="{esc(prov.cite)}"><span class="muted small">{esc(prov.cite)}</span> '
                   f"{esc(marker)}{esc(prov.text)}</p>")
    out.append("</div>")
    if not article.rules:
        out.append(f'<p class="muted small">{esc(w["no_rule"])}</p>')
    for rule_id in article.rules:
        rule = plan.rule(rule_id)
        cov = report.rules[rule_id]
        out.append(f'<div class="rule" data-rule="{esc(rule_id)}"><p><code>{esc(rule_id)}</code>'
                   + (f" {esc(rule.title)}" if rule.title else "")
                   + f' <span class="muted small">{esc(w["cites"])} {esc(", ".join(cov.cites))} · '
                   f"{esc(cov.file)}:{cov.line}</span></p>")
        out.append(f'<p class="small"><b>{esc(w["when"])}</b> {esc(condition_words(rule.condition, vocab, lang))}</p>')
        for con in rule.conclusions:
            words = conclusion_words(con, plan, lang)
            out.append(f'<p class="small"><b>{esc(w["then"])}</b> <code>{esc(words)}</code></p>')
        cells = []
        for o in OUTCOMES:
            label = LABELS[o][0 if lang == "zh" else 1]
            if o not in cov.possible:
                cells.append(f'<td class="na">{esc(label)}: n/a</td>')
                continue
            refs = cov.cases[o]
            items = [f'<li title="{esc(r.file)}:{r.line}">{esc(r.name)}</li>' for r in refs]
            more = (f'<details><summary class="small">+{len(items) - SHOWN} {esc(w["more"])}</summary>'
                    f'<ul class="cases">{"".join(items[SHOWN:])}</ul></details>' if len(items) > SHOWN else "")
            cells.append(f'<td class="{"ok" if refs else "gap"}" data-outcome="{o}" data-count="{len(refs)}">'
                         f'{esc(label)} ({len(refs)}): '
                         + (f'<ul class="cases">{"".join(items[:SHOWN])}</ul>{more}' if refs else esc(w["none"]))
                         + "</td>")
        out.append(f"<table><tr>{''.join(cells)}</tr></table></div>")
    out.append("</section>")
    return "\n".join(out)
