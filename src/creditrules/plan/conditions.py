"""Condition nodes of the plan: the one definition of what a condition means (docs/pack-format.md section 5).

Every node has two ways to be evaluated over a fact view (plan/facts.py), written once each:
- `truth(view)`: the fast path, True / False / None (unknown), Kleene's three-valued logic;
- `verdict(view)`: the explaining path, a `Verdict` (truth, the value read, the missing facts, the sub-verdicts)
  from which `because`, `--why-not` and the trace are rendered (explain/words.py), never recomputed.
Composite nodes combine their children with `kleene_and` / `kleene_or` / `kleene_not` in both paths; a leaf's
verdict takes its truth from the leaf's own `truth`, so the two paths cannot disagree (tests/test_plan.py checks
it by property on every pack).

Unknown is not false: a leaf that needs a fact the event lacks is None, and names that fact in its verdict.
"""
from __future__ import annotations

import datetime as dt
import operator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable, NamedTuple, Optional, Union

from .. import model as m
from .facts import AGE, BASIS, CONDUCT, KIND, SUBJECT, View, missing_name, present_key

Truth = Optional[bool]

OPS: dict[str, Callable[[Any, Any], bool]] = {"eq": operator.eq, "ne": operator.ne, "gt": operator.gt,
                                              "gte": operator.ge, "lt": operator.lt, "lte": operator.le}


def kleene_and(truths: Iterable[Truth]) -> Truth:
    result: Truth = True
    for t in truths:
        if t is False:
            return False
        if t is None:
            result = None
    return result


def kleene_or(truths: Iterable[Truth]) -> Truth:
    result: Truth = False
    for t in truths:
        if t is True:
            return True
        if t is None:
            result = None
    return result


def kleene_not(t: Truth) -> Truth:
    return None if t is None else not t


class Verdict(NamedTuple):
    """How a node came out over one view: its truth, what it read (`seen`), what was missing, and its parts."""
    node: "Node"
    truth: Truth
    seen: Any = None
    missing: tuple[str, ...] = ()
    children: tuple["Verdict", ...] = ()


def _leaf(node: "Node", view: View, seen: Any, missing: str | None = None) -> Verdict:
    truth = node.truth(view)
    return Verdict(node, truth, seen, (missing,) if truth is None and missing else ())


def _merged_missing(children: tuple[Verdict, ...]) -> tuple[str, ...]:
    return tuple(sorted({name for c in children if c.truth is None for name in c.missing}))


def _children_missing(children: tuple["Node", ...], view: View) -> tuple[str, ...]:
    names: set[str] = set()
    for child in children:
        if child.truth(view) is None:
            names.update(child.missing(view))
    return tuple(sorted(names))


class _Leaf:
    """A leaf's `missing` (the verdict's missing facts without building the verdict): its `needs` when unknown."""
    __slots__ = ()

    if TYPE_CHECKING:           # what every leaf defines (`needs`: a class attribute or a property)
        @property
        def needs(self) -> tuple[str, ...]: raise NotImplementedError

        def truth(self, view: View) -> Truth: raise NotImplementedError

    def missing(self, view: View) -> tuple[str, ...]:
        return self.needs if self.truth(view) is None else ()


# --- composite nodes -------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class All:
    children: tuple["Node", ...]

    def missing(self, view: View) -> tuple[str, ...]:
        return _children_missing(self.children, view)

    def truth(self, view: View) -> Truth:
        return kleene_and(c.truth(view) for c in self.children)

    def verdict(self, view: View) -> Verdict:
        children = tuple(c.verdict(view) for c in self.children)
        return Verdict(self, kleene_and(c.truth for c in children), None, _merged_missing(children), children)


@dataclass(frozen=True, slots=True)
class AnyOf:
    children: tuple["Node", ...]

    def missing(self, view: View) -> tuple[str, ...]:
        return _children_missing(self.children, view)

    def truth(self, view: View) -> Truth:
        return kleene_or(c.truth(view) for c in self.children)

    def verdict(self, view: View) -> Verdict:
        children = tuple(c.verdict(view) for c in self.children)
        return Verdict(self, kleene_or(c.truth for c in children), None, _merged_missing(children), children)


@dataclass(frozen=True, slots=True)
class Not:
    child: "Node"

    def missing(self, view: View) -> tuple[str, ...]:
        return self.child.missing(view)

    def truth(self, view: View) -> Truth:
        return kleene_not(self.child.truth(view))

    def verdict(self, view: View) -> Verdict:
        child = self.child.verdict(view)
        return Verdict(self, kleene_not(child.truth), None, child.missing, (child,))


# --- leaves ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Always(_Leaf):
    def truth(self, view: View) -> Truth:
        return True

    def verdict(self, view: View) -> Verdict:
        return _leaf(self, view, None)


@dataclass(frozen=True, slots=True)
class KindIn(_Leaf):
    """`kind: [...]`: the event's kind is one of these (the kind is always given)."""
    needs = ()
    values: frozenset[str]
    shown: tuple[str, ...]

    def truth(self, view: View) -> Truth:
        return view[KIND] in self.values

    def verdict(self, view: View) -> Verdict:
        return _leaf(self, view, view[KIND])


