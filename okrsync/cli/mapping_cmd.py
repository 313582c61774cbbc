"""`okrsync mapping validate|infer|check`: check a mapping file, or draft one from a live schema.

`validate FILE` loads a mapping and prints OK or every problem with its file:line and fix
(exit 2 on any problem). `infer` asks a configured source's connector for its live schema
(`describe()`), or reads a saved SourceSchema JSON with `--schema-json`, and prints a commented
draft mapping; `--apply` then adds the output properties (Score, Health, Warnings, Last synced)
the workspace lacks: it lists them, asks on a terminal (`--yes` for scripts), and prints what
it added. `check` runs `okrsync doctor`, whose per-source checks
compare each mapping with the live schema.
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from pydantic import ValidationError

from okrsync.connector import Connector, ConnectorContext, SourceSchema
from okrsync.errors import ConfigError, ExitCode
from okrsync.mapping.infer import infer_mapping, missing_outputs
from okrsync.mapping.loader import load_mapping, parse_mapping
from okrsync.mapping.schema import CollectionMap, FieldSpec, Mapping

if TYPE_CHECKING:
    from okrsync.config import SourceConfig


def register(subparsers: Any) -> None:
    """Add `mapping validate` and `mapping infer` to the okrsync command line."""
    mapping = subparsers.add_parser(
        "mapping",
        help="validate a mapping file, or draft one from a source's live schema",
        description="Mapping files say which source field feeds each canonical OKR field "
        "(docs/mapping.md).",
    )
    sub = mapping.add_subparsers(dest="mapping_command", metavar="SUBCOMMAND")

    validate = sub.add_parser(
        "validate",
        help="load a mapping file and list every problem (exit 2 if any)",
        description="Load a mapping file and print OK, or every problem with file:line and fix.",
    )
    validate.add_argument("file", type=Path, help="the mapping file (YAML)")
    validate.set_defaults(func=validate_command)

    infer = sub.add_parser(
        "infer",
        help="draft a commented mapping from a source's live schema",
        description="Ask the source's connector for its databases/pages and their fields and "
        "print a draft mapping with a comment on every guess and TODOs where it cannot tell. "
        "Give --config and --source, or --schema-json with a saved SourceSchema.",
    )
    infer.add_argument("--config", type=Path, help="okrsync.toml")
    infer.add_argument("--source", help="the source's name in okrsync.toml")
    infer.add_argument(
        "--schema-json", type=Path, help="a SourceSchema JSON file instead of a live source"
    )
    infer.add_argument("--out", type=Path, help="write the draft here instead of printing it")
    infer.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    infer.add_argument(
        "--apply",
        action="store_true",
        help="also add the missing output properties (Score, Health, Warnings, Last synced) "
        "to the workspace: lists them and asks first (on a terminal), then prints what it added",
    )
    infer.add_argument(
        "--yes",
        action="store_true",
        help="with --apply: add them without asking (for scripts)",
    )
    infer.set_defaults(func=infer_command)

    check = sub.add_parser(
        "check",
        help="check mappings against the live sources (the same checks as `okrsync doctor`)",
        description="Load okrsync.toml and every mapping, and have each source's connector "
        "compare its mapping with the live schema; prints each problem with its fix.",
    )
    check.add_argument("--config", required=True, type=Path, help="okrsync.toml")
    check.add_argument("--source", help="only this source")
    check.set_defaults(func=check_command)
    mapping.set_defaults(func=lambda args: _no_subcommand(mapping))


def _no_subcommand(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return int(ExitCode.CONFIG)


def validate_command(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """`okrsync mapping validate FILE`: OK (exit 0) or every problem (exit 2)."""
    out = out or sys.stdout
    try:
        mapping = load_mapping(args.file)
    except ConfigError as exc:
        print(str(exc), file=out)
        return int(ExitCode.CONFIG)
    counts = ", ".join(
        f"{name} ({len(coll.fields)} fields)" for name, coll in mapping.collections.items()
    )
    print(f"OK {args.file}: {counts}", file=out)
    return int(ExitCode.OK)


def check_command(args: argparse.Namespace) -> int:
    """`okrsync mapping check`: the doctor's checks, which include the mapping vs live schema."""
    from okrsync.cli.setup_cmd import doctor_command

    return doctor_command(args)


