"""Load stage: a pack folder -> `model.Pack`, every node with its position, every error collected.

This stage checks shape (keys, types, dates, citation syntax); names, citations against the law text, the ledger
and rule references are checked by `validate`.

A pack is untrusted input, so the loader reads nothing outside the pack folder and nothing that is not a regular
file of a sane size:

- a document's `source:` is a relative path inside the pack folder: an absolute path, a `..` part, or a symlink
  that resolves outside the folder is `source-outside-pack` (at the YAML position of the value);
- a source that is not a regular file (a folder, a FIFO, a device such as /dev/zero) is `source-not-file`; its
  type is checked with `stat` before it is opened (and again on the open descriptor), so nothing blocks;
- a source larger than `MAX_SOURCE_BYTES` (5 MB) is `source-too-large`;
- a `rules/` folder (or a rule file) that resolves outside the pack is `rules-outside-pack`; a `ledger.yaml`,
  rule or test file that resolves outside is `file-outside-pack`, one that is not a regular file is
  `file-not-regular`, and one over `MAX_SOURCE_BYTES` is `file-too-large`.

`load_pack_dir(directory, with_tests=False)` skips `tests/` (evaluation never needs the cases); `load_tests`
reads them on their own.
"""
from __future__ import annotations

import datetime as dt
import os
import stat
from collections.abc import Sequence
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from . import model as m
from .errors import Diagnostic, PackError, Position, did_you_mean
from .gcpause import paused_gc
from .lawtext import Cite, parse_cite, parse_law_text
from .yamlsource import YamlDocument, load_yaml_file

GROUPS = ("catalog", "dishonesty", "severe", "sanctions", "incentives", "publication", "repair", "procedures",
          "data_collection", "liabilities", "agencies", "other")
STATUSES = ("enacted", "trial", "draft")
# 立法法 art. 104 (不溯及既往), read as 实体从旧、程序从新, 从旧兼从轻 (docs/pack-format.md section 4.1): how a rule
# group treats conduct from before the version it belongs to was in force
RETROACTIVITY = ("handling", "new_consequence", "more_favourable")
LEDGER_STATUSES = ("encoded", "declaratory", "out_of_scope", "pack_metadata")
CONCLUSION_KINDS = ("dishonesty", "severe_criterion", "severe_list", "procedure_step", "sanction", "incentive",
                    "publication", "repair", "deadline", "decision", "warning", "deferral")
LEAVES = ("kind", "subject", "conduct", "basis", "fact", "present", "age_at_event", "date", "rule", "all", "any", "not")


class _Reader:
    """Reads one YAML document, reporting problems at their positions."""

    def __init__(self, doc: YamlDocument, diagnostics: list[Diagnostic]):
        self.doc = doc
        self.diagnostics = diagnostics

    def pos(self, path: tuple, key: bool = False) -> Position:
        return self.doc.position(path, key=key)

    def error(self, code: str, message: str, path: tuple, hint: str = "", key: bool = False) -> None:
        self.diagnostics.append(Diagnostic(code, message, self.pos(path, key), hint))

    def mapping(self, value: Any, path: tuple, what: str) -> dict | None:
        if not isinstance(value, dict):
            self.error("bad-type", f"{what} must be a mapping, got `{_show(value)}`", path)
            return None
        return value

    def keys(self, value: dict, path: tuple, allowed: tuple | set, required: tuple = ()) -> bool:
        ok = True
        for key in value:
            if key not in allowed:
                self.error("unknown-key", f"unknown key `{key}`", path + (key,), _hint(key, allowed), key=True)
                ok = False
        for key in required:
            if key not in value:
                self.error("missing-key", f"missing required key `{key}`", path)
                ok = False
        return ok

    def text(self, value: Any, path: tuple, what: str, optional: bool = False) -> str | None:
        if value is None and optional:
            return None
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            return str(value)
        self.error("bad-type", f"{what} must be text, got `{_show(value)}`", path)
        return None

    def date(self, value: Any, path: tuple, what: str) -> dt.date | None:
        if value is None:
            return None
        try:
            return dt.date.fromisoformat(str(value)) if len(str(value)) == 10 else _raise()
        except ValueError:
            self.error("bad-date", f"{what} `{value}` is not a real date YYYY-MM-DD", path)
            return None

    def names(self, value: Any, path: tuple, what: str) -> tuple[str, ...]:
        items = value if isinstance(value, list) else [value]
        out = []
        for i, item in enumerate(items):
            if not isinstance(item, str):
                self.error("bad-type", f"{what} must be a name, got `{_show(item)}`",
                           path + ((i,) if isinstance(value, list) else ()))
            else:
                out.append(item)
        return tuple(out)

    def integer(self, value: Any, path: tuple, what: str, maximum: int | None = None) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.error("bad-type", f"{what} must be a whole number >= 0, got `{_show(value)}`", path)
            return None
        if maximum is not None and value > maximum:
            self.error("out-of-range", f"{what} is at most {maximum} (more than the law could mean), "
                       f"got `{_show(value)}`", path)
            return None
        return value


