"""The vocabulary (CONTRACT.md section 4): every name an event or a rule may use, with zh/en labels and types.

Two places declare names:

- the library's core set, `vocabulary/core.yaml` in this package (the contract's starting set and the general
  facts every pack may read);
- each pack's own additions, `policies/<j>/vocabulary.yaml` (and any `vocabulary/*.yaml` files in the pack
  folder), and those of the layers loaded with it: legal staff add a fact there without touching this package.

A pack is evaluated with the core set plus its own files plus its layers' (`pack_vocabulary`). A name declared twice
by the core set or the pack's own files is an error (`duplicate-name`); a layer may declare again a name the pack
already has only with the same type and values (a national layer written for several packs), otherwise it is a
pack error (`vocabulary-conflict`). An unknown name's error says where names are declared (`Vocabulary.where`).
"""
from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from .errors import Diagnostic, PackError
from .yamlsource import load_yaml_file

SECTIONS = ("subject_types", "responsible_roles", "basis_types", "kinds", "conduct", "data_fields", "violations",
            "facts")
FACT_TYPES = ("bool", "int", "date", "text", "enum", "list")
LIBRARY_FOLDER = Path(__file__).resolve().parent / "vocabulary"
CORE_FILE = LIBRARY_FOLDER / "core.yaml"
PACK_FILE = "vocabulary.yaml"            # a pack's own additions, beside its pack.yaml


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
    declared_in: str = ""              # the file that declares it (absolute path; `shown()` for messages)


@dataclass
class Vocabulary:
    sections: dict[str, dict[str, Term]] = field(default_factory=lambda: {s: {} for s in SECTIONS})
    files: tuple[str, ...] = ()        # the files it was read from, in order (absolute paths)

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

    def where(self) -> str:
        """Where names are declared, for an unknown name's hint: `names are declared in a, b and c`."""
        shown_files = [shown(f) for f in self.files]
        if not shown_files:
            return ""
        listed = shown_files[0] if len(shown_files) == 1 else ", ".join(shown_files[:-1]) + " and " + shown_files[-1]
        return f"names are declared in {listed}"


def shown(path: str | os.PathLike) -> str:
    """A vocabulary file as a message shows it: relative to the working directory when below it."""
    text = os.fspath(path)
    try:
        rel = os.path.relpath(text)
    except ValueError:  # pragma: no cover - another drive on Windows
        return text
    return text if rel.startswith("..") else rel


def _visible(name: str) -> bool:
    return not name.startswith(".") and not name.endswith("~")


def pack_files(folder: str | os.PathLike) -> list[Path]:
    """A pack's (or a layer's) own vocabulary files: `vocabulary.yaml`, then `vocabulary/*.yaml` by name."""
    folder = Path(folder)
    out = [folder / PACK_FILE] if os.path.lexists(folder / PACK_FILE) else []
    sub = folder / "vocabulary"
    if sub.is_dir():
        out += sorted(p for p in sub.glob("*.yaml") if _visible(p.name))
    return out


_ALLOWED_TERM_KEYS = {"zh", "en", "type", "values", "procedural", "agency", "note"}


def _same(a: Term, b: Term) -> bool:
    return (a.section, a.type, a.values) == (b.section, b.type, b.values)


