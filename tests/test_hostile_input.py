"""Hostile input and faults on the input side: nothing crashes, nothing hangs, nothing is silently coerced.

Events (wrong Python types, NaN, huge and deep values, ready-made models), dates at the calendar's edge, calendar
files of the wrong shape, hostile YAML (alias bombs, deep nesting, full-width punctuation), masked identifiers.
"""
import datetime as dt
import math
import tracemalloc

import pytest

from creditrules.errors import InputError, PackError, quote
from creditrules.event import CreditEvent, check_event_model, parse_event
from creditrules.identifiers import identifier_warning, mask_identifier
from creditrules.timerules import MAX_WORKING_DAYS, WorkingDayCalendar, add_period, load_calendar
from creditrules.yamlsource import load_yaml_file, load_yaml_text

D = dt.date


def base(**changes):
    event = {"id": "e1", "subject": {"type": "legal_person"}, "kind": "administrative_penalty"}
    event.update(changes)
    return event


def errors_of(data, **kw):
    with pytest.raises(InputError) as info:
        parse_event(data, **kw)
    return info.value.diagnostics


def nested(depth):
    root = inner = []
    for _ in range(depth - 1):
        inner.append([])
        inner = inner[0]
    return root


# ---- 1. events: no coercion, every wrong type an InputError naming the field --------------------------------

@pytest.mark.parametrize("event,field", [
    (base(kind=b"administrative_penalti"), "`kind`"),
    (base(kind=b"administrative_penalty"), "`kind`"),                    # even a right name, as bytes
    (base(subject={"type": b"company"}), "`subject.type`"),
    (base(subject={"type": b"legal_person"}), "`subject.type`"),
    (base(id=b"e1"), "`id`"),
    (base(subject={"type": "legal_person", "name": bytearray(b"x")}), "`subject.name`"),
    (base(conduct=[b"tax_evasion"]), "`conduct.0`"),
    (base(conduct=(b"tax_evasion",)), "`conduct.0`"),
    (base(conduct={"tax_evasion"}), "`conduct`"),                         # a set has no order: not a list
    (base(basis={"type": "court_judgment", "number": b"(2024)1"}), "`basis.number`"),
    (base(facts={"procedure": b"general"}), "`facts.procedure`"),
    (base(facts={"collected_data_fields": (b"religion",)}), "`facts.collected_data_fields`"),
    (base(occurred_on=dt.datetime(2024, 1, 10, 9, 30)), "`occurred_on`"),
    (base(occurred_on=dt.datetime(2024, 1, 10)), "`occurred_on`"),       # midnight is still a date and time
    (base(basis={"type": "court_judgment", "decided_on": dt.datetime(2024, 3, 1)}), "`basis.decided_on`"),
    (base(subject={"type": "natural_person", "birth_date": dt.datetime(2008, 5, 1)}), "`subject.birth_date`"),
    (base(facts={"removed_from_list_on": dt.datetime(2025, 1, 2)}), "`facts.removed_from_list_on`"),
    (base(facts={"months_overdue_after_reminder": math.nan}), "`facts.months_overdue_after_reminder`"),
    (base(facts={"months_overdue_after_reminder": math.inf}), "`facts.months_overdue_after_reminder`"),
    (base(facts={"months_overdue_after_reminder": -math.inf}), "`facts.months_overdue_after_reminder`"),
    (base(facts={"months_overdue_after_reminder": 7.0}), "`facts.months_overdue_after_reminder`"),
    (base(facts={"months_overdue_after_reminder": True}), "`facts.months_overdue_after_reminder`"),
    (base(facts={"months_overdue_after_reminder": 10 ** 5000}), "`facts.months_overdue_after_reminder`"),
    (base(facts={"severe_consequences": 1}), "`facts.severe_consequences`"),
    (base(facts={"severe_consequences": 0}), "`facts.severe_consequences`"),
    (base(facts={"severe_consequences": "true"}), "`facts.severe_consequences`"),
    (base(facts={"removed_from_list_on": 20250102}), "`facts.removed_from_list_on`"),
    (base(facts={"removed_from_list_on": "2025-01-02\n"}), "`facts.removed_from_list_on`"),
    (base(facts={"procedure": ["general"]}), "`facts.procedure`"),
    (base(kind=["administrative_penalty"]), "`kind`"),
    (base(id=7), "`id`"),
    (base(id=True), "`id`"),
    (base(subject={"type": "legal_person", "id": 91410100}), "`subject.id`"),
    (base(id="e\ud800"), "`id`"),                                          # an unpaired surrogate is not text
    (base(subject={"type": "legal_person", "name": object()}), "`subject.name`"),
])
def test_a_wrong_type_is_an_input_error_naming_the_field(event, field):
    ds = errors_of(event)
    assert any(field in d.message for d in ds), [str(d) for d in ds]


