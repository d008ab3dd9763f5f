"""Why a condition is true, false or unknown, in words: the `because` of every trace entry and of `--why-not`.

Uses the same three-valued meaning as the compiled closures, over the same fact view, leaf by leaf.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from . import model as m
from .compile import fact_key, member_key, outcome_key, present_key

_OP_WORDS = {"eq": "=", "ne": "≠", "gt": ">", "gte": "≥", "lt": "<", "lte": "≤", "in": "in", "any_of": "includes any of"}


def _show(value: Any, fact_type: str | None) -> str:
    if fact_type == "date" and isinstance(value, int):
        return dt.date.fromordinal(value).isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(map(str, value)) + "]"
    return str(value)


def describe(c: m.Condition, view: dict, compiled) -> tuple[bool | None, str, list[str]]:
    """(truth, explanation, missing facts) of condition `c` over `view`."""
    if isinstance(c, m.Always):
        return True, "always applies", []
    if isinstance(c, (m.All, m.AnyOf)):
        parts = [describe(x, view, compiled) for x in c.children]
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
        joiner = " and " if (isinstance(c, m.All) and truth is not False) or (isinstance(c, m.AnyOf) and truth is False) else " or " if isinstance(c, m.AnyOf) else "; "
        text = joiner.join(p[1] for p in chosen)
        if isinstance(c, m.AnyOf) and truth is False:
            text = "none of: " + "; ".join(p[1] for p in chosen)
        missing = sorted({x for p in parts if p[0] is None for x in p[2]})
        return truth, text, missing
    if isinstance(c, m.Not):
        truth, text, missing = describe(c.child, view, compiled)
        return (None if truth is None else not truth), f"not ({text})", missing
    if isinstance(c, m.KindIn):
        ok = view["k"] in c.values
        return ok, (f"kind is {view['k']}" if ok else f"kind is {view['k']}, not {' / '.join(c.values)}"), []
    if isinstance(c, m.SubjectIn):
        ok = view["s"] in c.values
        return ok, (f"subject is {view['s']}" if ok else f"subject is {view['s']}, not {' / '.join(c.values)}"), []
    if isinstance(c, m.ConductAny):
        if "c" not in view:
            return None, f"conduct unknown (needs one of {', '.join(c.values)})", ["conduct"]
        hits = [t for t in c.values if f"c__{t}" in view]
        if hits:
            return True, f"conduct includes {', '.join(hits)}", []
        return False, f"conduct includes none of {', '.join(c.values)}", []
    if isinstance(c, m.BasisIn):
        if "b" not in view:
            return None, "no basis document given", ["basis"]
        ok = view["b"] in c.values
        return ok, (f"basis is {view['b']}" if ok else f"basis is {view['b']}, not {' / '.join(c.values)}"), []
    if isinstance(c, m.Present):
        ok = present_key(c.path) in view
        return ok, (f"{c.path} is given" if ok else f"{c.path} is not given"), []
    if isinstance(c, m.RuleRef):
        value = view.get(outcome_key(compiled.by_id[c.rule].index))
        word = {True: "holds", False: "does not hold", None: "is undetermined"}[value]
        return value, f"{c.rule} {word}", []
    if isinstance(c, m.DateCompare):
        key = next(k for k, leaf in compiled.derived if leaf == c)
        missing = [view[key + "__missing"]] if key + "__missing" in view else []
        return view.get(key), view.get(key + "__why", ""), missing
    if isinstance(c, m.AgeAtEvent):
        if "age" not in view:
            return None, "age at the conduct unknown (needs subject.birth_date and occurred_on or a decision date)", ["subject.birth_date"]
        ok = {"eq": view["age"] == c.value, "ne": view["age"] != c.value, "gt": view["age"] > c.value,
              "gte": view["age"] >= c.value, "lt": view["age"] < c.value, "lte": view["age"] <= c.value}[c.op]
        return ok, f"age (周岁) at the conduct is {view['age']} ({'' if ok else 'not '}{_OP_WORDS[c.op]} {c.value})", []
    if isinstance(c, m.FactTest):
        key = fact_key(c.name)
        term = compiled.vocab.facts.get(c.name)
        ftype = term.type if term else None
        if key not in view:
            return None, f"fact {c.name} unknown", [c.name]
        value = view[key]
        if c.op == "is_true":
            return bool(value), f"{c.name} is {_show(value, ftype)}", []
        if c.op == "any_of":
            hits = [x for x in c.value if view.get(member_key(c.name, x)) is True]
            if hits:
                return True, f"{c.name} includes {', '.join(hits)}", []
            return False, f"{c.name} includes none of {', '.join(c.value)}", []
        ok = _compare(c, value, ftype)
        shown = _show(c.value, None)
        return ok, f"{c.name} is {_show(value, ftype)} ({'' if ok else 'not '}{_OP_WORDS[c.op]} {shown})", []
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
