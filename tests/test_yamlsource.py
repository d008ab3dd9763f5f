import pytest

from creditrules.yamlsource import load_yaml_text


def test_positions_are_kept_for_every_node():
    [doc], errors = load_yaml_text("a:\n  b: [1, {c: x}]\n", "f.yaml")
    assert not errors
    assert str(doc.position(("a", "b", 1, "c"))) == "f.yaml:2:14"


def test_duplicate_keys_are_errors_with_both_positions():
    _, errors = load_yaml_text("a: 1\nb: 2\na: 3\n", "f.yaml")
    assert [(e.code, str(e.position), e.hint) for e in errors] == [("duplicate-key", "f.yaml:3:1",
                                                                    "first given at line 1")]


def test_dates_stay_strings_and_no_stays_no():
    [doc], _ = load_yaml_text("d: 2024-02-30\nn: no\nt: true\n", "f.yaml")
    assert doc.data == {"d": "2024-02-30", "n": "no", "t": True}


def test_an_unclosed_bracket_is_reported_where_it_opens():
    _, errors = load_yaml_text("a: [1, 2\nb: 3\n", "f.yaml")
    [e] = errors
    assert e.code == "yaml-syntax" and (e.position.line, e.position.column) == (1, 4)
    assert "list opened here is not closed" in e.message and "stopped at line 2, column 2" in e.hint


def test_the_libyaml_loader_reads_every_shipped_file_exactly_like_the_python_one():
    """_FastLoader (libyaml events) is only a speed-up: same values, same positions, on every YAML file we ship."""
    from pathlib import Path

    from creditrules import yamlsource as y
    root = Path(__file__).resolve().parent.parent
    files = [*root.glob("policies/**/*.yaml"), *root.glob("src/creditrules/vocabulary/*.yaml"),
             *root.glob("examples/*.yaml")]
    assert len(files) > 30 and y._FAST
    for path in files:
        text = path.read_text(encoding="utf-8")
        fast, slow = y._load(text, str(path), y._FastLoader), y._load(text, str(path), y._StrictLoader)
        assert [d.data for d in fast[0]] == [d.data for d in slow[0]], path
        assert [d.positions for d in fast[0]] == [d.positions for d in slow[0]], path
        assert [d.key_positions for d in fast[0]] == [d.key_positions for d in slow[0]], path
        assert fast[1] == slow[1] == [], path


# --- full-width punctuation (a Chinese input method left on), named at its own line:column (issue 10, item 6) ---

@pytest.mark.parametrize("text,ch,line,column", [
    ("conduct: bribery、tax_evasion\n", "、", 1, 17),              # one tag `bribery、tax_evasion` otherwise
    ("conduct: [bribery；fraud]\n", "；", 1, 18),
    ("“kind”: administrative_penalty\n", "“", 1, 1),               # a key `“kind”` otherwise
    ("kind: “administrative_penalty”\n", "“", 1, 7),
    ("conduct: 【bribery, tax_evasion】\n", "【", 1, 10),           # a text `【bribery, tax_evasion】` otherwise
    ("when: {conduct: 【bribery】}\n", "【", 1, 17),
    ("conduct: [bribery】\nkind: x\n", "】", 1, 18),               # breaks YAML: the reader stops on line 2
    ("subject: ｛type: legal_person｝\n", "｛", 1, 10),             # breaks YAML at the second `: `
    ("conduct:\n  — bribery\n  — fraud\n", "—", 2, 3),             # a text `— bribery — fraud` otherwise
    ("kind: administrative_penalty（\n", "（", 1, 29),
    ("id：x\n", "：", 1, 3),
    ("conduct: [tax_evasion，fraud]\n", "，", 1, 22),
])
def test_full_width_punctuation_is_named_at_its_column_in_both_languages(text, ch, line, column):
    _, errors = load_yaml_text(text, "f.yaml")
    [e] = errors
    code = f"U+{ord(ch):04X}"
    assert e.code == "yaml-syntax" and (e.position.line, e.position.column) == (line, column), str(e)
    assert "full-width" in e.message and f"`{ch}` ({code}) at line {line}, column {column}: " in e.message
    assert f"第 {line} 行第 {column} 列是全角" in e.message_zh and f"`{ch}`（{code}）" in e.message_zh
    assert "half-width" in e.hint and "半角" in e.hint_zh


def test_the_half_width_character_wanted_is_said():
    cases = {"conduct: 【bribery】\n": "half-width `[` here", "conduct: [bribery】\nkind: x\n": "half-width `]` here",
             "“kind”: x\n": 'half-width `"` here', "conduct: a、b\n": "half-width `,` here",
             "a:\n  — x\n": "half-width `-` and a space"}
    for text, words in cases.items():
        [e] = load_yaml_text(text, "f.yaml")[1]
        assert words in e.message, (text, str(e))


