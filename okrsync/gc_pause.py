"""Pausing Python's cyclic garbage collector while a workspace is scored and checked.

Scoring and the rules make hundreds of thousands of small results (scores, findings, index
tuples) and no reference cycles: reference counting frees each of them as soon as it is
dropped. The cyclic collector, though, counts every container allocated, and each of its full
collections scans the whole live heap, a few million objects for a 100 000-key-result
workspace; collections that find nothing to free made scoring and checking cost half as much
again per key result at 100 000 as at 10 000 (BENCHMARKS.md, section 6.1). Pausing it for
those two pure steps keeps their cost linear in the workspace; the collector resumes as it was
when they end.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block with the cyclic collector off; it is on again afterwards if it was on."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
