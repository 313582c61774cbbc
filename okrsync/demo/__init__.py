"""The demo: a realistic company synced through both sandboxes."""
