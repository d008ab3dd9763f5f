"""Impact of a change: which determinations change when a pack changes, grouped by field and by rule.

`creditrules diff OLD_PACK NEW_PACK --events CORPUS` evaluates every event of a corpus (JSONL, one event per line)
under both packs with the batch path (`creditrules.evaluate_many(..., trace="fired")`), in lockstep, in constant
memory, and compares the two determinations of each event:

- by field: `dishonesty.level`, `severe_list.eligible`, criteria and procedure steps added or removed, sanctions and
  incentives added or removed (and a sanction's tier or target), each publication and repair field, deadlines and
  decisions added, removed or with another date or value, missing facts, warnings, citations; each with the number
  of events, the transitions (`general -> severe`: n) and example event ids;
- by rule: rules whose outcome changed (fired, overridden, undetermined, not fired, or not in the pack), with the
  transitions and examples; and, read from the two packs themselves, the rules added, removed or edited.

`--git REV` compares a pack folder with the same folder at a committed revision: the folder holding the pack (its
layers and calendar beside it) is exported with `git archive REV` into a temporary folder. Without `--events`, the
corpus shipped with the pack (`<pack>/corpus/*.jsonl`) is used.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from ..errors import Diagnostic, InputError, Position, UsageError
from ..load import display_path
from .html import esc, page

EXAMPLES = 5               # example event ids kept per group
TRANSITIONS = 12           # transitions shown per group (the most frequent)

_ID_LISTS = (("severe_list.procedure", ("severe_list", "procedure")), ("sanctions", ("sanctions",)),
             ("incentives", ("incentives",)), ("deadlines", ("deadlines",)), ("decisions", ("decisions",)))
_ITEM_FIELDS = {"sanctions": ("tier", "target", "persons"), "severe_list.procedure": (),
                "incentives": (), "deadlines": ("working_days", "from", "due"), "decisions": ("value", "until")}
_SCALARS = (("pack.version", ("pack", "version")), ("pack.status", ("pack", "status")),
            ("dishonesty.level", ("dishonesty", "level")), ("dishonesty.at_least", ("dishonesty", "at_least")),
            ("severe_list.eligible", ("severe_list", "eligible")),
            *((f"publication.{k}", ("publication", k)) for k in ("disclosure", "start", "min_end", "max_end",
                                                                 "extended_until_removal", "after_end")),
            *((f"repair.{k}", ("repair", k)) for k in ("eligible", "earliest", "not_repairable_reason",
                                                      "processing_working_days")))
# the order fields are reported in (what a lawyer is asked about first)
FIELD_ORDER = ["error", "pack.version", "pack.status", "dishonesty.level", "dishonesty.at_least",
               "severe_list.eligible", "severe_list.criteria", "severe_list.procedure", "sanctions", "incentives",
               "publication.disclosure", "publication.start", "publication.min_end", "publication.max_end",
               "publication.extended_until_removal", "publication.after_end", "repair.eligible", "repair.earliest",
               "repair.not_repairable_reason", "repair.processing_working_days", "deadlines", "decisions",
               "missing_facts", "warnings", "citations"]


def _get(data: Any, keys: tuple) -> Any:
    for k in keys:
        data = data.get(k) if isinstance(data, dict) else None
    return data


def _compact(c: dict, default_document: str) -> str:
    body = ".".join(str(x) for x in (c["article"], c.get("paragraph"), c.get("item")) if x is not None)
    return body if c["document"] == default_document else f"{c['document']}:{body}"


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return orjson.dumps(value).decode("utf-8")
    return str(value)


def facets(det: dict, default_document: str) -> dict[str, Any]:
    """A determination as comparable facets: a scalar per field, a frozenset for lists compared as sets, and
    `<list>.<id>.<field>` for the fields of id-addressed items (a sanction's tier, a deadline's due date)."""
    out: dict[str, Any] = {name: _get(det, keys) for name, keys in _SCALARS}
    out["severe_list.criteria"] = frozenset(_get(det, ("severe_list", "criteria")) or ())
    for name, keys in _ID_LISTS:
        items = _get(det, keys) or []
        out[name] = frozenset(item["id"] for item in items)
        for item in items:
            for f in _ITEM_FIELDS[name]:
                out[f"{name}.{item['id']}.{f}"] = item.get(f)
    out["missing_facts"] = frozenset(det.get("missing_facts") or ())
    out["warnings"] = frozenset(det.get("warnings") or ())
    out["citations"] = frozenset(f"{_compact(c, default_document)} ({c.get('role', 'applied')})"
                                 for c in det.get("citations") or ())
    return out


def field_of(name: str) -> str:
    """The group a facet is reported under: `deadlines.objection_handling.due` -> `deadlines`."""
    for prefix in ("severe_list.procedure", "sanctions", "incentives", "deadlines", "decisions"):
        if name.startswith(prefix + "."):
            return prefix
    return name


def compare(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(facet, from, to) for every facet that differs; a set facet gives one `+member` / `-member` each."""
    out = []
    for name in sorted(set(old) | set(new)):
        a, b = old.get(name), new.get(name)
        if a == b:
            continue
        group = field_of(name)
        if group != name:                       # an item's field: compared only when both have the item
            item = name[len(group) + 1:].rsplit(".", 1)[0]
            if item not in old.get(group, ()) or item not in new.get(group, ()):
                continue
        if isinstance(a, frozenset) or isinstance(b, frozenset):
            a, b = a or frozenset(), b or frozenset()
            out += [(name, "", f"+{x}") for x in sorted(b - a)] + [(name, f"-{x}", "") for x in sorted(a - b)]
        else:
            out.append((name, _show(a), _show(b)))
    return out


