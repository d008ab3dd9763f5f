"""CONTRACT.md section 2: bad input is rejected with the field, the allowed values and the nearest name."""
import datetime as dt

import pytest

from creditrules.errors import InputError
from creditrules.event import parse_event


def base(**changes):
    event = {"id": "e1", "subject": {"type": "legal_person"}, "kind": "administrative_penalty"}
    event.update(changes)
    return event


def errors_of(data):
    with pytest.raises(InputError) as info:
        parse_event(data)
    return info.value.diagnostics


def test_unknown_kind_names_the_field_the_allowed_values_and_the_nearest():
    [d] = errors_of(base(kind="administrative_penalti"))
    assert d.code == "unknown-name" and "`kind`" in d.message
    assert "did you mean `administrative_penalty`?" in d.hint and "allowed:" in d.hint


def test_impossible_date_is_named_by_field():
    [d] = errors_of(base(basis={"type": "court_judgment", "decided_on": "2023-02-29"}))
    assert d.code == "bad-date" and "basis.decided_on" in d.message and "2023-02-29" in d.message


def test_every_problem_is_reported_not_only_the_first():
    ds = errors_of(base(conduct=["tax_evsion"],
                        facts={"decision_finl": True, "procedure": "simpel", "severe_consequences": "yes"}))
    assert {d.code for d in ds} == {"unknown-name", "bad-fact-value"}
    assert len(ds) == 4


def test_unknown_field_suggests_the_nearest():
    [d] = errors_of(base(ocurred_on="2024-01-01"))
    assert d.code == "unknown-field" and "did you mean `occurred_on`?" in d.hint


def test_a_timestamp_or_a_number_is_not_a_date():
    assert errors_of(base(occurred_on=20240101))[0].code == "bad-date"
    assert errors_of(base(occurred_on="2024-01-01T10:00:00"))[0].code == "bad-date"


def test_facts_are_typed_and_null_means_unknown():
    event = parse_event(base(facts={"decision_final": None, "months_overdue_after_reminder": 7,
                                    "removed_from_list_on": "2025-01-02", "collected_data_fields": ["religion"]}))
    assert "decision_final" not in event.facts
    assert event.facts["removed_from_list_on"] == dt.date(2025, 1, 2)
    assert event.facts["collected_data_fields"] == ("religion",)
    assert errors_of(base(facts={"months_overdue_after_reminder": True}))[0].code == "bad-fact-value"


def test_missing_required_fields():
    ds = errors_of({"subject": {"type": "legal_person"}})
    assert {d.message for d in ds} == {"missing required field `id`", "missing required field `kind`"}


def test_not_a_mapping():
    assert errors_of(["x"])[0].code == "bad-event"
