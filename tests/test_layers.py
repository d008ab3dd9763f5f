"""A later layer (e.g. national rules) supplies what a pack defers, without any change to the pack's rules; it is
loaded only when it is named (issue 13, "planted layers"): in the pack's `layers:` or by the call."""
import hashlib
import os
import shutil
import subprocess
import sys

import pytest

from creditrules.api import evaluate
from creditrules.errors import PackError
from creditrules.load import load_pack_dir
from creditrules.validate import validate_pack
from creditrules.workspace import Workspace

from conftest import ROOT

LAYERED = ROOT / "tests" / "fixtures" / "layered"
EVENT = {"id": "l1", "subject": {"type": "legal_person"}, "kind": "administrative_penalty",
         "basis": {"type": "administrative_penalty_decision", "decided_on": "2024-02-29", "effective_on": "2024-02-29"}}
NAMED = "layers: [national]"


def digest(folder):
    return {p.relative_to(folder): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def layered(tmp_path):
    """A copy of the fixture: `base` names its layer `national`, beside it."""
    shutil.copytree(LAYERED, tmp_path / "layered")
    return tmp_path / "layered"


def unname(base):
    """`base` no longer names its layer (the layer's folder stays beside it)."""
    text = (base / "pack.yaml").read_text(encoding="utf-8")
    assert text.count(NAMED) == 1
    (base / "pack.yaml").write_text("\n".join(line for line in text.splitlines() if NAMED not in line) + "\n",
                                    encoding="utf-8")


def test_without_the_layer_the_deferred_periods_stay_null_with_warnings(layered):
    unname(layered / "base")                                 # national stays beside it, unnamed: not loaded
    det = evaluate(EVENT, jurisdiction=layered / "base", as_of="2024-06-01")
    assert det.pack.layers == []
    assert det.publication.min_end is None and det.publication.max_end is None
    assert sum("deferred to 國家規定" in w for w in det.warnings) == 2


def test_with_the_layer_named_the_periods_are_supplied_and_cited():
    det = evaluate(EVENT, jurisdiction=LAYERED / "base", as_of="2024-06-01")
    assert det.pack.layers == ["national"]
    assert (det.publication.min_end.isoformat(), det.publication.max_end.isoformat()) == ("2024-05-29", "2027-02-28")
    labels = [c.label for c in det.publication.citations]
    assert labels == ["《測試辦法》第二條", "《測試國家規定》第一條"]
    assert not any("deferred" in w for w in det.warnings)


def test_a_layer_is_not_loaded_on_its_own():
    with pytest.raises(PackError) as info:
        load_pack_dir(LAYERED / "national")
    assert info.value.diagnostics[0].code == "layer-not-pack"


def test_an_unnamed_sibling_layer_is_not_loaded_and_validation_warns(layered):
    unname(layered / "base")
    pack = load_pack_dir(layered / "base")
    assert pack.layers == [] and not any(r.id.startswith("national") for r in pack.rules)
    report = validate_pack(pack)
    assert report.ok
    [warning] = [d for d in report.warnings if d.code == "layer-not-named"]
    assert "national" in warning.message and "layers: [national]" in warning.hint
    assert warning.position.file.endswith("pack.yaml") and warning.position.line >= 1
    proc = subprocess.run([sys.executable, "-m", "creditrules", "validate", str(layered / "base")],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0 and "layer-not-named" in proc.stderr + proc.stdout


def test_a_call_may_name_the_layer_and_the_digest_says_which_layers_were_read(layered):
    base = layered / "base"
    unname(base)
    ws = Workspace()
    without, with_layer = ws.loaded(base), ws.loaded(base, layers=["national"])
    assert (without.pack.layers, with_layer.pack.layers) == ([], ["national"])
    assert without.digest != with_layer.digest
    assert any(str(p).endswith(os.path.join("national", "pack.yaml")) for p in with_layer.files)
    det = evaluate(EVENT, jurisdiction=base, as_of="2024-06-01", layers=["national"])
    assert det.pack.layers == ["national"] and det.publication.max_end.isoformat() == "2027-02-28"
    assert det.pack.digest == with_layer.digest
    # naming it twice (pack.yaml and the call) loads it once, with the same digest as naming it once
    assert ws.loaded(LAYERED / "base", layers=["national"]).digest == ws.loaded(LAYERED / "base").digest


def test_an_edit_to_a_named_layer_reaches_the_next_determination(layered):
    base = layered / "base"
    first = evaluate(EVENT, jurisdiction=base, as_of="2024-06-01")
    rules = layered / "national" / "rules" / "publication.yaml"
    text = rules.read_text(encoding="utf-8")
    assert text.count("years: 3") == 1
    rules.write_text(text.replace("years: 3", "years: 2"), encoding="utf-8")
    second = evaluate(EVENT, jurisdiction=base, as_of="2024-06-01")
    assert second.pack.digest != first.pack.digest
    assert (first.publication.max_end.isoformat(), second.publication.max_end.isoformat()) == \
        ("2027-02-28", "2026-02-28")


def test_a_named_layer_that_is_missing_is_an_error_at_its_name(tmp_path):
    shutil.copytree(LAYERED / "base", tmp_path / "base")          # the pack alone, naming a layer not beside it
    assert digest(tmp_path / "base") == digest(LAYERED / "base")
    with pytest.raises(PackError) as info:
        load_pack_dir(tmp_path / "base")
    [d] = info.value.diagnostics
    assert d.code == "layer-missing" and "national" in d.message
    assert d.position.file.endswith("pack.yaml") and d.position.line == 3


@pytest.mark.parametrize("name", ["../national", "/tmp/national", "..", "national/../national"])
def test_a_layer_named_by_a_path_is_refused(layered, name):
    base = layered / "base"
    text = (base / "pack.yaml").read_text(encoding="utf-8")
    (base / "pack.yaml").write_text(text.replace(NAMED, f'layers: ["{name}"]'), encoding="utf-8")
    with pytest.raises(PackError) as info:
        load_pack_dir(base)
    assert [d.code for d in info.value.diagnostics] == ["layer-outside"]


@pytest.mark.parametrize("name", [str(LAYERED / "national"), "../national"])
def test_a_call_naming_a_layer_by_path_is_refused(layered, name):
    unname(layered / "base")
    with pytest.raises(PackError) as info:
        evaluate(EVENT, jurisdiction=layered / "base", as_of="2024-06-01", layers=[name])
    assert info.value.diagnostics[0].code == "layer-outside"


def test_a_layer_folder_that_is_a_symlink_out_of_the_packs_root_is_refused(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    shutil.copytree(LAYERED / "base", root / "base")
    shutil.copytree(LAYERED / "national", tmp_path / "elsewhere")
    (root / "national").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    with pytest.raises(PackError) as info:
        load_pack_dir(root / "base")
    assert [d.code for d in info.value.diagnostics] == ["layer-outside"]


def test_a_named_folder_that_does_not_supplement_the_pack_is_an_error(layered):
    layer = layered / "national" / "pack.yaml"
    layer.write_text(layer.read_text(encoding="utf-8").replace("supplements: [base]", "supplements: [other]"),
                     encoding="utf-8")
    with pytest.raises(PackError) as info:
        load_pack_dir(layered / "base")
    assert [d.code for d in info.value.diagnostics] == ["layer-not-supplementing"]


def test_layers_must_be_a_list_of_ids(layered):
    base = layered / "base"
    text = (base / "pack.yaml").read_text(encoding="utf-8")
    (base / "pack.yaml").write_text(text.replace(NAMED, "layers: {national: true}"), encoding="utf-8")
    with pytest.raises(PackError) as info:
        load_pack_dir(base)
    assert "bad-type" in [d.code for d in info.value.diagnostics]
