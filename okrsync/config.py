"""okrsync.toml: the operator's config file, validated in full before any network call.

`load_config(path)` reads the TOML, checks every key (unknown keys, types, https base URLs,
credentials only by environment-variable name, mapping files that exist, each connector's own
options model when it exposes one) and raises one `ConfigError` listing every problem with the
file, the key and the fix. The result is a frozen `Config` with absolute paths, which the sync
engine, the daemon and the CLI share. `export_config_schema()` gives the JSON Schema of the file.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
import tomllib
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from platformdirs import user_state_dir
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from okrsync.connector import ConnectorFactory, Writeback, load_connector, options_model_of
from okrsync.errors import ConfigError
from okrsync.evaluation import ScoringSettings
from okrsync.http.urls import is_loopback as is_loopback
from okrsync.http.urls import url_problem
from okrsync.i18n import SOURCE_LANGUAGE, UnknownLanguage, check_language
from okrsync.input_files import check_tree, parse_guard, read_input
from okrsync.model import Frozen
from okrsync.notify.settings import NotifySettings
from okrsync.redaction import remember

DEFAULT_INTERVAL_SECONDS = 900
MAX_SCHEDULE_SECONDS = 366 * 86_400
"""The daemon's next run must be within a year; anything longer is a typo (and overflows)."""
MAX_SCHEDULE_GAP = timedelta(seconds=MAX_SCHEDULE_SECONDS)
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
SECRET_LOOKING = re.compile(r"^(secret_|ntn_|Bearer\s|Basic\s|ATATT|xox[bp]-|ghp_)", re.IGNORECASE)
SECRET_KEY_WORDS = ("token", "secret", "password", "passwd", "api_key", "apikey", "credential")
URL_KEYS = ("url", "base_url")


def _usable_path(value: str) -> str:
    if "\x00" in value:
        raise ValueError("a path cannot hold a NUL character")
    if not value.strip():
        raise ValueError("the path is empty")
    return value


FilePath = Annotated[str, AfterValidator(_usable_path)]
"""A path written in the config: text the file system can take."""


def _known_language(value: str) -> str:
    try:
        return check_language(value)
    except UnknownLanguage as exc:
        raise ValueError(str(exc)) from None


Language = Annotated[str, AfterValidator(_known_language)]
"""A language okrsync has a catalogue for ("en", "de"; "de-AT" reads as "de")."""
LANGUAGE_DESCRIPTION = (
    "The language of what okrsync writes for people here (review pages, OKR outputs, "
    "finding messages): en or de. Default: the top-level `language`, else en."
)


class ScheduleSettings(Frozen):
    """When the daemon runs: every `interval` seconds or on a `cron` expression."""

    interval: int | None = Field(
        default=None, gt=0, le=MAX_SCHEDULE_SECONDS, description="Seconds between runs."
    )
    cron: str | None = Field(default=None, description="A 5-field cron expression (UTC).")
    jitter: float = Field(
        default=0.0, ge=0, le=86_400, description="Random delay added, up to N seconds (1 day)."
    )
    backoff_initial: float = Field(
        default=60.0,
        gt=0,
        le=MAX_SCHEDULE_SECONDS,
        description="Delay after the first failed run, in seconds.",
    )
    backoff_max: float = Field(
        default=3600.0,
        gt=0,
        le=MAX_SCHEDULE_SECONDS,
        description="Cap of the exponential backoff, in seconds.",
    )

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str | None) -> str | None:
        if value is None:
            return value
        from croniter import croniter

        if not croniter.is_valid(value):
            raise ValueError(f"{value!r} is not a valid cron expression (e.g. '*/15 * * * *')")
        return value

    @model_validator(mode="after")
    def _one_of(self) -> ScheduleSettings:
        if self.interval is not None and self.cron is not None:
            raise ValueError("give either `interval` or `cron`, not both")
        if self.cron is not None:
            from croniter import CroniterBadDateError, croniter

            now = datetime.now(UTC)
            try:
                upcoming = croniter(self.cron, now).get_next(datetime)
            except (CroniterBadDateError, ValueError, OverflowError):
                upcoming = None
            if upcoming is None or upcoming - now > MAX_SCHEDULE_GAP:
                raise ValueError(
                    f"cron {self.cron!r} never runs within a year (e.g. a day that does not "
                    "exist, like 31 February); give a schedule that runs"
                )
        return self

    @property
    def every(self) -> int:
        """The interval in seconds when no cron expression is set."""
        return self.interval or DEFAULT_INTERVAL_SECONDS


