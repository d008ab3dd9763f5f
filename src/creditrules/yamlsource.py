"""Load stage, part 1: YAML read node by node, every value keeping its file:line:column.

Strict where PyYAML is loose: duplicate keys are errors; dates stay strings until a model checks them (so
`2024-02-30` is a clear error, not a crash); only `true`/`false` are booleans (`no` stays the string "no").
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import Diagnostic, Position


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader without timestamp or yes/no/on/off resolution."""


_StrictLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictLoader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                    list("tTfF"))

Path_ = tuple  # a path into a document: keys and list indexes


@dataclass
class YamlDocument:
    """A YAML document as plain Python values plus the position of every node."""
    file: str
    data: Any
    positions: dict[tuple, Position] = field(default_factory=dict)
    key_positions: dict[tuple, Position] = field(default_factory=dict)

    def position(self, path: tuple = (), *, key: bool = False) -> Position:
        """The position of the node at `path`, or of its nearest ancestor that has one."""
        path = tuple(path)
        if key and path in self.key_positions:
            return self.key_positions[path]
        while path:
            if path in self.positions:
                return self.positions[path]
            path = path[:-1]
        return self.positions.get((), Position(self.file, 1, 1))


def _pos(file: str, node: yaml.Node) -> Position:
    return Position(file, node.start_mark.line + 1, node.start_mark.column + 1)


def _construct(doc: YamlDocument, loader: _StrictLoader, node: yaml.Node, path: tuple,
               diagnostics: list[Diagnostic]) -> Any:
    doc.positions[path] = _pos(doc.file, node)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        result: dict = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if isinstance(key, (list, dict)):
                diagnostics.append(Diagnostic("yaml-key", "a mapping key must be a plain value", _pos(doc.file, key_node)))
                continue
            key = str(key) if not isinstance(key, (int, str)) else key
            if key in result:
                first = doc.key_positions[path + (key,)]
                diagnostics.append(Diagnostic("duplicate-key", f"duplicate key `{key}`", _pos(doc.file, key_node),
                                              hint=f"first given at line {first.line}"))
                continue
            doc.key_positions[path + (key,)] = _pos(doc.file, key_node)
            result[key] = _construct(doc, loader, value_node, path + (key,), diagnostics)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_construct(doc, loader, child, path + (i,), diagnostics) for i, child in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def load_yaml_text(text: str, file: str) -> tuple[list[YamlDocument], list[Diagnostic]]:
    """Every document in `text`; syntax errors become diagnostics with their position."""
    diagnostics: list[Diagnostic] = []
    docs: list[YamlDocument] = []
    loader = _StrictLoader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            doc = YamlDocument(file=file, data=None)
            doc.data = _construct(doc, loader, node, (), diagnostics) if node is not None else None
            docs.append(doc)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        position = Position(file, mark.line + 1, mark.column + 1) if mark else Position(file)
        diagnostics.append(Diagnostic("yaml-syntax", f"{exc.problem or 'invalid YAML'}"
                                      + (f" {exc.context}" if exc.context else ""), position))
    except yaml.YAMLError as exc:  # pragma: no cover - PyYAML raises marked errors for text input
        diagnostics.append(Diagnostic("yaml-syntax", str(exc), Position(file)))
    finally:
        loader.dispose()
    return docs, diagnostics


def load_yaml_file(path: Path | str, display: str | None = None) -> tuple[YamlDocument | None, list[Diagnostic]]:
    """One YAML document from a file (an empty file is None)."""
    name = display or str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Diagnostic("file-unreadable", f"cannot read file: {exc}", Position(name))]
    docs, diagnostics = load_yaml_text(text, name)
    if len(docs) > 1:
        diagnostics.append(Diagnostic("yaml-multiple-documents", "expected one YAML document, found "
                                      f"{len(docs)}", docs[1].position()))
    return (docs[0] if docs else YamlDocument(name, None, {(): Position(name, 1, 1)})), diagnostics
