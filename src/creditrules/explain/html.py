"""The explanation as one self-contained HTML page (`explain --format html`): the verdict, the conclusions with the
rules and the quoted provisions, the missing facts, the warnings, every cited provision in full, and the trace
folded in a <details>. No script, no external resource: the page can be mailed, archived or printed (to PDF).

Every text is escaped (`html.escape`, after `words.visible` makes control and bidirectional characters visible);
event text (its id, names) is also isolated in <bdi> so a right-to-left name cannot reorder the line around it.
"""
from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

from . import words as wd

_CSS = """
:root { --ink: #1d2330; --muted: #5b6475; --line: #d9dee8; --accent: #1f5fbf; --warn: #9a6200; --ok: #1d7a3a;
        --bad: #b3261e; --paper: #ffffff; --band: #f4f6fa; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--band); color: var(--ink); font: 15px/1.6 "Noto Sans CJK SC", "Noto Sans SC",
       "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", system-ui, sans-serif; }
main { max-width: 960px; margin: 24px auto; background: var(--paper); border: 1px solid var(--line);
       border-radius: 8px; padding: 28px 36px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 16px 0 4px; }
.subject { color: var(--muted); margin: 0 0 12px; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; color: var(--muted); }
dl.meta dt { font-weight: 600; }
dl.meta dd { margin: 0; }
.verdict { background: #eef4ff; border-left: 4px solid var(--accent); padding: 12px 16px; margin: 20px 0 0;
           font-size: 16px; font-weight: 600; }
.verdict span + span::before { content: var(--sep); font-weight: 400; }
.conclusion { margin: 0 0 6px; }
.statement { font-weight: 600; }
ul { margin: 4px 0; padding-left: 22px; }
li { margin: 2px 0; }
.reasons { color: var(--muted); list-style: "← "; }
code, .rule { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px; }
.rule { color: var(--accent); }
.citation a { color: var(--ink); font-weight: 600; text-decoration: none; border-bottom: 1px dotted var(--muted); }
q { quotes: "「" "」"; }
.note { color: var(--muted); font-size: 13px; }
.id { color: var(--ok); font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px; }
.missing { color: var(--warn); }
.warnings h3 { color: var(--warn); }
.provisions dt { font-weight: 600; margin-top: 10px; }
.provisions dd { margin: 2px 0 0 0; white-space: pre-line; border-left: 3px solid var(--line); padding-left: 12px; }
details { margin-top: 24px; }
summary { cursor: pointer; font-weight: 600; }
table { border-collapse: collapse; width: 100%; font-size: 13px; margin-top: 8px; }
th, td { border-bottom: 1px solid var(--line); padding: 3px 6px; text-align: left; vertical-align: top; }
tr.fired td.outcome { color: var(--ok); } tr.not_fired td.outcome { color: var(--muted); }
tr.undetermined td.outcome { color: var(--warn); } tr.overridden td.outcome { color: var(--bad); }
footer { color: var(--muted); font-size: 12px; margin-top: 24px; }
@media print { body { background: #fff; } main { border: 0; margin: 0; max-width: none; } details { display: none; } }
"""


def esc(text: Any) -> str:
    return html.escape(wd.visible(text), quote=True)


def _bdi(text: Any, cls: str = "") -> str:
    return f'<bdi class="{cls}">{esc(text)}</bdi>' if cls else f"<bdi>{esc(text)}</bdi>"


