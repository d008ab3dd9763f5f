"""The determination's fields as columns: engine/collectors.py written over the outcome columns.

The reference's assembly loop visits the rules that are not false in index order, each rule's conclusions in
order, and hands each to its collector; here every conclusion is a `Slot` (rule, conclusion) in that same order,
and each collector's state after the loop is an expression over `rule:<i>` (T: holds, U: undetermined):

    dishonesty      the highest level that holds, unless a higher one is undetermined
    severe list     eligible / null (undetermined listing, or a deferral) / false; criteria in order
    measures        sanction and incentive ids, each once, in the order of the first rule that gives it
    publication     per term, the last rule that holds and sets it ("setter"); start, ends, extension
    repair          the same, except that once eligibility is false a later term with `eligible` is ignored
    dated           deadlines in order (start, due in working days); decisions: the first value, conflicts warned
    missing facts   an undetermined rule's missing facts where a reader of it is undetermined or one of its
                    conclusions would change the determination; the dates the collectors could not work out
    warnings        a list of tokens in the order the reference warns, worded once per distinct list (`finish`)

Then `finish` adds the warnings' words (merged by text, their sources joined, exactly as `Context.warnings`).
"""
from __future__ import annotations

from typing import Any, Optional

import polars as pl

from .. import model as m
from ..engine.collectors import _LEVEL_RANK, labels
from ..messages import msg
from ..plan import conclusions as c
from ..plan.facts import missing_name
from . import conditions as cx
from . import dates as d
from .evaluator import T_LIST, Compiled, Slot, Tokens, _any, _choose, _str_list, _T, _U

FLAT_COLUMNS = (
    "index", "event_id", "error_code", "error_message", "pack_version", "level", "at_least", "eligible", "criteria",
    "sanction_ids", "incentive_ids", "decision_ids", "publication_disclosure", "publication_start",
    "publication_min_end", "publication_max_end", "publication_extended", "publication_after_end", "repair_eligible",
    "repair_earliest", "repair_not_repairable_reason", "repair_processing_working_days", "deadline_ids",
    "deadline_from", "deadline_due", "missing_facts", "warnings", "warning_codes", "pack_digest")


def _first_of_id(slots: list[Slot], key) -> list[pl.Expr]:
    """For each slot, its id (key(con)) where it holds and no earlier slot with the same id holds, else null."""
    out, earlier = [], {}
    for s in slots:
        ident = key(s.con)
        before = earlier.get(ident, [])
        cond = _T(s.rule)
        if before:
            cond = cond & ~_any(before)
        out.append(pl.when(cond).then(pl.lit(ident)))
        earlier[ident] = before + [_T(s.rule)]
    return out


def _held(slots: list[Slot], pred=lambda con: True) -> pl.Expr:
    return _any([_T(s.rule) for s in slots if pred(s.con)])


def _setter(slots: list[tuple[Slot, pl.Expr]], key: str) -> pl.Expr:
    """The last slot (by order) that applies and sets `key`: its number, or null when none does."""
    parts = [pl.when(applies).then(pl.lit(s.n)) for s, applies in reversed(slots) if key in s.con.as_dict]
    if not parts:
        return pl.lit(None, dtype=pl.Int64)
    return pl.coalesce(parts) if len(parts) > 1 else parts[0]


def _differs(setter: pl.Expr, slots: list[Slot], key: str, value: Any) -> pl.Expr:
    """`terms.get(key) != value` once the collector has seen every slot (`would_change`)."""
    equal = [s.n for s in slots if key in s.con.as_dict and s.con.as_dict[key] == value]
    inside = setter.is_in(equal) if equal else cx.FALSE
    return pl.when(setter.is_null()).then(pl.lit(value is not None)).otherwise(~inside)


class _Missing:
    def __init__(self):
        self.parts: dict[str, list[pl.Expr]] = {}

    def add(self, name: str, expr: pl.Expr) -> None:
        self.parts.setdefault(name, []).append(expr)

    def column(self) -> pl.Expr:
        return _str_list([pl.when(_any(self.parts[name])).then(pl.lit(name)) for name in sorted(self.parts)])