@dataclass(frozen=True, slots=True)
class SubjectIn(_Leaf):
    """`subject: [...]`: subject.type is one of these (always given)."""
    needs = ()
    values: frozenset[str]
    shown: tuple[str, ...]

    def truth(self, view: View) -> Truth:
        return view[SUBJECT] in self.values

    def verdict(self, view: View) -> Verdict:
        return _leaf(self, view, view[SUBJECT])


@dataclass(frozen=True, slots=True)
class ConductAny(_Leaf):
    """`conduct: [...]`: the event's conduct includes one of these tags; unknown when conduct is not given."""
    needs = ("conduct",)
    values: frozenset[str]
    shown: tuple[str, ...]

    def truth(self, view: View) -> Truth:
        given = view.get(CONDUCT)
        return None if given is None else not self.values.isdisjoint(given)

    def verdict(self, view: View) -> Verdict:
        given = view.get(CONDUCT)
        hits = tuple(t for t in self.shown if given is not None and t in given)
        return _leaf(self, view, hits, "conduct")


@dataclass(frozen=True, slots=True)
class BasisIn(_Leaf):
    """`basis: [...]`: the basis document is of one of these types; unknown when no basis is given."""
    needs = ("basis",)
    values: frozenset[str]
    shown: tuple[str, ...]

    def truth(self, view: View) -> Truth:
        given = view.get(BASIS)
        return None if given is None else given in self.values

    def verdict(self, view: View) -> Verdict:
        return _leaf(self, view, view.get(BASIS), "basis")


@dataclass(frozen=True, slots=True)
class FactIs(_Leaf):
    """`fact: name`: a yes/no fact holds."""

    name: str
    key: str

    @property
    def needs(self) -> tuple[str, ...]:
        return (self.name,)

    def truth(self, view: View) -> Truth:
        return view.get(self.key)

    def verdict(self, view: View) -> Verdict:
        return _leaf(self, view, view.get(self.key), self.name)


@dataclass(frozen=True, slots=True)
class FactCompare(_Leaf):
    """`fact: {name: {op: value}}` (eq, ne, gt, gte, lt, lte) for an int, enum, text or date fact."""

    name: str
    key: str
    op: str
    value: Any

    @property
    def needs(self) -> tuple[str, ...]:
        return (self.name,)

    def truth(self, view: View) -> Truth:
        given = view.get(self.key)
        return None if given is None else OPS[self.op](given, self.value)

    def verdict(self, view: View) -> Verdict:
        return _leaf(self, view, view.get(self.key), self.name)


@dataclass(frozen=True, slots=True)
class FactIn(_Leaf):
    """`fact: {name: {in: [...]}}`: the fact's value is one of these."""

    name: str
    key: str
    values: frozenset[Any]
    shown: tuple[Any, ...]

    @property
    def needs(self) -> tuple[str, ...]:
        return (self.name,)

    def truth(self, view: View) -> Truth:
        given = view.get(self.key)
        return None if given is None else given in self.values

    def verdict(self, view: View) -> Verdict:
        return _leaf(self, view, view.get(self.key), self.name)


@dataclass(frozen=True, slots=True)
class FactIncludesAny(_Leaf):
    """`fact: {name: {any_of: [...]}}`: a list fact includes one of these members."""

    name: str
    key: str
    members: frozenset[str]
    shown: tuple[str, ...]

    @property
    def needs(self) -> tuple[str, ...]:
        return (self.name,)

    def truth(self, view: View) -> Truth:
        given = view.get(self.key)
        return None if given is None else not self.members.isdisjoint(given)

    def verdict(self, view: View) -> Verdict:
        given = view.get(self.key)
        hits = tuple(x for x in self.shown if given is not None and x in given)
        return _leaf(self, view, hits, self.name)


@dataclass(frozen=True, slots=True)
class Present(_Leaf):
    """`present: path`: the event gives this fact or field (never unknown)."""
    needs = ()
    path: str
    key: str

    def truth(self, view: View) -> Truth:
        return self.key in view

    def verdict(self, view: View) -> Verdict:
        return _leaf(self, view, None)


@dataclass(frozen=True, slots=True)
class RuleHolds(_Leaf):
    """`rule: id`: another rule's effective outcome (decided in an earlier stratum). The view holds True, False or
    None (undetermined) for every rule decided; a rule left out (false for the event's kind, or not part of the
    version) has no key and reads as False."""
    needs = ()
    rule: str
    key: str

    def truth(self, view: View) -> Truth:
        outcome: Truth = view.get(self.key, False)      # an annotation, not a cast: no call on this path
        return outcome

    def verdict(self, view: View) -> Verdict:
        return _leaf(self, view, None)          # its missing facts are the other rule's, reported there


