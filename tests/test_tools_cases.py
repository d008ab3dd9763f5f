"""Test cases are validated like the rest of a pack: the event of each case against the contract and the
vocabulary, each expectation path against the determination's fields, each value against its type and against
what the pack's rules can produce, a case that asserts nothing; every problem at its file:line:col."""
import shutil
import subprocess
import sys

import pytest

from creditrules.load import load_pack_dir
from creditrules.packs import pack_dirs
from creditrules.tools.expect import expectation_paths, spec_for
from creditrules.validate import validate_pack

from conftest import MINI, ROOT

BAD_CASES = """\
- name: typo'd everywhere
  event: {id: b1, subject: {type: legal_person}, kind: administrative_penalty, conduct: [tax_evsion],
          basis: {type: administrative_penalty_decision, decided_on: 2024-02-30}}
  expect:
    dishonesty.levl: severe
    dishonesty.level: sever
    sanctions: {includes: [procurment_ban], excludes: [nope]}
    deadlines.objection_handlin.due: 2024-01-01
    citations: {includes: ["3.1.9"]}
    missing_facts: [decision_finl]
- name: asserts nothing
  event: {id: b2, subject: {type: legal_person}, kind: registration}
  expect: {}
"""


@pytest.fixture
def mini_with_bad_cases(tmp_path):
    pack = tmp_path / "mini"
    shutil.copytree(MINI, pack)
    (pack / "tests" / "bad.yaml").write_text(BAD_CASES, encoding="utf-8")
    return pack


def where(d):
    return (d.position.file.rsplit("/", 1)[-1], d.position.line, d.position.column)


def test_every_problem_of_a_case_is_reported_at_its_place(mini_with_bad_cases):
    report = validate_pack(load_pack_dir(mini_with_bad_cases))
    found = {(d.code, *where(d)) for d in report.errors}
    assert found == {
        ("unknown-name", "bad.yaml", 2, 90),          # the conduct tag, at the tag
        ("bad-date", "bad.yaml", 3, 70),              # 2024-02-30, at the date
        ("bad-expect-path", "bad.yaml", 5, 5),        # dishonesty.levl, at the key
        ("bad-expect-value", "bad.yaml", 6, 23),      # sever is no level
        ("bad-expect-value", "bad.yaml", 7, 28),      # no rule produces procurment_ban
        ("bad-expect-value", "bad.yaml", 8, 5),       # no deadline objection_handlin
        ("bad-expect-value", "bad.yaml", 9, 28),      # the held text has no 3.1.9
        ("bad-expect-value", "bad.yaml", 10, 21),     # decision_finl is no fact
        ("empty-expect", "bad.yaml", 13, 11),         # the case asserts nothing
    }
    messages = " ".join(d.message + " " + d.hint for d in report.errors)
    for words in ("did you mean `dishonesty.level`?", "did you mean `procurement_ban`?",
                  "did you mean `tax_evasion`?", "not a real date", "asserts nothing",
                  "did you mean `objection_handling`?", "did you mean `decision_final`?"):
        assert words in messages, words
    # an exclusion of what no rule produces always holds: a warning (the shipped packs keep such guards)
    assert [(d.code, *where(d)) for d in report.warnings] == [("excludes-unproducible", "bad.yaml", 7, 56)]


def test_validate_command_fails_with_the_place_and_the_line(mini_with_bad_cases):
    proc = subprocess.run([sys.executable, "-m", "creditrules", "validate", str(mini_with_bad_cases)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 1
    assert "bad.yaml:5:5: error bad-expect-path: the determination has no field `dishonesty.levl`" in proc.stderr
    assert "    dishonesty.levl: severe" in proc.stderr and "\n        ^" in proc.stderr
    assert "warning excludes-unproducible" in proc.stderr
    assert "mini: INVALID" in proc.stdout and "9 errors, 1 warnings" in proc.stdout


def test_the_same_checks_fail_the_case_when_it_runs(mini_with_bad_cases):
    from creditrules.tools.testing import run_pack_tests
    results = {r.case.name: r for r in run_pack_tests(mini_with_bad_cases)}
    assert not results["asserts nothing"].ok
    assert any("empty-expect" in f for f in results["asserts nothing"].failures)
    assert not results["typo'd everywhere"].ok
    assert all(r.ok for name, r in results.items() if name not in ("asserts nothing", "typo'd everywhere"))


def test_every_shipped_case_passes_the_checks():
    for directory in pack_dirs():
        report = validate_pack(load_pack_dir(directory))
        assert report.errors == [], "\n".join(map(str, report.errors[:10]))
        assert all(d.code == "excludes-unproducible" for d in report.warnings)


def test_expectation_paths_come_from_the_determination_model():
    paths = expectation_paths()
    assert paths["dishonesty.level"].kind == "scalar"
    assert paths["sanctions"].kind == "idlist" and paths["severe_list.procedure"].kind == "idlist"
    assert paths["deadlines.<id>.from"].kind == "scalar"          # the JSON name, not the model's `from_`
    spec, ident = spec_for("deadlines.objection_handling.due")
    assert spec.path == "deadlines.<id>.due" and ident == "objection_handling"
    assert spec_for("dishonesty.levl") == (None, None)
    assert spec_for("severe_list.procedure.prior_written_notice") == (paths["severe_list.procedure.<id>"],
                                                                       "prior_written_notice")


def test_validate_reads_the_packs_own_vocabulary_as_evaluation_does(tmp_path):
    pack = tmp_path / "mini"
    shutil.copytree(MINI, pack)
    (pack / "vocabulary").mkdir()
    (pack / "vocabulary" / "extra.yaml").write_text(
        "facts:\n  corrected_on_request: {zh: 应要求更正, en: corrected on request, type: bool}\n", encoding="utf-8")
    (pack / "rules" / "extra.yaml").write_text(
        'group: other\nrules:\n  - id: extra.one\n    cite: "4"\n    when: {fact: corrected_on_request}\n'
        "    then: {warning: corrected}\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "creditrules", "validate", str(pack)], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    (pack / "vocabulary" / "twice.yaml").write_text(
        "facts:\n  decision_final: {zh: 重复, en: twice, type: bool}\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "creditrules", "validate", str(pack)], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 1 and "duplicate-name" in proc.stderr and "`decision_final` is already declared" \
        in proc.stderr
