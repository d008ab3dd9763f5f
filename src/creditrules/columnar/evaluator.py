"""The columnar evaluator: one plan compiled to polars expressions, a whole batch evaluated at once.

    fact table (table.py) -> derived columns (present:, date:, age) -> version per row -> offsets (dates.py)
    -> for each stratum: raw:<i> = the condition (conditions.py), rule:<i> = raw AND NOT each exception (Kleene)
    -> the determination's fields as columns (assemble.py: the collectors' logic written over columns)
    -> lists and warnings worded once per distinct combination in the batch, joined back

The meaning is the plan's: every condition is `node.truth` as an expression (null = unknown), a rule outside the
selected version is false, an exception applies exactly as in engine/assemble.decide. Every expression is built
once per plan and language (`Compiled`); a batch runs them as a few lazy pipelines, materialised only where
Python must look at distinct values (the version in force on each distinct day, the dates outside the calendar
table, the lists and warnings of each distinct combination of outcomes).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import polars as pl

from .. import model as m
from ..engine.versions import select_version
from ..plan import conclusions as c
from ..plan.facts import offset_key
from ..plan.plan import Plan
from . import conditions as cx
from . import dates as d
from .table import Rows, Spec, date_column, derived_columns

T_LIST = pl.List(pl.String)


def _T(i: int) -> pl.Expr:
    """Rule i holds (its effective outcome is true)."""
    return pl.col(f"rule:{i}").fill_null(False)


def _U(i: int) -> pl.Expr:
    """Rule i is undetermined."""
    return pl.col(f"rule:{i}").is_null()


def _any(parts: list[pl.Expr]) -> pl.Expr:
    if not parts:
        return cx.FALSE
    out = parts[0]
    for p in parts[1:]:
        out = out | p
    return out


def _choose(selector: pl.Expr, options: list[tuple[int, pl.Expr]], dtype) -> pl.Expr:
    """selector == k -> expr_k (null when no k matches)."""
    if not options:
        return pl.lit(None, dtype=dtype)
    chain: Any = pl.when(selector == options[0][0]).then(options[0][1])
    for k, expr in options[1:]:
        chain = chain.when(selector == k).then(expr)
    return chain.otherwise(pl.lit(None, dtype=dtype))


@dataclass(frozen=True)
class Slot:
    """One conclusion of one rule, in the order the assembly loop visits them. A shared part (`PlanRule.shared`)
    is a slot of its own, held while its rule holds but is undetermined because of exceptions that all agree with
    it (`others`: the rule's exceptions that do not agree, which must not be undetermined)."""
    n: int
    rule: int
    con: Any
    others: tuple[int, ...] | None = None


def held(s: Slot) -> pl.Expr:
    """The slot's conclusion applies: its rule holds, or (a shared part) it holds either way."""
    if s.others is None:
        return _T(s.rule)
    expr = pl.col(f"raw:{s.rule}").eq_missing(True) & _U(s.rule)
    for o in s.others:
        expr = expr & ~_U(o)
    return expr


class Tokens:
    """Warning tokens `<prefix><k>` -> (text, source, code), made once per plan (a token never holds user text)."""

    def __init__(self, prefix: str = "s"):
        self.prefix = prefix
        self.items: list[tuple[str, str | None, str]] = []
        self._index: dict[tuple, int] = {}

    def token(self, text: str, source: str | None, code: str) -> str:
        key = (text, source, code)
        k = self._index.get(key)
        if k is None:
            k = self._index[key] = len(self.items)
            self.items.append(key)
        return f"{self.prefix}{k}"


@dataclass(frozen=True)
class DateComp:
    """A date a condition or a conclusion computes (a DateExpr or a YearDate), and its columns: the start date
    (`<out><`), the result (`<out>`, null when it cannot be worked out), whether the computation exists at all
    (`exists`: a start date or a year is given), and its calendar token (`<out>!`)."""
    expr: Any
    known: bool                     # publication.start / publication.max_end are known (conclusions, not conditions)
    out: str
    exists: str

    @property
    def start(self) -> str:
        return self.out + "<"

    @property
    def token(self) -> str:
        return self.out + "!"


class Compiled:
    """One plan, in one language, compiled for the columnar evaluator (built once, run on many batches)."""

    def __init__(self, plan: Plan, lang: str = "en"):
        from .assemble import Assembly
        self.plan, self.lang = plan, lang
        self.spec = Spec.of(plan)
        self.cal = d.Calendar(plan.calendar)
        self.tokens = Tokens("s")
        rules = plan.rules
        visited = [x for r in rules for x in [(r, con, None) for con in r.conclusions] + [
            (r, part, tuple(o for o in r.overridden_by if o not in agree)) for part, agree in r.shared]]
        self.slots = [Slot(k, r.index, con, others) for k, (r, con, others) in enumerate(visited)]
        self.by_kind: dict[type, list[Slot]] = {}
        for s in self.slots:
            self.by_kind.setdefault(type(s.con), []).append(s)
        self.periods: list[m.Period] = []             # the periods dates are computed with (warning tokens name them)
        self.choices: list[tuple[str, tuple[str, ...], bool]] = []  # (version id, warnings, withhold) of a choice
        self._choice_index: dict[tuple, int] = {}
        self.derived = derived_columns(self.spec)
        self.offsets = [DateComp(expr, False, offset_key(k), cx.exists_key(offset_key(k)))
                        for k, expr in enumerate(plan.offsets)]
        self.rule_groups: list[list[pl.Expr]] = []
        excluding = {r.index: sorted(v for v, ex in plan.excluded.items() if r.index in ex) for r in rules}
        for stratum in plan.strata:
            raws, effs = [], []
            for i in stratum:
                expr = cx.truth(rules[i].condition)
                if excluding[i]:
                    expr = pl.when(pl.col("version").is_in(excluding[i])).then(cx.FALSE).otherwise(expr)
                raws.append(expr.alias(f"raw:{i}"))
                value = pl.col(f"raw:{i}")
                for o in rules[i].overridden_by:
                    value = value & ~pl.col(f"rule:{o}")
                if i in plan.withheld:        # a new consequence, not applied to conduct before the pack's force
                    value = pl.when(pl.col("_withhold")).then(cx.FALSE).otherwise(value)
                effs.append(value.alias(f"rule:{i}"))
            self.rule_groups += [raws, effs]
        self.conclusion_dates: dict[tuple, DateComp] = {}
        for con in (s.con for s in self.slots):
            if isinstance(con, c.RepairTerms) and con.as_dict.get("earliest"):
                self.date_comp(con.as_dict["earliest"])
            if isinstance(con, c.Decision) and con.until is not None:
                self.date_comp(con.until)
            if isinstance(con, c.Deadline):
                self.date_comp(self.deadline_expr(con))
        self.assembly = Assembly(self)

    # --- dates --------------------------------------------------------------------------------------------------

    @staticmethod
    def deadline_expr(con: c.Deadline) -> m.DateExpr:
        return m.DateExpr(tuple(con.start_paths), m.Period(working_days=con.working_days))

    def date_comp(self, expr: Any) -> DateComp:
        """The columns of a date a conclusion computes (publication dates known), one per distinct computation."""
        key = (expr,) if isinstance(expr, m.YearDate) else (tuple(expr.paths), expr.add)
        found = self.conclusion_dates.get(key)
        if found is None:
            k = len(self.conclusion_dates)
            found = self.conclusion_dates[key] = DateComp(expr, True, f"_dc{k}", f"_dc{k}?")
        return found

    def period_key(self, period: m.Period) -> int:
        if period not in self.periods:
            self.periods.append(period)
        return self.periods.index(period)

    def _path(self, path: str, known: bool) -> pl.Expr:
        if path.startswith("publication."):
            if known and path == "publication.start":
                return pl.col("_pub_start")
            if known and path == "publication.max_end":
                return pl.col("_pub_max_end")
            return pl.lit(None, dtype=pl.Date)
        return date_column(self.spec, path)

    def first_date(self, paths, known: bool) -> pl.Expr:
        """The first date given among `paths` (engine/dates.first_date)."""
        parts = [self._path(p, known) for p in paths]
        if not parts:
            return pl.lit(None, dtype=pl.Date)
        return pl.coalesce(parts) if len(parts) > 1 else parts[0]

    def date_groups(self, comps: list[DateComp]) -> list[list[pl.Expr]]:
        """Three groups of expressions (starts; results and existence; calendar tokens) for `comps`."""
        starts, results, tokens = [], [], []
        for comp in comps:
            expr = comp.expr
            if isinstance(expr, m.YearDate):
                name = expr.year_path[6:]
                if self.spec.facts.get(name) != "int":
                    results += [pl.lit(None, dtype=pl.Date).alias(comp.out), cx.FALSE.alias(comp.exists)]
                    tokens.append(pl.lit(None, dtype=pl.String).alias(comp.token))
                    continue
                fact = pl.col(f"fact:{name}")
                y = fact + expr.plus_years
                ok = fact.is_not_null() & y.is_between(1, 9999)
                yy = pl.when(ok).then(y).cast(pl.Int32)
                last = pl.date(yy, expr.month, 1).dt.month_end().dt.day()
                day = pl.min_horizontal(last, pl.lit(expr.day)).cast(pl.Int8)
                results += [pl.when(ok).then(pl.date(yy, expr.month, day)).alias(comp.out), ok.alias(comp.exists)]
                tokens.append(pl.lit(None, dtype=pl.String).alias(comp.token))
                continue
            start = pl.col(comp.start)
            starts.append(self.first_date(expr.paths, comp.known).alias(comp.start))
            results += [d.period_expr(start, expr.add, self.cal).alias(comp.out),
                        start.is_not_null().alias(comp.exists)]
            tokens.append(d.token_expr(start, pl.col(comp.out), expr.add, self.period_key(expr.add), self.cal)
                          .alias(comp.token))
        return [g for g in (starts, results, tokens) if g]

    def resolve_dates(self, df: pl.DataFrame, comps: list[DateComp]) -> pl.DataFrame:
        """Work out with the reference the few dates the calendar table cannot (outside its span)."""
        checks = []
        for comp in comps:
            if isinstance(comp.expr, m.DateExpr):
                test = d.unresolved(pl.col(comp.start), pl.col(comp.out), comp.expr.add)
                if test is not None:
                    checks.append((comp, test.any().alias(comp.out)))
        if not checks:
            return df
        flags = df.select([t for _, t in checks]).row(0)
        for (comp, _), flag in zip(checks, flags, strict=True):
            if flag:
                df = d.patch(df, comp.start, comp.expr.add.working_days, comp.out, comp.token,
                             self.period_key(comp.expr.add), self.cal)
        return df

    def with_dates(self, df: pl.DataFrame, comps: list[DateComp]) -> pl.DataFrame:
        lf = df.lazy()
        for group in self.date_groups(comps):
            lf = lf.with_columns(group)
        return self.resolve_dates(lf.collect(), comps)

    # --- versions -----------------------------------------------------------------------------------------------

    def versions(self, df: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
        """The version each row is evaluated under (engine/versions.select_version, once per distinct day)."""
        which = (pl.when(pl.col("_decided").is_not_null()).then(pl.lit("decided"))
                 .when(pl.col("_occurred").is_not_null()).then(pl.lit("occurred")).otherwise(pl.lit("as_of")))
        day = pl.coalesce(pl.col("_decided"), pl.col("_occurred"), pl.lit(as_of))
        df = df.with_columns(self.derived + [which.alias("_vwhich"), day.alias("_vday")])
        keys = df.select("_vwhich", "_vday").unique(maintain_order=True)
        index = []
        for w, day_ in keys.iter_rows():
            probe = SimpleNamespace(basis=SimpleNamespace(decided_on=day_) if w == "decided" else None,
                                    occurred_on=day_ if w == "occurred" else None)
            choice = select_version(self.plan.pack, probe, as_of, self.lang)     # type: ignore[arg-type]
            key = (choice.version.id, tuple(dict.fromkeys(choice.warnings)), choice.withhold)
            k = self._choice_index.get(key)
            if k is None:
                k = self._choice_index[key] = len(self.choices)
                self.choices.append(key)
            index.append(k)
        table = keys.with_columns(pl.Series("_vchoice", index, dtype=pl.Int64))
        versions = pl.Series("versions", [v for v, _, _ in self.choices], dtype=pl.String)
        warnings = pl.Series("warnings", [list(w) for _, w, _ in self.choices], dtype=T_LIST)
        codes = pl.Series("codes", [["version"] * len(w) for _, w, _ in self.choices], dtype=T_LIST)
        withhold = pl.Series("withhold", [x for _, _, x in self.choices], dtype=pl.Boolean)
        chosen = pl.col("_vchoice")
        return (df.lazy().join(table.lazy(), on=["_vwhich", "_vday"], how="left", maintain_order="left")
                .with_columns(pl.lit(versions).gather(chosen).alias("version"),
                              pl.lit(warnings).gather(chosen).alias("_vwarn"),
                              pl.lit(codes).gather(chosen).alias("_vcodes"),
                              pl.lit(withhold).gather(chosen).alias("_withhold")).collect())

    # --- running ------------------------------------------------------------------------------------------------

    def run(self, rows: Rows, as_of: dt.date, *, outcomes: bool = False) -> pl.DataFrame:
        """The evaluated frame of a batch's good rows: the assembled columns (and `raw:<i>` with `outcomes`)."""
        df = self.versions(rows.frame(), as_of)
        if self.offsets:
            df = self.with_dates(df, self.offsets)
        keep = tuple(f"raw:{i}" for i in range(len(self.plan.rules))) if outcomes else ()
        return self.assembly.run(df, keep)