def test_a_tuple_counts_as_a_list_and_its_names_are_checked():
    [d] = errors_of(base(conduct=("tax_evsion",)))
    assert d.code == "unknown-name" and "`conduct.0`" in d.message and "did you mean `tax_evasion`?" in d.hint
    event = parse_event(base(conduct=("tax_evasion",), facts={"collected_data_fields": ("religion",)}))
    assert event.conduct == ["tax_evasion"] and event.facts["collected_data_fields"] == ("religion",)
    [d] = errors_of(base(facts={"collected_data_fields": ("religon",)}))
    assert d.code == "unknown-name" and "collected_data_fields" in d.message


def test_bytes_are_never_decoded_silently():
    [d] = errors_of(base(kind=b"administrative_penalti"))
    assert d.code == "bad-type" and "bytes" in d.message


def test_a_huge_text_is_rejected_and_not_quoted_in_full():
    [d] = errors_of(base(subject={"type": "legal_person", "name": "某" * 20_000}))
    assert d.code == "too-long" and "`subject.name`" in d.message and "某某某" not in d.message
    ds = errors_of(base(kind="x" * 9_000))                       # under the cap: quoted, shortened
    assert "x" * 60 + "…" in ds[0].message and "x" * 61 not in ds[0].message and len(ds[0].message) < 200


def test_a_huge_event_is_rejected_before_it_is_walked():
    facts = {f"fact_{i}": "y" * 9_000 for i in range(200)}     # 1.8 million characters
    [d] = errors_of(base(facts=facts))
    assert d.code == "too-large"
    [d] = errors_of(base(conduct=["tax_evasion"] * 1_000_000))
    assert d.code == "too-large"


def test_deep_nesting_is_rejected_without_recursion_error():
    for depth in (25, 1_000, 100_000):
        ds = errors_of(base(facts={"collected_data_fields": nested(depth)}))
        [deep] = [d for d in ds if d.code == "too-deep"]
        assert "facts.collected_data_fields" in deep.message
    cyclic = base()
    cyclic["facts"] = {"collected_data_fields": cyclic}
    assert "too-deep" in {d.code for d in errors_of(cyclic)}


def test_bad_values_are_quoted_shortened():
    long_tag = "z" * 500
    ds = errors_of(base(conduct=[long_tag], facts={"procedure": long_tag, "months_overdue_after_reminder": "9" * 500}))
    for d in ds:
        assert "z" * 61 not in d.message and "9" * 61 not in d.message, d.message
        assert "…" in d.message
    assert quote("a" * 100) == "a" * 60 + "…"
    assert "digits" in quote(10 ** 5000)


def test_every_problem_is_still_reported_next_to_a_wrong_type():
    ds = errors_of(base(kind=b"administrative_penalty", conduct=["tax_evsion"], facts={"severe_consequences": 1}))
    assert {d.code for d in ds} == {"bad-type", "unknown-name", "bad-fact-value"} and len(ds) == 3


