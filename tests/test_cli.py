"""The command line as a user meets it: exit codes 0/1/2, errors with places, never a traceback."""
import json
import subprocess
import sys

import pytest

from conftest import MINI, ROOT


def run(*args, cwd=ROOT):
    proc = subprocess.run([sys.executable, "-m", "creditrules", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=120)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


EVENT = """id: c1
subject: {type: legal_person, name: 某公司, responsible_persons: [{role: legal_representative, name: 张三}]}
kind: administrative_penalty
conduct: [tax_evasion]
basis: {type: administrative_penalty_decision, decided_on: 2024-02-29, effective_on: 2024-02-29}
facts: {decision_final: true}
"""


@pytest.fixture
def event_file(tmp_path):
    path = tmp_path / "event.yaml"
    path.write_text(EVENT, encoding="utf-8")
    return path


def test_evaluate_json(event_file):
    proc = run("evaluate", event_file, "--jurisdiction", MINI, "--as-of", "2024-06-01")
    assert proc.returncode == 0
    det = json.loads(proc.stdout)
    assert det["dishonesty"]["level"] == "severe" and det["publication"]["max_end"] == "2029-02-28"
    assert det["as_of"] == "2024-06-01"


def test_evaluate_with_durable_gives_the_same_json(event_file):
    a = run("evaluate", event_file, "-j", MINI, "--as-of", "2024-06-01")
    b = run("evaluate", event_file, "-j", MINI, "--as-of", "2024-06-01", "--evaluator", "durable")
    assert json.loads(a.stdout) == json.loads(b.stdout)


def test_bad_event_file_exit_1_with_position(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(EVENT.replace("tax_evasion", "tax_evsion").replace("2024-02-29, effective",
                                                                       "2023-02-29, effective"), encoding="utf-8")
    proc = run("evaluate", path, "-j", MINI)
    assert proc.returncode == 1
    assert f"{path}:4:11: error unknown-name" in proc.stderr and "did you mean `tax_evasion`?" in proc.stderr
    assert "basis.decided_on" in proc.stderr and "2023-02-29" in proc.stderr


def test_jsonl_batch_reports_the_bad_line_and_evaluates_every_good_one(tmp_path):
    good = {"id": "g", "subject": {"type": "legal_person"}, "kind": "criminal_conviction"}
    lines = [json.dumps(dict(good, id="g1")), json.dumps(dict(good, id="b2", kind="nope")), "{not json",
             "", json.dumps(dict(good, id="g5"))]
    path = tmp_path / "batch.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc = run("evaluate", path, "-j", MINI, "--as-of", "2024-06-01")
    assert proc.returncode == 1
    outputs = [json.loads(line) for line in proc.stdout.splitlines()]
    # one output record per input record, in input order (the blank line is no record): CONTRACT.md section 6
    assert [o.get("event_id") or (o["index"], o["line"], o["error"]["code"]) for o in outputs] == [
        "g1", (1, 2, "unknown-name"), (2, 3, "bad-json"), "g5"]
    assert f"{path}:2: error unknown-name" in proc.stderr
    assert f"{path}:3:" in proc.stderr and "not JSON" in proc.stderr


def test_explain_cites_the_article_words_and_why_not(event_file):
    proc = run("explain", event_file, "-j", MINI, "--lang", "en")
    assert proc.returncode == 0
    assert "《測試條例》第三條第二款第（一）項：「限制參加政府採購;」" in proc.stdout
    proc = run("explain", event_file, "-j", MINI, "--why-not", "dishonesty.crime", "--lang", "en")
    assert "does not apply" in proc.stdout and "kind is administrative_penalty, not criminal_conviction" in proc.stdout
    proc = run("explain", event_file, "-j", MINI, "--why-not", "procurment_ban")
    assert proc.returncode == 1 and "did you mean `procurement_ban`?" in proc.stderr


def test_validate_ok_and_invalid(tmp_path):
    proc = run("validate", MINI)
    assert proc.returncode == 0 and "0 ledger gaps, 0 unresolved citations" in proc.stdout
    import shutil
    bad = tmp_path / "mini"
    shutil.copytree(MINI, bad)
    (bad / "rules" / "x.yaml").write_text('group: other\nrules:\n  - id: x\n    cite: "9"\n    then: {warning: w}\n',
                                          encoding="utf-8")
    proc = run("validate", bad)
    assert proc.returncode == 1
    assert "x.yaml:4:11: error unresolved-citation: article 9 is not in the held text" in proc.stderr
    assert '    cite: "9"' in proc.stderr and "          ^" in proc.stderr     # the line, and a caret under the place


def test_test_command_counts_and_fails(tmp_path):
    import shutil

    import yaml
    cases = len(yaml.safe_load((MINI / "tests" / "cases.yaml").read_text(encoding="utf-8")))
    proc = run("test", MINI)
    assert proc.returncode == 0 and f"{cases} passed, 0 failed" in proc.stdout
    broken = tmp_path / "mini"
    shutil.copytree(MINI, broken)
    path = broken / "tests" / "cases.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("publication.max_end: 2029-02-28",
                                                             "publication.max_end: 2029-03-01"), encoding="utf-8")
    proc = run("test", broken)
    assert proc.returncode == 1 and f"{cases - 1} passed, 1 failed" in proc.stdout
    assert "`publication.max_end`: expected '2029-03-01', got '2029-02-28'" in proc.stderr


