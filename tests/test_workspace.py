"""The workspace: which folder a name means, the content digest, caches that see every edit, hardened loading."""
import json
import os
import re
import shutil
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import creditrules
from creditrules import workspace as ws_module
from creditrules.errors import PackError
from creditrules.load import MAX_SOURCE_BYTES, load_pack_dir
from creditrules.workspace import LoadedPack, Workspace, default_workspace

from conftest import MINI, ROOT

HENAN = ROOT / "policies" / "henan"
CALENDAR = ROOT / "policies" / "calendar"
EVENT = {"id": "ws-1", "subject": {"type": "legal_person", "name": "某某贸易有限公司"},
         "kind": "administrative_penalty", "conduct": ["tax_evasion"],
         "basis": {"type": "administrative_penalty_decision", "decided_on": "2024-03-01", "effective_on": "2024-03-01"},
         "occurred_on": "2023-11-10", "facts": {"procedure": "general", "decision_final": True}}


def age(root: Path, seconds: float = 60) -> None:
    """Every file and folder under `root` last modified `seconds` ago (so the fingerprint, not the 2-second
    insurance, decides what is fresh)."""
    past = time.time() - seconds
    for here, dirs, files in os.walk(root):
        for name in files + dirs:
            os.utime(os.path.join(here, name), (past, past), follow_symlinks=False)
    os.utime(root, (past, past))


@pytest.fixture
def policies(tmp_path):
    """tmp/policies with a copy of henan and the calendar folder beside it, all aged a minute."""
    root = tmp_path / "policies"
    shutil.copytree(HENAN, root / "henan")
    shutil.copytree(CALENDAR, root / "calendar")
    age(root)
    return root


@pytest.fixture
def ws():
    return Workspace()


def mini_at(folder: Path) -> Path:
    shutil.copytree(MINI, folder)
    return folder


# --- resolution ---------------------------------------------------------------------------------------------------

def test_resolution_order_explicit_path_env_cwd_installed(tmp_path, monkeypatch, ws):
    installed = mini_at(tmp_path / "installed" / "mini").parent
    monkeypatch.setattr(ws_module, "installed_root", lambda: installed)
    env_pack = mini_at(tmp_path / "env" / "mini")
    work = tmp_path / "work"
    cwd_pack = mini_at(work / "policies" / "mini")
    explicit = mini_at(work / "mini")
    monkeypatch.chdir(work)
    monkeypatch.setenv("CREDITRULES_POLICIES", str(tmp_path / "env"))

    assert ws.resolve("./mini") == explicit                  # a folder path holding pack.yaml wins
    assert ws.locate(work / "mini")[1] == "path"
    assert ws.locate("mini") == (env_pack, "env")            # a plain name is a name: $CREDITRULES_POLICIES/<j>
    monkeypatch.delenv("CREDITRULES_POLICIES")
    assert ws.locate("mini") == (cwd_pack, "cwd")            # then ./policies/<j>
    shutil.rmtree(cwd_pack)
    assert ws.locate("mini") == (installed / "mini", "installed")
    shutil.rmtree(installed / "mini")
    assert ws.locate("mini") == (explicit, "path")           # a name no root knows: the folder of that name here
    shutil.rmtree(explicit)
    assert ws.resolve(str(env_pack)) == env_pack             # any explicit folder path, wherever it is
    assert ws.resolve(env_pack) == env_pack                  # os.PathLike too


def test_unknown_jurisdiction_names_the_known_ones(tmp_path, monkeypatch, ws):
    monkeypatch.setattr(ws_module, "installed_root", lambda: tmp_path / "none")
    mini_at(tmp_path / "env" / "henan")
    monkeypatch.setenv("CREDITRULES_POLICIES", str(tmp_path / "env"))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(PackError) as info:
        ws.resolve("hennan")
    d = info.value.diagnostics[0]
    assert d.code == "unknown-jurisdiction" and "`hennan`" in d.message
    assert "did you mean `henan`?" in d.hint and "known: henan" in d.hint


