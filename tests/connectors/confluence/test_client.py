"""The client's pure parts: next links, vendor messages, CQL quoting."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import requests
from okrsync_confluence.client import (
    ConfluenceClient,
    _vendor_message,
    cql_quote,
)
from okrsync_confluence.options import ConfluenceOptions
from pydantic import SecretStr

from tests.recorded import confluence_v2_mock


def _client(url: str, deployment: str = "cloud") -> ConfluenceClient:
    options = ConfluenceOptions(
        url=url,
        deployment=deployment,
        username_env="U",
        token_env="T",
    )
    return ConfluenceClient(
        options,
        token=SecretStr("t"),
        username="u@example.com",
        sleep=lambda _: None,
        clock=lambda: datetime(2025, 8, 15, tzinfo=UTC),
    )


def _response(
    status: int, body: object, headers: dict[str, str] | None = None
) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(body).encode()
    response.headers.update(headers or {})
    return response


def test_next_links_of_v1_and_v2_on_cloud() -> None:
    client = _client("https://x.atlassian.net/wiki")
    v1 = {"_links": {"base": "https://x.atlassian.net/wiki", "next": "/rest/api/content?start=25"}}
    assert client._next_url(v1) == "https://x.atlassian.net/wiki/rest/api/content?start=25"
    v2 = {"_links": {"next": "/wiki/api/v2/pages?cursor=abc"}}
    assert client._next_url(v2) == "https://x.atlassian.net/wiki/api/v2/pages?cursor=abc"
    assert client._next_url({"_links": {}}) is None


def test_next_links_on_data_center_with_a_context_path() -> None:
    client = _client("https://intra.example.com/confluence", "datacenter")
    data = {
        "_links": {"base": "https://intra.example.com/confluence", "next": "/rest/api/x?start=2"}
    }
    assert client._next_url(data) == "https://intra.example.com/confluence/rest/api/x?start=2"


def test_vendor_messages_of_v1_and_v2_error_bodies() -> None:
    v2 = {"errors": [{"status": 404, "code": "NOT_FOUND", "title": "Not Found", "detail": "gone"}]}
    assert _vendor_message(_response(404, v2)) == "gone"
    v1 = confluence_v2_mock("ERROR_NOT_FOUND")
    assert _vendor_message(_response(404, v1)) == "The requested resource could not be found"
    assert _vendor_message(_response(409, {"statusCode": 409, "message": "Version must be"})) == (
        "Version must be"
    )


def test_cql_strings_are_quoted() -> None:
    assert cql_quote('Q3 "big" \\ plan') == '"Q3 \\"big\\" \\\\ plan"'