def read_schema_json(path: Path) -> SourceSchema:
    """A SourceSchema saved as JSON (as `describe()` returns it); ConfigError naming the path."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"schema file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read schema file {path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"{path}:{exc.lineno}: not valid JSON: {exc.msg}", hint="fix the JSON at that line"
        ) from None
    try:
        return SourceSchema.model_validate(data)
    except ValidationError as exc:
        problems = [f"{'.'.join(map(str, e['loc'])) or '(top)'}: {e['msg']}" for e in exc.errors()]
        raise ConfigError(
            f"{path}: not a SourceSchema",
            problems=problems,
            hint="give the JSON form of a connector's describe() result",
        ) from None


def placeholder_mapping() -> Mapping:
    """A minimal mapping for connectors built before a real mapping exists (for describe())."""
    return Mapping(
        collections={"objectives": CollectionMap(fields={"title": FieldSpec(field="@title")})}
    )


def source_for_infer(config_path: Path, name: str) -> SourceConfig:
    """The named source from okrsync.toml, even when its mapping file does not exist yet.

    `load_config` rightly rejects a config whose mapping files are missing, but drafting that
    file is what `mapping infer` is for; when those are the only problems, the source's table
    is validated on its own.
    """
    from okrsync.config import SourceConfig, SourceFile, load_config

    try:
        return load_config(config_path).source(name)
    except ConfigError as exc:
        only_missing = bool(exc.problems) and all(
            ".mapping: file " in p and " not found" in p for p in exc.problems
        )
        if not only_missing:
            raise
    path = config_path.expanduser().absolute()
    raw = tomllib.loads(path.read_text(encoding="utf-8")).get("sources")
    table: Any = None
    if isinstance(raw, dict):
        table = raw.get(name)
    elif isinstance(raw, list):
        table = next((t for t in raw if isinstance(t, dict) and t.get("name") == name), None)
        table = {k: v for k, v in table.items() if k != "name"} if table else None
    if not isinstance(table, dict):
        raise ConfigError(
            f"{path}: no source named {name!r}",
            hint="pass one of the configured source names to --source",
        )
    try:
        src = SourceFile.model_validate(table)
    except ValidationError as exc:
        raise ConfigError(f"{path}: invalid source {name!r}: {exc}") from None
    return SourceConfig(
        name=name,
        connector=src.connector,
        options=src.options,
        mapping=(path.parent / src.mapping).resolve(),
        writeback=src.writeback,
    )


def _connector(args: argparse.Namespace, mapping: Mapping) -> Connector:
    from okrsync.config import resolve_connector

    src = source_for_infer(args.config, args.source)
    factory = resolve_connector(src.connector)
    return factory(
        ConnectorContext(
            source=src.name, options=src.options, mapping=mapping, writeback=src.writeback
        )
    )


def _existing_mapping(args: argparse.Namespace) -> Mapping | None:
    """The source's configured mapping if it exists and loads (describe() then uses it)."""
    path = source_for_infer(args.config, args.source).mapping
    if not path.exists():
        return None
    try:
        return load_mapping(path)
    except ConfigError:
        return None


Confirm = Callable[[str], bool]
"""Asks a yes/no question; True means go ahead."""


def ask_on_terminal(question: str) -> bool:
    """Ask on the terminal; anything but y/yes is a no. ConfigError when there is no terminal
    (a script must say --yes: changing a workspace is never silent)."""
    if not sys.stdin.isatty():
        raise ConfigError(
            "mapping infer --apply changes the workspace and no terminal is attached to confirm",
            hint="run it on a terminal to be asked, or pass --yes",
        )
    print(f"{question} [y/N] ", end="", file=sys.stderr, flush=True)
    return sys.stdin.readline().strip().casefold() in ("y", "yes")


def infer_command(
    args: argparse.Namespace, out: TextIO | None = None, confirm: Confirm = ask_on_terminal
) -> int:
    """`okrsync mapping infer`: print or write a draft mapping, optionally add missing outputs.

    With --apply the outputs added are those of the source's mapping file when it exists,
    else of the draft just printed; they are listed and confirmed (`confirm`, skipped with
    --yes) before anything changes, and what was added is printed afterwards.
    """
    out = out or sys.stdout
    if args.schema_json is not None:
        if args.apply:
            raise ConfigError(
                "--apply changes the workspace, so it needs a live source",
                hint="use --config FILE --source NAME instead of --schema-json",
            )
        schema = read_schema_json(args.schema_json)
        return _emit(infer_mapping(schema), args, out)
    if args.config is None or args.source is None:
        raise ConfigError(
            "mapping infer needs --config and --source (or --schema-json)",
            hint="okrsync mapping infer --config okrsync.toml --source NAME",
        )
    existing = _existing_mapping(args)
    connector = _connector(args, existing or placeholder_mapping())
    try:
        schema = connector.describe()
    finally:
        connector.close()
    draft = infer_mapping(schema)
    code = _emit(draft, args, out)
    if code != ExitCode.OK or not args.apply:
        return code
    if existing is not None:
        origin = str(source_for_infer(args.config, args.source).mapping)
        mapping = existing
    else:
        origin = "the draft above"
        mapping = parse_mapping(draft, source="the draft mapping")
    code = _apply_outputs(args, mapping, schema, out, origin, confirm)
    return max(code, _create_check_ins(args, mapping, out, confirm))


