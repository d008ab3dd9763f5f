"""The trace's words of a rule, remembered: `because` and the missing facts of its verdict, by the values its
condition reads.

A rule's verdict, and so its words (engine/because.py) and its missing facts, is a function of the view's values
at the keys its condition reads (plan/conditions.py `reads`) and of nothing else. A batch meets the same few
combinations again and again (5,000 generated Henan events: 610,000 rule verdicts, 10,737 distinct), so the words
of a combination are rendered once: the `fired` trace of a batch (about 30 entries an event) then costs a
dictionary lookup per entry instead of a verdict and its words.

`TraceWords` holds one plan's words in one language. It is a cache, never data: the workspace owns it (keyed by the
plan's digest and language, `Workspace.trace_words`) and hands it to `determine`, which works without one (every
verdict rendered afresh) and gives the same determination with it or without it (tests/test_tracewords.py).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..plan.conditions import Verdict, reads
from ..plan.facts import View
from ..plan.plan import Plan
from .because import because

_ABSENT = object()               # a key not in the view (a `present:` leaf, a rule not decided) is a value too


class TraceWords:
    """`of(index, view, verdicts)`: (because, missing) of rule `index` over `view`; at most `size` combinations are
    held (then the memo starts again: a bound on memory, never a change in the words)."""

    def __init__(self, plan: Plan, lang: str, size: int = 32_768):
        self.plan, self.lang, self.size = plan, lang, size
        self._reads: dict[int, tuple[str, ...]] = {}
        self._memo: dict[tuple[Any, ...], tuple[str, tuple[str, ...]]] = {}

    def of(self, index: int, view: View, verdicts: Mapping[int, Verdict]) -> tuple[str, tuple[str, ...]]:
        keys = self._reads.get(index)
        if keys is None:
            keys = self._reads[index] = reads(self.plan.rules[index].condition)
        key = (index, *[view.get(k, _ABSENT) for k in keys])
        try:
            found = self._memo.get(key)
        except TypeError:            # a value that cannot be hashed: rendered, not remembered
            return rendered(verdicts[index], self.lang)
        if found is None:
            if len(self._memo) >= self.size:
                self._memo.clear()
            found = self._memo[key] = rendered(verdicts[index], self.lang)
        return found


def rendered(verdict: Verdict, lang: str) -> tuple[str, tuple[str, ...]]:
    """A verdict's words and missing facts, rendered now."""
    return because(verdict, lang), verdict.missing
