"""`creditrules new-pack J --text FILE.txt`: a pack scaffolded from a law's text, for legal staff to fill in.

Written into `--out DIR` (default `policies/J`), which must not hold a pack already:

    pack.yaml                      the jurisdiction, the one document, one version (dates to fill in)
    source/<doc>.txt               the law's text, copied as given
    source/<doc>.articles.yaml     the article index (`creditrules index`: `lawtext.render_index`)
    ledger.yaml                    every article of the text, each marked todo (see below)
    rules/main.yaml                an empty rule file (`rules: []`)
    tests/main.yaml                an empty test file
    vocabulary.yaml                the pack's own names beyond the core set: none yet (comments show the format)

The ledger's `todo`. `load.LEDGER_STATUSES` accepts `encoded`, `declaratory`, `out_of_scope` and `pack_metadata`,
not `todo`; marking an article `declaratory` with a note `todo` would be accepted and make `validate` say `ok`
about an article nobody has read. So each article is written as a commented-out entry,
`# "12": {status: todo}   # 第十二条【title】`, one line per article in order: the pack loads, and `validate`
reports every one as a `ledger-gap` ("article(s) 1-68 of `regulation` are not accounted for in ledger.yaml") until
a person replaces the comment by a real status. (For a real `todo` status, load.py would need `"todo"` in
`LEDGER_STATUSES`, and validate.check_ledger a diagnostic per todo entry.)

`remaining(directory)` lists, in plain words, what is left to do on a pack (used by the command after scaffolding).
"""
from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..errors import Diagnostic, PackError, Position, UsageError
from ..lawtext import int_to_cn, parse_law_text, render_index

_ID = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass
class Scaffold:
    directory: Path
    files: list[Path]
    articles: int


def _usage(message: str) -> UsageError:
    return UsageError([Diagnostic("bad-option", message, Position())])


def scaffold(jurisdiction: str, text_file: Path, *, out: Path | None = None, title: str | None = None,
             title_en: str | None = None, document: str = "regulation") -> Scaffold:
    """Write the scaffold; UsageError for a bad name, a missing text, a text with no articles or a folder that
    already holds files."""
    if not _ID.match(jurisdiction):
        raise _usage(f"`{jurisdiction}` is not a pack name: use lower-case letters, digits and `_` (e.g. `shaanxi`)")
    text_file = Path(text_file)
    if not text_file.is_file():
        raise _usage(f"no law text at `{text_file}`: give the regulation as a UTF-8 .txt file with --text")
    try:
        text = text_file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise _usage(f"`{text_file}` is not UTF-8 text: save it as UTF-8 and try again") from None
    directory = Path(out) if out is not None else Path("policies") / jurisdiction
    if directory.exists() and any(directory.iterdir()):
        raise _usage(f"`{directory}` already holds files: choose an empty or new folder with --out")
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    title = title or first or jurisdiction
    law = parse_law_text(text, document, title)
    if not law.articles:
        raise _usage(f"no article (第一条 ...) found in `{text_file}`: is it the regulation's text?")
    source = directory / "source"
    (directory / "rules").mkdir(parents=True, exist_ok=True)
    (directory / "tests").mkdir(exist_ok=True)
    source.mkdir(exist_ok=True)
    shutil.copyfile(text_file, source / f"{document}.txt")
    files = [source / f"{document}.txt"]

    def write(path: Path, body: str) -> None:
        path.write_text(body, encoding="utf-8")
        files.append(path)

    write(source / f"{document}.articles.yaml", render_index(law, f"{document}.txt", text))
    write(directory / "pack.yaml", _pack_yaml(jurisdiction, document, title, title_en, len(law.articles)))
    write(directory / "ledger.yaml", _ledger_yaml(law))
    write(directory / "rules" / "main.yaml",
          "# Rules: one per provision (see docs/legal-staff-guide.md, section 3).\n"
          "group: other\nrules: []\n")
    write(directory / "tests" / "main.yaml",
          "# Test cases: a list of {name, as_of, event, expect} (see docs/legal-staff-guide.md, section 4).\n[]\n")
    write(directory / "vocabulary.yaml", VOCABULARY_YAML)
    return Scaffold(directory, files, len(law.articles))


VOCABULARY_YAML = """\
# This pack's own names: the facts, kinds, conduct tags ... its rules and events use that the library's core set
# (src/creditrules/vocabulary/core.yaml) lacks. `creditrules vocab -j <pack>` lists every name the pack reads and
# where it is declared; a name is declared once. Format (docs/pack-format.md, "Vocabulary"):
#
# facts:
#   info_corrected_on_request: {zh: 是否已应信用主体要求更正, en: corrected at the subject's request, type: bool}
"""


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _pack_yaml(jurisdiction: str, document: str, title: str, title_en: str | None, articles: int) -> str:
    return (f"id: {jurisdiction}\n"
            f"jurisdiction: {{zh: {_q(title)}, en: {_q(jurisdiction)}}}   # todo: the jurisdiction's name\n"
            "documents:\n"
            f"  - id: {document}\n"
            f"    title_zh: {_q(title)}\n"
            f"    title_en: {_q(title_en or title)}   # todo: the English title\n"
            f"    source: source/{document}.txt\n"
            f"    articles_published: {articles}\n"
            "versions:\n"
            '  - id: "1"\n'
            "    status: enacted\n"
            "    adopted_on: null          # todo: the date adopted (YYYY-MM-DD)\n"
            "    effective_from: null      # todo: the date in force (YYYY-MM-DD)\n"
            "    effective_to: null\n"
            f"    documents: [{document}]\n"
            "    text_held: true\n")


def _ledger_yaml(law) -> str:
    lines = ["# Every article of the text, each still to do. Replace each commented line by one of:",
             '#   "N": {status: encoded}                          a rule cites it',
             '#   "N": {status: declaratory, note: "why nothing is decided"}',
             '#   "N": {status: out_of_scope, reason: "why it is out of scope"}',
             f"# and, when you mark the first one, change `{law.document}: {{}}` below to `{law.document}:`.",
             "# (`todo` is not a status the loader accepts: until an article is marked, `creditrules validate`",
             "# reports it as a ledger gap.)",
             f"{law.document}: {{}}"]
    for number, article in sorted(law.articles.items()):
        label = f"第{int_to_cn(number)}{law.article_word}" + (f"【{article.title}】" if article.title else "")
        lines.append(f'  # "{number}": {{status: todo}}   # {label}')
    return "\n".join(lines) + "\n"


def remaining(directory: Path) -> list[str]:
    """What is left to do on a pack, in plain words (English; the codes are `validate`'s)."""
    from ..load import load_pack_dir
    from ..validate import validate_pack
    from .schema import vocabulary_for
    try:
        pack = load_pack_dir(directory)
    except PackError as exc:
        return [f"fix: {d.message} ({d.position})" for d in exc.diagnostics]
    result = validate_pack(pack, vocabulary_for(directory))
    out = []
    for d in result.errors:
        if d.code == "ledger-gap":
            out.append(f"mark in ledger.yaml: {d.message.replace(' are not accounted for in ledger.yaml', '')} "
                       "(encoded, declaratory with a note, or out_of_scope with a reason)")
        else:
            out.append(f"fix: {d.message} ({d.position})")
    if not pack.rules:
        out.append("rules/: no rule yet: add one rule per provision that decides something")
    if not pack.tests:
        out.append("tests/: no test case yet: add at least one per rule")
    return out
