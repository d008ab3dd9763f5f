"""`creditrules explain`: the verdict first, each conclusion with its article and a short quote, warnings last and
grouped, no Python values, every word in the language asked for; `--why-not` to the facts with the smallest change
(checked by evaluating the changed event); `--format json`."""
import io
import json
import re
import subprocess
import sys

import pytest
from rich.console import Console

import creditrules
from creditrules.api import evaluation
from creditrules.explain import (
    explanation_data,
    explanation_tree,
    summary_text,
    why_not_data,
    why_not_html,
    why_not_tree,
)
from creditrules.explain.words import short_quote
from creditrules.messages import msg, parse

from conftest import ROOT

EXAMPLES = ROOT / "examples"
CASES = {"henan-tax-evasion": ("henan", "2024-06-01"), "jilin-severe-penalty": ("jilin", "2024-10-01"),
         "xinjiang-food-safety": ("xinjiang", "2024-12-31"), "bingtuan-listed-company": ("bingtuan", "2024-06-01")}


def found_for(example, lang="zh", event=None):
    jurisdiction, as_of = CASES[example]
    return evaluation(event if event is not None else EXAMPLES / f"{example}.yaml", jurisdiction, as_of, lang=lang)


def text_of(renderable, width=1000):
    buf = io.StringIO()
    Console(file=buf, width=width, soft_wrap=False, highlight=False, color_system=None).print(renderable)
    return buf.getvalue()


def henan_event(**facts):
    event = creditrules.read_event(EXAMPLES / "henan-tax-evasion.yaml").model_dump(mode="json", exclude_none=True)
    event["facts"] = {k: v for k, v in {**event["facts"], **facts}.items() if v is not None}
    return event


@pytest.fixture(scope="module")
def outputs():
    """Every shipped example explained in both languages: (example, lang) -> (evaluation, text)."""
    out = {}
    for example in CASES:
        for lang in ("zh", "en"):
            found = found_for(example, lang)
            out[example, lang] = (found, text_of(explanation_tree(found, lang)))
    return out


def test_the_verdict_line_and_the_header_come_first(outputs):
    _, text = outputs["henan-tax-evasion", "zh"]
    lines = text.splitlines()
    assert lines[0].startswith("认定结果 henan-2024-0001 · 某某贸易有限公司（法人）")
    found, _ = outputs["henan-tax-evasion", "zh"]
    digest = found.determination["pack"]["digest"]
    assert "henan 2019（已施行）" in lines[1] and "评估日 2024-06-01" in lines[1] and digest[:19] in lines[1]
    verdict = text[text.index("结论："):text.index("\n\n")]
    for part in ("严重失信信息", "可列入严重失信主体名单", "惩戒措施 15 项", "2024-03-01 至 2029-03-01", "信用修复"):
        assert part in verdict
    assert text.index("结论：") < text.index("《河南省社會信用條例》")          # the verdict before any law text
    _, en = outputs["jilin-severe-penalty", "en"]
    assert "pack jilin draft (draft) · as of 2024-10-01" in en
    assert "at least to 2025-02-28 and at most to 2027-08-31" in en and "credit repair from 2025-03-01" in en


def test_each_conclusion_quotes_its_article_briefly_and_the_whole_provision_on_request(outputs):
    found, text = outputs["henan-tax-evasion", "en"]
    det = found.determination
    for sanction in det["sanctions"]:
        label = sanction["citations"][0].label
        assert re.search(re.escape(sanction["id"]) + r":? .*" + re.escape(label) + "：「", text), sanction["id"]
    assert "《河南省社會信用條例》第三十四條第（四）項：「限制高消費;」" in text
    full_33 = next(c["text"] for c in det["citations"] if c["label"].endswith("第三十三條第一款"))
    assert "《河南省社會信用條例》第三十三條第一款：「信用主體的下列行為屬于嚴重失信行為:…」" in text
    assert "（十）法律、行政法規規定的其他嚴重失信行為" not in text               # 661 characters: not by default
    full = text_of(explanation_tree(found, "en", full_text=True), width=10_000)
    assert full_33.splitlines()[-1] in full
    assert short_quote("甲" * 100) == "甲" * 60 + "…" and short_quote("短句;") == "短句;"
    assert short_quote("第一句很长很长很长很长。第二句" + "乙" * 80) == "第一句很长很长很长很长。…"


