"""Check characters of the matching identifiers (Henan art. 16): the examples published with the standards."""
import datetime as dt

from creditrules.api import evaluate
from creditrules.identifiers import identifier_warning, is_valid_citizen_id, is_valid_uscc


def test_unified_social_credit_code_check_character():
    assert is_valid_uscc("91350100M000100Y43")          # GB 32100-2015 worked example
    assert not is_valid_uscc("91350100M000100Y44")
    assert not is_valid_uscc("91350100M000100Y4")       # 17 characters
    assert not is_valid_uscc("91350100M000100I43")      # I is not in the code's alphabet


def test_citizen_id_check_character():
    assert is_valid_citizen_id("11010519491231002X")    # GB 11643-1999 example
    assert not is_valid_citizen_id("110105194912310021")


def test_a_bad_code_is_a_warning_not_a_rejection():
    assert identifier_warning("legal_person", "91350100M000100Y43") is None
    assert "统一社会信用代码" in identifier_warning("legal_person", "91350100M000100Y44")
    assert identifier_warning("natural_person", "E12345678") is None      # another valid document: not checked
    det = evaluate({"id": "i", "subject": {"type": "legal_person", "id": "91350100M000100Y44"}, "kind": "registration"},
                   jurisdiction="henan", as_of="2024-06-01")
    assert any("91**************44" in w for w in det.warnings)              # masked: never quoted in full
    assert not any("91350100M000100Y44" in w for w in det.warnings)


def test_superscript_digits_are_not_an_id_number_and_do_not_crash():
    """`str.isdigit` accepts superscripts that `int()` refuses: seen crashing evaluate (exit 3) and the service."""
    import creditrules
    det = creditrules.evaluate({"id": "s", "subject": {"type": "natural_person", "id": "²" * 18},
                                "kind": "commendation"}, "henan", "2024-06-01")
    assert det.dishonesty.level == "none"


def test_the_birth_date_in_a_citizen_id_number():
    """GB 11643-1999: digits 7-14 are the 出生日期码; read only from a number whose check character holds."""
    from creditrules.identifiers import birth_date_in_id, birth_date_of, id_check_char
    good = "11010520130601123" + id_check_char("11010520130601123")
    assert birth_date_in_id(good) == dt.date(2013, 6, 1)
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    assert birth_date_in_id(wrong) is None                               # the check character fails
    bad_day = "11010520130231123" + id_check_char("11010520130231123")    # 2013-02-31
    assert birth_date_in_id(bad_day) is None and birth_date_in_id(None) is None
    # the given date wins; an organisation has none; a date after the conduct is not taken
    assert birth_date_of("natural_person", dt.date(2000, 1, 1), good, None) == dt.date(2000, 1, 1)
    assert birth_date_of("legal_person", None, good, None) is None
    assert birth_date_of("natural_person", None, good, dt.date(2013, 5, 31)) is None
    assert birth_date_of("natural_person", None, good, dt.date(2013, 6, 1)) == dt.date(2013, 6, 1)
