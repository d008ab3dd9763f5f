"""Backends: each compiles the same `Plan` into its own form and decides the rules of one stratum over a fact view.

- `reference` (the default): the plan's condition nodes themselves, `node.truth(view)`;
- `durable`: durable_rules (a Rete engine, the optional extra `creditrules[durable]`), one ruleset per stratum,
  kept as the cross-check every YAML case and the differential properties run on.
No backend adds a meaning of its own: the meaning is plan/conditions.py; the tests hold them to identical results.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from ..errors import Diagnostic, Position, UsageError
from ..gcpause import paused_gc
from ..plan.plan import Plan

if TYPE_CHECKING:
    from ..engine.assemble import Prepared

DEFAULT = "reference"


def _reference(plan: Plan) -> Prepared:
    from .reference import ReferenceBackend
    return ReferenceBackend(plan)


def _durable(plan: Plan) -> Prepared:
    try:
        from .durable import DurableBackend
    except ImportError:
        raise UsageError([Diagnostic("backend-missing", "the durable evaluator needs durable_rules, which is not "
                                     "installed", Position(), "install it with: pip install 'creditrules[durable]'")]) from None
    return DurableBackend(plan)


def _columnar(plan: Plan) -> Prepared:
    try:
        from .columnar import prepare
    except ImportError:
        raise UsageError([Diagnostic("backend-missing", "the columnar evaluator needs polars, which is not installed",
                                     Position(), "install it with: pip install 'creditrules[columnar]'")]) from None
    return prepare(plan)


BACKENDS: dict[str, Callable[[Plan], Prepared]] = {"reference": _reference, "durable": _durable,
                                                   "columnar": _columnar}


def check_name(name: str) -> str:
    if name not in BACKENDS:
        from ..errors import did_you_mean
        raise UsageError([Diagnostic("unknown-evaluator", f"unknown evaluator `{name}`", Position(),
                                     " ".join(filter(None, [did_you_mean(name, BACKENDS),
                                                            "allowed: " + ", ".join(BACKENDS)])))])
    return name


@paused_gc()          # a big plan: closures by the hundred thousand, none of them garbage
def prepare(plan: Plan, name: str) -> Prepared:
    """The backend `name` prepared for `plan` (the workspace caches it by plan digest)."""
    return BACKENDS[check_name(name)](plan)
