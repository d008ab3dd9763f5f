"""Issue 12, engine semantics: negative and undetermined answers cite their articles (item 1), an undetermined
exception blocks only what it would change (item 2), and conduct from before a pack was in force is judged under
立法法 art. 104 (item 7). Each expected value is worked out from the article text; see the YAML cases in
policies/*/tests/negative_citations.yaml and policies/henan/tests/before_force.yaml for the legal outcomes."""
import shutil
from typing import Any

import pytest

import creditrules
from creditrules.backends.columnar import evaluate_table, flat_row
from creditrules.errors import CreditRulesError
from creditrules.packs import compiled_pack

from conftest import ROOT

# Henan: a food-safety penalty decided on 2019-06-03, eleven months before the regulation took effect (2020-05-01)
EARLY: dict[str, Any] = {
         "id": "pf", "subject": {"type": "legal_person", "name": "某食品有限公司"}, "kind": "administrative_penalty",
         "conduct": ["food_drug"],
         "basis": {"type": "administrative_penalty_decision", "decided_on": "2019-06-03", "effective_on": "2019-06-03"},
         "facts": {"decision_final": True, "severe_consequences": True, "procedure": "general"}}
LATER = dict(EARLY, id="pf2", basis=dict(EARLY["basis"], decided_on="2020-06-03", effective_on="2020-06-03"))


def det(event, pack="henan", **kw):
    return creditrules.evaluate(event, pack, "2021-06-01", **kw).model_dump(mode="json")


@pytest.mark.parametrize("evaluator", ["reference", "durable", "columnar"])
def test_new_consequences_are_withheld_from_conduct_before_the_pack_was_in_force(evaluator):
    early, later = det(EARLY, evaluator=evaluator), det(LATER, evaluator=evaluator)
    # art. 20(2) and 19(2) apply to the record (程序从新): dishonesty information, published five years
    assert early["dishonesty"]["level"] == "general" and early["publication"]["max_end"] == "2024-06-03"
    # art. 33 (severe list) and the measures do not (实体从旧)
    assert early["severe_list"]["eligible"] is False and early["sanctions"] == []
    assert "severe.public_safety" in early["withheld"]
    assert {t["rule"]: t["outcome"] for t in early["trace"]}["severe.public_safety"] == "withheld"
    assert any("立法法" in w and "severe" in w for w in early["warnings"])
    # the same conduct a year later: the whole regulation
    assert later["dishonesty"]["level"] == "severe" and later["severe_list"]["criteria"] == ["severe.public_safety"]
    assert later["withheld"] == [] and later["sanctions"]


def test_apply_out_of_force_gives_the_full_answer_labelled_as_such():
    full = det(EARLY, apply_out_of_force=True)
    assert full["dishonesty"]["level"] == "severe" and full["severe_list"]["eligible"] is True
    assert full["withheld"] == [] and full["sanctions"]
    assert any("apply_out_of_force" in w for w in full["warnings"])
    assert any("not yet in force" in w for w in full["warnings"])


def test_the_columnar_table_withholds_like_the_reference():
    rows = evaluate_table("henan", [EARLY, LATER], "2021-06-01").to_dicts()
    for event, row in zip([EARLY, LATER], rows, strict=True):
        expected = flat_row(creditrules.evaluate(event, "henan", "2021-06-01", trace="none").model_dump())
        assert {k: row.get(k) for k in expected} == expected


def test_retroactivity_is_validated_with_its_place(tmp_path):
    pack = tmp_path / "henan"
    shutil.copytree(ROOT / "policies" / "henan", pack)
    rules = pack / "rules" / "severe.yaml"
    text = rules.read_text(encoding="utf-8")
    rules.write_text(text.replace("retroactivity: new_consequence", "retroactivity: new_consequences", 1),
                     encoding="utf-8")
    with pytest.raises(CreditRulesError) as exc:
        creditrules.load_pack(pack)
    (found,) = [d for d in exc.value.diagnostics if "retroactivity" in d.message]
    assert found.position.file.endswith("severe.yaml") and found.position.line == 2
    assert "new_consequence" in found.hint


# --- item 1 --------------------------------------------------------------------------------------------------

def roles(d):
    return {(c["article"], c["paragraph"], c["item"]): c["role"] for c in d["citations"]}


def test_a_penalty_not_yet_final_cites_art_20_2_as_not_applied():
    event = dict(LATER, facts={"decision_final": False})
    d = det(event)
    assert d["dishonesty"]["level"] == "none"
    assert roles(d)[(20, 1, 2)] == "not_applied"
    assert {(r["article"], r["item"]) for r in d["dishonesty"]["citations"]} >= {(20, 2)}
    unknown = det(dict(LATER, facts={}))
    assert unknown["dishonesty"]["level"] == "undetermined" and roles(unknown)[(20, 1, 2)] == "undetermined"
    assert "decision_final" in unknown["missing_facts"]


# --- item 2 --------------------------------------------------------------------------------------------------

def test_an_undetermined_exception_blocks_only_what_it_changes():
    """Jilin 19(1) and 37(3) both publish a severe penalty for three years from the day it takes effect: with
    specific_severe unknown, start and max_end stand; min_end and repair wait for it."""
    plan = compiled_pack("jilin")
    general = plan.rule("publication.penalty.severe_tier")
    exception = plan.by_id["repair.penalty.specific_severe"]
    shared = {key for part, agree in general.shared if exception in agree for key, _ in part.terms}
    assert shared == {"start", "max"}
    event = {"id": "j", "subject": {"type": "legal_person"}, "kind": "administrative_penalty",
             "basis": {"type": "administrative_penalty_decision", "decided_on": "2024-03-01",
                       "effective_on": "2024-03-05"},
             "facts": {"procedure": "general", "penalty_dishonesty_level": "severe", "on_severe_list": False,
                       "on_abnormal_operation_list": False}}
    for evaluator in ("reference", "durable", "columnar"):
        d = creditrules.evaluate(event, "jilin", "2025-06-01", evaluator=evaluator).model_dump(mode="json")
        pub = d["publication"]
        assert (pub["start"], pub["max_end"], pub["min_end"]) == ("2024-03-05", "2027-03-05", None), evaluator
        assert d["repair"]["eligible"] is None and d["missing_facts"] == ["specific_severe"]
        assert roles(d)[(37, 3, None)] == "undetermined"