def assemble(comp: Compiled, df: pl.DataFrame, dyn: Tokens) -> pl.DataFrame:
    plan, lang, tok = comp.plan, comp.lang, comp.tokens
    rules = plan.rules
    by = comp.by_kind
    get = lambda kind: by.get(kind, [])                       # noqa: E731
    missing = _Missing()
    warn: list[pl.Expr] = []          # String token expressions, in the reference's order (lists: the version's)

    # --- dishonesty ----------------------------------------------------------------------------------------------
    levels = get(c.DishonestyLevel)
    ranked = sorted(_LEVEL_RANK, key=_LEVEL_RANK.__getitem__, reverse=True)
    applied = {L: _held(levels, lambda con, L=L: con.level == L) for L in ranked}
    pending = {L: _any([_U(s.rule) for s in levels if s.con.level == L]) for L in ranked}
    top = pl.lit(None, dtype=pl.String)
    for L in reversed(ranked):
        top = pl.when(applied[L]).then(pl.lit(L)).otherwise(top)
    df = df.with_columns(top.alias("_top"))
    top = pl.col("_top")
    higher = _any([(top == L) & pending[P] for L in ranked for P in ranked if _LEVEL_RANK[P] > _LEVEL_RANK[L]])
    level = (pl.when(top.is_null()).then(pl.when(_any(list(pending.values()))).then(pl.lit("undetermined"))
                                         .otherwise(pl.lit("none")))
             .when(higher).then(pl.lit("undetermined")).otherwise(top))
    df = df.with_columns(level.alias("level"))
    df = df.with_columns(pl.when(pl.col("level") == "undetermined").then(top).alias("at_least"))

    # --- severe list ---------------------------------------------------------------------------------------------
    listings = get(c.SevereListing)
    eligible_held = _held(listings, lambda con: not con.deferred)
    deferred_held = _held(listings, lambda con: con.deferred)
    listing_unknown = _any([_U(s.rule) for s in listings if not s.con.deferred])
    df = df.with_columns(
        pl.when(eligible_held).then(cx.TRUE).when(listing_unknown | deferred_held).then(cx.NULL_BOOL)
        .otherwise(cx.FALSE).alias("eligible"),
        _str_list([pl.when(_T(s.rule)).then(pl.lit(rules[s.rule].id)) for s in get(c.SevereCriterion)])
        .alias("criteria"),
        _str_list(_first_of_id(get(c.Sanction), lambda con: con.id)).alias("sanction_ids"),
        _str_list(_first_of_id(get(c.Incentive), lambda con: con.id)).alias("incentive_ids"),
        _str_list(_first_of_id(get(c.Decision), lambda con: con.id)).alias("decision_ids"))

    # --- the warnings of the loop: the version, the identifier, then each conclusion that holds, in order ----------
    idents = df.get_column("_ident_warning").drop_nulls().unique(maintain_order=True).to_list()
    if idents:
        table = pl.DataFrame({"_ident_warning": idents,
                              "_itoken": [dyn.token(text, None, "identifier") for text in idents]},
                             schema={"_ident_warning": pl.String, "_itoken": pl.String})
        df = df.join(table, on="_ident_warning", how="left", maintain_order="left")
    else:
        df = df.with_columns(pl.lit(None, dtype=pl.String).alias("_itoken"))
    warn.append(pl.col("_vtokens"))
    warn.append(pl.col("_itoken"))
    for s in comp.slots:
        con, held = s.con, _T(s.rule)
        for provision in con.recorded:
            if provision.draft:
                warn.append(pl.when(held).then(pl.lit(tok.token(
                    msg("draft_document", lang, title=provision.document_title), None, "draft_document"))))
        text = source = None
        if isinstance(con, c.SevereListing) and con.deferred and not con.deferral_stated:
            text, code = msg("severe_list_deferred", lang, labels=labels(con.refs)), "severe_list_deferred"
        elif isinstance(con, c.Notice):
            text, source, code = con.text, labels(con.refs), "pack_warning"
        elif isinstance(con, c.Deferral):
            text, code = msg("deferral", lang, labels=labels(con.refs) or rules[s.rule].id, what=con.what,
                             to=con.to), "deferral"
        if text is not None:
            warn.append(pl.when(held).then(pl.lit(tok.token(text, source, code))))

    # --- publication ---------------------------------------------------------------------------------------------
    pubs = get(c.PublicationTerms)
    pub_applies = [(s, _T(s.rule)) for s in pubs]
    keys = list(dict.fromkeys(k for s in pubs for k in s.con.as_dict))
    df = df.with_columns([_setter(pub_applies, k).alias(f"_ps:{k}") for k in keys])
    pset = {k: pl.col(f"_ps:{k}") for k in keys}
    null_int = pl.lit(None, dtype=pl.Int64)

    def pvalues(key: str) -> list[tuple[Slot, Any]]:
        return [(s, s.con.as_dict[key]) for s in pubs if key in s.con.as_dict]

    starts = [(s, v) for s, v in pvalues("start") if v]
    start = _choose(pset.get("start", null_int), [(s.n, comp._first(v, False)) for s, v in starts], pl.Date)
    df = df.with_columns(start.alias("_pub_start"))
    for s, v in starts:
        missing.add(missing_name(v[0]), (pset["start"] == s.n).fill_null(False) & pl.col("_pub_start").is_null())
    periods: dict[m.Period, str] = {}
    for key in ("min", "max"):
        for s, v in pvalues(key):
            if isinstance(v, m.Period) and v not in periods:
                periods[v] = f"_pp{len(periods)}"
    for period, name in periods.items():
        df = d.add_period_columns(df, "_pub_start", period, name, name + "!", comp.cal)
    ends = {}
    for key in ("min", "max"):
        options, tokens = [], []
        for s, v in pvalues(key):
            chosen = (pset[key] == s.n).fill_null(False)
            if isinstance(v, m.Deferred):
                text = msg("period_deferred", lang, labels=labels(s.con.refs) or "publication",
                           which="minimum" if key == "min" else "maximum",
                           which_zh="最短" if key == "min" else "最长", to=v.to, field=f"{key}_end")
                warn.append(pl.when(chosen).then(pl.lit(tok.token(text, None, "period_deferred"))))
            elif isinstance(v, m.Period):
                options.append((s.n, pl.col(periods[v])))
                tokens.append(pl.when(chosen).then(pl.col(periods[v] + "!")))
        warn.extend(tokens)
        ends[key] = _choose(pset.get(key, null_int), options, pl.Date)
    extended = _choose(pset.get("extended_until_removal", null_int),
                       [(s.n, pl.lit(bool(v))) for s, v in pvalues("extended_until_removal")], pl.Boolean)
    df = df.with_columns(ends["min"].alias("publication_min_end"), ends["max"].alias("_max0"),
                         extended.fill_null(False).alias("publication_extended"))
    removed = (pl.col("fact:removed_from_list_on") if comp.spec.facts.get("removed_from_list_on") == "date"
               else pl.lit(None, dtype=pl.Date))
    max_end = (pl.when(pl.col("publication_extended") & pl.col("_max0").is_not_null() & removed.is_not_null()
                       & (removed > pl.col("_max0"))).then(removed).otherwise(pl.col("_max0")))
    df = df.with_columns(
        max_end.alias("_pub_max_end"),
        _choose(pset.get("disclosure", null_int), [(s.n, pl.lit(v)) for s, v in pvalues("disclosure")],
                pl.String).alias("publication_disclosure"),
        _choose(pset.get("after_end", null_int), [(s.n, pl.lit(v)) for s, v in pvalues("after_end")],
                pl.String).alias("publication_after_end"))

    # --- the date computations that may count from the publication's dates --------------------------------------
    for key, names in comp._date_comps.items():
        expr = key[0] if isinstance(key[0], m.YearDate) else m.DateExpr(key[0], key[1])
        df = comp._compute(df, expr, key[-1], names)

    # --- repair ----------------------------------------------------------------------------------------------------
    reps = get(c.RepairTerms)
    rep_applies: list[tuple[Slot, pl.Expr]] = []
    lockers: list[pl.Expr] = []
    for s in reps:
        terms = s.con.as_dict
        applies = _T(s.rule)
        if "eligible" in terms and lockers:
            applies = applies & ~_any(lockers)
        rep_applies.append((s, applies))
        if terms.get("eligible") is False:
            lockers.append(_T(s.rule))
    rkeys = list(dict.fromkeys(k for s in reps for k in s.con.as_dict))
    df = df.with_columns([_setter(rep_applies, k).alias(f"_rs:{k}") for k in rkeys])
    rset = {k: pl.col(f"_rs:{k}") for k in rkeys}

    def rvalues(key: str) -> list[tuple[Slot, Any]]:
        return [(s, s.con.as_dict[key]) for s in reps if key in s.con.as_dict]

    earliest_options = []
    for s, v in rvalues("earliest"):
        if not v:
            continue
        out, exists, token = comp._comp(v, known=True)
        chosen = (rset["earliest"] == s.n).fill_null(False)
        earliest_options.append((s.n, pl.col(out)))
        name = v.year_path if isinstance(v, m.YearDate) else (v.paths[0] if v.paths else "date")
        missing.add(missing_name(name), chosen & ~pl.col(exists))
        warn.append(pl.when(chosen).then(pl.col(token)))
    df = df.with_columns(
        _choose(rset.get("eligible", null_int), [(s.n, pl.lit(v, dtype=pl.Boolean)) for s, v in rvalues("eligible")],
                pl.Boolean).alias("repair_eligible"),
        _choose(rset.get("earliest", null_int), earliest_options, pl.Date).alias("repair_earliest"),
        _choose(rset.get("not_repairable_reason", null_int),
                [(s.n, pl.lit(v, dtype=pl.String)) for s, v in rvalues("not_repairable_reason")],
                pl.String).alias("repair_not_repairable_reason"),
        _choose(rset.get("processing_working_days", null_int),
                [(s.n, pl.lit(v, dtype=pl.Int64)) for s, v in rvalues("processing_working_days")],
                pl.Int64).alias("repair_processing_working_days"))

    # --- deadlines and decisions ---------------------------------------------------------------------------------
    deadline_items, by_decision = [], {}
    for s in comp.slots:
        con, held = s.con, _T(s.rule)
        if isinstance(con, c.Deadline):
            out, exists, token = comp._comp(comp.deadline_expr(con), known=True)
            deadline_items.append(pl.when(held).then(pl.struct(
                pl.lit(con.id).alias("id"), pl.col(out + "<").alias("from"), pl.col(out).alias("due"))))
            if con.start_paths:
                missing.add(missing_name(con.start_paths[0]), held & ~pl.col(exists))
            warn.append(pl.when(held).then(pl.col(token)))
        elif isinstance(con, c.Decision):
            if con.until is not None:
                out, exists, token = comp._comp(con.until, known=True)
                name = (con.until.year_path if isinstance(con.until, m.YearDate)
                        else (con.until.paths[0] if con.until.paths else "date"))
                missing.add(missing_name(name), held & ~pl.col(exists))
                warn.append(pl.when(held).then(pl.col(token)))
            earlier = by_decision.setdefault(con.id, [])
            for k, f in enumerate(earlier):
                if _same_value(f.con.value, con.value):
                    continue
                first = _T(f.rule)
                if k:
                    first = first & ~_any([_T(x.rule) for x in earlier[:k]])
                text = msg("decision_conflict", lang, id=con.id, first=repr(f.con.value), second=repr(con.value))
                warn.append(pl.when(held & first).then(pl.lit(tok.token(text, labels(con.refs), "decision_conflict"))))
            earlier.append(s)
    deadline_dtype = pl.List(pl.Struct({"id": pl.String, "from": pl.Date, "due": pl.Date}))
    deadlines = (pl.concat_list(deadline_items).list.drop_nulls() if deadline_items
                 else pl.lit(pl.Series([[]], dtype=deadline_dtype)).first())
    df = df.with_columns(deadlines.alias("_deadlines"))
    df = df.with_columns(
        pl.col("_deadlines").list.eval(pl.element().struct.field("id")).alias("deadline_ids"),
        pl.col("_deadlines").list.eval(pl.element().struct.field("from")).alias("deadline_from"),
        pl.col("_deadlines").list.eval(pl.element().struct.field("due")).alias("deadline_due"))

    # --- missing facts of undetermined rules -------------------------------------------------------------------
    sanction_held = {con_id: _held(get(c.Sanction), lambda con, i=con_id: con.id == i)
                     for con_id in {s.con.id for s in get(c.Sanction)}}
    incentive_held = {con_id: _held(get(c.Incentive), lambda con, i=con_id: con.id == i)
                      for con_id in {s.con.id for s in get(c.Incentive)}}

    def would_change(con) -> pl.Expr:
        if isinstance(con, c.DishonestyLevel):
            return ~_any([applied[L] for L in ranked if _LEVEL_RANK[L] >= _LEVEL_RANK[con.level]])
        if isinstance(con, c.SevereCriterion):
            return cx.FALSE
        if isinstance(con, c.SevereListing):
            return ~eligible_held
        if isinstance(con, c.ProcedureStep):
            return ~_held(get(c.ProcedureStep), lambda x: x.id == con.id)
        if isinstance(con, c.Sanction):
            return ~sanction_held[con.id]
        if isinstance(con, c.Incentive):
            return ~incentive_held[con.id]
        if isinstance(con, c.PublicationTerms):
            return _any([_differs(pset[k], pubs, k, v) for k, v in con.terms])
        if isinstance(con, c.RepairTerms):
            return _any([_differs(rset[k], reps, k, v) for k, v in con.terms])
        if isinstance(con, c.Deadline):
            return ~_held(get(c.Deadline), lambda x: x.id == con.id)
        if isinstance(con, c.Decision):
            return ~_held(get(c.Decision), lambda x: x.id == con.id and x.value == con.value)
        return cx.TRUE                                # Notice, Deferral: news in themselves

    reported: list[pl.Expr] = []
    for rule in rules:
        own = cx.missing(rule.condition)
        exceptions = [(o, cx.missing(rules[o].condition)) for o in rule.overridden_by]
        names = set(own) | {name for _, found in exceptions for name in found}
        if not names:
            continue
        matters = _any([_U(r) for r in rule.readers] + [would_change(con) for con in rule.conclusions])
        reported.append((_U(rule.index) & matters).alias(f"_R:{rule.index}"))
        for name in sorted(names):
            expr = own.get(name, cx.FALSE)
            if exceptions:
                chain = None
                for o, found in exceptions:
                    part = found.get(name, cx.FALSE)
                    chain = pl.when(_U(o)).then(part) if chain is None else chain.when(_U(o)).then(part)
                expr = pl.when(pl.col(f"raw:{rule.index}").eq_missing(True)).then(chain.otherwise(cx.FALSE)) \
                    .otherwise(expr)
            missing.add(name, pl.col(f"_R:{rule.index}") & expr)
    if reported:
        df = df.with_columns(reported)
    df = df.with_columns(missing.column().alias("missing_facts"))

    # --- warnings ------------------------------------------------------------------------------------------------
    df = df.with_columns(pl.concat_list(warn).list.drop_nulls().alias("_wtokens"))
    return finish(comp, df, dyn)


