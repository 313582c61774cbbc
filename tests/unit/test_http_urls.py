"""Base URLs are read with the parsers the HTTP libraries use; any disagreement is refused."""

from __future__ import annotations

import pytest

from okrsync.config import check_url
from okrsync.http.urls import httpx_origin, url_problem, urllib3_origin

ACCEPTED = [
    "https://api.notion.com",
    "https://acme.atlassian.net/wiki",
    "https://intra.example.com:8443/confluence",
    "http://127.0.0.1:9000",
    "http://localhost:9000/wiki",
    "http://[::1]:9000",
]

REFUSED = [
    # urllib.parse and httpx read host 127.0.0.1, requests (urllib3) connects to wiki.example.com
    ("http://wiki.example.com\\@127.0.0.1/wiki", "backslash"),
    ("https://wiki.example.com\\.attacker.example/wiki", "backslash"),
    ("https://user:hunter2@acme.atlassian.net/wiki", "user name or password"),
    ("https://token@acme.atlassian.net/wiki", "user name or password"),
    ("https://acme.atlassian.net%2f@attacker.example/", "user name or password"),
    ("https://acme.atlassian.net\t/wiki", "control character"),
    ("https://exa mple.com/", "space"),
    ("http://example.com", "uses http"),
    ("http://10.0.0.1", "uses http"),
    ("ftp://example.com", "not an https URL"),
    ("https://", "names no host"),
    ("https://[::1", "not a URL"),
]


@pytest.mark.parametrize("url", ACCEPTED)
def test_plain_https_and_loopback_http_are_accepted(url: str) -> None:
    assert url_problem(url) is None
    assert check_url(url) is None  # the config loader asks the same question


@pytest.mark.parametrize(("url", "reason"), REFUSED, ids=[u for u, _ in REFUSED])
def test_urls_the_libraries_could_read_differently_are_refused(url: str, reason: str) -> None:
    problem = url_problem(url)
    assert problem is not None
    assert reason in problem
    assert "hunter2" not in problem, "a password is never repeated in the error"


def test_the_backslash_url_really_is_read_differently_by_the_two_libraries() -> None:
    url = "http://wiki.example.com\\@127.0.0.1/wiki"
    assert httpx_origin(url).host == "127.0.0.1"
    assert urllib3_origin(url).host == "wiki.example.com"


def test_origins_compare_scheme_host_and_port_with_default_ports_filled_in() -> None:
    assert httpx_origin("https://X.example.com/a") == urllib3_origin("https://x.example.com:443/b")
    assert httpx_origin("http://127.0.0.1:80/") != httpx_origin("http://127.0.0.1:8080/")
    assert httpx_origin("http://127.0.0.1/") != httpx_origin("https://127.0.0.1/")


def test_a_url_with_both_a_backslash_and_a_password_never_repeats_the_password() -> None:
    problem = url_problem("https://admin:hunter2\\@acme.atlassian.net/wiki")
    assert problem is not None and "backslash" in problem
    assert "hunter2" not in problem