def test_full_width_punctuation_in_chinese_or_quoted_text_is_left_alone():
    text = ("title: 【第一条】“信用”（一）；、\nnote: This applies，see art. 5\ntitle2: “Art. 5 applies”\n"
            "warning: 依照“第三条”【试行】办理：见附件\nquoted: \"“kind”\"\nsingle: '【bribery】'\n"
            "items: [第一项；第二项, 【注】]\nsteps:\n  — 第一步\n")
    [doc], errors = load_yaml_text(text, "f.yaml")
    assert errors == [], [str(e) for e in errors]
    assert doc.data["quoted"] == "“kind”" and doc.data["single"] == "【bribery】"


# --- YAML syntax errors in plain words, in English and Chinese, at the line to mend ------------------------------

@pytest.mark.parametrize("text,code,line,column,en,zh", [
    ("a: [1, 2\nb: 3\n", "yaml-syntax", 1, 4, "`[...]` list opened here is not closed", "列表没有闭合"),
    ("a: {b: 1\nc: 2\n", "yaml-syntax", 1, 4, "`{...}` mapping opened here is not closed", "映射没有闭合"),
    ("a: {b: 1 c: 2}\n", "yaml-syntax", 1, 11, "expected `,` between items", "各项之间应是 `,`"),
    ("rules:\n  - id: x\n    cite: 1\n   then: y\n", "yaml-syntax", 4, 4, "check this line's indentation",
     "请检查本行的缩进"),
    ("a:\n\tb: 1\n", "yaml-syntax", 2, 1, "a tab character", "Tab"),
    ("a:\n  b:1\n  c: 2\n", "yaml-syntax", 2, 4, "no space after the colon `:` at line 2, column 4",
     "冒号 `:` 后面没有空格"),
    ("id: e1\nkind:y\nsubject: z\n", "yaml-syntax", 2, 5, "no space after the colon", "后面没有空格"),
    ("a: 1\na: 2\n", "duplicate-key", 2, 1, "duplicate key `a`", "键 `a` 重复出现"),
    ("a: 'x\nb: 2\n", "yaml-syntax", 1, 4, "quoted text is not closed", "引号没有闭合"),
    ("a: \"x\nb: 2\n", "yaml-syntax", 1, 4, "quoted text is not closed", "引号没有闭合"),
    ("a: @x\n", "yaml-syntax", 1, 4, "cannot begin a value here: put the value in quotes", "请给这个值加上引号"),
    ("a: b: c\n", "yaml-syntax", 1, 5, "quote a value that contains `: `", "请给值加引号"),
])
def test_syntax_errors_are_said_plainly_in_english_and_chinese(text, code, line, column, en, zh):
    _, errors = load_yaml_text(text, "f.yaml")
    [e] = errors
    assert (e.code, e.position.line, e.position.column) == (code, line, column), str(e)
    assert en in e.message and en in e.text("en") and e.text("en") == str(e)
    assert zh in e.message_zh and e.text("zh").startswith(f"f.yaml:{line}:{column}: 错误 {code}：")
    assert "expected" not in e.text("zh") and "YAML parser" not in e.text("en")     # no PyYAML wording


def test_a_diagnostic_without_chinese_words_reads_the_same_in_both_languages():
    from creditrules.errors import Diagnostic, Position
    d = Diagnostic("unknown-name", "unknown conduct tag `x`", Position("f.yaml", 1, 2), "did you mean `y`?")
    assert d.text("zh") == d.text("en") == str(d)


# --- the CLI: the message, then the line that is wrong, then a caret under the mistake ------------------------------

