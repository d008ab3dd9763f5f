"""`creditrules new-pack`: a pack scaffolded from a law's text loads, its index is `creditrules index`'s, its ledger
lists every article (as still to do), and `validate` says in plain words what remains; marking an article the way
the ledger's header says takes it off the list."""
from typer.testing import CliRunner

from creditrules.cli import app
from creditrules.lawtext import parse_law_text, render_index
from creditrules.load import load_pack_dir
from creditrules.tools.newpack import remaining

from conftest import ROOT

TEXT = ROOT / "policies" / "henan" / "source" / "regulation.txt"


def test_scaffold_loads_and_validate_lists_what_remains(tmp_path):
    runner = CliRunner()
    target = tmp_path / "shaanxi"
    made = runner.invoke(app, ["new-pack", "shaanxi", "--text", str(TEXT), "--title", "陕西省社会信用条例",
                               "--out", str(target)], catch_exceptions=False)
    assert made.exit_code == 0, made.output
    assert "68 articles" in made.output and "1-68" in made.output
    for name in ("pack.yaml", "ledger.yaml", "rules/main.yaml", "tests/main.yaml", "source/regulation.txt"):
        assert (target / name).is_file(), name
    text = TEXT.read_text(encoding="utf-8")
    law = parse_law_text(text, "regulation", "陕西省社会信用条例")
    assert (target / "source" / "regulation.articles.yaml").read_text(encoding="utf-8") == \
        render_index(law, "regulation.txt", text)
    ledger = (target / "ledger.yaml").read_text(encoding="utf-8")
    assert [f'  # "{n}": {{status: todo}}' in ledger for n in range(1, 69)] == [True] * 68
    pack = load_pack_dir(target)                                             # the scaffold loads
    assert pack.id == "shaanxi" and not pack.rules and not pack.tests
    checked = runner.invoke(app, ["validate", str(target)])
    assert checked.exit_code == 1
    assert "article(s) 1-68 of `regulation` are not accounted for in ledger.yaml" in checked.output
    assert "needs `effective_from`" in checked.output
    # do what the ledger header says for article 1, and give the date: the list shrinks
    ledger = ledger.replace("regulation: {}", "regulation:").replace(
        '  # "1": {status: todo}', '  "1": {status: declaratory, note: "purpose"}')
    (target / "ledger.yaml").write_text(ledger, encoding="utf-8")
    pack_yaml = (target / "pack.yaml").read_text(encoding="utf-8")
    (target / "pack.yaml").write_text(pack_yaml.replace("effective_from: null", "effective_from: 2024-01-01"),
                                      encoding="utf-8")
    left = remaining(target)
    assert left[0].startswith("mark in ledger.yaml: article(s) 2-68 of `regulation`")
    assert not any("effective_from" in line for line in left)
    assert "rules/: no rule yet" in " ".join(left) and "tests/: no test case yet" in " ".join(left)


def test_bad_input_is_a_clear_error(tmp_path):
    runner = CliRunner()
    cases = [(["new-pack", "Bad Name", "--text", str(TEXT), "--out", str(tmp_path / "a")], "is not a pack name"),
             (["new-pack", "x", "--text", str(tmp_path / "none.txt"), "--out", str(tmp_path / "b")], "no law text"),
             (["new-pack", "henan", "--text", str(TEXT), "--out", str(ROOT / "policies" / "henan")],
              "already holds files")]
    empty = tmp_path / "empty.txt"
    empty.write_text("没有条文\n", encoding="utf-8")
    cases.append((["new-pack", "x", "--text", str(empty), "--out", str(tmp_path / "c")], "no article"))
    for args, words in cases:
        result = runner.invoke(app, args)
        assert result.exit_code == 2 and words in result.output, (args, result.output)
        assert "Traceback" not in result.output