def _as_date(text: str) -> dt.date | None:
    if len(text) != 10:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def shift(old: str, new: str) -> str | None:
    """How a date moved, in the units a period is written in: `2 years earlier`, `3 months later`, `5 days later`;
    None when either is not a date."""
    a, b = _as_date(old), _as_date(new)
    if a is None or b is None:
        return None
    months = (b.year - a.year) * 12 + (b.month - a.month)
    if b.day == a.day and months:
        n, unit = (abs(months) // 12, "year") if months % 12 == 0 else (abs(months), "month")
    else:
        n, unit = abs((b - a).days), "day"
        months = (b - a).days
    return f"{n} {unit}{'s' if n != 1 else ''} {'later' if months > 0 else 'earlier'}"


def _outcomes(det: dict, rule_ids) -> dict[str, str]:
    """Every rule's outcome in a determination traced at level `fired` (absent from the trace: not fired)."""
    found = {t["rule"]: t["outcome"] for t in det.get("trace") or ()}
    return {r: found.get(r, "not_fired") for r in rule_ids}


# --- aggregation -----------------------------------------------------------------------------------------------

@dataclass
class Group:
    """Events grouped under one field (or rule): how many, transitions with counts, example ids."""
    name: str
    events: int = 0
    examples: list[str] = field(default_factory=list)
    transitions: Counter = field(default_factory=Counter)
    transition_examples: dict = field(default_factory=dict)

    def add(self, event_id: str, transitions: list[tuple[str, str]]) -> None:
        self.events += 1
        if len(self.examples) < EXAMPLES:
            self.examples.append(event_id)
        for t in transitions:
            self.transitions[t] += 1
            ex = self.transition_examples.setdefault(t, [])
            if len(ex) < EXAMPLES:
                ex.append(event_id)

    def as_dict(self) -> dict:
        top = self.transitions.most_common(TRANSITIONS)
        return {"name": self.name, "events": self.events, "examples": self.examples,
                "transitions": [{"from": a, "to": b, "events": n, "examples": self.transition_examples[(a, b)]}
                                for (a, b), n in top],
                "more_transitions": max(0, len(self.transitions) - TRANSITIONS)}


@dataclass
class RuleEdit:
    rule: str
    change: str                  # added | removed | edited
    what: list[str] = field(default_factory=list)    # condition, conclusions, citations, overrides, versions, title


@dataclass
class DiffReport:
    old: str
    new: str
    corpus: str
    as_of: str
    events: int = 0
    unreadable: int = 0          # lines that are not a record (both packs see the same file)
    invalid_both: int = 0        # records both packs reject
    changed: int = 0
    fields: dict[str, Group] = field(default_factory=dict)
    rules: dict[str, Group] = field(default_factory=dict)
    edits: list[RuleEdit] = field(default_factory=list)
    changed_events: list[dict] = field(default_factory=list)
    max_events: int = 200

    def field_groups(self) -> list[Group]:
        order = {name: i for i, name in enumerate(FIELD_ORDER)}
        return sorted(self.fields.values(), key=lambda g: (order.get(g.name, len(order)), g.name))

    def rule_groups(self) -> list[Group]:
        return sorted(self.rules.values(), key=lambda g: (-g.events, g.name))

    def changed_ids(self) -> list[str]:
        return [e["event_id"] for e in self.changed_events]

    def as_json(self) -> dict:
        return {"old": self.old, "new": self.new, "corpus": self.corpus, "as_of": self.as_of,
                "summary": {"events": self.events, "changed": self.changed, "unchanged": self.events - self.changed
                            - self.invalid_both, "invalid_in_both": self.invalid_both, "unreadable": self.unreadable},
                "rules_edited": [{"rule": e.rule, "change": e.change, "what": e.what} for e in self.edits],
                "fields": [g.as_dict() for g in self.field_groups()],
                "rules": [g.as_dict() for g in self.rule_groups()],
                "events": self.changed_events,
                "events_listed": len(self.changed_events), "events_changed": self.changed}


def rule_edits(old_plan, new_plan) -> list[RuleEdit]:
    """Rules added, removed, or edited between two packs (conditions compared without positions)."""
    old = {r.id: r.source for r in old_plan.rules}
    new = {r.id: r.source for r in new_plan.rules}
    out = [RuleEdit(r, "added") for r in new if r not in old] + [RuleEdit(r, "removed") for r in old if r not in new]
    for rid in new:
        if rid not in old:
            continue
        a, b = old[rid], new[rid]
        what = [name for name, x, y in (
            ("condition", a.when, b.when),
            ("conclusions", [(c.kind, c.fields, c.cites) for c in a.then],
             [(c.kind, c.fields, c.cites) for c in b.then]),
            ("citations", a.cites, b.cites), ("overrides", a.overrides, b.overrides),
            ("versions", a.versions, b.versions), ("title", a.title, b.title)) if x != y]
        if what:
            out.append(RuleEdit(rid, "edited", what))
    return out


def _records(corpus: Path) -> Iterator[Any]:
    from ..records import iter_jsonl
    return iter_jsonl(corpus)


def diff_packs(old_pack, new_pack, corpus: Path, as_of: str | None = None, *, evaluator: str = "reference",
               max_events: int = 200, old_label: str | None = None, new_label: str | None = None) -> DiffReport:
    """Evaluate the corpus under both packs and compare (module docstring)."""
    import creditrules

    from ..api import _as_of, plan_for
    corpus = Path(corpus)
    if not corpus.is_file():
        raise InputError([Diagnostic("file-missing", f"no such corpus `{corpus}`", Position(str(corpus)),
                                     "a JSONL file, one event per line")])
    day = _as_of(as_of)
    old_plan, new_plan = plan_for(old_pack), plan_for(new_pack)
    report = DiffReport(old_label or display_path(Path(old_pack)), new_label or display_path(Path(new_pack)),
                        display_path(corpus), day.isoformat(), max_events=max_events)
    report.edits = rule_edits(old_plan, new_plan)
    old_ids, new_ids = set(old_plan.by_id), set(new_plan.by_id)
    rule_ids = sorted(old_ids | new_ids)

    def good(records):
        for record in records:
            if record.error is None:
                yield record.data

    report.unreadable = sum(1 for r in _records(corpus) if r.error is not None)
    olds = creditrules.evaluate_many(good(_records(corpus)), old_pack, day, evaluator=evaluator, trace="fired")
    news = creditrules.evaluate_many(good(_records(corpus)), new_pack, day, evaluator=evaluator, trace="fired")
    for a, b in zip(olds, news, strict=True):
        report.events += 1
        for item in (a, b):            # the engine's plain data holds dataclasses: as the JSON a user reads
            if item.data is not None:
                item.data = orjson.loads(item.to_json())
        if a.error is not None and b.error is not None:
            report.invalid_both += 1
            continue
        raw_id = (a.data or b.data or {}).get("event_id")
        event_id = str(raw_id) if raw_id is not None else f"#{a.index}"
        changes: list[tuple[str, str, str]] = []
        if a.data is None or b.data is None:
            error = a.error if a.error is not None else b.error
            first = error.diagnostics[0] if error is not None and error.diagnostics else None
            reason = f"{first.code}: {first.message}" if first else "invalid"
            changes.append(("error", reason if a.error is not None else "ok", "ok" if a.error is not None else reason))
        else:
            changes = compare(facets(a.data, old_plan.pack.default_document),
                              facets(b.data, new_plan.pack.default_document))
        rule_changes = []
        if a.data is not None and b.data is not None:
            oa = _outcomes(a.data, rule_ids)
            ob = _outcomes(b.data, rule_ids)
            for rid in rule_ids:
                fa = oa[rid] if rid in old_ids else "not_in_pack"
                fb = ob[rid] if rid in new_ids else "not_in_pack"
                if fa != fb:
                    rule_changes.append((rid, fa, fb))
        if not changes and not rule_changes:
            continue
        if changes:
            report.changed += 1
            by_field: dict[str, list[tuple[str, str]]] = {}
            for name, x, y in changes:
                group = field_of(name)
                # a date that moved is grouped by how it moved (`2 years earlier`); an item's field
                # (`deadlines.objection_handling.due`) is named in the transition
                sub = "" if group == name else name[len(group) + 1:] + ": "
                moved = shift(x, y)
                label = ("", f"{sub}{moved}") if moved else ((f"{sub}{x}", y) if sub else (x, y))
                by_field.setdefault(group, []).append(label)
            for group, transitions in by_field.items():
                report.fields.setdefault(group, Group(group)).add(event_id, transitions)
        for rid, fa, fb in rule_changes:
            report.rules.setdefault(rid, Group(rid)).add(event_id, [(fa, fb)])
        if changes and len(report.changed_events) < max_events:
            report.changed_events.append({"event_id": event_id, "index": a.index,
                                          "changes": [{"field": n, "from": x, "to": y} for n, x, y in changes],
                                          "rules": [{"rule": r, "from": x, "to": y} for r, x, y in rule_changes]})
    return report


# --- a pack at a committed revision ----------------------------------------------------------------------------

def _git(args: list[str], cwd: Path) -> bytes:
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=120)
    except FileNotFoundError:
        raise UsageError([Diagnostic("no-git", "`--git` needs the `git` command, which is not installed",
                                     Position())]) from None
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError([Diagnostic("git-failed", f"git {' '.join(args[:2])}: "
                                     + (message[-1] if message else f"exit {proc.returncode}"), Position())])
    return proc.stdout


