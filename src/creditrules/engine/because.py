"""The words of a verdict: why a condition is true, false or unknown (the trace's `because`, `--why-not`).

Rendered from a `Verdict` (plan/conditions.py) and nothing else: nothing here decides anything. The words are the
engine's own, in English or Chinese; names from the vocabulary are shown as they are, values in words (`show`:
true/false or 是/否, ISO dates, lists; never a Python repr).
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from ..plan import conditions as n
from ..plan.conditions import Verdict

_OP_WORDS = {"eq": "=", "ne": "≠", "gt": ">", "gte": "≥", "lt": "<", "lte": "≤", "in": "in", "any_of": "includes any of"}
_OP_WORDS_ZH = {**_OP_WORDS, "in": "属于", "any_of": "包含其一"}

WORDS: dict[str, dict[str, Any]] = {
    "en": {"lang": "en", "ops": _OP_WORDS, "is_true": "{} is true", "is_false": "{} is false", "always": "always applies", "and": " and ", "or": " or ", "none_of": "none of: ", "not": "not ({})",
           "kind": "kind is {}", "kind_not": "kind is {}, not {}", "subject": "subject is {}",
           "subject_not": "subject is {}, not {}", "conduct_unknown": "conduct unknown (needs one of {})",
           "conduct_has": "conduct includes {}", "conduct_none": "conduct includes none of {}",
           "no_basis": "no basis document given", "basis": "basis is {}", "basis_not": "basis is {}, not {}",
           "given": "{} is given", "not_given": "{} is not given", "holds": "{} holds", "fails": "{} does not hold",
           "pending": "{} is undetermined", "age_unknown": "age at the conduct unknown (needs subject.birth_date and "
           "occurred_on or a decision date)", "age": "age (周岁) at the conduct is {} ({}{} {})", "neg": "not ",
           "fact_unknown": "fact {} unknown", "is": "{} is {}", "includes": "{} includes {}",
           "includes_none": "{} includes none of {}", "compare": "{} is {} ({}{} {})",
           "date_unknown": "{} unknown", "date": "{} {} {}{} {}"},
    "zh": {"lang": "zh", "ops": _OP_WORDS_ZH, "is_true": "{} 为“是”", "is_false": "{} 为“否”", "always": "无条件适用", "and": "，且", "or": "，或", "none_of": "以下均不成立：", "not": "并非（{}）",
           "kind": "事件类型为 {}", "kind_not": "事件类型为 {}，而非 {}", "subject": "主体类型为 {}",
           "subject_not": "主体类型为 {}，而非 {}", "conduct_unknown": "行为领域未知（需要下列之一：{}）",
           "conduct_has": "行为包含 {}", "conduct_none": "行为不含 {} 中任何一项",
           "no_basis": "未给出认定依据文书", "basis": "依据文书为 {}", "basis_not": "依据文书为 {}，而非 {}",
           "given": "已给出 {}", "not_given": "未给出 {}", "holds": "规则 {} 成立", "fails": "规则 {} 不成立",
           "pending": "规则 {} 待定", "age_unknown": "行为时年龄未知（需要 subject.birth_date 以及 occurred_on 或决定日期）",
           "age": "行为时年龄为 {} 周岁（{}{} {}）", "neg": "不满足 ",
           "fact_unknown": "事实 {} 未知", "is": "{} 为 {}", "includes": "{} 包含 {}",
           "includes_none": "{} 不含 {} 中任何一项", "compare": "{} 为 {}（{}{} {}）",
           "date_unknown": "{} 未知", "date": "{} {} {}{} {}"},
}


def show(value: Any, lang: str = "en") -> str:
    """A value in words: true/false (是/否 in Chinese), ISO dates, lists in brackets (never a Python repr)."""
    if isinstance(value, bool):
        if lang == "zh":
            return "是" if value else "否"
        return "true" if value else "false"
    if value is None:
        return "未知" if lang == "zh" else "unknown"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple, frozenset, set)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else list(value)
        return "[" + ("、" if lang == "zh" else ", ").join(show(v, lang) for v in items) + "]"
    return str(value)


def _join(joiner: str, texts: list[str]) -> str:
    """Texts joined; in Chinese a space before a name that starts with a Latin letter (，且 decision_final ...)."""
    out = ""
    for i, text in enumerate(texts):
        if i:
            out += joiner + (" " if text[:1].isascii() and text[:1].isalnum() and not joiner.endswith(" ") else "")
        out += text
    return out


_UNITS_ZH = ((re.compile(r"(\d+) working days?\b"), r"\1 个工作日"), (re.compile(r"(\d+) years?\b"), r"\1 年"),
             (re.compile(r"(\d+) months?\b"), r"\1 个月"), (re.compile(r"(\d+) days?\b"), r"\1 日"),
             (re.compile(r"(\d+) year\(s\)"), r"\1 年"),
             (re.compile(r"beyond the calendar \(undetermined\)"), "超出可计算的日期范围（待定）"))


def computation_words(text: str, lang: str = "en") -> str:
    """A date computation (`2024-03-01 + 5 years = 2029-03-01`) with its units in `lang` (the numbers as they are)."""
    if lang != "zh":
        return text
    for pattern, repl in _UNITS_ZH:
        text = pattern.sub(repl, text)
    return text


def because(v: Verdict, lang: str = "en") -> str:
    """The words of verdict `v`, in `lang` (en | zh)."""
    return _words(v, WORDS["zh" if lang == "zh" else "en"])


def _words(v: Verdict, w: dict[str, Any]) -> str:
    node, truth = v.node, v.truth
    lang, ops = w["lang"], w["ops"]
    sep = "；" if lang == "zh" else "; "
    comma = "、" if lang == "zh" else ", "
    if isinstance(node, (n.All, n.AnyOf)):
        if truth is None:
            chosen = [c for c in v.children if c.truth is None]
        elif isinstance(node, n.All):
            chosen = [c for c in v.children if c.truth is False] if truth is False else list(v.children)
        else:
            chosen = [c for c in v.children if c.truth is True] if truth else list(v.children)
        texts = [_words(c, w) for c in chosen]
        if isinstance(node, n.AnyOf) and truth is False:
            return str(w["none_of"]) + _join(sep, texts)
        joiner = w["and"] if isinstance(node, n.All) and truth is not False else w["or"] if isinstance(
            node, n.AnyOf) else sep
        return _join(joiner, texts)
    if isinstance(node, n.Not):
        return str(w["not"]).format(_words(v.children[0], w))
    if isinstance(node, n.Always):
        return str(w["always"])
    if isinstance(node, n.KindIn):
        return str(w["kind"].format(v.seen) if truth else w["kind_not"].format(v.seen, " / ".join(node.shown)))
    if isinstance(node, n.SubjectIn):
        return str(w["subject"].format(v.seen) if truth else w["subject_not"].format(v.seen, " / ".join(node.shown)))
    if isinstance(node, n.ConductAny):
        if truth is None:
            return str(w["conduct_unknown"]).format(comma.join(node.shown))
        return str(w["conduct_has"].format(comma.join(v.seen)) if truth
                   else w["conduct_none"].format(comma.join(node.shown)))
    if isinstance(node, n.BasisIn):
        if truth is None:
            return str(w["no_basis"])
        return str(w["basis"].format(v.seen) if truth else w["basis_not"].format(v.seen, " / ".join(node.shown)))
    if isinstance(node, n.Present):
        return str(w["given"] if truth else w["not_given"]).format(node.path)
    if isinstance(node, n.RuleHolds):
        return str({True: w["holds"], False: w["fails"], None: w["pending"]}[truth]).format(node.rule)
    if isinstance(node, n.AgeCompare):
        if truth is None:
            return str(w["age_unknown"])
        return str(w["age"]).format(v.seen, "" if truth else w["neg"], ops[node.op], node.value)
    if isinstance(node, n.DateCompare):
        left, right, comp = v.seen
        if truth is None:
            return str(w["date_unknown"]).format(v.missing[0] if v.missing else node.left)
        text = str(w["date"]).format(node.left, show(left, lang), "" if truth else w["neg"], ops[node.op],
                                     show(right, lang))
        if comp is None:
            return text
        described = computation_words(comp.describe(), lang)
        return text + (f"（{described}）" if lang == "zh" else f" ({described})")
    if isinstance(node, (n.FactIs, n.FactCompare, n.FactIn, n.FactIncludesAny)):
        if truth is None:
            return str(w["fact_unknown"]).format(node.name)
        if isinstance(node, n.FactIs):
            if isinstance(v.seen, bool):
                return str(w["is_true"] if v.seen else w["is_false"]).format(node.name)
            return str(w["is"]).format(node.name, show(v.seen, lang))
        if isinstance(node, n.FactIncludesAny):
            if truth:
                return str(w["includes"]).format(node.name, comma.join(v.seen))
            return str(w["includes_none"]).format(node.name, comma.join(node.shown))
        op, expected = (("in", node.shown) if isinstance(node, n.FactIn) else (node.op, node.value))
        return str(w["compare"]).format(node.name, show(v.seen, lang), "" if truth else w["neg"], ops[op],
                                        show(expected, lang))
    raise TypeError(f"no words for {node!r}")  # pragma: no cover - every node kind is handled above
