"""The sentences the engine writes itself (not the law's words), in English and Chinese.

A determination's warnings are made in the language asked for (`evaluate(..., lang="zh")`, `explain --lang zh`);
the law's own words and the pack's own warnings are never translated. `parse(text)` tells which of these sentences
a warning is, with its fields (explanations group warnings by it); `PACK_WORDS` are the sentences an explanation
puts around a pack's own words.
"""
from __future__ import annotations

import re
from typing import Any, Optional

LANGS = ("en", "zh")

MESSAGES: dict[str, dict[str, str]] = {
    "which_decided": {"en": "the decision date (basis.decided_on)", "zh": "决定日期（basis.decided_on）"},
    "which_occurred": {"en": "the day it occurred (occurred_on)", "zh": "行为发生日（occurred_on）"},
    "which_as_of": {"en": "as_of (the event has no date)", "zh": "as_of（事件未给出日期）"},
    "because_in_force": {
        "en": "version {version} ({status}) is in force on {day}, {which}: in force from {start}",
        "zh": "版本 {version}（{status}）于{day}（{which}）施行中：自{start}起施行"},
    "because_later": {
        "en": "no held version is in force on {day}, {which}; version {version} comes into force on {start} and "
              "is used",
        "zh": "{day}（{which}）无已收录的施行版本；采用自{start}起施行的版本 {version}"},
    "because_draft": {
        "en": "version {version} is the only text the pack holds for {day}, {which}, and it is a draft",
        "zh": "对{day}（{which}），本规范包收录的文本只有版本 {version}，且为草案"},
    "because_latest": {
        "en": "no held version is in force on {day}, {which}; the latest held version {version} is used",
        "zh": "{day}（{which}）无已收录的施行版本；采用收录的最新版本 {version}"},
    "because_not_held": {
        "en": "; the version in force then ({other}, from {start}) is not held",
        "zh": "；当时施行的版本（{other}，自{start}起）未收录"},
    "not_yet_in_force": {
        "en": "{pack} {version} was not yet in force on {day} (in force from {start}): this determination applies it "
              "anyway, for reference",
        "zh": "{pack} {version} 于{day}尚未施行（自{start}起施行）：本结论仍按其作出，仅供参考"},
    "pre_force_withheld": {
        "en": "{pack} {version} was not yet in force on {day} (in force from {start}). Under art. 104 of the 立法法 "
              "(不溯及既往: 实体从旧、程序从新), its provisions on how the information is handled apply to the record, "
              "but those attaching new consequences to the earlier conduct are not applied (groups: {groups}); "
              "apply_out_of_force (--apply-out-of-force) gives the full answer",
        "zh": "{pack} {version} 于{day}尚未施行（自{start}起施行）。依《立法法》第一百零四条（不溯及既往：实体从旧、"
              "程序从新），其关于信息处理的规定适用于该记录，对此前行为设定新后果的规定不予适用（规则组：{groups}）；"
              "apply_out_of_force（--apply-out-of-force）给出完整结论"},
    "pre_force_applied": {
        "en": "applied in full at the caller's request (apply_out_of_force): the provisions attaching new consequences "
              "to the earlier conduct (groups: {groups}) are applied too, which art. 104 of the 立法法 does not allow "
              "unless they favour the subject",
        "zh": "应调用方要求（apply_out_of_force）完整适用：对此前行为设定新后果的规定（规则组：{groups}）一并适用，"
              "而《立法法》第一百零四条仅在其有利于当事人时允许溯及适用"},
    "not_in_force": {
        "en": "{pack} {version} was not in force on {day}",
        "zh": "{pack} {version} 于{day}不在施行期间"},
    "version_not_held": {
        "en": "the version in force on {day} is {pack} {other} ({status}, in force from {start}), whose text the pack "
              "does not hold; evaluated with version {version} instead",
        "zh": "{day}施行的版本为 {pack} {other}（{status}，自{start}起施行），本规范包未收录其文本；"
              "改按版本 {version} 作出"},
    "draft_version": {
        "en": "made from a draft (草案/征求意见稿), not enacted law: {pack} version {version}",
        "zh": "依据草案（草案/征求意见稿）作出，并非已生效的法律：{pack} 版本 {version}"},
    "trial_version": {
        "en": "made from trial measures (试行): {pack} version {version}",
        "zh": "依据试行办法作出：{pack} 版本 {version}"},
    "draft_document": {
        "en": "drawn from a draft (征求意见稿/草案), not law in force: 《{title}》",
        "zh": "该结论出自草案（征求意见稿/草案），尚未生效：《{title}》"},
    "severe_list_deferred": {
        "en": "{labels}: whether the subject belongs on the severe-dishonesty list is left to rules this pack does not "
              "hold, so severe_list.eligible is null",
        "zh": "{labels}：是否列入严重失信主体名单由本规范包未收录的规定决定，故 severe_list.eligible 为空"},
    "deferral": {
        "en": "{labels}: {what} is deferred to {to}; this pack does not fix it",
        "zh": "{labels}：{what}依照{to}确定，本规范包不作规定"},
    "period_deferred": {
        "en": "{labels}: the {which} publication period is deferred to {to}; this pack does not fix it, so {field} "
              "is null",
        "zh": "{labels}：{which_zh}公示期限依照{to}确定，本规范包不作规定，故 {field} 为空"},
    "decision_conflict": {
        "en": "decision {id}: the provisions give different values ({first}, {second}); the first is kept",
        "zh": "决定 {id}：各条款给出的值不同（{first}、{second}），保留前者"},
    "calendar_unknown": {
        "en": "the holiday arrangement for {years} is not held: working days from {start} were counted on weekends "
              "alone (add policies/calendar/{first}.yaml)",
        "zh": "未收录{years}年的节假日安排：自{start}起的工作日仅按周末计算（可添加 policies/calendar/{first}.yaml）"},
    "calendar_statutory": {
        "en": "the holiday arrangement for {years} is not held: working days from {start} were counted on weekends and "
              "the statutory holidays (全国年节及纪念日放假办法 art. 2); make-up working days, bridge days and "
              "substitute days off (art. 6) are unknown (add policies/calendar/{first}.yaml)",
        "zh": "未收录{years}年的节假日安排：自{start}起的工作日按周末及法定节假日（《全国年节及纪念日放假办法》第二条）"
              "计算；调休上班日、调休放假日及补假日（第六条）不详（可添加 policies/calendar/{first}.yaml）"},
    "uscc_invalid": {
        "en": "subject.id `{id}` is not a valid unified social credit code (统一社会信用代码, GB 32100-2015: "
              "18 characters with a check character): records may not match",
        "zh": "subject.id `{id}` 不是有效的统一社会信用代码（GB 32100-2015：18位，含校验码），信息可能无法关联匹配"},
    "citizen_id_invalid": {
        "en": "subject.id `{id}` looks like a citizen ID number (居民身份证号码) but its check character is wrong "
              "(GB 11643-1999): records may not match",
        "zh": "subject.id `{id}` 形似居民身份证号码，但校验码不正确（GB 11643-1999），信息可能无法关联匹配"},
    "unread_kind": {
        "en": "no rule of pack {pack} reads the event kind `{name}`: nothing in this determination comes from it",
        "zh": "规范包 {pack} 没有规则适用于事件类型 `{name}`：本认定结果中的结论均非由此得出"},
    "unread_conduct": {
        "en": "no rule of pack {pack} reads the conduct tag(s) {names}: they change nothing here",
        "zh": "规范包 {pack} 没有规则读取行为标记 {names}：其对本认定结果没有影响"},
    "unread_facts": {
        "en": "no rule of pack {pack} reads the fact(s) {names}: they change nothing here",
        "zh": "规范包 {pack} 没有规则读取事实 {names}：其对本认定结果没有影响"},
}


