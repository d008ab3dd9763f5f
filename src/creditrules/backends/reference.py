"""The reference backend: the plan's condition nodes, compiled to nested Python closures.

A leaf is its own `truth` method (plan/conditions.py, the one meaning); `all` / `any` / `not` become closures
that apply Kleene's logic over their children's closures without building generators. tests/test_plan.py holds
these closures to `node.truth` on every rule of every pack.
"""
from __future__ import annotations

from typing import Callable

from ..plan import conditions as n
from ..plan.conditions import Truth
from ..plan.facts import View
from ..plan.plan import Plan

Fast = Callable[[View], Truth]


def compile_node(node: n.Node) -> Fast:
    if isinstance(node, n.All):
        parts = tuple(compile_node(x) for x in node.children)
        if len(parts) == 1:
            return parts[0]

        def all_(view: View) -> Truth:
            result: Truth = True
            for part in parts:
                t = part(view)
                if t is False:
                    return False
                if t is None:
                    result = None
            return result
        return all_
    if isinstance(node, n.AnyOf):
        parts = tuple(compile_node(x) for x in node.children)
        if len(parts) == 1:
            return parts[0]

        def any_(view: View) -> Truth:
            result: Truth = False
            for part in parts:
                t = part(view)
                if t is True:
                    return True
                if t is None:
                    result = None
            return result
        return any_
    if isinstance(node, n.Not):
        inner = compile_node(node.child)

        def not_(view: View) -> Truth:
            t = inner(view)
            return None if t is None else not t
        return not_
    return node.truth


class ReferenceBackend:
    name = "reference"

    def __init__(self, plan: Plan):
        self.conditions = tuple(compile_node(rule.condition) for rule in plan.rules)

    def decide(self, stratum: int, rules: tuple[int, ...], view: View) -> dict[int, Truth]:
        conditions = self.conditions
        return {i: conditions[i](view) for i in rules}
