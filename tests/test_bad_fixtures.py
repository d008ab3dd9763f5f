"""One bad fixture per error code (tests/bad_fixtures/<code>/ laid over the mini pack): code and position."""
import os
import shutil
from pathlib import Path

import pytest
import yaml

from creditrules.errors import PackError
from creditrules.load import load_pack_dir
from creditrules.validate import validate_pack

from conftest import MINI

HERE = Path(__file__).parent / "bad_fixtures"
EXPECTED = yaml.safe_load((HERE / "EXPECTED.yaml").read_text(encoding="utf-8"))


def diagnostics_for(pack_dir: Path):
    try:
        pack = load_pack_dir(pack_dir)
    except PackError as exc:
        return exc.diagnostics
    return validate_pack(pack).errors


def test_every_fixture_folder_has_an_expectation():
    folders = {p.name for p in HERE.iterdir() if p.is_dir()}
    assert folders == set(EXPECTED)


@pytest.mark.parametrize("folder", sorted(EXPECTED))
def test_bad_fixture_reports_its_code_at_its_place(folder, tmp_path):
    pack_dir = tmp_path / "mini"
    shutil.copytree(MINI, pack_dir)
    shutil.copytree(HERE / folder, pack_dir, dirs_exist_ok=True)
    found = diagnostics_for(pack_dir)
    want = EXPECTED[folder]
    code = want.get("code", folder)         # a folder is named by its code, or says its code (several per code)
    where = os.path.relpath(pack_dir / want["file"])
    matching = [d for d in found if d.code == code and d.position.file == where
                and d.position.line == want.get("line", d.position.line)
                and d.position.column == want.get("column", d.position.column)]
    assert matching, f"expected {code} at {want}, got:\n" + "\n".join(map(str, found))


def test_the_mini_pack_itself_is_valid():
    assert diagnostics_for(MINI) == []


def test_errors_are_collected_and_sorted(tmp_path):
    pack_dir = tmp_path / "mini"
    shutil.copytree(MINI, pack_dir)
    (pack_dir / "rules" / "extra.yaml").write_text(
        "group: other\nrules:\n  - id: a\n    cite: \"9\"\n    when: {kind: registraton}\n    then: {warning: x}\n"
        "  - id: b\n    cite: \"4\"\n    when: {rule: nope}\n    then: {warning: y}\n", encoding="utf-8")
    found = diagnostics_for(pack_dir)
    lines = [(d.code, d.position.line) for d in found if d.position.file.endswith("extra.yaml")]
    assert lines == [("unresolved-citation", 4), ("unknown-name", 5), ("unknown-rule", 9)]


def test_an_unknown_name_is_said_in_chinese_too(tmp_path):
    pack_dir = tmp_path / "mini"
    shutil.copytree(MINI, pack_dir)
    shutil.copytree(HERE / "unknown-name-fact-value", pack_dir, dirs_exist_ok=True)
    (pack_dir / "rules" / "more.yaml").write_text(
        "group: other\nrules:\n  - id: more.one\n    cite: \"3.1.1\"\n    when: {conduct: [bribery, tax_evsion]}\n"
        "    then: {warning: x}\n", encoding="utf-8")
    [tag] = [d for d in diagnostics_for(pack_dir) if "tax_evsion" in d.message]
    [value] = [d for d in diagnostics_for(pack_dir) if "genral" in d.message]
    assert "错误 unknown-name：未知的行为标记 `tax_evsion`（是不是 `tax_evasion`？可用的有：" in tag.text("zh")
    assert ("`genral` 不是事实 `procedure` 的可选值（是不是 `general`？可用的有：general, simple）"
            in value.text("zh"))
    assert tag.text("en") == str(tag) and "unknown conduct tag `tax_evsion`" in str(tag)
