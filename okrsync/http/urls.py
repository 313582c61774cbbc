"""Base URL validation and origins, read with the parsers the HTTP libraries themselves use.

A URL that two parsers read differently is how credentials reach the wrong host: for
`http://wiki.example.com\\@127.0.0.1/wiki` Python's `urlsplit` and httpx see host 127.0.0.1, while
requests (urllib3) connects to wiki.example.com. So a base URL is accepted only when it has no
backslash, no whitespace or control character, no `user:pass@` part, and when urllib.parse,
httpx (the Notion SDK's transport) and urllib3 (requests, under the Confluence SDK) all agree on
its scheme, host and port. Plain http is accepted only for loopback hosts (local sandboxes).
"""

from __future__ import annotations

import ipaddress
from typing import Final, NamedTuple
from urllib.parse import urlsplit

import httpx
import urllib3.util

DEFAULT_PORTS: Final = {"http": 80, "https": 443}
HTTPS_HINT: Final = (
    "write it as https://host/...; plain http is allowed only for 127.0.0.1/localhost"
)


class Origin(NamedTuple):
    """Scheme, host and port: two URLs with the same origin reach the same server."""

    scheme: str
    host: str
    port: int

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        if DEFAULT_PORTS.get(self.scheme) == self.port:
            return f"{self.scheme}://{host}"
        return f"{self.scheme}://{host}:{self.port}"


def _origin(scheme: str, host: str | None, port: int | None) -> Origin:
    scheme = scheme.lower()
    name = (host or "").lower().strip("[]").rstrip(".")
    return Origin(scheme, name, port if port is not None else DEFAULT_PORTS.get(scheme, 0))


def httpx_origin(url: str | httpx.URL) -> Origin:
    """The origin httpx connects to for `url`."""
    parsed = url if isinstance(url, httpx.URL) else httpx.URL(url)
    return _origin(parsed.scheme, parsed.host, parsed.port)


def urllib3_origin(url: str) -> Origin:
    """The origin requests (through urllib3) connects to for `url`."""
    parsed = urllib3.util.parse_url(url)
    return _origin(parsed.scheme or "", parsed.host, parsed.port)


def stdlib_origin(url: str) -> Origin:
    """The origin as Python's urllib.parse reads `url`."""
    parts = urlsplit(url)
    return _origin(parts.scheme, parts.hostname, parts.port)


def is_loopback(host: str) -> bool:
    """Whether `host` (a name or an address, without brackets) is this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def has_credentials(url: str) -> bool:
    """Whether any of the parsers finds a `user[:password]@` part in `url`."""
    try:
        return bool(
            urlsplit(url).username is not None
            or httpx.URL(url).userinfo
            or urllib3.util.parse_url(url).auth
        )
    except (ValueError, httpx.InvalidURL, urllib3.exceptions.LocationParseError):
        return "@" in url


def url_problem(url: str) -> str | None:
    """Why `url` may not be a base URL okrsync sends credentials to, or None when it may.

    The text names the URL's problem and its fix; credentials are never repeated in it.
    """
    shown = "the URL" if "@" in url else repr(url)
    if "\\" in url:
        return (
            f"{shown} contains a backslash, which HTTP libraries read differently (fix: remove it)"
        )
    if has_credentials(url):
        return (
            "the URL contains a user name or password (user:pass@host); credentials in a URL "
            "are refused (fix: remove them from the URL and put the secret in the environment "
            "variable named by token_env)"
        )
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        return f"{shown} contains a space or a control character (fix: remove it)"
    try:
        origins = {stdlib_origin(url), httpx_origin(url), urllib3_origin(url)}
    except (ValueError, httpx.InvalidURL, urllib3.exceptions.LocationParseError):
        return f"{shown} is not a URL ({HTTPS_HINT})"
    if len(origins) != 1:
        readings = ", ".join(sorted(str(o) for o in origins))
        return (
            f"{shown} is read as different servers by different HTTP libraries ({readings}) "
            "(fix: write the plain address, https://host/path)"
        )
    (origin,) = origins
    if not origin.host:
        return f"{shown} names no host ({HTTPS_HINT})"
    if origin.scheme == "https":
        return None
    if origin.scheme == "http" and is_loopback(origin.host):
        return None
    if origin.scheme == "http":
        return (
            f"{shown} uses http; credentials would travel unencrypted "
            "(fix: use https://; plain http is allowed only for 127.0.0.1/localhost sandboxes)"
        )
    return f"{shown} is not an https URL ({HTTPS_HINT})"