class LoggingSettings(Frozen):
    level: Literal["debug", "info", "warning", "error"] = "info"
    format: Literal["auto", "json", "console"] = Field(
        default="auto", description="auto: console on a terminal, JSON lines otherwise."
    )


class MetricsSettings(Frozen):
    port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description="Serve /healthz and /metrics on 127.0.0.1:port (daemon only); off if unset.",
    )


class SourceFile(Frozen):
    """One `[sources.<name>]` table (or `[[sources]]` entry with `name`)."""

    connector: str = Field(
        description="Installed connector name (notion, confluence) or 'package.module:factory'."
    )
    options: dict[str, Any] = Field(
        default={},
        description="Connector options. Credentials only by env var name: keys ending in _env.",
    )
    mapping: FilePath = Field(description="Mapping file, relative to this config file.")
    writeback: Writeback = Writeback()
    enabled: bool = True
    full_refresh_hours: float = Field(
        default=24.0, gt=0, description="Re-read everything this often, even when incremental."
    )
    language: Language | None = Field(default=None, description=LANGUAGE_DESCRIPTION)


class NamedSourceFile(SourceFile):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class DestinationFile(Frozen):
    """One `[destinations.<name>]` table: a place the organisation's reviews are published to,
    independent of where the OKRs are read (a Confluence space and parent page, a Notion
    parent page)."""

    connector: str = Field(description="Installed connector name (notion, confluence).")
    options: dict[str, Any] = Field(
        default={},
        description="Connector options naming the place: Confluence url, space, review_parent; "
        "Notion review_parent. Credentials only by env var name: keys ending in _env.",
    )
    enabled: bool = True
    per_team: bool = Field(default=False, description="Also a review page per team and cycle.")
    review_title: str = Field(default="OKR Review {cycle}", description="{cycle}, {team}.")
    team_review_title: str = "OKR Review {cycle} - {team}"
    language: Language | None = Field(default=None, description=LANGUAGE_DESCRIPTION)


class OrganisationSettings(Frozen):
    """How the sources of one config relate."""

    combine: bool = Field(
        default=True,
        description="All enabled sources form one organisation: one workspace for scoring, "
        "alignment, rules and reviews. false: each source is reviewed on its own, as separate "
        "organisations (unrelated workspaces synced from one config); destinations need true.",
    )


class ConfigFile(Frozen):
    """The shape of okrsync.toml, as written by people (and as its JSON Schema shows)."""

    sources: dict[str, SourceFile] | list[NamedSourceFile]
    language: Language = Field(
        default=SOURCE_LANGUAGE,
        description="The language okrsync writes in (en, de) wherever a source, destination "
        "or person does not set its own.",
    )
    destinations: dict[str, DestinationFile] = Field(
        default={}, description="Where the organisation's review pages are published."
    )
    organisation: OrganisationSettings = OrganisationSettings()
    scoring: ScoringSettings = ScoringSettings()
    rules: dict[str, Any] = Field(default={}, description="Rule selection and thresholds.")
    state_path: FilePath | None = Field(
        default=None,
        description="SQLite state file, relative to this file; default: the user state dir.",
    )
    schedule: ScheduleSettings = ScheduleSettings()
    logging: LoggingSettings = LoggingSettings()
    metrics: MetricsSettings = MetricsSettings()
    notify: NotifySettings | None = Field(
        default=None, description="Notifications: channels, routing, schedule (optional)."
    )


