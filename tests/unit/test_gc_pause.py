"""The collector pause around scoring and the rules: off inside, on after, nothing lost.

What the pause leaves alive must join the oldest generation without the young collection that
would walk all of it (BENCHMARKS.md 6.10), and must stay collectable: a reference cycle alive
when the pause ends is still freed by the next full collection.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from okrsync.gc_pause import collector_paused


class Node:
    """A container that can point at itself."""

    other: object = None


@pytest.fixture
def collections() -> Iterator[list[int]]:
    """The generations of the collections that run while the test does."""
    started: list[int] = []

    def record(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started.append(info["generation"])

    gc.collect()
    gc.callbacks.append(record)
    try:
        yield started
    finally:
        gc.callbacks.remove(record)


def test_the_collector_is_off_inside_and_on_after_even_when_the_block_raises() -> None:
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        assert not gc.isenabled()
        raise RuntimeError("the block failed")
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_what_the_pause_made_is_not_walked_by_a_young_collection_after_it(
    collections: list[int],
) -> None:
    threshold = gc.get_threshold()[0]
    with collector_paused():
        kept = [[index] for index in range(threshold * 50)]
    more = [[index] for index in range(threshold // 2)]
    assert collections == [], "the first allocations after the pause set off a collection"
    assert gc.get_freeze_count() == 0, "nothing may stay frozen"
    assert len(kept) + len(more) > threshold


def test_a_cycle_alive_when_the_pause_ends_is_still_collected() -> None:
    with collector_paused():
        node = Node()
        node.other = node
        alive = weakref.ref(node)
    del node
    gc.collect()
    assert alive() is None


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
