"""Loading scales linearly in the number of rules (issue 13: "a 20,000-rule pack takes over 60 s"; compile sorted
rules with `list.index`, quadratic). The packs are benchmarks/big_pack.py's: a copy of policies/henan plus
generated rules that cite its real articles and refer to one another across files; `python benchmarks/big_pack.py
OUT --time 3` measures the 20,000-rule pack (docs/engine.md, "Scale")."""
import importlib.util
import time
from pathlib import Path

import pytest

from creditrules.load import load_pack_dir
from creditrules.plan.compile import compile_plan
from creditrules.validate import validate_pack
from creditrules.vocabulary import default_vocabulary

ROOT = Path(__file__).resolve().parent.parent


def _big_pack():
    spec = importlib.util.spec_from_file_location("big_pack", ROOT / "benchmarks" / "big_pack.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _cpu_seconds(folder: Path) -> float:
    """CPU time (not wall: the machine may be busy) of load + validate + compile, the best of two."""
    best = float("inf")
    for _ in range(2):
        start = time.process_time()
        pack = load_pack_dir(folder, with_tests=False)
        report = validate_pack(pack)
        assert report.ok, report.errors[:3]
        compile_plan(pack, default_vocabulary())
        best = min(best, time.process_time() - start)
    return best


def test_twice_the_rules_take_less_than_three_times_as_long(tmp_path):
    big_pack = _big_pack()
    assert big_pack.write_pack(tmp_path / "r2000", 2000) == 2000
    assert big_pack.write_pack(tmp_path / "r4000", 4000) == 4000
    pack = load_pack_dir(tmp_path / "r4000", with_tests=False)
    assert len(pack.rules) == 4000
    assert any(r.id.startswith("generated.f003.") for r in pack.rules)
    small, large = _cpu_seconds(tmp_path / "r2000"), _cpu_seconds(tmp_path / "r4000")
    assert large < 3 * small, f"2,000 rules {small:.2f} s, 4,000 rules {large:.2f} s"


# ---- the lean YAML path (yamlsource._load_lean): the same documents as the full loaders, or it gives up -------

def _yaml_files():
    return sorted(p for pattern in ("policies/**/*.yaml", "tests/**/*.yaml", "src/**/*.yaml")
                  for p in ROOT.glob(pattern) if p.is_file())


def _same(lean, full):
    assert len(lean) == len(full)
    for a, b in zip(lean, full, strict=True):
        assert repr(a.data) == repr(b.data)           # repr: True and 1, 1.0 and 1 differ too
        assert a.positions == b.positions and a.key_positions == b.key_positions


def test_the_lean_yaml_path_reads_every_shipped_file_as_the_full_loaders_do():
    from creditrules import yamlsource
    assert yamlsource._LEAN                           # libyaml bounds nesting: the lean path is in use
    read = 0
    for path in _yaml_files():
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        lean = yamlsource._load_lean(text, str(path))
        full = yamlsource._load(text, str(path), yamlsource._StrictLoader)
        if lean is not None:
            assert not full[1], (path, full[1][:1])
            _same(lean, full[0])
            read += 1
    assert read > 100


@pytest.mark.parametrize("text", [
    "a: " + "[" * 2000 + "]" * 2000, "a: &a [*a]", "a: 1\na: 2", "<<: {a: 1}\nb: 2", "id：x", "a: " + "1" * 5000,
    "- " * 70 + "x", "? [a]\n: 1", "a: &x {b: 1}\nc: *x\n", "a: 017", "a: yes", "a: 2024-01-01", "a: .inf",
    "x: !!binary aGVsbG8=", "", "a: 1\n---\nb: 2\n", "a: [b, c]\nd: {e: f}\n",
    'a: &a ["lol","lol"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n'
    'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n'])
def test_the_lean_yaml_path_gives_up_on_what_it_does_not_read_exactly(text):
    from creditrules import yamlsource
    lean = yamlsource._load_lean(text, "f.yaml")
    full = yamlsource._load(text, "f.yaml", yamlsource._StrictLoader)
    if full[1]:                                       # every problem is left to the loaders that word it
        assert lean is None
    elif lean is not None:
        _same(lean, full[0])


def test_a_chain_of_fifteen_hundred_rule_references_compiles_and_decides(tmp_path):
    """Each rule reads the one after it (`rule:`), the last one reads the event: the strata are computed without
    recursion (a RecursionError, exit 3, before), and the first rule is decided through all the others."""
    import creditrules
    big_pack = _big_pack()
    folder = tmp_path / "chain"
    big_pack.write_pack(folder, 0)                                 # henan as it is, then the chain
    _, cites = big_pack._base_rules(folder / "rules")
    def rule(i: int, when: str) -> str:
        return (f"  - id: chain.r{i:05}\n    cite: \"{cites[i % len(cites)]}\"\n    when: {when}\n"
                f"    then: {{decision: {{id: chain_r{i:05}, value: true}}}}\n")
    rules = [rule(i, f"{{rule: chain.r{i + 1:05}}}") for i in range(1499)]
    rules.append(rule(1499, "{kind: administrative_penalty}"))
    (folder / "rules" / "chain.yaml").write_text("group: other\nrules:\n" + "".join(rules), encoding="utf-8")
    found = creditrules.evaluate({"id": "c", "kind": "administrative_penalty", "subject": {"type": "legal_person"}},
                                 folder, "2024-06-01", trace="none")
    decided = {d.id for d in found.decisions}
    assert {"chain_r00000", "chain_r01499"} <= decided
