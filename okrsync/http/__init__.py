"""The one HTTP policy every integration uses: pacing, retries, bounds, URLs, server time.

- `policy.HttpPolicy`: the single retry layer (throttle, Retry-After, adaptive slow-down,
  capped exponential back-off with jitter for transient errors only) and `HttpOptions`, the
  options every HTTP source shares (rate, total deadline, retries, size cap);
- `guard`: one request's total deadline, size cap, stop event and same-origin redirect rule;
- `for_httpx`, `for_requests`: those bounds on the two HTTP libraries the vendor SDKs use;
- `urls`: base URL validation with the libraries' own parsers;
- `server_time`: the server's `Date` as an incremental cursor; `throttle`; `stats`.

Connectors supply only their status-to-error mapping and endpoints. Modules are imported
directly (`from okrsync.http.policy import HttpPolicy`), so that importing the URL validator
from the config loader pulls in nothing else.
"""
