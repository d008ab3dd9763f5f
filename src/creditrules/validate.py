"""Validate stage: named checks over a loaded pack, each a function a test can target (OPA compiler stages).

Every check returns diagnostics with positions; `validate_pack` runs them all and sorts the result.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from . import model as m
from .errors import Diagnostic, Position, allowed, did_you_mean, hint_zh
from .lawtext import resolve
from .load import display_path
from .vocabulary import Vocabulary, pack_vocabulary

FIELD_PATHS = ("basis", "basis.number", "basis.decided_on", "basis.effective_on", "occurred_on", "conduct",
               "subject.id", "subject.name", "subject.birth_date", "subject.responsible_persons")


def walk(condition: m.Condition):
    yield condition
    if isinstance(condition, (m.All, m.AnyOf)):
        for child in condition.children:
            yield from walk(child)
    elif isinstance(condition, m.Not):
        yield from walk(condition.child)


def rule_dependencies(rule: m.Rule) -> list[str]:
    """Rules whose outcome this rule reads (`rule:` leaves) or that may override it."""
    return [c.rule for c in walk(rule.when) if isinstance(c, m.RuleRef)]


_WHAT_ZH = {"event kind": "事件类型", "subject type": "主体类型", "conduct tag": "行为标记", "basis type": "依据类型",
            "fact or field": "事实或字段", "fact": "事实", "document": "文件", "rule": "规则",
            "rule in `overrides`": "`overrides` 中的规则", "version": "版本"}


def _unknown(code: str, what: str, name: str, names, pos) -> Diagnostic:
    hint = " ".join(filter(None, [did_you_mean(name, names), allowed(names)]))
    return Diagnostic(code, f"unknown {what} `{name}`", pos, hint,
                      message_zh=f"未知的{_WHAT_ZH.get(what, what)} `{name}`", hint_zh=hint_zh(name, names))


def check_rule_ids(pack: m.Pack, vocab: Vocabulary) -> list[Diagnostic]:
    seen: dict[str, m.Rule] = {}
    out = []
    for rule in pack.rules:
        if rule.id in seen:
            out.append(Diagnostic("duplicate-id", f"rule id `{rule.id}` is used twice", rule.pos,
                                  f"first at {seen[rule.id].pos}"))
        else:
            seen[rule.id] = rule
        if not rule.cites:
            out.append(Diagnostic("missing-citation", f"rule `{rule.id}` cites no article", rule.pos))
        for con in rule.then:
            out_id = con.fields.get("id")
            if isinstance(out_id, str) and not out_id.replace("_", "").isalnum():
                out.append(Diagnostic("bad-id", f"{con.kind} id `{out_id}` may use letters, digits and `_` only "
                                      "(tests address it by dotted paths)", con.pos))
    return out


def _value_at(node, i: int) -> m.Position:
    """Where the i-th value of a condition is written (the bad item of `conduct: [a, b]`), else the condition's."""
    return node.value_pos[i] if i < len(node.value_pos) else node.pos


def check_vocabulary(pack: m.Pack, vocab: Vocabulary) -> list[Diagnostic]:
    out = []
    for rule in pack.rules:
        for node in walk(rule.when):
            if isinstance(node, m.KindIn):
                out += [_unknown("unknown-name", "event kind", v, vocab.kinds, _value_at(node, i))
                        for i, v in enumerate(node.values) if v not in vocab.kinds]
            elif isinstance(node, m.SubjectIn):
                names = vocab.names("subject_types")
                out += [_unknown("unknown-name", "subject type", v, names, _value_at(node, i))
                        for i, v in enumerate(node.values) if v not in names]
            elif isinstance(node, m.ConductAny):
                out += [_unknown("unknown-name", "conduct tag", v, vocab.conduct, _value_at(node, i))
                        for i, v in enumerate(node.values) if v not in vocab.conduct]
            elif isinstance(node, m.BasisIn):
                names = vocab.names("basis_types")
                out += [_unknown("unknown-name", "basis type", v, names, _value_at(node, i))
                        for i, v in enumerate(node.values) if v not in names]
            elif isinstance(node, m.Present):
                if node.path not in vocab.facts and node.path not in FIELD_PATHS:
                    out.append(_unknown("unknown-name", "fact or field", node.path, [*vocab.facts, *FIELD_PATHS],
                                        node.pos))
            elif isinstance(node, m.FactTest):
                out += _check_fact_test(node, vocab)
            elif isinstance(node, m.DateCompare):
                out += _check_date_fact(node.left, vocab, node.pos)
                out += _check_date_expr(node.right, vocab, node.pos)
        for conclusion in rule.then:
            for key in ("from", "start"):
                for p in conclusion.fields.get(key) or ():
                    out += _check_date_fact(p, vocab, conclusion.pos)
            for key in ("earliest", "until"):
                if conclusion.fields.get(key) is not None:
                    out += _check_date_expr(conclusion.fields[key], vocab, conclusion.pos)
    where = vocab.where()          # an unknown name's hint says where names are declared
    return [dataclasses.replace(d, hint=" ".join(filter(None, [d.hint, where])))
            if d.code == "unknown-name" and where else d for d in out]


