"""The engine-core issue's defects, each with a test that failed on the old engine (7bdcb3b)."""
import datetime as dt
import json
import shutil
import subprocess
import sys

import pytest

import creditrules
from creditrules.errors import InputError, UsageError
from creditrules.event import CreditEvent

from conftest import ROOT

EXAMPLE = ROOT / "examples" / "henan-tax-evasion.yaml"
PENALTY = {"id": "p1", "subject": {"type": "legal_person"}, "kind": "administrative_penalty",
           "conduct": ["tax_evasion"],
           "basis": {"type": "administrative_penalty_decision", "decided_on": "2024-03-01",
                     "effective_on": "2024-03-01"},
           "facts": {"decision_final": True}}


def run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "creditrules", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd)


def test_no_default_jurisdiction_names_the_packs():
    with pytest.raises(UsageError) as exc:
        creditrules.evaluate(PENALTY)
    assert "no jurisdiction" in str(exc.value) and "henan" in str(exc.value) and "bingtuan" in str(exc.value)
    with pytest.raises(UsageError):
        list(creditrules.evaluate_many([PENALTY]))


def test_a_creditevent_model_is_checked_like_a_dict():
    model = CreditEvent(id="m1", subject={"type": "legal_person"}, kind="administrative_penalti")
    with pytest.raises(InputError) as exc:
        creditrules.evaluate(model, "henan", "2024-06-01")
    assert "administrative_penalty" in str(exc.value)          # the suggestion
    items = list(creditrules.evaluate_many([model, PENALTY], "henan", "2024-06-01"))
    assert items[0].error is not None and items[1].determination.dishonesty.level == "severe"


def test_an_unknown_evaluator_is_a_usage_error_with_the_choices():
    with pytest.raises(UsageError) as exc:
        creditrules.evaluate(PENALTY, "henan", "2024-06-01", evaluator="durabel")
    assert "did you mean `durable`" in str(exc.value) and "reference" in str(exc.value)
    proc = run("evaluate", EXAMPLE, "-j", "henan", "--trace", "most")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_an_unknown_trace_level_is_refused():
    with pytest.raises(InputError):
        creditrules.evaluate(PENALTY, "henan", "2024-06-01", trace="most")


def test_user_errors_exit_1_usage_errors_exit_2_and_nothing_prints_a_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nsubject: {type: legal_person}\nkind: administrative_penalti\n", encoding="utf-8")
    proc = run("evaluate", bad, "-j", "henan")
    assert proc.returncode == 1 and "administrative_penalty" in proc.stderr and "Traceback" not in proc.stderr
    proc = run("explain", EXAMPLE, "-j", "henan", "--why-not", "no_such_measure")
    assert proc.returncode == 1 and "no_such_measure" in proc.stderr and "Traceback" not in proc.stderr
    proc = run("source", "henan", "999")
    assert proc.returncode == 1 and "article 999" in proc.stderr
    proc = run("evaluate", EXAMPLE, "-j", "henan", "--evaluator", "nope")
    assert proc.returncode == 2


def test_an_internal_error_exits_3_in_one_line(tmp_path):
    """A bug (here: a sitecustomize that breaks the engine) is reported as such, exit 3, never as bad input."""
    hook = tmp_path / "sitecustomize.py"
    hook.write_text("import creditrules.engine.assemble as a\n"
                    "def boom(*args, **kwargs):\n    raise KeyError('internal')\n"
                    "a.determine = boom\nimport creditrules.api as api\napi.determine = boom\n", encoding="utf-8")
    import os
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    proc = subprocess.run([sys.executable, "-m", "creditrules", "evaluate", str(EXAMPLE), "-j", "henan"],
                          capture_output=True, text=True, cwd=ROOT, env=env)
    assert proc.returncode == 3
    assert "internal error" in proc.stderr and "Traceback" not in proc.stderr and len(proc.stderr.splitlines()) == 1


def test_every_determination_says_which_pack_it_came_from():
    det = creditrules.evaluate(EXAMPLE, "henan", "2024-06-01")
    assert det.pack.digest.startswith("sha256:") and len(det.pack.digest) == 71
    assert det.pack.source.endswith("policies/henan")


def test_editing_any_input_changes_the_next_determination_and_the_digest(tmp_path):
    """A copied pack, evaluated, edited (a rule's conclusion, then the law's words), evaluated again in-process."""
    shutil.copytree(ROOT / "policies" / "henan", tmp_path / "henan")
    shutil.copytree(ROOT / "policies" / "calendar", tmp_path / "calendar")
    pack = tmp_path / "henan"
    first = creditrules.evaluate(EXAMPLE, str(pack), "2024-06-01")
    assert "high_consumption_restricted" in {s.id for s in first.sanctions}
    rules = pack / "rules" / "sanctions.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace("id: high_consumption_restricted",
                                                               "id: high_consumption_limited"), encoding="utf-8")
    second = creditrules.evaluate(EXAMPLE, str(pack), "2024-06-01")
    assert "high_consumption_limited" in {s.id for s in second.sanctions}
    assert second.pack.digest != first.pack.digest
    source = next((pack / "source").glob("*.txt"))
    source.write_text(source.read_text(encoding="utf-8").replace("限制高消費", "限制高消費行為"), encoding="utf-8")
    assert run("index", pack).returncode == 0          # as a legal editor would after editing the text
    third = creditrules.evaluate(EXAMPLE, str(pack), "2024-06-01")
    assert third.pack.digest != second.pack.digest
    assert any("限制高消費行為" in c.text for c in third.citations)