# what a period, a count of working days or an article number in the law could mean (issue 13)
LIMITS = {"years": 100, "plus_years": 100, "months": 1200, "days": 36600, "working_days": 10000,
          "processing_working_days": 10000}
MAX_ARTICLE = 9999  # lawtext.MAX_NUMERAL: no held law runs to ten thousand articles


def _raise():
    raise ValueError


def _show(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _hint(name: Any, choices, extra: str = "") -> str:
    """`did you mean `x`? allowed: a, b, c`: the whole list (a pack's keys and names are few)."""
    return " ".join(filter(None, [did_you_mean(name, choices), "allowed: " + ", ".join(choices) + extra]))


# --- conditions ----------------------------------------------------------------------------------------------

def read_condition(r: _Reader, value: Any, path: tuple) -> m.Condition:
    pos = r.pos(path)
    if value is None:
        return m.Always(pos)
    node = r.mapping(value, path, "a condition")
    if node is None:
        return m.Always(pos)
    if len(node) != 1:
        r.error("condition-shape", f"a condition has exactly one key ({', '.join(LEAVES)}); got {len(node)}: "
                f"{', '.join(map(str, node))}", path, "combine several with `all: [...]`")
        return m.Always(pos)
    (key, arg), = node.items()
    sub = path + (key,)
    if key in ("all", "any"):
        if not isinstance(arg, list) or not arg:
            r.error("bad-type", f"`{key}` takes a non-empty list of conditions", sub)
            return m.Always(pos)
        children = tuple(read_condition(r, c, sub + (i,)) for i, c in enumerate(arg))
        return m.All(children, pos) if key == "all" else m.AnyOf(children, pos)
    if key == "not":
        return m.Not(read_condition(r, arg, sub), pos)
    if key == "kind":
        return m.KindIn(r.names(arg, sub, "an event kind"), pos, _name_positions(r, arg, sub))
    if key == "subject":
        return m.SubjectIn(r.names(arg, sub, "a subject type"), pos, _name_positions(r, arg, sub))
    if key == "conduct":
        return m.ConductAny(r.names(arg, sub, "a conduct tag"), pos, _name_positions(r, arg, sub))
    if key == "basis":
        return m.BasisIn(r.names(arg, sub, "a basis type"), pos, _name_positions(r, arg, sub))
    if key == "present":
        return m.Present(r.text(arg, sub, "`present`") or "", pos)
    if key == "rule":
        return m.RuleRef(r.text(arg, sub, "`rule`") or "", pos)
    if key == "age_at_event":
        op, val = _comparison(r, arg, sub, numeric=True)
        return m.AgeAtEvent(op, val if isinstance(val, int) else 0, pos)
    if key == "date":
        return _date_compare(r, arg, sub, pos)
    if key == "fact":
        if isinstance(arg, str):
            return m.FactTest(arg, "is_true", True, pos)
        spec = r.mapping(arg, sub, "`fact`")
        if spec is None or len(spec) != 1:
            if spec is not None:
                r.error("condition-shape", "`fact` takes one fact: `fact: name`, `fact: {name: value}` or "
                        "`fact: {name: {gt: 6}}`", sub)
            return m.Always(pos)
        (name, test), = spec.items()
        if isinstance(test, dict):
            op, val = _comparison(r, test, sub + (name,))
            at = sub + (name, op)
            return m.FactTest(str(name), op, val, pos, tuple(r.pos(at + (i,)) for i in range(len(val)))
                              if isinstance(val, tuple) else (r.pos(at),))
        if isinstance(test, list):
            r.error("condition-shape", f"`fact: {{{name}: [...]}}` is ambiguous: write `{{in: [...]}}` or "
                    "`{any_of: [...]}`", sub + (name,))
            return m.Always(pos)
        return m.FactTest(str(name), "eq", test, pos, (r.pos(sub + (name,)),))
    r.error("unknown-key", f"unknown condition `{key}`", sub, _hint(key, LEAVES), key=True)
    return m.Always(pos)


def _name_positions(r: _Reader, value: Any, path: tuple) -> tuple[Position, ...]:
    """Where each name `_Reader.names` keeps is written: each item of a list (flow or block), or the one name."""
    if isinstance(value, list):
        return tuple(r.pos(path + (i,)) for i, item in enumerate(value) if isinstance(item, str))
    return (r.pos(path),) if isinstance(value, str) else ()


def _date_compare(r: _Reader, value: Any, path: tuple, pos: Position) -> m.Condition:
    spec = r.mapping(value, path, "`date`")
    if spec is None:
        return m.Always(pos)
    ops = [k for k in spec if k != "of"]
    r.keys(spec, path, ("of", "eq", "ne", "gt", "gte", "lt", "lte"), ("of",))
    if len(ops) != 1:
        r.error("condition-shape", "`date` takes `of: <date path>` and one comparison (eq ne gt gte lt lte)", path)
        return m.Always(pos)
    op = ops[0]
    left = _date_paths(r, spec.get("of"), path + ("of",))
    right_raw, rpath = spec[op], path + (op,)
    right: m.DateExpr | m.YearDate | dt.date | None
    if isinstance(right_raw, dict):
        right = _date_expr(r, right_raw, rpath)
    else:
        right = r.date(right_raw, rpath, "a date")
    return m.DateCompare(left[0] if left else "occurred_on", op, right, pos)


def _year_date(r: _Reader, spec: dict, path: tuple) -> m.YearDate:
    r.keys(spec, path, ("year", "plus_years", "month", "day"), ("year", "month", "day"))
    month: Any = spec.get("month")
    day: Any = spec.get("day")
    try:
        dt.date(2000, int(month), int(day))
    except (TypeError, ValueError):
        r.error("bad-date", f"month {month} day {day} is not a day of the year", path)
        month, day = 1, 1
    plus_years = r.integer(spec.get("plus_years", 0), path + ("plus_years",), "`plus_years`",
                           LIMITS["plus_years"]) or 0
    return m.YearDate(str(spec["year"]), plus_years, int(month), int(day))


def _comparison(r: _Reader, value: Any, path: tuple, numeric: bool = False) -> tuple[str, Any]:
    spec = r.mapping(value, path, "a comparison")
    if spec is None or len(spec) != 1:
        if spec is not None:
            r.error("condition-shape", f"a comparison has one operator ({', '.join(m.COMPARISONS)})", path)
        return "eq", None
    (op, val), = spec.items()
    allowed = ("eq", "ne", "gt", "gte", "lt", "lte") if numeric else m.COMPARISONS
    if op not in allowed:
        r.error("unknown-key", f"unknown comparison `{op}`", path + (op,), _hint(op, allowed), key=True)
        return "eq", None
    if op in ("in", "any_of") and not isinstance(val, list):
        r.error("bad-type", f"`{op}` takes a list", path + (op,))
        return op, ()
    if numeric and (isinstance(val, bool) or not isinstance(val, int)):
        r.error("bad-type", f"`{op}` takes a whole number here", path + (op,))
    return op, tuple(val) if isinstance(val, list) else val


# --- conclusions ---------------------------------------------------------------------------------------------

_CONCLUSION_FIELDS = {
    "procedure_step": (("id",), ("id", "title_zh")),
    "sanction": (("id", "tier"), ("id", "tier", "target", "title_zh")),
    "incentive": (("id",), ("id", "title_zh")),
    "publication": ((), ("disclosure", "start", "min", "max", "extended_until_removal", "after_end")),
    "repair": ((), ("eligible", "earliest", "processing_working_days", "not_repairable_reason")),
    "deadline": (("id", "working_days", "from"), ("id", "working_days", "from")),
    "decision": (("id", "value"), ("id", "value", "until")),
    "deferral": (("what", "to"), ("what", "to")),
}
ENUMS = {
    ("dishonesty", None): ("general", "severe"),
    ("sanction", "tier"): ("general", "severe"),
    ("sanction", "target"): ("subject", "responsible_person"),
    ("publication", "disclosure"): ("public", "government_sharing", "authorized_query", "none"),
    ("publication", "after_end"): ("archive", "delete", "stop_sharing"),
}


def read_conclusion(r: _Reader, value: Any, path: tuple, cites: list[Cite], read_cites) -> m.Conclusion | None:
    node = r.mapping(value, path, "a conclusion")
    if node is None:
        return None
    kinds = [k for k in node if k != "cite"]
    if len(kinds) != 1:
        r.error("conclusion-shape", f"a conclusion has one of: {', '.join(CONCLUSION_KINDS)} (and an optional `cite`)"
                + (f"; got {', '.join(kinds)}" if kinds else ""), path)
        return None
    kind = kinds[0]
    sub = path + (kind,)
    if kind not in CONCLUSION_KINDS:
        r.error("unknown-key", f"unknown conclusion `{kind}`", sub, _hint(kind, CONCLUSION_KINDS), key=True)
        return None
    own_cites = read_cites(node.get("cite"), path + ("cite",)) if "cite" in node else []
    arg = node[kind]
    fields: dict[str, Any] = {}
    if kind == "dishonesty":
        if arg not in ENUMS["dishonesty", None]:
            r.error("bad-value", f"`dishonesty` must be general or severe, got `{_show(arg)}`", sub,
                    did_you_mean(arg, ENUMS["dishonesty", None]))
        fields["level"] = arg
    elif kind == "severe_criterion":
        if arg is not True:
            r.error("bad-value", "`severe_criterion` takes `true` (the rule id names the criterion)", sub)
    elif kind == "severe_list":
        if arg not in ("eligible", "deferred"):
            r.error("bad-value", "`severe_list` takes `eligible`, or `deferred` where the text leaves the criteria to "
                    "other rules (eligible then stays null)", sub)
        fields["value"] = arg
    elif kind == "warning":
        fields["text"] = r.text(arg, sub, "`warning`") or ""
    else:
        spec = r.mapping(arg, sub, f"`{kind}`")
        if spec is None:
            return None
        required, allowed = _CONCLUSION_FIELDS[kind]
        r.keys(spec, sub, allowed, required)
        for key, val in spec.items():
            if key not in allowed:
                continue
            vpath = sub + (key,)
            enum = ENUMS.get((kind, key))
            if enum and val not in enum:
                r.error("bad-value", f"`{key}` must be one of {', '.join(enum)}, got `{_show(val)}`", vpath,
                        did_you_mean(val, enum))
            if key in ("id", "title_zh", "what", "to", "not_repairable_reason"):
                val = r.text(val, vpath, f"`{key}`")
            elif key in ("working_days", "processing_working_days"):
                val = r.integer(val, vpath, f"`{key}`", LIMITS[key])
            elif key in ("from", "start"):
                val = _date_paths(r, val, vpath)
            elif key in ("min", "max"):
                val = _period_or_deferred(r, val, vpath)
            elif key in ("earliest", "until"):
                val = _date_expr(r, val, vpath)
            elif key in ("extended_until_removal", "eligible"):
                if not isinstance(val, bool):
                    r.error("bad-type", f"`{key}` must be true or false", vpath)
            fields[key] = val
        if kind == "sanction":
            fields.setdefault("target", "subject")
    return m.Conclusion(kind, fields, own_cites, r.pos(path))


def _date_paths(r: _Reader, value: Any, path: tuple) -> tuple[str, ...]:
    paths = r.names(value, path, "a date path")
    for i, p in enumerate(paths):
        if p not in m.DATE_PATHS and not p.startswith("facts."):
            r.error("bad-date-path", f"unknown date path `{p}`", path + ((i,) if isinstance(value, list) else ()),
                    _hint(p, m.DATE_PATHS, ", facts.<date fact>"))
    return paths


def _period(r: _Reader, value: Any, path: tuple) -> m.Period:
    spec = r.mapping(value, path, "a period")
    if spec is None:
        return m.Period()
    r.keys(spec, path, ("years", "months", "days", "working_days"))
    vals = {k: r.integer(v, path + (k,), f"`{k}`", LIMITS[k]) or 0 for k, v in spec.items()
            if k in ("years", "months", "days", "working_days")}
    if vals.get("working_days") and len([v for v in vals.values() if v]) > 1:
        r.error("bad-period", "`working_days` cannot be mixed with years, months or days", path)
    return m.Period(**vals)


def _period_or_deferred(r: _Reader, value: Any, path: tuple) -> m.Period | m.Deferred | None:
    if isinstance(value, dict) and "deferred" in value:
        r.keys(value, path, ("deferred",))
        return m.Deferred(r.text(value["deferred"], path + ("deferred",), "`deferred`") or "")
    return _period(r, value, path)


def _date_expr(r: _Reader, value: Any, path: tuple) -> m.DateExpr | m.YearDate | None:
    spec = r.mapping(value, path, "a date (`{from: ..., add: {...}}` or `{year: facts.<int fact>, month, day}`)")
    if spec is None:
        return None
    if "year" in spec:
        return _year_date(r, spec, path)
    r.keys(spec, path, ("from", "add"), ("from",))
    return m.DateExpr(_date_paths(r, spec.get("from", []), path + ("from",)),
                      _period(r, spec["add"], path + ("add",)) if "add" in spec else m.Period())


# --- files ---------------------------------------------------------------------------------------------------

def _cite_reader(r: _Reader, pack_docs: dict[str, str], default_doc: str, positions: list[Position]):
    def read(value: Any, path: tuple) -> list[Cite]:
        items = value if isinstance(value, list) else [value]
        out = []
        for i, item in enumerate(items):
            ipath = path + ((i,) if isinstance(value, list) else ())
            try:
                out.append(parse_cite(str(item), default_doc, pack_docs))
                positions.append(r.pos(ipath))
            except ValueError as exc:
                r.error("bad-citation", str(exc), ipath)
        return out
    return read


def _read_rules(doc: YamlDocument, pack_docs: dict[str, str], default_doc: str,
                diagnostics: list[Diagnostic]) -> list[m.Rule]:
    r = _Reader(doc, diagnostics)
    top = r.mapping(doc.data, (), "a rules file")
    if top is None:
        return []
    r.keys(top, (), ("group", "retroactivity", "rules", "note"), ("group", "rules"))
    group = top.get("group")
    if group is not None and group not in GROUPS:
        r.error("bad-value", f"unknown group `{group}`", ("group",), _hint(group, GROUPS))
    file_retro = _retroactivity(r, top, ())
    rules = []
    raw_rules = top.get("rules") or []
    if not isinstance(raw_rules, list):
        r.error("bad-type", "`rules` must be a list", ("rules",))
        return []
    for i, raw in enumerate(raw_rules):
        path = ("rules", i)
        node = r.mapping(raw, path, "a rule")
        if node is None:
            continue
        r.keys(node, path, ("id", "title", "cite", "when", "then", "overrides", "versions", "retroactivity", "note"),
               ("id", "cite", "then"))
        cite_positions: list[Position] = []
        read_cites = _cite_reader(r, pack_docs, default_doc, cite_positions)
        cites = read_cites(node.get("cite", []), path + ("cite",)) if "cite" in node else []
        then_raw = node.get("then")
        then_list = then_raw if isinstance(then_raw, list) else ([then_raw] if then_raw is not None else [])
        conclusions = []
        for j, c in enumerate(then_list):
            cpath = path + ("then",) + ((j,) if isinstance(then_raw, list) else ())
            conclusion = read_conclusion(r, c, cpath, cites, read_cites)
            if conclusion is not None:
                conclusions.append(conclusion)
        overrides = list(r.names(node.get("overrides", []), path + ("overrides",), "a rule id"))
        versions = list(r.names(node["versions"], path + ("versions",), "a version id")) if "versions" in node else None
        rules.append(m.Rule(
            id=r.text(node.get("id"), path + ("id",), "`id`") or f"<rule {i}>",
            group=str(group or "other"), cites=cites, when=read_condition(r, node.get("when"), path + ("when",)),
            then=conclusions, overrides=overrides, versions=versions,
            title=r.text(node.get("title"), path + ("title",), "`title`", optional=True),
            note=r.text(node.get("note"), path + ("note",), "`note`", optional=True),
            pos=r.pos(path), cite_positions=cite_positions,
            retroactivity=_retroactivity(r, node, path) or file_retro))
    return rules


def _retroactivity(r: _Reader, node: dict, path: tuple) -> str | None:
    value = node.get("retroactivity")
    if value is None:
        return None
    if value not in RETROACTIVITY:
        r.error("bad-value", f"unknown retroactivity `{_show(value)}`", path + ("retroactivity",),
                _hint(str(value), RETROACTIVITY) + " (handling: 程序从新, applies to records existing on the day the "
                "version took effect; new_consequence: 实体从旧, not applied to earlier conduct; more_favourable: "
                "从轻, applied to earlier conduct because it favours the subject)")
        return None
    return str(value)


# --- reading files of an untrusted pack -------------------------------------------------------------------------

MAX_SOURCE_BYTES = 5 * 1024 * 1024


def _inside(path: Path, folder: Path) -> bool:
    """Whether `path`, symlinks resolved, is `folder` (resolved) or inside it."""
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except (ValueError, OSError, RuntimeError):     # outside; or a symlink loop
        return False


def source_problem(directory: Path, value) -> tuple[str, str] | None:
    """Why a document's `source:` value may not be read, as (code, message); None when it may.

    Checked on the path alone first (absolute, `..`), then on the file system (symlinks resolving outside the pack
    folder, not a regular file, too large). Nothing is opened."""
    text = str(value)
    posix, windows = PurePosixPath(text.replace("\\", "/")), PureWindowsPath(text)
    if not text or posix.is_absolute() or windows.is_absolute() or windows.drive or text.startswith(("/", "\\")):
        return "source-outside-pack", f"source `{text}` must be a relative path inside the pack folder"
    if ".." in posix.parts:
        return "source-outside-pack", f"source `{text}` leaves the pack folder (`..`): it must be a path inside it"
    path = Path(directory) / text
    if not _inside(path, Path(directory)):
        return "source-outside-pack", f"source `{text}` resolves outside the pack folder (a symlink?)"
    try:
        st = os.stat(path)
    except OSError as exc:
        return "source-missing", f"cannot read source text `{text}`: {exc.__class__.__name__}"
    if not stat.S_ISREG(st.st_mode):
        return "source-not-file", f"source `{text}` is not a regular file"
    if st.st_size > MAX_SOURCE_BYTES:
        return "source-too-large", (f"source `{text}` is {st.st_size:,} bytes; a law text may be at most "
                                    f"{MAX_SOURCE_BYTES:,} bytes")
    return None


def _read_capped(path: Path) -> bytes:
    """A regular file's bytes, opened without blocking and re-checked on the descriptor (no FIFO or device can slip
    in between the check and the open); ValueError when it is not regular or too large."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ValueError("source-not-file")
        if st.st_size > MAX_SOURCE_BYTES:
            raise ValueError("source-too-large")
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            total += len(chunk)
            if total > MAX_SOURCE_BYTES:
                raise ValueError("source-too-large")
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _read_source(r: _Reader, directory: Path, value, path: tuple) -> str | None:
    """The text of a document's `source:`, or None with the problem reported at the YAML position of the value."""
    problem = source_problem(directory, value)
    if problem is None:
        index = directory / str(value)
        index = index.with_name(index.stem + ".articles.yaml")     # lawtext.index_path: validate reads it too
        if os.path.lexists(index):
            if not _inside(index, directory):
                problem = "source-outside-pack", f"the article index `{index.name}` resolves outside the pack folder"
            elif not os.path.isfile(index):
                problem = "source-not-file", f"the article index `{index.name}` is not a regular file"
    if problem is not None:
        r.error(*problem, path)
        return None
    try:
        return _read_capped(directory / str(value)).decode("utf-8")
    except ValueError as exc:
        code = exc.args[0] if exc.args and exc.args[0] in ("source-not-file", "source-too-large") else "source-missing"
        r.error(code, f"cannot read source text `{value}`: " + ("not a regular file" if code == "source-not-file" else
                "larger than the limit" if code == "source-too-large" else "not UTF-8 text"), path)
    except OSError as exc:
        r.error("source-missing", f"cannot read source text `{value}`: {exc.__class__.__name__}", path)
    return None


def _yaml_input_problem(path: Path, directory: Path) -> Diagnostic | None:
    """A rule, ledger or test file that resolves outside the pack, is not a regular file, or is too large."""
    where = Position(display_path(path))
    if not _inside(path, directory):
        code = "rules-outside-pack" if path.parent.name == "rules" else "file-outside-pack"
        return Diagnostic(code, f"`{display_path(path)}` resolves outside the pack folder (a symlink?)", where,
                          "every file a pack reads must be inside its folder")
    try:
        st = os.stat(path)
    except OSError:
        return None                                   # gone since the listing: load_yaml_file reports it
    if not stat.S_ISREG(st.st_mode):
        return Diagnostic("file-not-regular", f"`{display_path(path)}` is not a regular file", where)
    if st.st_size > MAX_SOURCE_BYTES:
        return Diagnostic("file-too-large", f"`{display_path(path)}` is {st.st_size:,} bytes (at most "
                          f"{MAX_SOURCE_BYTES:,})", where)
    return None


def _yaml_inputs(directory: Path, folder: str, diagnostics: list[Diagnostic]) -> list[Path]:
    """The `*.yaml` files of `directory/folder` that may be read (problems reported); the folder itself must
    resolve inside the pack."""
    sub = directory / folder
    if not sub.is_dir():
        return []
    if not _inside(sub, directory):
        code = "rules-outside-pack" if folder == "rules" else "file-outside-pack"
        diagnostics.append(Diagnostic(code, f"`{display_path(sub)}` resolves outside the pack folder (a symlink?)",
                                      Position(display_path(sub)), "every file a pack reads must be inside its folder"))
        return []
    out = []
    for path in sorted(sub.glob("*.yaml")):
        problem = _yaml_input_problem(path, directory)
        if problem is not None:
            diagnostics.append(problem)
        else:
            out.append(path)
    return out


def _read_pack_yaml(doc: YamlDocument, directory: Path, rel, diagnostics: list[Diagnostic]):
    r = _Reader(doc, diagnostics)
    top = r.mapping(doc.data, (), "pack.yaml") or {}
    is_layer = bool(top.get("supplements"))
    r.keys(top, (), ("id", "jurisdiction", "documents", "versions", "supplements", "layers", "note"),
           ("id", "documents") if is_layer else ("id", "jurisdiction", "documents", "versions"))
    documents: dict[str, m.Document] = {}
    for i, raw in enumerate(top.get("documents") or []):
        path = ("documents", i)
        node = r.mapping(raw, path, "a document")
        if node is None:
            continue
        r.keys(node, path, ("id", "title_zh", "title_en", "source", "articles_published", "status", "note"),
               ("id", "title_zh", "source"))
        if node.get("status") is not None and node.get("status") not in STATUSES:
            r.error("bad-value", f"`status` must be one of {', '.join(STATUSES)}", path + ("status",),
                    did_you_mean(node.get("status"), STATUSES))
        doc_id = r.text(node.get("id"), path + ("id",), "`id`") or f"doc{i}"
        if doc_id in documents:
            r.error("duplicate-id", f"document `{doc_id}` is declared twice", path + ("id",))
        source = directory / str(node.get("source", ""))
        law = None
        if "source" in node:
            text = _read_source(r, directory, node["source"], path + ("source",))
            if text is not None:
                law = parse_law_text(text, doc_id, str(node.get("title_zh", doc_id)))
                if not law.articles:
                    r.error("source-empty", f"no articles (第X条) found in `{node['source']}`", path + ("source",))
        articles_published = node.get("articles_published")
        if articles_published is not None:
            articles_published = r.integer(articles_published, path + ("articles_published",), "`articles_published`")
        documents[doc_id] = m.Document(doc_id, str(node.get("title_zh", "")), str(node.get("title_en", "")), source,
                                       law, articles_published, node.get("note"), r.pos(path), node.get("status"))
    versions: list[m.Version] = []
    for i, raw in enumerate(top.get("versions") or []):
        path = ("versions", i)
        node = r.mapping(raw, path, "a version")
        if node is None:
            continue
        r.keys(node, path, ("id", "status", "adopted_on", "effective_from", "effective_to", "documents", "text_held",
                            "note"), ("id", "status", "documents"))
        status = node.get("status")
        if status not in STATUSES:
            r.error("bad-value", f"`status` must be one of {', '.join(STATUSES)}, got `{_show(status)}`",
                    path + ("status",), did_you_mean(status, STATUSES))
        docs = list(r.names(node.get("documents") or [], path + ("documents",), "a document id"))
        for j, d in enumerate(docs):
            if d not in documents:
                r.error("unknown-name", f"unknown document `{d}`", path + ("documents", j), did_you_mean(d, documents))
        text_held = node.get("text_held", True)
        if not isinstance(text_held, bool):
            r.error("bad-type", "`text_held` must be true or false", path + ("text_held",))
        versions.append(m.Version(
            r.text(node.get("id"), path + ("id",), "`id`") or f"v{i}", str(status),
            r.date(node.get("adopted_on"), path + ("adopted_on",), "`adopted_on`"),
            r.date(node.get("effective_from"), path + ("effective_from",), "`effective_from`"),
            r.date(node.get("effective_to"), path + ("effective_to",), "`effective_to`"),
            docs, bool(text_held), node.get("note"), r.pos(path)))
    if not versions and not is_layer:
        r.error("missing-key", "a pack needs at least one version", ("versions",))
    jurisdiction = top.get("jurisdiction") if isinstance(top.get("jurisdiction"), dict) else {}
    return top, documents, versions, jurisdiction


def _read_ledger(doc: YamlDocument, documents: dict, diagnostics: list[Diagnostic]) -> list[m.LedgerEntry]:
    r = _Reader(doc, diagnostics)
    top = r.mapping(doc.data, (), "ledger.yaml") or {}
    entries = []
    for doc_id, articles in top.items():
        if doc_id not in documents:
            r.error("unknown-name", f"unknown document `{doc_id}`", (doc_id,), did_you_mean(doc_id, documents),
                    key=True)
            continue
        if not isinstance(articles, dict):
            r.error("bad-type", "a ledger maps article numbers (or ranges `a-b`) to an entry", (doc_id,))
            continue
        for key, raw in articles.items():
            path = (doc_id, key)
            try:
                first, _, last = str(key).partition("-")
                numbers = range(int(first), int(last or first) + 1)
                if not numbers:
                    raise ValueError
            except ValueError:
                r.error("bad-ledger-key", f"`{_show(key)}` is not an article number or a range `a-b`", path,
                        key=True)
                continue
            if numbers.start < 1 or numbers.stop - 1 > MAX_ARTICLE:
                r.error("out-of-range", f"ledger key `{_show(key)}`: article numbers run from 1 to {MAX_ARTICLE}",
                        path, key=True)
                continue
            node = r.mapping(raw, path, "a ledger entry")
            if node is None:
                continue
            r.keys(node, path, ("status", "note", "reason", "rules"), ("status",))
            status = node.get("status")
            if status not in LEDGER_STATUSES:
                r.error("bad-value", f"`status` must be one of {', '.join(LEDGER_STATUSES)}, got `{_show(status)}`",
                        path + ("status",), did_you_mean(status, LEDGER_STATUSES))
            if status == "out_of_scope" and not node.get("reason"):
                r.error("missing-key", "an out_of_scope article needs a `reason`", path)
            if status in ("declaratory", "pack_metadata") and not (node.get("note") or node.get("reason")):
                r.error("missing-key", f"a {status} article needs a `note` saying "
                        + ("why nothing is decided" if status == "declaratory" else "what pack.yaml records from it"),
                        path)
            for n in numbers:
                entries.append(m.LedgerEntry(doc_id, n, str(status), node.get("note") or node.get("reason"),
                                             r.pos(path)))
    return entries


def _read_tests(doc: YamlDocument, diagnostics: list[Diagnostic]) -> list[m.TestCase]:
    r = _Reader(doc, diagnostics)
    if doc.data is None:
        return []
    cases = doc.data.get("cases") if isinstance(doc.data, dict) else doc.data
    base = ("cases",) if isinstance(doc.data, dict) else ()
    if isinstance(doc.data, dict):
        r.keys(doc.data, (), ("cases", "note"), ("cases",))
    if not isinstance(cases, list):
        r.error("bad-type", "a test file is a list of cases (or `cases: [...]`)", base)
        return []
    out = []
    for i, raw in enumerate(cases):
        path = base + (i,)
        node = r.mapping(raw, path, "a test case")
        if node is None:
            continue
        r.keys(node, path, ("name", "as_of", "event", "expect", "note"), ("name", "event", "expect"))
        given = node.get("expect")
        expect: dict = given if isinstance(given, dict) else {}
        if "expect" in node and not isinstance(node.get("expect"), dict):
            r.error("bad-type", "`expect` maps determination paths to expected values", path + ("expect",))
        out.append(m.TestCase(str(node.get("name", f"case {i}")), node.get("event"), expect,
                              r.date(node.get("as_of"), path + ("as_of",), "`as_of`"), r.pos(path), doc.file,
                              {k: r.pos(path + ("expect", k), key=True) for k in expect}, doc, path + ("event",)))
    return out


def display_path(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # pragma: no cover - different drive on Windows
        return str(path)


def _load_tests(directory: Path, diagnostics: list[Diagnostic]) -> list[m.TestCase]:
    tests: list[m.TestCase] = []
    for path in _yaml_inputs(directory, "tests", diagnostics):
        tdoc, errs = load_yaml_file(path, display_path(path))
        diagnostics += errs
        if tdoc is not None:
            tests += _read_tests(tdoc, diagnostics)
    return tests


def _load_parts(directory: Path, diagnostics: list[Diagnostic], extra_titles: dict | None = None,
                with_tests: bool = True):
    """One folder's pack.yaml, rules, ledger and tests (a pack, or a layer that supplements one)."""
    pack_file = directory / "pack.yaml"
    if not pack_file.is_file():
        raise PackError([Diagnostic("pack-missing", f"no pack.yaml in `{display_path(directory)}`",
                                    Position(display_path(directory)))])
    problem = _yaml_input_problem(pack_file, directory)
    if problem is not None:
        raise PackError([problem])
    doc, errs = load_yaml_file(pack_file, display_path(pack_file))
    diagnostics += errs
    top, documents, versions, jurisdiction = (_read_pack_yaml(doc, directory, display_path, diagnostics) if doc
                                              else ({}, {}, [], {}))
    titles = {**(extra_titles or {}), **{d.id: d.title_zh for d in documents.values()}}
    default_doc = next(iter(documents), "")
    rules: list[m.Rule] = []
    for path in _yaml_inputs(directory, "rules", diagnostics):
        rdoc, errs = load_yaml_file(path, display_path(path))
        diagnostics += errs
        if rdoc is not None and rdoc.data is not None:
            rules += _read_rules(rdoc, titles, default_doc, diagnostics)
    ledger: list[m.LedgerEntry] = []
    ledger_file = directory / "ledger.yaml"
    if os.path.lexists(ledger_file):
        problem = _yaml_input_problem(ledger_file, directory)
        if problem is not None:
            diagnostics.append(problem)
        else:
            ldoc, errs = load_yaml_file(ledger_file, display_path(ledger_file))
            diagnostics += errs
            if ldoc is not None and ldoc.data is not None:
                ledger = _read_ledger(ldoc, documents, diagnostics)
    tests = _load_tests(directory, diagnostics) if with_tests else []
    return top, documents, versions, jurisdiction, rules, ledger, tests, doc


def supplemented(directory: Path) -> list[str]:
    """The packs a folder supplements (`supplements:` in its pack.yaml): empty for an ordinary pack, or when its
    pack.yaml is not a regular file of a sane size (a FIFO is never opened)."""
    path = Path(directory) / "pack.yaml"
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_SOURCE_BYTES:
            return []
        doc, _ = load_yaml_file(path)
    except OSError:  # pragma: no cover
        return []
    data = doc.data if doc is not None and isinstance(doc.data, dict) else {}
    value = data.get("supplements") or []
    return [str(v) for v in (value if isinstance(value, list) else [value])]


def find_layers(directory: Path, pack_id: str, extra: Sequence[str] = ()) -> list[Path]:
    """The layers loaded with the pack in `directory`: the folders beside it that its pack.yaml names in `layers:`
    (then those in `extra`) and that say `supplements: [<pack_id>]` (layers.py; problems are the loader's)."""
    from .layers import named_layers
    try:
        doc, _ = load_yaml_file(Path(directory) / "pack.yaml")
    except OSError:  # pragma: no cover
        return []
    top = dict(doc.data) if doc is not None and isinstance(doc.data, dict) else {}
    return named_layers(Path(directory), {**top, "id": pack_id}, doc, extra, [])


def load_tests(directories) -> list[m.TestCase]:
    """The test cases of `tests/*.yaml` in each folder (a pack and its layers), in order; PackError on problems."""
    diagnostics: list[Diagnostic] = []
    tests: list[m.TestCase] = []
    for directory in directories:
        tests += _load_tests(Path(directory), diagnostics)
    if diagnostics:
        raise PackError(diagnostics)
    return tests


@paused_gc()
def load_pack_dir(directory: Path | str, *, with_tests: bool = True, layers: Sequence[str] = ()) -> m.Pack:
    """Load a pack folder, with the layers it names (`layers:`, then `layers` of the call: layers.py); PackError
    with every problem found (sorted). A sibling that supplements it unnamed is a warning in `pack.warnings`.

    `with_tests=False` does not read `tests/` (the pack's `tests` is then empty): evaluation never needs them."""
    directory = Path(directory)
    diagnostics: list[Diagnostic] = []
    top, documents, versions, jurisdiction, rules, ledger, tests, doc = _load_parts(directory, diagnostics,
                                                                                    with_tests=with_tests)
    if top.get("supplements"):
        raise PackError([Diagnostic("layer-not-pack", f"`{display_path(directory)}` is a layer that supplements "
                                    f"{', '.join(supplemented(directory))}: load that pack, the layer comes with it",
                                    doc.position(("supplements",)))])
    from .layers import named_layers, unnamed_layers
    layer_dirs = named_layers(directory, top, doc, layers, diagnostics)
    warnings = unnamed_layers(directory, str(top.get("id")), layer_dirs, doc)
    layers = []
    for layer_dir in layer_dirs:
        titles = {d.id: d.title_zh for d in documents.values()}
        l_top, l_docs, _, _, l_rules, l_ledger, l_tests, l_doc = _load_parts(layer_dir, diagnostics, titles, with_tests)
        for doc_id, document in l_docs.items():
            if doc_id in documents:
                diagnostics.append(Diagnostic("duplicate-id", f"layer `{l_top.get('id')}` declares document "
                                              f"`{doc_id}`, which pack `{top.get('id')}` already has", document.pos))
            else:
                documents[doc_id] = document
        rules += l_rules
        ledger += l_ledger
        tests += l_tests
        layers.append(str(l_top.get("id")))
    if diagnostics:
        raise PackError(diagnostics)
    return m.Pack(str(top.get("id")), directory, {k: str(v) for k, v in jurisdiction.items()}, documents, versions,
                  rules, ledger, tests, doc.position(()), top.get("note"), layers, warnings)
