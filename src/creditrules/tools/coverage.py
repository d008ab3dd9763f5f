"""Coverage a lawyer can read: per article (paragraph, item) of the held text, the rules that encode it, and for
each rule the test cases that make it true, false and undetermined.

Each case runs with the full trace (`tools.testing.run_case`); a rule's outcome in a case is read from the trace:

- `fired` is **true**; `undetermined` is **undetermined**; `not_fired` is **false**, and `overridden` too (an
  exception beat the rule: its effective outcome is false; shown as such);
- a rule that cannot hold for the event's kind at all (the plan's kind shortcut, `Plan.candidates`) is false for
  every event of another kind: that says nothing about the rule's other conditions, so it is not counted as a
  test of "false" (except for a rule that tests nothing but the kind);
- `not_in_version` is not counted. Only passing cases count (a failing case is reported apart).

Which outcomes a rule can have is worked out from its condition: "false" unless it has no condition and no
exception; "undetermined" when some leaf can be unknown (a fact, conduct, basis, a date, an age, or a rule that can
itself be undetermined), or an exception can be. A rule is complete when every outcome it can have is exercised;
the score is the share of (rule, possible outcome) pairs exercised.

Wrong-item citations. `33.1.9` written for `33.1.2` is a valid citation, so no syntax check can see it. A cheap
heuristic that does: the rule's `title` (and the `title_zh` of its conclusions) is usually the provision's own
words. When a title shares few character pairs (bigrams) with the provision it cites, but most of them with a
sibling provision the rule does not cite (another item of that paragraph, another paragraph of that article), the
report warns. On the four shipped packs it warns on none of 312 checkable citations, and it catches 539 of 552
simulated swaps of an item for its sibling (`tests/test_tools_coverage.py` holds the measurement's logic). It is
silent for rules without a title in the law's words: those are left to the second reader.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..lawtext import Cite, int_to_cn, resolve
from ..load import display_path
from ..plan import conditions as c
from ..workspace import default_workspace
from .html import esc, page

OUTCOMES = ("true", "false", "undetermined")
SHOWN = 4                  # case names shown per outcome in the HTML page (the rest folded in <details>)
LABELS = {"true": ("是", "true"), "false": ("否", "false"), "undetermined": ("不确定", "undetermined")}


@dataclass
class CaseRef:
    name: str
    file: str
    line: int
    overridden: bool = False

    def as_dict(self) -> dict:
        return {"name": self.name, "file": self.file, "line": self.line, **({"overridden": True} if self.overridden
                                                                              else {})}


@dataclass
class RuleCoverage:
    id: str
    title: str | None
    file: str
    line: int
    cites: list[str]
    possible: tuple[str, ...]
    cases: dict[str, list[CaseRef]] = field(default_factory=lambda: {o: [] for o in OUTCOMES})

    @property
    def missing(self) -> list[str]:
        return [o for o in self.possible if not self.cases[o]]

    @property
    def complete(self) -> bool:
        return not self.missing

    def as_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "file": self.file, "line": self.line, "cites": self.cites,
                "possible": list(self.possible), "missing": self.missing, "complete": self.complete,
                "outcomes": {o: [ref.as_dict() for ref in self.cases[o]] for o in OUTCOMES}}


@dataclass
class Provision:
    cite: str                     # compact form: 33, 33.1, 33.1.2
    level: str                    # article | paragraph | item
    label: str
    text: str
    rules: list[str]


@dataclass
class ArticleCoverage:
    document: str
    number: int
    label: str
    title: str | None
    chapter: str | None
    ledger: str | None
    note: str | None
    provisions: list[Provision]
    rules: list[str]              # every rule citing the article or a part of it, in pack order

    def as_dict(self, rules: dict[str, RuleCoverage]) -> dict:
        return {"document": self.document, "article": self.number, "label": self.label, "title": self.title,
                "chapter": self.chapter, "ledger": self.ledger, "note": self.note, "rules": self.rules,
                "complete": all(rules[r].complete for r in self.rules) if self.rules else None,
                "provisions": [{"cite": p.cite, "level": p.level, "label": p.label, "text": p.text, "rules": p.rules}
                               for p in self.provisions]}


@dataclass
class CitationWarning:
    rule: str
    cite: str
    better: str
    title: str
    file: str
    line: int
    score: float
    better_score: float

    @property
    def message(self) -> str:
        return (f"rule `{self.rule}` cites {self.cite}, but its title `{self.title}` reads like {self.better} "
                f"({self.better_score:.0%} of its character pairs there, {self.score:.0%} in {self.cite}): "
                "a citation of the wrong item?")

    def as_dict(self) -> dict:
        return {"rule": self.rule, "cite": self.cite, "better": self.better, "title": self.title, "file": self.file,
                "line": self.line, "message": self.message}


@dataclass
class CoverageReport:
    pack: str
    directory: str
    title: str
    cases: int
    failing: list[CaseRef]
    rules: dict[str, RuleCoverage]
    articles: list[ArticleCoverage]
    warnings: list[CitationWarning]
    errors: list = field(default_factory=list)          # the pack or a test file is invalid

    @property
    def possible(self) -> int:
        return sum(len(r.possible) for r in self.rules.values())

    @property
    def exercised(self) -> int:
        return sum(len(r.possible) - len(r.missing) for r in self.rules.values())

    @property
    def percent(self) -> float:
        return 100.0 * self.exercised / self.possible if self.possible else 100.0

    def summary(self) -> dict:
        encoded = [a for a in self.articles if a.rules]
        return {"rules": len(self.rules), "rules_complete": sum(1 for r in self.rules.values() if r.complete),
                "outcomes_possible": self.possible, "outcomes_exercised": self.exercised,
                "percent": round(self.percent, 1), "articles": len(self.articles),
                "articles_with_rules": len(encoded),
                "articles_complete": sum(1 for a in encoded if all(self.rules[r].complete for r in a.rules)),
                "cases": self.cases, "failing_cases": len(self.failing), "citation_warnings": len(self.warnings)}

    def as_json(self) -> dict:
        return {"pack": self.pack, "directory": self.directory, "title": self.title, "summary": self.summary(),
                "failing_cases": [f.as_dict() for f in self.failing],
                "articles": [a.as_dict(self.rules) for a in self.articles],
                "rules": [r.as_dict() for r in self.rules.values()],
                "citation_warnings": [w.as_dict() for w in self.warnings]}


# --- what a rule can do --------------------------------------------------------------------------------------------

def _can_be_unknown(node: Any, rule_unknown) -> bool:
    if isinstance(node, (c.All, c.AnyOf)):
        return any(_can_be_unknown(child, rule_unknown) for child in node.children)
    if isinstance(node, c.Not):
        return _can_be_unknown(node.child, rule_unknown)
    if isinstance(node, c.RuleHolds):
        return rule_unknown(node.rule)
    # never unknown: the kind and subject type are always given, `present:` is true or false (docs/pack-format.md
    # section 5); every other leaf (a new one too) is taken to be possibly unknown
    return not isinstance(node, (c.Always, c.KindIn, c.SubjectIn, c.Present))


def _kind_only(node: Any) -> bool:
    """A condition made of `kind:` tests alone: its "false" is the event being of another kind."""
    if isinstance(node, (c.All, c.AnyOf)):
        return all(_kind_only(child) for child in node.children)
    return isinstance(node, c.KindIn)


def possible_outcomes(plan) -> dict[str, tuple[str, ...]]:
    """rule id -> the outcomes its (effective) condition can have (module docstring)."""
    memo: dict[str, bool] = {}

    def unknown(rule_id: str) -> bool:
        if rule_id not in memo:
            memo[rule_id] = False                               # a cycle is a validation error: never reached
            rule = plan.rule(rule_id)
            memo[rule_id] = _can_be_unknown(rule.condition, unknown) or any(
                unknown(plan.rules[i].id) for i in rule.overridden_by)
        return memo[rule_id]

    out = {}
    for rule in plan.rules:
        always = isinstance(rule.condition, c.Always) and not rule.overridden_by
        out[rule.id] = ("true",) + (() if always else ("false",)) + (("undetermined",) if unknown(rule.id) else ())
    return out


def _candidates(plan) -> dict[int, set[tuple[str, str]]]:
    """rule index -> the (version, kind) pairs under which the plan decides it (else it is false by its kind)."""
    out: dict[int, set[tuple[str, str]]] = {r.index: set() for r in plan.rules}
    for key, strata in plan.candidates.items():
        for stratum in strata:
            for index in stratum:
                out[index].add(key)
    return out


# --- wrong-item citations (module docstring) ---------------------------------------------------------------------

def _bigrams(text: str) -> set[str]:
    kept = "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")
    return {kept[i:i + 2] for i in range(len(kept) - 1)}


def _share(title: str, text: str) -> float:
    grams = _bigrams(title)
    return len(grams & _bigrams(text)) / len(grams) if grams else 0.0


def siblings_of(law, cite: Cite) -> dict[Cite, str]:
    """The provisions a citation could have been confused with, with their words: the items of its paragraph (for
    an item), the paragraphs of its article (for a paragraph); empty for an article or a provision not held."""
    article = law.articles.get(cite.article)
    if article is None or cite.paragraph is None or not 0 < cite.paragraph <= len(article.paragraphs):
        return {}
    if cite.item is not None:
        items = article.paragraphs[cite.paragraph - 1].items
        return {Cite(cite.document, cite.article, cite.paragraph, i.number): i.text for i in items}
    return {Cite(cite.document, cite.article, p.number): p.text for p in article.paragraphs}


def better_provision(title: str, cite: Cite, siblings: dict[Cite, str], cited) -> tuple[Cite, float, float] | None:
    """(the sibling the title reads like, the title's share in the cited provision, in that sibling), or None: the
    title shares at least half its character pairs with a sibling the rule does not cite, and at least twice (plus
    0.2) what it shares with the provision cited."""
    if cite not in siblings or len(siblings) < 2 or len(_bigrams(title)) < 3:
        return None
    mine = _share(title, siblings[cite])
    best = max((k for k in siblings if k != cite), key=lambda k: _share(title, siblings[k]))
    theirs = _share(title, siblings[best])
    if theirs >= 0.5 and theirs >= 2 * mine + 0.2 and best not in cited:
        return best, mine, theirs
    return None


def citation_warnings(plan) -> list[CitationWarning]:
    out = []
    pack = plan.pack
    for rule in plan.rules:
        src = rule.source
        titles = [t for t in [src.title, *(con.fields.get("title_zh") for con in src.then)] if isinstance(t, str)]
        cited = set(src.all_cites())
        for title in titles:
            for cite in src.all_cites():
                doc = pack.documents.get(cite.document)
                if doc is None or doc.law is None:
                    continue
                found = better_provision(title, cite, siblings_of(doc.law, cite), cited)
                if found:
                    best, mine, theirs = found
                    out.append(CitationWarning(src.id, cite.compact(pack.default_document),
                                               best.compact(pack.default_document), title, src.pos.file, src.pos.line,
                                               mine, theirs))
    return out


# --- the report ----------------------------------------------------------------------------------------------------

def coverage_report(pack_dir, evaluator: str = "reference") -> CoverageReport:
    """Run the pack's cases with the full trace and account for every article and every rule's outcomes.
    PackError when the pack or a test file is invalid."""
    from .testing import run_pack_tests
    plan = default_workspace().compiled(pack_dir)
    pack = plan.pack
    results = run_pack_tests(pack_dir, evaluator)
    possible = possible_outcomes(plan)
    candidates = _candidates(plan)
    kind_only = {r.id: _kind_only(r.condition) and not r.overridden_by for r in plan.rules}
    rules: dict[str, RuleCoverage] = {}
    for rule in plan.rules:
        rules[rule.id] = RuleCoverage(rule.id, rule.title, rule.source.pos.file, rule.source.pos.line,
                                      [ci.compact(pack.default_document) for ci in rule.cites], possible[rule.id])
    failing = []
    for result in results:
        ref = CaseRef(result.case.name, result.case.pos.file, result.case.pos.line)
        if not result.ok:
            failing.append(ref)
            continue
        key = (result.version, result.kind)
        for rule in plan.rules:
            outcome = result.outcomes.get(rule.id)
            if outcome == "fired":
                rules[rule.id].cases["true"].append(ref)
            elif outcome == "undetermined":
                rules[rule.id].cases["undetermined"].append(ref)
            elif outcome == "overridden":
                rules[rule.id].cases["false"].append(CaseRef(ref.name, ref.file, ref.line, True))
            elif outcome == "not_fired" and (key in candidates[rule.index] or kind_only[rule.id]):
                rules[rule.id].cases["false"].append(ref)
    articles = _articles(plan)
    title = " + ".join(d.title_zh for d in pack.documents.values())
    return CoverageReport(pack.id, display_path(Path(pack_dir)), title, len(results), failing, rules, articles,
                          citation_warnings(plan))


def _articles(plan) -> list[ArticleCoverage]:
    pack = plan.pack
    citing: dict[Cite, list[str]] = {}
    for rule in plan.rules:
        for cite in rule.cites:
            citing.setdefault(cite, []).append(rule.id)
    ledger = {(e.document, e.article): e for e in pack.ledger}
    out = []
    for doc in pack.documents.values():
        if doc.law is None:
            continue
        for number in sorted(doc.law.articles):
            article = doc.law.articles[number]
            provisions = []
            top = Cite(doc.id, number)
            label, _ = _label(doc.law, top)
            provisions.append(Provision(top.compact(pack.default_document), "article", label,
                                        article.full_text(), citing.get(top, [])))
            for p in article.paragraphs:
                pc = Cite(doc.id, number, p.number)
                provisions.append(Provision(pc.compact(pack.default_document), "paragraph", _label(doc.law, pc)[0],
                                            p.text, citing.get(pc, [])))
                for i in p.items:
                    ic = Cite(doc.id, number, p.number, i.number)
                    provisions.append(Provision(ic.compact(pack.default_document), "item", _label(doc.law, ic)[0],
                                                i.text, citing.get(ic, [])))
            rule_ids = list(dict.fromkeys(r for prov in provisions for r in prov.rules))
            entry = ledger.get((doc.id, number))
            out.append(ArticleCoverage(doc.id, number, label, article.title, article.chapter,
                                       entry.status if entry else None, entry.note if entry else None, provisions,
                                       [r.id for r in plan.rules if r.id in rule_ids]))
    return out


def _label(law, cite: Cite) -> tuple[str, str]:
    found = resolve(law, cite)
    if isinstance(found, str):
        return f"第{int_to_cn(cite.article)}{law.article_word}", ""
    return found


# --- text ----------------------------------------------------------------------------------------------------------

def render_text(report: CoverageReport, show_all: bool = False) -> str:
    s = report.summary()
    lines = [f"{report.pack} — {report.title}",
             f"  outcomes exercised: {s['outcomes_exercised']}/{s['outcomes_possible']} ({s['percent']}%); "
             f"rules complete: {s['rules_complete']}/{s['rules']}; articles with rules complete: "
             f"{s['articles_complete']}/{s['articles_with_rules']} (of {s['articles']} articles held); "
             f"{s['cases']} cases" + (f", {s['failing_cases']} failing (not counted)" if s["failing_cases"] else "")]
    for f in report.failing:
        lines.append(f"  failing case: {f.file}:{f.line}: {f.name}")
    for w in report.warnings:
        lines.append(f"  warning: {w.file}:{w.line}: {w.message}")
    for article in report.articles:
        if not article.rules:
            if show_all:
                lines.append(f"{article.label} ({article.number}): {article.ledger or 'not in the ledger'}"
                             + (f" — {article.note}" if article.note else ""))
            continue
        complete = all(report.rules[r].complete for r in article.rules)
        if complete and not show_all:
            continue
        lines.append(f"{article.label} ({article.document}:{article.number}): "
                     f"{'complete' if complete else 'incomplete'}, {len(article.rules)} rule(s)")
        for rule_id in article.rules:
            rule = report.rules[rule_id]
            if rule.complete and not show_all:
                continue
            counts = ", ".join(f"{o}: {len(rule.cases[o])}" if o in rule.possible else f"{o}: n/a" for o in OUTCOMES)
            lines.append(f"  {rule.id} [{', '.join(rule.cites)}] {counts}"
                         + (f" — never {' / '.join(rule.missing)}" if rule.missing else "")
                         + f"  ({rule.file}:{rule.line})")
    return "\n".join(lines) + "\n"


# --- HTML: one page per pack ---------------------------------------------------------------------------------------

def render_html(report: CoverageReport) -> str:
    s = report.summary()
    parts = [f"<h1>{esc(report.title)}</h1>",
             f'<p class="muted">测试覆盖 / test coverage — <code>{esc(report.pack)}</code> '
             f"({esc(report.directory)})</p>",
             "<table><tr><th>结果覆盖 outcomes exercised</th><th>完整的规则 rules complete</th>"
             "<th>完整的条文 articles complete</th><th>用例 cases</th></tr>"
             f'<tr><td id="score">{s["outcomes_exercised"]}/{s["outcomes_possible"]} ({s["percent"]}%)</td>'
             f'<td>{s["rules_complete"]}/{s["rules"]}</td><td>{s["articles_complete"]}/{s["articles_with_rules"]}'
             f' <span class="muted small">(of {s["articles"]} held)</span></td><td>{s["cases"]}'
             + (f' <span class="gap">({s["failing_cases"]} failing, not counted)</span>' if s["failing_cases"] else "")
             + "</td></tr></table>",
             '<p class="small muted">每条规则的三种结果：是 / 否 / 不确定；“—”表示没有用例，'
             "“n/a”表示该规则不可能有此结果。Each rule's outcomes: true / false / undetermined; “—” no case "
             "exercises it, “n/a” the rule cannot have it.</p>"]
    if report.failing:
        parts.append('<h2>失败的用例 failing cases</h2><ul class="cases">' + "".join(
            f"<li>{esc(f.name)} <span class='muted small'>{esc(f.file)}:{f.line}</span></li>" for f in report.failing)
            + "</ul>")
    if report.warnings:
        parts.append('<h2>可能引错的条款 citations to check</h2><ul>' + "".join(
            f'<li class="warn">{esc(w.message)} <span class="muted small">{esc(w.file)}:{w.line}</span></li>'
            for w in report.warnings) + "</ul>")
    current_doc = None
    for article in report.articles:
        if article.document != current_doc:
            current_doc = article.document
            parts.append(f"<h2>{esc(article.label.split('》')[0] + '》' if '》' in article.label else current_doc)}"
                         "</h2>")
        parts.append(_article_html(article, report))
    return page(f"{report.pack} coverage", "\n".join(parts))


def _article_html(article: ArticleCoverage, report: CoverageReport) -> str:
    status = article.ledger or "not in ledger"
    complete = all(report.rules[r].complete for r in article.rules) if article.rules else None
    badge = ("" if complete is None else
             f'<span class="badge {"complete" if complete else "incomplete"}">'
             f'{"完整 complete" if complete else "不完整 incomplete"}</span>')
    heading = (f'<h3 id="{esc(article.document)}-{article.number}">{esc(article.label.split("》")[-1])}'
               + (f"【{esc(article.title)}】" if article.title else "")
               + f'<span class="badge {esc(status)}">{esc(status)}</span>{badge}</h3>')
    law = ['<div class="law">']
    for prov in article.provisions[1:]:
        cls = "item" if prov.level == "item" else ""
        cites = (f' <span class="cites">← {", ".join(f"<code>{esc(r)}</code>" for r in prov.rules)}</span>'
                 if prov.rules else "")
        marker = f"（{int_to_cn(int(prov.cite.rsplit('.', 1)[-1]))}）" if prov.level == "item" else ""
        law.append(f'<p class="{cls}"><span class="muted small">{esc(prov.cite)}</span> {esc(marker)}'
                   f"{esc(prov.text)}{cites}</p>")
    law.append("</div>")
    if article.rules and article.provisions[0].rules:
        law.append(f'<p class="cites">整条引用 cited as a whole: '
                   f'{", ".join(f"<code>{esc(r)}</code>" for r in article.provisions[0].rules)}</p>')
    body = [heading, *(f'<p class="muted small">{esc(article.note)}</p>' for _ in [0] if article.note), *law]
    if article.rules:
        body.append("<table><tr><th>规则 rule</th><th>是 true</th><th>否 false</th><th>不确定 undetermined</th></tr>")
        for rule_id in article.rules:
            rule = report.rules[rule_id]
            cells = []
            for o in OUTCOMES:
                if o not in rule.possible:
                    cells.append('<td class="na">n/a</td>')
                elif not rule.cases[o]:
                    cells.append('<td class="gap">—</td>')
                else:
                    items = [f'<li title="{esc(ref.file)}:{ref.line}">{esc(ref.name)}'
                             + (" <span class='muted small'>(例外 overridden)</span>" if ref.overridden else "")
                             + "</li>" for ref in rule.cases[o]]
                    more = (f"<details><summary class='small'>+{len(items) - SHOWN} 个用例 more cases</summary>"
                            f"<ul class='cases'>{''.join(items[SHOWN:])}</ul></details>" if len(items) > SHOWN else "")
                    cells.append(f'<td class="ok"><ul class="cases">{"".join(items[:SHOWN])}</ul>{more}</td>')
            body.append(f'<tr><td><code>{esc(rule.id)}</code>' + (f"<br>{esc(rule.title)}" if rule.title else "")
                        + f'<br><span class="muted small">[{esc(", ".join(rule.cites))}] {esc(rule.file)}:'
                        f"{rule.line}</span></td>{''.join(cells)}</tr>")
        body.append("</table>")
    return "\n".join(body)
