"""A later layer (e.g. national rules) supplies what a pack defers, without any change to the pack's files."""
import hashlib
import shutil

import pytest

from creditrules.api import evaluate
from creditrules.errors import PackError
from creditrules.load import load_pack_dir

from conftest import ROOT

LAYERED = ROOT / "tests" / "fixtures" / "layered"
EVENT = {"id": "l1", "subject": {"type": "legal_person"}, "kind": "administrative_penalty",
         "basis": {"type": "administrative_penalty_decision", "decided_on": "2024-02-29", "effective_on": "2024-02-29"}}


def digest(folder):
    return {p.relative_to(folder): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_without_the_layer_the_deferred_periods_stay_null_with_warnings(tmp_path):
    shutil.copytree(LAYERED / "base", tmp_path / "base")          # the same files, no national layer beside them
    assert digest(tmp_path / "base") == digest(LAYERED / "base")
    det = evaluate(EVENT, jurisdiction=tmp_path / "base", as_of="2024-06-01")
    assert det.pack.layers == []
    assert det.publication.min_end is None and det.publication.max_end is None
    assert sum("deferred to 國家規定" in w for w in det.warnings) == 2


def test_with_the_layer_beside_it_the_periods_are_supplied_and_cited():
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