def test_a_ready_made_model_is_checked_against_the_vocabulary():
    model = CreditEvent(id="e1", subject={"type": "legal_persn"}, kind="administrative_penalti",
                        conduct=["tax_evsion"], facts={"procedure": "simpel", "nonsense": 1})
    with pytest.raises(InputError) as info:
        check_event_model(model)
    messages = " ".join(d.message for d in info.value.diagnostics)
    for name in ("`kind`", "`subject.type`", "`conduct.0`", "`facts.procedure`", "unknown fact `nonsense`"):
        assert name in messages
    with pytest.raises(InputError):
        parse_event(model)                                        # parse_event takes a model too


def test_a_model_built_without_validation_is_checked_value_by_value():
    model = CreditEvent.model_construct(id="e1", subject={"type": b"legal_person"}, kind=b"administrative_penalty",
                                        facts={"months_overdue_after_reminder": math.nan})
    with pytest.raises(InputError) as info:
        check_event_model(model)
    messages = " ".join(d.message for d in info.value.diagnostics)
    assert "`kind`" in messages and "`subject.type`" in messages and "months_overdue_after_reminder" in messages


def test_a_good_model_checks_to_an_equal_event():
    event = parse_event(base(conduct=["tax_evasion"], occurred_on="2024-01-10",
                             basis={"type": "court_judgment", "decided_on": "2024-03-01"},
                             facts={"removed_from_list_on": "2025-01-02", "collected_data_fields": ["religion"],
                                    "months_overdue_after_reminder": 7, "decision_final": None}))
    assert check_event_model(event) == event
    assert check_event_model(check_event_model(event)) == event
    with pytest.raises(TypeError):
        check_event_model(base())


def test_nan_and_unknown_tags_from_yaml_are_errors_with_positions():
    [doc], errs = load_yaml_text("id: e1\nsubject: {type: legal_person}\nkind: administrative_penalty\n"
                                 "facts: {months_overdue_after_reminder: .nan}\n", "ev.yaml")
    assert not errs
    [d] = errors_of(doc.data, doc=doc)
    assert d.code == "bad-number" and (d.position.line, d.position.column) == (4, 40)


def test_a_bad_identifier_or_name_is_not_quoted_whole():
    ds = errors_of(base(subject={"type": "natural_person", "id": 110105194912310021, "name": "张三丰".encode(),
                                 "responsible_persons": [{"role": "principal", "name": ["李四"]}]}))
    text = " ".join(map(str, ds))
    assert "`subject.id`" in text and "`subject.name`" in text and "responsible_persons.0.name" in text
    assert "110105194912310021" not in text and "11**************21" in text and "李四" not in text
    assert "\\xe5\\xbc\\xa0\\xe4" not in text          # not even as escaped bytes


# ---- 2. dates at the edges --------------------------------------------------------------------------------

def test_a_decision_of_9999_12_31_plus_five_years_is_beyond_the_calendar_not_an_overflow():
    comp = add_period(D(9999, 12, 31), years=5)
    assert comp.result is None and comp.beyond_calendar
    assert "9999-12-31 + 5 years" in comp.warning and "undetermined" in comp.warning
    assert "不确定" in comp.beyond_warning("zh")
    assert "beyond the calendar" in comp.describe()
    for kw in ({"months": 1}, {"days": 1}, {"years": 10 ** 20}, {"days": 10 ** 20}, {"days": -10 ** 7}):
        assert add_period(D(9999, 12, 31) if "days" not in kw or kw["days"] > 0 else D(1, 1, 1), **kw).result is None
    ok = add_period(D(9994, 12, 31), years=5)
    assert ok.result == D(9999, 12, 31) and not ok.beyond_calendar and ok.warning is None


@pytest.mark.parametrize("path", [("occurred_on",), ("basis", "decided_on"), ("basis", "effective_on"),
                                  ("subject", "birth_date"), ("facts", "removed_from_list_on")])
@pytest.mark.parametrize("day, ok", [("1899-12-31", False), ("1900-01-01", True), ("2200-12-31", True),
                                     ("2201-01-01", False), ("0001-01-01", False), ("9999-12-31", False)])
