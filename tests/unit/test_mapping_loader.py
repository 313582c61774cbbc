"""Loading mapping files: every problem at once, each with file:line, key path and fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from okrsync.errors import ConfigError, ExitCode
from okrsync.mapping import export_json_schema
from okrsync.mapping.loader import load_mapping, parse_mapping
from okrsync.mapping.schema import FieldSpec, Mapping

ROOT = Path(__file__).resolve().parents[2]
MAPPINGS = ROOT / "mappings"

GOOD = """\
version: 1
locale:
  decimal: ","
  day_first: true
collections:
  objectives:
    source: Objectives
    fields:
      title: Objective
      level:
        field: Level
        values: {Bereich: department, Firma: company}
        default: team
      owners: Owner
  key_results:
    source: Key Results
    where: {field: Type, equals: Key Result}
    fields:
      title: Key Result
      objective: Objective
      target: {field: Target, parse: percent}
      weight: {field: Weight, default: 1}
      confidence: {field: Confidence, parse: scale_10}
outputs:
  objectives: {score: Punkte, health: null}
"""


def write(tmp_path: Path, text: str, name: str = "okr.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(tmp_path: Path, text: str) -> list[str]:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_mapping(path)
    assert info.value.exit_code == ExitCode.CONFIG
    return info.value.problems


def test_a_good_file_loads_with_everything_it_says(tmp_path: Path) -> None:
    mapping = load_mapping(write(tmp_path, GOOD))
    assert mapping.locale.decimal == ","
    assert mapping.locale.day_first is True
    objectives = mapping.collections["objectives"]
    assert objectives.source == "Objectives"
    assert objectives.fields["title"] == FieldSpec(field="Objective")
    assert objectives.fields["level"].values == {"Bereich": "department", "Firma": "company"}
    assert objectives.fields["level"].default == "team"
    key_results = mapping.collections["key_results"]
    assert key_results.where is not None and key_results.where.equals == ("Key Result",)
    assert key_results.fields["target"].parse == "percent"
    assert mapping.output_map("objectives").score == "Punkte"
    assert mapping.output_map("objectives").health is None
    assert mapping.output_map("key_results").score == "Score"  # defaults when not given
    assert mapping.source_fields("key_results") == [
        "Key Result",
        "Objective",
        "Target",
        "Weight",
        "Confidence",
        "Type",
    ]


def test_unknown_canonical_field_names_line_path_and_suggestion(tmp_path: Path) -> None:
    text = GOOD.replace("      target: {field: Target", "      targt: {field: Target")
    problems = problems_of(tmp_path, text)
    assert len(problems) == 1
    assert problems[0].startswith(
        f"{tmp_path / 'okr.yaml'}:21 collections.key_results.fields.targt: not a canonical field"
        ' — did you mean "target"?'
    )


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = """\
version: 1
collections:
  objectives:
    sorce: Objectives
    fields:
      title: Objective
      ownr: Owner
      kind: {field: Type, parse: percentage}
  key_results:
    fields:
      title: Key Result
      start: {field: Start, parse: people}
      objective: {field: Objective, value: abc}
  okrs:
    fields: {title: X}
outputs:
  objectives:
    scor: Score
"""
    problems = problems_of(tmp_path, text)
    path = tmp_path / "okr.yaml"
    assert problems == [
        f'{path}:4 collections.objectives.sorce: unknown key — did you mean "source"? '
        "(allowed here: source, where, fields)",
        f"{path}:7 collections.objectives.fields.ownr: not a canonical field — did you mean "
        '"owners"? (one of: cycle, description, ignore_rules, kind, level, owners, parents, '
        "status, team, title)",
        f'{path}:8 collections.objectives.fields.kind.parse: "percentage" is not a parse mode '
        '— did you mean "percent"? (one of: auto, text, number, percent, fraction, bool, date, '
        "date_range, cycle, people, ids, list, suppressions, confidence, scale_10)",
        f'{path}:12 collections.key_results.fields.start.parse: "people" does not fit start (a '
        "number field); use one of: auto, number, percent, fraction",
        f"{path}:13 collections.key_results.fields.objective.value: give either `field` (read from "
        "the source) or `value` (a constant), not both",
        f"{path}:14 collections.okrs: not a collection (one of: objectives, key_results, cycles, "
        "people, check_ins)",
        f'{path}:18 outputs.objectives.scor: unknown key — did you mean "score"? (allowed here: '
        "score, health, warnings, last_synced, health_options)",
    ]


def test_missing_required_fields_and_collections(tmp_path: Path) -> None:
    text = """\
version: 1
collections:
  key_results:
    fields:
      target: Target