class HtmlRenderer:
    def __init__(self, data: dict):
        self.data = data
        self.w = wd.words(data["lang"])
        self.anchor = {p["label"]: f"p{i}" for i, p in enumerate(data["provisions"])}

    def cite(self, cite: dict) -> str:
        anchor = self.anchor.get(cite["label"])
        label = esc(cite["label"])
        link = f'<a href="#{anchor}">{label}</a>' if anchor else label
        title = f"【{esc(cite['title'])}】" if cite.get("title") else ""
        quote = f"：<q>{esc(cite['quote'])}</q>" if cite.get("quote") else ""
        return f'<li class="citation" data-label="{label}">{link}{title}{quote}</li>'

    def cites(self, cites: Iterable[dict]) -> str:
        body = "".join(self.cite(c) for c in cites)
        return f'<ul class="citations">{body}</ul>' if body else ""

    def reasons(self, reasons: Iterable[dict]) -> str:
        body = "".join(f'<li><span class="rule">{esc(r["rule"])}</span>{esc(self.w["colon"])}{esc(r["because"])}'
                       "</li>" for r in reasons)
        return f'<ul class="reasons">{body}</ul>' if body else ""

    def notes(self, notes: Iterable[str]) -> str:
        return "".join(f'<div class="note">{esc(x)}</div>' for x in notes)

    def item(self, item: dict) -> str:
        w = self.w
        head = f'<span class="id">{esc(item["id"])}</span>' if item.get("id") else ""
        if item["key"] in ("decision", "deadline"):
            head += f'{esc(w["colon"])}<span class="statement">{esc(item["statement"])}</span>'
        else:
            kind = {"procedure": w["procedure"], "criterion": w["criteria"]}.get(item["key"])
            if kind:
                head = f"{esc(kind)} {head}"
            if item.get("title") and item["title"] != item.get("id"):
                head += f" {esc(item['title'])}"
            if item.get("tier_words"):
                head += f' <span class="note">{esc(w["open"] + item["tier_words"] + w["list_sep"])}' \
                        f'{esc(item["target_words"] + w["close"])}</span>'
        if item.get("persons"):
            head += f' — {esc(w["persons"] + w["colon"])}<bdi class="persons">{esc(item["persons"])}</bdi>'
        return (f'<li class="item" data-key="{esc(item["key"])}" data-id="{esc(item.get("id") or "")}">{head}'
                f'{self.notes(item.get("notes") or ())}{self.reasons(item["reasons"])}{self.cites(item["citations"])}'
                "</li>")

    def conclusion(self, con: dict) -> str:
        w = self.w
        items = "".join(self.item(x) for x in con["items"])
        return (f'<article class="conclusion" data-key="{esc(con["key"])}" id="c-{esc(con["key"])}">'
                f'<h3>{esc(con["title"])}{esc(w["colon"])}<span class="statement">{esc(con["statement"])}</span></h3>'
                f'{self.notes(con.get("notes") or ())}{self.reasons(con["reasons"])}{self.cites(con["citations"])}'
                + (f'<ul class="items">{items}</ul>' if items else "") + "</article>")

    def header(self) -> str:
        d, w = self.data, self.w
        h = d["header"]
        pack, subject = h["pack"], h["subject"]
        who = (_bdi(subject["name"], "subject-name") + esc(w["open"] + subject["type_words"] + w["close"])
               if subject.get("name") else esc(subject["type_words"]))
        layers = f" + {esc(', '.join(pack['layers']))}" if pack.get("layers") else ""
        return (f'<header><h1>{esc(w["title"])} {_bdi(h["event_id"], "event-id")}</h1>'
                f'<p class="subject">{esc(w["subject"])}{esc(w["colon"])}{who}</p>'
                '<dl class="meta">'
                f'<dt>{esc(w["pack"])}</dt><dd>{esc(pack["id"])} {esc(pack["version"])}'
                f'{esc(w["open"] + pack["status_words"] + w["close"])}{layers}</dd>'
                f'<dt>{esc(w["as_of"])}</dt><dd class="as-of">{esc(h["as_of"])}</dd>'
                f'<dt>{esc(w["digest"])}</dt><dd><code title="{esc(pack["digest"])}">{esc(pack["digest_short"])}'
                '</code></dd>'
                f'<dt>{esc(w["version_because"])}</dt><dd>{esc(pack["selected_because"])}</dd></dl></header>')

    def verdict(self) -> str:
        w = self.w
        parts = "".join(f'<span data-key="{esc(p["key"])}">{esc(p["text"])}</span>'
                        for p in self.data["verdict"]["parts"])
        return (f'<section class="verdict" id="verdict" style="--sep: \'{esc(w["sep"])}\'" '
                f'aria-label="{esc(w["verdict"])}">{parts}</section>')

    def missing(self) -> str:
        facts = self.data["missing_facts"]
        if not facts:
            return ""
        w = self.w
        body = "".join(f'<li><code>{esc(f["name"])}</code>' + (f" {esc(f['label'])}" if f["label"] else "") + "</li>"
                       for f in facts)
        return f'<section id="missing" class="missing"><h2>{esc(w["missing"])}</h2><ul>{body}</ul></section>'

    def warnings(self) -> str:
        groups = self.data["warnings"]
        if not groups:
            return ""
        w = self.w
        out = [f'<section id="warnings" class="warnings"><h2>{esc(w["warnings"])}</h2>']
        for g in groups:
            out.append(f'<h3 data-group="{esc(g["group"])}">{esc(g["title"])}</h3><ul>')
            for item in g["items"]:
                labels = w["list_sep"].join(self._short(x) for x in item["labels"])
                out.append(f"<li>{esc(item['text'])}"
                           + (f' <span class="note">{esc(w["open"] + labels + w["close"])}</span>' if labels else "")
                           + (f' <span class="note">{esc(item["note"])}</span>' if item.get("note") else "")
                           + "</li>")
            out.append("</ul>")
        out.append("</section>")
        return "".join(out)

    def _short(self, label: str) -> str:
        for p in self.data["provisions"]:
            if p["label"] == label:
                return p["short"]
        return label

    def provisions(self) -> str:
        w = self.w
        body = "".join(f'<dt id="{self.anchor[p["label"]]}">{esc(p["label"])}'
                       + (f"【{esc(p['title'])}】" if p.get("title") else "") + f'</dt><dd>{esc(p["text"])}</dd>'
                       for p in self.data["provisions"])
        return f'<section id="provisions" class="provisions"><h2>{esc(w["provisions"])}</h2><dl>{body}</dl></section>'

    def trace(self) -> str:
        d, w = self.data, self.w
        rows = "".join(
            f'<tr class="{esc(e["outcome"])}"><td><code>{esc(e["rule"])}</code></td>'
            f'<td class="outcome">{esc(e["outcome_words"])}</td><td>{esc(e["because"])}</td>'
            f'<td>{esc(w["list_sep"].join(e["missing"]))}</td>'
            f'<td>{esc(w["list_sep"].join(self._short(x) for x in e["citations"]))}</td></tr>' for e in d["trace"])
        head = "".join(f"<th>{esc(x)}</th>" for x in (w["rule"], w["verdict"], w["because"], w["missing"],
                                                     w["provisions"]))
        return (f'<details id="trace"><summary>{esc(w["trace"])}{esc(w["open"] + d["trace_counts_words"] + w["close"])}'
                f"</summary><table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></details>")

    def render(self) -> str:
        d, w = self.data, self.w
        h = d["header"]
        lang = "zh-Hans" if d["lang"] == "zh" else "en"
        conclusions = "".join(self.conclusion(c) for c in d["conclusions"])
        return ("<!DOCTYPE html>\n"
                f'<html lang="{lang}"><head><meta charset="utf-8">'
                '<meta name="viewport" content="width=device-width, initial-scale=1">'
                '<meta name="generator" content="creditrules">'
                f"<title>{esc(w['title'])} {esc(h['event_id'])} — {esc(h['pack']['id'])} {esc(h['pack']['version'])}"
                f"</title><style>{_CSS}</style></head>\n<body><main>"
                f"{self.header()}{self.verdict()}"
                f'<section id="conclusions">{conclusions}</section>'
                f"{self.missing()}{self.warnings()}{self.provisions()}{self.trace()}"
                f'<footer>creditrules · {esc(h["pack"]["digest"])}</footer>'
                "</main></body></html>\n")