def test_every_event_date_lies_in_the_one_date_range(path, day, ok):
    from creditrules.event import DATE_RANGE
    assert DATE_RANGE == (D(1900, 1, 1), D(2200, 12, 31))
    event = base(subject={"type": "natural_person"}, basis={"type": "court_judgment"})
    node = event
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = day
    if ok:
        parse_event(event)
        return
    [d] = errors_of(event)
    assert d.code in ("bad-date", "bad-fact-value") and f"`{'.'.join(path)}`" in d.message
    assert f"`{day}` is outside the dates an event may hold (1900-01-01 to 2200-12-31)" in d.message


def test_a_date_object_outside_the_range_is_refused_too():
    [d] = errors_of(base(occurred_on=D(9999, 12, 31)))
    assert "outside the dates" in d.message


@pytest.mark.parametrize("as_of", ["9999-12-31", "1899-12-31", D(1, 1, 1), "20240601", "2024-W01-1"])
def test_an_as_of_outside_the_range_or_not_yyyy_mm_dd_is_an_input_error(as_of):
    import creditrules
    with pytest.raises(InputError) as info:
        creditrules.evaluate(base(), "henan", as_of)
    assert info.value.diagnostics[0].code == "bad-date" and "`as_of`" in str(info.value)


def test_a_subject_born_after_the_conduct_is_an_input_error_not_age_zero():
    event = base(kind="administrative_penalty", occurred_on="2020-03-01",
                 subject={"type": "natural_person", "birth_date": "2021-05-01"})
    [d] = errors_of(event)
    assert d.code == "impossible-date"
    assert "`subject.birth_date` 2021-05-01 is after `occurred_on` 2020-03-01" in d.message
    event["subject"]["birth_date"] = "2020-03-01"          # born that day: possible (age 0)
    parse_event(event)


def test_a_subject_born_after_the_decision_is_an_input_error():
    event = base(subject={"type": "natural_person", "birth_date": "2021-05-01"},
                 basis={"type": "court_judgment", "decided_on": "2021-04-30"})
    [d] = errors_of(event)
    assert d.code == "impossible-date" and "`basis.decided_on` 2021-04-30" in d.message


def test_a_decision_effective_before_it_was_made_is_an_input_error():
    event = base(basis={"type": "court_judgment", "decided_on": "2023-06-30", "effective_on": "2019-01-01"})
    [d] = errors_of(event)
    assert d.code == "impossible-date"
    assert "`basis.effective_on` 2019-01-01 is before `basis.decided_on` 2023-06-30" in d.message
    event["basis"]["effective_on"] = "2023-06-30"          # effective the day it is made: possible
    parse_event(event)


def test_a_procedural_event_dated_after_its_decision_is_accepted():
    # a repair application (occurred_on: the day of the application) comes after the decision it is about
    parse_event(base(kind="repair_application", occurred_on="2023-09-29",
                     basis={"type": "administrative_penalty_decision", "decided_on": "2023-06-30",
                            "effective_on": "2023-07-02"}))


def test_working_days_past_9999_or_too_many_are_beyond_and_quick():
    cal = WorkingDayCalendar()
    past = cal.add_working_days(D(9999, 12, 20), 30)
    many = cal.add_working_days(D(2024, 1, 1), 10 ** 9)
    assert past.result is None and past.beyond_calendar and "9999-12-31" in past.warning
    assert many.result is None and many.beyond_calendar and many.over_limit and "working days" in many.warning
    far = cal.add_working_days(D(2024, 1, 1), MAX_WORKING_DAYS)     # the most counted: still quick
    assert far.result is not None and far.result.year > 2060
    assert "2027-" in far.warning and len(far.warning) < 300       # unknown years as a range, not 36 of them


