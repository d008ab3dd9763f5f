"""The tracer sees the rules of the trace, in order; the JSON trace is a view of the same entries."""
import creditrules
from creditrules.packs import compiled_pack
from creditrules.trace import RecordingTracer

from conftest import ROOT


def test_the_tracer_and_the_json_trace_are_the_same_events():
    tracer = RecordingTracer()
    det = creditrules.evaluate(ROOT / "examples" / "henan-tax-evasion.yaml", jurisdiction="henan", as_of="2024-06-01",
                               tracer=tracer)
    rules = [e for kind, e in tracer.events if kind == "rule"]
    assert len(rules) == len(compiled_pack("henan").rules) == len(det.trace)
    assert [e.rule for e in rules] == [t.rule for t in det.trace]
    assert tracer.events[-1][0] == "determination" and tracer.events[-1][1]["event_id"] == det.event_id
    fired = set(tracer.fired())
    assert {"severe.market_order", "measures.severe.high_consumption", "listing.on_list"} <= fired
    assert not {"dishonesty.criminal_conviction", "incentives.priority_licensing"} & fired   # a penalty, not a crime
    assert {t.rule: t.outcome for t in det.trace}["dishonesty.criminal_conviction"] == "not_fired"
    # every measure in the determination names rules that fired and cite its provision
    outcome = {t.rule: t for t in det.trace}
    for sanction in det.sanctions:
        assert sanction.rules and all(outcome[r].outcome == "fired" for r in sanction.rules)
        assert any(c.label == sanction.citations[0].label for r in sanction.rules for c in outcome[r].citations)
