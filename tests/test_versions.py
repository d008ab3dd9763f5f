"""CONTRACT.md section 1: which pack version applies, and the determination says why."""
import datetime as dt

from creditrules.engine.versions import select_version
from creditrules.event import parse_event
from creditrules.model import Pack, Version

D = dt.date


def pack(*versions):
    return Pack("p", None, {}, {}, list(versions), [], [], [], None)


def version(id, status="enacted", effective_from=None, effective_to=None, text_held=True):
    return Version(id, status, None, effective_from, effective_to, ["law"], text_held, None, None)


def event(decided=None, occurred=None):
    raw = {"id": "e", "subject": {"type": "legal_person"}, "kind": "registration"}
    if decided:
        raw["basis"] = {"type": "none", "decided_on": decided}
    if occurred:
        raw["occurred_on"] = occurred
    return parse_event(raw)


def test_the_version_in_force_on_the_decision_date():
    p = pack(version("2020", effective_from=D(2020, 5, 1), effective_to=D(2023, 12, 31)),
             version("2024", effective_from=D(2024, 1, 1)))
    choice = select_version(p, event(decided="2023-06-01", occurred="2024-06-01"), D(2025, 1, 1))
    assert choice.version.id == "2020" and "basis.decided_on" in choice.because and not choice.warnings
    assert select_version(p, event(occurred="2024-06-01"), D(2025, 1, 1)).version.id == "2024"
    assert select_version(p, event(), D(2025, 1, 1)).version.id == "2024"          # no date: as_of


def test_before_the_trial_measures_were_in_force_warns():
    p = pack(version("2023", status="trial", effective_from=D(2023, 4, 1)))
    choice = select_version(p, event(decided="2023-03-31"), D(2025, 1, 1))
    assert choice.version.id == "2023"
    assert any("not yet in force on 2023-03-31" in w for w in choice.warnings)
    assert any("trial" in w for w in choice.warnings)


def test_a_draft_is_used_when_the_enacted_text_is_not_held_and_says_so():
    p = pack(version("draft", status="draft"), version("2021", effective_from=D(2022, 1, 1), text_held=False))
    choice = select_version(p, event(decided="2024-03-01"), D(2025, 1, 1))
    assert choice.version.id == "draft"
    assert any("whose text the pack does not hold" in w for w in choice.warnings)
    assert any("draft" in w for w in choice.warnings)
    assert "not held" in choice.because
