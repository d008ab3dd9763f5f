"""One self-contained HTML page (inline CSS, no script, nothing fetched): the views legal staff open in a browser.

Every text put into a page goes through `esc` (a rule title, a case name, the law's words, an event id are data,
never markup); attributes are quoted and escaped the same way.
"""
from __future__ import annotations

from html import escape

CSS = """
body{font:15px/1.5 system-ui,"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em auto;
max-width:72em;padding:0 1em;color:#1d1d1f}
h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #ccc}
h3{font-size:1.05em;margin:1.5em 0 .3em}
.muted{color:#666}.small{font-size:.85em}
table{border-collapse:collapse;width:100%;margin:.4em 0 1em}
th,td{border:1px solid #ddd;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f4f4f6;font-weight:600}
.ok{background:#e7f6e7}.gap{background:#fde8e8}.na{background:#f4f4f6;color:#888}.warn{background:#fff4d6}
.badge{display:inline-block;padding:0 .45em;border-radius:.6em;font-size:.8em;background:#eee;margin-left:.4em}
.badge.encoded{background:#dbeafe}.badge.declaratory,.badge.pack_metadata{background:#eee}
.badge.out_of_scope{background:#f3e8ff}.badge.complete{background:#d1fae5}.badge.incomplete{background:#fee2e2}
.law{background:#fafafa;border-left:3px solid #bbb;padding:.3em .8em;margin:.3em 0}
.law p{margin:.2em 0}.law .item{margin-left:2em}
.cites{font-size:.85em;color:#444}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em}
ul.cases{margin:0;padding-left:1.1em}
"""


def esc(value: object) -> str:
    """Text as HTML: `&`, `<`, `>`, quotes escaped (safe in elements and in quoted attributes)."""
    return escape("" if value is None else str(value), quote=True)


def page(title: str, body: str, lang: str = "zh") -> str:
    return (f'<!DOCTYPE html>\n<html lang="{esc(lang)}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{esc(title)}</title>\n'
            f"<style>{CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n")