def _check_date_expr(expr, vocab: Vocabulary, pos) -> list[Diagnostic]:
    """A computed date: `{from: [paths], add: ...}` or `{year: facts.<int fact>, month, day}` (or a literal date)."""
    if isinstance(expr, m.DateExpr):
        return [d for p in expr.paths for d in _check_date_fact(p, vocab, pos)]
    if isinstance(expr, m.YearDate):
        term = vocab.facts.get(expr.year_path.removeprefix("facts."))
        if not expr.year_path.startswith("facts.") or term is None or term.type != "int":
            return [Diagnostic("fact-type", f"`year: {expr.year_path}` must name a whole-number fact (facts.<name>)",
                               pos)]
    return []


def _check_date_fact(path: str, vocab: Vocabulary, pos) -> list[Diagnostic]:
    if not path.startswith("facts."):
        return []
    name = path[len("facts."):]
    term = vocab.facts.get(name)
    if term is None:
        return [_unknown("unknown-name", "fact", name, vocab.facts, pos)]
    if term.type != "date":
        return [Diagnostic("bad-date-path", f"fact `{name}` is a {term.type}, not a date", pos)]
    return []


def _check_fact_test(node: m.FactTest, vocab: Vocabulary) -> list[Diagnostic]:
    term = vocab.facts.get(node.name)
    if term is None:
        return [_unknown("unknown-name", "fact", node.name, vocab.facts, node.pos)]
    t, op, val = term.type, node.op, node.value
    if op == "is_true" and t != "bool":
        return [Diagnostic("fact-type", f"`fact: {node.name}` tests a true/false fact, but `{node.name}` is {t}",
                           node.pos, f"write `fact: {{{node.name}: <value>}}`")]
    if op == "any_of" and t != "list":
        return [Diagnostic("fact-type", f"`any_of` is for list facts; `{node.name}` is {t}", node.pos)]
    if t == "list" and op != "any_of":
        return [Diagnostic("fact-type", f"`{node.name}` is a list: test it with `any_of: [...]`", node.pos)]
    if op in ("gt", "gte", "lt", "lte") and t not in ("int", "date"):
        return [Diagnostic("fact-type", f"`{op}` compares numbers or dates; `{node.name}` is {t}", node.pos)]
    values = val if op in ("in", "any_of") else (val,) if op != "is_true" else ()
    out = []
    for i, v in enumerate(values):
        at = _value_at(node, i)
        if t == "bool" and not isinstance(v, bool):
            out.append(Diagnostic("fact-type", f"`{node.name}` is true/false, not `{v}`", at))
        elif t == "int" and (isinstance(v, bool) or not isinstance(v, int)):
            out.append(Diagnostic("fact-type", f"`{node.name}` is a whole number, not `{v}`", at))
        elif t in ("enum", "list") and v not in term.values:
            out.append(Diagnostic("unknown-name", f"`{v}` is not a value of `{node.name}`", at,
                                  " ".join(filter(None, [did_you_mean(v, term.values), allowed(term.values)])),
                                  message_zh=f"`{v}` 不是事实 `{node.name}` 的可选值",
                                  hint_zh=hint_zh(v, term.values)))
        elif t == "date":
            try:
                __import__("datetime").date.fromisoformat(str(v))
            except ValueError:
                out.append(Diagnostic("bad-date", f"`{v}` is not a date YYYY-MM-DD", at))
    return out


