"""Pausing Python's cyclic garbage collector while a workspace is scored and checked.

Scoring and the rules make hundreds of thousands of small results (scores, findings, index
tuples) and no reference cycles: reference counting frees each of them as soon as it is
dropped. The cyclic collector, though, counts every container allocated, and each of its full
collections scans the whole live heap, a few million objects for a 100 000-key-result
workspace; collections that find nothing to free made scoring and checking cost half as much
again per key result at 100 000 as at 10 000 (BENCHMARKS.md, section 6.1). Pausing it for
those two pure steps keeps their cost linear in the workspace; the collector resumes as it was
when they end.

Resuming alone would still pay for the pause: every result made during it is young, so the
first allocation afterwards sets off a collection that walks all of them (about 2 us per key
result at 100 000 key results, BENCHMARKS.md 6.10) only to find nothing to free. So the block
ends by moving what is alive straight into the oldest generation, as that collection would
have, without the walk: `gc.freeze()` moves every tracked object into the permanent
generation and `gc.unfreeze()` hands them all to the oldest generation. Nothing stays frozen:
a reference cycle alive at that moment is still found by the next full collection, as it would
be anyway once it had survived two young ones.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block with the cyclic collector off; it is on again afterwards if it was on.

    What the block leaves alive joins the oldest generation unwalked (see the module's
    docstring).
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()
        gc.enable()
