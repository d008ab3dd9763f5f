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


STAFF_GUIDE = ROOT / "docs" / "legal-staff-guide.md"


def test_the_staff_guide_commands_run_as_written(tmp_path, monkeypatch):
    """docs/legal-staff-guide.md: every command of the Chinese half, in order, with the hand edits it asks for."""
    lines = shell_lines(STAFF_GUIDE.read_text(encoding="utf-8"))
    assert lines[0] == "python3 -m pip install -e ."
    work = tmp_path / "work"
    work.mkdir()
    os.symlink(ROOT / "policies", work / "policies")
    monkeypatch.chdir(work)
    dirs = {f"/tmp/{name}": tmp_path / name for name in ("henan-try", "henan-typo", "shaanxi")}
    runner = CliRunner()
    results = {}
    for line in lines[1:]:
        for old, new in dirs.items():
            line = line.replace(old, str(new))
        if line.startswith("rm -rf"):
            target = Path(shlex.split(line)[2])
            shutil.rmtree(target, ignore_errors=True)
            if "cp -r" in line:
                shutil.copytree(ROOT / "policies" / "henan", target)
                if target.name == "henan-try":                   # sections 1 and 2, by hand
                    rules = target / "rules" / "publication.yaml"
                    rules.write_text(rules.read_text(encoding="utf-8").replace("max: {years: 5}", "max: {years: 3}"),
                                     encoding="utf-8")
                    (target / "vocabulary").mkdir()
                    (target / "vocabulary" / "henan-extra.yaml").write_text(
                        "facts:\n  info_corrected_on_request:\n    zh: 是否已应信用主体要求更正\n"
                        "    en: corrected at the subject's request\n    type: bool\n", encoding="utf-8")
                else:                                             # section 5, by hand
                    severe = target / "rules" / "severe.yaml"
                    severe.write_text(severe.read_text(encoding="utf-8").replace("tax_evasion", "tax_evsion", 1),
                                      encoding="utf-8")
            continue
        words = shlex.split(line)
        assert words[0] == "creditrules", line
        result = runner.invoke(app, words[1:], catch_exceptions=False)
        assert result.exit_code in (0, 1), f"{line}: exit {result.exit_code}\n{result.output}"
        results[line] = result

    def ran(command, *parts):
        return next(r for line, r in results.items()
                    if line.startswith(f"creditrules {command}") and all(p in line for p in parts))

    try_dir, typo, shaanxi = (str(p) for p in dirs.values())
    assert ran("validate", try_dir).exit_code == 0
    assert ran("test", try_dir).exit_code == 1 and "2029-02-28" in ran("test", try_dir).output
    assert ran("validate", typo).exit_code == 1 and "是不是 `tax_evasion`？" in ran("validate", typo).output  # zh
    assert "did you mean `tax_evasion`?" in ran("validate", typo, "--lang en").output
    diff = ran("diff", try_dir)
    assert diff.exit_code == 0 and "publication.max_end" in diff.stdout and "2 years earlier" in diff.stdout
    assert ran("test policies/henan -k").exit_code == 0
    for page in ("diff.html", "henan-weave.html", "henan-weave-en.html"):
        assert (work / page).read_text(encoding="utf-8").startswith("<!DOCTYPE html>"), page
    left = ran("validate", shaanxi)
    assert left.exit_code == 1 and "article(s) 1-68 of `regulation` are not accounted for" in left.output
