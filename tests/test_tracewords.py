"""The trace's words remembered across events (engine/tracewords.py) are the words each event's own verdicts give:
a determination is the same with the memo as without it, on every pack, every trace level and both languages."""
import datetime as dt
import json

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import creditrules
from creditrules import api
from creditrules.engine.assemble import determine
from creditrules.engine.facts import fact_view
from creditrules.engine.tracewords import TraceWords
from creditrules.event import parse_event
from creditrules.packs import pack_dirs
from creditrules.plan import conditions as n
from creditrules.plan.facts import outcome_key
from creditrules.workspace import default_workspace

from strategies import events

PACKS = [p.name for p in pack_dirs()]
AS_OF = dt.date(2026, 6, 1)


def _plain(det: dict) -> bytes:
    return orjson.dumps(det, default=lambda x: x.__dict__ if hasattr(x, "__dict__") else str(x),
                        option=orjson.OPT_SORT_KEYS)


def _checked(plan, raws):
    out = []
    for raw in raws:
        try:
            out.append(parse_event(raw, plan.vocab))
        except creditrules.CreditRulesError:
            continue                        # a drawn event this pack refuses: nothing to compare
    return out


@pytest.mark.parametrize("pack", PACKS)
@settings(max_examples=25, deadline=None)
@given(data=st.data(), trace=st.sampled_from(["fired", "full"]), lang=st.sampled_from(["en", "zh"]),
       size=st.sampled_from([3, 32_768]))
def test_remembered_words_are_each_events_own(pack, data, trace, lang, size):
    plan = api.plan_for(pack)
    backend = default_workspace().prepared(plan, "reference")
    raws = data.draw(st.lists(events(plan.vocab), min_size=2, max_size=12))
    words = TraceWords(plan, lang, size=size)        # shared by every event; size 3 makes it start again often
    for event in _checked(plan, raws) * 2:           # the second round meets every combination remembered
        with_memo = determine(plan, event, AS_OF, backend, lang=lang, trace=trace, words=words).determination
        afresh = determine(plan, event, AS_OF, backend, lang=lang, trace=trace).determination
        assert _plain(with_memo) == _plain(afresh)


def test_a_date_in_the_words_is_the_events_own_after_a_remembered_combination():
    # Jilin 37(2): a general penalty's record can be repaired from 3 months and 1 day after the decision
    # (2024-03-01 + 3 months 1 day = 2024-06-02); both applications are too early, each at its own date
    base = {"id": "a", "subject": {"type": "legal_person"}, "kind": "repair_application",
            "basis": {"type": "administrative_penalty_decision", "decided_on": "2024-03-01"},
            "occurred_on": "2024-04-15", "facts": {"penalty_dishonesty_level": "general"}}
    second = dict(base, id="b", occurred_on="2024-05-20")
    items = list(creditrules.evaluate_many([base, second, base], jurisdiction="jilin", as_of="2024-06-01",
                                           trace="fired"))
    said = []
    for item in items:
        det = json.loads(item.to_json())
        assert det["repair"]["eligible"] is False and det["repair"]["earliest"] == "2024-06-02"
        (entry,) = [t for t in det["trace"] if t["rule"] == "repair.application.too_early"]
        said.append(entry["because"])
    assert "occurred_on 2024-04-15 < 2024-06-02 (2024-03-01 + 3 months 1 day = 2024-06-02)" in said[0]
    assert "occurred_on 2024-05-20 < 2024-06-02" in said[1]
    assert said[2] == said[0]


def test_another_languages_or_plans_words_are_not_used():
    plan = api.plan_for("henan")
    other = api.plan_for("jilin")
    backend = default_workspace().prepared(plan, "reference")
    event = parse_event({"id": "x", "subject": {"type": "legal_person"}, "kind": "administrative_penalty",
                         "conduct": ["food_drug"], "basis": {"type": "administrative_penalty_decision",
                                                               "decided_on": "2024-03-01"},
                         "facts": {"decision_final": True}}, plan.vocab)
    zh = determine(plan, event, AS_OF, backend, lang="zh", trace="full").determination
    for wrong in (TraceWords(plan, "en"), TraceWords(other, "zh")):
        got = determine(plan, event, AS_OF, backend, lang="zh", trace="full", words=wrong).determination
        assert _plain(got) == _plain(zh)
    assert any("且" in e.because for e in zh["trace"])


def test_what_a_condition_reads_is_named_for_every_leaf():
    # the memo is sound only if `reads` names every key a verdict looks at: for every rule of every pack, a view
    # holding only those keys gives the verdict the full view gives
    for pack in PACKS:
        plan = api.plan_for(pack)
        corpus = pack_dirs()[PACKS.index(pack)] / "corpus" / "events.jsonl"
        raws = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines() if line.strip()]
        for event in _checked(plan, raws)[:40]:
            view = fact_view(event, plan)
            for rule in plan.rules:          # some rules decided (true, false, undetermined), some not
                if rule.index % 3:
                    view[outcome_key(rule.index)] = rule.condition.truth(view) if rule.index % 3 == 1 else None
            for rule in plan.rules:
                keys = n.reads(rule.condition)
                narrow = {k: view[k] for k in keys if k in view}
                assert rule.condition.verdict(narrow) == rule.condition.verdict(view), rule.id