@contextlib.contextmanager
def pack_at_revision(pack_dir: Path, rev: str) -> Iterator[Path]:
    """The pack folder as committed at `rev`, exported (with the folders beside it: layers, calendar) into a
    temporary folder that is removed afterwards."""
    pack_dir = Path(pack_dir).resolve()
    if rev.startswith("-"):
        raise UsageError([Diagnostic("bad-option", f"`--git {rev}` is not a revision", Position())])
    root = Path(_git(["rev-parse", "--show-toplevel"], pack_dir).decode("utf-8").strip()).resolve()
    try:
        rel_pack = pack_dir.relative_to(root)
    except ValueError:
        raise UsageError([Diagnostic("not-in-repository", f"`{pack_dir}` is not inside the git repository "
                                     f"`{root}`", Position())]) from None
    export = rel_pack.parent          # the folder holding the pack: its layers and calendar come along
    _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], root)
    listing = _git(["ls-tree", "--name-only", f"{rev}", "--", f"{rel_pack.as_posix()}/pack.yaml"], root)
    if not listing.strip():
        raise UsageError([Diagnostic("not-in-revision", f"`{rel_pack.as_posix()}/pack.yaml` is not in revision "
                                     f"`{rev}`", Position())])
    data = _git(["archive", "--format=tar", rev, "--", export.as_posix()], root)
    tmp = Path(tempfile.mkdtemp(prefix="creditrules-diff-"))
    try:
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            members = [m for m in tar.getmembers() if (m.isfile() or m.isdir()) and not _unsafe(m.name)]
            tar.extractall(tmp, members=members)            # regular files and folders only, inside tmp
        yield tmp / rel_pack
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _unsafe(name: str) -> bool:
    parts = Path(name).parts
    return name.startswith(("/", "\\")) or ".." in parts or os.path.isabs(name)