def build_vocabulary(files: Iterable[tuple[str | os.PathLike, bool]], *, union: bool = False) -> Vocabulary:
    """The vocabulary declared by `files`, read in order: (path, is_layer). PackError with every problem found.

    A name declared twice is an error, except that a layer's file may declare again, with the same type and
    values, a name already declared (the first declaration stands). `union=True`: the names of several packs
    together (an editor schema for every pack), where the first declaration of a name stands, without a word."""
    vocab = Vocabulary()
    diagnostics: list[Diagnostic] = []
    read: list[str] = []
    for file, is_layer in files:
        path = os.path.abspath(file)
        read.append(path)
        doc, errs = load_yaml_file(path, display=shown(path))
        diagnostics += errs
        if doc is None or doc.data is None:
            continue
        if not isinstance(doc.data, dict):
            diagnostics.append(Diagnostic("bad-type", "a vocabulary file is a mapping of sections "
                                          f"({', '.join(SECTIONS)})", doc.position(())))
            continue
        for section, entries in doc.data.items():
            if section not in SECTIONS:
                diagnostics.append(Diagnostic("unknown-key", f"unknown vocabulary section `{section}`",
                                              doc.position((section,), key=True),
                                              hint=f"sections: {', '.join(SECTIONS)}"))
                continue
            if entries is not None and not isinstance(entries, dict):
                diagnostics.append(Diagnostic("bad-type", f"section `{section}` is a mapping of names",
                                              doc.position((section,))))
                continue
            for name, spec in (entries or {}).items():
                pos = doc.position((section, name), key=True)
                if spec is not None and not isinstance(spec, dict):
                    diagnostics.append(Diagnostic("bad-type", f"`{name}` needs a mapping (zh, en, type ...)", pos))
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
                values = tuple(str(v) for v in given) if isinstance(given, list) else (str(given),) if given else ()
                term = Term(str(name), section, str(spec.get("zh", "")), str(spec.get("en", "")), ftype, values,
                            bool(spec.get("procedural")), bool(spec.get("agency")), path)
                earlier = vocab.sections[section].get(term.name)
                if earlier is not None:
                    if union:
                        pass
                    elif not is_layer:
                        diagnostics.append(Diagnostic("duplicate-name", f"`{name}` is already declared in "
                                                      f"{shown(earlier.declared_in)}", pos))
                    elif not _same(earlier, term):
                        diagnostics.append(Diagnostic(
                            "vocabulary-conflict", f"`{name}` is declared in {shown(earlier.declared_in)} as "
                            f"{_kind(earlier)}, here as {_kind(term)}", pos,
                            "a layer may declare a name again only with the same type and values"))
                    continue
                vocab.sections[section][term.name] = term
    # a list fact names the section its members come from (e.g. values: data_fields), resolved over every file
    for term in list(vocab.facts.values()):
        if term.type == "list" and len(term.values) == 1 and term.values[0] in SECTIONS:
            vocab.facts[term.name] = replace(term, values=tuple(vocab.sections[term.values[0]]))
    if diagnostics:
        raise PackError(diagnostics)
    vocab.files = tuple(read)
    return vocab


def _kind(term: Term) -> str:
    text = term.type or term.section
    return f"{text} ({', '.join(term.values)})" if term.values else text


def load_vocabulary(folder: Path | None = None) -> Vocabulary:
    """The names declared by the `*.yaml` files of one folder (default: the library's core set), core.yaml first."""
    folder = Path(folder) if folder is not None else LIBRARY_FOLDER
    paths = sorted((p for p in folder.glob("*.yaml") if _visible(p.name)),
                   key=lambda p: (p.name != "core.yaml", p.name))
    return build_vocabulary((p, False) for p in paths)


def pack_vocabulary(pack_folder: str | os.PathLike | None, layer_folders: Iterable[str | os.PathLike] = ()
                    ) -> Vocabulary:
    """The vocabulary a pack is evaluated with: the library's core set, the pack's own files, its layers'."""
    from .load import _yaml_input_problem
    files: list[tuple[str | os.PathLike, bool]] = [(p, False) for p in library_files()]
    problems: list[Diagnostic] = []
    folders = [(Path(pack_folder), False)] if pack_folder is not None else []
    for folder, is_layer in [*folders, *((Path(layer), True) for layer in layer_folders)]:
        for path in pack_files(folder):
            problem = _yaml_input_problem(path, folder)     # inside the pack, a regular file, not too large
            if problem is not None:
                problems.append(problem)
            else:
                files.append((path, is_layer))
    if problems:
        raise PackError(problems)
    return build_vocabulary(files)


def library_files() -> list[Path]:
    """The library's vocabulary files: core.yaml first (any other file of the folder after it, by name)."""
    if not LIBRARY_FOLDER.is_dir():
        return []
    return sorted((p for p in LIBRARY_FOLDER.glob("*.yaml") if _visible(p.name)),
                  key=lambda p: (p.name != "core.yaml", p.name))


@lru_cache(maxsize=1)
def default_vocabulary() -> Vocabulary:
    """The core set alone (what every pack reads); a pack's vocabulary is `pack_vocabulary` (or `plan.vocab`)."""
    return load_vocabulary()


def unknown_hint(vocab: Vocabulary | None, *parts: str) -> str:
    """An unknown name's hint: the nearest-name suggestion (and others given), then where names are declared."""
    return " ".join(filter(None, [*parts, vocab.where() if vocab is not None else ""]))

