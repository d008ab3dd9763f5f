"""The columnar evaluator (creditrules.backends.columnar, creditrules/columnar/) gives the reference evaluator's
determinations: the contract JSON field for field, and every column of the flat table, on every pack, for
generated batches (hypothesis), each pack's corpus and YAML test cases, hostile records mixed in, and the dates the
calendar table works out (periods, working days with holidays and make-up days, years the calendar lacks, days
outside the table)."""
import datetime as dt
import json
import math
import random

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pl = pytest.importorskip("polars")

import creditrules  # noqa: E402
from creditrules import api  # noqa: E402
from creditrules import model as m  # noqa: E402
from creditrules.backends.columnar import (  # noqa: E402
    FLAT_COLUMNS,
    FLAT_SCHEMA,
    evaluate_batch,
    evaluate_table,
    flat_row,
    iter_tables,
    prepare,
    write_parquet,
)
from creditrules.backends.reference import ReferenceBackend  # noqa: E402
from creditrules.columnar import dates as d  # noqa: E402
from creditrules.columnar.table import Rows, Spec, _Slow  # noqa: E402
from creditrules.engine.assemble import determine  # noqa: E402
from creditrules.errors import CreditRulesError  # noqa: E402
from creditrules.event import CreditEvent, parse_event  # noqa: E402
from creditrules.packs import pack_dirs  # noqa: E402
from creditrules.timerules import WorkingDayCalendar, add_period  # noqa: E402

from strategies import VOCAB, events  # noqa: E402

batch_table = pytest.importorskip("creditrules.batch.table")
BATCH_NAMES = batch_table.NAMES

PACKS = [p.name for p in pack_dirs()]
AS_OF = dt.date(2025, 6, 1)


def _json(data):
    return orjson.loads(orjson.dumps(data))


def check_batch(pack, raws, as_of=AS_OF, trace="none", lang="en"):
    """The columnar batch (flat table and full JSON) against evaluate_many, record for record."""
    table, items = evaluate_batch(pack, raws, as_of, full=True, trace=trace, lang=lang)
    reference = list(creditrules.evaluate_many(raws, jurisdiction=pack, as_of=as_of, trace=trace, lang=lang))
    assert table.height == len(items) == len(reference) == len(raws)
    assert table.schema == pl.Schema(FLAT_SCHEMA)
    assert table.get_column("index").to_list() == list(range(len(raws)))
    good = 0
    for row, item, ref in zip(table.iter_rows(named=True), items, reference, strict=True):
        assert item.index == ref.index == row["index"]
        # the batch engine's flat table (creditrules/batch/table.py), column for column
        assert {k: row[k] for k in BATCH_NAMES} == batch_table.row(ref)
        if ref.error is not None:
            assert item.error is not None and item.error_record() == ref.error_record()
            assert row["level"] is None
            continue
        good += 1
        assert item.error is None and row["error_code"] is None
        assert _json(item.data) == _json(ref.data)
        expected = flat_row(ref.data)
        assert {k: row[k] for k in expected} == expected
        assert len(row["warning_codes"]) == len(row["warnings"])
    return good


def _numbered(raws):
    for i, raw in enumerate(raws):
        raw["id"] = f"e{i}"
    return raws


# --- differential: generated batches, every pack ----------------------------------------------------------------

@pytest.mark.parametrize("pack", PACKS)
@settings(max_examples=12)
@given(raws=st.lists(events(), min_size=1, max_size=40))
def test_generated_batches_match_the_reference(pack, raws):
    assert check_batch(pack, _numbered(raws)) == len(raws)


@settings(max_examples=6)
@given(raws=st.lists(events(), min_size=1, max_size=15), trace=st.sampled_from(["fired", "full"]),
       lang=st.sampled_from(["en", "zh"]))
def test_trace_levels_and_languages_match_the_reference(raws, trace, lang):
    for pack in ("henan", "xinjiang"):
        check_batch(pack, _numbered([dict(r) for r in raws]), trace=trace, lang=lang)


