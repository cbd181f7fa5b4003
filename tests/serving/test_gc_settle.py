"""A worker's garbage collector settling (kernel/serving/gc_settle.py): what lives is frozen periodically (full
collections then skip it), and a cycle that became garbage while frozen is still collected at the next thaw."""
from __future__ import annotations

import gc
import weakref

from kernel.serving import gc_settle


class Node:
    pass


def test_frozen_periodically_and_cycles_collected_at_the_thaw() -> None:
    settler = gc_settle.Settler(now=0.0)
    gc.unfreeze()
    try:
        first, second = Node(), Node()
        first.other, second.other = second, first  # a cycle, like a socket's objects
        gone = weakref.ref(first)
        settler.tick(gc_settle.FREEZE_SECONDS / 2)
        assert gc.get_freeze_count() == 0  # not yet
        settler.tick(gc_settle.FREEZE_SECONDS)
        assert gc.get_freeze_count() > 0
        del first, second  # garbage now, but frozen: a full collection does not see it
        gc.collect()
        assert gone() is not None
        settler.tick(gc_settle.THAW_SECONDS)
        assert gone() is None
        assert gc.get_freeze_count() > 0  # the survivors frozen again
    finally:
        gc.unfreeze()