class SourceConfig(Frozen):
    """A source after resolution: its name, absolute mapping path, and raw options."""

    name: str
    connector: str
    options: dict[str, Any] = {}
    mapping: Path
    writeback: Writeback = Writeback()
    enabled: bool = True
    full_refresh_hours: float = 24.0
    language: str = SOURCE_LANGUAGE
    """What this source's pages are written in: its own `language`, else the config's."""

    def env_names(self) -> list[str]:
        """Environment variables this source reads its credentials from."""
        return env_names(self.options)


class DestinationConfig(Frozen):
    """A review destination after resolution; it writes review pages only, never outputs."""

    name: str
    connector: str
    options: dict[str, Any] = {}
    writeback: Writeback = Writeback(pages=False)
    enabled: bool = True
    language: str = SOURCE_LANGUAGE
    """What this destination's review pages are written in: its own `language`, else the
    config's."""

    def env_names(self) -> list[str]:
        """Environment variables this destination reads its credentials from."""
        return env_names(self.options)


class Config(BaseModel):
    """The validated config the engine runs on."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    path: Path
    sources: tuple[SourceConfig, ...]
    destinations: tuple[DestinationConfig, ...] = ()
    language: str = SOURCE_LANGUAGE
    """The config's own `language` (sources and destinations already carry theirs)."""
    organisation: OrganisationSettings = OrganisationSettings()
    scoring: ScoringSettings = ScoringSettings()
    rules: Any = Field(default=None, description="okrsync.rules.RuleSettings (or a dict).")
    state_path: Path
    schedule: ScheduleSettings = ScheduleSettings()
    logging: LoggingSettings = LoggingSettings()
    metrics: MetricsSettings = MetricsSettings()
    notify: NotifySettings | None = None

    def source(self, name: str) -> SourceConfig:
        """The source called `name`, or a ConfigError listing the configured ones."""
        for src in self.sources:
            if src.name == name:
                return src
        known = ", ".join(s.name for s in self.sources)
        raise ConfigError(
            f"{self.path}: no source named {name!r} (configured: {known})",
            hint="pass one of the configured source names to --source",
        )

    def selected(self, name: str | None = None) -> list[SourceConfig]:
        """The sources a run covers: the named one, or every enabled one."""
        if name is not None:
            return [self.source(name)]
        return [s for s in self.sources if s.enabled]

    def selected_destinations(self) -> list[DestinationConfig]:
        """The review destinations a run publishes to."""
        return [d for d in self.destinations if d.enabled]

    def secret_env_names(self) -> list[str]:
        """Every environment variable named by a *_env option, for log redaction."""
        names = {n for s in self.sources for n in s.env_names()}
        names.update(n for d in self.destinations for n in d.env_names())
        if self.notify is not None:
            names.update(self.notify.env_names())
        return sorted(names)


def env_names(options: Mapping[str, Any]) -> list[str]:
    """Values of every `*_env` option, recursively: the variables holding credentials."""
    found: list[str] = []
    for key, value in options.items():
        if isinstance(value, Mapping):
            found.extend(env_names(value))
        elif str(key).endswith("_env") and isinstance(value, str):
            found.append(value)
    return found


def default_state_path() -> Path:
    """Where the state store lives when the config does not say."""
    return Path(user_state_dir("okrsync")) / "state.db"


def missing_env(config: Config, env: Mapping[str, str], source: str | None = None) -> list[str]:
    """One message per credential variable that is named in the config but not set."""
    problems = []
    writers = [(f"sources.{s.name}", s.env_names()) for s in config.selected(source)]
    writers += [(f"destinations.{d.name}", d.env_names()) for d in config.selected_destinations()]
    for key, names in writers:
        for name in names:
            if not env.get(name):
                problems.append(
                    f"{key}: environment variable {name} is not set "
                    f"(fix: export {name}=... before running okrsync)"
                )
    return problems