"""
    problems = problems_of(tmp_path, text)
    path = tmp_path / "okr.yaml"
    assert (
        f"{path}:2 collections: `objectives` is required; declare where objectives come from"
        in problems
    )
    assert (
        f"{path}:4 collections.key_results.fields: `title` is required; map the source field "
        "that holds it" in problems
    )
    assert any("`objective` is required" in p for p in problems)


def test_bad_version_and_missing_version(tmp_path: Path) -> None:
    body = "collections:\n  objectives:\n    fields: {title: T}\n"
    assert problems_of(tmp_path, "version: 2\n" + body) == [
        f"{tmp_path / 'okr.yaml'}:1 version: mapping version 2 is not supported; this okrsync "
        "reads version 1 (set `version: 1`)"
    ]
    assert problems_of(tmp_path, body) == [
        f"{tmp_path / 'okr.yaml'}:1 (top level): no `version`; start the file with `version: 1`"
    ]


def test_value_maps_and_constants_must_fit_the_canonical_field(tmp_path: Path) -> None:
    text = """\
version: 1
collections:
  objectives:
    fields:
      title: Objective
      level:
        field: Level
        values:
          Bereich: division-ish
      kind: {value: sometimes}
  key_results:
    fields:
      title: KR
      objective: Objective
      weight: {field: Weight, default: heavy}
      done: {field: Status, values: {Fertig: perhaps}}
"""
    problems = problems_of(tmp_path, text)
    path = tmp_path / "okr.yaml"
    assert problems == [
        f"{path}:9 collections.objectives.fields.level.values.Bereich: level cannot be "
        "'division-ish': expected one of company, department, team, individual",
        f"{path}:10 collections.objectives.fields.kind.value: kind cannot be 'sometimes': expected "
        "one of committed, aspirational",
        f"{path}:15 collections.key_results.fields.weight.default: weight cannot be 'heavy': "
        'expected a number (like 27, "27%", "$500K", "1.2M", "1,234.5" or "4.5 stars")',
        f"{path}:16 collections.key_results.fields.done.values.Fertig: done cannot be 'perhaps': "
        "expected yes or no (a checkbox, true/false, yes/no, ja/nein, x, ✓, 1/0)",
    ]


def test_wrong_types_are_explained(tmp_path: Path) -> None:
    text = """\
version: 1
collections:
  objectives:
    fields:
      title: 12
      owners: {parse: people}
    where: Type
