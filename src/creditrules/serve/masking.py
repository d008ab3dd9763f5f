"""Masking names and identifiers in the decision log (never in what the caller gets back).

Fields that can be masked, and their default mode:

| field                                 | default    |
|---------------------------------------|------------|
| `subject.name`                        | pseudonym  |
| `subject.id`                          | pseudonym  |
| `subject.responsible_persons[].name`  | pseudonym  |
| `subject.responsible_persons[].id`    | pseudonym  |
| `basis.number`                        | keep       |

Modes:

- `pseudonym`: a keyed hash (HMAC-SHA256) of the value, the same for the same value, so two decisions about one
  subject can be linked in the log without the log holding the name. A name becomes `masked-<12 letters>`. A
  `subject.id` keeps its shape: length, the first two characters, the character classes, and what the engine says
  about it (a valid unified social credit code or citizen ID number stays valid with a recomputed check character;
  an invalid one stays invalid with the same first two and last two characters, which is all the engine's own
  warning shows: `91**************44`). So a replay of the masked event gives the same determination.
- `redact`: a name becomes `***`, an identifier the engine's own masked form (`91**************44`). A replay of
  an event whose valid `subject.id` was redacted gains the "fails its check character" warning: use `pseudonym`
  where replays must be exact.
- `keep`: logged as given.

The key: `$CREDITRULES_LOG_KEY` when set (the same pseudonyms across restarts and instances); otherwise a random
key made when the process starts (pseudonyms link decisions of one server run only). The key is never logged, and
a replay does not need it: the logged event is already masked, and the logged determination was masked with it.

The logged determination is masked the same way: every text in it equal to a masked value of the event becomes
what that value became (the engine copies the responsible persons' `{role, name}` into `sanctions[].persons` and
into decisions whose value is the persons); the engine masks the identifier in its own warning itself. A name
written inside a longer text would not be found: the engine writes none today, and a replay would show it (the
determination would differ).
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import Diagnostic, Position, UsageError, did_you_mean
from ..identifiers import (
    USCC_CHARS,
    id_check_char,
    identifier_warning,
    is_valid_citizen_id,
    is_valid_uscc,
    mask_identifier,
    uscc_check_char,
)

KEY_ENV = "CREDITRULES_LOG_KEY"
MODES = ("pseudonym", "redact", "keep")
FIELDS = ("subject.name", "subject.id", "subject.responsible_persons[].name", "subject.responsible_persons[].id",
          "basis.number")
DEFAULTS: dict[str, str] = {"subject.name": "pseudonym", "subject.id": "pseudonym",
                            "subject.responsible_persons[].name": "pseudonym",
                            "subject.responsible_persons[].id": "pseudonym", "basis.number": "keep"}
_ALIASES = {"responsible_persons[].name": "subject.responsible_persons[].name",
            "responsible_persons[].id": "subject.responsible_persons[].id",
            "subject.responsible_persons.name": "subject.responsible_persons[].name",
            "subject.responsible_persons.id": "subject.responsible_persons[].id"}
_B32 = "abcdefghijklmnopqrstuvwxyz234567"
_DIGITS = "0123456789"


def parse_mask_options(options: list[str] | None) -> dict[str, str]:
    """`["subject.name=keep", "basis.number=redact"]` (the `--mask` options) -> the mode of every field; the
    word `none` alone keeps every field, `all` pseudonymises every field. UsageError for a bad one."""
    modes = dict(DEFAULTS)
    for option in options or []:
        if option in ("none", "all"):
            modes = {f: ("keep" if option == "none" else "pseudonym") for f in FIELDS}
            continue
        name, sep, mode = option.partition("=")
        name = _ALIASES.get(name.strip(), name.strip())
        mode = mode.strip()
        if not sep or name not in FIELDS:
            raise UsageError([Diagnostic("bad-option", f"`--mask {option}`: expected FIELD=MODE with a field of "
                                         + ", ".join(FIELDS), Position(), did_you_mean(name, FIELDS))])
        if mode not in MODES:
            raise UsageError([Diagnostic("bad-option", f"`--mask {option}`: unknown mode `{mode}`", Position(),
                                         "modes: " + ", ".join(MODES))])
        modes[name] = mode
    return modes


def _key() -> tuple[bytes, str]:
    value = os.environ.get(KEY_ENV)
    if value:
        return value.encode("utf-8"), KEY_ENV
    return secrets.token_bytes(32), "per-process"


@dataclass(frozen=True)
class Masking:
    """How the log masks each field (module docstring). `Masking()` is the default: `$CREDITRULES_LOG_KEY` or a
    random key, every field at its default mode."""
    modes: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULTS))
    key: bytes = b""
    key_source: str = ""

    def __post_init__(self) -> None:
        if not self.key:
            key, source = _key()
            object.__setattr__(self, "key", key)
            object.__setattr__(self, "key_source", source)
        for name, mode in self.modes.items():
            if name not in FIELDS or mode not in MODES:
                raise ValueError(f"bad masking {name}={mode}")

    def describe(self) -> dict:
        """What is logged with each decision: the mode of every field and where the key came from (not the key)."""
        return {"fields": {f: self.modes.get(f, "keep") for f in FIELDS}, "key": self.key_source}

    # --- values --------------------------------------------------------------------------------------------

    def _stream(self, domain: str, value: str, counter: int = 0) -> bytes:
        msg = f"{domain}\0{counter}\0{value}".encode("utf-8", "surrogatepass")
        return hmac.new(self.key, msg, hashlib.sha256).digest()

    def _word(self, domain: str, value: str) -> str:
        digest = self._stream(domain, value)
        return "masked-" + "".join(_B32[b % 32] for b in digest[:12])

    def name(self, value: Any, mode: str) -> Any:
        if mode == "keep" or not isinstance(value, str):
            return value
        return "***" if mode == "redact" else self._word("name", value)

    def identifier(self, value: Any, mode: str, subject_type: str | None = None) -> Any:
        if mode == "keep" or not isinstance(value, str):
            return value
        if mode == "redact":
            return mask_identifier(value)
        if subject_type is None:
            return self._word("id", value)
        return self.subject_id(value, subject_type)

    def subject_id(self, value: str, subject_type: str) -> str:
        """A pseudonym of `value` of the same shape that the engine judges the same way (module docstring)."""
        want = identifier_warning(subject_type, value)
        core = value.strip()
        if not core:                                            # blank: nothing that identifies anyone
            return value
        lead = value[: len(value) - len(value.lstrip())]
        trail = value[len(value.rstrip()):]
        upper = core.upper()
        valid = (subject_type in ("legal_person", "unincorporated_org") and is_valid_uscc(upper)) or \
                (subject_type == "natural_person" and is_valid_citizen_id(upper))
        n = len(core)
        for counter in range(64):
            stream = self._stream("subject.id", value, counter)
            while len(stream) < n:
                stream += self._stream("subject.id", value, counter + 1000 * len(stream))
            chars = list(upper if valid else core)
            if valid:                                           # keep 2, replace the body, recompute the check
                lo, hi = 2, n - 1
            elif want is not None and n > 4:                    # keep what the warning shows: 2 and 2
                lo, hi = 2, n - 2
            elif want is not None:                              # the warning shows it as stars only
                lo, hi = 0, n
            else:                                               # not checked: keep 2 of a long one
                lo, hi = (2 if n > 4 else 0), n
            for i in range(lo, hi):
                chars[i] = _same_class(chars[i], stream[i])
            if valid:
                body = "".join(chars[:17])
                if subject_type == "natural_person":
                    chars[17] = id_check_char(body)
                elif all(ch in USCC_CHARS for ch in body):
                    chars[17] = uscc_check_char(body)
            candidate = lead + "".join(chars) + trail
            if candidate != value and identifier_warning(subject_type, candidate) == want and \
                    identifier_warning(subject_type, candidate, "zh") == identifier_warning(subject_type, value, "zh"):
                return candidate
        return mask_identifier(value)                           # pragma: no cover - 64 misses in a row

    # --- events and determinations --------------------------------------------------------------------------

    def event(self, event: dict) -> tuple[dict, dict[str, str]]:
        """A checked event (plain JSON data) with its fields masked, and what each masked value became (a new
        dict; the argument is unchanged)."""
        out = dict(event)
        changed: dict[str, str] = {}

        def put(holder: dict, key: str, value: Any) -> None:
            if isinstance(holder.get(key), str) and value != holder[key]:
                changed[holder[key]] = value
            holder[key] = value

        subject = out.get("subject")
        if isinstance(subject, dict):
            subject = out["subject"] = dict(subject)
            stype = subject.get("type") if isinstance(subject.get("type"), str) else ""
            if "name" in subject:
                put(subject, "name", self.name(subject["name"], self.modes.get("subject.name", "keep")))
            if "id" in subject:
                put(subject, "id", self.identifier(subject["id"], self.modes.get("subject.id", "keep"), stype))
            persons = subject.get("responsible_persons")
            if isinstance(persons, list):
                masked = []
                for person in persons:
                    if isinstance(person, dict):
                        person = dict(person)
                        if "name" in person:
                            put(person, "name", self.name(
                                person["name"], self.modes.get("subject.responsible_persons[].name", "keep")))
                        if "id" in person:
                            put(person, "id", self.identifier(
                                person["id"], self.modes.get("subject.responsible_persons[].id", "keep")))
                    masked.append(person)
                subject["responsible_persons"] = masked
        basis = out.get("basis")
        if isinstance(basis, dict) and "number" in basis:
            basis = out["basis"] = dict(basis)
            put(basis, "number", self.name(basis["number"], self.modes.get("basis.number", "keep")))
        return out, changed

    @staticmethod
    def determination(det: dict, changed: dict[str, str]) -> dict:
        """The determination as the log keeps it: every text equal to a masked value of the event replaced by
        what the value became (today: the responsible persons `{role, name}` of `sanctions[].persons` and of a
        decision's value); the law's words (`citations`) and the `trace` are left as they are. A new structure
        where something changed; the caller's determination is unchanged."""
        if not changed:
            return det

        def walk(value: Any) -> Any:
            if isinstance(value, str):
                return changed.get(value, value)
            if isinstance(value, dict):
                return {k: walk(v) for k, v in value.items()}
            if isinstance(value, list):
                return [walk(v) for v in value]
            return value

        return {k: (v if k in ("citations", "trace") else walk(v)) for k, v in det.items()}


def _same_class(ch: str, byte: int) -> str:
    """A character of the same class as `ch`, picked by `byte`: a digit for a digit, an unambiguous code
    character for an upper-case letter, a lower-case letter for anything else (the engine looks at digits and
    code characters only)."""
    if ch in _DIGITS:
        return _DIGITS[byte % 10]
    if ch in USCC_CHARS:
        letters = USCC_CHARS[10:]
        return letters[byte % len(letters)]
    if "A" <= ch <= "Z":
        return chr(ord("A") + byte % 26)
    return chr(ord("a") + byte % 26)
