"""The editor schema: built from the loader's own description, current in the repository, mapped by
.vscode/settings.json; every shipped pack file validates; every bad fixture whose problem is a shape or a name
fails it, at the place of the problem; the fixtures it cannot catch are listed with the reason."""
import ast
import json
import subprocess
import sys
from pathlib import Path

import jsonschema  # type: ignore[import-untyped]
import pytest

from creditrules import load
from creditrules.tools import schema as S
from creditrules.yamlsource import load_yaml_file

from conftest import MINI, ROOT

BAD = ROOT / "tests" / "bad_fixtures"

# Bad fixtures a schema cannot catch, and why: it sees one file at a time, no law text, no other file.
NOT_SCHEMA = {
    "cycle": "rules that read each other: a property of the whole pack",
    "duplicate-id": "a rule id used in two files: the schema sees one file",
    "duplicate-key": "a YAML parser keeps the last of two equal keys; the strict loader (and the editor's YAML "
                     "parser) reports it before any schema",
    "yaml-syntax": "the file does not parse: the YAML parser's error, before any schema",
    "yaml-syntax-fullwidth-bracket": "a full-width 【 breaks the YAML: the parser's error, before any schema",
    "yaml-syntax-fullwidth-case-key": "a full-width “ around a key breaks the YAML, before any schema",
    "yaml-syntax-no-space": "`key:value` without the space: the parser's error, before any schema",
    "yaml-syntax-no-space-flow": "`{kind:x}`: one key `kind:x` to YAML; the loader says the space is missing",
    "index-stale": "the article index against the law text: a generated file, not a pack file an editor validates",
    "ledger-duplicate": "overlapping ranges (`1-2`, `2-4`) are two well-formed keys",
    "ledger-gap": "which articles the held text has: the law text, not this file",
    "ledger-not-encoded": "whether a rule cites the article: the rule files",
    "ledger-status": "whether a rule cites the article: the rule files",
    "source-missing": "whether the file exists: the file system",
    "source-not-file": "whether the path is a regular file: the file system",
    "unknown-rule": "which rule ids the pack has: the other rule files",
    "unresolved-citation": "whether the held text has the provision: the law text",
}
# where the schema reports each shape or name problem (the JSON path inside the file)
SCHEMA_PATH = {
    "bad-citation": ("rules", 0, "cite"),
    "bad-date": ("versions", 0, "adopted_on"),
    "bad-date-path": ("rules", 0, "then", "deadline", "from"),
    "bad-id": ("rules", 0, "then", "decision", "id"),
    "bad-type": ("rules", 0, "then", "deadline", "working_days"),
    "bad-value": ("rules", 0, "then", "sanction", "tier"),
    "conclusion-shape": ("rules", 0, "then"),
    "condition-shape": ("rules", 0, "when"),
    "fact-type": ("rules", 0, "when", "fact"),
    "missing-key": ("rules", 0),
    "source-outside-pack": ("documents", 0, "source"),
    "unknown-key": ("rules", 0),
    "unknown-name": ("rules", 0, "when", "conduct", 0),
    "unknown-name-block-item": ("rules", 0, "when", "conduct", 1),       # the bad item of a list, not its key
    "unknown-name-fact-value": ("rules", 0, "when", "fact", "procedure", "in", 1),
    "unknown-name-case-event": (0, "event", "conduct", 1),
    "unknown-name-case-event-block": (0, "event", "conduct", 1),
}


@pytest.fixture(scope="module")
def validators():
    return {name: jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
            for name, schema in S.build().items()}


