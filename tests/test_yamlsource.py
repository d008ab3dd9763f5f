from creditrules.yamlsource import load_yaml_text


def test_positions_are_kept_for_every_node():
    [doc], errors = load_yaml_text("a:\n  b: [1, {c: x}]\n", "f.yaml")
    assert not errors
    assert str(doc.position(("a", "b", 1, "c"))) == "f.yaml:2:14"


def test_duplicate_keys_are_errors_with_both_positions():
    _, errors = load_yaml_text("a: 1\nb: 2\na: 3\n", "f.yaml")
    assert [(e.code, str(e.position), e.hint) for e in errors] == [("duplicate-key", "f.yaml:3:1", "first given at line 1")]


def test_dates_stay_strings_and_no_stays_no():
    [doc], _ = load_yaml_text("d: 2024-02-30\nn: no\nt: true\n", "f.yaml")
    assert doc.data == {"d": "2024-02-30", "n": "no", "t": True}


def test_syntax_error_has_a_position():
    _, errors = load_yaml_text("a: [1, 2\nb: 3\n", "f.yaml")
    assert errors[0].code == "yaml-syntax" and errors[0].position.line >= 2
