"""Check characters of the identifiers the regulations match records by (Henan art. 16, Xinjiang art. 25,
Bingtuan art. 22): the unified social credit code (GB 32100-2015) and the citizen ID number (GB 11643-1999).

A wrong check character is reported as a warning, not rejected: natural persons may be identified by another
valid document number (其他有效身份证件号码), and the record itself may still be sound. The warning shows the
identifier masked (`91**************44`): a citizen ID number is personal information, and warnings are logged.
"""
from __future__ import annotations

import datetime as dt

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_CHARS.index(ch) * w for ch, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def is_valid_uscc(code: str) -> bool:
    code = code.strip().upper()
    return (len(code) == 18 and all(ch in USCC_CHARS for ch in code)
            and uscc_check_char(code[:17]) == code[17])


def id_check_char(first17: str) -> str:
    return ID_CHECK[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def is_valid_citizen_id(number: str) -> bool:
    number = number.strip().upper()
    body = number[:17]
    return len(number) == 18 and body.isascii() and body.isdigit() and id_check_char(body) == number[17]


def birth_date_in_id(number: str | None) -> dt.date | None:
    """The 出生日期码 of a citizen ID number (GB 11643-1999, digits 7-14: YYYYMMDD), when the number is valid (its
    check character holds) and the digits are a real date; else None."""
    if not number or not isinstance(number, str) or not is_valid_citizen_id(number):
        return None
    try:
        return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def birth_date_of(subject_type: str, given: dt.date | None, subject_id: str | None,
                  conduct_day: dt.date | None) -> dt.date | None:
    """A natural person's birth date as the engine reads it (capacity, art. 3; minors): the one the event gives,
    else the one its citizen ID number holds, when that is not after the conduct. One definition for every evaluator
    (engine/facts.py, columnar/table.py)."""
    if given is not None or subject_type != "natural_person":
        return given
    found = birth_date_in_id(subject_id)
    return found if found is not None and (conduct_day is None or found <= conduct_day) else None


def mask_identifier(identifier: str, keep: int = 2) -> str:
    """The identifier with all but its first and last `keep` characters as `*` (`91**************44`); one of
    2 * keep characters or fewer is masked whole. Long input is cut to 40 characters before masking."""
    ident = str(identifier).strip()[:40]
    if len(ident) <= 2 * keep:
        return "*" * len(ident)
    return ident[:keep] + "*" * (len(ident) - 2 * keep) + ident[-keep:]


def identifier_warning(subject_type: str, identifier: str | None, lang: str = "en") -> str | None:
    """A warning when `identifier` fails its check character (the identifier masked in it), else None."""
    from .messages import msg
    if not identifier or not isinstance(identifier, str):
        return None
    ident = identifier.strip().upper()
    if subject_type in ("legal_person", "unincorporated_org") and not is_valid_uscc(ident):
        return msg("uscc_invalid", lang, id=mask_identifier(identifier))
    if (subject_type == "natural_person" and len(ident) == 18 and ident[:17].isascii() and ident[:17].isdigit()
            and not is_valid_citizen_id(ident)):
        return msg("citizen_id_invalid", lang, id=mask_identifier(identifier))
    return None
