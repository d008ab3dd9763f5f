"""The art. 3 capacity exceptions (`scope.*` rules in each pack's catalog.yaml) carry a `kind:` guard so that an
event the rules they override cannot speak of (an objection, a query) does not ask for capacity. The guard must
cover every kind under which an overridden rule can hold: were a kind added to such a rule and not to the guard,
a person without full capacity would get that conclusion unopposed (the exception would be false for that kind).
ENGINE-NOTES.md of each pack, "Capacity (art. 3)"."""
import pytest

from creditrules.packs import compiled_pack, pack_dirs
from creditrules.plan import conditions as n

PACKS = [p.name for p in pack_dirs()]


def _rule_kinds(plan) -> dict[str, frozenset[str] | None]:
    kinds: dict[str, frozenset[str] | None] = {}
    for rule in plan.rules:                     # evaluation order: a rule comes after those it reads
        kinds[rule.id] = n.possible_kinds(rule.condition, kinds)
    return kinds


@pytest.mark.parametrize("pack", PACKS)
def test_each_capacity_exception_speaks_for_every_kind_its_overridden_rules_read(pack):
    plan = compiled_pack(pack)
    kinds = _rule_kinds(plan)
    overriding = {i for rule in plan.rules for i in rule.overridden_by}
    scopes = [r for r in plan.rules if r.id.startswith("scope.") and r.index in overriding]
    assert scopes, f"{pack}: no art. 3 capacity exception"
    for scope in scopes:
        guard = kinds[scope.id]
        for rule in plan.rules:
            if scope.index not in rule.overridden_by:
                continue
            reads = kinds[rule.id]
            if guard is None:
                continue                        # the exception speaks for every kind
            assert reads is not None, f"{pack}: {rule.id} can hold for any kind, {scope.id} only for some"
            assert reads <= guard, f"{pack}: {scope.id} lacks the kinds {sorted(reads - guard)} of {rule.id}"


@pytest.mark.parametrize("pack", PACKS)
def test_no_capacity_question_for_an_objection(pack):
    """An objection is procedure (the right to object is not the record): capacity is never asked for it."""
    plan = compiled_pack(pack)
    kinds = _rule_kinds(plan)
    for rule in plan.rules:
        if rule.id.startswith("scope.") and kinds[rule.id] is not None:
            assert "objection_filed" not in kinds[rule.id], rule.id
