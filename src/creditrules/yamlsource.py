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

try:                     # libyaml's events where the C extension is there (_FastLoader)
    from yaml.cyaml import CParser as _CParser
except ImportError:      # pragma: no cover - PyYAML built without libyaml
    _CParser = None

from .errors import Diagnostic, Position, shorten

MAX_NODES = 100_000      # values in one document, every alias counted as the whole of what it refers to
MAX_DEPTH = 64           # lists and mappings nested inside one another (a pack file nests about 15)


class _Limit(Exception):
    """A document over a limit, or an alias that contains itself: reported at `mark`, never built."""

    def __init__(self, message: str, mark):
        super().__init__(message)
        self.message, self.mark = message, mark


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader without timestamp or yes/no/on/off resolution, and with limits: an alias bomb (billion laughs,
    many aliases of one big anchor), an alias inside what it refers to, or nesting deeper than MAX_DEPTH stops
    composing with a `_Limit` before anything is expanded (composing shares aliased nodes: it is cheap)."""

    _depth = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            node = self.anchors.get(event.anchor)
            if node is not None and not hasattr(node, "_size"):
                raise _Limit(f"the alias `*{event.anchor}` is inside the node `&{event.anchor}` it refers to: "
                             "a structure that contains itself", event.start_mark)
            return super().compose_node(parent, index)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _Limit(f"nested too deeply: more than {MAX_DEPTH} levels of lists and mappings",
                         self.peek_event().start_mark)
        node = super().compose_node(parent, index)
        self._depth -= 1
        if isinstance(node, yaml.SequenceNode):
            size = 1 + sum(child._size for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            size = 1 + sum(key._size + value._size for key, value in node.value)
        else:
            size = 1
        if size > MAX_NODES:
            raise _Limit(f"too many values: more than {MAX_NODES:,} once every alias is expanded"
                         + (" (an alias bomb?)" if size > 10 * MAX_NODES or self.anchors else ""), node.start_mark)
        node._size = size
        return node


_StrictLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool",
                                                              "tag:yaml.org,2002:int", "tag:yaml.org,2002:float")]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictLoader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                    list("tTfF"))
# Numbers as YAML 1.2 writes them, not 1.1's octal `017`, hex `0x1F`, binary `0b1111`, sexagesimal `1:30` or
# `2_0_2_4` (issue 13): those stay text, so a whole-number field says it wants a number instead of reading 15.
_StrictLoader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"),
                                    list("-+0123456789"))
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^(?:[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+0123456789."))



class _FastLoader(_StrictLoader):
    """The same loader, with libyaml scanning and parsing (the events come from `yaml.CParser`; composing, the
    limits and constructing stay the Python ones above). About ten times faster on a pack; used for documents
    that load cleanly -- any problem is read again by the pure-Python loader, so every message and position is
    the one documented (see `load_yaml_text`)."""

    def __init__(self, stream):
        self._events = _CParser(stream)
        yaml.composer.Composer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)

    def check_event(self, *choices):
        return self._events.check_event(*choices)

    def peek_event(self):
        return self._events.peek_event()

    def get_event(self):
        event = self._events.get_event()
        if getattr(event, "style", None) == "":      # libyaml says "" for a plain scalar, PyYAML None
            event.style = None
        return event

    def dispose(self):
        self._events.dispose()


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


_BREAKS = "\n\x85\u2028\u2029"


def _position_at(file: str, text: str, mark, index: int) -> Position:
    """The position of `text[index]`, counted from `mark` (before it) the way PyYAML counts lines."""
    line, column = mark.line, mark.column
    for i in range(mark.index, index):
        ch = text[i]
        if ch in _BREAKS or (ch == "\r" and text[i + 1:i + 2] != "\n"):
            line, column = line + 1, 0
        else:
            column += 1
    return Position(file, line + 1, column + 1)


# Full-width punctuation typed where YAML needs ASCII (a Chinese input method left on). Only where it can hardly
# be text: a key, or a whole document, that starts with a plain ASCII name and a full-width colon (`id：x`); a
# value or list item that is ASCII on both sides of one (`- fraud：x`); a full-width comma between plain ASCII
# names in a flow list (`[a，b]`). Chinese text with full-width commas and colons is left alone.
_NAME = r"[A-Za-z_][A-Za-z0-9_.-]*"
_FW_COLON_START = re.compile(rf"{_NAME}[ \t]*：")
_FW_COLON_ASCII = re.compile(rf"{_NAME}[ \t]*：[ \t]*[\x21-\x7e][\x20-\x7e]*")
_FW_COLON_LINE = re.compile(rf"(?:^|(?<=[\s{{\[,]))(?:-[ \t]+)*{_NAME}[ \t]*(：)", re.M)
_FW_COMMAS = "，、"


def _fullwidth(doc: YamlDocument, text: str, node: yaml.ScalarNode, in_flow: bool,
               key_like: bool) -> Diagnostic | None:
    if node.style is not None or not text or not isinstance(node.value, str):
        return None
    value = node.value
    source = text[node.start_mark.index:node.end_mark.index]
    colon = _FW_COLON_START.match(value) if key_like else _FW_COLON_ASCII.fullmatch(value)
    if colon and "：" in source:
        where = _position_at(doc.file, text, node.start_mark, node.start_mark.index + source.index("："))
        return Diagnostic("yaml-syntax", f"a full-width colon `：` at {where.line}:{where.column} where YAML "
                          "needs an ASCII colon and a space (`key: value`)", where,
                          "switch the input method to half-width, or quote the text if the colon belongs to it")
    if in_flow:
        for comma in _FW_COMMAS:
            if comma in value and comma in source and any(re.fullmatch(_NAME, part.strip())
                                                          for part in value.split(comma)):
                where = _position_at(doc.file, text, node.start_mark, node.start_mark.index + source.index(comma))
                return Diagnostic("yaml-syntax", f"a full-width comma `{comma}` at {where.line}:{where.column} "
                                  "inside a flow list or mapping, where YAML separates items with an ASCII comma "
                                  "`,`", where, "switch the input method to half-width, or quote the item if the "
                                  "comma belongs to it")
    return None


def _scalar(doc: YamlDocument, loader: _StrictLoader, node: yaml.Node, diagnostics: list[Diagnostic]) -> Any:
    try:
        return loader.construct_object(node, deep=True)
    except (ValueError, TypeError, OverflowError) as exc:      # e.g. an integer of 5,000 digits
        reason = "a number too long to read" if "digits" in str(exc) else "a value that cannot be read"
        diagnostics.append(Diagnostic("yaml-value", f"{reason} (quote it to keep it as text)", _pos(doc.file, node)))
        return node.value if isinstance(node, yaml.ScalarNode) else None


def _construct(doc: YamlDocument, loader: _StrictLoader, node: yaml.Node, path: tuple,
               diagnostics: list[Diagnostic], text: str = "", in_flow: bool = False) -> Any:
    doc.positions[path] = _pos(doc.file, node)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        result: dict = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                found = _fullwidth(doc, text, key_node, bool(node.flow_style), True)
                if found:
                    diagnostics.append(found)
            key = _scalar(doc, loader, key_node, diagnostics)
            if isinstance(key, (list, dict, set)):
                diagnostics.append(Diagnostic("yaml-key", "a mapping key must be a plain value",
                                              _pos(doc.file, key_node)))
                continue
            key = str(key) if not isinstance(key, (int, str)) else key
            if key in result:
                first = doc.key_positions[path + (key,)]
                diagnostics.append(Diagnostic("duplicate-key", f"duplicate key `{shorten(str(key))}`",
                                              _pos(doc.file, key_node), hint=f"first given at line {first.line}"))
                continue
            doc.key_positions[path + (key,)] = _pos(doc.file, key_node)
            result[key] = _construct(doc, loader, value_node, path + (key,), diagnostics, text, bool(node.flow_style))
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_construct(doc, loader, child, path + (i,), diagnostics, text, bool(node.flow_style))
                for i, child in enumerate(node.value)]
    if isinstance(node, yaml.ScalarNode):
        found = _fullwidth(doc, text, node, in_flow, not path)
        if found:
            diagnostics.append(found)
    return _scalar(doc, loader, node, diagnostics)


_TOKENS = {"?": "a key", ":": "`:`", "-": "a list item `-`", ",": "`,`", "[": "`[`", "]": "`]`", "{": "`{`",
           "}": "`}`", "<scalar>": "a value", "<alias>": "an alias `*...`", "<anchor>": "an anchor `&...`",
           "<tag>": "a tag `!...`", "<block mapping start>": "a new mapping", "<block sequence start>": "a new list",
           "<block end>": "the end of an indented block", "<stream end>": "the end of the file",
           "<document start>": "`---`", "<document end>": "`...`", "<directive>": "a `%` directive"}


def _token(found: str) -> str:
    match = re.search(r"but (?:found|got) '(.*)'$", found)
    return _TOKENS.get(match.group(1), f"`{match.group(1)}`") if match else "something else"


def _plain_words(exc: yaml.MarkedYAMLError) -> str:
    """PyYAML's wording of a syntax error, said plainly (the position stays the one PyYAML gives)."""
    problem, context = exc.problem or "", exc.context or ""
    at = exc.context_mark
    opened = f" (opened at line {at.line + 1}, column {at.column + 1})" if at is not None else ""
    if problem.startswith("found character '\\t'") or "tab character" in problem:
        return "a tab character: YAML indents with spaces, never tabs"
    if problem.startswith("found character") and "cannot start any token" in problem:
        found = re.search(r"found character (.+?) that", problem)
        ch = found.group(1) if found else "here"
        return f"the character {ch} cannot begin a value here: put the value in quotes"
    if problem == "mapping values are not allowed here":
        return ("a `:` where no `key: value` may begin: quote a value that contains `: `, or check this line's "
                "indentation")
    if problem == "could not find expected ':'":
        return f"a line inside a mapping has no `key: value` colon (an ASCII `:` and a space){opened}"
    if problem.startswith("found unexpected end of stream") and "quoted" in context:
        return f"a quoted text is not closed: the file ends before its closing quote{opened}"
    if problem.startswith("found unexpected document separator") and "quoted" in context:
        return f"a quoted text is not closed before `---`{opened}"
    if problem.startswith("found unknown escape character"):
        return "an unknown `\\` escape in a double-quoted text: use single quotes, or write `\\\\`"
    if problem.startswith("expected ',' or ']'"):
        return f"in a `[...]` list, expected `,` between items or `]` at its end, found {_token(problem)}{opened}"
    if problem.startswith("expected ',' or '}'"):
        return f"in a `{{...}}` mapping, expected `,` between items or `}}` at its end, found {_token(problem)}{opened}"
    if problem.startswith("expected <block end>"):
        what = "list" if "collection" in context or "sequence" in context else "mapping"
        return (f"found {_token(problem)} where the indented {what} above should have ended: check this line's "
                "indentation")
    if problem == "did not find expected key":
        return "expected another `key: value` at this indentation: check the indentation, or quote the value"
    if problem == "did not find expected '-' indicator":
        return "expected another list item `- ...` at this indentation: check the indentation"
    if problem.startswith("expected the node content") or problem == "did not find expected node content":
        return f"expected a value here, found {_token(problem)}"
    if problem.startswith("expected '<document start>'"):
        return f"found {_token(problem)} after the document's end: check the indentation of this line"
    if problem.startswith("found undefined alias"):
        name = problem.rsplit(" ", 1)[-1].strip("'")
        return f"`*{name}` refers to an anchor `&{name}` that is not defined before it"
    if context.startswith("found duplicate anchor"):
        anchor = re.search(r"anchor '(.*)'", context)
        return f"the anchor `&{anchor.group(1) if anchor else '...'}` is defined twice (an anchor name is given once)"
    if problem.startswith("could not determine a constructor for the tag"):
        return f"an unknown tag {problem.rsplit(' ', 1)[-1]} (tags `!...` are not used in these files)"
    if problem.startswith("expected alphabetic or numeric character"):
        return "an anchor or alias name (after `&` or `*`) must be letters or digits"
    return (problem or "invalid YAML") + (f" {context}" if context else "")


