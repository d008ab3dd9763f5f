"""The words of a verdict: why a condition is true, false or unknown (the trace's `because`, `--why-not`).

Rendered from a `Verdict` (plan/conditions.py) and nothing else: nothing here decides anything. The words are the
engine's own, in English or Chinese; names from the vocabulary and values are shown as they are.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from ..plan import conditions as n
from ..plan.conditions import Verdict

_OP_WORDS = {"eq": "=", "ne": "≠", "gt": ">", "gte": "≥", "lt": "<", "lte": "≤", "in": "in", "any_of": "includes any of"}

WORDS = {
    "en": {"always": "always applies", "and": " and ", "or": " or ", "none_of": "none of: ", "not": "not ({})",
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
    "zh": {"always": "无条件适用", "and": "，且", "or": "，或", "none_of": "以下均不成立：", "not": "并非（{}）",
           "kind": "事件类型为 {}", "kind_not": "事件类型为 {}，而非 {}", "subject": "主体类型为 {}",
           "subject_not": "主体类型为 {}，而非 {}", "conduct_unknown": "行为领域未知（需要下列之一：{}）",
           "conduct_has": "行为包含 {}", "conduct_none": "行为不含 {} 中任何一项",
           "no_basis": "未给出认定依据文书", "basis": "依据文书为 {}", "basis_not": "依据文书为 {}，而非 {}",
           "given": "已给出 {}", "not_given": "未给出 {}", "holds": "规则 {} 成立", "fails": "规则 {} 不成立",
           "pending": "规则 {} 待定", "age_unknown": "行为时年龄未知（需要 subject.birth_date 以及 occurred_on 或决定日期）",
           "age": "行为时年龄为 {} 周岁（{}{} {}）", "neg": "不",
           "fact_unknown": "事实 {} 未知", "is": "{} 为 {}", "includes": "{} 包含 {}",
           "includes_none": "{} 不含 {} 中任何一项", "compare": "{} 为 {}（{}{} {}）",
           "date_unknown": "{} 未知", "date": "{} {} {}{} {}"},
}


def show(value: Any) -> str:
    """A value in words: true/false, ISO dates, lists in brackets (never a Python repr)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple, frozenset, set)):
        return "[" + ", ".join(show(v) for v in value) + "]"
    return str(value)


def because(v: Verdict, lang: str = "en") -> str:
    """The words of verdict `v`, in `lang` (en | zh)."""
    return _words(v, WORDS["zh" if lang == "zh" else "en"])


def _words(v: Verdict, w: dict[str, str]) -> str:
    node, truth = v.node, v.truth
    if isinstance(node, (n.All, n.AnyOf)):
        if truth is None:
            chosen = [c for c in v.children if c.truth is None]
        elif isinstance(node, n.All):
            chosen = [c for c in v.children if c.truth is False] if truth is False else list(v.children)
        else:
            chosen = [c for c in v.children if c.truth is True] if truth else list(v.children)
        texts = [_words(c, w) for c in chosen]
        if isinstance(node, n.AnyOf) and truth is False:
            return w["none_of"] + "; ".join(texts)
        joiner = w["and"] if isinstance(node, n.All) and truth is not False else w["or"] if isinstance(node, n.AnyOf) else "; "
        return joiner.join(texts)
    if isinstance(node, n.Not):
        return w["not"].format(_words(v.children[0], w))
    if isinstance(node, n.Always):
        return w["always"]
    if isinstance(node, n.KindIn):
        return w["kind"].format(v.seen) if truth else w["kind_not"].format(v.seen, " / ".join(node.shown))
    if isinstance(node, n.SubjectIn):
        return w["subject"].format(v.seen) if truth else w["subject_not"].format(v.seen, " / ".join(node.shown))
    if isinstance(node, n.ConductAny):
        if truth is None:
            return w["conduct_unknown"].format(", ".join(node.shown))
        return w["conduct_has"].format(", ".join(v.seen)) if truth else w["conduct_none"].format(", ".join(node.shown))
    if isinstance(node, n.BasisIn):
        if truth is None:
            return w["no_basis"]
        return w["basis"].format(v.seen) if truth else w["basis_not"].format(v.seen, " / ".join(node.shown))
    if isinstance(node, n.Present):
        return (w["given"] if truth else w["not_given"]).format(node.path)
    if isinstance(node, n.RuleHolds):
        return {True: w["holds"], False: w["fails"], None: w["pending"]}[truth].format(node.rule)
    if isinstance(node, n.AgeCompare):
        if truth is None:
            return w["age_unknown"]
        return w["age"].format(v.seen, "" if truth else w["neg"], _OP_WORDS[node.op], node.value)
    if isinstance(node, n.DateCompare):
        left, right, comp = v.seen
        if truth is None:
            return w["date_unknown"].format(v.missing[0] if v.missing else node.left)
        text = w["date"].format(node.left, show(left), "" if truth else w["neg"], _OP_WORDS[node.op], show(right))
        return text + (f" ({comp.describe()})" if comp is not None else "")
    if isinstance(node, (n.FactIs, n.FactCompare, n.FactIn, n.FactIncludesAny)):
        if truth is None:
            return w["fact_unknown"].format(node.name)
        if isinstance(node, n.FactIs):
            return w["is"].format(node.name, show(v.seen))
        if isinstance(node, n.FactIncludesAny):
            if truth:
                return w["includes"].format(node.name, ", ".join(v.seen))
            return w["includes_none"].format(node.name, ", ".join(node.shown))
        op, expected = (("in", node.shown) if isinstance(node, n.FactIn) else (node.op, node.value))
        return w["compare"].format(node.name, show(v.seen), "" if truth else w["neg"], _OP_WORDS[op], show(expected))
    raise TypeError(f"no words for {node!r}")  # pragma: no cover - every node kind is handled above
