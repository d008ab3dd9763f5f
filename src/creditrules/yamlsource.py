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

    def __init__(self, message: str, mark, message_zh: str = ""):
        super().__init__(message)
        self.message, self.mark, self.message_zh = message, mark, message_zh


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
                             "a structure that contains itself", event.start_mark,
                             f"别名 `*{event.anchor}` 位于它所引用的 `&{event.anchor}` 之内：结构包含了它自己")
            return super().compose_node(parent, index)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _Limit(f"nested too deeply: more than {MAX_DEPTH} levels of lists and mappings",
                         self.peek_event().start_mark, f"嵌套太深：列表和映射超过 {MAX_DEPTH} 层")
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
                         + (" (an alias bomb?)" if size > 10 * MAX_NODES or self.anchors else ""), node.start_mark,
                         f"值太多：展开全部别名后超过 {MAX_NODES:,} 个")
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
# value or list item that is ASCII on both sides of one (`- fraud：x`); an unquoted value or key made of nothing but
# ASCII names and full-width punctuation (`bribery、tax_evasion`, `“kind”`, `【bribery】`, `— bribery`). A value
# with Chinese text in it, or quoted, is never flagged: titles, notes and warnings use 【】“”，：legitimately.
_NAME = r"[A-Za-z_][A-Za-z0-9_.-]*"
_FW_COLON_START = re.compile(rf"{_NAME}[ \t]*：")
_FW_COLON_ASCII = re.compile(rf"{_NAME}[ \t]*：[ \t]*[\x21-\x7e][\x20-\x7e]*")
_FW_COLON_LINE = re.compile(rf"(?:^|(?<=[\s{{\[,]))(?:-[ \t]+)*{_NAME}[ \t]*(：)", re.M)

# each full-width character: (its name in English, in Chinese, what to write instead in English, in Chinese)
_LIST_COMMA = ("YAML needs the half-width `,` here, between the items of a list `[a, b]`",
               "这里 YAML 需要半角逗号 `,`（列表写作 `[a, b]`）")
_DOUBLE_QUOTE = ('YAML needs the half-width `"` here, or no quotes at all (a name needs none)',
                 '这里 YAML 需要半角引号 `"`，或者不加引号（名称不需要引号）')
_SINGLE_QUOTE = ("YAML needs the half-width `'` here, or no quotes at all (a name needs none)",
                 "这里 YAML 需要半角引号 `'`，或者不加引号（名称不需要引号）")
_NOT_IN_A_NAME = ("a name has only letters, digits and `_`: remove it", "名称只能由字母、数字和 `_` 组成：请去掉它")
_LIST_DASH = ("YAML needs the half-width `-` and a space here to begin a list item (`- name`)",
              "这里 YAML 需要半角减号 `-` 加一个空格来开始一个列表项（`- 名称`）")
_FULLWIDTH: dict[str, tuple[str, str, str, str]] = {
    "：": ("colon", "冒号", "YAML needs the half-width `:` and a space here (`key: value`)",
          "这里 YAML 需要半角冒号 `:` 加一个空格（`键: 值`）"),
    "，": ("comma", "逗号", *_LIST_COMMA),
    "、": ("comma", "顿号", *_LIST_COMMA),
    "；": ("semicolon", "分号", *_LIST_COMMA),
    "【": ("bracket", "方括号", "YAML needs the half-width `[` here", "这里 YAML 需要半角方括号 `[`"),
    "】": ("bracket", "方括号", "YAML needs the half-width `]` here", "这里 YAML 需要半角方括号 `]`"),
    "｛": ("brace", "花括号", "YAML needs the half-width `{` here", "这里 YAML 需要半角花括号 `{`"),
    "｝": ("brace", "花括号", "YAML needs the half-width `}` here", "这里 YAML 需要半角花括号 `}`"),
    "“": ("quote", "引号", *_DOUBLE_QUOTE),
    "”": ("quote", "引号", *_DOUBLE_QUOTE),
    "‘": ("quote", "引号", *_SINGLE_QUOTE),
    "’": ("quote", "引号", *_SINGLE_QUOTE),
    "（": ("parenthesis", "括号", *_NOT_IN_A_NAME),
    "）": ("parenthesis", "括号", *_NOT_IN_A_NAME),
    "—": ("dash", "破折号", *_LIST_DASH),
    "－": ("dash", "减号", *_LIST_DASH),
}
_FW_SEPARATORS = re.compile("[" + "".join(ch for ch in _FULLWIDTH if ch not in "—－") + r",\[\]{}\"']")
_FW_SEPARATORS_DASH = re.compile("[" + "".join(_FULLWIDTH) + r",\[\]{}\"']")
_FW_ITEM = re.compile(r"[A-Za-z0-9_.\-]+")          # what stays between them: a name, a number, a date, `3.1.1`
_FW_DASH_ITEM = re.compile(r"^[—－][ \t]")             # a list item begun with a full-width dash: `— bribery`
_FW_HINT = ("switch the input method to half-width (半角), or put the text in quotes if the character belongs to it",
            "请把输入法切换到半角；如果这个符号本来就是文字的一部分，请给整段文字加上引号")


