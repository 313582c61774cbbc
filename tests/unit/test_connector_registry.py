"""The entry-point registry finds installed connectors and explains unknown ones."""

from __future__ import annotations

import pytest

from okrsync.connector import available_connectors, content_hash, load_connector
from okrsync.errors import ConfigError


def test_both_bundled_connectors_are_registered() -> None:
    assert {"notion", "confluence"} <= set(available_connectors())
    assert callable(load_connector("notion"))
    assert callable(load_connector("confluence"))


def test_unknown_connector_names_the_installed_ones() -> None:
    with pytest.raises(ConfigError) as err:
        load_connector("jira")
    assert "jira" in str(err.value)
    assert "notion" in str(err.value)


def test_content_hash_is_stable_and_order_independent() -> None:
    assert content_hash({"a": 1, "b": [1, 2]}) == content_hash({"b": [1, 2], "a": 1})
    assert content_hash({"a": 1}) != content_hash({"a": 2})
