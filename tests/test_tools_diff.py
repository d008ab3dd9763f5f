"""The impact of a change: `creditrules diff` reports exactly the events whose determination changes, by field and
by rule; `--git REV` against a real repository; the shipped corpora are valid and generated deterministically."""
import json
import shutil
import subprocess
import sys

import pytest

import creditrules
from creditrules.tools import corpus as corpus_module
from creditrules.tools.diff import diff_packs, render_html, shift

from conftest import MINI, ROOT

AS_OF = "2025-06-01"
PENALTY = {"subject": {"type": "legal_person"}, "kind": "administrative_penalty",
           "basis": {"type": "administrative_penalty_decision", "decided_on": "2024-03-01",
                     "effective_on": "2024-03-01"}}
CORPUS = [
    dict(PENALTY, id="evasion-final", conduct=["tax_evasion"], facts={"decision_final": True}),
    dict(PENALTY, id="fraud-final", conduct=["tax_fraud"], facts={"decision_final": True}),
    {"id": "crime", "subject": {"type": "natural_person"}, "kind": "criminal_conviction", "conduct": []},
    dict(PENALTY, id="evasion-finality-unknown", conduct=["tax_evasion"]),
    {"id": "objection", "subject": {"type": "natural_person"}, "kind": "objection_filed", "occurred_on": "2024-09-28"},
    dict(PENALTY, id="both-final", conduct=["tax_evasion", "tax_fraud"], facts={"decision_final": True}),
    {"id": "unknown-kind", "subject": {"type": "legal_person"}, "kind": "no_such_kind"},
]


def run(*args, cwd=ROOT):
    proc = subprocess.run([sys.executable, "-m", "creditrules", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=180)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def write_corpus(path, events, bad_line=True):
    lines = [json.dumps(e, ensure_ascii=False) for e in events]
    if bad_line:
        lines.insert(2, "{not json")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def narrow_tax_rule(pack):
    """Severe criterion 3.1.1 read as tax fraud only (tax evasion dropped): one edited rule."""
    path = pack / "rules" / "severe.yaml"
    text = path.read_text(encoding="utf-8")
    assert "when: {conduct: [tax_evasion, tax_fraud]}" in text
    path.write_text(text.replace("when: {conduct: [tax_evasion, tax_fraud]}", "when: {conduct: [tax_fraud]}"),
                    encoding="utf-8")


@pytest.fixture
def edited(tmp_path):
    new = tmp_path / "new" / "mini"
    shutil.copytree(MINI, new)
    narrow_tax_rule(new)
    return new


def test_a_diff_reports_exactly_the_events_the_edit_affects(edited, tmp_path):
    corpus = write_corpus(tmp_path / "events.jsonl", CORPUS)
    report = diff_packs(MINI, edited, corpus, AS_OF)
    # by the law as edited: tax evasion alone no longer meets 3.1.1; tax fraud, a crime, an objection are untouched
    substantive = {e["event_id"] for e in report.changed_events if any(c["field"] != "warnings" for c in e["changes"])}
    assert substantive == {"evasion-final", "evasion-finality-unknown"}
    # the engine may also say that no rule reads `tax_evasion` any more: a warning, on the events that carry it
    for e in report.changed_events:
        if e["event_id"] not in substantive:
            assert e["event_id"] == "both-final" and all(
                c["field"] == "warnings" and "tax_evasion" in c["to"] for c in e["changes"]), e
    assert (report.events, report.invalid_both, report.unreadable) == (7, 1, 1)
    assert report.changed == len(report.changed_events) and report.changed in (2, 3)
    assert [(e.rule, e.change, e.what) for e in report.edits] == [("severe.tax", "edited", ["condition"])]
    fields = {g.name: g for g in report.fields.values()}
    assert dict(fields["dishonesty.level"].transitions) == {("severe", "general"): 1}
    assert dict(fields["severe_list.eligible"].transitions) == {("true", "false"): 1, ("null", "false"): 1}
    assert dict(fields["sanctions"].transitions) == {("-procurement_ban", ""): 1, ("-high_consumption_ban", ""): 1}
    assert fields["sanctions"].examples == ["evasion-final"]
    assert dict(fields["severe_list.criteria"].transitions) == {("-severe.tax", ""): 2}
    rules = {g.name: g for g in report.rules.values()}
    assert dict(rules["severe.tax"].transitions) == {("fired", "not_fired"): 2}
    assert dict(rules["measures.procurement"].transitions) == {("fired", "not_fired"): 1,
                                                               ("undetermined", "not_fired"): 1}
    assert "publication.max_end" not in fields                     # the publication rule reads no tax tag


def test_the_henan_five_year_cap_read_as_three(tmp_path):
    """The issue's example: every event whose maximum publication end comes from art. 19(2) moves, nothing else."""
    new = tmp_path / "henan"
    shutil.copytree(ROOT / "policies" / "henan", new)
    path = new / "rules" / "publication.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count("max: {years: 5}") == 1
    path.write_text(text.replace("max: {years: 5}", "max: {years: 3}"), encoding="utf-8")
    corpus = ROOT / "policies" / "henan" / "corpus" / "events.jsonl"
    report = diff_packs(ROOT / "policies" / "henan", new, corpus, AS_OF)
    # independently: the events whose publication.max_end differs, evaluated one pack at a time
    events = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines()]
    old = {i.determination.event_id: i.determination for i in creditrules.evaluate_many(events, "henan", AS_OF)}
    moved = {i.determination.event_id for i in creditrules.evaluate_many(events, new, AS_OF)
             if i.determination.publication.max_end != old[i.determination.event_id].publication.max_end}
    assert len(moved) > 50 and set(report.changed_ids()) == moved and report.changed == len(moved)
    assert list(report.fields) == ["publication.max_end"] and report.rules == {}
    assert all("publication.dishonesty_period" in old[e].publication.rules for e in moved)
    (top, *rest), = [g.transitions.most_common() for g in report.fields.values()]
    assert top == (("", "2 years earlier"), len(moved) - sum(n for _, n in rest))