def _fullwidth_words(ch: str, where: Position, hint: tuple[str, str] = _FW_HINT) -> Diagnostic:
    """The diagnostic for the full-width `ch` at `where`, in plain words (English and Chinese)."""
    name, name_zh, need, need_zh = _FULLWIDTH[ch]
    code = f"U+{ord(ch):04X}"
    return Diagnostic("yaml-syntax", f"full-width {name} `{ch}` ({code}) at line {where.line}, column {where.column}: "
                      f"{need}", where, hint[0],
                      message_zh=f"第 {where.line} 行第 {where.column} 列是全角{name_zh} `{ch}`（{code}）：{need_zh}",
                      hint_zh=hint[1])


def _names_and_fullwidth(value: str) -> str | None:
    """The first full-width character of `value` when the value is only ASCII names and full-width punctuation
    (never Chinese text: a character outside ASCII and the table, or words with spaces between them, say text)."""
    found = next((ch for ch in value if ch in _FULLWIDTH), None)
    if found is None or not all(ch.isascii() or ch in _FULLWIDTH for ch in value):
        return None
    dash = _FW_DASH_ITEM.match(value)
    if found in "—－" and not dash:
        return None
    parts = [part.strip() for part in (_FW_SEPARATORS_DASH if dash else _FW_SEPARATORS).split(value)]
    if any(part and not _FW_ITEM.fullmatch(part) for part in parts) or not any(parts):
        return None
    return found


def _fullwidth(doc: YamlDocument, text: str, node: yaml.ScalarNode, in_flow: bool,
               key_like: bool) -> Diagnostic | None:
    if node.style is not None or not text or not isinstance(node.value, str) or node.value.isascii():
        return None
    value = node.value
    source = text[node.start_mark.index:node.end_mark.index]
    colon = _FW_COLON_START.match(value) if key_like else _FW_COLON_ASCII.fullmatch(value)
    if colon and "：" in source:
        where = _position_at(doc.file, text, node.start_mark, node.start_mark.index + source.index("："))
        return _fullwidth_words("：", where)
    found = _names_and_fullwidth(value)
    if found is not None and found in source:
        first = min(source.index(ch) for ch in _FULLWIDTH if ch in source)
        where = _position_at(doc.file, text, node.start_mark, node.start_mark.index + first)
        return _fullwidth_words(source[first], where)
    return None


_GLUED = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*:(?=[^\s:])")    # `kind:x`: a name, a colon, no space after it


def _glued_key(doc: YamlDocument, text: str, key_node: yaml.ScalarNode, value_node: yaml.Node) -> Diagnostic | None:
    """Inside `{...}`, `kind:x` (no space after the colon) is read by YAML as one key `kind:x` with no value:
    said at the colon, as the same mistake outside braces is (`_syntax_diagnostic`)."""
    if (key_node.style is not None or not isinstance(key_node.value, str) or ":" not in key_node.value
            or not (isinstance(value_node, yaml.ScalarNode) and value_node.value == "" and value_node.style is None)):
        return None
    glued = _GLUED.match(key_node.value)
    if glued is None:
        return None
    where = _position_at(doc.file, text, key_node.start_mark, key_node.start_mark.index + glued.end() - 1)
    return Diagnostic("yaml-syntax", f"no space after the colon `:` at line {where.line}, column {where.column}: "
                      f"YAML reads `{shorten(key_node.value)}` as one name; it needs a space after the colon "
                      "(`key: value`)", where,
                      message_zh=f"第 {where.line} 行第 {where.column} 列的冒号 `:` 后面没有空格：YAML 会把 "
                      f"`{shorten(key_node.value)}` 读成一个名称；冒号后要加一个空格（`键: 值`）")


