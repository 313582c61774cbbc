"""Test support shipped with okrsync, for okrsync's own tests and for third-party connectors.

- `okrsync.testing.contract`: the connector contract suite (pytest), see its docstring and the
  README's "Development" section;
- `okrsync.testing.clock`: `ManualClock`, one clock a test injects everywhere;
- `okrsync.testing.workspace`: `sample_workspace()`, a small OKR workspace to seed a sandbox.

Nothing in okrsync's runtime imports this package; `contract` needs pytest (`okrsync[dev]`).
"""
