"""`okrsync schema workspace|mapping|config`: print the JSON Schemas of okrsync's files."""

from __future__ import annotations

import argparse
import json
from typing import Any

from okrsync.model import Workspace


def schema_of(kind: str) -> dict[str, Any]:
    """The JSON Schema of one of okrsync's file formats."""
    if kind == "workspace":
        schema = Workspace.model_json_schema()
        schema["title"] = "okrsync workspace"
        return schema
    if kind == "mapping":
        from okrsync.mapping import export_json_schema

        return export_json_schema()
    from okrsync.config import export_config_schema

    return export_config_schema()


def _run(args: argparse.Namespace) -> int:
    print(json.dumps(schema_of(args.kind), indent=2, sort_keys=True))
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "schema",
        help="print the JSON Schema of the workspace, mapping or config format",
        description="Print a JSON Schema, for editors and validators.",
    )
    parser.add_argument("kind", choices=("workspace", "mapping", "config"))
    parser.set_defaults(func=_run)
