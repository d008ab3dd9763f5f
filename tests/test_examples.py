"""The shipped examples, end to end: what each issue's "done when" asks `explain` and `validate` to show."""
import subprocess
import sys

import pytest

import creditrules

from conftest import ROOT

EXAMPLES = ROOT / "examples"


def explain(example, jurisdiction, *args):
    proc = subprocess.run([sys.executable, "-m", "creditrules", "explain", str(EXAMPLES / example), "-j", jurisdiction,
                           "--lang", "en", *args], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_henan_tax_evasion():
    det = creditrules.evaluate(EXAMPLES / "henan-tax-evasion.yaml", jurisdiction="henan", as_of="2024-06-01")
    assert det.dishonesty.level == "severe" and det.severe_list.eligible is True
    assert det.severe_list.criteria == ["severe.market_order"]                           # 33(1)(2): 逃稅
    articles = {(c.article, c.item) for s in det.sanctions for c in s.citations}
    assert {(32, i) for i in range(1, 7)} <= articles and {(34, i) for i in range(1, 9)} <= articles
    persons = next(s for s in det.sanctions if s.target == "responsible_person")
    assert [(p.role, p.name) for p in persons.persons] == [("legal_representative", "张三"),
                                                           ("direct_responsible", "李四")]
    assert det.publication.start.isoformat() == "2024-03-01" and det.publication.max_end.isoformat() == "2029-03-01"
    assert det.publication.extended_until_removal is True
    assert det.publication.min_end is None                                                   # 19(2) defers the minimum
    text = explain("henan-tax-evasion.yaml", "henan")
    assert "《河南省社會信用條例》第三十四條第（四）項：「限制高消費;」" in text
    assert "最長不超過五年" in text and "延至被移出名單之日" in text and "李四" in text


def test_henan_why_not_names_the_failed_condition(tmp_path):
    event = (EXAMPLES / "henan-tax-evasion.yaml").read_text(encoding="utf-8").replace("on_severe_list: true",
                                                                                     "on_severe_list: false")
    path = tmp_path / "not-listed.yaml"
    path.write_text(event, encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "creditrules", "explain", str(path), "-j", "henan", "--why-not",
                           "high_consumption_restricted", "--lang", "en"], capture_output=True, text=True, cwd=ROOT)
    assert "measures.severe.high_consumption: does not apply" in proc.stdout
    assert "listing.on_list: does not apply" in proc.stdout and "on_severe_list is false" in proc.stdout
    assert "on_severe_list is false" in proc.stdout and "第三十四條第（四）項" in proc.stdout


def test_jilin_severe_penalty_periods_repair_and_draft():
    det = creditrules.evaluate(EXAMPLES / "jilin-severe-penalty.yaml", jurisdiction="jilin", as_of="2024-10-01")
    # 19(1): severe penalty information at least six months, at most three years, from the day the decision takes effect
    assert (det.publication.min_end.isoformat(), det.publication.max_end.isoformat()) == ("2025-02-28", "2027-08-31")
    assert det.repair.earliest.isoformat() == "2025-03-01" and det.repair.processing_working_days == 20   # 37(2), 38(1)
    assert det.pack.status == "draft" and any("draft" in w for w in det.warnings)
    text = explain("jilin-severe-penalty.yaml", "jilin", "--as-of", "2024-10-01")
    assert "【行政处罚信息披露期限】" in text and "2024-08-31 + 6 months = 2025-02-28" in text


def test_xinjiang_food_safety_listing_consequences_and_deferral():
    det = creditrules.evaluate(EXAMPLES / "xinjiang-food-safety.yaml", jurisdiction="xinjiang", as_of="2024-12-31")
    assert det.severe_list.eligible is True and det.severe_list.criteria == ["severe.health_safety"]
    assert next(d for d in det.decisions if d.id == "notification_commitment_allowed").value is False     # art. 22(3)
    assert det.sanctions == []                                              # arts. 45-46: measures come from the lists
    assert any("第四十五条" in w and "deferred" in w for w in det.warnings)
    steps = {s.id for s in det.severe_list.procedure}
    assert {"issue_decision_document", "state_grounds", "state_legal_basis", "state_remedies"} <= steps   # art. 44


def test_bingtuan_listed_company_marking_and_limits():
    det = creditrules.evaluate(EXAMPLES / "bingtuan-listed-company.yaml", jurisdiction="bingtuan", as_of="2024-06-01")
    marking = next(s for s in det.sanctions if s.target == "responsible_person")
    assert {p.name for p in marking.persons} == {"张某", "李某"}
    assert {"no_added_or_heavier_measures", "no_measures_against_third_parties"} <= {d.id for d in det.decisions}
    assert det.publication.max_end is None                              # art. 30: national rules, nothing invented
    text = explain("bingtuan-listed-company.yaml", "bingtuan", "--as-of", "2024-06-01")
    assert "第五十条" in text and "张某" in text


@pytest.mark.parametrize("pack", ["henan", "jilin", "xinjiang", "bingtuan"])
def test_every_pack_validates_with_no_gaps(pack):
    proc = subprocess.run([sys.executable, "-m", "creditrules", "validate", str(ROOT / "policies" / pack)],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert "0 ledger gaps, 0 unresolved citations" in proc.stdout


def test_missing_facts_are_only_those_that_would_change_the_outcome():
    """Art. 36(1) makes a listed subject's information public, so whether a law requires publication (18(2)) would
    change nothing; for a record not on the list it decides public (18(2)) against government sharing (18(3))."""
    listed = creditrules.evaluate(EXAMPLES / "henan-tax-evasion.yaml", jurisdiction="henan", as_of="2024-06-01")
    assert listed.publication.disclosure == "public"
    assert "publication_required_by_law" not in listed.missing_facts
    event = creditrules.read_event(EXAMPLES / "henan-tax-evasion.yaml")
    not_listed = event.model_copy(update={"facts": {**event.facts, "on_severe_list": False}})
    det = creditrules.evaluate(not_listed, jurisdiction="henan", as_of="2024-06-01")
    assert det.publication.disclosure is None and "publication_required_by_law" in det.missing_facts