def test_a_name_never_climbs_out_of_a_root(tmp_path, monkeypatch, ws):
    mini_at(tmp_path / "env" / "secret")
    (tmp_path / "env" / "inner").mkdir()
    (tmp_path / "work").mkdir()
    monkeypatch.setenv("CREDITRULES_POLICIES", str(tmp_path / "env" / "inner"))
    monkeypatch.chdir(tmp_path / "work")
    with pytest.raises(PackError) as info:
        ws.resolve("../secret")                              # not a folder from here, and not a plain name
    assert info.value.diagnostics[0].code == "unknown-jurisdiction"
    assert ws.resolve("../env/secret") == tmp_path / "env" / "secret"     # as a path it means what it says


def test_jurisdictions_list_the_winner_and_what_it_shadows(tmp_path, monkeypatch, ws, policies):
    monkeypatch.setenv("CREDITRULES_POLICIES", str(policies))
    found = {loc.name: loc for loc in ws.jurisdictions()}
    assert found["henan"].folder == policies / "henan" and found["henan"].origin == "env"
    assert [folder for _, folder in found["henan"].shadowed] == [HENAN]
    assert "calendar" not in found and {"jilin", "xinjiang", "bingtuan"} <= set(found)


# --- digest -------------------------------------------------------------------------------------------------------

def test_digest_is_stable_and_depends_on_content_only(policies, ws):
    first = ws.digest(policies / "henan")
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", first)
    assert Workspace().digest(policies / "henan") == first == ws.digest(policies / "henan")
    assert Workspace().digest(HENAN) == first                # the same files elsewhere: the same digest
    labels = [label for label, _ in ws.files(policies / "henan")]
    assert labels == sorted(labels)
    assert {"pack.yaml", "ledger.yaml", "rules/publication.yaml", "source/regulation.txt",
            "source/regulation.articles.yaml", "<creditrules>/vocabulary/core.yaml"} <= set(labels)
    assert not any(label.startswith("tests/") or label.endswith(".md") for label in labels)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _add_named_layer(p: Path) -> None:
    (p / "national").mkdir()
    (p / "national" / "pack.yaml").write_text("id: national\nsupplements: [henan]\ndocuments: []\n", encoding="utf-8")
    _edit(p / "henan" / "pack.yaml", "id: henan\n", "id: henan\nlayers: [national]\n")