def plain(value):
    """YAML data as JSON sees it (mapping keys are text)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def kind_of(relative: Path):
    if relative.name == "pack.yaml":
        return "pack"
    if relative.name == "ledger.yaml":
        return "ledger"
    if relative.parent.name in ("rules", "tests"):
        return relative.parent.name
    return None


def errors(validator, path: Path):
    doc, problems = load_yaml_file(path)
    assert doc is not None and not problems, problems
    return list(validator.iter_errors(plain(doc.data)))


def test_every_schema_is_a_valid_draft7_schema():
    for schema in S.build().values():
        jsonschema.Draft7Validator.check_schema(schema)


def test_the_shipped_schemas_are_current():
    for name, schema in S.build().items():
        shipped = (S.SCHEMA_DIR / S.FILES[name]).read_text(encoding="utf-8")
        assert shipped == S.render(schema), f"run `creditrules schema --out {S.SCHEMA_DIR.relative_to(ROOT)}`"


def test_vscode_settings_map_every_pack_file_to_its_schema():
    settings = json.loads((ROOT / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    assert settings["yaml.schemas"] == S.editor_settings("./src/creditrules/tools/schemas")
    for file in settings["yaml.schemas"]:
        assert (ROOT / file).is_file()


def shipped_files():
    for name, globs in S.GLOBS.items():
        for pattern in globs:
            for path in sorted(ROOT.glob(pattern)):
                yield name, path
    for fixture in (MINI, *sorted((ROOT / "tests" / "fixtures" / "layered").iterdir())):
        for path in sorted(fixture.rglob("*.yaml")):
            name = kind_of(path.relative_to(fixture))
            if name:
                yield name, path


def test_every_shipped_pack_file_validates(validators):
    seen = {name: 0 for name in S.FILES}
    for name, path in shipped_files():
        found = errors(validators[name], path)
        assert not found, f"{path}: " + "; ".join(f"{list(e.absolute_path)}: {e.message[:200]}" for e in found[:5])
        seen[name] += 1
    assert all(n >= 4 for n in seen.values()), seen        # four packs at least: the globs really match


def test_each_shape_fixture_fails_the_schema_where_its_problem_is(validators):
    folders = sorted(p.name for p in BAD.iterdir() if p.is_dir())
    assert set(folders) == set(SCHEMA_PATH) | set(NOT_SCHEMA)       # every fixture is classified, once
    assert not set(SCHEMA_PATH) & set(NOT_SCHEMA)
    for code, where in SCHEMA_PATH.items():
        (path,) = [p for p in (BAD / code).rglob("*.yaml")]
        name = kind_of(path.relative_to(BAD / code))
        found = errors(validators[name], path)
        assert found, f"{code}: the schema accepts {path}"
        best = jsonschema.exceptions.best_match(found)
        assert tuple(best.absolute_path) == where, (code, list(best.absolute_path), best.message)


def test_the_fixtures_the_schema_cannot_catch_pass_it(validators):
    """The list above is honest: each of these files is well-formed (or, for yaml-syntax, does not parse)."""
    for code in NOT_SCHEMA:
        for path in (BAD / code).rglob("*.yaml"):
            name = kind_of(path.relative_to(BAD / code))
            if name is None:
                continue
            doc, problems = load_yaml_file(path)
            if code.startswith("yaml-syntax") or code == "duplicate-key":
                assert problems and problems[0].code == code.split("-fullwidth")[0].split("-no-space")[0]
                continue
            assert not list(validators[name].iter_errors(plain(doc.data))), code


@pytest.mark.parametrize("text,where", [
    ("- {name: x, event: {id: a, subject: {type: legal_person}, kind: registraton}, expect: {warnings: []}}",
     (0, "event", "kind")),
    ("- {name: x, event: {id: a, subject: {type: legal_person}, kind: registration, conduct: [tax_evsion]}, "
     "expect: {warnings: []}}", (0, "event", "conduct", 0)),
    ("- {name: x, event: {id: a, subject: {type: legal_person}, kind: registration, facts: {decision_final: yes}}, "
     "expect: {warnings: []}}", (0, "event", "facts", "decision_final")),
    ("- {name: x, event: {id: a, subject: {type: legal_person}, kind: registration, occurred_on: 2024-02-30}, "
     "expect: {warnings: []}}", (0, "event", "occurred_on")),
    ("- {name: x, event: {id: a, subject: {type: legal_person}, kind: registration}, expect: {}}", (0, "expect")),
    ("- {name: x, event: {id: a, subject: {type: legal_person}, kind: registration}, "
     "expect: {dishonesty.levl: none}}", (0, "expect")),
    ("- {name: x, event: {id: a, subject: {type: legal_person}, kind: registration}, "
     "expect: {dishonesty.level: sever}}", (0, "expect", "dishonesty.level")),
])
def test_a_bad_test_case_fails_the_tests_schema(validators, tmp_path, text, where):
    path = tmp_path / "tests" / "case.yaml"
    path.parent.mkdir()
    path.write_text(text + "\n", encoding="utf-8")
    found = errors(validators["tests"], path)
    assert found
    assert tuple(jsonschema.exceptions.best_match(found).absolute_path)[:len(where)] == where


def test_the_schema_follows_the_loader_vocabulary_and_citation_syntax():
    rules = S.build()["rules"]
    defs = rules["definitions"]
    assert rules["properties"]["group"]["enum"] == list(load.GROUPS)
    assert set(defs["condition"]["properties"]) == set(load.LEAVES)
    assert set(defs["conclusion"]["properties"]) == set(load.CONCLUSION_KINDS) | {"cite"}
    kinds = defs["condition"]["properties"]["kind"]["else"]
    assert "administrative_penalty" in kinds["enum"]
    assert kinds["markdownEnumDescriptions"][kinds["enum"].index("administrative_penalty")].startswith("行政处罚")
    import re
    pattern = re.compile(defs["citation"]["pattern"])
    for good in ("33", "33.2", "33.1.2", "measures:9.1.3", "第三十三條第一款第（二）項"):
        assert pattern.search(good), good
    for bad in ("article four", "33.1.2.4", "第三十三"):
        assert not pattern.search(bad), bad


def _keys_calls_in_load() -> set:
    """Every `r.keys(node, path, (allowed...), (required...))` of load.py, as literal tuples."""
    tree = ast.parse(Path(load.__file__).read_text(encoding="utf-8"))
    found: set[tuple] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "keys" \
                and len(node.args) >= 3 and isinstance(node.args[2], ast.Tuple):
            allowed = tuple(ast.literal_eval(node.args[2]))
            required = tuple(ast.literal_eval(node.args[3])) if len(node.args) > 3 and isinstance(
                node.args[3], ast.Tuple) else ()
            found.add((allowed, required))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "keys" \
                and len(node.args) > 3 and isinstance(node.args[3], ast.IfExp):   # pack.yaml: layer or pack
            for branch in (node.args[3].body, node.args[3].orelse):
                found.add(("<required>", tuple(ast.literal_eval(branch))))
    return found


def test_the_key_lists_mirror_load_py():
    """load.py writes its key lists inline; the schema mirrors them in KEYS. A key added to the loader fails here,
    naming where to add it."""
    in_load = _keys_calls_in_load()
    calls = {k for k in in_load if k[0] != "<required>"}
    mirrored = {(allowed, required) for name, (allowed, required) in S.KEYS.items() if name not in ("pack", "layer")}
    mirrored.add((S.KEYS["pack"][0], ()))           # pack.yaml's call computes its required keys (layer or pack)
    assert calls == mirrored, f"only in load.py: {calls - mirrored}; only in schema.KEYS: {mirrored - calls}"
    requireds = {k[1] for k in in_load if k[0] == "<required>"}
    assert requireds == {S.KEYS["pack"][1], S.KEYS["layer"][1]}


def test_the_schema_command_writes_the_four_files(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "creditrules", "schema", "--out", str(tmp_path)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(S.FILES.values())
    data = json.loads((tmp_path / "rules.schema.json").read_text(encoding="utf-8"))
    assert data["$schema"].startswith("http://json-schema.org/draft-07")
