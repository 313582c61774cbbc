"""Local emulators of the vendor APIs okrsync talks to, for tests, the demo and benchmarks.

`okrsync_sandbox.notion` and `okrsync_sandbox.confluence` each speak the vendor's REST API
over real HTTP on 127.0.0.1; the real SDKs talk to them unchanged. They are found through the
`okrsync.sandboxes` entry points (`okrsync.sandbox.load_sandbox`), so neither the core nor a
connector imports this package. It ships in the same distribution as okrsync because
`okrsync demo` and `okrsync sandbox serve` run on it.
"""