def check_citations(pack: m.Pack, vocab: Vocabulary) -> list[Diagnostic]:
    """Every citation must name a provision the held text contains (not trusted: looked up)."""
    out = []
    for rule in pack.rules:
        positions = iter(rule.cite_positions)
        for cite in [*rule.cites, *(c for con in rule.then for c in con.cites)]:
            pos = next(positions, rule.pos)
            doc = pack.documents.get(cite.document)
            if doc is None:
                out.append(_unknown("unresolved-citation", "document", cite.document, pack.documents, pos))
                continue
            if doc.law is None:
                continue
            found = resolve(doc.law, cite)
            if isinstance(found, str):
                out.append(Diagnostic("unresolved-citation", found, pos))
        for con in rule.then:
            if con.kind in ("sanction", "incentive", "procedure_step") and not con.fields.get("title_zh"):
                cites = con.cites or rule.cites
                if not any(c.item is not None or c.paragraph is not None for c in cites):
                    out.append(Diagnostic("missing-title", f"{con.kind} `{con.fields.get('id')}` has no `title_zh` "
                                          "and no paragraph or item citation to take its words from", con.pos))
    return out


def check_references(pack: m.Pack, vocab: Vocabulary) -> list[Diagnostic]:
    """`rule:` leaves and `overrides` name existing rules; no rule depends on itself (no cycles)."""
    ids = {r.id for r in pack.rules}
    version_ids = {v.id for v in pack.versions}
    out = []
    for rule in pack.rules:
        for node in walk(rule.when):
            if isinstance(node, m.RuleRef) and node.rule not in ids:
                out.append(_unknown("unknown-rule", "rule", node.rule, ids, node.pos))
        for target in rule.overrides:
            if target not in ids:
                out.append(_unknown("unknown-rule", "rule in `overrides`", target, ids, rule.pos))
            elif target == rule.id:
                out.append(Diagnostic("cycle", f"rule `{rule.id}` overrides itself", rule.pos))
        for v in rule.versions or []:
            if v not in version_ids:
                out.append(_unknown("unknown-name", "version", v, version_ids, rule.pos))
    graph = dependency_graph(pack)
    cycle = find_cycle(graph)
    if cycle:
        first = pack.rule(cycle[0])
        out.append(Diagnostic("cycle", "rules depend on each other in a circle: " + " -> ".join(cycle),
                              first.pos if first else pack.pos))
    return out


def dependency_graph(pack: m.Pack) -> dict[str, list[str]]:
    """rule id -> the rules that must be decided before it (read by it, or overriding it)."""
    graph = {r.id: list(rule_dependencies(r)) for r in pack.rules}
    for rule in pack.rules:
        for target in rule.overrides:
            if target in graph and target != rule.id:
                graph[target].append(rule.id)
    return graph


def find_cycle(graph: dict[str, list[str]]) -> list[str] | None:
    """A cycle of `graph` (its nodes in order, the first repeated at the end), or None. Depth first without
    recursion: a chain of `rule:` references may be thousands of rules long (issue 13)."""
    state: dict[str, int] = {}          # 1: on the current path, 2: done
    for start in graph:
        if start in state:
            continue
        state[start] = 1
        path, frames = [start], [iter(graph[start])]
        while frames:
            for dep in frames[-1]:
                if dep not in graph:
                    continue
                if state.get(dep) == 1:
                    return path[path.index(dep):] + [dep]
                if dep not in state:
                    state[dep] = 1
                    path.append(dep)
                    frames.append(iter(graph[dep]))
                    break
            else:
                frames.pop()
                state[path.pop()] = 2
    return None