def test_warnings_come_last_grouped_and_say_which_language_the_pack_wrote(outputs):
    found, text = outputs["henan-tax-evasion", "zh"]
    tail = text[text.index("\n提示\n"):]
    assert tail.index("本规范包不作规定的事项") < tail.index("规范包提示")
    assert text.index("\n提示\n") > text.index("其他决定")                         # after every conclusion
    data = explanation_data(found, "zh")
    groups = {g["group"]: g["items"] for g in data["warnings"]}
    assert sum(len(items) for items in groups.values()) == len(found.determination["warnings"])
    english = [i for i in groups["pack"] if i["written_in"] == "en"]
    assert english and all(i["note"] == "（规范包仅以英文写出此提示）" for i in english)
    assert "（规范包仅以英文写出此提示）" in tail
    deferral = next(i for i in groups["deferral"] if i.get("what") == "信用修復")
    assert deferral["text"] == "信用修復：依照國家的規定（國家另有規定的，從其規定）" and deferral["labels"]
    jilin = explanation_data(found_for("jilin-severe-penalty", "zh"), "zh")
    engine = next(g for g in jilin["warnings"] if g["group"] == "engine")["items"]
    assert [i["key"] for i in engine] == ["version_not_held", "draft_version"]


_PY = re.compile(r"\b(None|True|False)\b|\[\{|'role'|\bnot_fired\b|\bnot_in_version\b")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_python_values_and_no_raw_tokens(outputs, lang):
    for example in CASES:
        _, text = outputs[example, lang]
        assert not _PY.search(text), (example, _PY.search(text).group(0))


_NAMES = re.compile(r"[A-Za-z_]+(?:\.[A-Za-z_]+)+|[a-z]+(?:_[a-z]+)+")


def test_chinese_output_has_the_engines_words_in_chinese(outputs):
    english = ("does not apply", "is deferred to", "this pack does not fix it", " holds", "working days",
               " months", " years", "is in force on", "made from", "unknown (", "eligible", "min_end:", "max_end:")
    for example in CASES:
        _, text = outputs[example, "zh"]
        for line in text.splitlines():
            line = _NAMES.sub("", line)                   # rule ids and vocabulary names are names, not words
            if "（规范包仅以英文写出此提示）" in line:
                continue                          # a pack's own English sentence, marked as such
            assert not re.search(r"[a-z]{3,} [a-z]{3,} [a-z]{3,}", line), (example, line)
            for words in english:
                assert words not in line, (example, words, line)
    assert "max_end: 2024-08-31" not in outputs["jilin-severe-penalty", "zh"][1]
    assert "最长期限：2024-08-31 + 3 年 = 2027-08-31" in outputs["jilin-severe-penalty", "zh"][1]


def test_template_words_never_double():
    """依照依照 / 確定确定: a deferral's `to` already says 依照 ... 確定 (Henan 19(2), 37(2))."""
    for example in CASES:
        found = found_for(example, "zh")
        texts = found.determination["warnings"] + [found.determination["pack"]["selected_because"]]
        texts.append(text_of(explanation_tree(found, "zh")))
        for text in texts:
            for doubled in ("依照依照", "確定确定", "确定确定", "確定確定", "执行确定", "執行确定"):
                assert doubled not in text, (example, doubled, text[:200])
    assert msg("deferral", "zh", labels="L", what="最短公示期限", to="依照有關規定執行") == \
        "L：最短公示期限依照有關規定确定，本规范包不作规定"
    assert parse(msg("deferral", "en", labels="L; M", what="w", to="t")) == (
        "deferral", {"labels": "L; M", "what": "w", "to": "t"})


def test_why_not_reaches_the_missing_fact_and_names_the_smallest_change():
    found = found_for("henan-tax-evasion", "en", henan_event(on_severe_list=None))
    data = why_not_data(found, "high_consumption_restricted", "en")
    assert not data["applies"]
    change = data["changes"][0]
    assert change["text"] == "on_severe_list is not given; with it true, art. 34(1)(4) applies"
    assert change["changes"] == [{"op": "set", "path": "facts.on_severe_list", "value": True}]
    text = text_of(why_not_tree(found, "high_consumption_restricted", "en"))
    assert "rule measures.severe.high_consumption: undetermined" in text
    assert "? rule listing.on_list: undetermined — fact on_severe_list unknown" in text      # down to the fact
    page = why_not_html(found, "high_consumption_restricted", "en")
    assert "<li class=\"change\">on_severe_list is not given; with it true, art. 34(1)(4) applies</li>" in page
    # the change is real: the changed event gets the measure
    det = creditrules.evaluate(henan_event(on_severe_list=True), "henan", "2024-06-01")
    assert "high_consumption_restricted" in {s.id for s in det.sanctions}
    zh = why_not_data(found_for("henan-tax-evasion", "zh", henan_event(on_severe_list=False)),
                      "high_consumption_restricted", "zh")
    assert zh["changes"][0]["text"] == "on_severe_list 为“否”；若其为“是”，则适用 第三十四條第（四）項"


