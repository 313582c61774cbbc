"""The emulator kit both sandboxes stand on: one of each mechanism a local vendor API needs.

- `clock`: the one clock type (epoch seconds) that stamps pages, the `Date` header, the rate
  limit and the Retry-After watch;
- `http_server`: real HTTP on 127.0.0.1 in a background thread, connection resets, `Date`;
- `faults`: seeded fault plans (`okrsync.sandbox.FaultPlan`) drawn per request;
- `rate`: the token bucket, the Retry-After header and the early-retry watch;
- `request_log`: every answered request with counters per endpoint, status and fault;
- `emulator`: the `okrsync.sandbox.Sandbox` plumbing (lifecycle, faults, log, stats, state
  load and save) a vendor emulator inherits, adding only its routes and its vendor's rules.
"""