def default_corpus(pack_dir: Path) -> Path:
    files = sorted((Path(pack_dir) / "corpus").glob("*.jsonl"))
    if not files:
        raise UsageError([Diagnostic("no-corpus",
                                     f"no corpus given and none in `{display_path(Path(pack_dir))}/corpus/`",
                                     Position(), "give one with --events EVENTS.jsonl")])
    return files[0]


# --- rendering -------------------------------------------------------------------------------------------------

def _transition(t: dict) -> str:
    a, b = t["from"], t["to"]
    if not a:
        return f"added {b.lstrip('+')}" if b.startswith("+") else b
    if not b:
        return f"removed {a.lstrip('-')}" if a.startswith("-") else a
    return f"{a} -> {b}"


def render_text(report: DiffReport) -> str:
    data = report.as_json()
    s = data["summary"]
    lines = [f"{report.old} -> {report.new} over {report.corpus} (as of {report.as_of})",
             f"  {s['events']} events: {s['changed']} determinations change, {s['unchanged']} unchanged"
             + (f", {s['invalid_in_both']} invalid under both" if s["invalid_in_both"] else "")
             + (f"; {s['unreadable']} unreadable lines" if s["unreadable"] else "")]
    if report.edits:
        lines.append("rules edited:")
        lines += [f"  {e.rule}: {e.change}" + (f" ({', '.join(e.what)})" if e.what else "") for e in report.edits]
    if data["fields"]:
        lines.append("by field:")
    for g in data["fields"]:
        lines.append(f"  {g['name']}: {g['events']} events (e.g. {', '.join(g['examples'])})")
        for t in g["transitions"]:
            lines.append(f"    {_transition(t)}: {t['events']} (e.g. {', '.join(t['examples'])})")
        if g["more_transitions"]:
            lines.append(f"    ... and {g['more_transitions']} other changes")
    if data["rules"]:
        lines.append("by rule (outcome changed):")
    for g in data["rules"]:
        trans = "; ".join(f"{t['from']} -> {t['to']}: {t['events']}" for t in g["transitions"])
        lines.append(f"  {g['name']}: {g['events']} events ({trans}; e.g. {', '.join(g['examples'])})")
    if data["fields"] and not data["rules"]:
        lines.append("no rule's outcome changed (only what rules conclude)")
    if not data["fields"] and not data["rules"]:
        lines.append("no determination changes")
    return "\n".join(lines) + "\n"


