"""Where packs live, and the load -> validate -> compile pipeline: thin wrappers over the process's `Workspace`.

Which folder a jurisdiction name means, what the digest covers and how the caches stay fresh is documented in
`workspace.py`: an explicit folder path, else `$CREDITRULES_POLICIES/<j>`, else `./policies/<j>`, else the packs
installed with the library.
"""
from __future__ import annotations

import os
from pathlib import Path

from .model import Pack
from .timerules import WorkingDayCalendar
from .workspace import ENV, default_workspace, installed_root


def policies_root() -> Path:
    """The default root: $CREDITRULES_POLICIES, else the packs installed with the package (the repository's
    `policies/` in a checkout). Names are resolved through every root (`workspace.Workspace.resolve`)."""
    env = os.environ.get(ENV)
    return Path(env) if env else installed_root()


def pack_dirs(root: Path | None = None) -> list[Path]:
    """Every pack under `root`; without one, the folder each jurisdiction name resolves to, across every root
    ($CREDITRULES_POLICIES, ./policies, installed). Layers are not listed: they come with the pack they supplement."""
    from .load import supplemented
    if root is None:
        return default_workspace().pack_dirs()
    return sorted(p.parent for p in Path(root).glob("*/pack.yaml") if p.is_file() and not supplemented(p.parent))


def base_dirs(directory: Path) -> list[Path]:
    """The pack folders to load for `directory`: itself, or, for a layer, the packs it supplements."""
    from .load import supplemented
    bases = supplemented(directory)
    return [directory.parent / b for b in bases] if bases else [directory]


def pack_dir(name_or_path: str | os.PathLike) -> Path:
    """The pack folder a jurisdiction name or path means; PackError `unknown-jurisdiction` otherwise."""
    return default_workspace().resolve(name_or_path)


def load_valid_pack(name_or_path: str | os.PathLike) -> Pack:
    """The validated pack (its test cases are read when first used)."""
    return default_workspace().loaded(name_or_path).pack


def compiled_pack(name_or_path: str | os.PathLike):
    """The compiled pack, compiled once per content and recompiled when any input file changes."""
    return default_workspace().compiled(name_or_path)


def working_day_calendar(pack_directory: Path | None = None) -> WorkingDayCalendar:
    """The calendar beside the pack (`policies/calendar/`), else the installed one; fresh after an edit."""
    return default_workspace().calendar(pack_directory)