"""
    problems = problems_of(tmp_path, text)
    path = tmp_path / "okr.yaml"
    assert problems == [
        f"{path}:5 collections.objectives.fields.title: expected the source field's name or a "
        "mapping with field/parse/values/default/value, not the value 12",
        f"{path}:6 collections.objectives.fields.owners: give `field` (the source field), "
        "`value` or `default`",
        f"{path}:7 collections.objectives.where: expected a mapping (key: value), "
        'not the text "Type"',
    ]


def test_bad_yaml_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "version: 1\ncollections:\n  objectives:\n    fields: [a\n  b: c\n")
    with pytest.raises(ConfigError) as info:
        load_mapping(path)
    assert str(info.value).startswith(f"{path}:5: not valid YAML")


def test_duplicate_keys_are_rejected_with_their_line(tmp_path: Path) -> None:
    path = write(tmp_path, "version: 1\nversion: 1\n")
    with pytest.raises(ConfigError, match=r"okr\.yaml:2: not valid YAML.*duplicate key"):
        load_mapping(path)


def test_empty_missing_and_non_mapping_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="the mapping file is empty"):
        load_mapping(write(tmp_path, "# only a comment\n"))
    with pytest.raises(ConfigError, match="does not exist") as info:
        load_mapping(tmp_path / "nope.yaml")
    assert "mapping infer" in info.value.hint
    with pytest.raises(ConfigError, match="must be a YAML mapping"):
        load_mapping(write(tmp_path, "- a\n- b\n"))
    with pytest.raises(ConfigError, match="is a directory"):
        load_mapping(tmp_path)
    with pytest.raises(ConfigError, match="not UTF-8"):
        (tmp_path / "latin1.yaml").write_bytes("title: Zielw\xe4rt\n".encode("latin-1"))
        load_mapping(tmp_path / "latin1.yaml")


def test_parse_mapping_names_its_source() -> None:
    with pytest.raises(ConfigError) as info:
        parse_mapping("version: 1\ncollections: {}\n", source="inline")
    assert info.value.problems == [
        "inline:2 collections: `objectives` is required; declare where objectives come from"
    ]


@pytest.mark.parametrize("name", ["notion-okr-template.yaml", "confluence-okr-pages.yaml"])
def test_the_shipped_mappings_load(name: str) -> None:
    mapping = load_mapping(MAPPINGS / name)
    assert "title" in mapping.collections["objectives"].fields
    assert "objective" in mapping.collections["key_results"].fields


def test_the_notion_template_reads_the_documented_properties() -> None:
    mapping = load_mapping(MAPPINGS / "notion-okr-template.yaml")
    assert mapping.connector == "notion"
    assert mapping.source_fields("objectives") == [
        "Objective",
        "Owner",
        "Team",
        "Level",
        "Quarter",
        "Type",
        "Aligned to",
        "Status",
        "Notes",
    ]
    assert set(mapping.source_fields("key_results")) == {
        "Key Result",
        "Objective",
        "Owner",
        "Kind",
        "Start Value",
        "Current Value",
        "Target Value",
        "Weight",
        "Unit",
        "Confidence",
        "Due",
        "Done",
        "Notes",
    }
    assert mapping.source_fields("cycles") == ["Name", "Dates"]


def test_the_committed_json_schema_is_up_to_date() -> None:
    committed = json.loads((MAPPINGS / "mapping.schema.json").read_text(encoding="utf-8"))
    assert committed == export_json_schema(), (
        "regenerate mappings/mapping.schema.json from okrsync.mapping.export_json_schema()"
    )


def test_json_schema_accepts_short_forms_and_rejects_unknown_keys() -> None:
    schema = export_json_schema()
    field_values = schema["$defs"]["CollectionMap"]["properties"]["fields"]["additionalProperties"]
    assert {"type": "string", "description": "Short form: the source field's name."} in (
        field_values["anyOf"]
    )
    assert schema["additionalProperties"] is False
    assert schema["$defs"]["FieldSpec"]["additionalProperties"] is False


def test_mapping_model_rejects_unknown_fields_without_the_loader() -> None:
    with pytest.raises(ValueError, match='did you mean "target"'):
        Mapping.model_validate(
            {
                "collections": {
                    "objectives": {"fields": {"title": "T"}},
                    "key_results": {"fields": {"title": "K", "objective": "O", "targt": "X"}},
                }
            }
        )


def test_anchored_booleans_and_tags_read_as_plain_values(tmp_path: Path) -> None:
    text = """\
version: 1
collections:
  objectives:
    fields:
      title: !custom Objective
  key_results:
    fields:
      title: KR
      objective: Objective
      done: {field: Status, values: {Fertig: &yes true, Offen: false, Geschlossen: *yes}}
"""
    mapping = load_mapping(write(tmp_path, text))
    assert mapping.collections["objectives"].fields["title"].field == "Objective"
    done = mapping.collections["key_results"].fields["done"].values
    assert done == {"Fertig": True, "Offen": False, "Geschlossen": True}
    assert all(type(v) is bool for v in done.values())


def test_outputs_must_not_overwrite_fields_that_are_read(tmp_path: Path) -> None:
    text = """\
version: 1
collections:
  objectives:
    fields:
      title: Objective
      status: Health
  key_results:
    fields:
      title: KR
      objective: Objective
      ignore_rules: {field: Notes}
outputs:
  key_results:
    warnings: Notes
"""
    problems = problems_of(tmp_path, text)
    path = tmp_path / "okr.yaml"
    assert problems == [
        f'{path}:6 collections.objectives.fields.status: "Health" is both read (as status) and '
        "written (as the health output); okrsync would overwrite your data — rename the output "
        "under outputs.objectives.health, or set it to null",
        f'{path}:14 outputs.key_results.warnings: "Notes" is both read (as ignore_rules) and '
        "written (as the warnings output); okrsync would overwrite your data — rename the output "
        "under outputs.key_results.warnings, or set it to null",
    ]


def test_an_output_set_to_null_may_share_a_name(tmp_path: Path) -> None:
    text = """\
version: 1
collections:
  objectives:
    fields: {title: Objective, status: Health}
outputs:
  objectives: {health: null}
"""
    mapping = load_mapping(write(tmp_path, text))
    assert mapping.output_map("objectives").health is None


def test_value_map_keys_that_differ_only_in_case_are_reported(tmp_path: Path) -> None:
    text = """\
version: 1
collections:
  objectives:
    fields:
      title: Objective
      level:
        field: Level
        values:
          Team: team
          " team ": department
"""
    assert problems_of(tmp_path, text) == [
        f'{tmp_path / "okr.yaml"}:10 collections.objectives.fields.level.values. team : " team " '
        'is the same option as "Team" (options are compared case-insensitively, spaces trimmed); '
        "keep one"
    ]
