"""The durable_rules evaluator: each stratum of compiled rules is a durable_rules ruleset, run for real.

Per rule two durable rules: `<i>_T` matches when the condition is true, `<i>_F` when it is false; neither
matching means unknown. Sharp edges handled here (see ../shared/notes/durable-rules.md and the project notes):
- the Host's background timer threads are never started (they raced batches);
- every fact is asserted under a state id of its own, deleted afterwards (seen ids are dropped silently);
- facts, not events, so every matching rule fires, and an `$or` firing twice is harmless (actions only set);
- `$nex` (absence) made `assert_fact` loop forever, so absence is an explicit ABSENT value in a dense message,
  and every comparison is guarded (a bare `$gt` matched the ABSENT string);
- errors inside actions do not raise: actions are trivial and the result is checked for every fact;
- a fact no rule matches still creates state that is never freed (MemoryError after some thousands), and
  deleting that state segfaults: every ruleset has a catch-all rule `seen`, so every fact is handled and its
  state deleted.
"""
from __future__ import annotations

import itertools
import threading

from durable import engine

from ..compile import ABSENT, CompiledPack, CompiledRule, Truth


class _QuietHost(engine.Host):
    """A Host without the background dispatch/timer threads (they poll forever and raced post_batch)."""

    def _run(self):  # noqa: D401 - overriding the thread start-up on purpose
        return None


_ids = itertools.count()


def _noop(c) -> None:
    return None


class DurableEvaluator:
    name = "durable"
    cycle_free = False         # durable's action closures form reference cycles: the GC must run

    def __init__(self) -> None:
        self._host = _QuietHost()
        self._rulesets: dict[tuple[int, int], str] = {}
        self._results: dict[str, dict[int, bool]] = {}
        self._keys: dict[int, tuple[str, ...]] = {}
        self._lock = threading.Lock()          # one host, one caller at a time (not proven thread-safe)

    def _ruleset(self, compiled: CompiledPack, stratum: list[CompiledRule]) -> str:
        key = (id(compiled), stratum[0].stratum if stratum else -1)
        if key in self._rulesets:
            return self._rulesets[key]
        definition = {"seen": {"all": [{"m": {"$neq": {"k": ABSENT}}}], "run": _noop}}
        for rule in stratum:
            for suffix, expr, value in (("T", rule.durable_true, True), ("F", rule.durable_false, False)):
                if expr is not None:
                    definition[f"r{rule.index}_{suffix}"] = {"all": [{"m": expr}], "run": self._action(rule.index, value)}
        name = f"creditrules_{compiled.pack.id}_{key[1]}_{next(_ids)}"
        self._host.register_rulesets({name: definition})
        self._rulesets[key] = name
        return name

    def _stratum_keys(self, stratum: list[CompiledRule]) -> tuple[str, ...]:
        key = id(stratum[0]) if stratum else 0
        keys = self._keys.get(key)
        if keys is None:
            wanted = {"k"}
            for rule in stratum:
                wanted |= rule.keys
                wanted |= {f"c__{k[3:]}" for k in rule.keys if k.startswith("c__")}
            keys = self._keys[key] = tuple(sorted(wanted))
        return keys

    def _action(self, index: int, value: bool):
        results = self._results

        def act(c):
            results[c.m["sid"]][index] = value
        return act

    def decide(self, compiled: CompiledPack, stratum: list[CompiledRule], views: list[dict]) -> list[dict[int, Truth]]:
        with self._lock:
            name = self._ruleset(compiled, stratum)
            out: list[dict[int, Truth]] = []
            for view in views:
                outcome: dict[int, Truth] = {rule.index: None for rule in stratum}
                sid = f"e{next(_ids)}"
                self._results[sid] = {}
                message = dense_message(self._stratum_keys(stratum), view)
                message["sid"] = sid
                self._host.assert_fact(name, message)       # `seen` always matches: never unhandled
                self._host.delete_state(name, sid)
                outcome.update(self._results.pop(sid))
                out.append(outcome)
            return out


def dense_message(keys, view: dict) -> dict:
    """Every attribute the stratum's rules read, present: the view's value, or False / ABSENT (see module doc).
    Only those: durable decodes and re-encodes the whole fact for every rule that fires."""
    message = {}
    conduct_given = "c" in view
    for key in keys:
        if key in view:
            message[key] = view[key]
        elif key.startswith("p__"):
            message[key] = False
        elif key.startswith("c__"):
            message[key] = False if conduct_given else ABSENT
        elif key.startswith("f__") and key.count("__") == 2 and _parent_fact(key) in view:
            message[key] = False             # a list fact given without this member
        else:
            message[key] = ABSENT
    return message


def _parent_fact(member_key: str) -> str:
    return "__".join(member_key.split("__")[:2])
