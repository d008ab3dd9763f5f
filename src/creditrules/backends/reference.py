"""The reference evaluator: the compiled Python closures, in rule order. Small enough to trust by reading."""
from __future__ import annotations

from ..compile import CompiledPack, CompiledRule, Truth


class ReferenceEvaluator:
    name = "reference"
    cycle_free = True          # creates no reference cycles (tests/test_gc.py), so the GC may pause around it

    def decide(self, compiled: CompiledPack, stratum: list[CompiledRule], views: list[dict]) -> list[dict[int, Truth]]:
        return [{rule.index: rule.evaluate(view) for rule in stratum} for view in views]
