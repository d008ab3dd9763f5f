"""Why a condition is true, false or unknown, in words: the `because` of every trace entry and of `--why-not`.

Uses the same three-valued meaning as the compiled closures, over the same fact view, leaf by leaf. The words are
the engine's own (English or Chinese); names from the vocabulary and values are shown as they are.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from . import model as m
from .compile import fact_key, member_key, outcome_key, present_key

_OP_WORDS = {"eq": "=", "ne": "≠", "gt": ">", "gte": "≥", "lt": "<", "lte": "≤", "in": "in", "any_of": "includes any of"}

W = {
    "en": {"always": "always applies", "and": " and ", "or": " or ", "none_of": "none of: ", "not": "not ({})",
           "kind": "kind is {}", "kind_not": "kind is {}, not {}", "subject": "subject is {}",
           "subject_not": "subject is {}, not {}", "conduct_unknown": "conduct unknown (needs one of {})",
           "conduct_has": "conduct includes {}", "conduct_none": "conduct includes none of {}",
           "no_basis": "no basis document given", "basis": "basis is {}", "basis_not": "basis is {}, not {}",
           "given": "{} is given", "not_given": "{} is not given", "holds": "{} holds", "fails": "{} does not hold",
           "pending": "{} is undetermined", "age_unknown": "age at the conduct unknown (needs subject.birth_date and "
           "occurred_on or a decision date)", "age": "age (周岁) at the conduct is {} ({}{} {})", "neg": "not ",
           "fact_unknown": "fact {} unknown", "is": "{} is {}", "includes": "{} includes {}",
           "includes_none": "{} includes none of {}", "compare": "{} is {} ({}{} {})"},
    "zh": {"always": "无条件适用", "and": "，且", "or": "，或", "none_of": "以下均不成立：", "not": "并非（{}）",
           "kind": "事件类型为 {}", "kind_not": "事件类型为 {}，而非 {}", "subject": "主体类型为 {}",
           "subject_not": "主体类型为 {}，而非 {}", "conduct_unknown": "行为领域未知（需要下列之一：{}）",
           "conduct_has": "行为包含 {}", "conduct_none": "行为不含 {} 中任何一项",
           "no_basis": "未给出认定依据文书", "basis": "依据文书为 {}", "basis_not": "依据文书为 {}，而非 {}",
           "given": "已给出 {}", "not_given": "未给出 {}", "holds": "规则 {} 成立", "fails": "规则 {} 不成立",
           "pending": "规则 {} 待定", "age_unknown": "行为时年龄未知（需要 subject.birth_date 以及 occurred_on 或决定日期）",
           "age": "行为时年龄为 {} 周岁（{}{} {}）", "neg": "不",
           "fact_unknown": "事实 {} 未知", "is": "{} 为 {}", "includes": "{} 包含 {}",
           "includes_none": "{} 不含 {} 中任何一项", "compare": "{} 为 {}（{}{} {}）"},
}


def _show(value: Any, fact_type: str | None) -> str:
    if fact_type == "date" and isinstance(value, int):
        return dt.date.fromordinal(value).isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(map(str, value)) + "]"
    return str(value)


def describe(c: m.Condition, view: dict, compiled, lang: str = "en") -> tuple[bool | None, str, list[str]]:
    """(truth, explanation, missing facts) of condition `c` over `view`."""
    w = W["zh" if lang == "zh" else "en"]
    if isinstance(c, m.Always):
        return True, w["always"], []
    if isinstance(c, (m.All, m.AnyOf)):
        parts = [describe(x, view, compiled, lang) for x in c.children]
        truths = [p[0] for p in parts]
        if isinstance(c, m.All):
            truth = False if False in truths else (None if None in truths else True)
        else:
            truth = True if True in truths else (None if None in truths else False)
        if truth is None:
            chosen = [p for p in parts if p[0] is None]
        elif isinstance(c, m.All):
            chosen = [p for p in parts if p[0] is truth] if truth is False else parts
        else:
            chosen = [p for p in parts if p[0] is True] if truth else parts
        if isinstance(c, m.AnyOf) and truth is False:
            text = w["none_of"] + "; ".join(p[1] for p in chosen)
        else:
            joiner = w["and"] if isinstance(c, m.All) and truth is not False else w["or"] if isinstance(c, m.AnyOf) else "; "
            text = joiner.join(p[1] for p in chosen)
        missing = sorted({x for p in parts if p[0] is None for x in p[2]})
        return truth, text, missing
    if isinstance(c, m.Not):
        truth, text, missing = describe(c.child, view, compiled, lang)
        return (None if truth is None else not truth), w["not"].format(text), missing
    if isinstance(c, m.KindIn):
        ok = view["k"] in c.values
        return ok, (w["kind"].format(view["k"]) if ok else w["kind_not"].format(view["k"], " / ".join(c.values))), []
    if isinstance(c, m.SubjectIn):
        ok = view["s"] in c.values
        return ok, (w["subject"].format(view["s"]) if ok else w["subject_not"].format(view["s"], " / ".join(c.values))), []
    if isinstance(c, m.ConductAny):
        if "c" not in view:
            return None, w["conduct_unknown"].format(", ".join(c.values)), ["conduct"]
        hits = [t for t in c.values if f"c__{t}" in view]
        if hits:
            return True, w["conduct_has"].format(", ".join(hits)), []
        return False, w["conduct_none"].format(", ".join(c.values)), []
    if isinstance(c, m.BasisIn):
        if "b" not in view:
            return None, w["no_basis"], ["basis"]
        ok = view["b"] in c.values
        return ok, (w["basis"].format(view["b"]) if ok else w["basis_not"].format(view["b"], " / ".join(c.values))), []
    if isinstance(c, m.Present):
        ok = present_key(c.path) in view
        return ok, (w["given"] if ok else w["not_given"]).format(c.path), []
    if isinstance(c, m.RuleRef):
        value = view.get(outcome_key(compiled.by_id[c.rule].index))
        return value, {True: w["holds"], False: w["fails"], None: w["pending"]}[value].format(c.rule), []
    if isinstance(c, m.DateCompare):
        key = next(k for k, leaf in compiled.derived if leaf == c)
        missing = [view[key + "__missing"]] if key + "__missing" in view else []
        return view.get(key), view.get(key + "__why", ""), missing
    if isinstance(c, m.AgeAtEvent):
        if "age" not in view:
            return None, w["age_unknown"], ["subject.birth_date"]
        ok = {"eq": view["age"] == c.value, "ne": view["age"] != c.value, "gt": view["age"] > c.value,
              "gte": view["age"] >= c.value, "lt": view["age"] < c.value, "lte": view["age"] <= c.value}[c.op]
        return ok, w["age"].format(view["age"], "" if ok else w["neg"], _OP_WORDS[c.op], c.value), []
    if isinstance(c, m.FactTest):
        key = fact_key(c.name)
        term = compiled.vocab.facts.get(c.name)
        ftype = term.type if term else None
        if key not in view:
            return None, w["fact_unknown"].format(c.name), [c.name]
        value = view[key]
        if c.op == "is_true":
            return bool(value), w["is"].format(c.name, _show(value, ftype)), []
        if c.op == "any_of":
            hits = [x for x in c.value if view.get(member_key(c.name, x)) is True]
            if hits:
                return True, w["includes"].format(c.name, ", ".join(hits)), []
            return False, w["includes_none"].format(c.name, ", ".join(c.value)), []
        ok = _compare(c, value, ftype)
        return ok, w["compare"].format(c.name, _show(value, ftype), "" if ok else w["neg"], _OP_WORDS[c.op],
                                       _show(c.value, None)), []
    return None, repr(c), []  # pragma: no cover


def _compare(c: m.FactTest, value: Any, ftype: str | None) -> bool:
    expected = c.value
    if ftype == "date":
        to_ord = lambda x: dt.date.fromisoformat(str(x)).toordinal()  # noqa: E731
        expected = tuple(to_ord(x) for x in expected) if c.op == "in" else to_ord(expected)
    if c.op == "in":
        return value in expected
    return {"eq": value == expected, "ne": value != expected, "gt": value > expected, "gte": value >= expected,
            "lt": value < expected, "lte": value <= expected}[c.op]
