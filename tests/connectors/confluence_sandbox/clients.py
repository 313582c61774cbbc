"""Real atlassian-python-api clients pointed at a sandbox, built the way okrsync builds them."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from datetime import datetime
from typing import Any

import requests
from atlassian import Confluence, ConfluenceV2
from okrsync_confluence.client import ConfluenceClient
from okrsync_confluence.options import ConfluenceOptions
from pydantic import SecretStr

from okrsync_sandbox.confluence import ConfluenceSandbox


def v1_client(sandbox: ConfluenceSandbox, **kwargs: Any) -> Any:
    """The real atlassian-python-api v1 client (the Server class) as okrsync builds it."""
    if sandbox.deployment == "cloud":
        return Confluence(
            url=sandbox.url,
            username=sandbox.username,
            password=sandbox.token,
            cloud=False,
            **kwargs,
        )
    return Confluence(url=sandbox.url, token=sandbox.token, cloud=False, **kwargs)


def okrsync_client(
    sandbox: ConfluenceSandbox, *, clock: Callable[[], datetime], sleep: Callable[[float], None]
) -> ConfluenceClient:
    """okrsync's own client (the real SDK under its HTTP policy: throttle, Retry-After,
    retries), unpaced until a 429, with its clock and sleep passed in."""
    options = ConfluenceOptions(
        url=sandbox.url,
        deployment=sandbox.deployment,
        username_env="CONFLUENCE_USER" if sandbox.deployment == "cloud" else None,
        token_env="CONFLUENCE_TOKEN",
    )
    return ConfluenceClient(
        options,
        token=SecretStr(sandbox.token),
        username=sandbox.username if sandbox.deployment == "cloud" else None,
        sleep=sleep,
        clock=clock,
    )


def v2_client(sandbox: ConfluenceSandbox) -> Any:
    """The real ConfluenceV2 client (Cloud only)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return ConfluenceV2(url=sandbox.url, username=sandbox.username, password=sandbox.token)


def raw_session(sandbox: ConfluenceSandbox) -> requests.Session:
    """A plain requests session with the sandbox credentials (no client retries at all)."""
    session = requests.Session()
    if sandbox.deployment == "cloud":
        session.auth = (sandbox.username, sandbox.token)
    else:
        session.headers["Authorization"] = f"Bearer {sandbox.token}"
    return session


def v1_url(sandbox: ConfluenceSandbox, route: str) -> str:
    return f"{sandbox.url}/rest/api/{route}"


def v2_url(sandbox: ConfluenceSandbox, route: str) -> str:
    return f"{sandbox.url}/api/v2/{route}"
