"""`creditrules test`: a file or a folder, -k, text / json / junit, and honest counts when a pack is invalid."""
import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
import yaml

from creditrules.errors import UsageError
from creditrules.tools.testing import match

from conftest import MINI, ROOT

CASES = len(yaml.safe_load((MINI / "tests" / "cases.yaml").read_text(encoding="utf-8")))


def run(*args):
    proc = subprocess.run([sys.executable, "-m", "creditrules", "test", *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


@pytest.fixture
def two_files(tmp_path):
    pack = tmp_path / "mini"
    shutil.copytree(MINI, pack)
    (pack / "tests" / "extra.yaml").write_text(
        "- name: a crime is general dishonesty\n"
        "  event: {id: x1, subject: {type: natural_person}, kind: criminal_conviction, conduct: []}\n"
        "  expect: {dishonesty.level: general}\n"
        "- name: a registration is nothing\n"
        "  event: {id: x2, subject: {type: legal_person}, kind: registration}\n"
        "  expect: {dishonesty.level: severe}\n", encoding="utf-8")
    return pack


def test_one_test_file_runs_only_its_cases(two_files):
    proc = run(two_files / "tests" / "extra.yaml")
    assert proc.returncode == 1
    assert "1 passed, 1 failed" in proc.stdout.splitlines()[-1]
    assert "FAIL" in proc.stderr and "extra.yaml:4:3: a registration is nothing" in proc.stderr
    proc = run(two_files / "tests" / "cases.yaml")
    assert proc.returncode == 0 and proc.stdout.splitlines()[-1] == f"{CASES} passed, 0 failed"


def test_a_pack_its_tests_folder_and_a_folder_of_packs(two_files):
    assert run(two_files).stdout.splitlines()[-1] == f"{CASES + 1} passed, 1 failed"
    assert run(two_files / "tests").stdout.splitlines()[-1] == f"{CASES + 1} passed, 1 failed"
    assert run(two_files.parent).stdout.splitlines()[-1] == f"{CASES + 1} passed, 1 failed"


def test_k_selects_cases_by_name(two_files):
    proc = run(two_files, "-k", "crime")
    assert proc.returncode == 0 and proc.stdout.splitlines()[-1] == "1 passed, 0 failed"
    proc = run(two_files, "-k", "extra.yaml and not crime")
    assert proc.returncode == 1 and proc.stdout.splitlines()[-1] == "0 passed, 1 failed"
    proc = run(two_files, "-k", "(objection or annual) and not late")
    assert proc.stdout.splitlines()[-1] == "2 passed, 0 failed"        # 'objection over national day', 'on time'


def test_match_is_a_small_boolean_language():
    assert match("severe", "a::Severe case") and not match("not severe", "a::severe")
    assert match("a and (b or c)", "x::a c") and not match("a and (b or c)", "x::a d")
    for bad in ("and", "a or", "(a", "a )", "not"):
        with pytest.raises(UsageError):
            match(bad, "x")


def test_an_invalid_pack_is_counted_as_invalid_not_as_a_case(tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(MINI, broken)
    (broken / "rules" / "x.yaml").write_text('group: other\nrules:\n  - id: x\n    cite: "9"\n    then: {warning: w}\n',
                                             encoding="utf-8")
    proc = run(broken, MINI)
    assert proc.returncode == 1
    assert proc.stdout.splitlines()[-1] == f"{CASES} passed, 0 failed, 1 pack invalid (cases not run)"
    assert "-1" not in proc.stdout and "pack invalid, tests not run" in proc.stderr
    assert "x.yaml:4:11: error unresolved-citation" in proc.stderr


def test_json_output(two_files):
    proc = run(two_files, "--format", "json")
    data = json.loads(proc.stdout)
    assert (data["passed"], data["failed"], data["invalid_packs"]) == (CASES + 1, 1, 0)
    (pack,) = data["packs"]
    failed = [c for c in pack["cases"] if not c["ok"]]
    assert [(c["name"], c["line"]) for c in failed] == [("a registration is nothing", 4)]
    assert "`dishonesty.level`: expected 'severe', got 'none'" in failed[0]["failures"][0]


def test_junit_output_a_ci_system_reads(two_files, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(MINI, broken)
    (broken / "tests" / "cases.yaml").write_text("- name: [unclosed\n", encoding="utf-8")
    proc = run(two_files, broken, "--format", "junit")
    assert proc.returncode == 1
    root = ET.fromstring(proc.stdout.encode("utf-8"))
    assert root.tag == "testsuites" and root.get("failures") == "1" and root.get("errors") == "1"
    good, bad = list(root.iter("testsuite"))              # in the order named (both packs are `mini`)
    assert good.get("tests") == str(CASES + 2) and good.get("failures") == "1" and good.get("errors") == "0"
    failure = [c for c in good.iter("testcase") if c.find("failure") is not None]
    assert [c.get("name") for c in failure] == ["a registration is nothing"]
    assert bad.get("errors") == "1"
    invalid = bad.find("testcase")
    assert invalid.find("error") is not None and "yaml-syntax" in invalid.find("error").text


def test_a_path_that_is_no_pack_is_a_usage_error(tmp_path):
    proc = run(tmp_path / "nowhere.yaml")
    assert proc.returncode == 2 and "is not a pack folder" in proc.stderr


def test_the_old_module_name_is_the_same_module():
    import creditrules.testing
    import creditrules.tools.testing
    assert creditrules.testing is creditrules.tools.testing
    from creditrules.testing import _SubDoc, run_case  # noqa: F401 - the names other code imports