CHANGES = {
    "rule file": lambda p: _edit(p / "henan" / "rules" / "publication.yaml", "max: {years: 5}", "max: {years: 3}"),
    "source text": lambda p: _edit(p / "henan" / "source" / "regulation.txt", "第一條為了", "第一條爲了"),
    "new rule file": lambda p: (p / "henan" / "rules" / "zz-new.yaml").write_text("group: other\nrules: []\n",
                                                                                  encoding="utf-8"),
    "deleted rule file": lambda p: (p / "henan" / "rules" / "incentives.yaml").unlink(),
    "ledger": lambda p: (p / "henan" / "ledger.yaml").write_text(
        (p / "henan" / "ledger.yaml").read_text(encoding="utf-8") + "\n", encoding="utf-8"),
    "calendar file": lambda p: (p / "calendar" / "2027.yaml").write_text(
        "year: 2027\nsource: test\nholidays: [2027-01-01]\n", encoding="utf-8"),
    "named layer": lambda p: _add_named_layer(p),
    "pack vocabulary.yaml": lambda p: _edit(p / "henan" / "vocabulary.yaml", "facts:\n",
                                            "facts:\n  ws_test_fact: {zh: 測試, en: test, type: bool}\n"),
    "pack vocabulary folder": lambda p: ((p / "henan" / "vocabulary").mkdir(),
                                  (p / "henan" / "vocabulary" / "extra.yaml").write_text(
        "facts:\n  ws_test_fact: {zh: 測試, en: test, type: bool}\n", encoding="utf-8")),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_digest_changes_with_each_kind_of_input(change, policies, ws):
    before = ws.digest(policies / "henan")
    CHANGES[change](policies)
    after = ws.digest(policies / "henan")                    # the same workspace, no restart, no clear()
    assert after != before
    assert Workspace().digest(policies / "henan") == after


def test_a_named_layer_appearing_is_seen_and_an_unnamed_one_is_not_read(policies, ws):
    _edit(policies / "henan" / "pack.yaml", "id: henan\n", "id: henan\nlayers: [other]\n")
    (policies / "planted").mkdir()
    (policies / "planted" / "pack.yaml").write_text("id: planted\nsupplements: [henan]\ndocuments: []\n",
                                                    encoding="utf-8")
    (policies / "other").mkdir()
    (policies / "other" / "pack.yaml").write_text("id: other\ndocuments: []\n", encoding="utf-8")
    age(policies)
    before = ws.digest(policies / "henan")
    labels = [label for label, _ in ws.files(policies / "henan")]
    assert "../other/pack.yaml" in labels and not any(label.startswith("../planted/") for label in labels)
    (policies / "other" / "pack.yaml").write_text("id: other\nsupplements: [henan]\ndocuments: []\n", encoding="utf-8")
    assert ws.digest(policies / "henan") != before
    assert ws.loaded(policies / "henan").pack.layers == ["other"]          # planted: beside it, unnamed, not loaded


def test_an_edit_to_the_packs_vocabulary_reaches_the_next_determination(policies, ws, monkeypatch):
    """policies/<j>/vocabulary.yaml is an input: a fact added, or its type changed, is seen without a restart."""
    from creditrules.errors import InputError
    monkeypatch.setattr(ws_module, "_default", ws)              # creditrules.evaluate uses this workspace
    event = dict(EVENT, facts={**EVENT["facts"], "ws_test_fact": True})
    with pytest.raises(InputError) as info:
        creditrules.evaluate(event, policies / "henan", "2024-06-01")
    [d] = [d for d in info.value.diagnostics if d.code == "unknown-name"]
    assert "ws_test_fact" in d.message and "core.yaml" in d.hint
    assert os.path.join("henan", "vocabulary.yaml") in d.hint           # where names are declared
    before = ws.digest(policies / "henan")
    _edit(policies / "henan" / "vocabulary.yaml", "facts:\n", "facts:\n  ws_test_fact: {zh: 測, en: t, type: bool}\n")
    assert ws.digest(policies / "henan") != before
    assert creditrules.evaluate(event, policies / "henan", "2024-06-01").event_id == "ws-1"
    _edit(policies / "henan" / "vocabulary.yaml", "type: bool}", "type: date}")
    with pytest.raises(InputError) as info:
        creditrules.evaluate(event, policies / "henan", "2024-06-01")
    assert "ws_test_fact" in str(info.value)
    age(policies)                       # the same edits, older than the 2-second insurance: the fingerprint sees it
    _edit(policies / "henan" / "vocabulary.yaml", "type: date}", "type: bool}")
    age(policies, 30)
    assert creditrules.evaluate(event, policies / "henan", "2024-06-01").event_id == "ws-1"


def test_a_layer_redeclaring_a_pack_name_with_another_type_is_a_pack_error(policies, ws):
    _edit(policies / "henan" / "pack.yaml", "id: henan\n", "id: henan\nlayers: [national]\n")
    (policies / "national").mkdir()
    (policies / "national" / "pack.yaml").write_text("id: national\nsupplements: [henan]\ndocuments: []\n",
                                                     encoding="utf-8")
    vocab = policies / "national" / "vocabulary.yaml"
    vocab.write_text("facts:\n  listed_wrongfully: {zh: 同名, en: same name, type: bool}\n", encoding="utf-8")
    assert ws.loaded(policies / "henan").pack.layers == ["national"]     # the same type: the pack's stands
    vocab.write_text("facts:\n  listed_wrongfully: {zh: 同名, en: same name, type: date}\n", encoding="utf-8")
    with pytest.raises(PackError) as info:
        ws.loaded(policies / "henan")
    [d] = info.value.diagnostics
    assert d.code == "vocabulary-conflict" and "listed_wrongfully" in d.message and "bool" in d.message
    assert d.position.file.endswith(os.path.join("national", "vocabulary.yaml")) and d.position.line == 2


@pytest.mark.parametrize("edit", ["tests", "notes"])
def test_tests_and_notes_do_not_change_the_digest(edit, policies, ws):
    before = ws.digest(policies / "henan")
    if edit == "tests":
        (policies / "henan" / "tests" / "extra.yaml").write_text("cases: []\n", encoding="utf-8")
        _edit(policies / "henan" / "tests" / "severe.yaml", "name:", "name:  ")
    else:
        (policies / "henan" / "ENGINE-NOTES.md").write_text("changed\n", encoding="utf-8")
        (policies / "henan" / "source" / "README.md").write_text("a note\n", encoding="utf-8")
    assert ws.digest(policies / "henan") == before


def test_an_edit_within_the_timestamp_granularity_is_seen(policies, ws):
    """Same size, same mtime_ns, but less than 2 s old: hashed anyway."""
    path = policies / "henan" / "rules" / "publication.yaml"
    now = time.time_ns()
    os.utime(path, ns=(now, now))
    before = ws.digest(policies / "henan")
    _edit(path, "max: {years: 5}", "max: {years: 3}")       # same length
    os.utime(path, ns=(now, now))
    assert ws.digest(policies / "henan") != before


# --- caches -------------------------------------------------------------------------------------------------------

def test_the_cache_returns_the_same_objects_while_nothing_changes(policies, ws):
    loaded = ws.loaded(policies / "henan")
    assert isinstance(loaded, LoadedPack)
    assert ws.loaded(policies / "henan") is loaded and ws.loaded(str(policies / "henan")) is loaded
    compiled = ws.compiled(policies / "henan")
    assert ws.compiled(policies / "henan") is compiled
    assert loaded.digest == ws.digest(policies / "henan") and loaded.source == (policies / "henan").resolve()
    assert policies / "henan" / "pack.yaml" in loaded.files
    _edit(policies / "henan" / "rules" / "publication.yaml", "max: {years: 5}", "max: {years: 4}")
    again = ws.loaded(policies / "henan")
    assert again is not loaded and again.digest != loaded.digest
    assert ws.compiled(policies / "henan") is not compiled


def test_the_cache_is_bounded(tmp_path):
    small = Workspace(cache_size=2)
    folders = [mini_at(tmp_path / f"p{i}" / "mini") for i in range(4)]
    for folder in folders:
        small.loaded(folder)
    assert len(small._loaded) == 2


def test_a_rule_edit_is_evaluated_in_the_same_process(policies):
    folder = str(policies / "henan")
    det = creditrules.evaluate(EVENT, jurisdiction=folder, as_of="2024-06-01")
    assert det.publication.max_end.isoformat() == "2029-03-01"
    if getattr(det.pack, "digest", ""):                      # the determination says which pack (CONTRACT 3)
        assert det.pack.digest == default_workspace().digest(folder)
    _edit(policies / "henan" / "rules" / "publication.yaml", "max: {years: 5}", "max: {years: 3}")
    det = creditrules.evaluate(EVENT, jurisdiction=folder, as_of="2024-06-01")
    assert det.publication.max_end.isoformat() == "2027-03-01"


def test_a_calendar_edit_is_seen(policies, ws):
    assert not ws.loaded(policies / "henan").calendar.knows(2031)
    (policies / "calendar" / "2031.yaml").write_text("year: 2031\nsource: test\nholidays: [2031-01-01]\n",
                                                    encoding="utf-8")
    assert ws.loaded(policies / "henan").calendar.knows(2031)
    assert ws.calendar(policies / "henan").knows(2031)


# --- loading without tests ------------------------------------------------------------------------------------------

def test_evaluation_does_not_parse_tests(policies, ws):
    assert load_pack_dir(policies / "henan", with_tests=False).tests == []
    n = len(load_pack_dir(policies / "henan").tests)
    (policies / "henan" / "tests" / "broken.yaml").write_text("cases: [\n", encoding="utf-8")
    loaded = ws.loaded(policies / "henan")                   # a broken test file does not stop evaluation
    with pytest.raises(PackError) as info:
        list(loaded.pack.tests)                              # ... it is reported when the cases are used
    assert info.value.diagnostics[0].code == "yaml-syntax"
    (policies / "henan" / "tests" / "broken.yaml").unlink()
    assert len(ws.tests(policies / "henan")) == n


# --- hardening ------------------------------------------------------------------------------------------------------

def _codes(folder: Path) -> list:
    with pytest.raises(PackError) as info:
        load_pack_dir(folder)
    return [(d.code, d.position.line, d.position.column) for d in info.value.diagnostics]


@pytest.fixture
def mini(tmp_path):
    return mini_at(tmp_path / "mini")


def _set_source(mini: Path, value: str) -> None:
    _edit(mini / "pack.yaml", "source: source/law.txt", f"source: {value}")


@pytest.mark.parametrize("value", ["/etc/passwd", "../outside.txt", "source/../../outside.txt"])
def test_a_source_outside_the_pack_is_refused(value, mini):
    (mini.parent / "outside.txt").write_text("第一条 外面。\n", encoding="utf-8")
    _set_source(mini, value)
    assert ("source-outside-pack", 7, 13) in _codes(mini)


def test_a_symlinked_source_resolving_outside_is_refused(mini):
    (mini.parent / "outside.txt").write_text("第一条 外面。\n", encoding="utf-8")
    (mini / "source" / "law.txt").unlink()
    (mini / "source" / "law.txt").symlink_to(mini.parent / "outside.txt")
    assert ("source-outside-pack", 7, 13) in _codes(mini)


def test_a_symlink_to_a_device_is_refused_without_reading_it(mini):
    (mini / "source" / "law.txt").unlink()
    (mini / "source" / "law.txt").symlink_to("/dev/zero")
    assert ("source-outside-pack", 7, 13) in _codes(mini)


def test_a_fifo_source_is_refused_without_blocking(mini):
    os.mkfifo(mini / "source" / "fifo.txt")
    _set_source(mini, "source/fifo.txt")
    assert ("source-not-file", 7, 13) in _codes(mini)
    Workspace().digest(mini)                                 # hashing skips it too, without blocking


def test_a_source_too_large_is_refused(mini):
    with open(mini / "source" / "big.txt", "wb") as f:
        f.truncate(MAX_SOURCE_BYTES + 1)                     # sparse: nothing is written
    _set_source(mini, "source/big.txt")
    assert ("source-too-large", 7, 13) in _codes(mini)


def test_a_rules_folder_resolving_outside_is_refused(mini, tmp_path):
    shutil.move(mini / "rules", tmp_path / "elsewhere")
    (mini / "rules").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    assert "rules-outside-pack" in [code for code, _, _ in _codes(mini)]


def test_a_rule_file_resolving_outside_is_refused(mini, tmp_path):
    (tmp_path / "evil.yaml").write_text("group: other\nrules: []\n", encoding="utf-8")
    (mini / "rules" / "evil.yaml").symlink_to(tmp_path / "evil.yaml")
    assert "rules-outside-pack" in [code for code, _, _ in _codes(mini)]


def test_a_fifo_rule_file_is_refused_without_blocking(mini):
    os.mkfifo(mini / "rules" / "fifo.yaml")
    assert "file-not-regular" in [code for code, _, _ in _codes(mini)]


def test_a_fifo_pack_yaml_beside_the_pack_blocks_nothing(mini, monkeypatch):
    (mini.parent / "evil").mkdir()
    os.mkfifo(mini.parent / "evil" / "pack.yaml")
    monkeypatch.setenv("CREDITRULES_POLICIES", str(mini.parent))
    ws = Workspace()
    assert "evil" not in [loc.name for loc in ws.jurisdictions()]
    assert ws.loaded("mini").pack.layers == []


def test_symlinks_inside_the_pack_are_fine(mini):
    os.rename(mini / "source" / "law.txt", mini / "source" / "real.txt")
    (mini / "source" / "law.txt").symlink_to("real.txt")
    os.rename(mini / "source" / "law.articles.yaml", mini / "source" / "real.articles.yaml")
    (mini / "source" / "law.articles.yaml").symlink_to("real.articles.yaml")
    assert load_pack_dir(mini).documents["law"].law.articles


# --- commands -------------------------------------------------------------------------------------------------------

def test_version_command():
    from importlib.metadata import version

    from creditrules.cli import app
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"creditrules {version('creditrules')}"


def test_packs_command(policies, monkeypatch):
    from creditrules.cli import app
    monkeypatch.setenv("CREDITRULES_POLICIES", str(policies))
    result = CliRunner().invoke(app, ["packs", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = {row["jurisdiction"]: row for row in json.loads(result.output)}
    henan = rows["henan"]
    assert henan["source"] == str(policies / "henan") and henan["origin"] == "env" and henan["status"] == "ok"
    assert henan["digest"] == Workspace().digest(policies / "henan")
    assert [v["status"] for v in henan["versions"]] == ["enacted"]
    assert str(HENAN) in [s["source"] for s in henan["shadows"]]
    text = CliRunner().invoke(app, ["packs"])
    assert text.exit_code == 0 and "henan: ok" in text.output and henan["digest"] in text.output


def test_the_disk_cache_serves_a_cold_start_and_never_a_stale_pack(tmp_path, monkeypatch):
    """A second process (here: a fresh Workspace) reads the validated pack from the cache; an edited pack or a
    corrupted cache file is loaded from its files again; a folder others can write to is never read."""
    import os
    import pickle

    from creditrules.workspace import Workspace
    cache = tmp_path / "cache"
    monkeypatch.setenv("CREDITRULES_CACHE", str(cache))
    pack = tmp_path / "henan"
    shutil.copytree(ROOT / "policies" / "henan", pack)
    shutil.copytree(ROOT / "policies" / "calendar", tmp_path / "calendar")
    first = Workspace().loaded(pack)
    files = list(cache.glob("pack-*.pickle"))
    assert len(files) == 1 and oct(cache.stat().st_mode & 0o777) == "0o700"
    again = Workspace().loaded(pack)
    assert again.digest == first.digest and again.pack.rules[0].id == first.pack.rules[0].id
    assert again.pack is not first.pack                          # read from the cache file, not shared memory
    rules = pack / "rules" / "sanctions.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace("id: high_consumption_restricted", "id: hc2"),
                     encoding="utf-8")
    edited = Workspace().loaded(pack)
    assert edited.digest != first.digest
    assert any(c.fields.get("id") == "hc2" for r in edited.pack.rules for c in r.then)
    for f in cache.glob("pack-*.pickle"):
        f.write_bytes(b"not a pickle")
    assert Workspace().loaded(pack).digest == edited.digest          # a corrupted cache file is a miss
    os.chmod(cache, 0o777)
    planted = next(cache.glob("pack-*.pickle"))
    planted.write_bytes(pickle.dumps(first))                         # someone else's file, in a shared folder
    assert Workspace().loaded(pack).digest == edited.digest          # never read from there


def test_a_folder_planted_in_the_working_directory_does_not_shadow_a_jurisdiction(tmp_path, monkeypatch, ws):
    """Issue 13: `-j henan` in a directory holding a `henan/` pack folder still means Henan; `./henan` is that
    folder."""
    planted = mini_at(tmp_path / "henan")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CREDITRULES_POLICIES", raising=False)
    folder, origin = ws.locate("henan")
    assert folder != planted and origin == "installed" and (folder / "rules").is_dir()
    assert ws.locate("./henan") == (planted, "path")