def _fullwidth_near(file: str, text: str, exc: yaml.MarkedYAMLError) -> Position | None:
    """A full-width colon after a plain name close before the error (PyYAML reports the line after it)."""
    mark = exc.problem_mark
    if mark is None or not text:
        return None
    low = min(mark.index, exc.context_mark.index if exc.context_mark is not None else mark.index)
    begin = text.rfind("\n", 0, max(text.rfind("\n", 0, low), 0)) + 1      # the line before, from its start
    end = text.find("\n", mark.index)
    end = len(text) if end < 0 else end
    hits = [m.start(1) for m in _FW_COLON_LINE.finditer(text, begin, end)]
    if not hits:
        return None
    index = max((i for i in hits if i < mark.index), default=hits[0])
    return _text_position(file, text, index)


def _text_position(file: str, text: str, index: int) -> Position:
    line = text.count("\n", 0, index)
    return Position(file, line + 1, index - (text.rfind("\n", 0, index) + 1) + 1)


def load_yaml_text(text: str, file: str) -> tuple[list[YamlDocument], list[Diagnostic]]:
    """Every document in `text`; syntax errors become diagnostics with their position, said in plain words.

    Never raises for bad text: a control character, an alias bomb or an alias inside what it refers to, more
    than MAX_NODES values once aliases are expanded, nesting deeper than MAX_DEPTH, a number too long to read,
    a full-width colon or comma where YAML needs an ASCII one: each is a diagnostic with its line:column."""
    if _FAST:
        try:
            docs, diagnostics = _load(text, file, _FastLoader)
            if not diagnostics:
                return docs, diagnostics
        except Exception:           # anything the fast path trips on is read again, and reported, by the slow one
            pass
    return _load(text, file, _StrictLoader)