@pytest.mark.parametrize("text,code", [
    ("year: 2027\nholidays: 5\n", "bad-type"),
    ("year: 2027\nholidays: 2027-10-01\n", "bad-type"),
    ("year: 2027\nworkdays: {from: 2027-01-01, to: 2027-01-02}\n", "bad-type"),
    ("year: '2027'\n", "calendar-year"),
    ("year: true\n", "calendar-year"),
    ("year: 99999\n", "calendar-year"),
    ("- 2027-10-01\n", "calendar-year"),
    ("year: 2027\nsource: [a, b]\n", "bad-type"),
    ("year: 2027\nholidays: [20271001]\n", "bad-date"),
    ("year: 2027\nholidays: [[2027-10-01]]\n", "bad-date"),
    ("year: 2027\nholidays: [{from: 0001-01-01, to: 9999-12-31}]\n", "calendar-year"),
    ("year: 2027\nholidays: [{from: 2027-10-07, to: 2027-10-01}]\n", "bad-date"),
    ("year: 2027\nholidays: [{from: 2027-10-01, to: [x]}]\n", "bad-date"),
    ("year: 2027\n1: x\nnotes: y\n", "unknown-key"),
])
def test_a_calendar_value_of_the_wrong_type_is_a_diagnostic(tmp_path, text, code):
    (tmp_path / "2027.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(PackError) as info:
        load_calendar(tmp_path)
    assert code in {d.code for d in info.value.diagnostics}, [str(d) for d in info.value.diagnostics]
    assert all(d.position.line for d in info.value.diagnostics)


# ---- 3. YAML ------------------------------------------------------------------------------------------------

BILLION_LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(8))


def load_bounded(text, mebibytes=100):
    """Bounded by memory (deterministic), not by time: nothing in the suite is timed."""
    tracemalloc.start()
    try:
        docs, errors = load_yaml_text(text, "f.yaml")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < mebibytes * 2 ** 20
    return docs, errors


def test_billion_laughs_is_rejected_before_it_is_expanded():
    docs, errors = load_bounded(BILLION_LAUGHS, mebibytes=10)
    assert [e.code for e in errors] == ["yaml-limit"] and not docs
    assert "alias" in errors[0].message and errors[0].position.line > 1


def test_many_aliases_of_one_big_anchor_are_rejected():
    text = "big: &big [" + ", ".join(["x"] * 21_000) + "]\n" + "".join(f"c{i}: *big\n" for i in range(5))
    docs, errors = load_bounded(text)       # 126,000 values once expanded: over the 100,000 cap
    assert [e.code for e in errors] == ["yaml-limit"] and not docs


def test_an_alias_inside_what_it_refers_to_is_rejected():
    for text in ("a: &x [*x]\n", "a: &x {b: *x}\n", "? &k [*k]\n: 1\n"):
        docs, errors = load_bounded(text)
        assert [e.code for e in errors] == ["yaml-limit"] and "contains itself" in errors[0].message


def test_a_thousand_levels_of_nesting_are_rejected_without_recursion_error():
    block = "a:\n" + "".join("  " * i + "- \n" for i in range(1, 1_000))
    mapping = "".join("  " * i + f"k{i}:\n" for i in range(1_000)) + "  " * 1_000 + "x: 1\n"
    for text in ("[" * 1_000 + "]" * 1_000, "{a: " * 1_000 + "1" + "}" * 1_000, block, mapping):
        docs, errors = load_bounded(text)
        assert [e.code for e in errors] == ["yaml-limit"] and "nested too deeply" in errors[0].message


def test_ordinary_aliases_and_merge_keys_still_load():
    [doc], errors = load_yaml_text("base: &b {x: 1, y: [1, 2]}\nother:\n  <<: *b\n  z: 3\ncopy: *b\n", "f.yaml")
    assert not errors and doc.data["other"] == {"x": 1, "y": [1, 2], "z": 3}
    assert doc.data["copy"] == {"x": 1, "y": [1, 2]}