def test_the_plan_command_prints_strata_and_the_fact_schema():
    proc = run("plan", "henan", "--format", "json")
    assert proc.returncode == 0
    plan = json.loads(proc.stdout)
    assert plan["digest"].startswith("sha256:") and len(plan["rules"]) == sum(len(s) for s in plan["strata"])
    severe = next(r for r in plan["rules"] if r["id"] == "severe.market_order")
    assert severe["cite"] == ["33.1.2"] and "All" not in json.dumps(severe["when"]) or "all" in severe["when"]
    assert "decision_final" in plan["fact_schema"]["facts_read"]
    text = run("plan", "henan").stdout
    assert "stratum 0" in text and "severe.market_order" in text


def test_nested_citations_are_references_and_the_words_appear_once():
    det = creditrules.evaluate(EXAMPLE, "henan", "2024-06-01").model_dump(mode="json")
    assert set(det["dishonesty"]["citations"][0]) == {"document", "article", "paragraph", "item", "label"}
    assert all(set(c) >= {"text", "role", "label"} for c in det["citations"])
    roles = {(c["article"], c["paragraph"], c["item"]): c["role"] for c in det["citations"]}
    assert set(roles.values()) <= {"applied", "not_applied", "undetermined"}
    # what the record is rests on applied provisions (a severe tax evasion: art. 20, and 33(1) item 2)
    assert all(roles[(r["article"], r["paragraph"], r["item"])] == "applied" for r in det["dishonesty"]["citations"])
    for item in (*det["sanctions"], *det["decisions"], det["dishonesty"], det["severe_list"], det["publication"]):
        assert item["rules"], item
    assert all("text" not in c for e in det["trace"] for c in e["citations"])


def test_a_kind_tag_or_fact_no_rule_reads_is_warned_about():
    """Issue 12(6): an event meant for another pack never comes back "none" without a word. A Jilin-only kind
    sent to Henan is no name of Henan's vocabulary: an input error that says where names are declared. A kind or
    fact of the core set that no Henan rule reads is evaluated, with a warning naming it."""
    with pytest.raises(InputError) as exc:
        creditrules.evaluate({"id": "j", "subject": {"type": "legal_person"}, "kind": "government_fund_arrears"},
                             "henan", "2024-06-01", lang="en")
    assert "government_fund_arrears" in str(exc.value) and "policies/henan/vocabulary.yaml" in str(exc.value)
    det = creditrules.evaluate({"id": "j", "subject": {"type": "legal_person"}, "kind": "regulatory_interview",
                                "facts": {"force_majeure": True}}, "henan", "2024-06-01", lang="en")
    assert det.dishonesty.level == "none"
    assert any("event kind `regulatory_interview`" in w for w in det.warnings)
    assert any("`force_majeure`" in w for w in det.warnings)
    read = creditrules.evaluate(PENALTY, "henan", "2024-06-01")
    assert not any("no rule of pack" in w for w in read.warnings)


def test_a_date_outside_the_event_range_is_an_input_error_and_a_count_past_the_calendar_is_null():
    """Issue 13: 9999-12-31 is a typo, not a day to decide on (event.DATE_RANGE); a count that would run past the
    last day the calendar knows is null with the computation's warning, never an exception."""
    far = dict(PENALTY, basis={"type": "administrative_penalty_decision", "decided_on": "9999-12-31",
                               "effective_on": "9999-12-31"})
    with pytest.raises(InputError) as exc:
        creditrules.evaluate(far, "henan", "2024-06-01", lang="en")
    assert "1900-01-01 to 2200-12-31" in str(exc.value)
    from creditrules.timerules import LAST_DAY, WorkingDayCalendar
    comp = WorkingDayCalendar().add_working_days(LAST_DAY - dt.timedelta(days=3), 10)
    assert comp.result is None and comp.beyond_calendar


def test_write_faults_end_with_one_line_and_an_exit_code(tmp_path):
    """`> /dev/full` was an "internal error" (exit 3); a closed pipe ends quietly with whole lines only."""
    batch = ROOT / "examples" / "henan-batch.jsonl"
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "creditrules", "evaluate", str(batch), "-j", "henan",
                               "--workers", "1", "--quiet"], stdout=full, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    assert proc.returncode == 1 and "cannot write the output" in proc.stderr and "internal error" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) <= 3 and "Traceback" not in proc.stderr


def test_an_event_error_never_quotes_the_line_with_names_and_ids(tmp_path):
    path = tmp_path / "e.yaml"
    path.write_text("id: x\nsubject: {type: legal_person, name: 王秘密有限公司, id: 91350100M000100Y44}\n"
                    "kind: administrative_penalti\n", encoding="utf-8")
    proc = run("evaluate", path, "-j", "henan")
    assert proc.returncode == 1 and "administrative_penalty" in proc.stderr
    assert "王秘密" not in proc.stderr and "91350100M000100Y44" not in proc.stderr


def test_as_of_is_a_calendar_date_only():
    with pytest.raises(InputError):
        creditrules.evaluate(PENALTY, "henan", "2024-W01-1")
