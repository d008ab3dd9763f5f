"""The engine core's promises, as properties on every pack: one meaning (the explaining path agrees with the fast
path, the kind shortcut changes nothing), determinism whatever ran before, trace levels change only the trace."""
import datetime as dt
import random

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import creditrules
from creditrules.engine.assemble import determine
from creditrules.engine.facts import fact_view
from creditrules.event import parse_event
from creditrules.packs import compiled_pack, pack_dirs
from creditrules.workspace import default_workspace

from strategies import events

PACKS = [p.name for p in pack_dirs()]
AS_OF = dt.date(2025, 6, 1)


def _evaluation(pack, raw, trace="full"):
    plan = compiled_pack(pack)
    return determine(plan, parse_event(raw, plan.vocab), AS_OF, default_workspace().prepared(plan, "reference"),
                     trace=trace)


@pytest.mark.parametrize("pack", PACKS)
@given(raw=events())
def test_the_explaining_path_and_the_kind_shortcut_agree_with_the_fast_path(pack, raw):
    found = _evaluation(pack, raw)
    plan, view, outcomes = found.plan, found.view, found.outcomes
    compiled = default_workspace().prepared(plan, "reference").conditions
    for rule in plan.rules:
        fast = rule.condition.truth(view)              # the whole condition, no shortcut
        verdict = rule.condition.verdict(view)
        assert verdict.truth is fast, rule.id
        assert rule.condition.missing(view) == verdict.missing, rule.id      # missing without the verdict
        assert compiled[rule.index](view) is fast, rule.id      # the reference backend's closures
        if rule.index not in outcomes.excluded:
            assert outcomes.raw[rule.index] is fast, rule.id     # a rule the shortcut skipped is false in full


@pytest.mark.parametrize("pack", PACKS)
@given(raw=events())
def test_trace_levels_change_nothing_but_the_trace(pack, raw):
    full = _evaluation(pack, raw, "full").determination
    fired = _evaluation(pack, raw, "fired").determination
    none = _evaluation(pack, raw, "none").determination
    assert {k: v for k, v in full.items() if k != "trace"} == {k: v for k, v in fired.items() if k != "trace"} \
        == {k: v for k, v in none.items() if k != "trace"}
    assert none["trace"] == []
    assert fired["trace"] == [e for e in full["trace"] if e.outcome not in ("not_fired", "not_in_version")]
    assert [e.rule for e in full["trace"]] == [r.id for r in compiled_pack(pack).rules]


@pytest.mark.parametrize("pack", PACKS)
@settings(max_examples=25)
@given(batch=st.lists(events(), min_size=2, max_size=12), seed=st.integers(0, 2**16))
def test_shuffling_a_batch_changes_no_determination(pack, batch, seed):
    batch = [dict(raw, id=f"e{i}") for i, raw in enumerate(batch)]
    shuffled = batch[:]
    random.Random(seed).shuffle(shuffled)
    first = {i.data["event_id"]: orjson.dumps(i.data)
             for i in creditrules.evaluate_many(batch, pack, AS_OF, trace="full")}
    again = {i.data["event_id"]: orjson.dumps(i.data)
             for i in creditrules.evaluate_many(shuffled, pack, AS_OF, trace="full")}
    assert first == again


def _seeded_events(n, seed):
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from bench import generate
    return generate(n, seed)


def test_three_orders_give_the_same_600_determinations():
    """The engine-core issue's check: 600 generated Henan events in three orders, 0 differences."""
    events = _seeded_events(600, 20261201)
    orders = [events, events[::-1], sorted(events, key=lambda e: (len(e.get("facts", {})), e["id"]))]
    results = []
    for order in orders:
        results.append({i.data["event_id"]: orjson.dumps(i.data)
                        for i in creditrules.evaluate_many(order, "henan", AS_OF, trace="full") if i.ok})
    assert len(results[0]) > 500
    assert results[0] == results[1] == results[2]


def test_a_fact_less_event_before_does_not_change_missing_facts():
    """Seen on the old engine: `harm_minor` was listed as missing only if a fact-less event was evaluated first."""
    with_fact = {"id": "a", "subject": {"type": "natural_person"}, "kind": "administrative_penalty",
                 "conduct": ["tax_evasion"], "facts": {"harm_minor": True},
                 "basis": {"type": "administrative_penalty_decision", "decided_on": "2024-03-01"}}
    bare = {"id": "b", "subject": {"type": "natural_person"}, "kind": "administrative_penalty"}
    alone = creditrules.evaluate(with_fact, "henan", AS_OF).missing_facts
    creditrules.evaluate(bare, "henan", AS_OF)
    after = creditrules.evaluate(with_fact, "henan", AS_OF).missing_facts
    assert alone == after


def test_fact_view_keys_come_from_the_schema():
    plan = compiled_pack("henan")
    view = fact_view(parse_event({"id": "x", "subject": {"type": "legal_person"}, "kind": "administrative_penalty",
                                  "facts": {"decision_final": True, "collected_data_fields": []}}, plan.vocab), plan)
    assert view["fact:decision_final"] is True and view["fact:collected_data_fields"] == frozenset()
    assert "conduct" not in view          # not given: unknown, never an empty set