def render_html(report: DiffReport) -> str:
    data = report.as_json()
    s = data["summary"]
    parts = ["<h1>变更影响 Impact of a change</h1>",
             f"<p><code>{esc(report.old)}</code> → <code>{esc(report.new)}</code>; "
             f"语料 corpus <code>{esc(report.corpus)}</code>; as of {esc(report.as_of)}</p>",
             "<table><tr><th>事件 events</th><th>结果改变 changed</th><th>未变 unchanged</th>"
             "<th>两边都无效 invalid in both</th></tr>"
             f'<tr><td>{s["events"]}</td><td id="changed">{s["changed"]}</td><td>{s["unchanged"]}</td>'
             f'<td>{s["invalid_in_both"]}</td></tr></table>']
    if report.edits:
        parts.append("<h2>修改的规则 rules edited</h2><table><tr><th>rule</th><th>change</th><th>what</th></tr>"
                     + "".join(f"<tr><td><code>{esc(e.rule)}</code></td><td>{esc(e.change)}</td>"
                               f"<td>{esc(', '.join(e.what))}</td></tr>" for e in report.edits) + "</table>")
    parts.append("<h2>按字段 by field</h2>")
    if data["fields"]:
        parts.append("<table><tr><th>字段 field</th><th>事件 events</th><th>变化 change</th></tr>")
        for g in data["fields"]:
            rows = "".join(f"<li>{esc(_transition(t))}: {t['events']} <span class='muted small'>"
                           f"({esc(', '.join(t['examples']))})</span></li>" for t in g["transitions"])
            more = f"<li class='muted'>… {g['more_transitions']} more</li>" if g["more_transitions"] else ""
            parts.append(f"<tr><td><code>{esc(g['name'])}</code></td><td>{g['events']}</td>"
                         f"<td><ul class='cases'>{rows}{more}</ul></td></tr>")
        parts.append("</table>")
    else:
        parts.append("<p>没有判定结果改变 no determination changes</p>")
    parts.append("<h2>按规则 by rule (outcome changed)</h2>")
    if data["rules"]:
        parts.append("<table><tr><th>规则 rule</th><th>事件 events</th><th>变化 change</th></tr>")
        for g in data["rules"]:
            rows = "".join(f"<li>{esc(t['from'])} → {esc(t['to'])}: {t['events']} <span class='muted small'>"
                           f"({esc(', '.join(t['examples']))})</span></li>" for t in g["transitions"])
            parts.append(f"<tr><td><code>{esc(g['name'])}</code></td><td>{g['events']}</td>"
                         f"<td><ul class='cases'>{rows}</ul></td></tr>")
        parts.append("</table>")
    else:
        parts.append("<p>没有规则的结果改变（只有结论改变）no rule's outcome changed (only what rules conclude)</p>")
    if data["events"]:
        parts.append(f"<h2>事件 events (first {len(data['events'])} of {s['changed']})</h2><table>"
                     "<tr><th>event</th><th>changes</th></tr>")
        for e in data["events"]:
            rows = "".join(f"<li><code>{esc(c['field'])}</code>: {esc(_transition(c))}</li>" for c in e["changes"])
            parts.append(f"<tr><td><code>{esc(e['event_id'])}</code></td><td><ul class='cases'>{rows}</ul></td></tr>")
        parts.append("</table>")
    return page("creditrules diff", "\n".join(parts))