def _scalar(doc: YamlDocument, loader: _StrictLoader, node: yaml.Node, diagnostics: list[Diagnostic]) -> Any:
    try:
        return loader.construct_object(node, deep=True)
    except (ValueError, TypeError, OverflowError) as exc:      # e.g. an integer of 5,000 digits
        long = "digits" in str(exc)
        reason = "a number too long to read" if long else "a value that cannot be read"
        diagnostics.append(Diagnostic("yaml-value", f"{reason} (quote it to keep it as text)", _pos(doc.file, node),
                                      message_zh=("数字太长，无法读取" if long else "这个值无法读取")
                                      + "（如要作为文字保留，请加引号）"))
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
                glued = _glued_key(doc, text, key_node, value_node) if node.flow_style and text else None
                if glued:
                    diagnostics.append(glued)
            key = _scalar(doc, loader, key_node, diagnostics)
            if isinstance(key, (list, dict, set)):
                diagnostics.append(Diagnostic("yaml-key", "a mapping key must be a plain value",
                                              _pos(doc.file, key_node),
                                              message_zh="映射的键必须是一个简单的值（不能是列表或映射）"))
                continue
            key = str(key) if not isinstance(key, (int, str)) else key
            if key in result:
                first = doc.key_positions[path + (key,)]
                name = shorten(str(key))
                diagnostics.append(Diagnostic("duplicate-key", f"duplicate key `{name}`", _pos(doc.file, key_node),
                                              hint=f"first given at line {first.line}",
                                              message_zh=f"键 `{name}` 重复出现：同一层里每个键只能写一次",
                                              hint_zh=f"第一次出现在第 {first.line} 行；请删去一处，或合并两处的内容"))
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


# what PyYAML names a token, in English and in Chinese
_TOKENS = {"?": ("a key", "一个键"), ":": ("`:`", "`:`"), "-": ("a list item `-`", "列表项 `-`"),
           ",": ("`,`", "`,`"), "[": ("`[`", "`[`"), "]": ("`]`", "`]`"), "{": ("`{`", "`{`"), "}": ("`}`", "`}`"),
           "<scalar>": ("a value", "一个值"), "<alias>": ("an alias `*...`", "别名 `*...`"),
           "<anchor>": ("an anchor `&...`", "锚点 `&...`"), "<tag>": ("a tag `!...`", "标签 `!...`"),
           "<block mapping start>": ("a new mapping", "新的“键: 值”映射"),
           "<block sequence start>": ("a new list", "新的列表"),
           "<block end>": ("the end of an indented block", "缩进块的结束"),
           "<stream end>": ("the end of the file", "文件结尾"), "<document start>": ("`---`", "`---`"),
           "<document end>": ("`...`", "`...`"), "<directive>": ("a `%` directive", "`%` 指令")}


def _token(found: str) -> tuple[str, str]:
    match = re.search(r"but (?:found|got) '(.*)'$", found)
    if not match:
        return "something else", "别的内容"
    return _TOKENS.get(match.group(1), (f"`{match.group(1)}`", f"`{match.group(1)}`"))


Words = tuple[str, str]       # a sentence in English and in Chinese


