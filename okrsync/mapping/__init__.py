"""Mapping files: which source field feeds which canonical field, and how values are read.

`schema` holds the file format, `values` the value parsers, `loader` reads a YAML file with
line numbers, `apply` turns source records into a workspace, `infer` drafts a mapping from a
live schema.
"""

from okrsync.mapping.schema import export_json_schema

__all__ = ["export_json_schema"]
