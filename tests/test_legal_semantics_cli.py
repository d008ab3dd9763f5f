"""Issue 12 item 7 on the command line: `--apply-out-of-force`."""
import json
import subprocess
import sys

from test_legal_semantics import EARLY

from conftest import ROOT


def test_the_cli_flag(tmp_path):
    path = tmp_path / "early.json"
    path.write_text(json.dumps(EARLY, ensure_ascii=False), encoding="utf-8")

    def run(*extra):
        proc = subprocess.run([sys.executable, "-m", "creditrules", "evaluate", str(path), "-j", "henan",
                               "--as-of", "2021-06-01", "--trace", "none", *extra], capture_output=True, text=True,
                              cwd=ROOT, timeout=120)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)
    assert run()["dishonesty"]["level"] == "general"
    assert run("--apply-out-of-force")["dishonesty"]["level"] == "severe"