def _corpus(pack):
    path = pack_dirs()[PACKS.index(pack)] / "corpus" / "events.jsonl"
    if not path.is_file():
        pytest.skip(f"no corpus for {pack}")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("pack", PACKS)
def test_each_packs_corpus_matches_the_reference(pack):
    raws = _corpus(pack)
    assert check_batch(pack, raws, as_of=dt.date(2024, 6, 1)) == len(raws)


@pytest.mark.parametrize("pack", PACKS)
def test_each_packs_yaml_cases_match_the_reference(pack):
    """The pack's own test cases (they fire every rule), grouped by their as_of, one batch per group."""
    plan = api.plan_for(pack)
    groups: dict = {}
    for case in plan.pack.tests:
        groups.setdefault(case.as_of or AS_OF, []).append(case.event)
    assert groups
    for as_of, raws in groups.items():
        check_batch(pack, raws, as_of=as_of)


@pytest.mark.parametrize("pack", PACKS)
def test_the_registry_form_decides_like_the_reference(pack):
    """prepare(plan).decide (one stratum over one fact view, a one-row frame) on every YAML case of the pack."""
    plan = api.plan_for(pack)
    columnar, reference = prepare(plan), ReferenceBackend(plan)
    seen = 0
    for case in plan.pack.tests:
        try:
            event = parse_event(case.event, plan.vocab)
        except CreditRulesError:
            continue
        day = case.as_of or AS_OF
        ours = determine(plan, event, day, columnar, trace="full")
        theirs = determine(plan, event, day, reference, trace="full")
        assert ours.outcomes.raw == theirs.outcomes.raw
        assert _json(ours.determination) == _json(theirs.determination)
        seen += 1
    assert seen


# --- bad records in a batch ---------------------------------------------------------------------------------------

def test_bad_records_stay_in_place_and_good_ones_are_all_evaluated():
    tag = sorted(api.plan_for("henan").schema.read_conduct)[0]
    good = {"id": "g", "subject": {"type": "legal_person"}, "kind": "administrative_penalty",
            "conduct": [tag], "basis": {"type": "administrative_penalty_decision", "decided_on": "2024-03-01"},
            "facts": {"decision_final": True}}
    model = parse_event(dict(good, id="model"), api.plan_for("henan").vocab)
    raws = [good, "not an event", dict(good, id="g2", kind="no_such_kind"), model,
            dict(good, id="g3", facts={"decision_final": "yes"}), {"id": "", "subject": {}, "kind": 3},
            dict(good, id="g4", occurred_on="2024-02-30"), dict(good, id="g5", basis={"type": "court_judgment",
                                                                                         "decided_on": b"2024"}),
            dict(good, id="g6")]
    assert check_batch("henan", raws) == 3
    table = evaluate_table("henan", raws, AS_OF)
    assert table.get_column("event_id").to_list() == ["g", None, None, "model", None, None, None, None, "g6"]
    assert table.filter(pl.col("error_code").is_not_null()).height == 6


# --- the fast path takes only what parse_event takes ------------------------------------------------------------

_HOSTILE = [None, 0, -1, 2 ** 60, 1.5, math.nan, True, "", "x" * 10_001, "\ud800", b"bytes", (1, 2), {"a"},
            dt.datetime(2024, 1, 1, 12), dt.date(2024, 2, 29), "2024-02-30", "2024-13-01", "2024-1-01",
            "２０２４-01-01", [], ["food_drug"], [1], {}, {"x": 1}, {1: 2}, "food_drug", "legal_person",
            "administrative_penalty", "2024-03-01"]
_PATHS = [(), ("id",), ("kind",), ("subject",), ("subject", "type"), ("subject", "id"), ("subject", "name"),
          ("subject", "birth_date"), ("subject", "responsible_persons"), ("conduct",), ("basis",), ("basis", "type"),
          ("basis", "number"), ("basis", "decided_on"), ("occurred_on",), ("facts",), ("extra",), ("subject", "extra")]