def check_versions(pack: m.Pack, vocab: Vocabulary) -> list[Diagnostic]:
    out = []
    ids = set()
    for v in pack.versions:
        if v.id in ids:
            out.append(Diagnostic("duplicate-id", f"version `{v.id}` is declared twice", v.pos))
        ids.add(v.id)
        if v.adopted_on and v.effective_from and v.adopted_on > v.effective_from:
            out.append(Diagnostic("bad-date", f"version `{v.id}` comes into force ({v.effective_from}) before it was "
                                  f"adopted ({v.adopted_on})", v.pos))
        if v.effective_from and v.effective_to and v.effective_to < v.effective_from:
            out.append(Diagnostic("bad-date", f"version `{v.id}` ends before it starts", v.pos))
        if v.text_held and not v.documents:
            out.append(Diagnostic("missing-key", f"version `{v.id}` says its text is held but names no document",
                                  v.pos))
        if v.status != "draft" and v.text_held and v.effective_from is None:
            out.append(Diagnostic("missing-key", f"{v.status} version `{v.id}` needs `effective_from`", v.pos))
    if not any(v.text_held for v in pack.versions):
        out.append(Diagnostic("no-text", "no version of this pack holds its text: nothing can be evaluated", pack.pos))
    return out


def check_ledger(pack: m.Pack, vocab: Vocabulary) -> list[Diagnostic]:
    """Every article of every held document is accounted for, once; `encoded` articles are cited by a rule."""
    out = []
    cited: dict[tuple[str, int], list[str]] = {}
    for rule in pack.rules:
        for cite in rule.all_cites():
            cited.setdefault((cite.document, cite.article), []).append(rule.id)
    entries: dict[tuple[str, int], m.LedgerEntry] = {}
    for entry in pack.ledger:
        key = (entry.document, entry.article)
        if key in entries:
            out.append(Diagnostic("ledger-duplicate", f"article {entry.article} of `{entry.document}` is listed twice",
                                  entry.pos, f"first at {entries[key].pos}"))
            continue
        entries[key] = entry
        doc = pack.documents.get(entry.document)
        if doc and doc.law and entry.article not in doc.law.articles:
            out.append(Diagnostic("ledger-unknown-article",
                                  f"article {entry.article} is not in the held text of `{entry.document}`", entry.pos))
        if entry.status == "encoded" and key not in cited:
            out.append(Diagnostic("ledger-not-encoded", f"ledger says article {entry.article} of `{entry.document}` is "
                                  "encoded, but no rule cites it", entry.pos))
        if entry.status != "encoded" and key in cited:
            out.append(Diagnostic("ledger-status", f"article {entry.article} of `{entry.document}` is marked "
                                  f"{entry.status} but rules cite it: {', '.join(sorted(set(cited[key]))[:4])}",
                                  entry.pos, "mark it `encoded`"))
    for doc in pack.documents.values():
        if doc.law is None:
            continue
        missing = [n for n in sorted(doc.law.articles) if (doc.id, n) not in entries]
        for run in _runs(missing):
            label = f"{run[0]}" if run[0] == run[-1] else f"{run[0]}-{run[-1]}"
            out.append(Diagnostic("ledger-gap",
                                  f"article(s) {label} of `{doc.id}` are not accounted for in ledger.yaml",
                                  m.Position(display_path(pack.directory / "ledger.yaml")),
                                  "mark each encoded, declaratory (with a note) or out_of_scope (with a reason)"))
    return out


