"""Each pack owns its vocabulary additions (issue 12, "Vocabulary and calendar"): `policies/<j>/vocabulary.yaml`
beside its pack.yaml, read with the library's core set for that pack only; `creditrules vocab -j J` says where each
name is declared; an unknown name says where names are declared; `new-pack` writes an empty one."""
import json
import shutil
import subprocess
import sys

import pytest
from typer.testing import CliRunner

import creditrules
from creditrules.cli import app
from creditrules.errors import InputError, PackError
from creditrules.load import load_pack_dir
from creditrules.validate import validate_pack
from creditrules.vocabulary import CORE_FILE, LIBRARY_FOLDER, default_vocabulary, pack_vocabulary
from creditrules.workspace import Workspace

from conftest import MINI, ROOT

PACKS = ["henan", "jilin", "xinjiang", "bingtuan"]
EVENT = {"id": "v1", "subject": {"type": "legal_person"}, "kind": "administrative_penalty",
         "basis": {"type": "administrative_penalty_decision", "decided_on": "2024-03-01"}}


def test_the_library_holds_the_core_set_only_and_each_pack_its_own_file():
    assert sorted(p.name for p in LIBRARY_FOLDER.glob("*.yaml")) == ["core.yaml"]
    for j in PACKS:
        own = ROOT / "policies" / j / "vocabulary.yaml"
        assert own.is_file(), j
        vocab = Workspace().loaded(j).vocab
        assert [str(p) for p in (CORE_FILE, own)] == list(vocab.files)
    # Henan's art. 65 kind is Henan's, not Jilin's; Jilin's art. 13(6) kind is not Henan's
    assert "authority_misconduct" in Workspace().loaded("henan").vocab.kinds
    assert "authority_misconduct" not in Workspace().loaded("jilin").vocab.kinds
    assert "credit_information_query" not in Workspace().loaded("henan").vocab.kinds
    assert "authority_misconduct" not in default_vocabulary().kinds


def test_a_name_of_another_pack_is_unknown_and_the_error_says_where_names_are_declared():
    event = dict(EVENT, kind="credit_information_query")            # a Jilin kind (draft arts. 20-21)
    assert creditrules.evaluate(event, "jilin", "2024-06-01").event_id == "v1"
    with pytest.raises(InputError) as info:
        creditrules.evaluate(event, "henan", "2024-06-01")
    [d] = info.value.diagnostics
    assert d.code == "unknown-name" and "credit_information_query" in d.message
    assert "names are declared in src/creditrules/vocabulary/core.yaml and policies/henan/vocabulary.yaml" in d.hint
    with pytest.raises(InputError) as info:                         # a fact: the nearest name is still suggested
        creditrules.evaluate(dict(EVENT, facts={"decision_finall": True}), "henan", "2024-06-01")
    [d] = info.value.diagnostics
    assert "did you mean `decision_final`?" in d.hint and "policies/henan/vocabulary.yaml" in d.hint


def test_an_unknown_name_in_a_rule_file_says_where_names_are_declared(tmp_path):
    pack = tmp_path / "mini"
    shutil.copytree(MINI, pack)
    (pack / "rules" / "extra.yaml").write_text(
        'group: other\nrules:\n  - id: extra.one\n    cite: "4"\n    when: {fact: corrected_on_requestt}\n'
        "    then: {warning: corrected}\n", encoding="utf-8")
    (pack / "vocabulary.yaml").write_text(
        "facts:\n  corrected_on_request: {zh: 应要求更正, en: corrected on request, type: bool}\n", encoding="utf-8")
    report = validate_pack(load_pack_dir(pack))
    [d] = [d for d in report.errors if d.code == "unknown-name"]
    assert d.position.file.endswith("extra.yaml") and d.position.line == 5
    assert "did you mean `corrected_on_request`?" in d.hint
    assert d.hint.endswith(f"names are declared in src/creditrules/vocabulary/core.yaml and {pack / 'vocabulary.yaml'}")