@st.composite
def hostile_records(draw):
    raw = draw(events())
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(["field", "fact", "person", "conduct"]))
        value = draw(st.sampled_from(_HOSTILE))
        if kind == "fact":
            name = draw(st.sampled_from(sorted(VOCAB.facts) + ["not_a_fact"]))
            if not isinstance(raw.get("facts"), dict):
                raw["facts"] = {}
            raw["facts"][name] = value
        elif kind == "person":
            if not isinstance(raw.get("subject"), dict):
                raw["subject"] = {"type": "legal_person"}
            raw["subject"]["responsible_persons"] = [{"role": draw(st.sampled_from(["legal_representative", "x"])),
                                                      "name": value}]
        elif kind == "conduct":
            raw["conduct"] = [draw(st.sampled_from(sorted(VOCAB.conduct))), value]
        else:
            path = draw(st.sampled_from(_PATHS))
            if not path:
                continue
            target = raw
            for part in path[:-1]:
                if not isinstance(target.get(part), dict):
                    target[part] = {}
                target = target[part]
            target[path[-1]] = value
    return raw


@given(raw=hostile_records())
def test_the_fast_path_accepts_only_what_parse_event_accepts_and_holds_the_same_values(raw):
    plan = api.plan_for("henan")
    spec = Spec.of(plan)
    assert spec.fast
    fast = Rows(spec)
    try:
        fast._add_fast(0, raw)
        taken = True
    except _Slow:
        taken = False
    try:
        event = parse_event(raw, plan.vocab)
    except CreditRulesError:
        assert not taken, "the fast path took a record parse_event rejects"
        return
    if taken:
        slow = Rows(spec)
        slow.add_event(0, event)
        assert fast.frame().equals(slow.frame())


# --- dates: the calendar table against timerules --------------------------------------------------------------

CAL = WorkingDayCalendar()
TABLE = d.Calendar(CAL)


def _work_out(starts, period):
    """Start dates + period through the columnar expressions (and the reference where the table cannot)."""
    df = pl.DataFrame({"s": starts}, schema={"s": pl.Date})
    df = df.with_columns(d.period_expr(pl.col("s"), period, TABLE).alias("r"))
    df = df.with_columns(d.token_expr(pl.col("s"), pl.col("r"), period, 0, TABLE).alias("t"))
    if period.working_days:
        df = d.patch(df, "s", period.working_days, "r", "t", 0, TABLE)
    return df.get_column("r").to_list(), df.get_column("t").to_list()


def _reference(start, period):
    return d.reference_period(start, period, TABLE)


def _texts(token, period):
    return [d.token_text(t, [period], TABLE, "en")[0] for t in (token or "").split("/") if t]


def _expected_texts(comp):
    """What Context._calendar_warning says about a computation."""
    out = []
    if comp.result is None and comp.beyond_calendar:
        out.append(comp.beyond_warning("en"))
    return out + comp.calendar_warnings("en")


@pytest.mark.parametrize("n", [1, 3, 5, 10, 20])
def test_working_days_match_the_reference_on_every_day_the_package_knows(n):
    first, last = dt.date(2004, 1, 1), dt.date(2026, 12, 31)
    days = [first + dt.timedelta(days=k) for k in range(n % 5, (last - first).days + 1, 5)]
    period = m.Period(working_days=n)
    results, tokens = _work_out(days, period)
    for day, result, token in zip(days, results, tokens, strict=True):
        comp = _reference(day, period)
        assert result == comp.result, day
        assert _texts(token, period) == _expected_texts(comp), day


