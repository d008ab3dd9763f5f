"""docs/legal-guide.md works as written: every `creditrules` command of its shell blocks is run, in order, with the
edits the guide asks for made by hand in between (the period read as three years, the new fact), and none is a
usage error or a bug; the outcomes the guide promises hold."""
import os
import re
import shlex
import shutil
from pathlib import Path

from typer.testing import CliRunner

from creditrules.cli import app

from conftest import ROOT

GUIDE = ROOT / "docs" / "legal-guide.md"


def shell_lines(text: str) -> list[str]:
    """The command lines of the ```bash blocks of the Chinese half (the English half repeats them in prose)."""
    chinese = text.split("## English")[0]
    lines = []
    for block in re.findall(r"```bash\n(.*?)```", chinese, flags=re.S):
        for line in block.splitlines():
            line = line.split("  #")[0].strip()
            if line:
                lines.append(line)
    return lines


def test_the_guide_commands_run_as_written(tmp_path, monkeypatch):
    lines = shell_lines(GUIDE.read_text(encoding="utf-8"))
    assert lines[0] == "python3 -m pip install -e ."
    work = tmp_path / "work"
    work.mkdir()
    os.symlink(ROOT / "policies", work / "policies")          # relative paths as from the repository's root
    monkeypatch.chdir(work)
    try_dir = tmp_path / "henan-try"
    runner = CliRunner()
    results = {}
    for line in lines[1:]:
        line = line.replace("/tmp/henan-try", str(try_dir))
        if line.startswith("rm -rf") and "cp -r" in line:
            shutil.rmtree(try_dir, ignore_errors=True)
            shutil.copytree(ROOT / "policies" / "henan", try_dir)
            # the edits the guide makes by hand: 19(2) read as three years; a fact of the pack's own
            rules = try_dir / "rules" / "publication.yaml"
            rules.write_text(rules.read_text(encoding="utf-8").replace("max: {years: 5}", "max: {years: 3}"),
                             encoding="utf-8")
            (try_dir / "vocabulary").mkdir()
            (try_dir / "vocabulary" / "henan-extra.yaml").write_text(
                "facts:\n  info_corrected_on_request:\n    zh: 是否已应信用主体要求更正\n"
                "    en: corrected at the subject's request\n    type: bool\n", encoding="utf-8")
            continue
        words = shlex.split(line)
        target = None
        if ">" in words:
            target = Path(words[words.index(">") + 1])
            words = words[:words.index(">")]
        assert words[0] == "creditrules", line
        result = runner.invoke(app, words[1:], catch_exceptions=False)
        assert result.exit_code in (0, 1), f"{line}: exit {result.exit_code}\n{result.output}"
        if target is not None:
            target.write_text(result.stdout, encoding="utf-8")
        results[line] = result
    def ran(start: str, contains: str):
        return next(r for line, r in results.items() if line.startswith(start) and contains in line)

    assert ran("creditrules validate", str(try_dir)).exit_code == 0          # the edit keeps the pack valid
    test_copy = ran("creditrules test", str(try_dir))
    assert test_copy.exit_code == 1 and "2029-02-28" in test_copy.output    # cases written for five years fail
    diff = next(r for line, r in results.items() if line.startswith("creditrules diff policies/henan /"))
    assert diff.exit_code == 0 and "publication.max_end" in diff.stdout and "2 years earlier" in diff.stdout
    assert (work / "henan-coverage.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert (work / "test-results.xml").read_text(encoding="utf-8").startswith("<?xml")
