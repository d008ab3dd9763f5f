"""`explain --format html` in a real browser: headless Chromium (Debian's `chromium`) loads the page, and the DOM it
builds holds every conclusion and every citation of the determination; the trace is folded; a screenshot is taken
(written to docs/img/ for the README with --update-golden); `--format pdf` prints the same page.

Chromium missing: skipped on a developer's machine, a failure in CI (.ci/run installs it).
"""
import shutil
import struct
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from creditrules.api import evaluation
from creditrules.explain import explanation_html
from creditrules.explain.pdf import run_chromium

from conftest import ROOT

EXAMPLES = ROOT / "examples"
CASES = {"henan-tax-evasion": ("henan", "2024-06-01"), "jilin-severe-penalty": ("jilin", "2024-10-01"),
         "xinjiang-food-safety": ("xinjiang", "2024-12-31"), "bingtuan-listed-company": ("bingtuan", "2024-06-01")}
SCREENSHOT = ROOT / "docs" / "img" / "explain-henan.png"


class Dom(HTMLParser):
    """The DOM Chromium serialised: text per element with its classes and attributes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.elements, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, "attrs": dict(attrs), "text": []}
        self.elements.append(element)
        if tag not in ("meta", "link", "br", "img", "input"):
            self.stack.append(element)

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()["tag"] == tag:
                break

    def handle_data(self, data):
        self.text.append(data)
        for element in self.stack:
            element["text"].append(data)

    def find(self, tag=None, **attrs):
        return [e for e in self.elements if (tag is None or e["tag"] == tag)
                and all(e["attrs"].get(k.replace("_", "-")) == v for k, v in attrs.items())]


def dump_dom(path: Path) -> Dom:
    proc = run_chromium(["--dump-dom", path.as_uri()])
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")[-2000:]
    dom = Dom()
    dom.feed(proc.stdout.decode("utf-8"))
    return dom


def text(element) -> str:
    return "".join(element["text"])


def conclusions_of(det: dict) -> list[tuple[str, str]]:
    """Every conclusion of a determination, as (data-key, id) of the element that shows it."""
    out = [("dishonesty", ""), ("severe_list", ""), ("sanctions", ""), ("publication", ""), ("repair", "")]
    out += [("sanction", s["id"]) for s in det["sanctions"]]
    out += [("incentive", i["id"]) for i in det["incentives"]]
    out += [("deadline", d["id"]) for d in det["deadlines"]]
    out += [("decision", d["id"]) for d in det["decisions"]]
    out += [("procedure", p["id"]) for p in det["severe_list"]["procedure"]]
    out += [("criterion", c) for c in det["severe_list"]["criteria"]]
    return out


@pytest.mark.parametrize("example", sorted(CASES))
def test_every_conclusion_and_citation_is_on_the_page_chromium_builds(chromium, example, tmp_path):
    jurisdiction, as_of = CASES[example]
    found = evaluation(EXAMPLES / f"{example}.yaml", jurisdiction, as_of, lang="zh")
    det = found.determination
    page = tmp_path / f"{example}.html"
    page.write_text(explanation_html(found, "zh"), encoding="utf-8")
    dom = dump_dom(page)
    body = "".join(dom.text)
    for key, ident in conclusions_of(det):
        if ident:
            shown = dom.find("li", data_key=key, data_id=ident)
            assert shown and ident in text(shown[0]), (key, ident)
        else:
            shown = dom.find("article", data_key=key)
            assert shown and text(shown[0]).strip(), key
    for citation in det["citations"]:                    # every provision the determination cites, by its label
        assert citation["label"] in body, citation["label"]
        assert any(citation["label"] in text(d) for d in dom.find("dt")), citation["label"]
    for item in det["sanctions"] + det["decisions"]:     # and each conclusion's own citations beside it
        li = dom.find("li", data_id=item["id"])[0]
        assert all(ref.label in text(li) for ref in item["citations"]), item["id"]
    verdict = dom.find("section", id="verdict")[0]
    assert text(verdict).startswith({"none": "不属于", "general": "一般", "severe": "严重",
                                     "undetermined": "是否"}[det["dishonesty"]["level"]])
    assert as_of in text(dom.find("dd", **{"class": "as-of"})[0])
    trace = dom.find("details", id="trace")[0]
    assert "open" not in trace["attrs"]                  # folded
    assert all(e.rule in text(trace) for e in det["trace"])
    assert not dom.find("script")


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_screenshot_and_pdf(chromium, tmp_path, request):
    found = evaluation(EXAMPLES / "henan-tax-evasion.yaml", "henan", "2024-06-01", lang="zh")
    page = tmp_path / "henan.html"
    page.write_text(explanation_html(found, "zh"), encoding="utf-8")
    shot = tmp_path / "henan.png"
    proc = run_chromium([f"--screenshot={shot}", "--window-size=1000,1400", page.as_uri()])
    assert proc.returncode == 0 and shot.is_file(), proc.stderr.decode("utf-8", "replace")[-2000:]
    assert _png_size(shot) == (1000, 1400) and shot.stat().st_size > 50_000      # a page was drawn, not a blank
    if request.config.getoption("--update-golden"):
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, SCREENSHOT)
    pdf = tmp_path / "henan.pdf"
    proc = subprocess.run([sys.executable, "-m", "creditrules", "explain", str(EXAMPLES / "henan-tax-evasion.yaml"),
                           "-j", "henan", "--as-of", "2024-06-01", "--format", "pdf", "-o", str(pdf)],
                          capture_output=True, cwd=ROOT, timeout=180)
    assert proc.returncode == 0, proc.stderr
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and b"/Type /Page" in data and len(data) > 20_000
