"""The law's own text, held by the pack: parsed into articles (條/条), paragraphs (款) and items (項/项).

Nothing here is typed by hand: the index is generated from the verbatim source file on every load, so a
citation is checked against the words of the law, not against a copy that could drift.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
           "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
NUMERAL = "零〇一二两兩三四五六七八九十百千"
MAX_NUMERAL = 9999  # 千 is the largest unit read or written; no law held runs to ten thousand articles


def cn_to_int(text: str) -> int:
    """Chinese numeral to int: 十 -> 10, 十二 -> 12, 六十八 -> 68, 一百零二 -> 102."""
    if text.isascii() and text.isdigit():
        return int(text)
    total, current = 0, 0
    for ch in text:
        if ch in _DIGITS:
            current = _DIGITS[ch]
        elif ch in _UNITS:
            total += (current or 1) * _UNITS[ch]
            current = 0
        else:
            raise ValueError(f"not a Chinese numeral: {text!r}")
    return total + current


def int_to_cn(n: int) -> str:
    """int to Chinese numeral as used in article numbers: 10 -> 十, 12 -> 十二, 68 -> 六十八, 102 -> 一百零二."""
    digits = "零一二三四五六七八九"
    if not 0 <= n <= MAX_NUMERAL:
        raise ValueError(f"article numbers run from 0 to {MAX_NUMERAL}, got {n}")
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    if n < 100:
        return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
    unit, word = (100, "百") if n < 1000 else (1000, "千")
    head, rest = divmod(n, unit)
    tail = ("" if rest == 0 else ("零" if rest < unit // 10 else "")
            + (_below_hundred(rest) if rest < 100 else int_to_cn(rest)))
    return digits[head] + word + tail


def _below_hundred(n: int) -> str:
    """After 零 inside a larger number 10-19 keep their 一: 一百一十, 一千零一十."""
    return "一" + int_to_cn(n) if 10 <= n < 20 else int_to_cn(n)


_DEBRIS = re.compile(r"\[bookmark:[^\]]*\]")
_PAGE_MARK = re.compile(r"^[\s\-－—–]*\d+[\s\-－—–]*$")
_ARTICLE = re.compile(rf"^第([{NUMERAL}]+)[條条]\s*(?:【([^】]*)】)?\s*(.*)$")
# a circular's closing lines
_TRAILER = re.compile(r"^(抄送|主送|印发|\S*办公厅$|\S*办公室$|\d{4}年\d{1,2}月\d{1,2}日印发)")
_CHAPTER = re.compile(rf"^第([{NUMERAL}]+)章\s*(.*)$")
_ITEM = re.compile(rf"^[（(]([{NUMERAL}]+)[)）]\s*(.*)$")


@dataclass
class Item:
    number: int
    text: str
    line: int


@dataclass
class Paragraph:
    number: int
    text: str
    line: int
    items: list[Item] = field(default_factory=list)

    def full_text(self) -> str:
        return "\n".join([self.text] + [f"（{int_to_cn(i.number)}）{i.text}" for i in self.items])


@dataclass
class Article:
    number: int
    title: str | None
    chapter: str | None
    line: int
    paragraphs: list[Paragraph] = field(default_factory=list)

    def full_text(self) -> str:
        return "\n".join(p.full_text() for p in self.paragraphs)


@dataclass
class LawText:
    """One document's article index."""
    document: str
    title: str
    traditional: bool
    articles: dict[int, Article]
    preamble: list[str]

    @property
    def article_word(self) -> str:
        return "條" if self.traditional else "条"

    @property
    def item_word(self) -> str:
        return "項" if self.traditional else "项"


def parse_law_text(text: str, document: str, title: str) -> LawText:
    """Split a regulation's text into articles, paragraphs and items (see docs/pack-format.md section 2)."""
    articles: dict[int, Article] = {}
    preamble: list[str] = []
    trailer: list[str] = []          # 抄送/印发 lines after the last article: not law
    chapter: str | None = None
    current: Article | None = None
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = _DEBRIS.sub("", raw).replace("\u3000", " ").strip()
        if not line or _PAGE_MARK.match(line):
            continue
        m = _ARTICLE.match(line)
        if m and cn_to_int(m.group(1)) == (current.number + 1 if current else 1):
            current = Article(cn_to_int(m.group(1)), (m.group(2) or None), chapter, lineno)
            articles[current.number] = current
            if m.group(3):
                current.paragraphs.append(Paragraph(1, m.group(3), lineno))
            continue
        m = _CHAPTER.match(line)
        if m and (current is None or not _ITEM.match(line)):
            chapter = re.sub(r"\s+", " ", line)
            continue
        if current is None:
            preamble.append(line)
            continue
        if _TRAILER.match(line):
            trailer.append(line)
            continue
        if trailer:
            trailer.append(line)
            continue
        m = _ITEM.match(line)
        if m and current.paragraphs:
            current.paragraphs[-1].items.append(Item(cn_to_int(m.group(1)), m.group(2), lineno))
        else:
            current.paragraphs.append(Paragraph(len(current.paragraphs) + 1, line, lineno))
    traditional = "條" in text and "条" not in text
    return LawText(document, title, traditional, articles, preamble)