def test_why_not_goes_through_an_exception_and_finds_a_pair():
    """Henan 13(3): a natural person's simple-procedure penalty is not dishonesty information (the exception
    overrides 20(2)); undoing it needs the procedure changed and the other branch of the exception ruled out."""
    event = {"id": "minor", "subject": {"type": "natural_person", "birth_date": "1980-01-01"},
             "kind": "administrative_penalty",
             "conduct": ["tax_evasion"], "basis": {"type": "administrative_penalty_decision",
                                                   "decided_on": "2024-03-01"},
             "facts": {"procedure": "simple", "decision_final": True}}
    found = evaluation(event, "henan", "2024-06-01", lang="en")
    data = why_not_data(found, "dishonesty.final_penalty", "en")
    node = data["rules"][0]
    assert node["outcome"] == "overridden"
    (minor,) = [x for x in node["children"] if x["rule"] == "catalog.minor_penalty_natural_person"]
    assert minor["exception"]
    sets = [{(c["path"], c["value"]) for c in change["changes"]} for change in data["changes"]]
    assert {("facts.procedure", "general"), ("facts.harm_minor", False)} in sets
    for change in data["changes"]:
        assert len(change["changes"]) == 2                                     # no single fact would do
        changed = json.loads(json.dumps(event))
        for c in change["changes"]:
            changed["facts"][c["path"].split(".", 1)[1]] = c["value"]
        assert evaluation(changed, "henan", "2024-06-01").outcome(found.plan.rule("dishonesty.final_penalty")) == \
            "fired"


def test_why_not_says_when_no_fact_can_change_it():
    data = why_not_data(found_for("henan-tax-evasion", "en"), "incentive_list_requires_public_notice", "en")
    assert data["changes"] == [] and data["tried"] == 0
    assert data["summary"].startswith("no fact value would make it apply")
    applies = why_not_data(found_for("henan-tax-evasion", "en"), "high_consumption_restricted", "en")
    assert applies["applies"] and applies["summary"] == "it already applies: nothing to change"


def test_cli_json_html_and_a_sanction_that_does_not_apply(tmp_path):
    def run(*args):
        proc = subprocess.run([sys.executable, "-m", "creditrules", "explain", str(EXAMPLES / "henan-tax-evasion.yaml"),
                               "-j", "henan", "--as-of", "2024-06-01", *args], capture_output=True, cwd=ROOT,
                              timeout=120)
        assert proc.returncode == 0 and b"Traceback" not in proc.stderr, proc.stderr
        return proc.stdout.decode("utf-8")
    data = json.loads(run("--format", "json", "--lang", "en"))
    assert data["format"] == "creditrules.explanation/1" and data["header"]["as_of"] == "2024-06-01"
    sanctions = next(c for c in data["conclusions"] if c["key"] == "sanctions")
    assert len(sanctions["items"]) == 15 and all(i["citations"][0]["quote"] for i in sanctions["items"])
    page = tmp_path / "e.html"
    run("--format", "html", "--output", str(page))
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    why = json.loads(run("--format", "json", "--why-not", "incentive_list_requires_public_notice"))
    assert why["format"] == "creditrules.why_not/1" and why["applies"] is False
    text = run("--sanction", "incentive_list_requires_public_notice", "--lang", "en")
    assert text.startswith("Why not incentive_list_requires_public_notice?")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_summary_text_of_a_determination_has_words_only(lang):
    det = creditrules.evaluate(EXAMPLES / "henan-tax-evasion.yaml", "henan", "2024-06-01", lang=lang)
    text = summary_text(det, lang)
    assert text == summary_text(det.model_dump(mode="json", by_alias=True), lang)
    assert not _PY.search(text) and "张三" in text and "2029-03-01" in text
    assert text.splitlines()[1] == ("  失信信息：严重" if lang == "zh" else "  Dishonesty information: severe")
    jilin = summary_text(creditrules.evaluate(EXAMPLES / "jilin-severe-penalty.yaml", "jilin", "2024-10-01"), lang)
    assert "2025-03-01" in jilin and not _PY.search(jilin)
