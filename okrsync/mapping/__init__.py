"""Mapping files: which source field feeds which canonical field, and how values are read."""
