"""The words of an explanation, in Chinese and English, and the helpers that turn values into them.

Nothing here decides anything: a value of the determination (a level, a date, a flag, a list of persons) becomes
words in the language asked for, never a Python value (`None`, `True`, `[{'role': ...}]`).
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any, Optional

from ..vocabulary import Vocabulary

LANGS = ("zh", "en")

WORDS: dict[str, dict[str, Any]] = {
    "zh": {
        "title": "认定结果", "pack": "规范包", "digest": "摘要", "as_of": "评估日", "version_because": "适用版本",
        "verdict": "结论", "subject": "主体", "sep": "；", "list_sep": "、", "colon": "：", "open": "（", "close": "）",
        "dishonesty": "失信信息", "severe": "严重失信主体名单", "sanctions": "惩戒措施", "incentives": "激励措施",
        "publication": "公示", "repair": "信用修复", "deadlines": "期限", "decisions": "其他决定",
        "missing": "缺少的事实（未知不等于否）", "warnings": "提示", "trace": "规则逐条评估",
        "procedure": "程序", "criteria": "认定标准", "persons": "责任人", "rule": "规则", "rules": "规则",
        "because": "理由", "provisions": "引用的条文", "full_text": "条文全文", "items": "项",
        "trace_counts": "规则 {total} 条：适用 {fired}，不适用 {not_fired}，待定 {undetermined}，"
                        "因例外不适用 {overridden}，不属于本版本 {not_in_version}，不溯及适用 {withheld}",
        "levels": {"severe": "严重失信信息", "general": "一般失信信息", "none": "不属于失信信息",
                   "undetermined": "是否属于失信信息待定", "at_least": "至少属于一般失信信息，是否严重待定"},
        "list": {True: "可列入严重失信主体名单", False: "不列入严重失信主体名单",
                 None: "是否列入严重失信主体名单待定", "deferred": "是否列入严重失信主体名单由本规范包未收录的规定决定",
                 "silent": "本规范包对严重失信主体名单未作认定"},
        "levels_short": {"severe": "严重", "general": "一般", "none": "不属于", "undetermined": "待定",
                         "at_least": "至少为一般，是否严重待定"},
        "list_short": {"eligible": "可列入", "not_eligible": "不列入", "undetermined": "待定",
                       "deferred": "由本规范包未收录的规定决定", "silent": "本规范包未作认定"},
        "count": "{n} 项", "measures_short": "{n} 项", "measures_none_short": "本规范包未得出",
        "silent_short": "本规范包未作规定", "repair_earliest_short": "最早 {day} 可申请",
        "repair_unknown_short": "本规范包未定日期",
        "measures_none": "本规范包未得出惩戒措施", "measures": "惩戒措施 {n} 项", "measures_split": "一般 {general} 项、严重 {severe} 项",
        "measures_persons": "其中 {n} 项及于责任人", "incentives_n": "激励措施 {n} 项",
        "status": {"enacted": "已施行", "trial": "试行", "draft": "草案"},
        "disclosure": {"public": "向社会公开", "government_sharing": "政务共享", "authorized_query": "授权查询",
                       "none": "不公示", None: "公示方式未定"},
        "after_end": {"archive": "期满转为档案保存", "delete": "期满删除", "stop_sharing": "期满停止共享"},
        "window_from": "自 {start} 起", "window_min": "至少至 {day}", "window_max": "最长至 {day}",
        "window_extended": "届满时仍在名单上的，延至移出名单之日",
        "brief_span": "{start} 至 {end}", "brief_min_max": "{start} 起，最短至 {min}，最长至 {max}",
        "brief_from": "自 {start} 起", "brief_extended": "（仍在名单上的，延至移出名单之日）", "window_none": "公示期限本规范包未定",
        "window_no_start": "起算日未知", "publication_silent": "本规范包对公示未作规定",
        "repair_earliest": "最早 {day} 可申请信用修复", "repair_no": "不可信用修复", "repair_yes": "可以信用修复",
        "repair_unknown": "信用修复日期本规范包未定", "repair_days": "办理时限 {n} 个工作日",
        "deadline": "{n} 个工作日，自 {start} 起，{due} 届满", "deadline_no_start": "{n} 个工作日（起算日未知）",
        "until": "至 {day}", "tier": {"general": "一般", "severe": "严重"},
        "target": {"subject": "主体", "responsible_person": "责任人"},
        "group_general": "一般惩戒措施", "group_severe": "严重失信惩戒措施", "group_persons": "对责任人的措施",
        "group_because": "理由：{because}", "group_rules": "规则 {rules}",
        "yes": "是", "no": "否", "unknown": "未知", "not_given": "未给出", "unnamed": "（未具名）",
        "warn_groups": {"engine": "引擎提示", "deferral": "本规范包不作规定的事项（交由其他规定）",
                        "pack": "规范包提示"},
        "deferral_line": "{what}：依照{to}", "other_lang": "（规范包仅以英文写出）",
        "outcomes": {"fired": "适用", "not_fired": "不适用", "undetermined": "待定",
                     "overridden": "因例外规定不适用", "not_in_version": "不属于本版本",
                     "withheld": "施行前的行为，不溯及适用"},
        "computations": {"min_end": "最短期限", "max_end": "最长期限"},
        # --why-not
        "why_not": "为何不适用", "why_applies": "为何适用", "smallest": "最小改动（使其适用）",
        "no_change": "所试 {n} 种改动（至多三项事实）均不能使其适用（可改动的事实：{facts}）",
        "no_candidates": "没有可改动的事实可使其适用（取决于事件类型、主体类型或日期）",
        "already": "已适用，无需改动", "change_applies": "则适用 {labels}",
        "with": "若", "and": "且", "is_missing": "{name} 未给出", "is_false": "{name} 为“否”", "is_value": "{name} 为 {value}",
        "set_true": "{name}为“是”", "set_false": "{name}为“否”", "set_value": "{name}为 {value}",
        "add_conduct": "行为包含 {value}", "add_member": "{name} 包含 {value}", "set_basis": "认定依据文书为 {value}",
        "conduct_is": "行为为 {value}", "conduct_missing": "行为未给出", "basis_missing": "未给出认定依据文书",
        "basis_is": "依据文书为 {value}", "tried": "（已试 {n} 种改动）",
        "rule_line": "{rule} {id}：{outcome} — {because}", "exception": "例外规则",
    },
    "en": {
        "title": "Determination", "pack": "pack", "digest": "digest", "as_of": "as of", "version_because": "version",
        "verdict": "Verdict", "subject": "subject", "sep": "; ", "list_sep": ", ", "colon": ": ", "open": " (",
        "close": ")",
        "dishonesty": "Dishonesty information", "severe": "Severe-dishonesty list", "sanctions": "Sanctions",
        "incentives": "Incentives", "publication": "Publication", "repair": "Credit repair", "deadlines": "Deadlines",
        "decisions": "Other decisions", "missing": "Missing facts (unknown is not false)", "warnings": "Warnings",
        "trace": "Every rule considered", "procedure": "procedure", "criteria": "criteria",
        "persons": "responsible persons", "rule": "rule", "rules": "rules", "because": "because",
        "provisions": "Provisions cited", "full_text": "full text", "items": "items",
        "trace_counts": "{total} rules: {fired} apply, {not_fired} do not apply, {undetermined} undetermined, "
                        "{overridden} overridden by an exception, {not_in_version} not in this version, "
                        "{withheld} withheld (conduct before the pack was in force)",
        "levels": {"severe": "severe dishonesty information", "general": "general dishonesty information",
                   "none": "not dishonesty information", "undetermined": "whether it is dishonesty information is "
                   "undetermined", "at_least": "at least general dishonesty information; whether severe is undetermined"},
        "list": {True: "eligible for the severe-dishonesty list", False: "not for the severe-dishonesty list",
                 None: "whether it goes on the severe-dishonesty list is undetermined",
                 "deferred": "whether it goes on the severe-dishonesty list is left to rules this pack does not hold",
                 "silent": "the pack says nothing about the severe-dishonesty list here"},
        "levels_short": {"severe": "severe", "general": "general", "none": "none", "undetermined": "undetermined",
                         "at_least": "at least general; whether severe is undetermined"},
        "list_short": {"eligible": "eligible", "not_eligible": "not eligible", "undetermined": "undetermined",
                       "deferred": "left to rules this pack does not hold", "silent": "not addressed by this pack"},
        "count": "{n}", "measures_short": "{n}", "measures_none_short": "none from this pack",
        "silent_short": "not addressed by this pack", "repair_earliest_short": "from {day} at the earliest",
        "repair_unknown_short": "no date fixed by this pack",
        "measures_none": "no sanctions from this pack", "measures": "{n} sanctions", "measures_split": "{general} general, "
        "{severe} severe", "measures_persons": "{n} reaching the responsible persons", "incentives_n": "{n} incentives",
        "status": {"enacted": "enacted", "trial": "trial", "draft": "draft"},
        "disclosure": {"public": "published to the public", "government_sharing": "shared among government bodies",
                       "authorized_query": "open to authorised queries", "none": "not published",
                       None: "how it is published is not fixed"},
        "after_end": {"archive": "archived at the end", "delete": "deleted at the end",
                      "stop_sharing": "no longer shared at the end"},
        "window_from": "from {start}", "window_min": "at least until {day}", "window_max": "at most until {day}",
        "window_extended": "extended until the subject is taken off the list, if still on it then",
        "brief_span": "from {start} to {end} at most", "brief_min_max": "from {start}, at least to {min} and at most "
        "to {max}", "brief_from": "from {start}", "brief_extended": " (longer while on the list)",
        "window_none": "the publication period is not fixed by this pack", "window_no_start": "start unknown",
        "publication_silent": "the pack says nothing about publication here",
        "repair_earliest": "credit repair from {day} at the earliest", "repair_no": "not repairable",
        "repair_yes": "repairable", "repair_unknown": "no repair date fixed by this pack",
        "repair_days": "handled within {n} working days",
        "deadline": "{n} working days from {start}, due {due}", "deadline_no_start": "{n} working days (start unknown)",
        "until": "until {day}", "tier": {"general": "general", "severe": "severe"},
        "target": {"subject": "subject", "responsible_person": "responsible persons"},
        "group_general": "General measures", "group_severe": "Severe-dishonesty measures",
        "group_persons": "Measures reaching the responsible persons", "group_because": "because {because}",
        "group_rules": "rules {rules}",
        "yes": "yes", "no": "no", "unknown": "unknown", "not_given": "not given", "unnamed": "(unnamed)",
        "warn_groups": {"engine": "Engine notes", "deferral": "Left to other rules (this pack does not fix them)",
                        "pack": "The pack's warnings"},
        "deferral_line": "{what}: deferred to {to}", "other_lang": " (the pack states this in Chinese only)",
        "outcomes": {"fired": "applies", "not_fired": "does not apply", "undetermined": "undetermined",
                     "overridden": "overridden by an exception", "not_in_version": "not in this version",
                     "withheld": "not applied to conduct before the pack was in force"},
        "computations": {"min_end": "min_end", "max_end": "max_end"},
        "why_not": "Why not", "why_applies": "Why", "smallest": "Smallest change that makes it apply",
        "no_change": "none of the {n} changes tried (up to three facts) makes it apply (facts that could change: {facts})",
        "no_candidates": "no fact value would make it apply (it depends on the event's kind, subject type or dates)",
        "already": "it already applies: nothing to change", "change_applies": "{labels} applies",
        "with": "with", "and": " and ", "is_missing": "{name} is not given", "is_false": "{name} is false",
        "is_value": "{name} is {value}",
        "set_true": "{name} true", "set_false": "{name} false", "set_value": "{name} = {value}",
        "add_conduct": "conduct including {value}", "add_member": "{name} including {value}",
        "set_basis": "a basis document of type {value}", "conduct_is": "conduct is {value}",
        "conduct_missing": "conduct is not given", "basis_missing": "no basis document is given",
        "basis_is": "the basis document is {value}", "tried": " ({n} changes tried)",
        "rule_line": "{rule} {id}: {outcome} — {because}", "exception": "exception",
    },
}


def words(lang: str) -> dict[str, Any]:
    return WORDS["zh" if lang == "zh" else "en"]


# --- values -----------------------------------------------------------------------------------------------------

def day(value: Any, lang: str) -> str:
    """A date (or an ISO date string) in words; None as "unknown"."""
    if value is None:
        return words(lang)["unknown"]
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def flag(value: Optional[bool], lang: str) -> str:
    w = words(lang)
    return w["unknown"] if value is None else w["yes"] if value else w["no"]


def term(vocab: Optional[Vocabulary], section: str, name: Any, lang: str) -> str:
    """A vocabulary name with its label: `tax_evasion` -> 逃税（tax_evasion）/ tax evasion (tax_evasion)."""
    name = str(name)
    found = vocab.names(section).get(name) if vocab is not None and section in vocab.sections else None
    if found is None:
        return name
    label = found.zh if lang == "zh" else found.en
    if not label or label == name:
        return name
    return f"{label}（{name}）" if lang == "zh" else f"{label} ({name})"


def persons(items: Any, vocab: Optional[Vocabulary], lang: str) -> str:
    """Responsible persons: 张三（法定代表人）、李四（其他直接责任人）."""
    w = words(lang)
    out = []
    for p in items or ():
        if isinstance(p, dict):
            name, role = p.get("name"), p.get("role")
        else:
            name, role = getattr(p, "name", None), getattr(p, "role", None)
        role_words = term(vocab, "responsible_roles", role, lang).split("（")[0].split(" (")[0] if role else ""
        shown = name if name else w["unnamed"]
        out.append(f"{shown}{w['open']}{role_words}{w['close']}" if role_words else shown)
    return w["list_sep"].join(out)


def value(v: Any, lang: str, vocab: Optional[Vocabulary] = None) -> str:
    """Any value of a determination in words: yes/no, ISO dates, persons by name and role, lists joined."""
    w = words(lang)
    if v is None:
        return w["unknown"]
    if isinstance(v, bool):
        return flag(v, lang)
    if isinstance(v, (dt.date, int, float)):
        return day(v, lang) if isinstance(v, dt.date) else str(v)
    if isinstance(v, (list, tuple, set, frozenset)):
        items = list(v)
        if items and all(isinstance(x, dict) and "role" in x for x in items):
            return persons(items, vocab, lang)
        return w["list_sep"].join(value(x, lang, vocab) for x in items) if items else w["not_given"]
    if isinstance(v, dict):
        return w["list_sep"].join(f"{k}{w['colon']}{value(x, lang, vocab)}" for k, x in v.items())
    return str(v)


_UNITS_ZH = ((re.compile(r"(\d+) working days?"), r"\1 个工作日"), (re.compile(r"(\d+) years?"), r"\1 年"),
             (re.compile(r"(\d+) months?"), r"\1 个月"), (re.compile(r"(\d+) days?"), r"\1 日"),
             (re.compile(r"\+ (\d+) year\(s\)"), r"+ \1 年"),
             (re.compile(r"beyond the calendar \(undetermined\)"), "超出可计算的日期范围（待定）"))


def computation(text: str, lang: str) -> str:
    """`max_end: 2024-03-01 + 5 years = 2029-03-01` in the language asked for (the numbers are the engine's)."""
    if lang != "zh":
        return text
    head, sep, rest = text.partition(": ")
    named = words(lang)["computations"].get(head) if sep else None
    body = rest if named else text
    for pattern, repl in _UNITS_ZH:
        body = pattern.sub(repl, body)
    return f"{named}：{body}" if named else body


# --- labels -----------------------------------------------------------------------------------------------------

_TITLE = re.compile(r"^《[^》]*》")


def short_label(label: str, lang: str, default_title: Optional[str] = None) -> str:
    """《河南省社會信用條例》第三十四條第（四）項 -> 第三十四條第（四）項 (the title kept for another document)."""
    m = _TITLE.match(label)
    if m is None or (default_title is not None and m.group(0) != f"《{default_title}》"):
        return label
    return label[m.end():] or label


def compact_label(ref: Any, lang: str, default_document: Optional[str] = None) -> str:
    """art. 34(1)(4) / 第三十四条第一款第（四）项 from a citation reference (dict or CitationRef)."""
    get = ref.get if isinstance(ref, dict) else (lambda k, d=None: getattr(ref, k, d))
    document = get("document")
    if lang == "zh":
        label = get("label") or ""
        return short_label(label, lang) if default_document is None or document == default_document else label
    text = f"art. {get('article')}" + (f"({get('paragraph')})" if get("paragraph") is not None else "") + (
        f"({get('item')})" if get("item") is not None else "")
    return text if default_document is None or document == default_document else f"{document} {text}"


_CLAUSE_END = "。；;！？!?"


def short_quote(text: str, limit: int = 60) -> str:
    """The provision's first clause, or its first `limit` characters: the whole text only when it is that short."""
    text = text.strip()
    first, _, rest = text.partition("\n")
    first = first.strip()
    if len(first) <= limit:
        return first + ("…" if rest.strip() else "")
    for i, ch in enumerate(first[:limit]):
        if ch in _CLAUSE_END and i >= 8:
            return first[: i + 1] + "…"
    return first[:limit].rstrip() + "…"


# --- user text --------------------------------------------------------------------------------------------------

_BIDI = {"\u061c", "\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067",
         "\u2068", "\u2069", "\u2028", "\u2029"}


def visible(text: Any) -> str:
    """Event text as a terminal may show it: control characters (C0, DEL, C1) as their control pictures or
    ⟨U+XXXX⟩, bidirectional controls and line separators as ⟨U+XXXX⟩, so that no name can move the cursor, colour
    the screen or reorder the line around it. Everything else, brackets and backslashes included, is kept."""
    text = str(text)
    if text.isprintable() and not (_BIDI & set(text)):
        return text
    out = []
    for ch in text:
        code = ord(ch)
        if code < 0x20:
            out.append(chr(0x2400 + code))
        elif code == 0x7F:
            out.append("\u2421")
        elif ch in _BIDI or unicodedata.category(ch) == "Cc":
            out.append(f"⟨U+{code:04X}⟩")
        else:
            out.append(ch)
    return "".join(out)