@dataclass(frozen=True, slots=True)
class AgeCompare(_Leaf):
    """`age_at_event: {op: n}`: 周岁 at the conduct (engine/facts.py `age_on`). Unknown, it lacks the birth date,
    or, with the birth date known, the day of the conduct (`occurred_on`, else `basis.decided_on`)."""
    needs = ("subject.birth_date",)
    op: str
    value: int

    def truth(self, view: View) -> Truth:
        age = view.get(AGE)
        return None if age is None else OPS[self.op](age, self.value)

    def missing(self, view: View) -> tuple[str, ...]:
        if view.get(AGE) is not None:
            return ()
        return ("occurred_on",) if view.get(BIRTH_GIVEN) else self.needs

    def verdict(self, view: View) -> Verdict:
        return Verdict(self, self.truth(view), view.get(AGE), self.missing(view))


BIRTH_GIVEN = present_key("subject.birth_date")


@dataclass(frozen=True, slots=True)
class DateCompare(_Leaf):
    """`date: {of: path, op: literal | computed}`: unknown when a date it needs is missing. A computed right-hand
    side (a model DateExpr or YearDate) is one of the plan's offsets, worked out once per event into the view (`offset:<n>`)."""
    left: str                       # a date path
    left_key: str
    op: str
    literal: Optional[dt.date]      # the right-hand side, when it is a literal date
    offset_key: Optional[str]       # else the view key of the computed date
    offset: Union[m.DateExpr, m.YearDate, None]

    def _right(self, view: View) -> Optional[dt.date]:
        if self.offset_key is None:
            return self.literal
        comp = view.get(self.offset_key)
        return None if comp is None else comp.result

    def truth(self, view: View) -> Truth:
        left = view.get(self.left_key)
        if left is None:
            return None
        right = self._right(view)
        return None if right is None else OPS[self.op](left, right)

    def _missing(self, view: View) -> Optional[str]:
        if view.get(self.left_key) is None:
            return missing_name(self.left)
        if self.offset_key and view.get(self.offset_key) is None:
            return missing_name(_first_path(self.offset))
        return None

    def missing(self, view: View) -> tuple[str, ...]:
        name = self._missing(view) if self.truth(view) is None else None
        return (name,) if name else ()

    def verdict(self, view: View) -> Verdict:
        comp = view.get(self.offset_key) if self.offset_key else None
        return _leaf(self, view, (view.get(self.left_key), self._right(view), comp), self._missing(view))


def _first_path(offset: Union[m.DateExpr, m.YearDate, None]) -> str:
    if isinstance(offset, m.YearDate):
        return offset.year_path
    return offset.paths[0] if offset is not None and offset.paths else "date"


Node = Union[All, AnyOf, Not, Always, KindIn, SubjectIn, ConductAny, BasisIn, FactIs, FactCompare, FactIn,
             FactIncludesAny, Present, RuleHolds, AgeCompare, DateCompare]
LEAVES = (Always, KindIn, SubjectIn, ConductAny, BasisIn, FactIs, FactCompare, FactIn, FactIncludesAny, Present,
          RuleHolds, AgeCompare, DateCompare)


def walk(node: Node) -> Iterable[Node]:
    """Every node under `node`, depth first, itself included."""
    yield node
    if isinstance(node, (All, AnyOf)):
        for child in node.children:
            yield from walk(child)
    elif isinstance(node, Not):
        yield from walk(node.child)


def reads(node: Node) -> tuple[str, ...]:
    """The view keys `node` reads, sorted: its truth and its verdict (what it saw, what it misses, so its words)
    are functions of the values at these keys, and of whether each is in the view, alone. The trace's words are
    remembered by them (engine/tracewords.py)."""
    out: set[str] = set()
    for x in walk(node):
        if isinstance(x, KindIn):
            out.add(KIND)
        elif isinstance(x, SubjectIn):
            out.add(SUBJECT)
        elif isinstance(x, ConductAny):
            out.add(CONDUCT)
        elif isinstance(x, BasisIn):
            out.add(BASIS)
        elif isinstance(x, (FactIs, FactCompare, FactIn, FactIncludesAny, Present, RuleHolds)):
            out.add(x.key)
        elif isinstance(x, AgeCompare):
            out.update((AGE, BIRTH_GIVEN))
        elif isinstance(x, DateCompare):
            out.add(x.left_key)
            if x.offset_key is not None:
                out.add(x.offset_key)
    return tuple(sorted(out))


def possible_kinds(node: Node, rule_kinds: dict[str, Optional[frozenset[str]]]) -> Optional[frozenset[str]]:
    """The event kinds under which `node` can be other than False (None: any kind). Used by the plan to skip rules
    that are false for an event's kind without evaluating them; sound because `kind` is always given."""
    if isinstance(node, KindIn):
        return node.values
    if isinstance(node, RuleHolds):
        return rule_kinds.get(node.rule)
    if isinstance(node, All):
        found: Optional[frozenset[str]] = None
        for child in node.children:
            kinds = possible_kinds(child, rule_kinds)
            if kinds is not None:
                found = kinds if found is None else found & kinds
        return found
    if isinstance(node, AnyOf):
        union: frozenset[str] = frozenset()
        for child in node.children:
            kinds = possible_kinds(child, rule_kinds)
            if kinds is None:
                return None
            union |= kinds
        return union
    return None                     # Not, and every other leaf: any kind