def test_a_fact_added_to_the_packs_file_is_read_by_its_rules_and_events(tmp_path):
    pack = tmp_path / "mini"
    shutil.copytree(MINI, pack)
    (pack / "vocabulary.yaml").write_text(
        "facts:\n  corrected_on_request: {zh: 应要求更正, en: corrected on request, type: bool}\n", encoding="utf-8")
    (pack / "rules" / "extra.yaml").write_text(
        'group: other\nrules:\n  - id: extra.one\n    cite: "4"\n    when: {fact: corrected_on_request}\n'
        "    then: {warning: corrected on request}\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "creditrules", "validate", str(pack)], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    det = creditrules.evaluate(dict(EVENT, facts={"corrected_on_request": True}), pack, "2024-06-01")
    assert any(w.startswith("corrected on request") for w in det.warnings)
    # the core set may not be redeclared by a pack
    (pack / "vocabulary.yaml").write_text("facts:\n  decision_final: {zh: 重复, en: twice, type: bool}\n",
                                          encoding="utf-8")
    with pytest.raises(PackError) as info:
        pack_vocabulary(pack)
    [d] = info.value.diagnostics
    assert d.code == "duplicate-name" and "core.yaml" in d.message and d.position.line == 2


def test_vocab_for_one_jurisdiction_lists_where_each_name_is_declared():
    runner = CliRunner()
    result = runner.invoke(app, ["vocab", "--jurisdiction", "henan", "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["kinds"]["authority_misconduct"]["declared_in"] == ["policies/henan/vocabulary.yaml"]
    assert data["kinds"]["administrative_penalty"]["declared_in"] == ["src/creditrules/vocabulary/core.yaml"]
    assert "credit_information_query" not in data["kinds"]                      # Jilin's
    assert any(r.startswith("henan 66") for r in data["facts"]["listed_wrongfully"]["read_by"])
    assert all(r.startswith("henan ") for t in data["facts"].values() for r in t["read_by"])
    text = runner.invoke(app, ["vocab", "-j", "henan"], catch_exceptions=False).output
    assert "listed_wrongfully (bool)" in text and "[policies/henan/vocabulary.yaml]" in text
    every = json.loads(runner.invoke(app, ["vocab", "--format", "json"], catch_exceptions=False).output)
    assert "credit_information_query" in every["kinds"] and "authority_misconduct" in every["kinds"]
    assert runner.invoke(app, ["vocab", "-j", "hennan"]).exit_code == 1


def test_new_pack_writes_an_empty_vocabulary_file_that_loads(tmp_path):
    runner = CliRunner()
    target = tmp_path / "shaanxi"
    made = runner.invoke(app, ["new-pack", "shaanxi", "--text", str(ROOT / "policies" / "henan" / "source" /
                                                                    "regulation.txt"), "--out", str(target)],
                         catch_exceptions=False)
    assert made.exit_code == 0, made.output
    text = (target / "vocabulary.yaml").read_text(encoding="utf-8")
    assert all(line.startswith("#") or not line.strip() for line in text.splitlines())     # declares nothing
    vocab = pack_vocabulary(target)
    assert vocab.files[-1] == str(target / "vocabulary.yaml")
    assert set(vocab.facts) == set(default_vocabulary().facts)


def test_the_wheel_ships_each_packs_vocabulary_file():
    """Installed packs are the `policies/` folder, force-included whole (pyproject.toml): vocabulary.yaml too."""
    tomllib = pytest.importorskip("tomllib")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    wheel = config["tool"]["hatch"]["build"]["targets"]["wheel"]
    assert wheel["force-include"]["policies"] == "creditrules/policies"
    assert not any("vocabulary" in str(x) for x in wheel.get("exclude", []))
    assert ["creditrules/vocabulary/core.yaml"] == [str(p.relative_to(LIBRARY_FOLDER.parent.parent))
                                                    for p in LIBRARY_FOLDER.glob("*.yaml")]


@pytest.mark.parametrize("kind", ["symlink out", "fifo"])
def test_a_vocabulary_file_out_of_the_pack_or_not_a_file_is_refused(tmp_path, kind):
    import os
    pack = tmp_path / "mini"
    shutil.copytree(MINI, pack)
    if kind == "symlink out":
        (tmp_path / "elsewhere.yaml").write_text("facts:\n  planted: {zh: 植入, en: planted, type: bool}\n",
                                                 encoding="utf-8")
        (pack / "vocabulary.yaml").symlink_to(tmp_path / "elsewhere.yaml")
    else:
        os.mkfifo(pack / "vocabulary.yaml")
    with pytest.raises(PackError) as info:
        Workspace().loaded(pack)                              # never opened (a FIFO would block), never read
    assert [d.code for d in info.value.diagnostics] == [
        "file-outside-pack" if kind == "symlink out" else "file-not-regular"]


def test_a_list_member_another_pack_declares_is_unknown_with_where_names_are_declared():
    event = dict(EVENT, facts={"violation": ["abuse_of_office"]})             # a Bingtuan violation (art. 72)
    assert creditrules.evaluate(event, "bingtuan", "2024-06-01").event_id == "v1"
    with pytest.raises(InputError) as info:
        creditrules.evaluate(event, "henan", "2024-06-01")
    [d] = info.value.diagnostics
    assert d.code == "unknown-name" and "abuse_of_office" in d.message and "facts.violation" in d.message
    assert d.hint.endswith("names are declared in src/creditrules/vocabulary/core.yaml and "
                           "policies/henan/vocabulary.yaml")
