"""Condition nodes (plan/conditions.py) -> polars expressions with the same three-valued meaning.

A node's truth is a nullable Boolean expression: null is unknown. polars' `&`, `|` and `~` over nullable
Booleans follow Kleene's logic (false & null = false, true | null = true, ~null = null), which is exactly
`kleene_and` / `kleene_or` / `kleene_not`; every leaf is written so that it is null exactly where the leaf's own
`truth(view)` is None. The columns read are the keys of the fact view (plan/facts.py) as column names (see
columnar/table.py): `kind`, `subject`, `basis`, `conduct` (a list, null when not known), `fact:<name>`,
`present:<path>`, `date:<path>`, `offset:<n>` (the computed date, null when it is absent or beyond the calendar)
with `offset?:<n>` (whether the computation exists at all), `age`, and `rule:<i>` (effective outcomes).

`missing(node)` gives, per fact name, a non-null Boolean expression: "this name is among `node.missing(view)`",
following the node's own definition (a leaf: its `needs` when it is unknown; a composite: the names of its
children that are unknown; DateCompare: the date path it lacks, or the first path of the computed date that could
not be worked out).
"""
from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import polars as pl

from ..plan import conditions as n
from ..plan.facts import AGE, BASIS, CONDUCT, KIND, SUBJECT, missing_name

Expr = pl.Expr
_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "eq": operator.eq, "ne": operator.ne, "gt": operator.gt, "gte": operator.ge, "lt": operator.lt,
    "lte": operator.le}
NULL_BOOL = pl.lit(None, dtype=pl.Boolean)
TRUE, FALSE = pl.lit(True), pl.lit(False)


def exists_key(offset_key: str) -> str:
    """The column that says whether the computed date `offset:<n>` exists (its start date or year is given)."""
    return offset_key.replace("offset:", "offset?:", 1)


def _literal(value) -> Expr:
    return pl.lit(value)


def _in(col: Expr, values) -> Expr:
    """`given in values`, null when `given` is null (never null for a non-null value)."""
    values = list(values)
    if not values:
        return pl.when(col.is_null()).then(NULL_BOOL).otherwise(FALSE)
    return pl.when(col.is_null()).then(NULL_BOOL).otherwise(col.is_in(values))


def _any_member(col: Expr, members) -> Expr:
    """A list column includes one of `members`; null when the list itself is null (not known)."""
    members = sorted(members)
    if not members:
        return pl.when(col.is_null()).then(NULL_BOOL).otherwise(FALSE)
    return col.list.eval(pl.element().is_in(members)).list.any()


def _fold(parts: list[Expr], op, empty: Expr) -> Expr:
    if not parts:
        return empty
    out = parts[0]
    for p in parts[1:]:
        out = op(out, p)
    return out


def truth(node: n.Node) -> Expr:
    """The node's truth as a nullable Boolean expression (null: unknown)."""
    if isinstance(node, n.All):
        return _fold([truth(c) for c in node.children], operator.and_, TRUE)
    if isinstance(node, n.AnyOf):
        return _fold([truth(c) for c in node.children], operator.or_, FALSE)
    if isinstance(node, n.Not):
        return ~truth(node.child)
    if isinstance(node, n.Always):
        return TRUE
    if isinstance(node, n.KindIn):
        return pl.col(KIND).is_in(sorted(node.values))
    if isinstance(node, n.SubjectIn):
        return pl.col(SUBJECT).is_in(sorted(node.values))
    if isinstance(node, n.ConductAny):
        return _any_member(pl.col(CONDUCT), node.values)
    if isinstance(node, n.BasisIn):
        return _in(pl.col(BASIS), sorted(node.values))
    if isinstance(node, n.FactIs):
        return pl.col(node.key).cast(pl.Boolean)
    if isinstance(node, n.FactCompare):
        return _OPS[node.op](pl.col(node.key), _literal(node.value))
    if isinstance(node, n.FactIn):
        return _in(pl.col(node.key), node.shown)
    if isinstance(node, n.FactIncludesAny):
        return _any_member(pl.col(node.key), node.members)
    if isinstance(node, n.Present):
        return pl.col(node.key)
    if isinstance(node, n.RuleHolds):
        return pl.col(node.key)
    if isinstance(node, n.AgeCompare):
        return _OPS[node.op](pl.col(AGE), _literal(node.value))
    if isinstance(node, n.DateCompare):
        left = pl.col(node.left_key)
        right = pl.col(node.offset_key) if node.offset_key is not None else _literal(node.literal)
        return _OPS[node.op](left, right)
    raise TypeError(f"no columnar form for condition node {type(node).__name__}")  # pragma: no cover


def _or_into(acc: dict[str, Expr], name: str, expr: Expr) -> None:
    acc[name] = acc[name] | expr if name in acc else expr


def missing(node: n.Node) -> dict[str, Expr]:
    """name -> "name is among node.missing(view)" (non-null Boolean), for every name the node can report."""
    if isinstance(node, (n.All, n.AnyOf)):
        acc: dict[str, Expr] = {}
        for child in node.children:
            below = missing(child)
            if not below:
                continue
            unknown = truth(child).is_null()
            for name, expr in below.items():
                _or_into(acc, name, unknown & expr)
        return acc
    if isinstance(node, n.Not):
        return missing(node.child)
    if isinstance(node, n.AgeCompare):             # the birth date, or with it known the day of the conduct
        unknown = truth(node).is_null()
        born = pl.col("_birth").is_not_null()     # the base column of present:subject.birth_date (table.py)
        return {"subject.birth_date": unknown & ~born, "occurred_on": unknown & born}
    if isinstance(node, n.DateCompare):
        left_absent = pl.col(node.left_key).is_null()
        acc = {missing_name(node.left): left_absent}
        if node.offset_key is not None:
            first = missing_name(n._first_path(node.offset))
            _or_into(acc, first, ~left_absent & ~pl.col(exists_key(node.offset_key)))
        return acc
    needs = getattr(node, "needs", ())
    if not needs:
        return {}
    unknown = truth(node).is_null()
    return {name: unknown for name in needs}


def reads(node: n.Node) -> set[str]:
    """The columns the node reads: the view's keys (plan/conditions.py `reads`), and for each computed date the
    column saying whether it was worked out."""
    out = set(n.reads(node))
    out.update(exists_key(k) for k in list(out) if k.startswith("offset:"))
    return out
