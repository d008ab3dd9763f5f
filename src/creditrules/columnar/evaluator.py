"""The columnar evaluator: one plan compiled to polars expressions, a whole batch evaluated at once.

    fact table (table.py) -> derived columns (present:, date:, age) -> version per row -> offsets (dates.py)
    -> for each stratum: raw:<i> = the condition (conditions.py), rule:<i> = raw AND NOT each exception (Kleene)
    -> the determination's fields as columns (the collectors' logic, engine/collectors.py, written over columns)
    -> warnings worded once per distinct sequence of warning tokens

The meaning is the plan's: every condition is `node.truth` as an expression (null = unknown), a rule outside the
selected version is false, an exception applies exactly as in engine/assemble.decide. The collectors' fields are
worked out from the outcome columns in the same order the reference's assembly loop visits rules (index order,
conclusions in order), so "the first rule that gives a sanction", "the last publication term" and "the first value
of a decision" mean what they mean there. tests/test_columnar.py holds every column to the reference determination
on generated events of every pack.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Optional

import polars as pl

from .. import model as m
from ..engine.collectors import _LEVEL_RANK, labels
from ..engine.versions import select_version
from ..messages import msg
from ..plan import conclusions as c
from ..plan.facts import KIND, missing_name, offset_key
from ..plan.plan import Plan
from . import conditions as cx
from . import dates as d
from .table import Rows, Spec, date_column, derived_columns

T_LIST = pl.List(pl.String)


def _T(i: int) -> pl.Expr:
    return pl.col(f"rule:{i}").fill_null(False)


def _U(i: int) -> pl.Expr:
    return pl.col(f"rule:{i}").is_null()


def _any(parts: list[pl.Expr]) -> pl.Expr:
    if not parts:
        return cx.FALSE
    out = parts[0]
    for p in parts[1:]:
        out = out | p
    return out


def _str_list(parts: list[pl.Expr]) -> pl.Expr:
    """The non-null values of `parts` (String expressions), in order, as a list column."""
    if not parts:
        return pl.lit(pl.Series([[]], dtype=T_LIST)).first()
    return pl.concat_list(parts).list.drop_nulls()


def _choose(selector: pl.Expr, options: list[tuple[int, pl.Expr]], dtype=None) -> pl.Expr:
    """selector == k -> expr_k (null when no k matches)."""
    if not options:
        return pl.lit(None, dtype=dtype)
    chain = pl.when(selector == options[0][0]).then(options[0][1])
    for k, expr in options[1:]:
        chain = chain.when(selector == k).then(expr)
    return chain.otherwise(pl.lit(None, dtype=dtype)) if dtype is not None else chain


@dataclass(frozen=True)
class Slot:
    """One conclusion of one rule, in the order the assembly loop visits them."""
    n: int
    rule: int
    con: Any


class Tokens:
    """Warning tokens `<prefix><k>` -> (text, source, code): the plan's own (`s`, made once) and a batch's (`d`:
    the version choice, the identifier check), so a token never holds user text."""

    def __init__(self, prefix: str = "s"):
        self.prefix = prefix
        self.items: list[tuple[str, Optional[str], str]] = []
        self._index: dict[tuple, int] = {}

    def token(self, text: str, source: Optional[str], code: str) -> str:
        key = (text, source, code)
        k = self._index.get(key)
        if k is None:
            k = self._index[key] = len(self.items)
            self.items.append(key)
        return f"{self.prefix}{k}"


class Compiled:
    """One plan, in one language, compiled for the columnar evaluator (build once, run on many batches)."""

    def __init__(self, plan: Plan, lang: str = "en"):
        self.plan, self.lang = plan, lang
        self.spec = Spec.of(plan)
        self.cal = d.Calendar(plan.calendar)
        self.tokens = Tokens("s")
        rules = plan.rules
        self.slots = [Slot(k, r.index, con) for k, (r, con) in
                      enumerate((r, con) for r in rules for con in r.conclusions)]
        self.by_kind: dict[type, list[Slot]] = {}
        for s in self.slots:
            self.by_kind.setdefault(type(s.con), []).append(s)
        self.excluding = {r.index: sorted(v for v, ex in plan.excluded.items() if r.index in ex) for r in rules}
        self._truth = {r.index: cx.truth(r.condition) for r in rules}
        self._date_comps: dict[tuple, tuple[str, str, str]] = {}     # (paths, period, known) -> columns
        self._year_comps: dict[Any, tuple[str, str]] = {}
        self._plan_dates()

    # --- dates --------------------------------------------------------------------------------------------------

    def _plan_dates(self) -> None:
        """Name a column for every date computation a conclusion can need (repair, decisions, deadlines)."""
        for con in (s.con for s in self.slots):
            if isinstance(con, c.RepairTerms) and con.as_dict.get("earliest") is not None:
                self._comp(con.as_dict["earliest"], known=True)
            if isinstance(con, c.Decision) and con.until is not None:
                self._comp(con.until, known=True)
            if isinstance(con, c.Deadline):
                self._comp(self.deadline_expr(con), known=True)

    @staticmethod
    def deadline_expr(con: c.Deadline) -> m.DateExpr:
        return m.DateExpr(tuple(con.start_paths), m.Period(working_days=con.working_days))

    def _comp(self, expr: Any, known: bool) -> tuple[str, str, str]:
        """Column names (result, exists, calendar token) of a DateExpr / YearDate."""
        if isinstance(expr, m.YearDate):
            key = (expr, known)
        else:
            key = (tuple(expr.paths), expr.add, known)
        found = self._date_comps.get(key)
        if found is None:
            k = len(self._date_comps)
            found = self._date_comps[key] = (f"_dc{k}", f"_dc{k}?", f"_dc{k}!")
        return found

    def _path(self, path: str, known: bool) -> pl.Expr:
        if path.startswith("publication."):
            if known and path == "publication.start":
                return pl.col("_pub_start")
            if known and path == "publication.max_end":
                return pl.col("_pub_max_end")
            return pl.lit(None, dtype=pl.Date)
        return date_column(self.spec, path)

    def _first(self, paths, known: bool) -> pl.Expr:
        parts = [self._path(p, known) for p in paths]
        if not parts:
            return pl.lit(None, dtype=pl.Date)
        return pl.coalesce(parts) if len(parts) > 1 else parts[0]

    def _compute(self, df: pl.DataFrame, expr: Any, known: bool, names: tuple[str, str, str]) -> pl.DataFrame:
        out, exists, token = names
        if isinstance(expr, m.YearDate):
            name = expr.year_path[6:]
            if self.spec.facts.get(name) != "int":
                return df.with_columns(pl.lit(None, dtype=pl.Date).alias(out), pl.lit(False).alias(exists),
                                       pl.lit(None, dtype=pl.String).alias(token))
            y = pl.col(f"fact:{name}") + expr.plus_years
            ok = pl.col(f"fact:{name}").is_not_null() & y.is_between(1, 9999)
            yy = pl.when(ok).then(y).cast(pl.Int32)
            last = pl.date(yy, expr.month, 1).dt.month_end().dt.day()
            day = pl.min_horizontal(last, pl.lit(expr.day)).cast(pl.Int8)
            return df.with_columns(pl.when(ok).then(pl.date(yy, expr.month, day)).alias(out), ok.alias(exists),
                                   pl.lit(None, dtype=pl.String).alias(token))
        start = f"{out}<"
        df = df.with_columns(self._first(expr.paths, known).alias(start))
        df = d.add_period_columns(df, start, expr.add, out, token, self.cal)
        return df.with_columns(pl.col(start).is_not_null().alias(exists))

    # --- the rules ----------------------------------------------------------------------------------------------

    def _raw(self, i: int) -> pl.Expr:
        expr = self._truth[i]
        versions = self.excluding[i]
        if versions:
            expr = pl.when(pl.col("version").is_in(versions)).then(cx.FALSE).otherwise(expr)
        return expr.alias(f"raw:{i}")

    def _effective(self, i: int) -> pl.Expr:
        value = pl.col(f"raw:{i}")
        for o in self.plan.rules[i].overridden_by:
            value = value & ~pl.col(f"rule:{o}")
        return value.alias(f"rule:{i}")

    def _versions(self, df: pl.DataFrame, as_of: dt.date, dyn: Tokens) -> pl.DataFrame:
        """The version each row is evaluated under (engine/versions.select_version, once per distinct day)."""
        which = (pl.when(pl.col("_decided").is_not_null()).then(pl.lit("decided"))
                 .when(pl.col("_occurred").is_not_null()).then(pl.lit("occurred")).otherwise(pl.lit("as_of")))
        day = pl.coalesce(pl.col("_decided"), pl.col("_occurred"), pl.lit(as_of))
        df = df.with_columns(which.alias("_vwhich"), day.alias("_vday"))
        keys = df.select("_vwhich", "_vday").unique(maintain_order=True)
        versions, tokens = [], []
        for w, day_ in keys.iter_rows():
            probe = SimpleNamespace(basis=SimpleNamespace(decided_on=day_) if w == "decided" else None,
                                    occurred_on=day_ if w == "occurred" else None)
            choice = select_version(self.plan.pack, probe, as_of, self.lang)     # type: ignore[arg-type]
            versions.append(choice.version.id)
            tokens.append([dyn.token(text, None, "version") for text in choice.warnings])
        table = keys.with_columns(pl.Series("version", versions, dtype=pl.String),
                                  pl.Series("_vtokens", tokens, dtype=T_LIST))
        return df.join(table, on=["_vwhich", "_vday"], how="left", maintain_order="left")

    def _offsets(self, df: pl.DataFrame) -> pl.DataFrame:
        for k, expr in enumerate(self.plan.offsets):
            key = offset_key(k)
            df = self._compute(df, expr, False, (key, cx.exists_key(key), f"_{key}!"))
        return df

    # --- running ------------------------------------------------------------------------------------------------

    def decide(self, df: pl.DataFrame) -> pl.DataFrame:
        """raw:<i> and rule:<i> for every rule, stratum by stratum."""
        for stratum in self.plan.strata:
            df = df.with_columns([self._raw(i) for i in stratum])
            df = df.with_columns([self._effective(i) for i in stratum])
        return df

    def run(self, rows: Rows, as_of: dt.date) -> pl.DataFrame:
        """The evaluated frame of a batch's good rows (base, derived, outcome and assembled columns)."""
        from .assemble import assemble
        dyn = Tokens("d")
        df = rows.frame()
        df = df.with_columns(derived_columns(self.spec))
        df = self._versions(df, as_of, dyn)
        df = self._offsets(df)
        df = self.decide(df)
        return assemble(self, df, dyn)