def _plain_words(exc: yaml.MarkedYAMLError) -> Words:
    """PyYAML's wording of a syntax error, said plainly in English and Chinese (at the position PyYAML gives)."""
    problem, context = exc.problem or "", exc.context or ""
    at = exc.context_mark
    opened = f" (opened at line {at.line + 1}, column {at.column + 1})" if at is not None else ""
    opened_zh = f"（开头在第 {at.line + 1} 行第 {at.column + 1} 列）" if at is not None else ""
    found, found_zh = _token(problem)
    if problem.startswith("found character '\\t'") or "tab character" in problem:
        return ("a tab character: YAML indents with spaces, never tabs",
                "这里有一个制表符（Tab 键）：YAML 只能用空格缩进，不能用 Tab")
    if problem.startswith("found character") and "cannot start any token" in problem:
        match = re.search(r"found character (.+?) that", problem)
        ch = match.group(1) if match else "here"
        return (f"the character {ch} cannot begin a value here: put the value in quotes",
                f"字符 {ch} 不能作为值的开头：请给这个值加上引号")
    if problem == "mapping values are not allowed here":
        return ("a `:` where no `key: value` may begin: quote a value that contains `: `, or check this line's "
                "indentation", "这里的 `:` 不能开始一个“键: 值”：值里含有 `: ` 时请给值加引号，否则请检查本行的缩进")
    if problem == "could not find expected ':'":
        return (f"a line inside a mapping has no `key: value` colon (an ASCII `:` and a space){opened}",
                f"映射里的这一行没有“键: 值”的冒号（半角 `:` 加一个空格）{opened_zh}")
    if problem.startswith("found unexpected end of stream") and "quoted" in context:
        return (f"a quoted text is not closed: the file ends before its closing quote{opened}",
                f"引号没有闭合：直到文件结尾都没有找到结尾的引号{opened_zh}")
    if problem.startswith("found unexpected document separator") and "quoted" in context:
        return (f"a quoted text is not closed before `---`{opened}", f"引号在 `---` 之前没有闭合{opened_zh}")
    if problem.startswith("found unknown escape character"):
        return ("an unknown `\\` escape in a double-quoted text: use single quotes, or write `\\\\`",
                "双引号里有无法识别的 `\\` 转义：请改用单引号，或写成 `\\\\`")
    if problem.startswith("expected ',' or ']'"):
        return (f"in a `[...]` list, expected `,` between items or `]` at its end, found {found}{opened}",
                f"在 `[...]` 列表里，各项之间应是 `,`，末尾应是 `]`，这里却是{found_zh}{opened_zh}")
    if problem.startswith("expected ',' or '}'"):
        return (f"in a `{{...}}` mapping, expected `,` between items or `}}` at its end, found {found}{opened}",
                f"在 `{{...}}` 映射里，各项之间应是 `,`，末尾应是 `}}`，这里却是{found_zh}{opened_zh}")
    if problem.startswith("expected <block end>"):
        listed = "collection" in context or "sequence" in context
        return (f"found {found} where the indented {'list' if listed else 'mapping'} above should have ended: "
                "check this line's indentation",
                f"这里出现了{found_zh}，而上面缩进的{'列表' if listed else '映射'}到这里应已结束：请检查本行的缩进"
                "（同一层的内容要对齐）")
    if problem == "did not find expected key":
        return ("expected another `key: value` at this indentation: check the indentation, or quote the value",
                "按这一行的缩进，这里应是另一个“键: 值”：请检查缩进，或给值加引号")
    if problem == "did not find expected '-' indicator":
        return ("expected another list item `- ...` at this indentation: check the indentation",
                "按这一行的缩进，这里应是另一个列表项 `- ...`：请检查缩进")
    if problem.startswith("expected the node content") or problem == "did not find expected node content":
        return f"expected a value here, found {found}", f"这里应有一个值，却是{found_zh}"
    if problem.startswith("expected '<document start>'"):
        return (f"found {found} after the document's end: check the indentation of this line",
                f"文档已经结束，后面却还有{found_zh}：请检查本行的缩进")
    if problem.startswith("found undefined alias"):
        name = problem.rsplit(" ", 1)[-1].strip("'")
        return (f"`*{name}` refers to an anchor `&{name}` that is not defined before it",
                f"`*{name}` 引用的锚点 `&{name}` 在它之前没有定义")
    if context.startswith("found duplicate anchor"):
        match = re.search(r"anchor '(.*)'", context)
        anchor = match.group(1) if match else "..."
        return (f"the anchor `&{anchor}` is defined twice (an anchor name is given once)",
                f"锚点 `&{anchor}` 定义了两次（锚点名称只能定义一次）")
    if problem.startswith("could not determine a constructor for the tag"):
        tag = problem.rsplit(" ", 1)[-1]
        return (f"an unknown tag {tag} (tags `!...` are not used in these files)",
                f"未知的标签 {tag}（这些文件不使用 `!...` 标签）")
    if problem.startswith("expected alphabetic or numeric character"):
        return ("an anchor or alias name (after `&` or `*`) must be letters or digits",
                "锚点或别名的名称（`&` 或 `*` 之后）只能由字母或数字组成")
    raw = (problem or "invalid YAML") + (f" {context}" if context else "")
    return raw, f"YAML 格式错误：{raw}"


