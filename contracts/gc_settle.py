"""The garbage collector's share of a contract run: the start-up's objects set aside once.

By the end of collection the process holds ~150,000 objects (Hypothesis, httpx, the model, the
collected tests) that live until the run ends. Every full collection walked all of them again: a
run made ~550 collections, ~1.2 s of a ~7 CPU-s offline run, most of it in the full ones.
`gc.freeze()` moves them to the permanent generation, which collections skip; what the run
itself allocates is collected as before. Measured: about 1 CPU-s less per offline run.

The run allocates in bursts (an example's strategies, an exchange's httpx objects), nearly all
freed by reference counting; the default thresholds (700, 10, 10) still made ~550 young and ~3
automatic full collections. `THRESHOLDS` makes about half the young ones and no automatic full
one in an offline run (GC ~1.1 -> ~0.65 s); what stays cyclic garbage longer is a run's worth of
examples at most, and the run ends.

At exit the interpreter's own collections walked the run's objects again while it tore its
modules down: ~0.35 s of a ~4.5 s offline run, after the reports were written. `settle_exit`
freezes everything once every atexit handler registered after it has run: objects are still
freed as their modules go, only cycles nothing can reach any more are left for the operating
system (Python promises no `__del__` at exit).
"""

from __future__ import annotations

import atexit
import gc

THRESHOLDS = (2000, 20, 40)  # Python's default: (700, 10, 10)


def settle_startup() -> None:
    """Leave the objects alive now out of every later collection, and collect less often (see
    the module's note)."""
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)


def settle_exit() -> None:
    """At the interpreter's exit, after pytest's own last collections: every object frozen (see
    the module's note)."""
    atexit.register(gc.freeze)