# --- citations --------------------------------------------------------------------------------------------

@dataclass(frozen=True, order=True)
class Cite:
    """A reference to a provision: document, article, paragraph (款), item (項)."""
    document: str
    article: int
    paragraph: int | None = None
    item: int | None = None

    def compact(self, default_document: str | None = None) -> str:
        parts = [str(self.article)]
        if self.paragraph is not None:
            parts.append(str(self.paragraph))
        if self.item is not None:
            parts.append(str(self.item))
        body = ".".join(parts)
        return body if self.document == default_document else f"{self.document}:{body}"


_COMPACT = re.compile(r"^(?:([A-Za-z_][\w-]*):)?(\d+)(?:\.(\d+))?(?:\.(\d+))?$")
_CHINESE = re.compile(rf"^(?:《([^》]+)》)?第([{NUMERAL}]+)[條条](?:第([{NUMERAL}]+)款)?"
                      rf"(?:第?(?:[（(]([{NUMERAL}]+)[)）]|([{NUMERAL}]+))[項项])?$")   # 第（二）项 or 第二项


def parse_cite(text: str, default_document: str, titles: dict[str, str]) -> Cite:
    """`33.1.2`, `doc:33.1.2`, `第三十三條第一款第（二）項` or the usual written form `第三十三条第一款第二项`
    (optionally `《title》` first). ValueError if neither."""
    text = str(text).strip().replace(" ", "")
    m = _COMPACT.match(text)
    if m:
        doc = m.group(1) or default_document
        return Cite(doc, int(m.group(2)), int(m.group(3)) if m.group(3) else None,
                    int(m.group(4)) if m.group(4) else None)
    m = _CHINESE.match(text)
    if m:
        doc = default_document
        if m.group(1):
            wanted = m.group(1)
            matches = [d for d, t in titles.items() if t == wanted or t.replace("（", "(").replace("）", ")") == wanted]
            if not matches:
                raise ValueError(f"no document titled 《{wanted}》 in this pack")
            doc = matches[0]
        paragraph = cn_to_int(m.group(3)) if m.group(3) else None
        item_text = m.group(4) or m.group(5)
        item = cn_to_int(item_text) if item_text else None
        if item is not None and paragraph is None:
            paragraph = 1
        return Cite(doc, cn_to_int(m.group(2)), paragraph, item)
    raise ValueError(f"`{text}` is not a citation: write `33`, `33.2`, `33.1.2` or `第三十三條第一款第（二）項`")


def resolve(law: LawText, cite: Cite) -> tuple[str, str] | str:
    """(label, text) of the provision, or an error message when the held text has no such provision."""
    article = law.articles.get(cite.article)
    if article is None:
        last = max(law.articles) if law.articles else 0
        return f"article {cite.article} is not in the held text of `{law.document}` (it has articles 1-{last})"
    label = f"《{law.title}》第{int_to_cn(cite.article)}{law.article_word}"
    if cite.paragraph is None:
        return label, article.full_text()
    if not 1 <= cite.paragraph <= len(article.paragraphs):
        return (f"article {cite.article} of `{law.document}` has {len(article.paragraphs)} paragraph(s), "
                f"not paragraph {cite.paragraph}")
    paragraph = article.paragraphs[cite.paragraph - 1]
    if len(article.paragraphs) > 1:
        label += f"第{int_to_cn(cite.paragraph)}款"
    if cite.item is None:
        return label, paragraph.full_text()
    items = {i.number: i for i in paragraph.items}
    if cite.item not in items:
        return (f"article {cite.article} paragraph {cite.paragraph} of `{law.document}` has "
                f"{len(items)} item(s), not item {cite.item}")
    label += f"第（{int_to_cn(cite.item)}）{law.item_word}"
    return label, items[cite.item].text


# --- the article index file a pack holds beside its text ------------------------------------------------------

def index_path(source) -> Path:
    source = Path(source)
    return source.with_name(source.stem + ".articles.yaml")


def render_index(law: LawText, source_name: str, text: str) -> str:
    """The article index as YAML: generated from the text, never edited by hand (`creditrules index`)."""
    import hashlib

    import yaml
    articles = {}
    for number, article in sorted(law.articles.items()):
        entry: dict = {}
        if article.chapter:
            entry["chapter"] = article.chapter
        if article.title:
            entry["title"] = article.title
        paragraphs = []
        for p in article.paragraphs:
            para: dict = {"text": p.text}
            if p.items:
                para["items"] = {i.number: i.text for i in p.items}
            paragraphs.append(para)
        entry["paragraphs"] = paragraphs
        articles[number] = entry
    data = {"document": law.document, "title": law.title, "source": source_name,
            "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(), "articles": articles}
    header = (f"# Generated by `creditrules index` from {source_name}: the articles, paragraphs (款) and items (項)\n"
              "# the parser read. Do not edit: change the text, then run `creditrules index` again.\n")
    return header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100_000)
