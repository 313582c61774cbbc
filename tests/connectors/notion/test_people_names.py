"""People arrive with their names, even where Notion sends a partial user (id only).

Notion sends partial users (`{"object": "user", "id": ...}`, no name) in some property values,
for example to integrations that may not read user details; reviews must never show a raw
user id, so the reader names them from the users list, read once per run and only when a name
is missing. Runs the real notion-client against the sandbox.
"""

from __future__ import annotations

import copy

from okrsync_notion.client import NotionApi
from okrsync_notion.options import NotionOptions
from okrsync_notion.reader import Reader, Resolver

from okrsync.mapping.schema import Mapping
from okrsync.sandbox import SeedResult
from okrsync_sandbox.kit.clock import ManualClock
from okrsync_sandbox.notion import NotionSandbox

from .conftest import TOKEN
from .pipeline import small_workspace


def _reader(
    sandbox: NotionSandbox, mapping: Mapping, clock: ManualClock
) -> tuple[NotionApi, Reader]:
    """The real client and reader on a freshly seeded sandbox."""
    seeded: SeedResult = sandbox.seed(small_workspace())
    options = NotionOptions(
        base_url=sandbox.base_url,
        requests_per_second=1000.0,
        databases=seeded.options["databases"],
    )
    api = NotionApi(options, TOKEN, clock=clock.now, sleep=clock.sleep)
    return api, Reader(api, Resolver(api, options, mapping), mapping)


def test_partial_users_are_named_from_the_users_list_once(
    sandbox: NotionSandbox, template_mapping: Mapping, clock: ManualClock
) -> None:
    api, reader = _reader(sandbox, template_mapping, clock)
    pages = [p for p in sandbox.store.pages.values() if p.get("parent", {}).get("data_source_id")]
    full = [api.retrieve_page(str(p["id"])) for p in pages[:3]]
    owned = [p for p in full if (p["properties"].get("Owner") or {}).get("people")]
    assert owned, "the seeded objectives have owners"
    names = {str(u["id"]): str(u["name"]) for u in api.list_users() if u.get("name")}

    sandbox.reset_log()
    for page in owned:
        partial = copy.deepcopy(page)
        people = partial["properties"]["Owner"]["people"]
        partial["properties"]["Owner"]["people"] = [
            {"object": "user", "id": u["id"]} for u in people
        ]
        fields = reader.fields_of(partial)
        assert [p["name"] for p in fields["Owner"]] == [names[u["id"]] for u in people]
        assert fields["Owner"] == reader.fields_of(page)["Owner"]
    assert sandbox.stats()["by_endpoint"].get("GET /v1/users") == 1  # read once per run


def test_a_user_nobody_knows_stays_nameless_never_an_id(
    sandbox: NotionSandbox, template_mapping: Mapping, clock: ManualClock
) -> None:
    _, reader = _reader(sandbox, template_mapping, clock)
    page = {
        "id": "p",
        "properties": {
            "Owner": {
                "id": "o",
                "type": "people",
                "people": [{"object": "user", "id": "not-in-this-workspace"}],
            }
        },
    }
    (owner,) = reader.fields_of(page)["Owner"]
    assert owner == {"id": "not-in-this-workspace", "name": "", "email": None}