def _create_check_ins(
    args: argparse.Namespace, mapping: Mapping, out: TextIO, confirm: Confirm
) -> int:
    """The check-ins database the mapping reads, when it does not exist yet: described,
    confirmed, created (connectors that can: `missing_check_ins` / `create_check_ins`)."""
    if "check_ins" not in mapping.collections:
        return int(ExitCode.OK)
    connector = _connector(args, mapping)
    try:
        lister = getattr(connector, "missing_check_ins", None)
        creator = getattr(connector, "create_check_ins", None)
        wanted = lister() if callable(lister) and callable(creator) else None
        if not wanted or not callable(creator):
            return int(ExitCode.OK)
        print(f"--apply will create {wanted}", file=sys.stderr)
        if not args.yes and not confirm("create it?"):
            print("no check-ins database was created", file=out)
            return int(ExitCode.OK)
        created = creator()
        print(
            f"created the check-ins database {created}; the next full sync reads it "
            "(okrsync sync --full)",
            file=out,
        )
        return int(ExitCode.OK)
    finally:
        connector.close()


def _emit(draft: str, args: argparse.Namespace, out: TextIO) -> int:
    if args.out is None:
        out.write(draft)
        return int(ExitCode.OK)
    if args.out.exists() and not args.force:
        raise ConfigError(
            f"{args.out} exists; not overwriting it",
            hint="pass --force to overwrite, or choose another --out",
        )
    args.out.write_text(draft, encoding="utf-8")
    print(f"wrote a draft mapping to {args.out}; review its TODO lines", file=sys.stderr)
    return int(ExitCode.OK)


def _apply_outputs(
    args: argparse.Namespace,
    mapping: Mapping,
    schema: SourceSchema,
    out: TextIO,
    origin: str,
    confirm: Confirm,
) -> int:
    """List the output properties the workspace lacks, confirm, have the connector add them,
    then print exactly what it added."""
    connector = _connector(args, mapping)
    try:
        lister = getattr(connector, "missing_outputs", None)
        adder = getattr(connector, "add_missing_outputs", None)
        missing: list[Any] = list(lister()) if callable(lister) else []
        if not callable(lister):
            missing = missing_outputs(mapping, schema)
        if not missing:
            print(
                f"nothing to add: the outputs named in {origin} exist already, or the "
                f"{connector.name} connector creates them as it writes",
                file=out,
            )
            return int(ExitCode.OK)
        print(f"--apply will add these output properties (named in {origin}):", file=sys.stderr)
        for item in missing:
            print(f"  {_describe_output(item)}", file=sys.stderr)
        if not callable(adder):
            print(
                f"the {connector.name} connector cannot add properties; add them by hand",
                file=sys.stderr,
            )
            return int(ExitCode.PARTIAL)
        if not args.yes and not confirm(f"add these {len(missing)} properties?"):
            print("nothing was added", file=out)
            return int(ExitCode.OK)
        added = list(adder(missing))
        print(f"added {len(added)} output propert{'y' if len(added) == 1 else 'ies'}:", file=out)
        for item in added:
            print(f"  {_describe_output(item)}", file=out)
        return int(ExitCode.OK)
    finally:
        connector.close()


def _describe_output(item: Any) -> str:
    if isinstance(item, tuple) and len(item) == 3:
        collection, name, vendor_type = item
        return f"{collection}: {name} ({vendor_type})"
    collection = getattr(item, "collection", "?")
    name = getattr(item, "property", item)
    vendor_type = getattr(item, "type", "")
    database = getattr(item, "database", "")
    where = f" in {database}" if database else ""
    return f"{collection}{where}: {name}" + (f" ({vendor_type})" if vendor_type else "")