def _report_of(tmp_path, rule_text: str, lang: str):
    import shutil

    from typer.testing import CliRunner

    from creditrules.cli import app

    from conftest import MINI
    pack = tmp_path / "mini"
    shutil.copytree(MINI, pack)
    (pack / "rules" / "extra.yaml").write_text(rule_text, encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", str(pack), "--lang", lang])
    assert result.exit_code == 1, result.output
    return result.output.splitlines()


def _caret_under(lines: list[str], source: str) -> str:
    """What the caret printed under `source` points at (display columns: a full-width character is two wide)."""
    import unicodedata
    row = lines.index(f"    {source}")
    caret = lines[row + 1].index("^") - 4
    width = 0
    for ch in source:
        if width == caret:
            return ch
        width += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
    raise AssertionError(lines[row + 1])


RULE = "group: other\nrules:\n  - id: extra.one\n    cite: \"3.1.1\"\n    when: {}\n    then: {warning: x}\n"


@pytest.mark.parametrize("lang,words", [("zh", "第 5 行第 21 列是全角方括号 `【`（U+3010）：这里 YAML 需要半角"
                                               "方括号 `[`"),
                                        ("en", "full-width bracket `【` (U+3010) at line 5, column 21: YAML needs "
                                               "the half-width `[` here")])
def test_validate_names_the_full_width_bracket_under_its_line_in_either_language(tmp_path, lang, words):
    source = "    when: {conduct: 【bribery】}"
    lines = _report_of(tmp_path, RULE.replace("    when: {}", source), lang)
    [message] = [line for line in lines if "extra.yaml:5:21" in line]
    assert words in message
    assert _caret_under(lines, source) == "【"


@pytest.mark.parametrize("lang,words", [("zh", "从这里开始的 `[...]` 列表没有闭合"),
                                        ("en", "the `[...]` list opened here is not closed")])
def test_validate_shows_the_line_of_an_unclosed_bracket_with_a_caret(tmp_path, lang, words):
    source = "    cite: [\"3.1.1\""
    lines = _report_of(tmp_path, RULE.replace("    cite: \"3.1.1\"", source), lang)
    [message] = [line for line in lines if "extra.yaml:4:11" in line]
    assert words in message and _caret_under(lines, source) == "["


def test_validate_points_at_the_bad_tag_inside_a_flow_list(tmp_path):
    source = "    when: {conduct: [bribery, tax_evsion]}"
    lines = _report_of(tmp_path, RULE.replace("    when: {}", source), "zh")
    assert any("extra.yaml:5:31" in line and "`tax_evsion`" in line for line in lines)
    assert _caret_under(lines, source) == "t" and lines[lines.index(f"    {source}") + 1].endswith(" " * 30 + "^")


def test_the_caret_stays_on_the_bad_tag_when_the_event_line_is_masked(tmp_path):
    """A case's event line is shown with its id masked (`id: …`): the caret still falls on the bad tag."""
    import shutil

    from typer.testing import CliRunner

    from creditrules.cli import app

    from conftest import MINI
    pack = tmp_path / "mini"
    shutil.copytree(MINI, pack)
    source = ("  event: {id: case-with-a-long-id, subject: {type: legal_person}, kind: administrative_penalty, "
              "conduct: [bribery, tax_evsion]}")
    (pack / "tests" / "typo.yaml").write_text(f"- name: typo\n{source}\n  expect:\n    dishonesty.level: none\n",
                                              encoding="utf-8")
    lines = CliRunner().invoke(app, ["validate", str(pack)]).output.splitlines()
    masked = source.replace("case-with-a-long-id", "…")
    assert f"    {masked}" in lines and "case-with-a-long-id" not in "\n".join(lines)
    assert _caret_under(lines, masked) == "t"


@pytest.mark.parametrize("lang,words", [("zh", "引号没有闭合"), ("en", "a quoted text is not closed")])
def test_creditrules_test_says_the_syntax_error_of_an_invalid_pack_in_either_language(tmp_path, lang, words):
    import shutil

    from typer.testing import CliRunner

    from creditrules.cli import app

    from conftest import MINI
    pack = tmp_path / "mini"
    shutil.copytree(MINI, pack)
    (pack / "rules" / "extra.yaml").write_text(RULE.replace("{warning: x}", "{warning: 'x}"), encoding="utf-8")
    result = CliRunner().invoke(app, ["test", str(pack), "--lang", lang])
    assert result.exit_code == 1
    [message] = [line for line in result.output.splitlines() if "extra.yaml:6:" in line]
    assert words in message and "extra.yaml:6:21" in message        # the opening quote


def test_no_shipped_file_is_flagged_though_their_chinese_text_is_full_of_full_width_punctuation():
    """Titles, notes and warnings (the Jilin draft's 【】 among them) load without a diagnostic."""
    from pathlib import Path

    from creditrules.yamlsource import _FULLWIDTH
    root = Path(__file__).resolve().parent.parent
    seen: dict[str, int] = {}
    for path in [*root.glob("policies/**/*.yaml"), *root.glob("src/creditrules/vocabulary/*.yaml"),
                 *root.glob("examples/*.yaml")]:
        text = path.read_text(encoding="utf-8")
        for ch in _FULLWIDTH:
            seen[ch] = seen.get(ch, 0) + text.count(ch)
        assert load_yaml_text(text, str(path))[1] == [], path
    assert all(seen[ch] for ch in "：，、；【】“”（）"), seen          # the test would see a false alarm


def test_a_missing_space_inside_braces_is_said_at_the_colon_in_both_languages():
    """`{kind:x}` is one key `kind:x` with no value to YAML: said at the colon, never loaded silently."""
    from creditrules.yamlsource import load_yaml_text
    _, problems = load_yaml_text("rules:\n  - id: a\n    when: {kind:administrative_penalty}\n", "r.yaml")
    (found,) = problems
    assert (found.code, found.position.line, found.position.column) == ("yaml-syntax", 3, 16)
    assert "no space after the colon" in found.message and "冒号 `:` 后面没有空格" in found.text("zh")
    for fine in ('a: {"kind:x": 1}\n', "a: {kind: x}\n", "a: {doc:33.1: 1}\n", "note: 'kind:x'\n"):
        assert load_yaml_text(fine, "r.yaml")[1] == [], fine