# The words a pack's own warning is framed with when it is shown in the other language (packs state a warning in one
# language today; docs/pack-format.md: `warning: {zh: ..., en: ...}` is what a two-language warning needs).
PACK_WORDS: dict[str, dict[str, str]] = {
    "written_in_en": {"en": "", "zh": "（规范包仅以英文写出此提示）"},
    "written_in_zh": {"en": " (the pack states this in Chinese only)", "zh": ""},
}

_STATUS_ZH = {"enacted": "已施行", "trial": "试行", "draft": "草案"}

# A deferral names what the text leaves to other rules (`to`); the pack writes `to` as the law does, often with its
# own 依照 ... or ... 確定 / 執行: the sentence says 依照 ... 确定 once (never 依照依照, 確定确定).
_TO_HEAD = ("依照", "依據", "依据", "按照", "根據", "根据")
_TO_TAIL = ("確定", "确定", "執行", "执行")


def deferred_to(to: Any) -> str:
    """`to` without the 依照 ... 確定 the sentence already says."""
    text = str(to).strip()
    for head in _TO_HEAD:
        if text.startswith(head) and len(text) > len(head):
            text = text[len(head):]
            break
    for tail in _TO_TAIL:
        if text.endswith(tail) and len(text) > len(tail):
            text = text[: -len(tail)]
            break
    return text


def msg(key: str, lang: str = "en", **values: Any) -> str:
    language = "zh" if lang == "zh" else "en"
    if language == "zh":
        if "to" in values:
            values["to"] = deferred_to(values["to"])
        if "status" in values:
            values["status"] = _STATUS_ZH.get(str(values["status"]), values["status"])
    return MESSAGES[key][language].format(**values)


_FIELD = re.compile(r"\{(\w+)\}")


def _pattern(template: str) -> "re.Pattern[str]":
    """A message template as a regular expression with one named group per field (each field matched lazily)."""
    out, seen, pos = [], set(), 0
    for m in _FIELD.finditer(template):
        out.append(re.escape(template[pos:m.start()]))
        name = m.group(1)
        out.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+?)")
        seen.add(name)
        pos = m.end()
    out.append(re.escape(template[pos:]))
    return re.compile("".join(out), re.S)


_PATTERNS = [(key, lang, _pattern(texts[lang])) for key, texts in MESSAGES.items() for lang in LANGS]


def parse(text: str, lang: Optional[str] = None) -> Optional[tuple[str, dict[str, str]]]:
    """Which of the engine's sentences `text` is, and its fields: `("deferral", {"labels": ..., "what": ...,
    "to": ...})`, or None for a sentence the engine did not write (a pack's own warning)."""
    for key, language, pattern in _PATTERNS:
        if lang is not None and language != ("zh" if lang == "zh" else "en"):
            continue
        m = pattern.fullmatch(text)
        if m is not None:
            return key, m.groupdict()
    return None
