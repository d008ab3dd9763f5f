"""Event text is data wherever an explanation shows it: names with brackets (rich markup), backslashes, control
and right-to-left characters appear verbatim (after the renderer's own escaping: `words.visible` in text,
`html.escape` of it in HTML) and nothing crashes."""
import html
import io
import subprocess
import sys
from html.parser import HTMLParser

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

import creditrules
from creditrules.api import evaluation
from creditrules.explain import explanation_data, explanation_html, explanation_tree, why_not_tree
from creditrules.explain.words import visible

from conftest import ROOT

EXAMPLE = ROOT / "examples" / "henan-tax-evasion.yaml"
BASE = creditrules.read_event(EXAMPLE).model_dump(mode="json", exclude_none=True)

# the characters that break renderers: markup brackets and escapes, quotes, control characters (C0, DEL, C1),
# bidirectional controls, right-to-left letters, line separators, CJK, and markup-like fragments whole
HOSTILE = st.sampled_from(list("[]\\/<>&\"'`{}*_#|~:") + ["\x00", "\x07", "\x08", "\t", "\n", "\r", "\x1b", "\x7f",
                          "\x85", "\x9b", "\u202e", "\u202b", "\u2066", "\u200f", "\u2028", "א", "ب", "張", "三"])
FRAGMENTS = st.sampled_from(["[/b]", "[bold red]", "[link=http://x]", "\\[", "[/]", "<script>", "</bdi>", "&amp;",
                             "\x1b[31m", "]]>", "{0}", "%s", ":smile:", "ACME [asia] Ltd"])
NAMES = st.lists(st.one_of(HOSTILE, FRAGMENTS, st.text(max_size=3)), min_size=1, max_size=8).map("".join).filter(
    lambda s: s.strip() != "")


def event_with(name, person, event_id):
    event = {**BASE, "id": event_id, "subject": {**BASE["subject"], "name": name,
                                                  "responsible_persons": [{"role": "legal_representative",
                                                                           "name": person}]}}
    return event


def text_of(renderable):
    buf = io.StringIO()
    Console(file=buf, width=100_000, soft_wrap=False, highlight=False, color_system=None).print(renderable)
    return buf.getvalue()


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.tags = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.parts.append(data)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=NAMES, person=NAMES, event_id=NAMES)
def test_hostile_names_appear_verbatim_in_text_and_html(name, person, event_id):
    found = evaluation(event_with(name, person, event_id), "henan", "2024-06-01", lang="zh")
    text = text_of(explanation_tree(found, "zh"))
    assert f"认定结果 {visible(event_id)} · {visible(name)}（法人）" in text
    assert f"{visible(person)}（法定代表人）" in text                  # art. 35: the persons marked, by name
    # no control or bidirectional character from the event reaches the terminal (no colour here: none of ours)
    assert not {"\x1b", "\x00", "\x07", "\x08", "\r", "\x9b", "\u202e", "\u2066"} & set(text)
    page = explanation_html(found, "zh")
    assert html.escape(visible(name), quote=True) in page and html.escape(visible(person), quote=True) in page
    parser = _Text()
    parser.feed(page)
    body = "".join(parser.parts)
    assert visible(name) in body and visible(person) in body and visible(event_id) in body
    assert "script" not in parser.tags                       # the page's own elements only
    data = explanation_data(found, "en")
    assert data["header"]["subject"]["name"] == name        # the data keeps the name as given
    assert visible(event_id) in text_of(why_not_tree(found, "incentive_list_requires_public_notice", "en"))


def test_visible_keeps_brackets_and_backslashes_and_shows_controls():
    assert visible("ACME [asia] Ltd") == "ACME [asia] Ltd" and visible("[/b]张三\\") == "[/b]张三\\"
    assert visible("a\x1b[31mb") == "a␛[31mb" and visible("x\u202ey") == "x⟨U+202E⟩y" and visible("\x9b") == "⟨U+009B⟩"
    assert visible("שלום") == "שלום"                                  # right-to-left letters are letters


def test_the_command_prints_a_bracketed_name_verbatim_and_does_not_crash(tmp_path):
    """The issue's two cases: `ACME [asia] Ltd` was printed as `ACME  Ltd`; `[/b]张三` crashed with exit 3."""
    path = tmp_path / "names.yaml"
    path.write_text(EXAMPLE.read_text(encoding="utf-8").replace("某某贸易有限公司", "'ACME [asia] Ltd'")
                    .replace("name: 张三", "name: '[/b]张三'"), encoding="utf-8")
    for args in ([], ["--why-not", "incentive_list_requires_public_notice", "--lang", "en"]):
        proc = subprocess.run([sys.executable, "-m", "creditrules", "explain", str(path), "-j", "henan", "--as-of",
                               "2024-06-01", *args], capture_output=True, text=True, cwd=ROOT, timeout=120)
        assert proc.returncode == 0, proc.stderr
        if "--why-not" not in args:
            assert "ACME [asia] Ltd" in proc.stdout and "[/b]张三" in proc.stdout
