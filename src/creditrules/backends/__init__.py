"""Evaluators: each decides the conditions of one stratum of compiled rules for a batch of fact views.

Both return, per view, {rule index: True | False | None}; everything else (exceptions, dates, the determination)
is shared code, so the two can be compared result for result.
"""
from __future__ import annotations

from typing import Protocol

from ..compile import CompiledPack, CompiledRule, Truth


class Evaluator(Protocol):
    name: str

    def decide(self, compiled: CompiledPack, stratum: list[CompiledRule], views: list[dict]) -> list[dict[int, Truth]]:
        ...


def get_evaluator(name: str) -> Evaluator:
    if name == "reference":
        from .reference import ReferenceEvaluator
        return ReferenceEvaluator()
    if name == "durable":
        from .durable import DurableEvaluator
        return DurableEvaluator()
    raise ValueError(f"unknown evaluator `{name}` (reference, durable)")
