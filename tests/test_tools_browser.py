"""The coverage page and the diff page in a real browser: headless Chromium (Debian's `chromium`) loads each page;
in the DOM it builds, every article of the held text appears in order with the rules citing it, and the counts are
the report's; a screenshot is taken. Chromium missing: skipped on a developer's machine, a failure in CI."""
import shutil
import struct
from html.parser import HTMLParser

from creditrules.explain.pdf import run_chromium
from creditrules.tools.coverage import coverage_report, render_html
from creditrules.tools.diff import diff_packs
from creditrules.tools.diff import render_html as diff_html

from conftest import ROOT


class Dom(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements, self.stack = [], []

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, "attrs": dict(attrs), "text": []}
        self.elements.append(element)
        if tag not in ("meta", "br"):
            self.stack.append(element)

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()["tag"] == tag:
                break

    def handle_data(self, data):
        for element in self.stack:
            element["text"].append(data)


def load(path):
    proc = run_chromium(["--dump-dom", path.as_uri()])
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")[-2000:]
    dom = Dom()
    dom.feed(proc.stdout.decode("utf-8"))
    return dom


def screenshot(path, out):
    run_chromium([f"--screenshot={out}", "--window-size=1280,2400", path.as_uri()])
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1280, 2400) and len(data) > 50_000        # a page was drawn, not a blank


def test_the_coverage_page_shows_every_article_in_order_with_its_rules(chromium, tmp_path):
    report = coverage_report("henan")
    page = tmp_path / "henan-coverage.html"
    page.write_text(render_html(report), encoding="utf-8")
    dom = load(page)
    headings = [e for e in dom.elements if e["tag"] == "h3"]
    law = report.articles
    assert [h["attrs"]["id"] for h in headings] == [f"{a.document}-{a.number}" for a in law]
    assert [a.number for a in law] == list(range(1, 69))                 # Henan's held text: arts. 1-68
    # after each article's heading, up to the next, its table names each of its rules
    index = {id(e): i for i, e in enumerate(dom.elements)}
    starts = [index[id(h)] for h in headings] + [len(dom.elements)]
    for article, start, end in zip(law, starts, starts[1:], strict=False):
        codes = {"".join(e["text"]) for e in dom.elements[start:end] if e["tag"] == "code"}
        assert set(article.rules) <= codes, article.number
    score = next(e for e in dom.elements if e["attrs"].get("id") == "score")
    assert "".join(score["text"]).startswith(f"{report.exercised}/{report.possible}")
    screenshot(page, tmp_path / "coverage.png")


def test_the_diff_page_in_the_browser(chromium, tmp_path):
    new = tmp_path / "henan"
    shutil.copytree(ROOT / "policies" / "henan", new)
    rules = new / "rules" / "publication.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace("max: {years: 5}", "max: {years: 3}"),
                     encoding="utf-8")
    report = diff_packs(ROOT / "policies" / "henan", new, ROOT / "policies" / "henan" / "corpus" / "events.jsonl",
                        "2025-06-01")
    page = tmp_path / "diff.html"
    page.write_text(diff_html(report), encoding="utf-8")
    dom = load(page)
    changed = next(e for e in dom.elements if e["attrs"].get("id") == "changed")
    assert "".join(changed["text"]) == str(report.changed) and report.changed > 50
    codes = ["".join(e["text"]) for e in dom.elements if e["tag"] == "code"]
    assert "publication.max_end" in codes and "publication.dishonesty_period" in codes
    screenshot(page, tmp_path / "diff.png")
