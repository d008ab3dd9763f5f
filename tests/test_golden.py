"""Golden outputs: `evaluate` and `explain` of every shipped example, through the real CLI, compared byte for byte
with examples/golden/. After a deliberate change of output, rewrite them and review the diff:

    python -m pytest tests/test_golden.py --update-golden && git diff examples/golden

Only `pack.source` (the absolute folder the pack was loaded from) differs between machines; it is replaced by
`<source>` before comparing. Everything else, the pack digest included, must be the same on every machine.
"""
import difflib
import json
import os
import re
import subprocess
import sys

import pytest

from conftest import ROOT

EXAMPLES = ROOT / "examples"
GOLDEN = EXAMPLES / "golden"
SOURCE = "<source>"

# example file -> (jurisdiction, as_of, evaluate's exit code): the jurisdictions and dates of tests/test_examples.py
CASES = {
    "henan-tax-evasion.yaml": ("henan", "2024-06-01", 0),
    "jilin-severe-penalty.yaml": ("jilin", "2024-10-01", 0),
    "xinjiang-food-safety.yaml": ("xinjiang", "2024-12-31", 0),
    "bingtuan-listed-company.yaml": ("bingtuan", "2024-06-01", 0),
    "henan-batch.jsonl": ("henan", "2024-06-01", 1),           # line 3 is a bad record: reported, exit 1
}
SHIPPED = sorted(p.name for p in EXAMPLES.iterdir() if p.suffix in (".yaml", ".jsonl"))
EVENTS = [name for name in SHIPPED if name.endswith(".yaml")]      # explain takes one event, not a batch

# what a machine may set that would change the output; the width is fixed (COLUMNS=100)
_DROP = ("CREDITRULES_POLICIES", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "CLICOLOR_FORCE")


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in _DROP}
    env.update(COLUMNS="100", LINES="50", PYTHONIOENCODING="utf-8")
    return env


def stem(name: str) -> str:
    return name.rsplit(".", 1)[0]


def run_cli(*args: str, code: int = 0) -> str:
    """The CLI's stdout (paths are given relative to the checkout, which is the working directory)."""
    proc = subprocess.run([sys.executable, "-m", "creditrules", *args], capture_output=True, cwd=ROOT, env=_env(),
                          timeout=300)
    stderr = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == code, f"exit {proc.returncode}, expected {code}: {stderr[-2000:]}"
    return proc.stdout.decode("utf-8")


_SOURCE_KEY = re.compile(r'("source":\s*)("(?:[^"\\]|\\.)*")')


def normalise_json(text: str) -> str:
    """Each JSON document of `text` (one indented document, or one per line) with its pack.source as `<source>`:
    the text is otherwise the CLI's own, byte for byte."""
    def one(doc: str) -> str:
        if not doc.strip():
            return doc
        pack = json.loads(doc).get("pack")
        if pack is None:                                # a batch's bad record: no determination, no pack
            return doc
        folder = pack["source"]
        fixed, count = _SOURCE_KEY.subn(lambda m: m.group(1) + json.dumps(SOURCE) if json.loads(m.group(2)) == folder
                                        else m.group(0), doc)
        assert json.loads(fixed)["pack"]["source"] == SOURCE, "pack.source not found where expected"
        return fixed
    if text.lstrip().startswith("{\n"):
        return one(text)
    return "".join(one(line) for line in text.splitlines(keepends=True))


def check(name: str, text: str, update: bool) -> None:
    assert str(ROOT) not in text, f"{name}: the output names this checkout's folder ({ROOT}): not machine-independent"
    path = GOLDEN / name
    if update:
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            GOLDEN.mkdir(exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="\n")
            pytest.skip(f"golden file written: {path.relative_to(ROOT)}")
        return
    assert path.is_file(), (f"{path.relative_to(ROOT)} is missing: run python -m pytest tests/test_golden.py "
                            "--update-golden")
    expected = path.read_text(encoding="utf-8")
    if text != expected:
        diff = list(difflib.unified_diff(expected.splitlines(), text.splitlines(), f"golden/{name}", "now",
                                         lineterm="", n=2))
        shown = "\n".join(diff[:60]) + (f"\n... ({len(diff) - 60} more diff lines)" if len(diff) > 60 else "")
        pytest.fail(f"{name} differs from the golden output (if the change is intended: python -m pytest "
                    f"tests/test_golden.py --update-golden, then review git diff):\n{shown}", pytrace=False)


@pytest.fixture
def update(request) -> bool:
    return request.config.getoption("--update-golden")


def test_every_shipped_example_has_a_golden_case():
    assert sorted(CASES) == SHIPPED, "add each new example to CASES (jurisdiction, as-of, exit code)"


def test_no_stale_golden_files():
    expected = {f"{stem(n)}.evaluate.{'jsonl' if n.endswith('.jsonl') else 'json'}" for n in SHIPPED}
    expected |= {f"{stem(n)}.explain.{lang}.txt" for n in EVENTS for lang in ("en", "zh")}
    present = {p.name for p in GOLDEN.iterdir()} if GOLDEN.is_dir() else set()
    assert present <= expected, f"golden files of no example: {sorted(present - expected)}"


@pytest.mark.parametrize("example", SHIPPED)
def test_evaluate(example, update):
    jurisdiction, as_of, code = CASES[example]
    out = run_cli("evaluate", f"examples/{example}", "-j", jurisdiction, "--as-of", as_of, "--format", "json",
                  code=code)
    suffix = "jsonl" if example.endswith(".jsonl") else "json"
    check(f"{stem(example)}.evaluate.{suffix}", normalise_json(out), update)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("example", EVENTS)
def test_explain(example, lang, update):
    jurisdiction, as_of, _ = CASES[example]
    out = run_cli("explain", f"examples/{example}", "-j", jurisdiction, "--as-of", as_of, "--lang", lang)
    check(f"{stem(example)}.explain.{lang}.txt", out, update)
