"""The explanation as terminal text: rich `Text` and `Tree` objects built from the explanation data.

No markup string is ever parsed: every piece of text becomes a `Text` with a style, so a name such as
`ACME [asia] Ltd` or `[/b]张三` is printed as it is (control and bidirectional characters made visible by
`words.visible`), and nothing in an event can crash the renderer.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.console import Group
from rich.text import Text
from rich.tree import Tree

from . import words as wd

Piece = str | tuple[str, str]


def line(*pieces: Piece) -> Text:
    """A line of pieces: plain text, or (text, style). Every piece is data: `visible`, never markup."""
    out = Text()
    for piece in pieces:
        if isinstance(piece, tuple):
            out.append(wd.visible(piece[0]), style=piece[1])
        else:
            out.append(wd.visible(piece))
    return out


def citation_line(cite: dict, full: str | None, w: dict) -> Text:
    """《…》第三十四條第（四）項【title】：「quote」 (the full provision with --full-text)."""
    pieces: list[Piece] = [(cite["label"], "bold")]
    if cite.get("title"):
        pieces.append(f"【{cite['title']}】")
    text = full if full is not None else cite["quote"]
    if text:
        pieces.append(f"：「{text}」")
    return line(*pieces)


class TextRenderer:
    def __init__(self, data: dict, full_text: bool = False):
        self.data, self.full_text = data, full_text
        self.w = wd.words(data["lang"])
        self.texts = {p["label"]: p["text"] for p in data["provisions"]}

    def cite(self, parent: Tree, cite: dict) -> None:
        parent.add(citation_line(cite, self.texts.get(cite["label"]) if self.full_text else None, self.w))

    def reasons(self, parent: Tree, reasons: Iterable[dict]) -> None:
        for r in reasons:
            parent.add(line("← ", (f"{self.w['rule']} {r['rule']}", "cyan"), self.w["colon"], r["because"]))

    def header(self) -> list[Text]:
        h, w = self.data["header"], self.w
        pack = h["pack"]
        subject = h["subject"]
        who = [(w["title"], "bold"), " ", h["event_id"]]
        if subject.get("name"):
            who += [" · ", subject["name"], w["open"] + subject["type_words"] + w["close"]]
        else:
            who += [" · ", subject["type_words"]]
        second = [f"{w['pack']} ", (f"{pack['id']} {pack['version']}", "bold"),
                  w["open"] + pack["status_words"] + w["close"], " · ", f"{w['as_of']} ", (h["as_of"], "bold")]
        if pack.get("layers"):
            second += [" · + " + ", ".join(pack["layers"])]
        if pack.get("digest_short"):
            second += [" · ", f"{w['digest']} ", (pack["digest_short"], "dim")]
        return [line(*who), line(*second), line(f"{w['version_because']}{w['colon']}", pack["selected_because"]),
                line((f"{w['verdict']}{w['colon']}", "bold"), (self.data["verdict"]["text"], "bold"))]

    def item(self, parent: Tree, item: dict, show_reasons: bool = False) -> None:
        w = self.w
        pieces: list[Piece] = [(item["id"], "green")] if item.get("id") else []
        statement = item.get("statement") or ""
        title = item.get("title") or ""
        if item["key"] in ("decision", "deadline"):
            pieces += [w["colon"], statement]
        cites = item["citations"]
        covered = bool(title) and any(title.rstrip("。;；") in self.texts.get(x["label"], "") for x in cites)
        if title and title != item.get("id") and not covered and item["key"] not in ("decision", "deadline"):
            pieces += [" ", title]
        if item.get("persons"):
            pieces += [" — ", f"{w['persons']}{w['colon']}", item["persons"]]
        if len(cites) == 1 and not item.get("notes") and not show_reasons and not self.full_text:
            joint = " — " if item["key"] in ("decision", "deadline") else w["colon"]
            parent.add(line(*pieces, joint) + citation_line(cites[0], None, w))
            return
        node = parent.add(line(*pieces))
        for note in item.get("notes") or ():
            node.add(line((note, "dim")))
        if show_reasons:
            self.reasons(node, item["reasons"])
        for cite in cites:
            self.cite(node, cite)

    def measures(self, parent: Tree, items: list[dict]) -> None:
        """Measures grouped by why they apply: one `because` line for the group, one line per measure."""
        groups: dict[tuple[str, ...], list[dict]] = {}
        for item in items:
            groups.setdefault(tuple(r["because"] for r in item["reasons"]), []).append(item)
        if len(groups) == 1 and len(items) == 1:
            self.item(parent, items[0], show_reasons=True)
            return
        for because, members in groups.items():
            node = parent.add(line(self.w["group_because"].format(because=self.w["sep"].join(because) or "—"),
                                   _count(len(members), self.data["lang"])))
            for item in members:
                self.item(node, item)

    def conclusion(self, con: dict) -> Tree:
        w = self.w
        tree = Tree(line((con["title"], "bold"), w["colon"], con["statement"]))
        for note in con.get("notes") or ():
            tree.add(line((note, "dim")))
        if con["key"] in ("sanctions", "incentives"):
            self.measures(tree, con["items"])
            return tree
        self.reasons(tree, con["reasons"])
        for cite in con["citations"]:
            self.cite(tree, cite)
        grouped: dict[str, list[dict]] = {}
        for item in con["items"]:
            grouped.setdefault(item["key"], []).append(item)
        for key, items in grouped.items():
            name = {"criterion": w["criteria"], "procedure": w["procedure"]}.get(key)
            parent = tree if name is None else tree.add(line(name, _count(len(items), self.data["lang"])))
            for item in items:
                self.item(parent, item)
        return tree

    def missing(self) -> Text | None:
        facts = self.data["missing_facts"]
        if not facts:
            return None
        w = self.w
        shown = w["list_sep"].join(f"{f['name']}{w['open']}{f['label']}{w['close']}" if f["label"] else f["name"]
                                   for f in facts)
        return line((self.w["missing"], "bold yellow"), w["colon"], shown)

    def warnings(self) -> Tree | None:
        if not self.data["warnings"]:
            return None
        w = self.w
        tree = Tree(line((w["warnings"], "bold yellow")))
        for group in self.data["warnings"]:
            node = tree.add(line((group["title"], "yellow")))
            for item in group["items"]:
                labels = w["list_sep"].join(_short(x, self.data) for x in item["labels"])
                node.add(line(item["text"], *([(w["open"] + labels + w["close"], "dim")] if labels else []),
                              *([(item["note"], "dim")] if item.get("note") else [])))
        return tree

    def render(self) -> Group:
        parts: list[Any] = [*self.header(), Text("")]
        parts += [self.conclusion(con) for con in self.data["conclusions"]]
        missing = self.missing()
        if missing is not None:
            parts.append(missing)
        warnings = self.warnings()
        if warnings is not None:
            parts.append(warnings)
        parts.append(line((self.data["trace_counts_words"], "dim")))
        return Group(*parts)


def _count(n: int, lang: str) -> str:
    return f"（{n}）" if lang == "zh" else f" ({n})"


def _short(label: str, data: dict) -> str:
    for p in data["provisions"]:
        if p["label"] == label:
            return p["short"]
    return wd.short_label(label, data["lang"])


def render_text(data: dict, full_text: bool = False) -> Group:
    """The explanation data as a rich renderable (print it with a Console)."""
    return TextRenderer(data, full_text).render()


_MARKS = {"false": ("✗ ", "red"), "unknown": ("? ", "yellow"), "true": ("✓ ", "magenta"), None: ("", "")}
_OUTCOME_STYLE = {"fired": "green", "not_fired": "red", "overridden": "magenta", "undetermined": "yellow"}


def _why_node(parent: Tree, node: dict, w: dict) -> None:
    mark, style = _MARKS[node.get("mark")]
    if "rule" in node:
        label = line(*([(mark, style)] if mark else []),
                     (f"{w['exception'] if node.get('exception') else w['rule']} {node['rule']}", "cyan"),
                     w["colon"],
                     (node["outcome_words"], _OUTCOME_STYLE.get(node["outcome"], "")), " — ", node["because"])
    else:
        label = line((mark, style), node["text"])
    sub = parent.add(label)
    for cite in node.get("citations") or ():
        sub.add(citation_line(cite, None, w))
    for child in node["children"]:
        _why_node(sub, child, w)


def render_why_not(data: dict) -> Group:
    """The why-not data as a rich renderable."""
    w = wd.words(data["lang"])
    h = data["header"]
    title = w["why_applies"] if data["applies"] else w["why_not"]
    tree = Tree(line((title, "bold"), " ", (data["target"], "bold"), "?" if data["lang"] == "en" else "？",
                     w["open"] + f"{h['event_id']}, {h['pack']['id']} {h['pack']['version']}, {w['as_of']} "
                     f"{h['as_of']}" + w["close"]))
    for node in data["rules"]:
        _why_node(tree, node, w)
    if not data["applies"]:
        smallest = tree.add(line((w["smallest"], "bold")))
        for change in data["changes"]:
            smallest.add(line(("→ ", "green"), change["text"]))
        if data["summary"]:
            smallest.add(line((data["summary"], "dim")))
    return Group(tree)
