"""`okrsync init` and `okrsync doctor`: start a config, then check that it can work.

`init` writes a commented okrsync.toml (or --out FILE) and the shipped mapping template for
the chosen connector next to it; the source is named after the connector (`notion`,
`confluence`), as the README and docs call it. It never overwrites a file unless --force.
`doctor` checks the config, the credentials' environment variables, the mapping files, the
state store and, for every source, the connector's own check (auth, access to each database or
space, the mapping against the live schema: mapped and output properties, coverage per mapped
key on sampled pages), and prints each problem with its fix; any error exits 2.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from okrsync.errors import AuthError, ConfigError, ExitCode, OkrsyncError, StateError
from okrsync.mapping.shipped import shipped_mapping

if TYPE_CHECKING:  # the engine is imported when a command runs, to keep `okrsync` quick to start
    from okrsync.config import Config, DestinationConfig, SourceConfig
    from okrsync.connector import Problem
    from okrsync.log import Redactor

TEMPLATES = {
    "notion": "notion-okr-template.yaml",
    "confluence": "confluence-okr-pages.yaml",
}

_COMMON_TAIL = """
[sources.{source}.writeback]
pages = true        # Score, Health and Warnings on each OKR page
reviews = true      # one review page per cycle, regenerated in place
per_team = false    # also one review page per team and cycle

[scoring]
# rollup = "key_results"      # key_results | children | both
# committed_bar = 1.0
# aspirational_bar = 0.7
# on_track_gap = 0.10
# at_risk_gap = 0.25

[rules]
# select = ["ALL"]            # codes, names, families or code prefixes
# ignore = []
# fail_on = "error"           # for `okrsync lint`: error | warning | info | never

[schedule]                    # for `okrsync daemon`
interval = 900                # seconds between runs (or: cron = "*/15 * * * *")
jitter = 60                   # up to this many seconds added at random
# backoff_initial = 60        # after a failed run, wait at least this long, doubling...
# backoff_max = 3600          # ...up to this

[logging]
level = "info"                # debug | info | warning | error
format = "auto"               # auto (console on a terminal, JSON otherwise) | json | console

[metrics]
# port = 9464                 # daemon only: /healthz and /metrics on 127.0.0.1:port
"""

_HEAD = """# okrsync configuration. `okrsync schema config` prints every allowed key;
# `okrsync doctor --config {name}` checks it against the live workspace.
#
# Credentials never go into this file: options ending in _env NAME the environment variable
# that holds the secret.

# Where okrsync keeps its state (runs, value history, write ledger). Default: the user's state
# directory. Relative paths are read from this file's folder.
# state_path = "okrsync-state.db"
"""

NOTION_SOURCE = """
[sources.{source}]
connector = "notion"
mapping = "{mapping}"         # relative to this file
enabled = true
# full_refresh_hours = 24     # re-read everything this often (incremental in between)

[sources.{source}.options]
token_env = "NOTION_TOKEN"    # export NOTION_TOKEN=ntn_... (your integration's secret)
# base_url = "https://api.notion.com"
# Which database holds what (ids, notion.so links or exact titles); defaults to the mapping's.
# databases = {{ objectives = "Objectives", key_results = "Key Results", cycles = "Quarters" }}
# review_parent = "https://www.notion.so/..."  # the page review pages are kept under
"""

CONFLUENCE_SOURCE = """
[sources.{source}]
connector = "confluence"
mapping = "{mapping}"         # relative to this file
enabled = true

