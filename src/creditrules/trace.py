"""Tracing as an observer (OPA QueryTracer, OpenFisca tracers): the engine reports each trace entry it makes (every
rule at trace level full; fired, overridden and undetermined ones at fired) and then the determination (plain data).

The determination's `trace` list, the JSON trace and the CLI explanation are views over these same entries.
"""
from __future__ import annotations

from typing import Any, Protocol


class Tracer(Protocol):
    def rule_considered(self, rule, entry) -> None: ...
    def determined(self, determination) -> None: ...


class NullTracer:
    """The default: records nothing (the determination already carries its trace)."""

    def rule_considered(self, rule, entry) -> None:
        return None

    def determined(self, determination) -> None:
        return None


class RecordingTracer:
    """Keeps every event, for tools that want the raw stream (coverage, profiling, tests)."""

    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []     # ("rule", TraceEntry) | ("determination", data)

    def rule_considered(self, rule, entry) -> None:
        self.events.append(("rule", entry))

    def determined(self, determination) -> None:
        self.events.append(("determination", determination))

    def fired(self) -> list[str]:
        return [e.rule for kind, e in self.events if kind == "rule" and e.outcome == "fired"]