def test_make_up_working_days_and_holidays_count_as_the_state_council_says():
    period = m.Period(working_days=1)
    starts = [dt.date(2024, 2, 3), dt.date(2024, 2, 9), dt.date(2023, 10, 6), dt.date(2023, 9, 28),
              dt.date(2025, 1, 25), dt.date(2019, 9, 28)]
    results, _ = _work_out(starts, period)
    # 2024-02-04 (a Sunday) was a make-up working day; the Spring Festival holiday ran 2024-02-10 to 02-17
    # (02-18, a Sunday, made up); 2023-10-07 and 10-08 (weekend) were make-up days after National Day
    assert results[:4] == [dt.date(2024, 2, 4), dt.date(2024, 2, 18), dt.date(2023, 10, 7), dt.date(2023, 10, 7)]
    assert results == [_reference(s, period).result for s in starts]


def test_working_days_through_2027_count_its_statutory_holidays_as_the_reference_does():
    """2027 is held by no arrangement: the fixed holidays of 全国年节及纪念日放假办法 art. 2 (2024) are counted
    (除夕 2027-02-05, 正月初一 02-06, 清明 04-05, 端午 06-09, 中秋 09-15), on the table and in the reference alike."""
    period = m.Period(working_days=3)
    starts = [dt.date(2026, 12, 30), dt.date(2027, 2, 3), dt.date(2027, 9, 30)]
    results, tokens = _work_out(starts, period)
    # Wed 30 Dec 2026: Thu 31 Dec = 1; Fri 1 Jan 2027 (元旦) off; Mon 4 Jan = 2, Tue 5 Jan = 3.
    # Wed 3 Feb 2027: Thu 4 Feb = 1; 5-8 Feb (除夕 to 初三) off; Tue 9 Feb = 2, Wed 10 Feb = 3.
    # Thu 30 Sep 2027: 1-3 Oct (国庆) off; Mon 4 Oct = 1, Tue 5 = 2, Wed 6 = 3.
    assert results == [dt.date(2027, 1, 5), dt.date(2027, 2, 10), dt.date(2027, 10, 6)]
    days = [dt.date(2026, 11, 1) + dt.timedelta(days=k) for k in range(0, 500, 3)]
    for n in (1, 3, 20):
        period = m.Period(working_days=n)
        for day, result, token in zip(days, *_work_out(days, period), strict=True):
            comp = _reference(day, period)
            assert result == comp.result, (day, n)
            assert _texts(token, period) == _expected_texts(comp), (day, n)
    assert "statutory holidays" in _texts(tokens[0], period)[0]


@given(start=st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)),
       n=st.sampled_from([1, 2, 7, 20, 250, 10_000, 10_001]))
def test_working_days_anywhere_in_the_calendar(start, n):
    """Outside the table's span (before 1949, after 2100, near 9999-12-31) the reference itself works it out."""
    period = m.Period(working_days=n)
    (result,), (token,) = _work_out([start], period)
    comp = _reference(start, period)
    assert result == comp.result
    assert _texts(token, period) == _expected_texts(comp)


@given(start=st.dates(min_value=dt.date(2022, 6, 1), max_value=dt.date(2031, 1, 1)), n=st.integers(1, 400))
def test_years_the_calendar_lacks_are_counted_on_weekends_with_the_references_warning(start, n):
    period = m.Period(working_days=n)
    (result,), (token,) = _work_out([start], period)
    comp = _reference(start, period)
    assert result == comp.result
    assert _texts(token, period) == _expected_texts(comp)


@given(start=st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)),
       years=st.integers(0, 12), months=st.integers(0, 30), days=st.integers(0, 400))
def test_month_and_year_periods_end_on_the_corresponding_day_or_the_months_last(start, years, months, days):
    period = m.Period(years=years, months=months, days=days)
    (result,), (token,) = _work_out([start], period)
    comp = add_period(start, years=years, months=months, days=days)
    assert result == comp.result
    assert _texts(token, period) == _expected_texts(comp)


def test_february_29_and_month_ends():
    starts = [dt.date(2024, 2, 29), dt.date(2024, 1, 31), dt.date(2023, 8, 31), dt.date(9999, 6, 30)]
    results, tokens = _work_out(starts, m.Period(years=5))
    assert results == [dt.date(2029, 2, 28), dt.date(2029, 1, 31), dt.date(2028, 8, 31), None]
    assert tokens[:3] == [None] * 3 and tokens[3]
    results, _ = _work_out(starts[:3], m.Period(months=1))
    assert results == [dt.date(2024, 3, 29), dt.date(2024, 2, 29), dt.date(2023, 9, 30)]