def render_html(data: dict) -> str:
    """The explanation data as one self-contained HTML page."""
    return HtmlRenderer(data).render()


_MARKS = {"false": "✗", "unknown": "?", "true": "✓", None: ""}


def _why_node(node: dict, w: dict) -> str:
    mark = _MARKS[node.get("mark")]
    mark_html = f'<span class="mark mark-{esc(node.get("mark"))}">{esc(mark)}</span> ' if mark else ""
    if "rule" in node:
        kind = w["exception"] if node.get("exception") else w["rule"]
        head = (f'{mark_html}{esc(kind)} <span class="rule">{esc(node["rule"])}</span>{esc(w["colon"])}'
                f'<span class="outcome {esc(node["outcome"])}">{esc(node["outcome_words"])}</span> — '
                f'{esc(node["because"])}')
    else:
        head = f"{mark_html}{esc(node['text'])}"
    cites = "".join(f'<li class="citation">{esc(c["label"])}'
                    + (f"：<q>{esc(c['quote'])}</q>" if c.get("quote") else "") + "</li>"
                    for c in node.get("citations") or ())
    children = "".join(_why_node(c, w) for c in node["children"])
    inner = (f'<ul class="citations">{cites}</ul>' if cites else "") + (f"<ul>{children}</ul>" if children else "")
    return f"<li>{head}{inner}</li>"


def render_why_not_html(data: dict) -> str:
    """The why-not data as one self-contained HTML page."""
    w = wd.words(data["lang"])
    h = data["header"]
    lang = "zh-Hans" if data["lang"] == "zh" else "en"
    title = f"{w['why_applies'] if data['applies'] else w['why_not']} {data['target']}"
    rules = "".join(_why_node(node, w) for node in data["rules"])
    changes = "".join(f'<li class="change">{esc(c["text"])}</li>' for c in data["changes"])
    summary = f'<p class="note">{esc(data["summary"])}</p>' if data["summary"] else ""
    smallest = (f'<section id="changes"><h2>{esc(w["smallest"])}</h2><ul>{changes}</ul>{summary}</section>'
                if not data["applies"] else summary)
    return ("<!DOCTYPE html>\n"
            f'<html lang="{lang}"><head><meta charset="utf-8"><meta name="generator" content="creditrules">'
            f"<title>{esc(title)}</title><style>{_CSS}</style></head>\n<body><main>"
            f'<header><h1>{esc(title)}</h1><p class="subject">{_bdi(h["event_id"], "event-id")} · '
            f'{esc(h["pack"]["id"])} {esc(h["pack"]["version"])} · {esc(w["as_of"])} {esc(h["as_of"])}</p></header>'
            f'<section id="chain"><ul>{rules}</ul></section>{smallest}</main></body></html>\n')