def _runs(numbers: list[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for n in numbers:
        if runs and runs[-1][-1] == n - 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return runs


def _ledger_gap_count(pack: m.Pack) -> int:
    listed = {(e.document, e.article) for e in pack.ledger}
    return sum(1 for d in pack.documents.values() if d.law for n in d.law.articles if (d.id, n) not in listed)


def check_article_index(pack: m.Pack, vocab: Vocabulary) -> list[Diagnostic]:
    """Each document's article index (source/<doc>.articles.yaml) is held and matches what the parser reads now."""
    from .lawtext import index_path, render_index
    out = []
    for doc in pack.documents.values():
        if doc.law is None:
            continue
        path = index_path(doc.source)
        expected = render_index(doc.law, doc.source.name, doc.source.read_text(encoding="utf-8"))
        where = m.Position(display_path(path), 1, 1)
        if not path.is_file():
            out.append(Diagnostic("index-missing", f"no article index for `{doc.id}`", where,
                                  f"run `creditrules index {display_path(pack.directory)}`"))
        elif path.read_text(encoding="utf-8") != expected:
            out.append(Diagnostic("index-stale", f"the article index does not match {doc.source.name}", where,
                                  f"run `creditrules index {display_path(pack.directory)}` and review the diff"))
    return out


def check_test_cases(pack: m.Pack, vocab: Vocabulary) -> list[Diagnostic]:
    """Every test case read with the pack: its event against the contract and the vocabulary, each expectation
    path and value against the determination's fields and the ids the rules can produce, and a case that asserts
    nothing (`tools/expect.py`). Exclusions of what no rule produces are warnings."""
    from .tools.expect import check_case, producible_ids
    ids = producible_ids(pack)
    return [d for case in pack.tests for d in check_case(case, pack, vocab, ids)]


def check_retroactivity(pack: m.Pack, vocab: Vocabulary) -> list[Diagnostic]:
    """Every rule group says how it treats conduct from before its version was in force (立法法 art. 104;
    docs/pack-format.md section 4.1). Unmarked, a rule applies to earlier conduct as if it were in force: a
    warning, once per rules file, where a version of the pack has a day it took effect."""
    if not any(v.effective_from for v in pack.versions):
        return []
    seen: dict[str, m.Rule] = {}
    for rule in pack.rules:
        if rule.retroactivity is None and rule.pos.file not in seen:
            seen[rule.pos.file] = rule
    return [Diagnostic("retroactivity-unmarked",
                       f"rules of group `{rule.group}` say nothing of conduct before the pack was in force",
                       Position(file, 1, 1), "add `retroactivity: handling | new_consequence | more_favourable` at the "
                       "top of the file (or on a rule)", severity="warning")
            for file, rule in seen.items()]


CHECKS = (check_article_index, check_rule_ids, check_versions, check_vocabulary, check_citations, check_references,
          check_ledger, check_test_cases, check_retroactivity)


@dataclass
class LedgerSummary:
    articles: int = 0
    encoded: int = 0
    declaratory: int = 0
    out_of_scope: int = 0
    pack_metadata: int = 0
    gaps: int = 0
    unresolved_citations: int = 0


@dataclass
class ValidationReport:
    pack: m.Pack
    errors: list[Diagnostic] = field(default_factory=list)
    summary: LedgerSummary = field(default_factory=LedgerSummary)
    warnings: list[Diagnostic] = field(default_factory=list)      # reported, never failing (severity warning)

    @property
    def ok(self) -> bool:
        return not self.errors


def validate_pack(pack: m.Pack, vocab: Vocabulary | None = None) -> ValidationReport:
    if vocab is None:              # the pack's own: the core set, its vocabulary.yaml and its layers'
        vocab = pack_vocabulary(pack.directory, [Path(pack.directory).parent / layer for layer in pack.layers])
    errors: list[Diagnostic] = list(getattr(pack, "warnings", ()))      # found loading: layer-not-named
    for check in CHECKS:
        errors += check(pack, vocab)
    errors.sort(key=Diagnostic.sort_key)
    warnings = [d for d in errors if d.severity == "warning"]
    errors = [d for d in errors if d.severity != "warning"]
    summary = LedgerSummary(
        articles=sum(len(d.law.articles) for d in pack.documents.values() if d.law),
        encoded=sum(1 for e in pack.ledger if e.status == "encoded"),
        declaratory=sum(1 for e in pack.ledger if e.status == "declaratory"),
        out_of_scope=sum(1 for e in pack.ledger if e.status == "out_of_scope"),
        pack_metadata=sum(1 for e in pack.ledger if e.status == "pack_metadata"),
        gaps=_ledger_gap_count(pack),
        unresolved_citations=sum(1 for e in errors if e.code == "unresolved-citation"))
    return ValidationReport(pack, errors, summary, warnings)
