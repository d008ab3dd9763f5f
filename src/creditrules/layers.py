"""Which layers a pack loads: only those named (issue 13, "planted layers").

A layer is a folder beside the pack whose `pack.yaml` says `supplements: [<pack id>]` (docs/pack-format.md,
section 8). It is loaded only when it is named: by the pack's `pack.yaml` (`layers: [national]`) or by the call
(`evaluate(..., layers=["national"])`, `Workspace.loaded(..., layers=)`). A layer is named by its id, which is
the name of its folder beside the pack: never by a path, so a layer cannot come from outside the folder holding
the packs. A named layer that is missing, is not a folder beside the pack (a symlink out of it), does not
supplement this pack or has another id is an error; a sibling that declares `supplements: [<pack id>]` without
being named is not loaded, and validation warns about it (`layer-not-named`).
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .errors import Diagnostic, Position


def plain_name(text: Any) -> bool:
    """A layer id: a folder name, no separator, not `.` or `..`."""
    return (isinstance(text, str) and bool(text) and text not in (".", "..") and "/" not in text
            and "\\" not in text and os.sep not in text and "\0" not in text)


def _position(doc, path: tuple) -> Position:
    return doc.position(path) if doc is not None else Position()


def named_layers(directory: Path, top: dict, doc, extra: Sequence[str], diagnostics: list[Diagnostic]) -> list[Path]:
    """The layer folders to load with the pack in `directory`, in order: those its pack.yaml names, then those
    the call names (`extra`), each once. Problems are appended to `diagnostics`."""
    from .load import display_path, supplemented
    pack_id = str(top.get("id"))
    raw = top.get("layers")
    named: list[tuple[str, Position]] = []
    if raw is not None and not isinstance(raw, list):
        diagnostics.append(Diagnostic("bad-type", "`layers` must be a list of layer ids, e.g. `layers: [national]`",
                                      _position(doc, ("layers",))))
        raw = []
    for i, name in enumerate(raw or []):
        named.append((name, _position(doc, ("layers", i))))
    named += [(name, _position(doc, ("id",))) for name in extra]
    parent = directory.parent
    out: list[Path] = []
    seen: set[str] = set()
    for name, where in named:
        if not plain_name(name):
            diagnostics.append(Diagnostic("layer-outside", f"`{name}` is not a layer id: a layer is named by the "
                                          "name of its folder beside the pack, never by a path", where))
            continue
        if name in seen:
            continue
        seen.add(name)
        folder = parent / name
        if folder.resolve() == directory.resolve():
            diagnostics.append(Diagnostic("layer-missing", f"pack `{pack_id}` names itself as a layer", where))
            continue
        if not (folder / "pack.yaml").is_file():
            diagnostics.append(Diagnostic("layer-missing", f"no layer `{name}` beside the pack (a folder "
                                          f"`{display_path(folder)}` with a pack.yaml)", where))
            continue
        if folder.is_symlink() or folder.resolve().parent != parent.resolve():
            diagnostics.append(Diagnostic("layer-outside", f"layer `{name}` resolves outside the folder holding "
                                          "the pack (a symlink?)", where, "a layer is a real folder beside the pack"))
            continue
        if pack_id not in supplemented(folder):
            diagnostics.append(Diagnostic("layer-not-supplementing", f"`{display_path(folder)}` does not declare "
                                          f"`supplements: [{pack_id}]`", where,
                                          "a layer says in its pack.yaml which packs it supplements"))
            continue
        out.append(folder)
    return out


def unnamed_layers(directory: Path, pack_id: str, loaded: Sequence[Path], doc) -> list[Diagnostic]:
    """A warning `layer-not-named` for each folder beside the pack that supplements it but is not loaded."""
    from .load import display_path, supplemented
    names = {p.name for p in loaded}
    out = []
    try:
        siblings = sorted(p for p in directory.parent.iterdir() if p.name not in names and p != directory)
    except OSError:
        return []
    for folder in siblings:
        try:
            if not (folder / "pack.yaml").is_file():
                continue
        except OSError:
            continue
        if pack_id in supplemented(folder):
            out.append(Diagnostic("layer-not-named", f"`{display_path(folder)}` declares `supplements: [{pack_id}]` "
                                  f"but is not named in `layers:`: it is not loaded", _position(doc, ("id",)),
                                  f"to load it, add `layers: [{folder.name}]` to pack.yaml (or name it in the call)",
                                  severity="warning"))
    return out