def test_extreme_dates_in_whole_determinations():
    """Dates at the edges of what an event may hold (event.DATE_RANGE: 1900-01-01 to 2200-12-31), periods and
    working days counted past them and through years whose holidays are not held (2027-2100 statutory, after 2100
    weekends only), report years at the edge, and dates outside the range (input errors in place): the columnar
    determinations, errors and warnings are the reference's."""
    from creditrules.packs import compiled_pack
    rng = random.Random(20261201)
    days = ["2200-12-31", "2200-12-30", "2197-03-01", "1900-02-28", "1900-01-01", "1948-12-31", "2101-01-03",
            "2026-12-31", "2027-01-04", "2024-02-29", "2023-10-07", "2024-02-04", "1899-12-31", "9999-12-31"]
    date_facts = ("received_by_platform_on", "notice_received_on", "changed_on", "reported_on", "filing_revoked_on",
                  "removed_from_list_on", "corrected_on", "review_accepted_on", "error_discovered_on")
    for pack in PACKS:
        vocab = compiled_pack(pack).vocab                  # the core set and the pack's own names
        kinds = sorted(vocab.kinds)
        raws = []
        for i in range(80):
            decided, effective = sorted([rng.choice(days), rng.choice(days)])
            facts = {name: rng.choice(days) for name in date_facts if name in vocab.facts}
            if "report_year" in vocab.facts:
                facts["report_year"] = rng.choice([1900, 2024, 2199, 2200])
            raws.append({"id": f"x{i}", "subject": {"type": rng.choice(["legal_person", "natural_person"])},
                         "kind": rng.choice(kinds), "occurred_on": rng.choice(days), "conduct": [],
                         "basis": {"type": rng.choice(["administrative_penalty_decision", "court_judgment"]),
                                   "decided_on": decided, "effective_on": effective},
                         "facts": facts | {"on_severe_list": rng.random() < 0.5}})
        good = check_batch(pack, raws, trace="fired")
        assert 0 < good < len(raws)                        # some in range, some rejected (1899, 9999)


# --- output ---------------------------------------------------------------------------------------------------

def test_parquet_holds_the_table_and_chunks_keep_input_order(tmp_path):
    raws = _corpus("henan")[:23] + ["bad"] + _corpus("henan")[23:40]
    whole = evaluate_table("henan", raws, AS_OF)
    assert whole.columns == list(FLAT_COLUMNS)
    assert whole.columns[:len(BATCH_NAMES)] == list(BATCH_NAMES)
    assert whole.get_column("determination").null_count() == whole.height       # the JSON only with full=True
    chunks = list(iter_tables("henan", iter(raws), AS_OF, chunk=7))
    assert [c.height for c in chunks] == [7, 7, 7, 7, 7, 6]
    assert pl.concat(chunks).equals(whole)
    path = tmp_path / "out.parquet"
    assert write_parquet("henan", iter(raws), path, AS_OF, chunk=10) == {"rows": 41, "errors": 1}
    assert pl.read_parquet(path).equals(whole)
    good = whole.filter(pl.col("error_code").is_null())
    assert good.get_column("pack_digest").unique().to_list() == [api.plan_for("henan").digest]


def test_a_creditevent_model_is_checked_like_a_dict():
    raw = {"id": "m", "subject": {"type": "legal_person"}, "kind": "administrative_penalty",
           "facts": {"decision_final": True}}
    model = CreditEvent.model_construct(**{**raw, "facts": {"decision_final": "not a bool"}})
    table, items = evaluate_batch("henan", [raw, model], AS_OF, full=True)
    assert items[0].error is None and items[1].error is not None
    assert table.get_column("error_code").to_list() == [None, "bad-fact-value"]
