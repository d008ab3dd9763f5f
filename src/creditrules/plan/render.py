"""The plan as plain data and as text (`creditrules plan J`), and what a condition reads (`creditrules vocab`)."""
from __future__ import annotations

from dataclasses import fields, is_dataclass
from typing import Any, Iterable

from . import conclusions as c
from . import conditions as n
from .plan import Plan


def node_data(node: Any) -> Any:
    """A condition node as plain data: {leaf kind: arguments}, composites nested."""
    if isinstance(node, n.All):
        return {"all": [node_data(x) for x in node.children]}
    if isinstance(node, n.AnyOf):
        return {"any": [node_data(x) for x in node.children]}
    if isinstance(node, n.Not):
        return {"not": node_data(node.child)}
    name = type(node).__name__
    args = {f.name: _plain(getattr(node, f.name)) for f in fields(node)
            if f.name not in ("values", "members", "offset") and not f.name.endswith("key")}
    return {name: args}


def _plain(value: Any) -> Any:
    if isinstance(value, (frozenset, set, tuple, list)):
        return [_plain(v) for v in value]
    if is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def conclusion_data(con: c.Conclusion, plan: Plan) -> dict[str, Any]:
    args = {f.name: _plain(getattr(con, f.name)) for f in fields(con) if f.name not in ("cites", "refs", "recorded", "pos")}
    return {type(con).__name__: args, "cite": [plan.provisions[x].compact for x in con.cites]}


def plan_summary(plan: Plan) -> dict[str, Any]:
    return {
        "pack": plan.pack.id, "digest": plan.digest, "source": plan.source,
        "versions": [v.id for v in plan.pack.versions],
        "strata": [[plan.rules[i].id for i in stratum] for stratum in plan.strata],
        "rules": [{"index": r.index, "id": r.id, "stratum": r.stratum, "group": r.group,
                   "cite": [plan.provisions[x].compact for x in r.cites], "when": node_data(r.condition),
                   "then": [conclusion_data(x, plan) for x in r.conclusions],
                   "overridden_by": [plan.rules[i].id for i in r.overridden_by],
                   "versions": sorted(r.versions) if r.versions is not None else None}
                  for r in plan.rules],
        "fact_schema": {"facts_read": sorted(plan.schema.read_facts), "kinds_read": sorted(plan.schema.read_kinds),
                        "conduct_read": sorted(plan.schema.read_conduct), "date_paths": list(plan.schema.date_paths)},
        "offsets": [_plain(x) for x in plan.offsets],
        "rules_decided_per_kind": {f"{v}/{k}": sum(len(s) for s in strata)
                                   for (v, k), strata in sorted(plan.candidates.items())},
    }


def plan_text(plan: Plan) -> str:
    lines = [f"plan {plan.pack.id}  {plan.digest}", f"  source {plan.source}",
             f"  {len(plan.rules)} rules in {len(plan.strata)} strata; {len(plan.provisions)} provisions cited; "
             f"{len(plan.schema.read_facts)} facts read; {len(plan.offsets)} computed dates"]
    for s, stratum in enumerate(plan.strata):
        lines.append(f"stratum {s}")
        for i in stratum:
            r = plan.rules[i]
            cites = ", ".join(plan.provisions[x].compact for x in r.cites)
            extra = f"  overridden by {', '.join(plan.rules[o].id for o in r.overridden_by)}" if r.overridden_by else ""
            lines.append(f"  [{i}] {r.id}  ({cites}){extra}")
            lines.append(f"      when {_node_text(r.condition)}")
            for con in r.conclusions:
                args = ", ".join(f"{k}={v}" for k, v in conclusion_data(con, plan)[type(con).__name__].items())
                lines.append(f"      then {type(con).__name__}({args})")
    return "\n".join(lines) + "\n"


def _node_text(node: Any) -> str:
    if isinstance(node, (n.All, n.AnyOf)):
        word = " and " if isinstance(node, n.All) else " or "
        return "(" + word.join(_node_text(x) for x in node.children) + ")"
    if isinstance(node, n.Not):
        return "not " + _node_text(node.child)
    (name, args), = node_data(node).items()
    return f"{name}({', '.join(f'{k}={v}' for k, v in args.items())})"


def reads_names(node: Any) -> Iterable[tuple[str, str]]:
    """(vocabulary section, name) of every kind, conduct tag and fact a condition reads."""
    for x in n.walk(node):
        if isinstance(x, n.KindIn):
            yield from (("kinds", v) for v in x.shown)
        elif isinstance(x, n.ConductAny):
            yield from (("conduct", v) for v in x.shown)
        elif isinstance(x, (n.FactIs, n.FactCompare, n.FactIn, n.FactIncludesAny)):
            yield ("facts", x.name)
