"""The determination's fields as columns: engine/collectors.py written over the outcome columns.

The reference's assembly loop visits the rules that are not false in index order, each rule's conclusions in
order, and hands each to its collector; here every conclusion is a `Slot` (rule, conclusion) in that same order,
and each collector's state after the loop is an expression over `rule:<i>` (T: holds, U: undetermined):

    dishonesty      the highest level that holds, unless a higher one is undetermined
    severe list     eligible / null (undetermined listing, or a deferral) / false; criteria in order
    measures        sanction and incentive ids, each once, in the order of the first rule that gives it
    publication     per term, the last rule that holds and sets it (its "setter"); start, ends, extension
    repair          the same, except that once eligibility is false a later term with `eligible` is ignored
    dated           deadlines in order (start, due in working days); decisions: the first value, conflicts warned
    missing facts   an undetermined rule's missing facts where a reader of it is undetermined or one of its
                    conclusions would change the determination; the dates the collectors could not work out
    warnings        a program of warnings in the order the reference gives them (the version's, the identifier's,
                    each conclusion's, the dates'), worded once per distinct key (merged by text, sources joined)

A list (criteria, ids, missing facts) depends only on which of a few booleans hold: they are packed into Int64
words, and the list is made once per distinct combination in the batch and joined back (`_lookup`).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl

from .. import model as m
from ..engine.collectors import _LEVEL_RANK, labels
from ..messages import msg
from ..plan import conclusions as c
from ..plan.facts import missing_name
from . import conditions as cx
from . import dates as d
from .evaluator import _U, T_LIST, Compiled, DateComp, Slot, _any, _choose, held

# the assembled columns a batch's frame keeps (besides the lists, added by lookups and joins)
OUTPUT = ("index", "event_id", "version", "level", "at_least", "eligible", "publication_disclosure", "_pub_start",
          "publication_min_end", "_pub_max_end", "publication_extended_until_removal", "publication_after_end",
          "repair_eligible", "repair_earliest", "repair_not_repairable_reason", "repair_processing_working_days")
_NULL_INT = pl.lit(None, dtype=pl.Int64)
_EMPTY_DATES = pl.lit(pl.Series([[]], dtype=pl.List(pl.Date))).first()
_EMPTY_TEXTS = pl.lit(pl.Series([[]], dtype=pl.List(pl.String))).first()


class _Mask:
    """Booleans packed into Int64 words (63 bits each): a key that says which of them hold."""

    def __init__(self, prefix: str, bits: list[pl.Expr]):
        self.prefix, self.bits = prefix, bits
        self.names = [f"{prefix}{k}" for k in range(max(1, -(-len(bits) // 63)))]

    def columns(self) -> list[pl.Expr]:
        zero = pl.lit(0, dtype=pl.Int64)
        out = []
        for k, name in enumerate(self.names):
            part = self.bits[63 * k: 63 * (k + 1)]
            words = [pl.when(b).then(pl.lit(1 << j, dtype=pl.Int64)).otherwise(zero) for j, b in enumerate(part)]
            out.append((pl.sum_horizontal(words) if words else zero).alias(name))
        return out

    def decode(self, words: tuple[int, ...]) -> tuple[bool, ...]:
        return tuple(bool(words[j // 63] >> (j % 63) & 1) for j in range(len(self.bits)))


class _Lookup:
    """Columns worked out by `compute(held) -> tuple of values` once per distinct combination of `bits`."""

    def __init__(self, prefix: str, bits: list[pl.Expr], schema: dict[str, Any], compute: Callable):
        self.mask = _Mask(prefix, bits)
        self.schema, self.compute = schema, compute
        self._cache: dict[tuple, tuple] = {}

    def table(self, df: pl.DataFrame) -> pl.LazyFrame:
        keys = df.select(self.mask.names).unique()
        values = []
        for words in keys.iter_rows():
            found = self._cache.get(words)
            if found is None:
                if len(self._cache) > 50_000:
                    self._cache.clear()
                found = self._cache[words] = self.compute(self.mask.decode(words))
            values.append(found)
        data: dict[str, Any] = {name: keys.get_column(name) for name in self.mask.names}
        for k, (name, dtype) in enumerate(self.schema.items()):
            data[name] = pl.Series(name, [v[k] for v in values], dtype=dtype)
        return pl.DataFrame(data).lazy()


def _first_ids(slots: list[Slot]):
    def compute(held):
        seen: dict[str, None] = {}
        for s, h in zip(slots, held, strict=True):
            if h:
                seen.setdefault(s.con.id, None)
        return (list(seen),)
    return compute


def _held(slots: list[Slot], pred=lambda con: True) -> pl.Expr:
    return _any([held(s) for s in slots if pred(s.con)])


def _setter(slots: list[tuple[Slot, pl.Expr]], key: str) -> pl.Expr:
    """The last slot (in order) that applies and sets `key`: its number, or null when none does."""
    parts = [pl.when(applies).then(pl.lit(s.n, dtype=pl.Int64)) for s, applies in reversed(slots)
             if key in s.con.as_dict]
    if not parts:
        return _NULL_INT
    return pl.coalesce(parts) if len(parts) > 1 else parts[0]


def _differs(setter: pl.Expr, slots: list[Slot], key: str, value: Any) -> pl.Expr:
    """`terms.get(key) != value` once the collector has seen every slot (`would_change`)."""
    equal = [s.n for s in slots if key in s.con.as_dict and s.con.as_dict[key] == value]
    inside = setter.is_in(equal) if equal else cx.FALSE
    return pl.when(setter.is_null()).then(pl.lit(value is not None)).otherwise(~inside)


def _same_value(a: Any, b: Any) -> bool:
    if c.RESPONSIBLE_PERSONS in (a, b) and a != b:
        raise NotImplementedError("a decision whose value is the responsible persons, given a different value by "
                                  "another provision: the columnar evaluator does not word that conflict")
    return not (a != b)


def _expr_missing(expr: Any) -> str:
    """The name engine/dates.computed reports when a date expression cannot be worked out."""
    path = expr.year_path if isinstance(expr, m.YearDate) else (expr.paths[0] if expr.paths else "date")
    return missing_name(path)


class Assembly:
    """Every expression of the determination's columns, built once per compiled plan."""

    def __init__(self, comp: Compiled):
        self.comp = comp
        plan, lang, tok = comp.plan, comp.lang, comp.tokens
        rules = plan.rules
        get = lambda kind: comp.by_kind.get(kind, [])          # noqa: E731
        self.missing: dict[str, list[pl.Expr]] = {}
        self.program: list[tuple[str, Any]] = []     # the warnings after the version's, the identifier's and
        #                                                  the unread names' (those come first): ("s", (held, token))
        #                                                  a static one, ("c", token column) the dates'; in order
        g1, g2, g3, g4, g5, g6 = [], [], [], [], [], []          # groups of columns, each reading the ones before

        # dishonesty
        levels = get(c.DishonestyLevel)
        ranked = sorted(_LEVEL_RANK, key=_LEVEL_RANK.__getitem__, reverse=True)
        applied = {L: _held(levels, lambda con, L=L: con.level == L) for L in ranked}
        pending = {L: _any([_U(s.rule) for s in levels if s.con.level == L]) for L in ranked}
        top = pl.lit(None, dtype=pl.String)
        for L in reversed(ranked):
            top = pl.when(applied[L]).then(pl.lit(L)).otherwise(top)
        g1.append(top.alias("_top"))
        top = pl.col("_top")
        higher = _any([(top == L).fill_null(False) & pending[P] for L in ranked for P in ranked
                       if _LEVEL_RANK[P] > _LEVEL_RANK[L]])
        g2.append(pl.when(top.is_null()).then(pl.when(_any(list(pending.values()))).then(pl.lit("undetermined"))
                                              .otherwise(pl.lit("none")))
                  .when(higher).then(pl.lit("undetermined")).otherwise(top).alias("level"))
        g3.append(pl.when(pl.col("level") == "undetermined").then(top).alias("at_least"))

        # severe list
        listings = get(c.SevereListing)
        eligible_held = _held(listings, lambda con: not con.deferred)
        deferred_held = _held(listings, lambda con: con.deferred)
        listing_unknown = _any([_U(s.rule) for s in listings if not s.con.deferred])
        g1.append(pl.when(eligible_held).then(cx.TRUE).when(listing_unknown | deferred_held).then(cx.NULL_BOOL)
                  .otherwise(cx.FALSE).alias("eligible"))
        criteria = get(c.SevereCriterion)
        self.lookups = [_Lookup("_kc", [held(s) for s in criteria], {"criteria": T_LIST},
                                lambda held: ([rules[s.rule].id for s, h in zip(criteria, held, strict=True) if h],))]
        for name, kind in (("sanction_ids", c.Sanction), ("incentive_ids", c.Incentive), ("decision_ids", c.Decision)):
            self.lookups.append(_Lookup(f"_k{name}", [held(s) for s in get(kind)], {name: T_LIST},
                                        _first_ids(get(kind))))

        # the loop's warnings: each conclusion that holds, in order (its draft provisions first: ctx.record)
        for s in comp.slots:
            con, held_ = s.con, held(s)
            for provision in con.recorded:
                if provision.draft:
                    self.program.append(("s", (held_, tok.token(
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
                self.program.append(("s", (held_, tok.token(text, source, code))))

        # publication
        pubs = get(c.PublicationTerms)
        keys = list(dict.fromkeys(k for s in pubs for k in s.con.as_dict))
        g1 += [_setter([(s, held(s)) for s in pubs], k).alias(f"_ps:{k}") for k in keys]
        pset = {k: pl.col(f"_ps:{k}") for k in keys}

        def pvalues(key: str) -> list[tuple[Slot, Any]]:
            return [(s, s.con.as_dict[key]) for s in pubs if key in s.con.as_dict]

        starts = [(s, v) for s, v in pvalues("start") if v]
        g2.append(_choose(pset.get("start", _NULL_INT), [(s.n, comp.first_date(v, False)) for s, v in starts],
                          pl.Date).alias("_pub_start"))
        for s, v in starts:
            self._missing(missing_name(v[0]), (pset["start"] == s.n).fill_null(False)
                          & pl.col("_pub_start").is_null())
        self.pub_dates: dict[m.Period, DateComp] = {}
        for key in ("min", "max"):
            for _, v in pvalues(key):
                if isinstance(v, m.Period) and v not in self.pub_dates:
                    k = len(self.pub_dates)
                    self.pub_dates[v] = DateComp(m.DateExpr(("publication.start",), v), True, f"_pp{k}", f"_pp{k}?")
        for key in ("min", "max"):
            options = []
            for s, v in pvalues(key):
                chosen = (pset[key] == s.n).fill_null(False)
                if isinstance(v, m.Deferred):
                    text = msg("period_deferred", lang, labels=labels(s.con.refs) or "publication",
                               which="minimum" if key == "min" else "maximum",
                               which_zh="最短" if key == "min" else "最长", to=v.to, field=f"{key}_end")
                    self.program.append(("s", (chosen, tok.token(text, None, "period_deferred"))))
                elif isinstance(v, m.Period):
                    options.append((s.n, pl.col(self.pub_dates[v].out)))
                    self.program.append(("c", pl.when(chosen).then(pl.col(self.pub_dates[v].token))))
            g4.append(_choose(pset.get(key, _NULL_INT), options, pl.Date)
                      .alias("publication_min_end" if key == "min" else "_max0"))
        g2.append(_choose(pset.get("extended_until_removal", _NULL_INT),
                          [(s.n, pl.lit(bool(v))) for s, v in pvalues("extended_until_removal")], pl.Boolean)
                  .fill_null(False).alias("publication_extended_until_removal"))
        removed = (pl.col("fact:removed_from_list_on") if comp.spec.facts.get("removed_from_list_on") == "date"
                   else pl.lit(None, dtype=pl.Date))
        max0 = pl.col("_max0")
        g5.append(pl.when(pl.col("publication_extended_until_removal") & max0.is_not_null() & removed.is_not_null()
                          & (removed > max0)).then(removed).otherwise(max0).alias("_pub_max_end"))
        for name, key in (("publication_disclosure", "disclosure"), ("publication_after_end", "after_end")):
            g2.append(_choose(pset.get(key, _NULL_INT), [(s.n, pl.lit(v, dtype=pl.String)) for s, v in pvalues(key)],
                              pl.String).alias(name))

        # repair
        reps = get(c.RepairTerms)
        rep_applies: list[tuple[Slot, pl.Expr]] = []
        lockers: list[pl.Expr] = []
        for s in reps:
            terms = s.con.as_dict
            applies = held(s)
            if "eligible" in terms and lockers:
                applies = applies & ~_any(lockers)
            rep_applies.append((s, applies))
            if terms.get("eligible") is False:
                lockers.append(held(s))
        rkeys = list(dict.fromkeys(k for s in reps for k in s.con.as_dict))
        g1 += [_setter(rep_applies, k).alias(f"_rs:{k}") for k in rkeys]
        rset = {k: pl.col(f"_rs:{k}") for k in rkeys}

        def rvalues(key: str) -> list[tuple[Slot, Any]]:
            return [(s, s.con.as_dict[key]) for s in reps if key in s.con.as_dict]

        earliest = []
        for s, v in rvalues("earliest"):
            if not v:
                continue
            dc = comp.date_comp(v)
            chosen = (rset["earliest"] == s.n).fill_null(False)
            earliest.append((s.n, pl.col(dc.out)))
            self._missing(_expr_missing(v), chosen & ~pl.col(dc.exists))
            self.program.append(("c", pl.when(chosen).then(pl.col(dc.token))))
        g6.append(_choose(rset.get("earliest", _NULL_INT), earliest, pl.Date).alias("repair_earliest"))
        g2 += [
            _choose(rset.get("eligible", _NULL_INT),
                    [(s.n, pl.lit(v, dtype=pl.Boolean)) for s, v in rvalues("eligible")], pl.Boolean)
            .alias("repair_eligible"),
            _choose(rset.get("not_repairable_reason", _NULL_INT),
                    [(s.n, pl.lit(v, dtype=pl.String)) for s, v in rvalues("not_repairable_reason")],
                    pl.String).alias("repair_not_repairable_reason"),
            _choose(rset.get("processing_working_days", _NULL_INT),
                    [(s.n, pl.lit(v, dtype=pl.Int64)) for s, v in rvalues("processing_working_days")],
                    pl.Int64).alias("repair_processing_working_days")]

        # deadlines and decisions, in order
        deadline_slots: list[Slot] = []
        self.froms: list[str] = []
        self.dues: list[str] = []
        by_decision: dict[str, list[Slot]] = {}
        for s in comp.slots:
            con, held_ = s.con, held(s)
            if isinstance(con, c.Deadline):
                dc = comp.date_comp(comp.deadline_expr(con))
                deadline_slots.append(s)
                self.froms.append(dc.start)
                self.dues.append(dc.out)
                if con.start_paths:
                    self._missing(missing_name(con.start_paths[0]), held_ & ~pl.col(dc.exists))
                self.program.append(("c", pl.when(held_).then(pl.col(dc.token))))
            elif isinstance(con, c.Decision):
                if con.until is not None:
                    dc = comp.date_comp(con.until)
                    self._missing(_expr_missing(con.until), held_ & ~pl.col(dc.exists))
                    self.program.append(("c", pl.when(held_).then(pl.col(dc.token))))
                earlier = by_decision.setdefault(con.id, [])
                for k, f in enumerate(earlier):
                    if _same_value(f.con.value, con.value):
                        continue
                    first = held(f)
                    if k:
                        first = first & ~_any([held(x) for x in earlier[:k]])
                    text = msg("decision_conflict", lang, id=con.id, first=repr(f.con.value), second=repr(con.value))
                    self.program.append(("s", (held_ & first, tok.token(text, labels(con.refs), "decision_conflict"))))
                earlier.append(s)
        self.lookups.append(_Lookup("_kdl", [held(s) for s in deadline_slots],
                                    {"deadline_ids": T_LIST, "_dl": pl.List(pl.Int64)},
                                    lambda held: ([s.con.id for s, h in zip(deadline_slots, held, strict=True) if h],
                                                  [k for k, h in enumerate(held) if h])))

        # missing facts of undetermined rules
        sanctions = {i: _held(get(c.Sanction), lambda x, i=i: x.id == i) for i in {s.con.id for s in get(c.Sanction)}}
        incentives = {i: _held(get(c.Incentive), lambda x, i=i: x.id == i)
                      for i in {s.con.id for s in get(c.Incentive)}}

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
                return ~sanctions[con.id]
            if isinstance(con, c.Incentive):
                return ~incentives[con.id]
            if isinstance(con, c.PublicationTerms):
                return _any([_differs(pset[k], pubs, k, v) for k, v in con.terms])
            if isinstance(con, c.RepairTerms):
                return _any([_differs(rset[k], reps, k, v) for k, v in con.terms])
            if isinstance(con, c.Deadline):
                return ~_held(get(c.Deadline), lambda x: x.id == con.id)
            if isinstance(con, c.Decision):
                return ~_held(get(c.Decision), lambda x: x.id == con.id and x.value == con.value)
            return cx.TRUE                            # Notice, Deferral: news in themselves

        for rule in rules:
            own = cx.missing(rule.condition)
            exceptions = [(o, cx.missing(rules[o].condition)) for o in rule.overridden_by]
            names = set(own) | {name for _, found in exceptions for name in found}
            if not names:
                continue
            matters = _any([_U(r) for r in rule.readers] + [would_change(con) for con in rule.conclusions])
            g2.append((_U(rule.index) & matters).alias(f"_R:{rule.index}"))
            for name in sorted(names):
                expr = own.get(name, cx.FALSE)
                if exceptions:
                    chain: Any = None
                    for o, found in exceptions:
                        part = found.get(name, cx.FALSE)
                        chain = pl.when(_U(o)).then(part) if chain is None else chain.when(_U(o)).then(part)
                    expr = (pl.when(pl.col(f"raw:{rule.index}").eq_missing(True)).then(chain.otherwise(cx.FALSE))
                            .otherwise(expr))
                self._missing(name, pl.col(f"_R:{rule.index}") & expr)
        missing_names = sorted(self.missing)
        self.lookups.append(_Lookup("_km", [_any(self.missing[name]) for name in missing_names],
                                    {"missing_facts": T_LIST},
                                    lambda held: ([x for x, h in zip(missing_names, held, strict=True) if h],)))

        # the warnings' key: the version choice, the identifier's token, which static warnings hold, the dates'
        self.warn_mask = _Mask("_kw", [arg[0] for kind, arg in self.program if kind == "s"])
        g7 = []
        for lookup in self.lookups:
            g7 += lookup.mask.columns()
        g7 += self.warn_mask.columns()
        parts = [pl.col(name).cast(pl.String) for name in self.warn_mask.names]
        parts += [expr.fill_null("") for kind, expr in self.program if kind == "c"]
        g8 = [pl.concat_str(parts, separator="|").alias("_wkey")]
        self.before_dates = [g1, g2, g3]
        self.after_pub_dates = [g4, g5]
        self.after_dates = [g6, g7, g8]
        self._words: dict[str, tuple[tuple[str, str, list[str]], ...]] = {}

    def _missing(self, name: str, expr: pl.Expr) -> None:
        self.missing.setdefault(name, []).append(expr)

    # --- running ------------------------------------------------------------------------------------------------

    def run(self, df: pl.DataFrame, keep: tuple[str, ...] = ()) -> pl.DataFrame:
        """The assembled columns of a batch (OUTPUT and the flat table's lists), with the columns `keep`."""
        comp = self.comp
        lf = df.lazy()
        for group in comp.rule_groups + self.before_dates:
            lf = lf.with_columns(group)
        df = lf.collect()
        if self.pub_dates:
            df = comp.with_dates(df, list(self.pub_dates.values()))
        lf = df.lazy()
        for group in self.after_pub_dates:
            lf = lf.with_columns(group)
        df = comp.with_dates(lf.collect(), list(comp.conclusion_dates.values()))
        lf = df.lazy()
        for group in self.after_dates:
            if group:
                lf = lf.with_columns(group)
        needed = [*OUTPUT, *keep, "_vchoice", "_vwarn", "_vcodes", "_itext", "_unread", "_ucodes", "_wkey",
                  *self.froms, *self.dues, *(name for lookup in self.lookups for name in lookup.mask.names)]
        df = lf.select(list(dict.fromkeys(needed))).collect()       # narrow before the joins
        lf = df.lazy()
        for lookup in self.lookups:
            lf = lf.join(lookup.table(df), on=lookup.mask.names, how="left", maintain_order="left")
        rest, rest_texts = self._warnings(df)
        lf = lf.join(rest, on="_wkey", how="left", maintain_order="left")
        first, first_codes = [pl.col("_vwarn")], [pl.col("_vcodes")]
        if df.get_column("_itext").null_count() < df.height:       # an identifier warning in the batch
            ident = pl.col("_itext")
            first.append(pl.when(ident.is_null()).then(_EMPTY_TEXTS).otherwise(pl.concat_list([ident])))
            first_codes.append(pl.when(ident.is_null()).then(_EMPTY_TEXTS).otherwise(pl.lit(["identifier"])))
        lf = lf.with_columns(pl.concat_list([*first, pl.col("_unread"), pl.col("_rwarn")]).alias("warnings"),
                             pl.concat_list([*first_codes, pl.col("_ucodes"), pl.col("_rcodes")])
                             .alias("warning_codes"))
        if self.froms:                 # (a list of Int32 is gathered faster than a list of Date)
            lf = lf.with_columns(
                *(pl.concat_list([pl.col(c).cast(pl.Int32) for c in cols]).list.gather(pl.col("_dl"))
                  .cast(pl.List(pl.Date)).alias(name) for name, cols in (("deadline_from", self.froms),
                                                                          ("deadline_dues", self.dues))))
        else:
            lf = lf.with_columns(_EMPTY_DATES.alias("deadline_from"), _EMPTY_DATES.alias("deadline_dues"))
        df = lf.collect()
        return self._overlaps(df, rest_texts)

    def _warnings(self, df: pl.DataFrame) -> tuple[pl.LazyFrame, dict[str, tuple]]:
        """Word the warnings after the first three kinds once per distinct key, merged by text with their sources
        (Context.warnings). Returns the table to join and, per key, the merged entries (for `_overlaps`)."""
        keys = df.get_column("_wkey").unique().to_list()
        texts: list[list[str]] = []
        codes: list[list[str]] = []
        entries: dict[str, tuple[tuple[str, str, list[str]], ...]] = {}
        for key in keys:
            worded = self._words.get(key)
            if worded is None:
                if len(self._words) > 50_000:
                    self._words.clear()
                worded = self._words[key] = self._word(key)
            entries[key] = found = worded
            texts.append([f"{text} ({'; '.join(src)})" if src else text for text, _, src in found])
            codes.append([code for _, code, _ in found])
        table = pl.DataFrame({"_wkey": keys, "_rwarn": texts, "_rcodes": codes},
                             schema={"_wkey": pl.String, "_rwarn": T_LIST, "_rcodes": T_LIST})
        return table.lazy(), entries

    def _word(self, key: str) -> tuple[tuple[str, str, list[str]], ...]:
        comp, program, mask = self.comp, self.program, self.warn_mask
        fields = key.split("|")
        n_words = len(mask.names)
        held = iter(mask.decode(tuple(int(x) for x in fields[:n_words])))
        cal = iter(fields[n_words:])
        static = comp.tokens.items
        merged: dict[str, tuple[str, list[str]]] = {}

        def add(text: str, source: str | None, code: str) -> None:
            found = merged.get(text)
            if found is None:
                found = merged[text] = (code, [])
            if source and source not in found[1]:
                found[1].append(source)
        for kind, arg in program:
            if kind == "s":
                if next(held):
                    add(*static[int(arg[1][1:])])
            else:
                for token in next(cal).split("/"):
                    if token:
                        add(*d.token_text(token, comp.periods, comp.cal, comp.lang))
        return tuple((text, code, src) for text, (code, src) in merged.items())

    def _overlaps(self, df: pl.DataFrame, entries: dict[str, tuple]) -> pl.DataFrame:
        """The first three kinds of warnings (version, identifier, unread names) come before every other and are
        worded by their own templates; were one of their texts also the text of a later warning, the reference
        would merge the two (the later one's sources added to the first): merge those rows one by one."""
        later = {text for found in entries.values() for text, _, _ in found}
        first = set(df.get_column("_itext").drop_nulls().unique().to_list())
        first |= set(df.get_column("_unread").explode().drop_nulls().unique().to_list())
        first |= {text for k in df.get_column("_vchoice").unique().to_list() for text in self.comp.choices[k][1]}
        if not later & first:
            return df
        rows = df.select("_vchoice", "_itext", "_unread", "_wkey").rows()
        texts, codes = [], []
        for choice, itext, unread, key in rows:
            merged: dict[str, tuple[str, list[str]]] = {}
            for text, code in ([(t, "version") for t in self.comp.choices[choice][1]]
                               + ([(itext, "identifier")] if itext else []) + [(t, "unread") for t in unread]):
                merged.setdefault(text, (code, []))
            for text, code, src in entries[key]:
                found = merged.setdefault(text, (code, []))
                found[1].extend(x for x in src if x not in found[1])
            texts.append([f"{text} ({'; '.join(src)})" if src else text for text, (_, src) in merged.items()])
            codes.append([code for code, _ in merged.values()])
        return df.with_columns(pl.Series("warnings", texts, dtype=T_LIST),
                               pl.Series("warning_codes", codes, dtype=T_LIST))