# A problem PyYAML reports where it stops, often a line after the mistake: the mistake itself, looked for in the
# lines from the one before the error (or before where the open bracket or quote began) to the error's line.
_FW_STRUCTURE = "：，、；【】｛｝“”‘’"
_FW_NEAR = re.compile(rf"(?<=[A-Za-z0-9_])[{_FW_STRUCTURE}]|[{_FW_STRUCTURE}](?=[A-Za-z0-9_])")
_NO_SPACE_COLON = re.compile(rf"^[ \t]*(?:-[ \t]+)*{_NAME}(:)(?=[^\s:/\\])", re.M)


def _mistake_near(file: str, text: str, exc: yaml.MarkedYAMLError) -> tuple[str, Position] | None:
    """A full-width character next to a plain name, or a `key:value` without the space, close before the error:
    (the character, its position). A full-width colon after a name comes first (it is the commonest)."""
    mark = exc.problem_mark
    if mark is None or not text:
        return None
    low = min(mark.index, exc.context_mark.index if exc.context_mark is not None else mark.index)
    begin = text.rfind("\n", 0, max(text.rfind("\n", 0, low), 0)) + 1      # the line before, from its start
    end = text.find("\n", mark.index)
    end = len(text) if end < 0 else end

    def nearest(hits: list[int]) -> int | None:
        return max((i for i in hits if i < mark.index), default=hits[0]) if hits else None

    for finder in (lambda: [m.start(1) for m in _FW_COLON_LINE.finditer(text, begin, end)],
                   lambda: [m.start() for m in _FW_NEAR.finditer(text, begin, end) if not _in_chinese(text, m.start())],
                   lambda: [m.start(1) for m in _NO_SPACE_COLON.finditer(text, begin, end)]):
        index = nearest(finder())
        if index is not None:
            return text[index], _text_position(file, text, index)
    return None


def _in_chinese(text: str, index: int) -> bool:
    """Whether the line around `text[index]` holds Chinese text (then its full-width punctuation is the text's)."""
    start, stop = text.rfind("\n", 0, index) + 1, text.find("\n", index)
    return any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text[start:stop if stop >= 0
                                                                                         else len(text)])


def _text_position(file: str, text: str, index: int) -> Position:
    line = text.count("\n", 0, index)
    return Position(file, line + 1, index - (text.rfind("\n", 0, index) + 1) + 1)


def _syntax_diagnostic(file: str, text: str, exc: yaml.MarkedYAMLError) -> Diagnostic:
    """A YAML syntax error in plain words (English and Chinese) at the place to mend: the full-width character or
    the missing space that caused it when there is one close before; the opening bracket or quote that is never
    closed; else where the reader stopped."""
    mark = exc.problem_mark or exc.context_mark
    stop = Position(file, mark.line + 1, mark.column + 1) if mark else Position(file)
    words, words_zh = _plain_words(exc)
    stopped_at = (f"the YAML reader stopped at line {stop.line}, column {stop.column}",
                  f"YAML 读到第 {stop.line} 行第 {stop.column} 列停止")
    stopped = (f"{stopped_at[0]}: {words}", f"{stopped_at[1]}：{words_zh}")
    near = _mistake_near(file, text, exc) if isinstance(exc, (yaml.scanner.ScannerError,
                                                              yaml.parser.ParserError)) else None
    if near is not None and near[0] in _FULLWIDTH:
        ch, where = near
        return _fullwidth_words(ch, where, (f"switch the input method to half-width (半角); {stopped[0]}",
                                            f"请把输入法切换到半角；{stopped[1]}"))
    if near is not None:
        where = near[1]
        return Diagnostic("yaml-syntax", f"no space after the colon `:` at line {where.line}, column {where.column}: "
                          "YAML needs a space after it (`key: value`)", where, stopped[0],
                          message_zh=f"第 {where.line} 行第 {where.column} 列的冒号 `:` 后面没有空格：YAML 要求冒号后"
                          "加一个空格（`键: 值`）", hint_zh=stopped[1])
    problem, opener = exc.problem or "", exc.context_mark
    if opener is not None and mark is not None and opener.line < mark.line:
        start = Position(file, opener.line + 1, opener.column + 1)
        if problem.startswith(("expected ',' or ']'", "expected ',' or '}'")):
            bracket, close = ("[", "]") if problem.startswith("expected ',' or ']'") else ("{", "}")
            kind, kind_zh = ("list", "列表") if bracket == "[" else ("mapping", "映射")
            return Diagnostic("yaml-syntax", f"the `{bracket}...{close}` {kind} opened here is not closed: add "
                              f"`{close}` at its end, or a `,` between two of its items", start, stopped_at[0],
                              message_zh=f"从这里开始的 `{bracket}...{close}` {kind_zh}没有闭合：请在末尾加上 "
                              f"`{close}`，或在两项之间加上 `,`", hint_zh=stopped_at[1])
        if "quoted" in (exc.context or ""):
            q = text[opener.index] if opener.index < len(text) else '"'
            return Diagnostic("yaml-syntax", f"a quoted text is not closed: the {q} here has no closing {q}", start,
                              stopped_at[0], message_zh=f"引号没有闭合：这里的 {q} 没有对应的结尾 {q}",
                              hint_zh=stopped_at[1])
    return Diagnostic("yaml-syntax", words, stop, message_zh=words_zh)


