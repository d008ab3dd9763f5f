"""The cyclic garbage collector paused while a pack is built (issue 13: a 20,000-rule pack must load in under 10 s).

Loading and compiling a pack allocate hundreds of thousands of small objects (YAML nodes, positions, rules, plan
nodes) that all stay alive. CPython's collector runs whenever allocations outnumber deallocations by its threshold,
and each older-generation pass walks every live object: on a 20,000-rule pack more than half of the load time was
spent there, finding nothing to free. Nothing is lost by pausing it: cyclic garbage made meanwhile is collected at
the next pass after `paused_gc` ends (reference counting still frees everything else at once).

`paused_gc()` is a context manager and a decorator. It only re-enables the collector if it was enabled when it
began, so it nests, and threads that overlap leave it enabled once the last one that paused it ends.
"""
from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