def load_config(path: Path | str) -> Config:
    """Read and validate okrsync.toml; raise one ConfigError listing every problem."""
    path = Path(path).expanduser().absolute()
    raw_text = read_input(
        path,
        "config file",
        missing_hint="create one with `okrsync init`, or pass the right path to --config",
    )
    try:
        with parse_guard(path, "config file"):
            data = tomllib.loads(raw_text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{path}: not valid TOML: {exc}", hint="fix the syntax at the line shown"
        ) from None
    check_tree(data, path, "config file")
    config = parse_config(data, path)
    # The credentials this config names are secrets from now on, for every output.
    remember(os.environ[n] for n in config.secret_env_names() if os.environ.get(n))
    return config


def parse_config(data: dict[str, Any], path: Path) -> Config:
    """Validate parsed TOML `data` from `path` (used by load_config and by tests)."""
    problems: list[str] = []
    base = path.parent
    file: ConfigFile | None = None
    try:
        file = ConfigFile.model_validate({**data, "sources": {}, "destinations": {}})
    except ValidationError as exc:
        problems.extend(_pydantic_problems(exc))
    language = file.language if file is not None else SOURCE_LANGUAGE
    sources = _resolve_sources(data.get("sources"), base, problems, language)
    destinations = _resolve_destinations(data.get("destinations"), sources, problems, language)
    rules = _validate_rules(data.get("rules", {}), problems)
    if file is not None and destinations and not file.organisation.combine:
        problems.append(
            "destinations: need organisation.combine = true (the review they publish is the "
            "organisation's; fix: remove `combine = false` or the destinations)"
        )
    if not problems:
        from okrsync.collisions import config_collisions

        problems.extend(config_collisions(sources, destinations))
    if problems or file is None:
        raise ConfigError(f"{path}: invalid config", problems=problems, hint=_HINT)
    state_path = _resolve_path(file.state_path, base) if file.state_path else default_state_path()
    return Config(
        path=path,
        sources=tuple(sources),
        destinations=tuple(destinations),
        language=file.language,
        organisation=file.organisation,
        scoring=file.scoring,
        rules=rules,
        state_path=state_path,
        schedule=file.schedule,
        logging=file.logging,
        metrics=file.metrics,
        notify=file.notify,
    )


_HINT = "correct the keys listed above; `okrsync schema config` prints every allowed key"


def _resolve_path(value: str, base: Path) -> Path:
    p = Path(value).expanduser()
    return p if p.is_absolute() else (base / p)


def _source_entries(raw: Any, problems: list[str]) -> list[tuple[str, Any]]:
    """(name, table) pairs from `[sources.<name>]` tables or a `[[sources]]` list."""
    if isinstance(raw, dict):
        return list(raw.items())
    if isinstance(raw, list):
        entries = []
        for i, item in enumerate(raw):
            name = item.get("name") if isinstance(item, dict) else None
            if not isinstance(name, str) or not name:
                problems.append(f"sources[{i}].name: required key is missing (fix: add it)")
                name = f"#{i + 1}"
            entries.append((name, item))
        return entries
    if raw is None:
        problems.append("sources: no source configured (fix: add a [sources.<name>] table)")
    else:
        problems.append("sources: must be tables [sources.<name>] or a [[sources]] list")
    return []