def load_yaml_text(text: str, file: str) -> tuple[list[YamlDocument], list[Diagnostic]]:
    """Every document in `text`; syntax errors become diagnostics with their position, said in plain words.

    Never raises for bad text: a control character, an alias bomb or an alias inside what it refers to, more
    than MAX_NODES values once aliases are expanded, nesting deeper than MAX_DEPTH, a number too long to read,
    a full-width colon or comma where YAML needs an ASCII one: each is a diagnostic with its line:column."""
    if _LEAN:
        lean = _load_lean(text, file)
        if lean is not None:
            return lean, []
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
                                      Position(file, mark.line + 1, mark.column + 1) if mark else Position(file),
                                      message_zh=exc.message_zh))
    except yaml.reader.ReaderError as exc:
        ch = exc.character if isinstance(exc.character, str) else chr(exc.character)
        diagnostics.append(Diagnostic("yaml-syntax", f"the character U+{ord(ch):04X} is not allowed in a YAML file "
                                      "(a control character)", _text_position(file, text, exc.position),
                                      "remove it, or write it as an escape in double quotes, e.g. \"\\x00\"",
                                      message_zh=f"YAML 文件里不能有字符 U+{ord(ch):04X}（一个控制字符）",
                                      hint_zh="请删去它，或在双引号里写成转义，例如 \"\\x00\""))
    except yaml.MarkedYAMLError as exc:
        diagnostics.append(_syntax_diagnostic(file, text, exc))
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
                                 Position(name, line, column),
                                 message_zh="文件不是 UTF-8 编码的文本（请另存为 UTF-8 编码）")]
    docs, diagnostics = load_yaml_text(text, name)
    if len(docs) > 1:
        diagnostics.append(Diagnostic("yaml-multiple-documents", "expected one YAML document, found "
                                      f"{len(docs)}", docs[1].position(),
                                      message_zh=f"一个文件只能有一个 YAML 文档，这里有 {len(docs)} 个"
                                      "（以 `---` 分隔）"))
    return (docs[0] if docs else YamlDocument(name, None, {(): Position(name, 1, 1)})), diagnostics


# ---- the lean path: composed by libyaml, built without the checks a clean document does not need -------------
# (issue 13: a 20,000-rule pack loads in under 10 s). For a document that is a plain tree of plain values it
# gives exactly what `_load` gives -- the same values, positions and key positions (tests/test_yamlsource.py
# compares them on every shipped file); anything else (an alias deeper or larger than the limits, a merge key, a
# duplicate key, a value that cannot be read, a full-width colon, a syntax error ...) makes it give up, and the
# document is read again by the loaders above, which say what is wrong.

class _Unusual(Exception):
    """Something the lean path leaves to `_load`."""


def _libyaml_bounds_nesting() -> bool:
    """libyaml (0.2.5 on) refuses more than 1,000 levels of nesting while it parses, so its composer's
    recursion is bounded; an older libyaml without that limit is not used to compose."""
    parser = _CParser("[" * 1001 + "]" * 1001)
    try:
        while parser.check_event():
            parser.get_event()
    except yaml.YAMLError:
        return True
    finally:
        parser.dispose()
    return False


_STR = "tag:yaml.org,2002:str"
_SPECIAL_KEYS = ("tag:yaml.org,2002:merge", "tag:yaml.org,2002:value")


