"""Where packs live, and the load -> validate -> compile pipeline with a cache (a pack compiles once)."""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from .compile import CompiledPack, compile_pack
from .errors import Diagnostic, PackError, Position
from .load import load_pack_dir
from .model import Pack
from .timerules import WorkingDayCalendar, load_calendar
from .validate import validate_pack
from .vocabulary import default_vocabulary


def policies_root() -> Path:
    """$CREDITRULES_POLICIES, else the packs installed with the package, else the repository's `policies/`."""
    env = os.environ.get("CREDITRULES_POLICIES")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent
    for candidate in (here / "policies", here.parent.parent / "policies"):
        if candidate.is_dir():
            return candidate
    return here / "policies"


def pack_dirs(root: Path | None = None) -> list[Path]:
    """Every pack under the root (layers are not listed: they come with the pack they supplement)."""
    from .load import supplemented
    root = root or policies_root()
    return sorted(p.parent for p in root.glob("*/pack.yaml") if not supplemented(p.parent))


def base_dirs(directory: Path) -> list[Path]:
    """The pack folders to load for `directory`: itself, or, for a layer, the packs it supplements."""
    from .load import supplemented
    bases = supplemented(directory)
    return [directory.parent / b for b in bases] if bases else [directory]


def pack_dir(name_or_path: str | os.PathLike) -> Path:
    path = Path(name_or_path)
    if (path / "pack.yaml").is_file():
        return path
    candidate = policies_root() / str(name_or_path)
    if (candidate / "pack.yaml").is_file():
        return candidate
    known = [p.name for p in pack_dirs()]
    from .errors import did_you_mean
    raise PackError([Diagnostic("unknown-jurisdiction", f"no policy pack `{name_or_path}`", Position(),
                                " ".join(filter(None, [did_you_mean(str(name_or_path), known),
                                                       "known: " + ", ".join(known) if known else "no packs found"])))])


def load_valid_pack(name_or_path: str | os.PathLike) -> Pack:
    pack = load_pack_dir(pack_dir(name_or_path))
    report = validate_pack(pack, default_vocabulary())
    if not report.ok:
        raise PackError(report.errors)
    return pack


@lru_cache(maxsize=32)
def _compiled(directory: str, stamp: float) -> CompiledPack:
    return compile_pack(load_valid_pack(directory), default_vocabulary())


def compiled_pack(name_or_path: str | os.PathLike) -> CompiledPack:
    directory = pack_dir(name_or_path).resolve()
    stamp = max((p.stat().st_mtime for p in directory.rglob("*.yaml")), default=0.0)
    return _compiled(str(directory), stamp)


@lru_cache(maxsize=8)
def _calendar(folder: str) -> WorkingDayCalendar:
    return load_calendar(Path(folder))


def working_day_calendar(pack_directory: Path | None = None) -> WorkingDayCalendar:
    """The calendar beside the pack (`policies/calendar/`), else the default root's."""
    for folder in ([pack_directory.parent / "calendar"] if pack_directory else []) + [policies_root() / "calendar"]:
        if folder.is_dir():
            return _calendar(str(folder.resolve()))
    return WorkingDayCalendar()