def _resolve_sources(
    raw: Any, base: Path, problems: list[str], language: str = SOURCE_LANGUAGE
) -> list[SourceConfig]:
    entries = _source_entries(raw, problems)
    if isinstance(raw, dict | list) and not entries:
        problems.append("sources: no source configured (fix: add a [sources.<name>] table)")
    seen: set[str] = set()
    resolved = []
    for name, table in entries:
        key = f"sources.{name}"
        if name in seen:
            problems.append(f"{key}: the name {name!r} is used twice (fix: rename one)")
        seen.add(name)
        if not isinstance(table, dict):
            problems.append(f"{key}: must be a table with connector, mapping and options")
            continue
        if isinstance(table.get("options"), dict):
            problems.extend(check_options(f"{key}.options", table["options"]))
        model = NamedSourceFile if isinstance(raw, list) else SourceFile
        try:
            src = model.model_validate(table)
        except ValidationError as exc:
            problems.extend(_pydantic_problems(exc, prefix=key))
            continue
        mapping = _resolve_path(src.mapping, base)
        try:
            mapping_found = mapping.is_file()
        except OSError as exc:  # a name too long for the file system, a loop of links
            problems.append(f"{key}.mapping: {exc.strerror} (fix: give a shorter, real path)")
            continue
        if not mapping_found:
            problems.append(
                f"{key}.mapping: file {mapping} not found (fix: the path is relative to the "
                "config file; `okrsync init` writes a mapping template)"
            )
        problems.extend(_check_connector_options(key, src.connector, src.options))
        resolved.append(
            SourceConfig(
                name=name,
                connector=src.connector,
                options=src.options,
                mapping=mapping,
                writeback=src.writeback,
                enabled=src.enabled,
                full_refresh_hours=src.full_refresh_hours,
                language=src.language or language,
            )
        )
    return resolved


def _resolve_destinations(
    raw: Any, sources: list[SourceConfig], problems: list[str], language: str = SOURCE_LANGUAGE
) -> list[DestinationConfig]:
    """`[destinations.<name>]` tables, validated like sources' (options, connector, names)."""
    if raw is None:
        return []
    if not isinstance(raw, dict):
        problems.append("destinations: must be tables [destinations.<name>]")
        return []
    names = {s.name for s in sources}
    resolved = []
    for name, table in raw.items():
        key = f"destinations.{name}"
        if name in names:
            problems.append(f"{key}: a source is called {name!r} too (fix: rename one)")
        if not isinstance(table, dict):
            problems.append(f"{key}: must be a table with connector and options")
            continue
        if isinstance(table.get("options"), dict):
            problems.extend(check_options(f"{key}.options", table["options"]))
        try:
            dest = DestinationFile.model_validate(table)
        except ValidationError as exc:
            problems.extend(_pydantic_problems(exc, prefix=key))
            continue
        problems.extend(_check_connector_options(key, dest.connector, dest.options))
        resolved.append(
            DestinationConfig(
                name=name,
                connector=dest.connector,
                options=dest.options,
                writeback=Writeback(
                    pages=False,
                    reviews=True,
                    per_team=dest.per_team,
                    review_title=dest.review_title,
                    team_review_title=dest.team_review_title,
                ),
                enabled=dest.enabled,
                language=dest.language or language,
            )
        )
    return resolved


def check_options(prefix: str, options: Mapping[str, Any]) -> list[str]:
    """Refuse http base URLs (except loopback) and credentials written into the file."""
    problems: list[str] = []
    for key, value in options.items():
        where = f"{prefix}.{key}"
        if isinstance(value, Mapping):
            problems.extend(check_options(where, value))
            continue
        lowered = str(key).lower()
        if lowered.endswith("_env"):
            if not isinstance(value, str) or not ENV_NAME.match(value):
                problems.append(
                    f"{where}: must be the NAME of an environment variable, like "
                    '"NOTION_TOKEN" (fix: put the secret in that variable, not in the file)'
                )
            continue
        if isinstance(value, str) and (
            any(word in lowered for word in SECRET_KEY_WORDS) or SECRET_LOOKING.match(value)
        ):
            problems.append(
                f"{where}: looks like a credential written into the config file (fix: remove "
                f'it, export it as an environment variable and set {key}_env = "VARIABLE")'
            )
            continue
        if (lowered in URL_KEYS or lowered.endswith("_url")) and isinstance(value, str):
            problem = check_url(value)
            if problem:
                problems.append(f"{where}: {problem}")
    return problems


