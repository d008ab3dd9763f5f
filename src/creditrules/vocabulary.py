"""The vocabulary (CONTRACT.md section 4): every name an event or a rule may use, with zh/en labels and types.

Declared as YAML in `vocabulary/*.yaml` (core.yaml is the contract's starting set; a jurisdiction's additions go
in a file of their own). A name declared twice, in one file or across files, is an error.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .errors import Diagnostic, PackError
from .yamlsource import load_yaml_file

SECTIONS = ("subject_types", "responsible_roles", "basis_types", "kinds", "conduct", "data_fields", "violations",
            "facts")
FACT_TYPES = ("bool", "int", "date", "text", "enum", "list")


@dataclass(frozen=True)
class Term:
    name: str
    section: str
    zh: str
    en: str
    type: str | None = None            # facts only
    values: tuple[str, ...] = ()       # enum values, or the members allowed in a list fact
    procedural: bool = False           # kinds: objection_filed, repair_application, basis_revoked
    agency: bool = False               # kinds: credit service agency events
    declared_in: str = ""


@dataclass
class Vocabulary:
    sections: dict[str, dict[str, Term]] = field(default_factory=lambda: {s: {} for s in SECTIONS})

    def names(self, section: str) -> dict[str, Term]:
        return self.sections[section]

    @property
    def kinds(self) -> dict[str, Term]:
        return self.sections["kinds"]

    @property
    def facts(self) -> dict[str, Term]:
        return self.sections["facts"]

    @property
    def conduct(self) -> dict[str, Term]:
        return self.sections["conduct"]


_ALLOWED_TERM_KEYS = {"zh", "en", "type", "values", "procedural", "agency", "note"}


def load_vocabulary(folder: Path | None = None) -> Vocabulary:
    folder = folder or Path(__file__).parent / "vocabulary"
    vocab = Vocabulary()
    diagnostics: list[Diagnostic] = []
    where: dict[tuple[str, str], str] = {}
    for path in sorted(folder.glob("*.yaml"), key=lambda p: (p.name != "core.yaml", p.name)):   # the contract's first
        doc, errs = load_yaml_file(path, display=f"vocabulary/{path.name}")
        diagnostics += errs
        if doc is None or doc.data is None:
            continue
        for section, entries in doc.data.items():
            if section not in SECTIONS:
                diagnostics.append(Diagnostic("unknown-key", f"unknown vocabulary section `{section}`",
                                              doc.position((section,), key=True),
                                              hint=f"sections: {', '.join(SECTIONS)}"))
                continue
            for name, spec in (entries or {}).items():
                pos = doc.position((section, name), key=True)
                if (section, name) in where:
                    diagnostics.append(Diagnostic("duplicate-name",
                                                  f"`{name}` is already declared in {where[section, name]}", pos))
                    continue
                spec = spec or {}
                bad = set(spec) - _ALLOWED_TERM_KEYS
                if bad:
                    diagnostics.append(Diagnostic("unknown-key", f"unknown key(s) {sorted(bad)} for `{name}`", pos))
                ftype = spec.get("type")
                if section == "facts" and ftype not in FACT_TYPES:
                    diagnostics.append(Diagnostic("fact-type", f"fact `{name}` needs a type: {', '.join(FACT_TYPES)}",
                                                  pos))
                given = spec.get("values")          # a list, one name (a section: values: data_fields), or none
                values = tuple(given) if isinstance(given, list) else (given,) if given else ()
                where[section, name] = doc.file
                vocab.sections[section][name] = Term(name, section, str(spec.get("zh", "")), str(spec.get("en", "")),
                                                     ftype, values,
                                                     bool(spec.get("procedural")), bool(spec.get("agency")), doc.file)
    # a list fact names the section its members come from (e.g. values: data_fields)
    for term in vocab.facts.values():
        if term.type == "list" and len(term.values) == 1 and term.values[0] in SECTIONS:
            vocab.facts[term.name] = Term(**{**term.__dict__, "values": tuple(vocab.sections[term.values[0]])})
    if diagnostics:
        raise PackError(diagnostics)
    return vocab


@lru_cache(maxsize=1)
def default_vocabulary() -> Vocabulary:
    return load_vocabulary()