_FAST = _CParser is not None


def _load(text: str, file: str, loader_class) -> tuple[list[YamlDocument], list[Diagnostic]]:
    diagnostics: list[Diagnostic] = []
    docs: list[YamlDocument] = []
    loader = None
    try:
        loader = loader_class(text)
        while loader.check_node():
            node = loader.get_node()
            doc = YamlDocument(file=file, data=None)
            doc.data = _construct(doc, loader, node, (), diagnostics, text) if node is not None else None
            docs.append(doc)
    except _Limit as exc:
        mark = exc.mark
        diagnostics.append(Diagnostic("yaml-limit", exc.message,
                                      Position(file, mark.line + 1, mark.column + 1) if mark else Position(file)))
    except yaml.reader.ReaderError as exc:
        ch = exc.character if isinstance(exc.character, str) else chr(exc.character)
        diagnostics.append(Diagnostic("yaml-syntax", f"the character U+{ord(ch):04X} is not allowed in a YAML file "
                                      "(a control character)", _text_position(file, text, exc.position),
                                      "remove it, or write it as an escape in double quotes, e.g. \"\\x00\""))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        position = Position(file, mark.line + 1, mark.column + 1) if mark else Position(file)
        raw = (exc.problem or "") + (f" {exc.context}" if exc.context else "")
        colon = _fullwidth_near(file, text, exc) if isinstance(exc, (yaml.scanner.ScannerError,
                                                                     yaml.parser.ParserError)) else None
        if colon is not None:
            diagnostics.append(Diagnostic("yaml-syntax", f"a full-width colon `：` at {colon.line}:{colon.column} "
                                          "where YAML needs an ASCII colon and a space (`key: value`)", colon,
                                          f"switch the input method to half-width; the YAML reader stopped at "
                                          f"{position.line}:{position.column}: {_plain_words(exc)}"))
        else:
            diagnostics.append(Diagnostic("yaml-syntax", _plain_words(exc), position,
                                          hint="" if _plain_words(exc) == raw else f"YAML parser: {raw}"))
    except RecursionError:              # pragma: no cover - MAX_DEPTH stops nesting long before
        diagnostics.append(Diagnostic("yaml-limit", "nested too deeply", Position(file)))
    except yaml.YAMLError as exc:  # pragma: no cover - PyYAML raises marked errors for text input
        diagnostics.append(Diagnostic("yaml-syntax", str(exc), Position(file)))
    finally:
        if loader is not None:
            loader.dispose()
    return docs, diagnostics


def load_yaml_file(path: Path | str, display: str | None = None) -> tuple[YamlDocument | None, list[Diagnostic]]:
    """One YAML document from a file (an empty file is None)."""
    name = display or str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        return None, [Diagnostic("file-unreadable", f"cannot read file: {exc.strerror or exc}", Position(name))]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = len(raw[raw.rfind(b"\n", 0, exc.start) + 1:exc.start].decode("utf-8", "replace")) + 1
        return None, [Diagnostic("file-unreadable", "the file is not UTF-8 text (save it as UTF-8)",
                                 Position(name, line, column))]
    docs, diagnostics = load_yaml_text(text, name)
    if len(docs) > 1:
        diagnostics.append(Diagnostic("yaml-multiple-documents", "expected one YAML document, found "
                                      f"{len(docs)}", docs[1].position()))
    return (docs[0] if docs else YamlDocument(name, None, {(): Position(name, 1, 1)})), diagnostics
