"""okrsync.toml validation: every problem at once, naming the file, the key and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from okrsync.config import (
    check_url,
    export_config_schema,
    load_config,
    missing_env,
)
from okrsync.errors import ConfigError

GOOD = """
state_path = "state/okrsync.db"

[sources.team]
connector = "notion"
mapping = "mapping.yaml"
options = { token_env = "NOTION_TOKEN", base_url = "http://127.0.0.1:8765" }

[scoring]
aspirational_bar = 0.6

[schedule]
cron = "*/15 * * * *"
jitter = 30
"""


def write(tmp_path: Path, text: str, *, mapping: bool = True) -> Path:
    if mapping:
        (tmp_path / "mapping.yaml").write_text("version: 1\n")
    path = tmp_path / "okrsync.toml"
    path.write_text(text)
    return path


def test_good_config_resolves_paths_relative_to_the_file(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD))
    src = config.source("team")
    assert src.mapping == tmp_path / "mapping.yaml"
    assert config.state_path == tmp_path / "state" / "okrsync.db"
    assert config.scoring.aspirational_bar == 0.6
    assert config.schedule.cron == "*/15 * * * *"
    assert config.secret_env_names() == ["NOTION_TOKEN"]
    assert [s.name for s in config.selected()] == ["team"]


def test_array_of_tables_form_is_accepted(tmp_path: Path) -> None:
    text = """
[[sources]]
name = "okrs"
connector = "confluence"
mapping = "mapping.yaml"
[sources.options]
url = "https://example.atlassian.net/wiki"
token_env = "CONF_TOKEN"
username_env = "CONF_USER"
"""
    config = load_config(write(tmp_path, text))
    assert config.source("okrs").connector == "confluence"


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = """
colour = "blue"

[sources.team]
connector = "notion"
mapping = "missing.yaml"
options = { token = "secret_abcdef123456", base_url = "http://notion.example.com" }

[schedule]
interval = -5
"""
    path = write(tmp_path, text, mapping=False)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    problems = err.value.problems
    text_out = str(err.value)
    assert str(path) in text_out
    assert any(p.startswith("colour: unknown key") for p in problems)
    assert any("sources.team.options.token:" in p and "token_env" in p for p in problems)
    assert any("sources.team.options.base_url:" in p and "https" in p for p in problems)
    assert any("sources.team.mapping:" in p and "missing.yaml" in p for p in problems)
    assert any(p.startswith("schedule.interval") for p in problems)
    # the literal token itself never appears in the error
    assert "secret_abcdef123456" not in text_out


def test_unknown_connector_names_the_installed_ones(tmp_path: Path) -> None:
    text = GOOD.replace('connector = "notion"', 'connector = "jira"')
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text))
    assert any("sources.team.connector" in p and "notion" in p for p in err.value.problems)


def test_missing_file_and_bad_toml_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path / "nope.toml")
    assert "nope.toml" in str(err.value) and "okrsync init" in str(err.value)
    bad = tmp_path / "bad.toml"
    bad.write_text("[sources\n")
    with pytest.raises(ConfigError) as err2:
        load_config(bad)
    assert "bad.toml" in str(err2.value) and "line 1" in str(err2.value)


def test_env_names_must_be_variable_names(tmp_path: Path) -> None:
    text = GOOD.replace('token_env = "NOTION_TOKEN"', 'token_env = "ntn_123 456"')
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text))
    assert any("sources.team.options.token_env" in p for p in err.value.problems)


def test_interval_and_cron_together_is_an_error(tmp_path: Path) -> None:
    text = GOOD.replace('cron = "*/15 * * * *"', 'cron = "*/15 * * * *"\ninterval = 60')
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text))
    assert any("schedule" in p and "not both" in p for p in err.value.problems)


def test_bad_cron_expression(tmp_path: Path) -> None:
    text = GOOD.replace('cron = "*/15 * * * *"', 'cron = "every tuesday"')
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text))
    assert any("schedule.cron" in p for p in err.value.problems)


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://api.notion.com", True),
        ("http://127.0.0.1:9000", True),
        ("http://127.5.0.1:9000", True),
        ("http://localhost:9000", True),
        ("http://[::1]:9000", True),
        ("http://10.0.0.1", False),
        ("http://example.com", False),
        ("ftp://example.com", False),
        ("https://", False),
    ],
)
def test_url_policy(url: str, ok: bool) -> None:
    assert (check_url(url) is None) is ok


def test_missing_env_lists_unset_variables(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD))
    assert missing_env(config, {"NOTION_TOKEN": "x"}) == []
    problems = missing_env(config, {})
    assert len(problems) == 1 and "NOTION_TOKEN" in problems[0]


def test_unknown_source_name(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD))
    with pytest.raises(ConfigError) as err:
        config.source("other")
    assert "team" in str(err.value)


def test_schema_lists_the_sections() -> None:
    schema = export_config_schema()
    props = schema["properties"]
    assert {"sources", "scoring", "schedule", "logging", "metrics", "state_path"} <= set(props)


def test_connector_options_model_is_applied(tmp_path: Path) -> None:
    text = """
[sources.wiki]
connector = "confluence"
mapping = "mapping.yaml"
options = { url = "https://example.atlassian.net/wiki", token_env = "CONF_TOKEN", colour = 1 }
"""
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text))
    assert any(p.startswith("sources.wiki.options") for p in err.value.problems)
    assert any("colour" in p for p in err.value.problems)


def test_notion_options_are_checked_when_the_config_loads(tmp_path: Path) -> None:
    text = """
[sources.okrs]
connector = "notion"
mapping = "mapping.yaml"
options = { token_env = "NOTION_TOKEN", requests_per_second = -2, databses = {} }
"""
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text))
    problems = " ".join(err.value.problems)
    assert "sources.okrs.options" in problems
    assert "requests_per_second" in problems and "databses" in problems