def check_url(url: str) -> str | None:
    """Why `url` is not acceptable as a base URL, or None (see okrsync.http.urls)."""
    return url_problem(url)


def _check_connector_options(key: str, connector: str, options: dict[str, Any]) -> list[str]:
    """Validate options with the connector's own `options_model`, when it has one."""
    try:
        factory = resolve_connector(connector)
    except ConfigError as exc:
        return [f"{key}.connector: {exc.message} (fix: {exc.hint})"]
    model = options_model_of(factory)
    if model is None:
        return []
    try:
        model.model_validate(options)
    except ValidationError as exc:
        return _pydantic_problems(exc, prefix=f"{key}.options")
    return []


CONNECTOR_SPEC = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*$")


def resolve_connector(spec: str) -> ConnectorFactory:
    """An installed connector by name, or a factory given as 'package.module:function'.

    A factory must be a function defined in that module, outside the standard library: a
    config must not be able to make okrsync call `os:getcwd` or `shutil:rmtree`.
    """
    if ":" not in spec:
        return load_connector(spec)
    module_name, _, attr = spec.partition(":")
    if not CONNECTOR_SPEC.match(spec) or module_name.split(".")[0] in sys.stdlib_module_names:
        raise ConfigError(
            f"{spec!r} is not a connector",
            hint="use an installed connector name (notion, confluence) or "
            "'package.module:factory' naming a connector package's factory",
        )
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(
            f"cannot import connector module {module_name!r} ({exc})",
            hint="install the package that provides it, or use an installed connector name",
        ) from None
    factory = getattr(module, attr, None)
    home = str(getattr(factory, "__module__", ""))
    if not callable(factory) or not (home == module_name or home.startswith(f"{module_name}.")):
        raise ConfigError(
            f"{spec!r}: {module_name} has no callable {attr!r}",
            hint="name the connector factory as 'package.module:function'",
        )
    return factory  # type: ignore[no-any-return]


def _validate_rules(raw: Any, problems: list[str]) -> Any:
    """`[rules]` validated by okrsync.rules.RuleSettings when that model exists."""
    try:
        module = importlib.import_module("okrsync.rules")
    except ImportError:
        return raw
    model = getattr(module, "RuleSettings", None)
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return raw
    try:
        return model.model_validate(raw if isinstance(raw, dict) else {})
    except ValidationError as exc:
        problems.extend(_pydantic_problems(exc, prefix="rules"))
        return None


def _pydantic_problems(exc: ValidationError, prefix: str = "") -> list[str]:
    """One line per pydantic error: the dotted key, what is wrong, and how to fix it."""
    problems = []
    for err in exc.errors(include_url=False):
        loc = [str(p) for p in err["loc"]]
        # Union branches add their type names to the location; keep only real keys.
        loc = [p for p in loc if not p.startswith(("dict[", "list[")) and p != "function-after"]
        key = ".".join([prefix, *loc] if prefix else loc) or "(top level)"
        kind = err["type"]
        if kind == "extra_forbidden":
            fix = "remove it or check its spelling"
            msg = "unknown key"
        elif kind == "missing":
            fix = "add it"
            msg = "required key is missing"
        else:
            fix = "see `okrsync schema config` for the allowed values"
            msg = err["msg"]
        problems.append(f"{key}: {msg} (fix: {fix})")
    return list(dict.fromkeys(problems))


def export_config_schema() -> dict[str, Any]:
    """JSON Schema of okrsync.toml, for `okrsync schema config` and editors."""
    schema = ConfigFile.model_json_schema()
    schema["title"] = "okrsync.toml"
    try:
        module = importlib.import_module("okrsync.rules")
        model = getattr(module, "RuleSettings", None)
        if isinstance(model, type) and issubclass(model, BaseModel):
            schema.setdefault("properties", {})["rules"] = model.model_json_schema()
    except ImportError:
        pass
    return schema
