"""evaluate_events pauses the cyclic GC around the reference evaluator and the assembly of determinations: that is
only sound if they create no reference cycles. This proves it on generated events from every pack."""
import datetime as dt
import gc

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from creditrules.backends import get_evaluator
from creditrules.evaluate import evaluate_events
from creditrules.event import parse_event
from creditrules.packs import compiled_pack, pack_dirs, working_day_calendar

from strategies import events


@pytest.mark.parametrize("pack", [p.name for p in pack_dirs()])
@settings(max_examples=5, suppress_health_check=[HealthCheck.too_slow])
@given(batch=st.lists(events(), min_size=20, max_size=40))
def test_reference_evaluation_creates_no_reference_cycles(pack, batch):
    compiled = compiled_pack(pack)
    parsed = [parse_event(dict(e, id=f"e{i}")) for i, e in enumerate(batch)]
    calendar = working_day_calendar(compiled.pack.directory)
    evaluate_events(compiled, parsed[:1], dt.date(2025, 6, 1), calendar, get_evaluator("reference"))   # warm memos
    gc.collect()
    gc.disable()
    try:
        evaluate_events(compiled, parsed, dt.date(2025, 6, 1), calendar, get_evaluator("reference"))
        assert gc.collect() == 0
    finally:
        gc.enable()