class _ComposedLoader(_CParser if _CParser is not None else object,        # type: ignore[misc]
                      yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
    """Nodes composed by libyaml (no Python event per value), the strict loader's resolvers and constructors."""

    yaml_implicit_resolvers = _StrictLoader.yaml_implicit_resolvers

    def __init__(self, stream):
        _CParser.__init__(self, stream)
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)
        self._tags: dict = {}

    def resolve(self, kind, value, implicit):
        # a plain scalar's tag depends on its text alone (no path resolvers are added): resolved once per text
        if kind is yaml.ScalarNode and implicit[0] and not self.yaml_path_resolvers:
            tag = self._tags.get(value)
            if tag is None:
                tag = self._tags[value] = super().resolve(kind, value, implicit)
            return tag
        return super().resolve(kind, value, implicit)

    def get_node(self):
        node = super().get_node()
        if node is not None:
            _check_tree(node)
        return node


def _check_tree(root) -> None:
    """The limits of `_StrictLoader.compose_node` on a composed tree, without recursion: every visit counted (an
    alias counts as the whole of what it refers to, so a structure that contains itself ends at MAX_NODES)."""
    stack = [(root, 1)]
    visited = 0
    while stack:
        node, depth = stack.pop()
        visited += 1
        if depth > MAX_DEPTH or visited > MAX_NODES:
            raise _Unusual()
        if isinstance(node, yaml.ScalarNode):
            if node.style == "":                # libyaml says "" for a plain scalar, PyYAML None
                node.style = None
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((child, depth + 1) for child in node.value)
        else:
            for key, value in node.value:
                stack.append((key, depth + 1))
                stack.append((value, depth + 1))


def _lean_scalar(doc: YamlDocument, loader, node, text: str, in_flow: bool, key_like: bool) -> Any:
    if node.style is None and not node.value.isascii() and _fullwidth(doc, text, node, in_flow, key_like):
        raise _Unusual()
    if node.tag == _STR:
        return node.value
    try:
        return loader.construct_object(node, deep=True)
    except Exception:
        raise _Unusual() from None


def _lean(doc: YamlDocument, loader, node, path: tuple, text: str, in_flow: bool = False) -> Any:
    """`_construct` for a document with nothing to report (same values, positions and key positions)."""
    mark = node.start_mark
    doc.positions[path] = Position(doc.file, mark.line + 1, mark.column + 1)
    kind = type(node)
    if kind is yaml.MappingNode:
        flow = bool(node.flow_style)
        result: dict = {}
        for key_node, value_node in node.value:
            if type(key_node) is not yaml.ScalarNode or key_node.tag in _SPECIAL_KEYS:
                raise _Unusual()
            if flow and ":" in key_node.value:          # perhaps `{kind:x}`: the full loader says so
                raise _Unusual()
            key = _lean_scalar(doc, loader, key_node, text, flow, True)
            if isinstance(key, (list, dict, set)):
                raise _Unusual()
            key = str(key) if not isinstance(key, (int, str)) else key
            if key in result:
                raise _Unusual()
            mark = key_node.start_mark
            doc.key_positions[path + (key,)] = Position(doc.file, mark.line + 1, mark.column + 1)
            result[key] = _lean(doc, loader, value_node, path + (key,), text, flow)
        return result
    if kind is yaml.SequenceNode:
        flow = bool(node.flow_style)
        return [_lean(doc, loader, child, path + (i,), text, flow) for i, child in enumerate(node.value)]
    if kind is yaml.ScalarNode:
        return _lean_scalar(doc, loader, node, text, in_flow, not path)
    raise _Unusual()


def _load_lean(text: str, file: str) -> list[YamlDocument] | None:
    """The documents of a clean text, or None: read it with `_load`."""
    loader = None
    try:
        loader = _ComposedLoader(text)
        docs = []
        while loader.check_node():
            node = loader.get_node()
            doc = YamlDocument(file=file, data=None)
            doc.data = _lean(doc, loader, node, (), text) if node is not None else None
            docs.append(doc)
        return docs
    except Exception:                   # _Unusual, a syntax error, a limit ...: the loaders above say what it is
        return None
    finally:
        if loader is not None:
            loader.dispose()


_LEAN = _CParser is not None and _libyaml_bounds_nesting()
