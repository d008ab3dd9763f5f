from creditrules.yamlsource import load_yaml_text


def test_positions_are_kept_for_every_node():
    [doc], errors = load_yaml_text("a:\n  b: [1, {c: x}]\n", "f.yaml")
    assert not errors
    assert str(doc.position(("a", "b", 1, "c"))) == "f.yaml:2:14"


def test_duplicate_keys_are_errors_with_both_positions():
    _, errors = load_yaml_text("a: 1\nb: 2\na: 3\n", "f.yaml")
    assert [(e.code, str(e.position), e.hint) for e in errors] == [("duplicate-key", "f.yaml:3:1",
                                                                    "first given at line 1")]


def test_dates_stay_strings_and_no_stays_no():
    [doc], _ = load_yaml_text("d: 2024-02-30\nn: no\nt: true\n", "f.yaml")
    assert doc.data == {"d": "2024-02-30", "n": "no", "t": True}


def test_syntax_error_has_a_position():
    _, errors = load_yaml_text("a: [1, 2\nb: 3\n", "f.yaml")
    assert errors[0].code == "yaml-syntax" and errors[0].position.line >= 2


def test_the_libyaml_loader_reads_every_shipped_file_exactly_like_the_python_one():
    """_FastLoader (libyaml events) is only a speed-up: same values, same positions, on every YAML file we ship."""
    from pathlib import Path

    from creditrules import yamlsource as y
    root = Path(__file__).resolve().parent.parent
    files = [*root.glob("policies/**/*.yaml"), *root.glob("src/creditrules/vocabulary/*.yaml"),
             *root.glob("examples/*.yaml")]
    assert len(files) > 30 and y._FAST
    for path in files:
        text = path.read_text(encoding="utf-8")
        fast, slow = y._load(text, str(path), y._FastLoader), y._load(text, str(path), y._StrictLoader)
        assert [d.data for d in fast[0]] == [d.data for d in slow[0]], path
        assert [d.positions for d in fast[0]] == [d.positions for d in slow[0]], path
        assert [d.key_positions for d in fast[0]] == [d.key_positions for d in slow[0]], path
        assert fast[1] == slow[1] == [], path
