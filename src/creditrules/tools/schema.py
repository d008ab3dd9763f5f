"""JSON Schemas for the files of a pack (pack.yaml, rules/*.yaml, ledger.yaml, tests/*.yaml), for editors.

A YAML editor with a schema (VS Code with Red Hat's YAML extension: `.vscode/settings.json`) completes keys and
vocabulary names, shows what each key means in Chinese and English, and underlines a wrong key or name as it is
typed. `creditrules schema [--out DIR]` writes the four files; the repository ships them in
`src/creditrules/tools/schemas/` (a test checks they are current).

One description of the format. The schema is built here from what the loader itself uses: `load.GROUPS`,
`CONCLUSION_KINDS`, `LEAVES`, `_CONCLUSION_FIELDS`, `ENUMS`, `STATUSES`, `LEDGER_STATUSES`, `model.DATE_PATHS`,
`model.COMPARISONS`, the citation syntax of `lawtext` (its own regular expressions), the event models of
`event.py` (pydantic's schema of them), the determination's fields for `expect:` paths (`tools/expect.py`), and
the vocabulary (kinds, conduct tags, facts with their types, subject and basis types, roles) as enums with their
zh/en labels. The key lists `load.py` writes inline in its readers are mirrored in `KEYS` below;
`tests/test_tools_schema.py` reads them out of load.py's source and fails when the two differ.

What a schema cannot check (it sees one file at a time, and no law text): whether a citation names a provision the
held text has, whether a `rule:` names a rule of the pack, cycles, the ledger against the text, duplicate ids
across files, a date path's fact type in some places, duplicate YAML keys (a YAML parser keeps the last one). Those
are `creditrules validate`'s.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .. import load as L
from .. import model as m
from ..errors import CreditRulesError
from ..lawtext import _CHINESE, _COMPACT
from ..vocabulary import Vocabulary, default_vocabulary

DRAFT = "http://json-schema.org/draft-07/schema#"
SCHEMA_DIR = Path(__file__).parent / "schemas"
FILES = {"pack": "pack.schema.json", "rules": "rules.schema.json", "ledger": "ledger.schema.json",
         "tests": "tests.schema.json", "vocabulary": "vocabulary.schema.json"}
# which files of a pack each schema is for (glob patterns, relative to the repository: .vscode/settings.json)
GLOBS = {"pack": ["policies/*/pack.yaml"], "rules": ["policies/*/rules/*.yaml"],
         "ledger": ["policies/*/ledger.yaml"], "tests": ["policies/*/tests/*.yaml"],
         "vocabulary": ["policies/*/vocabulary.yaml", "policies/*/vocabulary/*.yaml"]}

# The keys load.py's readers accept, as (allowed, required): mirrored from its `r.keys(...)` calls (checked by a test).
KEYS = {
    "pack": (("id", "jurisdiction", "documents", "versions", "supplements", "layers", "note"),
             ("id", "jurisdiction", "documents", "versions")),
    "layer": (("id", "jurisdiction", "documents", "versions", "supplements", "layers", "note"), ("id", "documents")),
    "document": (("id", "title_zh", "title_en", "source", "articles_published", "status", "note"),
                 ("id", "title_zh", "source")),
    "version": (("id", "status", "adopted_on", "effective_from", "effective_to", "documents", "text_held", "note"),
                ("id", "status", "documents")),
    "ledger_entry": (("status", "note", "reason", "rules"), ("status",)),
    "rules_file": (("group", "retroactivity", "rules", "note"), ("group", "rules")),
    "rule": (("id", "title", "cite", "when", "then", "overrides", "versions", "retroactivity", "note"),
             ("id", "cite", "then")),
    "tests_file": (("cases", "note"), ("cases",)),
    "case": (("name", "as_of", "event", "expect", "note"), ("name", "event", "expect")),
    "date": (("of", "eq", "ne", "gt", "gte", "lt", "lte"), ("of",)),
    "year_date": (("year", "plus_years", "month", "day"), ("year", "month", "day")),
    "period": (("years", "months", "days", "working_days"), ()),
    "date_expr": (("from", "add"), ("from",)),
    "deferred": (("deferred",), ()),
}
SEVERE_LIST_VALUES = ("eligible", "deferred")          # read_conclusion: `severe_list` takes one of these
NUMERIC_OPS = ("eq", "ne", "gt", "gte", "lt", "lte")    # _comparison(numeric=True), `date:` comparisons
TEXT_FIELDS = ("id", "title_zh", "what", "to", "not_repairable_reason")   # read_conclusion: field value types
INT_FIELDS = ("working_days", "processing_working_days")
DATE_PATH_FIELDS = ("from", "start")
PERIOD_FIELDS = ("min", "max")
DATE_EXPR_FIELDS = ("earliest", "until")
BOOL_FIELDS = ("extended_until_removal", "eligible")


def bi(zh: str, en: str) -> str:
    """A description in both languages: Chinese first."""
    return f"{zh}\n{en}"


# --- descriptions (zh / en) ---------------------------------------------------------------------------------------

DOCS = {
    "pack.id": ("包的编号（小写英文，如 henan）", "the pack's id (lower case, e.g. henan)"),
    "pack.jurisdiction": ("辖区名称：zh 中文，en 英文", "the jurisdiction's name: zh in Chinese, en in English"),
    "pack.documents": ("本包持有的法规文件", "the legal documents the pack holds"),
    "pack.versions": ("法规的各个版本（按生效日期选择）", "the versions of the law (chosen by their effective dates)"),
    "pack.supplements": (
        "本文件夹补充的包（国家规定等补充层）",
        "the packs this folder supplements (a layer, e.g. national rules)",
    ),
    "pack.layers": (
        "与本包一起加载的补充层：本包旁边文件夹的名称（只加载列出的层）",
        "the layers loaded with this pack: names of folders beside it (only the layers named load)",
    ),
    "note": ("给编辑者的说明，不作为法律显示", "a note for editors, never shown as law"),
    "document.id": (
        "文件的简称，多文件包的引用里用（measures:9.1.3）",
        "the document's short id, used in citations of multi-document packs (measures:9.1.3)",
    ),
    "document.title_zh": ("文件的中文标题，与原文一致", "the document's Chinese title, as written in the source"),
    "document.title_en": ("文件的英文标题", "the document's English title"),
    "document.source": (
        "法规原文的文件路径（包内，如 source/regulation.txt）",
        "the law text's file, inside the pack (e.g. source/regulation.txt)",
    ),
    "document.articles_published": ("公布文本共有多少条", "how many articles the published text has"),
    "document.status": (
        "文件自身的状态（与版本不同时，如草案附件）",
        "the document's own status where it differs from its version's (a draft annex)",
    ),
    "version.id": ("版本编号（加引号：\"2019\"）", "the version's id (quoted: \"2019\")"),
    "version.status": ("enacted 已施行 | trial 试行 | draft 草案", "enacted | trial | draft"),
    "version.adopted_on": ("通过日期 YYYY-MM-DD", "the date it was adopted, YYYY-MM-DD"),
    "version.effective_from": (
        "施行日期 YYYY-MM-DD（草案未定日期：null）",
        "in force from, YYYY-MM-DD (null for a draft without a date)",
    ),
    "version.effective_to": ("失效日期 YYYY-MM-DD，或 null", "in force until, YYYY-MM-DD, or null"),
    "version.documents": (
        "本版本包含的文件（第一个是引用的默认文件）",
        "the documents of this version (the first is the default for citations)",
    ),
    "version.text_held": ("本包是否持有该版本的原文", "whether the pack holds this version's text"),
    "ledger": (
        "每一条都要有交代：encoded 已编码、declaratory 宣示性、out_of_scope 不在范围、pack_metadata 记录在 pack.yaml",
        "every article accounted for: encoded, declaratory, out of scope, or recorded in pack.yaml",
    ),
    "ledger.document": (
        "文件编号（pack.yaml 里 documents 的 id）下，条号或条号范围 \"1-9\"",
        "under a document id (documents[].id in pack.yaml): article numbers or ranges \"1-9\"",
    ),
    "ledger.status": (
        "encoded：有规则引用；declaratory：宣示性，须写 note；out_of_scope：不在范围，须写 reason；pack_metadata：记录"
        "在 pack.yaml，须写 note",
        "encoded: a rule cites it; declaratory: states a principle (give a note); out_of_scope: decides nothing about "
        "a credit event (give a reason); pack_metadata: recorded in pack.yaml (give a note)",
    ),
    "ledger.note": (
        "说明（declaratory、pack_metadata 必填）",
        "why nothing is decided (declaratory) or what pack.yaml records (pack_metadata)",
    ),
    "ledger.reason": ("不在范围的理由（out_of_scope 必填）", "why it is out of scope (required for out_of_scope)"),
    "ledger.rules": ("（参考）编码该条的规则", "(for reference) the rules that encode it"),
    "rules_file.group": ("规则组：文件里的规则属于哪一类", "the group the rules of this file belong to"),
    "retroactivity": ("对施行前行为的适用（《立法法》第一百零四条）：handling 程序从新，适用于施行时已有的记录；"
                      "new_consequence 实体从旧，不适用于施行前的行为；more_favourable 从轻，有利于当事人而适用",
                      "conduct before the version was in force (立法法 art. 104): handling applies to records existing "
                      "on the effective date; new_consequence is not applied to earlier conduct; more_favourable "
                      "applies because it favours the subject"),
    "rules_file.rules": ("规则列表", "the rules"),
    "rule.id": (
        "规则编号，全包唯一（如 severe.market_order）",
        "the rule's id, unique in the pack (e.g. severe.market_order)",
    ),
    "rule.title": (
        "规则的简短名称（用于解释；最好用条文原话）",
        "a short name for explanations (best in the provision's own words)",
    ),
    "rule.cite": (
        "引用的条款：\"33\" 第三十三条；\"33.2\" 第二款；\"33.1.2\" 第一款第（二）项；或 第三十三条第一款第（二）项。"
        "请加引号",
        "the provision cited: \"33\" article 33; \"33.2\" paragraph 2; \"33.1.2\" paragraph 1 item (2); or 第三十三条"
        "第一款第（二）项. Quote it",
    ),
    "rule.when": (
        "适用条件（省略：总是适用）；条件有三种结果：是、否、不确定",
        "the condition (omitted: always); it is true, false or unknown",
    ),
    "rule.then": ("结论：一个或一个列表", "the conclusion(s): one, or a list"),
    "rule.overrides": ("本规则作为例外所排除的一般规则", "the general rules this rule is an exception to"),
    "rule.versions": ("只适用于这些版本（默认：所有版本）", "only in these versions of the pack (default: all)"),
    "cond.all": ("全部满足（有一个“否”即为否）", "all of these (one false makes it false)"),
    "cond.any": ("任一满足（有一个“是”即为是）", "any of these (one true makes it true)"),
    "cond.not": ("不满足", "not this"),
    "cond.kind": ("事件类型是其中之一", "the event kind is one of these"),
    "cond.subject": ("主体类型是其中之一", "the subject type is one of these"),
    "cond.conduct": (
        "行为标签中有其中任一（事件没有 conduct 时为不确定）",
        "the event's conduct tags include any of these (unknown when the event has no conduct)",
    ),
    "cond.basis": (
        "认定依据类型是其中之一（没有 basis 时为不确定）",
        "basis.type is one of these (unknown when the event has no basis)",
    ),
    "cond.fact": (
        "事实：fact: 名称（是/否事实）；fact: {名称: 值}；fact: {名称: {gt: 6}}",
        "a fact: `fact: name` (true/false facts), `fact: {name: value}`, `fact: {name: {gt: 6}}`",
    ),
    "cond.present": ("事件给出了该事实或字段（永不为不确定）", "the event gives this fact or field (never unknown)"),
    "cond.age_at_event": ("行为发生时主体的周岁", "the subject's age in full years at the conduct"),
    "cond.date": (
        "事件的日期与某日比较：{of: 日期路径, lte: 日期}",
        "a date of the event compared with a date: {of: <date path>, lte: <date>}",
    ),
    "cond.rule": ("另一条规则的结果为“是”", "another rule's (effective) outcome is true"),
    "con.cite": ("本结论自己的引用（比规则的更精确）", "this conclusion's own citation (more precise than the rule's)"),
    "con.dishonesty": ("失信信息：general 一般 | severe 严重", "dishonesty information: general | severe"),
    "con.severe_criterion": (
        "严重失信标准（规则编号即标准编号）",
        "a severe-dishonesty criterion (the rule id is the criterion id)",
    ),
    "con.severe_list": (
        "严重失信主体名单：eligible 可列入 | deferred 标准由其他规定确定",
        "the severe list: eligible | deferred (the text leaves the criteria to other rules)",
    ),
    "con.procedure_step": ("列入名单的程序步骤", "a step of the listing procedure"),
    "con.sanction": ("惩戒措施", "a sanction"),
    "con.incentive": ("激励措施", "an incentive"),
    "con.publication": ("公示：方式、起算日、最短和最长期限", "publication: how, from when, for how long"),
    "con.repair": ("信用修复", "credit repair"),
    "con.deadline": ("程序期限（工作日）", "a procedural deadline (working days)"),
    "con.decision": ("其他决定（如不予备案、限期）", "any other outcome the law decides"),
    "con.warning": ("提示文字（显示在 warnings 中）", "a warning shown in the determination"),
    "con.deferral": ("条文交由其他规定决定：不编造数字", "the text defers to other rules: nothing is invented"),
    "field.id": ("编号：字母、数字、下划线", "id: letters, digits and _"),
    "field.title_zh": ("中文名称（默认取所引条款原文）", "Chinese title (defaults to the cited provision's words)"),
    "field.tier": ("general 一般 | severe 严重", "general | severe"),
    "field.target": ("subject 主体 | responsible_person 责任人", "subject | responsible_person"),
    "field.disclosure": (
        "public 公开 | government_sharing 政务共享 | authorized_query 授权查询 | none 不公开",
        "public | government_sharing | authorized_query | none",
    ),
    "field.start": ("起算日：第一个存在的日期路径", "the start: the first of these dates the event has"),
    "field.min": ("最短期限 {months: 3}，或 {deferred: \"…\"}", "minimum period {months: 3}, or {deferred: \"...\"}"),
    "field.max": ("最长期限 {years: 5}，或 {deferred: \"…\"}", "maximum period {years: 5}, or {deferred: \"...\"}"),
    "field.extended_until_removal": ("公示到移出名单为止", "published until removed from the list"),
    "field.after_end": (
        "期满后：archive 转档案 | delete 删除 | stop_sharing 停止共享",
        "after the end: archive | delete | stop_sharing",
    ),
    "field.eligible": ("能否修复", "whether repair is possible"),
    "field.earliest": (
        "最早可修复日：{from: 日期路径, add: {months: 3}}",
        "the earliest repair date: {from: <date path>, add: {months: 3}}",
    ),
    "field.processing_working_days": ("处理期限（工作日）", "handling time (working days)"),
    "field.not_repairable_reason": ("不能修复的理由", "why it cannot be repaired"),
    "field.working_days": ("工作日数", "working days"),
    "field.from": ("起算日（日期路径）", "counted from (a date path)"),
    "field.value": (
        "决定的值（$responsible_persons：事件中的责任人）",
        "the value decided ($responsible_persons: the persons named in the event)",
    ),
    "field.until": (
        "到某日为止：{from: 日期路径, add: {years: 1}}",
        "until a date: {from: <date path>, add: {years: 1}}",
    ),
    "field.what": ("交由其他规定决定的事项", "what is deferred"),
    "field.to": ("交由哪些规定", "to which rules"),
    "period": (
        "期限：years 年、months 月、days 日，或 working_days 工作日",
        "a period: years, months, days, or working_days",
    ),
    "date_path": (
        "日期路径：occurred_on 发生日、basis.decided_on 决定日、basis.effective_on 生效日、facts.<日期事实>、publicati"
        "on.start、publication.max_end；列表表示第一个存在的",
        "a date path: occurred_on, basis.decided_on, basis.effective_on, facts.<date fact>, publication.start, publica"
        "tion.max_end; a list means the first one present",
    ),
    "year_date": (
        "某一年的某月某日：{year: facts.<整数事实>, plus_years: 1, month: 6, day: 30}",
        "a day of a year named by a whole-number fact",
    ),
    "case.name": ("用例名称：写明条款和情形", "the case's name: say the article and the situation"),
    "case.as_of": ("评估日期 YYYY-MM-DD（默认今天）", "evaluate as of this date, YYYY-MM-DD (default today)"),
    "case.event": (
        "信用事件（与 creditrules evaluate 的输入相同）",
        "the credit event (as `creditrules evaluate` reads it)",
    ),
    "case.expect": (
        "期望：判定结果的路径 → 依条文应得的值（至少一项）",
        "expectations: a path of the determination -> the value the article text requires (at least one)",
    ),
    "tests_file.cases": ("测试用例", "the test cases"),
    "expect.partial": (
        "部分比较：includes 包含、excludes 不包含、contains 含有文字",
        "part of a list: includes, excludes; contains: a text in it",
    ),
}


def _doc(key: str) -> str:
    zh, en = DOCS[key]
    return bi(zh, en)


# --- the vocabulary as enums -------------------------------------------------------------------------------------

class _Names:
    def __init__(self, vocab: Vocabulary):
        self.vocab = vocab

    def enum(self, section: str, description: str = "") -> dict:
        terms = self.vocab.names(section)
        names = sorted(terms)
        out: dict[str, Any] = {"type": "string", "enum": names,
                               "markdownEnumDescriptions": [f"{terms[n].zh} — {terms[n].en}" for n in names]}
        if description:
            out["description"] = description
        return out

    def one_or_list(self, section: str, description: str) -> dict:
        return one_or_many(self.enum(section), description, min_items=1)


def one_or_many(item: dict, description: str = "", min_items: int = 0) -> dict:
    """One value, or a list of them (what `load._Reader.names` and the `then:` / `cite:` readers accept). Written
    with if/then/else rather than anyOf, so that an editor reports the error of the form that was meant."""
    many: dict[str, Any] = {"type": "array", "items": item}
    if min_items:
        many["minItems"] = min_items
    out: dict[str, Any] = {"if": {"type": "array"}, "then": many, "else": item}
    if description:
        out["description"] = description
    return out


def _scalar_or_object(scalar: dict, mapping: dict) -> dict:
    return {"if": {"type": "object"}, "then": mapping, "else": scalar}


def _text() -> dict:
    return {"type": ["string", "integer"]}          # load._Reader.text: text, or a number written without quotes


def _date(description: str = "") -> dict:
    out: dict[str, Any] = {"type": "string", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "format": "date"}
    if description:
        out["description"] = description
    return out


def _nullable(schema: dict) -> dict:
    out = dict(schema)
    desc = out.pop("description", None)
    wrapped: dict[str, Any] = {"anyOf": [out, {"type": "null"}]}
    if desc:
        wrapped["description"] = desc
    return wrapped


def _same(found, wanted, what: str) -> None:
    """The schema describes exactly what the loader reads: a name on one side only is a bug here, never data."""
    if set(found) != set(wanted):
        raise RuntimeError(f"schema out of step with the loader: {what}: only in the schema "
                           f"{sorted(set(found) - set(wanted))}, only in the loader {sorted(set(wanted) - set(found))}")


def _obj(props: dict, keys: tuple, description: str = "", **extra) -> dict:
    allowed, required = keys
    _same(props, allowed, "keys")                                     # every key the loader reads, and no other
    out: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
    if required:
        out["required"] = list(required)
    if description:
        out["description"] = description
    out.update(extra)
    return out


def citation_pattern() -> str:
    """The citation syntax `lawtext.parse_cite` reads (its own expressions): `33`, `33.2`, `33.1.2`,
    `doc:33.1.2`, `第三十三条第一款第（二）项` (`《title》` first, optional)."""
    return f"(?:{_COMPACT.pattern})|(?:{_CHINESE.pattern})"


def shipped_vocabulary() -> Vocabulary:
    """The names of the editor schemas shipped for every pack (`GLOBS`: policies/*): the core set and every
    installed pack's own vocabulary files, together (a name several packs declare, once; `--pack` gives one
    pack's names only)."""
    from ..vocabulary import build_vocabulary, library_files, pack_files
    from ..workspace import installed_root
    files = [*library_files()]
    for folder in sorted(p.parent for p in installed_root().glob("*/pack.yaml")):
        files += pack_files(folder)
    try:
        return build_vocabulary(((f, False) for f in files), union=True)
    except CreditRulesError:                            # a broken file: `creditrules validate` reports it
        return default_vocabulary()


def build(vocab: Vocabulary | None = None) -> dict[str, dict]:
    """The schemas, by name (`FILES`): with a pack's vocabulary, or the names of every shipped pack."""
    vocab = vocab or shipped_vocabulary()
    n = _Names(vocab)
    facts = vocab.facts
    defs: dict[str, Any] = {}

    # citations, names, dates, periods
    defs["citation"] = {"type": ["string", "integer"], "pattern": citation_pattern(), "minimum": 1,
                        "description": _doc("rule.cite")}
    defs["citations"] = one_or_many({"$ref": "#/definitions/citation"}, _doc("rule.cite"))
    defs["names"] = one_or_many({"type": "string"})
    date_facts = sorted(name for name, t in facts.items() if t.type == "date")
    date_path = {"type": "string", "enum": [*m.DATE_PATHS, *(f"facts.{f}" for f in date_facts)],
                 "markdownEnumDescriptions": [*m.DATE_PATHS, *(f"{facts[f].zh} — {facts[f].en}" for f in date_facts)]}
    defs["date_path"] = date_path
    defs["date_paths"] = one_or_many({"$ref": "#/definitions/date_path"}, _doc("date_path"), min_items=1)
    whole = {"type": "integer", "minimum": 0}
    defs["period"] = _obj({k: dict(whole, description=bi(*{"years": ("年", "years"), "months": ("月", "months"),
                                                            "days": ("日", "days"),
                                                            "working_days": ("工作日", "working days")}[k]))
                           for k in KEYS["period"][0]}, KEYS["period"], _doc("period"))
    defs["deferred"] = _obj({"deferred": dict(_text(), description=bi(
        "交由哪些规定（原文用语）", "the rules it is left to (in the text's words)"))}, KEYS["deferred"],
        required=["deferred"])
    int_facts = sorted(name for name, t in facts.items() if t.type == "int")
    defs["year_date"] = _obj({
        "year": {"type": "string", "enum": [f"facts.{f}" for f in int_facts],
                 "description": bi("年份：一个整数事实", "the year: a whole-number fact")},
        "plus_years": dict(whole, description=bi("加几年", "years added")),
        "month": {"type": "integer", "minimum": 1, "maximum": 12, "description": bi("月", "month")},
        "day": {"type": "integer", "minimum": 1, "maximum": 31, "description": bi("日", "day")}},
        KEYS["year_date"], _doc("year_date"))
    defs["date_expr"] = {"if": {"type": "object", "required": ["year"]}, "then": {"$ref": "#/definitions/year_date"},
                         "else": _obj({"from": {"$ref": "#/definitions/date_paths"},
                                       "add": {"$ref": "#/definitions/period"}},
                                      KEYS["date_expr"], bi("从某日起算加一段期限", "a date plus a period"))}

    # conditions
    defs["condition"] = _condition(n, vocab)
    defs["fact_test"] = _fact_test(vocab)

    # conclusions
    defs["conclusion"] = _conclusion(n)
    defs["rule"] = _obj({
        "id": {"type": "string", "description": _doc("rule.id")},
        "title": dict(_text(), description=_doc("rule.title")),
        "cite": {"$ref": "#/definitions/citations"},
        "when": {"$ref": "#/definitions/condition", "description": _doc("rule.when")},
        "then": one_or_many({"$ref": "#/definitions/conclusion"}, _doc("rule.then")),
        "overrides": dict(defs["names"], description=_doc("rule.overrides")),
        "versions": dict(defs["names"], description=_doc("rule.versions")),
        "retroactivity": {"type": "string", "enum": list(L.RETROACTIVITY), "description": _doc("retroactivity")},
        "note": dict(_text(), description=_doc("note"))}, KEYS["rule"], bi("一条规则", "a rule"))

    rules = {"$schema": DRAFT, "$id": "creditrules/rules.schema.json", "title": "creditrules rules/*.yaml",
             "description": bi("规则文件：一组规则，每条引用法条",
                               "a rules file: a group of rules, each citing the law"),
             **_obj({"group": {"type": "string", "enum": list(L.GROUPS), "description": _doc("rules_file.group")},
                     "retroactivity": {"type": "string", "enum": list(L.RETROACTIVITY),
                                       "description": _doc("retroactivity")},
                     "rules": {"type": "array", "items": {"$ref": "#/definitions/rule"},
                               "description": _doc("rules_file.rules")},
                     "note": dict(_text(), description=_doc("note"))}, KEYS["rules_file"]),
             "definitions": defs}

    pack = {"$schema": DRAFT, "$id": "creditrules/pack.schema.json", "title": "creditrules pack.yaml",
            "description": bi("政策包：辖区、法规文件、版本", "a policy pack: jurisdiction, documents, versions"),
            **_pack(vocab), "definitions": {}}

    ledger = {"$schema": DRAFT, "$id": "creditrules/ledger.schema.json", "title": "creditrules ledger.yaml",
              "description": _doc("ledger"), **_ledger()}

    tests = {"$schema": DRAFT, "$id": "creditrules/tests.schema.json", "title": "creditrules tests/*.yaml",
             "description": bi("测试用例：一个事件，以及依条文应得的结果", "test cases: an event and the outcome the "
                               "article text requires"),
             **_tests(n, vocab), "definitions": {}}
    return {"pack": pack, "rules": rules, "ledger": ledger, "tests": tests, "vocabulary": _vocabulary_file()}


def _condition(n: _Names, vocab: Vocabulary) -> dict:
    from ..plan.facts import FIELD_PATHS
    ref = {"$ref": "#/definitions/condition"}
    leaves = {
        "all": {"type": "array", "items": ref, "minItems": 1, "description": _doc("cond.all")},
        "any": {"type": "array", "items": ref, "minItems": 1, "description": _doc("cond.any")},
        "not": dict(ref, description=_doc("cond.not")),
        "kind": n.one_or_list("kinds", _doc("cond.kind")),
        "subject": n.one_or_list("subject_types", _doc("cond.subject")),
        "conduct": n.one_or_list("conduct", _doc("cond.conduct")),
        "basis": n.one_or_list("basis_types", _doc("cond.basis")),
        "fact": {"$ref": "#/definitions/fact_test", "description": _doc("cond.fact")},
        "present": {"type": "string", "enum": sorted(set(vocab.facts) | set(FIELD_PATHS)),
                    "description": _doc("cond.present")},
        "age_at_event": _comparison_of({"type": "integer"}, NUMERIC_OPS, _doc("cond.age_at_event")),
        "date": _date_compare(),
        "rule": {"type": "string", "description": _doc("cond.rule")},
    }
    _same(leaves, L.LEAVES, "condition leaves (load.LEAVES)")
    return {"type": ["object", "null"], "properties": {k: leaves[k] for k in L.LEAVES}, "additionalProperties": False,
            "minProperties": 1, "maxProperties": 1,
            "description": bi("条件：恰好一个键（" + "、".join(L.LEAVES) + "）；几个条件用 all: [...] 组合",
                              "a condition: exactly one key (" + ", ".join(L.LEAVES) + "); combine several with "
                              "`all: [...]`")}


def _comparison_of(value: dict, ops: tuple, description: str, in_list: bool = False) -> dict:
    props = {op: dict(value) for op in ops}
    if in_list:
        props["in"] = {"type": "array", "items": value}
    return {"type": "object", "properties": props, "additionalProperties": False, "minProperties": 1,
            "maxProperties": 1, "description": description}


def _date_compare() -> dict:
    right = _scalar_or_object(_date(), {"$ref": "#/definitions/date_expr"})
    props: dict[str, Any] = {"of": {"$ref": "#/definitions/date_paths"}}
    props.update({op: right for op in NUMERIC_OPS})
    out = _obj(props, KEYS["date"], _doc("cond.date"))
    out["minProperties"] = out["maxProperties"] = 2               # `of` and one comparison
    return out


def _fact_value(term) -> dict:
    """What `fact: {name: ...}` may test, by the fact's type (validate._check_fact_test)."""
    t = term.type
    v: dict[str, Any]
    desc = bi(term.zh, term.en) + f" ({t})"
    if t == "bool":
        v = {"type": "boolean"}
        return dict(_scalar_or_object(v, _comparison_of(v, ("eq", "ne"), desc, in_list=True)), description=desc)
    if t == "int":
        v = {"type": "integer"}
        return dict(_scalar_or_object(v, _comparison_of(v, NUMERIC_OPS, desc, in_list=True)), description=desc)
    if t == "date":
        v = _date()
        return dict(_scalar_or_object(v, _comparison_of(v, NUMERIC_OPS, desc, in_list=True)), description=desc)
    if t == "enum":
        v = {"type": "string", "enum": list(term.values)}
        return dict(_scalar_or_object(v, _comparison_of(v, ("eq", "ne"), desc, in_list=True)), description=desc)
    if t == "list":
        v = {"type": "string", "enum": list(term.values)}
        return {"type": "object", "properties": {"any_of": {"type": "array", "items": v}}, "required": ["any_of"],
                "additionalProperties": False, "description": desc}
    v = {"type": ["string", "integer"]}
    return dict(_scalar_or_object(v, _comparison_of(v, ("eq", "ne"), desc, in_list=True)), description=desc)


def _fact_test(vocab: Vocabulary) -> dict:
    facts = vocab.facts
    bools = sorted(n for n, t in facts.items() if t.type == "bool")
    return _scalar_or_object(
        {"type": "string", "enum": bools, "markdownEnumDescriptions": [f"{facts[b].zh} — {facts[b].en}" for b in bools],
         "description": bi("一个是/否事实为“是”", "a true/false fact is true")},
        {"type": "object", "properties": {name: _fact_value(facts[name]) for name in sorted(facts)},
         "additionalProperties": False, "minProperties": 1, "maxProperties": 1,
         "description": bi("一个事实：{名称: 值} 或 {名称: {gt: 6}}", "one fact: {name: value} or {name: {gt: 6}}")})


def _conclusion(n: _Names) -> dict:
    def field(kind: str, key: str) -> dict:
        enum = L.ENUMS.get((kind, key))
        if enum:
            out: dict[str, Any] = {"type": "string", "enum": list(enum)}
        elif key == "id":
            out = {"type": "string", "pattern": r"^[^\s!-/:-@\[-^`{-~]+$"}      # validate: letters, digits, _
        elif key in TEXT_FIELDS:
            out = _text()
        elif key in INT_FIELDS:
            out = {"type": "integer", "minimum": 0}
        elif key in DATE_PATH_FIELDS:
            out = {"$ref": "#/definitions/date_paths"}
        elif key in PERIOD_FIELDS:
            out = {"if": {"type": "object", "required": ["deferred"]}, "then": {"$ref": "#/definitions/deferred"},
                   "else": {"$ref": "#/definitions/period"}}
        elif key in DATE_EXPR_FIELDS:
            out = {"$ref": "#/definitions/date_expr"}
        elif key in BOOL_FIELDS:
            out = {"type": "boolean"}
        else:
            out = {}                                                   # decision.value: any value
        key_doc = f"field.{key}"
        if key_doc in DOCS:
            out["description"] = _doc(key_doc)
        return out

    kinds: dict[str, dict] = {
        "dishonesty": {"type": "string", "enum": list(L.ENUMS["dishonesty", None])},
        "severe_criterion": {"const": True},
        "severe_list": {"type": "string", "enum": list(SEVERE_LIST_VALUES)},
        "warning": _text(),
    }
    for kind, (required, allowed) in L._CONCLUSION_FIELDS.items():
        kinds[kind] = _obj({k: field(kind, k) for k in allowed}, (allowed, required))
    _same(kinds, L.CONCLUSION_KINDS, "conclusion kinds (load.CONCLUSION_KINDS)")
    props = {kind: dict(kinds[kind], description=_doc(f"con.{kind}")) for kind in L.CONCLUSION_KINDS}
    props["cite"] = {"$ref": "#/definitions/citations", "description": _doc("con.cite")}
    return {"type": "object", "properties": props, "additionalProperties": False,
            "oneOf": [{"required": [kind]} for kind in L.CONCLUSION_KINDS],        # exactly one kind
            "description": bi("结论：恰好一种（" + "、".join(L.CONCLUSION_KINDS) + "），可另加 cite",
                              "a conclusion: exactly one of " + ", ".join(L.CONCLUSION_KINDS) + " (and an optional "
                              "cite)")}


def _pack(vocab: Vocabulary) -> dict:
    status = {"type": "string", "enum": list(L.STATUSES)}
    document = _obj({
        "id": dict(_text(), description=_doc("document.id")),
        "title_zh": dict(_text(), description=_doc("document.title_zh")),
        "title_en": dict(_text(), description=_doc("document.title_en")),
        "source": {"type": "string", "pattern": r"^(?![/\\])(?![A-Za-z]:)(?!.*(^|[/\\])\.\.([/\\]|$)).+$",
                   "description": _doc("document.source")},
        "articles_published": {"type": "integer", "minimum": 0, "description": _doc("document.articles_published")},
        "status": _nullable(dict(status, description=_doc("document.status"))),
        "note": dict(_text(), description=_doc("note"))}, KEYS["document"], bi("一个法规文件", "a legal document"))
    version = _obj({
        "id": dict(_text(), description=_doc("version.id")),
        "status": dict(status, description=_doc("version.status")),
        "adopted_on": _nullable(_date(_doc("version.adopted_on"))),
        "effective_from": _nullable(_date(_doc("version.effective_from"))),
        "effective_to": _nullable(_date(_doc("version.effective_to"))),
        "documents": one_or_many({"type": "string"}, _doc("version.documents")),
        "text_held": {"type": "boolean", "description": _doc("version.text_held")},
        "note": dict(_text(), description=_doc("note"))}, KEYS["version"], bi("一个版本", "a version"))
    props = {
        "id": dict(_text(), description=_doc("pack.id")),
        "jurisdiction": {"type": "object", "properties": {"zh": {"type": "string"}, "en": {"type": "string"}},
                         "description": _doc("pack.jurisdiction")},
        "documents": {"type": "array", "items": document, "description": _doc("pack.documents")},
        "versions": {"type": "array", "items": version, "minItems": 1, "description": _doc("pack.versions")},
        "supplements": one_or_many({"type": "string"}, _doc("pack.supplements")),
        "layers": {"type": "array", "items": {"type": "string", "pattern": r"^(?!\.\.?$)[^/\\]+$"},
                   "uniqueItems": True, "description": _doc("pack.layers")},
        "note": dict(_text(), description=_doc("note"))}
    out = _obj(props, KEYS["pack"])
    # a layer (`supplements:` non-empty) needs only id and documents (load._read_pack_yaml)
    out.pop("required")
    layer_required = list(KEYS["layer"][1])
    out["anyOf"] = [{"required": list(KEYS["pack"][1])},
                    {"required": [*layer_required, "supplements"],
                     "properties": {"supplements": {"anyOf": [{"type": "string", "minLength": 1},
                                                              {"type": "array", "minItems": 1}]}}}]
    return out


def _vocabulary_file() -> dict:
    """vocabulary.yaml (a pack's additions; the core set's format): sections of names, each with zh, en, and for a
    fact its type (vocabulary.build_vocabulary)."""
    from ..vocabulary import FACT_TYPES, SECTIONS
    term_props = {"zh": dict(_text(), description=bi("中文名称", "the Chinese label")),
                  "en": dict(_text(), description=bi("英文名称", "the English label")),
                  "type": {"type": "string", "enum": list(FACT_TYPES),
                           "description": bi("事实的类型（仅 facts）", "the fact's type (facts only)")},
                  "values": {"anyOf": [{"type": "array", "items": {"type": "string"}},
                                       {"type": "string", "enum": list(SECTIONS)}],
                             "description": bi("enum 的取值，或 list 的成员（或一个部分的名称，如 violations）",
                                               "an enum's values, or a list's members (or a section's name, e.g. "
                                               "violations)")},
                  "procedural": {"type": "boolean"}, "agency": {"type": "boolean"},
                  "note": dict(_text(), description=_doc("note"))}
    term = {"type": ["object", "null"], "properties": term_props, "additionalProperties": False}
    fact = dict(term, required=["type"])
    section = {"type": ["object", "null"], "additionalProperties": term}
    props: dict[str, Any] = {name: section for name in SECTIONS}
    props["facts"] = {"type": ["object", "null"], "additionalProperties": fact}
    return {"$schema": DRAFT, "$id": "creditrules/vocabulary.schema.json", "title": "creditrules vocabulary.yaml",
            "type": ["object", "null"], "properties": props,
            "additionalProperties": False,
            "description": bi("包自己的词汇（核心词汇之外的名称）：每个名称只定义一次",
                              "the pack's own vocabulary (names beyond the core set): each name declared once")}


def _ledger() -> dict:
    entry = _obj({"status": {"type": "string", "enum": list(L.LEDGER_STATUSES), "description": _doc("ledger.status")},
                  "note": dict(_text(), description=_doc("ledger.note")),
                  "reason": dict(_text(), description=_doc("ledger.reason")),
                  "rules": {"description": _doc("ledger.rules")}}, KEYS["ledger_entry"],
                 bi("一条（或一段条文）的交代", "how an article (or a range) is accounted for"))
    # load._read_ledger: out_of_scope needs a reason; declaratory and pack_metadata a note (or a reason)
    entry["allOf"] = [
        {"if": {"properties": {"status": {"const": "out_of_scope"}}, "required": ["status"]},
         "then": {"required": ["reason"]}},
        {"if": {"properties": {"status": {"enum": ["declaratory", "pack_metadata"]}}, "required": ["status"]},
         "then": {"anyOf": [{"required": ["note"]}, {"required": ["reason"]}]}}]
    articles = {"type": "object", "description": _doc("ledger.document"),
                "patternProperties": {r"^\s*[0-9]+\s*(-\s*[0-9]+\s*)?$": entry}, "additionalProperties": False}
    return {"type": "object", "additionalProperties": articles}


def _event_schema(n: _Names, vocab: Vocabulary) -> dict:
    """pydantic's schema of `event.CreditEvent` (the contract's event), with the vocabulary put in as enums."""
    from ..event import CreditEvent
    raw = CreditEvent.model_json_schema()
    defs = raw.pop("$defs", {})

    def inline(node):
        if isinstance(node, dict):
            if "$ref" in node:
                return inline(defs[node["$ref"].rsplit("/", 1)[-1]])
            return {k: inline(v) for k, v in node.items() if k not in ("title", "default")}
        if isinstance(node, list):
            return [inline(v) for v in node]
        return node

    event = inline(raw)
    props = event["properties"]
    docs = {"id": ("事件编号", "the event's id"), "subject": ("信用主体", "the credit subject"),
            "kind": ("事件类型", "the event kind"), "conduct": ("行为标签（省略：不知道；[]：都不适用）",
                                                           "conduct tags (absent: not known; []: none applies)"),
            "basis": ("认定依据文书", "the legal document the record rests on"),
            "occurred_on": ("发生日期 YYYY-MM-DD", "the day it occurred, YYYY-MM-DD"),
            "facts": ("事实（词汇表中的名称，按类型取值；省略或 null：不知道）",
                      "facts (names from the vocabulary, typed; absent or null: unknown)")}
    for key, (zh, en) in docs.items():
        props[key]["description"] = bi(zh, en)
    props["kind"] = n.enum("kinds", props["kind"]["description"])
    props["conduct"] = {"description": props["conduct"]["description"],
                        "anyOf": [{"type": "array", "items": n.enum("conduct")}, {"type": "null"}]}
    subject = props["subject"]["properties"]
    subject["type"] = n.enum("subject_types", bi("主体类型", "the subject type"))
    persons = subject["responsible_persons"]["anyOf"][0]["items"]["properties"]
    persons["role"] = n.enum("responsible_roles", bi("责任人身份", "the person's role"))
    basis = props["basis"]["anyOf"][0]["properties"]
    basis["type"] = n.enum("basis_types", bi("依据类型", "the basis type"))
    facts = vocab.facts
    props["facts"] = {"type": "object", "description": props["facts"]["description"], "additionalProperties": False,
                      "properties": {name: _nullable(_fact_input(facts[name])) for name in sorted(facts)}}
    return event


def _fact_input(term) -> dict:
    """A fact's value in an event (event._check_fact)."""
    desc = bi(term.zh, term.en) + f" ({term.type})"
    t = term.type
    if t == "bool":
        return {"type": "boolean", "description": desc}
    if t == "int":
        return {"type": "integer", "description": desc}
    if t == "date":
        return _date(desc)
    if t == "enum":
        return {"type": "string", "enum": list(term.values), "description": desc}
    if t == "list":
        return {"type": "array", "items": {"type": "string", "enum": list(term.values)}, "description": desc}
    return {"type": "string", "description": desc}


def _expect_schema() -> dict:
    """`expect:` paths from the determination's model (tools/expect.py), each with its value's type."""
    from pydantic import TypeAdapter

    from .expect import PARTIAL, expectation_paths
    partial = {"type": "object", "properties": {"includes": {"type": "array"}, "excludes": {"type": "array"},
                                                "contains": {"type": "string"}},
               "additionalProperties": False, "minProperties": 1, "description": _doc("expect.partial")}
    _same(partial["properties"], PARTIAL, "partial tests (tools.expect.PARTIAL)")

    def value_schema(spec) -> dict:
        if spec.kind in ("list", "idlist"):
            return {"anyOf": [{"type": "array"}, partial, {"type": ["string", "number", "boolean"]}]}
        if spec.kind == "object":
            return {"type": "object"}
        try:
            schema = TypeAdapter(spec.annotation).json_schema()
        except Exception:  # noqa: BLE001 - Any: every value
            return {}
        schema = {k: v for k, v in schema.items() if k not in ("title", "default")}
        if schema.get("format") == "date" or any(s.get("format") == "date" for s in schema.get("anyOf", [])):
            schema = _nullable(_date()) if "anyOf" in schema else _date()
        return {"anyOf": [schema, {"type": "object", "properties": {"contains": {"type": "string"}},
                                   "required": ["contains"], "additionalProperties": False}]}

    props, patterns = {}, {}
    for path, spec in expectation_paths().items():
        if "<id>" in path:
            head, _, tail = path.partition(".<id>")
            regex = "^" + head.replace(".", r"\.") + r"\.[^.]+" + (tail.replace(".", r"\.") if tail else "") + "$"
            patterns[regex] = value_schema(spec)
        else:
            props[path] = value_schema(spec)
    return {"type": "object", "properties": props, "patternProperties": patterns, "additionalProperties": False,
            "minProperties": 1, "description": _doc("case.expect")}


def _tests(n: _Names, vocab: Vocabulary) -> dict:
    case = _obj({"name": dict(_text(), description=_doc("case.name")),
                 "as_of": _nullable(_date(_doc("case.as_of"))),
                 "event": dict(_event_schema(n, vocab), description=_doc("case.event")),
                 "expect": _expect_schema(),
                 "note": dict(_text(), description=_doc("note"))}, KEYS["case"], bi("一个测试用例", "a test case"))
    cases = {"type": "array", "items": case, "description": _doc("tests_file.cases")}
    return {"anyOf": [cases, _obj({"cases": cases, "note": dict(_text(), description=_doc("note"))},
                                  KEYS["tests_file"])]}


# --- files ---------------------------------------------------------------------------------------------------------

def vocabulary_for(pack_dir: Path | None) -> Vocabulary:
    """The vocabulary a pack is evaluated with: the library's core set, plus the pack's own `vocabulary.yaml`
    (and `vocabulary/*.yaml`) and its named layers' (`vocabulary.pack_vocabulary`, as the workspace builds it: a
    name declared twice is a PackError). Without a pack: the names of every shipped pack (`shipped_vocabulary`)."""
    from ..vocabulary import pack_vocabulary
    if pack_dir is None:
        return shipped_vocabulary()
    return pack_vocabulary(Path(pack_dir), L.find_layers(Path(pack_dir), _pack_id(Path(pack_dir))))


def _pack_id(folder: Path) -> str:
    from ..yamlsource import load_yaml_file
    try:
        doc, _ = load_yaml_file(folder / "pack.yaml")
    except OSError:
        return folder.name
    data = doc.data if doc is not None and isinstance(doc.data, dict) else {}
    return str(data.get("id", folder.name))


def render(schema: dict) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=1, sort_keys=False) + "\n"


def write(out_dir: Path, vocab: Vocabulary | None = None) -> list[Path]:
    """Write the schemas into `out_dir`; returns the files written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in build(vocab).items():
        path = out_dir / FILES[name]
        path.write_text(render(schema), encoding="utf-8")
        written.append(path)
    return written


def editor_settings(schema_dir: str) -> dict:
    """The `yaml.schemas` mapping of VS Code's YAML extension: schema file -> the pack files it is for."""
    return {f"{schema_dir.rstrip('/')}/{FILES[name]}": globs for name, globs in GLOBS.items()}