[sources.{source}.options]
url = "https://your-site.atlassian.net/wiki"
deployment = "cloud"          # cloud | datacenter
username_env = "CONFLUENCE_EMAIL"   # Cloud: the account's email
token_env = "CONFLUENCE_TOKEN"      # Cloud API token, or a Data Center personal access token
space = "OKR"
# objectives = {{ label = "okr" }}    # or {{ parent = "<page id>" }} or {{ cql = "..." }}
# key_results = "auto"        # table rows, or child pages where a page has no table
# review_parent = "<page id>"
"""


def register(subparsers: Any) -> None:
    """Add `init` and `doctor` to the okrsync command line."""
    init = subparsers.add_parser(
        "init",
        help="write a commented okrsync.toml and a mapping template",
        description="Writes okrsync.toml and the shipped mapping for the connector into --dir.",
    )
    init.add_argument("--dir", type=Path, default=Path(), help="folder to write into")
    init.add_argument(
        "--out",
        type=Path,
        help="the config file to write (default: okrsync.toml in --dir); the mapping template "
        "goes next to it",
    )
    init.add_argument("--connector", choices=sorted(TEMPLATES), default="notion")
    init.add_argument("--force", action="store_true", help="overwrite existing files")
    init.set_defaults(func=init_command)

    doctor = subparsers.add_parser(
        "doctor",
        help="check config, credentials, access and mappings; print what to fix",
        description="Checks everything a sync needs, for every source, and prints each "
        "problem with its fix. Exit 0 when all is well.",
    )
    doctor.add_argument("--config", required=True, type=Path, help="okrsync.toml")
    doctor.add_argument("--source", help="only this source")
    doctor.set_defaults(func=doctor_command)


def config_template(connector: str, mapping_name: str, config_name: str = "okrsync.toml") -> str:
    """The commented okrsync.toml `init` writes; its one source is named after the connector."""
    source = NOTION_SOURCE if connector == "notion" else CONFLUENCE_SOURCE
    return (
        _HEAD.format(name=config_name)
        + source.format(mapping=mapping_name, source=connector)
        + _COMMON_TAIL.format(source=connector)
    )


def init_command(args: argparse.Namespace) -> int:
    config_path: Path = args.out if args.out is not None else args.dir / "okrsync.toml"
    target = config_path.parent
    template = shipped_mapping(TEMPLATES[args.connector])
    if not template.is_file():
        raise ConfigError(
            f"the mapping template {template} is missing from this installation",
            hint="reinstall okrsync, or draft a mapping with `okrsync mapping infer`",
        )
    mapping_path = target / template.name
    existing = [p for p in (config_path, mapping_path) if p.exists()]
    if existing and not args.force:
        names = ", ".join(str(p) for p in existing)
        raise ConfigError(
            f"not overwriting {names}",
            hint="pass --force to replace, or --out / --dir to write somewhere else",
        )
    target.mkdir(parents=True, exist_ok=True)
    config_path.write_text(
        config_template(args.connector, template.name, config_path.name), encoding="utf-8"
    )
    shutil.copyfile(template, mapping_path)
    source = args.connector
    print(f"wrote {config_path} (one source, named {source!r})")
    print(f"wrote {mapping_path}")
    print("next:")
    if source == "notion":
        print("  export NOTION_TOKEN=...   # the integration's secret; share the databases with it")
    else:
        print("  export CONFLUENCE_EMAIL=... CONFLUENCE_TOKEN=...   # and set url and space")
    print(
        f"  okrsync mapping infer --config {config_path} --source {source} --out my-mapping.yaml"
        "   # a draft from your own pages"
    )
    print(f"  okrsync doctor --config {config_path}")
    print(f"  okrsync sync --config {config_path} --dry-run")
    return int(ExitCode.OK)


def _line(source: str, problem: Problem, redactor: Redactor) -> str:
    text = f"  [{problem.severity}] {source}: {problem.subject}: {problem.message}"
    if problem.hint:
        text += f"\n      fix: {problem.hint}"
    return redactor.text(text)


def doctor_command(args: argparse.Namespace) -> int:
    """Print every problem found, grouped by step; exit with the most serious code."""
    from okrsync.config import load_config, missing_env
    from okrsync.log import Redactor
    from okrsync.sync import load_mappings

    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"config: {exc}")
        return int(ExitCode.CONFIG)
    print(f"config: ok ({config.path})")
    redactor = Redactor.from_env(config.secret_env_names(), os.environ)
    codes: list[ExitCode] = []
    sources = config.selected(args.source)

    missing = missing_env(config, os.environ, args.source)
    if missing:
        codes.append(ExitCode.CONFIG)
        print("credentials:")
        for message in missing:
            print(f"  [error] {message}")
    else:
        print("credentials: ok")

    try:
        mappings = load_mappings(config, sources)
        print("mappings: ok")
    except ConfigError as exc:
        codes.append(ExitCode.CONFIG)
        print(f"mappings: {exc}")
        mappings = {}

    codes.extend(_check_state(config))
    for src in sources:
        if src.name not in mappings or missing:
            print(f"source {src.name}: not checked (fix the problems above first)")
            continue
        codes.extend(_check_place(f"source {src.name}", src, mappings[src.name], redactor))
    if args.source is None:
        for dest in config.selected_destinations():
            label = f"destination {dest.name}"
            if missing:
                print(f"{label}: not checked (fix the problems above first)")
                continue
            codes.extend(_check_place(label, dest, None, redactor))
    worst_first = (ExitCode.AUTH, ExitCode.CONFIG, ExitCode.STATE, ExitCode.TRANSIENT)
    for code in worst_first:
        if code in codes:
            print("doctor: problems found; fix them and run doctor again")
            return int(code)
    if ExitCode.OK in codes:  # a source passed with warnings or notes
        print("doctor: no errors; the warnings above are worth a look")
    else:
        print("doctor: all checks passed")
    return int(ExitCode.OK)


def _check_state(config: Config) -> list[ExitCode]:
    from okrsync.state import StateStore

    try:
        with StateStore(config.state_path, readonly=True) as store:
            problems = store.problems()  # SQLite's integrity check and okrsync's schema check
    except StateError as exc:
        print(f"state store: [error] {exc}")
        return [ExitCode.STATE]
    if problems:
        print(f"state store: [error] {config.state_path} is unreadable:")
        for problem in problems:
            print(f"  - {problem}")
        print(
            f"  fix: move the file aside (e.g. mv {config.state_path} {config.state_path}.broken);"
            " the next run re-reads everything and finds its pages again by their markers"
        )
        return [ExitCode.STATE]
    where = config.state_path if config.state_path.exists() else f"{config.state_path} (new)"
    print(f"state store: ok ({where})")
    return []


def _check_place(
    name: str, src: SourceConfig | DestinationConfig, mapping: Any, redactor: Redactor
) -> list[ExitCode]:
    """Build the connector of a source (or of a review destination, with no mapping) and print
    what its check() finds: [] when clean, [OK] when only warnings or notes."""
    from okrsync.config import resolve_connector
    from okrsync.connector import ConnectorContext

    try:
        connector = resolve_connector(src.connector)(
            ConnectorContext(
                source=src.name,
                options=src.options,
                mapping=mapping,
                writeback=src.writeback,
                env=dict(os.environ),
                clock=lambda: datetime.now(UTC),
                sleep=time.sleep,
            )
        )
    except OkrsyncError as exc:
        print(f"{name}: [error] {redactor.text(str(exc))}")
        return [exc.exit_code]
    try:
        problems = connector.check()
    except AuthError as exc:
        print(f"{name}: [error] access refused: {redactor.text(str(exc))}")
        return [ExitCode.AUTH]
    except OkrsyncError as exc:
        print(f"{name}: [error] {redactor.text(str(exc))}")
        return [exc.exit_code]
    finally:
        connector.close()
    errors = [p for p in problems if p.severity == "error"]
    if not problems:
        print(f"{name}: ok")
        return []
    print(f"{name}: {len(errors)} error(s), {len(problems) - len(errors)} other(s)")
    for problem in problems:
        print(_line(src.name, problem, redactor), file=sys.stdout)
    if any(p.auth for p in errors):
        return [ExitCode.AUTH]  # a rejected credential, whatever else is wrong
    return [ExitCode.CONFIG] if errors else [ExitCode.OK]  # OK: passed, with notes
