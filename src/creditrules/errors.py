"""Diagnostics: errors and warnings with a stable code, a place and a plain message (OPA/Cedar style).

Messages are lowercase, without a final period, user input in backticks; help ("did you mean") kept apart.
"""
from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Position:
    file: str = ""
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if not self.file:
            return "<input>"
        if not self.line:
            return self.file
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Diagnostic:
    code: str
    message: str
    position: Position = field(default_factory=Position)
    hint: str = ""
    severity: str = "error"
    message_zh: str = ""        # the message and hint in Chinese, where the engine words them in both languages
    hint_zh: str = ""           # (YAML syntax and full-width punctuation: yamlsource.py); `text("zh")` shows them

    def sort_key(self):
        return (self.position.file, self.position.line, self.position.column, self.code, self.message)

    def __str__(self) -> str:
        text = f"{self.position}: {self.severity} {self.code}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text

    def text(self, lang: str = "en") -> str:
        """The diagnostic as a line in `lang`: in Chinese where it has a Chinese message, else as `str()` says it."""
        if lang != "zh" or not self.message_zh:
            return str(self)
        text = f"{self.position}: {_SEVERITY_ZH.get(self.severity, self.severity)} {self.code}：{self.message_zh}"
        return f"{text}（{self.hint_zh}）" if self.hint_zh else text

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "file": self.position.file,
                "line": self.position.line, "column": self.position.column, "hint": self.hint,
                "severity": self.severity}


_SEVERITY_ZH = {"error": "错误", "warning": "警告"}


class CreditRulesError(Exception):
    """Bad input or an invalid pack: carries every diagnostic found, sorted by position."""

    def __init__(self, diagnostics: Iterable[Diagnostic]):
        self.diagnostics = sorted(diagnostics, key=Diagnostic.sort_key)
        super().__init__("\n".join(str(d) for d in self.diagnostics))


class InputError(CreditRulesError):
    """An event (or a batch line) that does not fit the contract."""


class PackError(CreditRulesError):
    """A policy pack that does not load or validate."""


def did_you_mean(name: object, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(str(name), list(choices), n=1, cutoff=0.6)
    return f"did you mean `{close[0]}`?" if close else ""


def allowed(choices: Iterable[str], limit: int = 12) -> str:
    items = sorted(choices)
    shown = ", ".join(items[:limit])
    return f"allowed: {shown}" + (f", ... ({len(items)} in all)" if len(items) > limit else "")


def hint_zh(name: object, choices: Iterable[str], limit: int = 12) -> str:
    """`did_you_mean` and `allowed` in Chinese: 是不是 `x`？可用的有：a, b, ……（共 N 个）."""
    items = sorted(choices)
    close = difflib.get_close_matches(str(name), items, n=1, cutoff=0.6)
    shown = ", ".join(items[:limit]) + (f", ……（共 {len(items)} 个）" if len(items) > limit else "")
    return (f"是不是 `{close[0]}`？" if close else "") + f"可用的有：{shown}"


QUOTE_LIMIT = 60


def shorten(text: str, limit: int = QUOTE_LIMIT) -> str:
    """`text` cut to its first `limit` characters plus "…" when longer (messages never quote input in full)."""
    return text if len(text) <= limit else text[:limit] + "…"


def quote(value: object, limit: int = QUOTE_LIMIT) -> str:
    """A user value as messages show it (inside backticks): str() of it, shortened; never raises.

    Bytes are shown as `b'...'`, a very long integer by its number of digits (str() of it would raise)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 200:
        return f"<a number of about {int(abs(value).bit_length() * 0.30103) + 1} digits>"
    try:
        text = (value if isinstance(value, str)
                else repr(value) if isinstance(value, (bytes, bytearray)) else str(value))
    except Exception:                       # a hostile __str__: say what it is, not what it says
        text = f"<{type(value).__name__}>"
    if len(text) > 10 * limit:              # never walk a huge text for the backslash-escaping below
        text = text[: limit + 1]
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")      # lone surrogates cannot be printed
    return shorten(text.replace("\n", "\\n").replace("`", "'"), limit)


class UsageError(CreditRulesError):
    """The call itself is wrong (an unknown jurisdiction name, evaluator or option): exit 2 on the command line."""