@pytest.mark.parametrize("text,line,column", [
    ("id：x\n", 1, 3),
    ("id：x\nsubject: {type: legal_person}\n", 1, 3),
    ("id: e1\nkind：administrative_penalty\n", 2, 5),
    ("subject:\n  type：legal_person\n  id: x\n", 2, 7),
    ("subject: {type：legal_person}\n", 1, 15),
    ("conduct:\n  - tax_evasion\n  - fraud：x\n", 3, 10),
])
def test_a_full_width_colon_is_named_with_its_position(text, line, column):
    _, errors = load_yaml_text(text, "ev.yaml")
    [e] = errors
    assert e.code == "yaml-syntax" and "full-width colon" in e.message
    assert (e.position.line, e.position.column) == (line, column), str(e)


def test_a_full_width_comma_in_a_flow_list_is_named_with_its_position():
    _, errors = load_yaml_text("id: e1\nconduct: [tax_evasion，fraud]\n", "ev.yaml")
    [e] = errors
    assert "full-width comma" in e.message and (e.position.line, e.position.column) == (2, 22)
    _, errors = load_yaml_text("conduct: [tax_evasion、 fraud]\n", "ev.yaml")
    assert "full-width comma" in errors[0].message


def test_chinese_text_with_full_width_punctuation_is_left_alone():
    text = ("note: 國家另有規定的，從其規定\nitems: [本条，第二款, '依照：第三条', GB 32100-2015，第4条]\n"
            "cite: {text: 第十条：信用}\nstandard: GB32100：统一社会信用代码\nlist:\n  - Art.5：第五条\n")
    [doc], errors = load_yaml_text(text, "f.yaml")
    assert not errors, [str(e) for e in errors]
    assert doc.data["items"] == ["本条，第二款", "依照：第三条", "GB 32100-2015，第4条"]


@pytest.mark.parametrize("text,words,raw", [
    ("a: {b: 1 c: 2}\n", "`{...}` mapping", "expected ',' or '}'"),
    ("a: [1, 2\nb: 3\n", "`[...]` list", "expected ',' or ']'"),
    ("a: b: c\n", "quote a value", "mapping values are not allowed here"),
    ("a:\n\tb: 1\n", "tab character", "cannot start any token"),
    ("a: 'x\n", "quoted text is not closed", "found unexpected end of stream"),
    ("k: v\n- x\n", "indentation", "expected <block end>"),
    ("a: *nope\n", "`&nope`", "found undefined alias"),
    ("a: &x 1\nb: &x 2\n", "`&x` is defined twice", "found duplicate anchor"),
])
def test_yaml_errors_are_said_in_plain_words_at_their_position(text, words, raw):
    _, errors = load_yaml_text(text, "f.yaml")
    [e] = errors
    assert e.code == "yaml-syntax" and words in e.message and raw not in e.message and e.position.line >= 1


def test_a_control_character_or_a_huge_number_is_a_diagnostic_not_a_crash():
    _, errors = load_yaml_text("a: 1\nb: x\x00y\n", "f.yaml")
    assert [(e.code, e.position.line, e.position.column) for e in errors] == [("yaml-syntax", 2, 5)]
    _, errors = load_yaml_text("a: " + "1" * 5_000 + "\n", "f.yaml")
    assert [e.code for e in errors] == ["yaml-value"]


def test_a_file_that_is_not_utf8_names_its_line(tmp_path):
    path = tmp_path / "ev.yaml"
    path.write_bytes(b"id: e1\nsubject: {type: legal_person}\nkind: \xb4\xed\n")
    doc, errors = load_yaml_file(path)
    assert doc is None and [(e.code, e.position.line, e.position.column) for e in errors] == [("file-unreadable", 3, 7)]


# ---- 5. privacy -------------------------------------------------------------------------------------------

def test_identifier_warnings_mask_the_identifier():
    for lang in ("en", "zh"):
        warning = identifier_warning("legal_person", "91350100M000100Y44", lang)
        assert "91**************44" in warning and "91350100M000100Y44" not in warning
    warning = identifier_warning("natural_person", "110105194912310021")
    assert "11**************21" in warning and "110105194912310021" not in warning
    assert mask_identifier("AB12") == "****" and mask_identifier(" 12345 ") == "12*45"
    assert identifier_warning("legal_person", "91350100M000100Y43") is None