def test_diff_against_a_committed_revision(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(MINI, repo / "policies" / "mini")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "-C", str(repo), "add", "."], check=True)
    subprocess.run([*git, "-C", str(repo), "commit", "-q", "-m", "mini"], check=True)
    narrow_tax_rule(repo / "policies" / "mini")
    corpus = write_corpus(tmp_path / "events.jsonl", CORPUS, bad_line=False)
    proc = run("diff", "policies/mini", "--git", "HEAD", "--events", corpus, "--as-of", AS_OF, "--format", "json",
               cwd=repo)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["old"] == "policies/mini@HEAD"
    assert {e["event_id"] for e in data["events"] if any(c["field"] != "warnings" for c in e["changes"])} == {
        "evasion-final", "evasion-finality-unknown"}
    proc = run("diff", "policies/mini", "--git", "no-such-rev", "--events", corpus, cwd=repo)
    assert proc.returncode == 2 and "git-failed" in proc.stderr
    proc = run("diff", "policies/mini", "policies/mini", "--git", "HEAD", "--events", corpus, cwd=repo)
    assert proc.returncode == 2 and "with --git, name one pack folder" in proc.stderr


def test_text_and_html_reports_with_user_text_escaped(edited, tmp_path):
    events = [dict(CORPUS[0], id="<script>alert(1)</script>")]
    corpus = write_corpus(tmp_path / "events.jsonl", events, bad_line=False)
    proc = run("diff", MINI, edited, "--events", corpus, "--as-of", AS_OF)
    assert proc.returncode == 0
    assert "1 events: 1 determinations change" in proc.stdout
    assert "dishonesty.level: 1 events" in proc.stdout and "severe -> general: 1" in proc.stdout
    assert "severe.tax: edited (condition)" in proc.stdout
    html = render_html(diff_packs(MINI, edited, corpus, AS_OF))
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    out = tmp_path / "diff.html"
    assert run("diff", MINI, edited, "--events", corpus, "--format", "html", "-o", out).returncode == 0
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_shift_names_how_a_date_moved():
    assert shift("2029-03-01", "2027-03-01") == "2 years earlier"
    assert shift("2024-01-31", "2024-04-30") == "90 days later"
    assert shift("2024-01-15", "2024-04-15") == "3 months later"
    assert shift("null", "2024-04-15") is None


@pytest.mark.parametrize("jurisdiction", ["henan", "jilin", "xinjiang", "bingtuan"])
def test_each_shipped_corpus_is_a_valid_batch(jurisdiction):
    path = ROOT / "policies" / jurisdiction / "corpus" / "events.jsonl"
    events = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert 200 <= len(events) <= 1000 and len({e["id"] for e in events}) == len(events)
    items = list(creditrules.evaluate_many(events, jurisdiction, AS_OF, trace="none"))
    assert all(i.error is None for i in items), ([str(i.error) for i in items if i.error][:3],
                                                 f"regenerate it: python -m creditrules.tools.corpus {jurisdiction}")
    levels = {i.determination.dishonesty.level for i in items}
    assert {"none", "general"} <= levels and len(levels) >= 3        # varied enough to show a change


def test_the_generator_is_deterministic():
    a = corpus_module.render(corpus_module.generate(MINI, 40, seed=7))
    assert a == corpus_module.render(corpus_module.generate(MINI, 40, seed=7))
    assert a != corpus_module.render(corpus_module.generate(MINI, 40, seed=8))
    assert len(a.splitlines()) == 40