def test_usage_errors_exit_2(event_file):
    assert run("evaluate", event_file).returncode == 2                       # --jurisdiction missing
    assert run("explain", event_file, "-j", MINI, "--lang", "fr").returncode == 2
    assert run("frobnicate").returncode == 2


def test_unknown_jurisdiction_and_missing_file(event_file, tmp_path):
    proc = run("evaluate", event_file, "-j", "hennan")
    assert proc.returncode == 1 and "did you mean `henan`?" in proc.stderr
    proc = run("evaluate", tmp_path / "nope.yaml", "-j", MINI)
    assert proc.returncode == 1 and "no such event file" in proc.stderr


def test_vocab_json_lists_labels_and_readers():
    proc = run("vocab", "--format", "json")
    data = json.loads(proc.stdout)
    assert data["kinds"]["administrative_penalty"]["zh"] == "行政处罚"
    assert data["facts"]["procedure"]["values"] == ["simple", "general"]


def test_source_shows_the_parsed_article():
    proc = run("source", "henan", "33")
    assert proc.returncode == 0 and "(2) 嚴重破壞市場公平競爭秩序" in proc.stdout


def test_coverage_lists_rules_no_case_fires(tmp_path):
    import shutil
    pack = tmp_path / "mini"
    shutil.copytree(MINI, pack)
    (pack / "tests" / "cases.yaml").write_text(
        "- name: only a crime\n"
        "  event: {id: c, subject: {type: natural_person}, kind: criminal_conviction, conduct: []}\n"
        "  expect: {dishonesty.level: general}\n", encoding="utf-8")
    proc = run("test", pack, "--coverage")
    assert proc.returncode == 0
    assert "never fired:" in proc.stdout and "severe.tax" in proc.stdout and ": dishonesty.crime" not in proc.stdout


def test_engine_warnings_in_chinese_with_lang_zh(tmp_path):
    path = tmp_path / "e.yaml"
    path.write_text("id: z\nsubject: {type: legal_person, id: 91350100M000100Y44}\nkind: registration\n"
                    "occurred_on: 2024-06-01\n", encoding="utf-8")
    zh = run("explain", path, "-j", "jilin", "--lang", "zh").stdout
    assert "依据草案（草案/征求意见稿）作出" in zh and "不是有效的统一社会信用代码" in zh
    en = json.loads(run("evaluate", path, "-j", "jilin", "--lang", "en").stdout)
    assert any("made from a draft" in w for w in en["warnings"])
    default = json.loads(run("evaluate", path, "-j", "jilin").stdout)      # every command defaults to zh
    assert any("草案" in w for w in default["warnings"])
    assert not any("made from a draft" in w for w in default["warnings"])


def test_explain_reasons_in_chinese(tmp_path):
    path = tmp_path / "e.yaml"
    path.write_text(EVENT, encoding="utf-8")
    zh = run("explain", path, "-j", MINI, "--why-not", "dishonesty.crime").stdout
    assert "事件类型为 administrative_penalty，而非 criminal_conviction" in zh


def test_line_numbers_in_errors_are_not_turned_into_emoji(tmp_path):
    """`l100.jsonl:100:` printed through rich once read `l100.jsonl💯` (emoji codes): line numbers vanished."""
    path = tmp_path / "l100.jsonl"
    path.write_text("\n".join(['{"id": "ok", "subject": {"type": "legal_person"}, "kind": "registration"}'] * 99
                              + ["{not json"]) + "\n", encoding="utf-8")
    proc = run("evaluate", path, "-j", MINI, "--workers", "1", "--quiet")
    assert proc.returncode == 1 and "l100.jsonl:100:" in proc.stderr and "💯" not in proc.stderr
