"""The law text a pack holds is the seed, byte for byte (citations are checked against it, so it must not drift)."""
import hashlib
from pathlib import Path

import pytest

from conftest import ROOT

SEEDS = ROOT.parent / "shared" / "seeds"
HELD = {
    "policies/bingtuan/source/measures-trial.txt": "000_de353376b3a7a1c9.txt",
    "policies/xinjiang/source/regulation.txt": "001_1bcf5efbcedc04bd.txt",
    "policies/xinjiang/source/agency-measures-draft.txt": "002_0b5c48cf7c1ce689.txt",
    "policies/henan/source/regulation.txt": "003_c415a8e12edbfaa7.txt",
    "policies/jilin/source/regulation-draft.txt": "004_0271ace4fa5bc7f2.txt",
}


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not beside this checkout")
@pytest.mark.parametrize("held,seed", sorted(HELD.items()))
def test_held_text_is_the_seed(held, seed):
    digest = lambda p: hashlib.sha256(Path(p).read_bytes()).hexdigest()  # noqa: E731
    assert digest(ROOT / held) == digest(SEEDS / seed)
