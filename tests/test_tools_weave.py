"""`creditrules weave`: the pack woven with its law, in a real browser (headless Chromium). In the DOM Chromium
builds, every article of the held text appears in order, each followed by exactly the rules citing it, with its
ledger status; a rule's condition is in plain words and its cases are the coverage report's; user text is escaped.
A screenshot of Henan's page is written to docs/img/weave-henan.png."""
import shutil
import struct

from test_tools_browser import load
from typer.testing import CliRunner

from creditrules.cli import app
from creditrules.tools.weave import render_html, weave

from conftest import ROOT

SCREENSHOT = ROOT / "docs" / "img" / "weave-henan.png"


def _sections(dom):
    return [e for e in dom.elements if e["tag"] == "section"]


def test_every_article_in_order_with_its_rules_in_chromium(chromium, tmp_path):
    from creditrules.explain.pdf import run_chromium
    woven = weave(ROOT / "policies" / "henan")
    report = woven.coverage
    page = tmp_path / "henan-weave.html"
    page.write_text(render_html(woven, "zh"), encoding="utf-8")
    dom = load(page)
    sections = _sections(dom)
    assert [int(s["attrs"]["data-article"]) for s in sections] == list(range(1, 69))   # Henan holds arts. 1-68
    index = {id(e): i for i, e in enumerate(dom.elements)}
    starts = [index[id(s)] for s in sections] + [len(dom.elements)]
    articles = {a.number: a for a in report.articles}
    encoded_seen = 0
    for section, start, end in zip(sections, starts, starts[1:], strict=False):
        article = articles[int(section["attrs"]["data-article"])]
        inside = dom.elements[start:end]
        rules = [e["attrs"]["data-rule"] for e in inside if e["attrs"].get("data-rule")]
        assert rules == article.rules, article.number                       # its rules, in pack order, no other
        ledger = next(e for e in inside if "data-ledger" in e["attrs"])["attrs"]["data-ledger"]
        assert ledger == article.ledger
        text = "".join(section["text"])
        for prov in article.provisions[1:]:
            assert prov.text in text, prov.cite                              # the law's words, every paragraph/item
        counts, current = {}, None                                           # each rule's cases: coverage's
        for e in inside:
            current = e["attrs"].get("data-rule", current)
            if e["attrs"].get("data-outcome"):
                counts[current, e["attrs"]["data-outcome"]] = int(e["attrs"]["data-count"])
        for rule_id in rules:
            cov = report.rules[rule_id]
            assert {o: counts[rule_id, o] for o in cov.possible} == {o: len(cov.cases[o]) for o in cov.possible}
        if article.ledger == "encoded":
            encoded_seen += 1
            assert rules, article.number
    assert encoded_seen > 30
    # a rule's condition in plain words (the vocabulary's Chinese names), its case names on the page
    assert "事件类型为 登记 (registration)" in "".join(dom.elements[0]["text"])
    some = next(r for r in report.rules.values() if r.cases["true"])
    assert some.cases["true"][0].name in "".join(dom.elements[0]["text"])
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    shot = tmp_path / "weave.png"
    run_chromium([f"--screenshot={shot}", "--window-size=1280,2400", page.as_uri()])
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", data[16:24]) == (1280, 2400)
    assert len(data) > 50_000                                                # a page was drawn, not a blank
    shutil.copyfile(shot, SCREENSHOT)


def test_user_text_is_escaped_and_english_words(tmp_path):
    pack = tmp_path / "henan"
    shutil.copytree(ROOT / "policies" / "henan", pack)
    tests = pack / "tests" / "repair.yaml"
    text = tests.read_text(encoding="utf-8")
    tests.write_text(text.replace("- name: 43 a subject", "- name: \"<script>alert(1)</script> 43 a subject", 1)
                     .replace("from the start of disclosure\n", "from the start of disclosure\"\n", 1),
                     encoding="utf-8")
    html_en = render_html(weave(pack), "en")
    assert "<script>alert(1)</script>" not in html_en and "&lt;script&gt;alert(1)&lt;/script&gt; 43" in html_en
    assert "<b>when</b> the event is registration (registration)" in html_en


def test_the_command(tmp_path):
    runner = CliRunner()
    out = tmp_path / "w.html"
    result = runner.invoke(app, ["weave", "henan", "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    bad = runner.invoke(app, ["weave", "henan", "--lang", "fr"])
    assert bad.exit_code == 2 and "--lang must be zh or en" in bad.output
    missing = runner.invoke(app, ["weave", "nowhere"])
    assert missing.exit_code == 1 and "Traceback" not in missing.output


def test_every_shipped_pack_weaves_every_article_in_order():
    from test_tools_browser import Dom
    for name in ("henan", "jilin", "xinjiang", "bingtuan"):
        woven = weave(ROOT / "policies" / name)
        dom = Dom()
        dom.feed(render_html(woven, "en"))
        shown = [(s["attrs"]["data-document"], int(s["attrs"]["data-article"])) for s in _sections(dom)]
        assert shown == [(a.document, a.number) for a in woven.coverage.articles] and shown, name
        held = [(d.id, n) for d in woven.plan.pack.documents.values() if d.law for n in sorted(d.law.articles)]
        assert shown == held, name
        cited = {r for a in woven.coverage.articles for r in a.rules}
        on_page = {e["attrs"]["data-rule"] for e in dom.elements if e["attrs"].get("data-rule")}
        assert on_page == cited and cited, name
