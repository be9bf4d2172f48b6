"""The collector settings of analysing processes, and the collection run while idle."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from sqlalchemy_lint.gctune import collect_while_idle


@pytest.fixture
def thresholds() -> Iterator[None]:
    saved = gc.get_threshold()
    yield
    gc.set_threshold(*saved)


def _cycles(count: int) -> None:
    for _ in range(count):
        node: list[object] = []
        node.append(node)  # garbage only the collector can free


def test_idle_collection_empties_the_young_generations(thresholds: None) -> None:
    gc.set_threshold(1_000_000, 1_000, 1_000)  # nothing automatic during the test
    _cycles(5_000)
    gc.collect(0)  # the cycles move to the middle generation, still uncollected
    _cycles(100)
    collect_while_idle()
    young, middle, _ = gc.get_count()
    assert young < 50  # what the collector itself allocated, at most
    assert middle == 0


def test_idle_collection_is_full_when_a_full_one_is_due(thresholds: None) -> None:
    gc.set_threshold(1_000_000, 1_000, 3)
    gc.collect()
    gc.collect(1)
    gc.collect(1)  # the next middle-generation collection would trigger a full one
    assert gc.get_count()[2] == 2
    full_before = gc.get_stats()[2]["collections"]
    collect_while_idle()
    assert gc.get_stats()[2]["collections"] == full_before + 1
    assert gc.get_count()[2] == 0


def test_idle_collection_is_not_full_otherwise(thresholds: None) -> None:
    gc.set_threshold(1_000_000, 1_000, 10)
    gc.collect()
    full_before = gc.get_stats()[2]["collections"]
    collect_while_idle()
    assert gc.get_stats()[2]["collections"] == full_before
    assert gc.get_count()[2] == 1