def _same_value(a: Any, b: Any) -> bool:
    if c.RESPONSIBLE_PERSONS in (a, b) and a != b:
        raise NotImplementedError("a decision whose value is the responsible persons, given a different value by "
                                  "another provision: the columnar evaluator does not word that conflict")
    return not (a != b)


def finish(comp: Compiled, df: pl.DataFrame, dyn: Tokens) -> pl.DataFrame:
    """Word the warnings: once per distinct token list, merged by text with their sources (Context.warnings)."""
    df = df.with_columns(pl.col("_wtokens").list.join(",").alias("_wkey"))
    keys = df.get_column("_wkey").unique(maintain_order=True).to_list()
    texts, codes = [], []
    static, batch = comp.tokens.items, dyn.items
    for key in keys:
        merged: dict[str, tuple[str, list[str]]] = {}
        for token in key.split(",") if key else ():
            if token[0] == "c":
                text, source, code = d.calendar_text(token, comp.cal, comp.lang), None, "calendar_unknown"
            else:
                text, source, code = (static if token[0] == "s" else batch)[int(token[1:])]
            found = merged.get(text)
            if found is None:
                found = merged[text] = (code, [])
            if source and source not in found[1]:
                found[1].append(source)
        texts.append([f"{text} ({'; '.join(src)})" if src else text for text, (_, src) in merged.items()])
        codes.append([code for code, _ in merged.values()])
    table = pl.DataFrame({"_wkey": keys, "warnings": texts, "warning_codes": codes},
                         schema={"_wkey": pl.String, "warnings": T_LIST, "warning_codes": T_LIST})
    return df.join(table, on="_wkey", how="left", maintain_order="left")
