"""mapping infer on real-world layouts gives the expected drafts (golden files).

- The mixed Confluence wiki (issue 11) in the sandbox, over real HTTP: the majority layout,
  every variant with its page count, the German page's keys as aliases, the meeting notes
  named as not objectives, the locale note.
- A German Notion schema that already has its output properties (Bewertung, Gesundheit,
  Hinweise, Zuletzt synchronisiert; a Status select with health options): they are mapped,
  not duplicated.

When a draft changes on purpose, regenerate the golden file with the command in the failure
message and review the diff.
"""

from __future__ import annotations

from pathlib import Path

from okrsync_confluence.connector import ConfluenceConnector

from okrsync.cli.mapping_cmd import placeholder_mapping, read_schema_json
from okrsync.connector import ConnectorContext, FieldInfo, SourceSchema
from okrsync.mapping.apply import apply_mapping
from okrsync.mapping.infer import infer_mapping, missing_outputs
from okrsync.mapping.loader import parse_mapping
from okrsync_sandbox.confluence import ConfluenceSandbox
from okrsync_sandbox.confluence.mixed_wiki import seed_mixed_wiki
from tests.connectors.confluence.test_mixed_wiki import pull

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def _same_as_golden(draft: str, name: str, regenerate: str) -> None:
    expected = (GOLDEN / name).read_text(encoding="utf-8")
    assert draft == expected, (
        f"the draft differs from tests/golden/{name}; if on purpose: {regenerate}"
    )


def test_infer_on_the_mixed_wiki() -> None:
    sandbox = ConfluenceSandbox()
    sandbox.start()
    try:
        seed = seed_mixed_wiki(sandbox)
        connector = ConfluenceConnector(
            ConnectorContext(
                source="wiki",
                options=seed.options,
                mapping=placeholder_mapping(),
                env=dict(seed.env),
                sleep=lambda _s: None,
            )
        )
        try:
            draft = infer_mapping(connector.describe())
        finally:
            connector.close()
        _same_as_golden(
            draft,
            "infer-mixed-wiki.yaml",
            "write infer_mapping(describe()) of the seeded mixed wiki to the file",
        )
        # The draft is usable as is: it reads all 13 objectives and skips the meeting notes.
        result = apply_mapping(parse_mapping(draft), pull(seed), connector="confluence")
        assert len(result.workspace.objectives) == 13
        assert [f.code for f in result.findings] == ["DATA009"], [
            f.message for f in result.findings
        ]
    finally:
        sandbox.stop()


def test_infer_on_a_german_notion_schema_with_german_outputs() -> None:
    schema = read_schema_json(GOLDEN / "notion-german-schema.json")
    draft = infer_mapping(schema)
    _same_as_golden(
        draft,
        "infer-notion-german.yaml",
        "okrsync mapping infer --schema-json tests/golden/notion-german-schema.json "
        "> tests/golden/infer-notion-german.yaml",
    )
    mapping = parse_mapping(draft)
    assert missing_outputs(mapping, schema) == [("key_results", "Last synced", "date")]
    # The Gesundheit select keeps its own options: okrsync writes "Im Plan", not "On track".
    health = mapping.output_map("objectives")
    assert health.health_option("on_track") == "Im Plan"
    assert health.health_option("red") == "Verfehlt"
    assert health.health_option("yellow", miss=True) == "Verfehlt", "a committed miss is red"
    assert health.health_option("not_started") is None, "no option fits: okrsync's own label"


def test_confluence_outputs_never_take_a_key_the_pages_read() -> None:
    schema = SourceSchema(
        connector="confluence",
        collections={
            "objectives": (
                FieldInfo(name="Owner", type="user", pages=5),
                FieldInfo(name="Health", type="status", options=("Green",), pages=5),
                FieldInfo(name="Score", type="okrsync_output"),
                FieldInfo(name="@title", type="title"),
            )
        },
    )
    mapping = parse_mapping(infer_mapping(schema))
    outputs = mapping.output_map("objectives")
    assert outputs.score == "Score", "okrsync's own output key is kept"
    assert outputs.health == "Health (okrsync)", "the pages' own Health key stays theirs"
    assert "Health" not in mapping.source_fields("objectives")


def test_the_majority_key_wins_even_when_a_minority_page_comes_first() -> None:
    def f(name: str, type_: str, pages: int | None) -> FieldInfo:
        return FieldInfo(name=name, type=type_, pages=pages)

    schema = SourceSchema(
        connector="confluence",
        collections={
            "objectives": (
                f("Verantwortlich", "user", 1),
                f("Quartal", "text", 1),
                f("Owner", "user", 12),
                f("Quarter", "text", 12),
                FieldInfo(name="@title", type="title"),
            ),
            "key_results": (
                f("Schlüsselergebnis", "text", 1),
                f("Zielwert", "text", 1),
                f("Key Result", "title", 12),
                f("Target", "text", 12),
                FieldInfo(name="@page", type="relation", target="objectives"),
            ),
        },
        sampled={"objectives": 13},
        decimal_marks={",": 9, ".": 2},
    )
    draft = infer_mapping(schema)
    mapping = parse_mapping(draft)
    objectives = mapping.collections["objectives"].fields
    assert objectives["owners"].names == ("Owner", "Verantwortlich")
    assert objectives["cycle"].names == ("Quarter", "Quartal")
    key_results = mapping.collections["key_results"].fields
    assert key_results["title"].names == ("Key Result", "Schlüsselergebnis")
    assert key_results["target"].names == ("Target", "Zielwert")
    assert mapping.locale.decimal == ",", "most pages write decimals with a comma"
    assert "# 2 pages write decimals with a point" in draft
