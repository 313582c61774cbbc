"""The emulated Notion workspace: users, databases, data sources, pages and blocks in memory.

The store holds plain JSON-able records (so `to_json`/`load_json` are trivial) and renders them
into Notion's response shapes. Timestamps are kept at full precision and served rounded down to
the minute, as Notion serves them. Every public method takes the store's lock, so the threaded
HTTP server and a test editing "as a human" can use one store at once.

The public methods are also the test API: `create_database`, `create_data_source`,
`create_page`, `update_page` (a human edit by default), `trash_page`, `append_children`.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Concatenate, Final, ParamSpec, TypeVar

from ..kit.clock import Clock, moment, system_clock
from .blocks import BlockSpec, normalize_children
from .properties import (
    ValueContext,
    empty_value,
    find_property,
    make_schema_property,
    read_value,
    schema_entry_error,
    write_value,
)
from .shapes import (
    JSON,
    IdFactory,
    milli_time,
    minute_time,
    normalize_id,
    normalize_rich_text,
    not_found,
    parse_time,
    plain_text,
    rich_text_item,
    user_ref,
    validation_error,
)
from .uploads import FileUploads

STATE_FORMAT: Final = 1

_P = ParamSpec("_P")
_R = TypeVar("_R")


def _mutates(
    method: Callable[Concatenate[NotionStore, _P], _R],
) -> Callable[Concatenate[NotionStore, _P], _R]:
    """A public method that may change what a query answers: it moves `revision` on (once it
    is done), so an answer kept for the next pages of a query is not used past it."""

    @functools.wraps(method)
    def changed(store: NotionStore, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return method(store, *args, **kwargs)
        finally:
            store.revision += 1

    return changed


def _slug(title: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", title).strip("-")


class NotionStore(ValueContext):
    """An in-memory Notion workspace with an injectable clock and seeded ids."""

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        seed: int | None = None,
        workspace_name: str = "okrsync sandbox",
    ) -> None:
        self.ids = IdFactory(seed)
        self.clock: Clock = clock or system_clock
        self.lock = threading.RLock()
        self.workspace_name = workspace_name
        self.workspace_id = self.ids.uuid()
        self.users: dict[str, JSON] = {}
        self.databases: dict[str, JSON] = {}
        self.data_sources: dict[str, JSON] = {}
        self.pages: dict[str, JSON] = {}
        self.blocks: dict[str, JSON] = {}
        self.children: dict[str, list[str]] = {}
        self.hidden: set[str] = set()
        self.revision = 0
        """Moved on by every public method that may change what a query answers."""
        self.query_orders: dict[tuple[Any, ...], list[str]] = {}
        """The order of a query's matching pages at a revision, for its next pages (routes)."""
        self.uploads = FileUploads(self.moment, self.new_id)
        self.bot_id = self.create_user(workspace_name, bot=True)
        self.human_id = self.create_user("Sandbox Editor", email="editor@sandbox.invalid")

    # ----------------------------------------------------------------- time and users

    def new_id(self) -> str:
        """A fresh object id, never one already in the workspace (even after `load_json`)."""
        while True:
            candidate = self.ids.uuid()
            if not any(
                candidate in table
                for table in (
                    self.users,
                    self.databases,
                    self.data_sources,
                    self.pages,
                    self.blocks,
                    self.uploads.records,
                )
            ):
                return candidate

    def moment(self) -> datetime:
        """The current time of the emulator's clock, as an aware UTC datetime."""
        return moment(self.clock)

    def now(self) -> str:
        """The current time at full precision, as stored."""
        return self.moment().isoformat()

    def create_user(self, name: str, *, email: str | None = None, bot: bool = False) -> str:
        """Add a workspace member (or the integration's bot) and return its id."""
        with self.lock:
            user_id = self.new_id()
            self.users[user_id] = {
                "id": user_id,
                "name": name,
                "type": "bot" if bot else "person",
                "email": email,
                "avatar_url": None,
            }
            return user_id

    def user_object(self, user_id: str, *, listing: bool = False) -> JSON | None:
        """A full user object as pages (or, with `listing`, the users endpoints) show it."""
        user = self.users.get(user_id)
        if user is None:
            return None
        out: JSON = {
            "object": "user",
            "id": user["id"],
            "name": user["name"],
            "avatar_url": user["avatar_url"],
            "type": user["type"],
        }
        if user["type"] == "bot":
            out["bot"] = {
                "owner": {"type": "workspace", "workspace": True},
                "workspace_name": self.workspace_name,
                "workspace_id": self.workspace_id,
                "workspace_limits": {"max_file_upload_size_in_bytes": 5242880},
            }
        else:
            person: JSON = {"email": user["email"]}
            if listing:
                person["email_verified"] = True
            out["person"] = person
        return out

    # ----------------------------------------------------------------- lookups

    def page_exists(self, page_id: str) -> bool:
        return (
            page_id in self.pages and not self.pages[page_id]["in_trash"] and self.visible(page_id)
        )

    def page_source(self, page_id: str) -> str | None:
        parent = self.pages[page_id]["parent"] if page_id in self.pages else {}
        source = parent.get("data_source_id")
        return str(source) if source else None

    def visible(self, object_id: str) -> bool:
        """Whether the integration can see an object (see `unshare`)."""
        if object_id in self.hidden:
            return False
        page = self.pages.get(object_id)
        if page is not None and page["parent"]["type"] == "data_source_id":
            return self.visible(page["parent"]["data_source_id"])
        source = self.data_sources.get(object_id)
        if source is not None:
            return source["database_id"] not in self.hidden
        return True

    @_mutates
    def unshare(self, object_id: str) -> None:
        """Take a page, database or data source away from the integration: Notion then answers
        404 object_not_found for it (and for the pages of an unshared database)."""
        with self.lock:
            self.hidden.add(normalize_id(object_id))

    @_mutates
    def share(self, object_id: str) -> None:
        with self.lock:
            self.hidden.discard(normalize_id(object_id))

    def get_page(self, page_id: str) -> JSON:
        normalized = normalize_id(page_id)
        page = self.pages.get(normalized)
        if page is None or not self.visible(normalized):
            raise not_found("page", page_id)
        return page

    def get_database(self, database_id: str) -> JSON:
        normalized = normalize_id(database_id)
        database = self.databases.get(normalized)
        if database is None or not self.visible(normalized):
            raise not_found("database", database_id)
        return database

    def get_data_source(self, data_source_id: str) -> JSON:
        normalized = normalize_id(data_source_id)
        source = self.data_sources.get(normalized)
        if source is None or not self.visible(normalized):
            raise not_found("data_source", data_source_id)
        return source

    def get_block(self, block_id: str) -> JSON:
        block = self.blocks.get(normalize_id(block_id))
        if block is None:
            raise not_found("block", block_id)
        return block

    def schema_of(self, page: JSON) -> dict[str, JSON]:
        """The schema a page's properties follow (a bare `title` for pages under pages)."""
        parent = page["parent"]
        if parent["type"] == "data_source_id":
            schema: dict[str, JSON] = self.data_sources[parent["data_source_id"]]["properties"]
            return schema
        return {"title": {"id": "title", "name": "title", "type": "title", "title": {}}}

    def rollup_source(self, page_id: str, property_id: str) -> JSON | None:
        page = self.pages.get(page_id)
        if page is None:
            return None
        schema = self.schema_of(page)
        prop = find_property(schema, property_id)
        if prop is None or prop["type"] == "rollup":
            return None
        return self._render_value(page, schema, prop, truncate=True)

    # ----------------------------------------------------------------- databases and sources

    def _data_source_database(self, data_source_id: str) -> str:
        source = self.data_sources.get(normalize_id(data_source_id))
        if source is None:
            raise validation_error(f"Relation target data source {data_source_id} does not exist.")
        return str(source["database_id"])

    @_mutates
    def create_database(
        self,
        title: str,
        *,
        properties: JSON | None = None,
        parent_page_id: str | None = None,
        data_source_title: str | None = None,
        is_inline: bool = False,
    ) -> tuple[str, str]:
        """Create a database with its first data source; returns (database id, data source id).

        `properties` is the schema in request form (`{"Score": {"number": {}}}`); a title
        property `Name` is added when none is given, as Notion does.
        """
        with self.lock:
            if parent_page_id is not None:
                parent_page_id = self.get_page(parent_page_id)["id"]
            database_id = self.new_id()
            now = self.now()
            self.databases[database_id] = {
                "id": database_id,
                "title": title,
                "description": "",
                "parent": (
                    {"type": "page_id", "page_id": parent_page_id}
                    if parent_page_id
                    else {"type": "workspace", "workspace": True}
                ),
                "is_inline": is_inline,
                "in_trash": False,
                "is_locked": False,
                "created_time": now,
                "last_edited_time": now,
                "data_sources": [],
                "icon": None,
                "cover": None,
            }
            if parent_page_id:
                self._add_block_record(database_id, parent_page_id, "child_database", {}, None)
            source_id = self.create_data_source(
                database_id, data_source_title or title, properties=properties
            )
            return database_id, source_id

    @_mutates
    def create_data_source(
        self, database_id: str, title: str, *, properties: JSON | None = None
    ) -> str:
        """Add a data source to a database (Notion 2025-09-03 allows several per database)."""
        with self.lock:
            database = self.get_database(database_id)
            source_id = self.new_id()
            now = self.now()
            self.data_sources[source_id] = {
                "id": source_id,
                "database_id": database["id"],
                "title": title,
                "description": "",
                "properties": {},
                "created_time": now,
                "last_edited_time": now,
                "created_by": self.bot_id,
                "last_edited_by": self.bot_id,
                "in_trash": False,
                "icon": None,
                "cover": None,
                "next_unique_number": 1,
            }
            database["data_sources"].append(source_id)
            requested = dict(properties or {})
            if not any(
                isinstance(v, dict) and "title" in (v.get("type"), *v.keys())
                for v in requested.values()
            ):
                requested = {"Name": {"title": {}}, **requested}
            self.update_data_source(source_id, properties=requested)
            return source_id

    @_mutates
    def update_data_source(
        self,
        data_source_id: str,
        *,
        properties: JSON | None = None,
        title: str | None = None,
        in_trash: bool | None = None,
    ) -> JSON:
        """Add, rename, retype or remove (value None) schema properties; rename the source."""
        with self.lock:
            source = self.get_data_source(data_source_id)
            schema: dict[str, JSON] = source["properties"]
            for key, raw in (properties or {}).items():
                existing = find_property(schema, key)
                if raw is None:
                    if existing is None:
                        raise schema_entry_error(key)
                    if existing["type"] == "title":
                        raise validation_error("Cannot delete the title property.")
                    del schema[existing["name"]]
                    continue
                if not isinstance(raw, dict):
                    raise validation_error(
                        f"body failed validation: properties.{key} should be an object."
                    )
                new_name = str(raw.get("name") or (existing["name"] if existing else key))
                typed = {k: v for k, v in raw.items() if k not in ("name", "description")}
                if existing is not None and not typed:
                    self._rename_property(source, existing, new_name)
                    continue
                if (
                    existing is not None
                    and existing["type"] == "title"
                    and (typed.get("type", next(iter(typed))) != "title")
                ):
                    raise validation_error("The title property cannot change its type.")
                prop = make_schema_property(
                    self.ids,
                    new_name,
                    raw,
                    property_id=existing["id"] if existing else None,
                    relation_target=self._data_source_database,
                )
                if existing is not None and existing["type"] == prop["type"] == "relation":
                    prop["relation"] = existing["relation"]
                if existing is not None:
                    del schema[existing["name"]]
                elif prop["type"] == "title" and any(p["type"] == "title" for p in schema.values()):
                    raise validation_error("A data source can have only one title property.")
                if new_name in schema:
                    raise validation_error(f"A property named {new_name!r} already exists.")
                schema[new_name] = prop
                if prop["type"] == "relation" and existing is None:
                    self._link_dual(source, prop)
            if title is not None:
                source["title"] = title
            if in_trash is not None:
                source["in_trash"] = in_trash
            source["last_edited_time"] = self.now()
            return source

    def _rename_property(self, source: JSON, prop: JSON, new_name: str) -> None:
        schema: dict[str, JSON] = source["properties"]
        if new_name == prop["name"]:
            return
        if new_name in schema:
            raise validation_error(f"A property named {new_name!r} already exists.")
        del schema[prop["name"]]
        prop["name"] = new_name
        schema[new_name] = prop
        relation = prop.get("relation") if prop["type"] == "relation" else None
        if relation and relation["type"] == "dual_property":
            partner = self.data_sources.get(relation["data_source_id"])
            synced_id = relation["dual_property"].get("synced_property_id")
            if partner is not None and synced_id is not None:
                other = find_property(partner["properties"], synced_id)
                if other is not None:
                    other["relation"]["dual_property"]["synced_property_name"] = new_name

    def _link_dual(self, source: JSON, prop: JSON) -> None:
        """Create the partner property of a new dual relation in the target data source."""
        relation = prop["relation"]
        if relation["type"] != "dual_property":
            return
        target = self.data_sources[relation["data_source_id"]]
        wanted = relation["dual_property"].get("synced_property_name") or (
            f"Related to {source['title']} ({prop['name']})"
        )
        if target["id"] == source["id"] and wanted == prop["name"]:
            wanted = f"{wanted} (back)"
        if wanted in target["properties"]:
            raise validation_error(f"A property named {wanted!r} already exists in the target.")
        partner_id = self.ids.property_id()
        target["properties"][wanted] = {
            "id": partner_id,
            "name": wanted,
            "description": None,
            "type": "relation",
            "relation": {
                "database_id": source["database_id"],
                "data_source_id": source["id"],
                "type": "dual_property",
                "dual_property": {
                    "synced_property_name": prop["name"],
                    "synced_property_id": prop["id"],
                },
            },
        }
        relation["dual_property"] = {
            "synced_property_name": wanted,
            "synced_property_id": partner_id,
        }

    @_mutates
    def update_database(
        self, database_id: str, *, title: str | None = None, in_trash: bool | None = None
    ) -> JSON:
        with self.lock:
            database = self.get_database(database_id)
            if title is not None:
                database["title"] = title
            if in_trash is not None:
                database["in_trash"] = in_trash
            database["last_edited_time"] = self.now()
            return database

    # ----------------------------------------------------------------- pages

    @_mutates
    def create_page(
        self,
        parent: JSON,
        properties: JSON | None = None,
        *,
        children: list[Any] | None = None,
        by: str | None = None,
        icon: JSON | None = None,
    ) -> str:
        """Create a page in a data source (`{"data_source_id": ...}`, or `{"database_id": ...}`
        of a one-source database) or under a page (`{"page_id": ...}`); returns its id.

        `properties` and `children` are in request form and validated like the API does.
        """
        with self.lock:
            author = by or self.bot_id
            specs = normalize_children(children) if children else []
            self._resolve_block_mentions(specs)
            stored_parent = self._resolve_parent(parent)
            now = self.now()
            page_id = self.new_id()
            page: JSON = {
                "id": page_id,
                "parent": stored_parent,
                "properties": {},
                "created_time": now,
                "last_edited_time": now,
                "created_by": author,
                "last_edited_by": author,
                "in_trash": False,
                "is_locked": False,
                "icon": icon,
                "cover": None,
            }
            if stored_parent["type"] == "data_source_id":
                source = self.data_sources[stored_parent["data_source_id"]]
                page["unique_number"] = source["next_unique_number"]
                source["next_unique_number"] += 1
            changes = self._validate_properties(page, properties or {})
            self.pages[page_id] = page
            self._apply_properties(page, changes, author, now)
            if stored_parent["type"] == "page_id":
                self._add_block_record(page_id, stored_parent["page_id"], "child_page", {}, author)
            self.children.setdefault(page_id, [])
            if specs:
                self._insert_blocks(page_id, specs, author, after=None)
            return page_id

    def _resolve_parent(self, parent: JSON) -> JSON:
        if not isinstance(parent, dict):
            raise validation_error("body failed validation: body.parent should be an object.")
        if parent.get("data_source_id"):
            source = self.get_data_source(str(parent["data_source_id"]))
            return {
                "type": "data_source_id",
                "data_source_id": source["id"],
                "database_id": source["database_id"],
            }
        if parent.get("database_id"):
            database = self.get_database(str(parent["database_id"]))
            if len(database["data_sources"]) != 1:
                raise validation_error(
                    "Database has multiple data sources: use parent.data_source_id."
                )
            return self._resolve_parent({"data_source_id": database["data_sources"][0]})
        if parent.get("page_id"):
            page = self.get_page(str(parent["page_id"]))
            return {"type": "page_id", "page_id": page["id"]}
        if parent.get("workspace"):
            return {"type": "workspace", "workspace": True}
        raise validation_error("body failed validation: body.parent should be defined.")

    def _validate_properties(self, page: JSON, properties: JSON) -> list[tuple[JSON, Any]]:
        """Check every property of a write before changing anything (all or nothing)."""
        if not isinstance(properties, dict):
            raise validation_error("body failed validation: body.properties should be an object.")
        schema = self.schema_of(page)
        changes: list[tuple[JSON, Any]] = []
        for key, raw in properties.items():
            prop = find_property(schema, key)
            if prop is None:
                raise schema_entry_error(key)
            value = write_value(self, prop, raw, f"body.properties.{key}")
            if prop["type"] in ("title", "rich_text"):
                self.resolve_mentions(value)
            changes.append((prop, value))
        return changes

    def resolve_mentions(self, items: list[JSON]) -> None:
        """Fill in `plain_text` and `href` of user, page and date mentions, as Notion does;
        a mention of an unknown user or page is a 400."""
        for item in items:
            if item.get("type") != "mention":
                continue
            mention = item["mention"]
            kind = mention.get("type") or next(iter(mention), None)
            target = mention.get(kind) if isinstance(kind, str) else None
            if kind == "user" and isinstance(target, dict):
                user = self.user_object(normalize_id(str(target.get("id"))))
                if user is None:
                    raise validation_error(f"Mentioned user {target.get('id')} does not exist.")
                item["mention"] = {"type": "user", "user": user}
                item["plain_text"] = f"@{user['name']}"
            elif kind == "page" and isinstance(target, dict):
                page_id = normalize_id(str(target.get("id")))
                if not self.page_exists(page_id):
                    raise validation_error(f"Mentioned page {target.get('id')} does not exist.")
                page = self.pages[page_id]
                item["mention"] = {"type": "page", "page": {"id": page_id}}
                item["plain_text"] = self.title_of(page) or "Untitled"
                item["href"] = self.page_url(page)
            elif kind == "date" and isinstance(target, dict):
                item["mention"] = {"type": "date", "date": {"end": None, **target}}
                item["plain_text"] = str(target.get("start", ""))
            else:
                raise validation_error(f"Unsupported mention type {kind!r}.")

    def _apply_properties(
        self, page: JSON, changes: list[tuple[JSON, Any]], author: str, now: str
    ) -> None:
        for prop, value in changes:
            before = page["properties"].get(prop["id"], [])
            page["properties"][prop["id"]] = value
            relation = prop.get("relation") if prop["type"] == "relation" else None
            if relation and relation["type"] == "dual_property":
                self._sync_dual(page["id"], relation, set(before), set(value), author, now)

    def _sync_dual(
        self, page_id: str, relation: JSON, before: set[str], after: set[str], author: str, now: str
    ) -> None:
        partner_id = relation["dual_property"].get("synced_property_id")
        if partner_id is None:
            return
        for other_id in before ^ after:
            other = self.pages.get(other_id)
            if other is None:
                continue
            refs: list[str] = list(other["properties"].get(partner_id, []))
            if other_id in after and page_id not in refs:
                refs.append(page_id)
            elif other_id not in after and page_id in refs:
                refs.remove(page_id)
            other["properties"][partner_id] = refs
            other["last_edited_time"] = now
            other["last_edited_by"] = author

    @_mutates
    def update_page(
        self,
        page_id: str,
        properties: JSON | None = None,
        *,
        by: str | None = None,
        in_trash: bool | None = None,
        icon: JSON | None = None,
        set_icon: bool = False,
    ) -> JSON:
        """Change a page's properties; by default as a person ("human edit"), which bumps
        last_edited_time and last_edited_by. The HTTP API passes the bot as `by`."""
        with self.lock:
            page = self.get_page(page_id)
            author = by or self.human_id
            if page["in_trash"] and in_trash is not False and properties:
                raise validation_error(
                    "Can't edit block that is archived. "
                    "You must unarchive the block before editing."
                )
            changes = self._validate_properties(page, properties or {})
            now = self.now()
            self._apply_properties(page, changes, author, now)
            if in_trash is not None:
                page["in_trash"] = in_trash
                block = self.blocks.get(page["id"])
                if block is not None:
                    block["in_trash"] = in_trash
            if set_icon:
                page["icon"] = icon
            page["last_edited_time"] = now
            page["last_edited_by"] = author
            return page

    @_mutates
    def set_computed(self, page_id: str, property_key: str, value: JSON) -> None:
        """Fix the result of a formula (or override a rollup) on one page, e.g.
        `{"type": "number", "number": 3}`: the emulator does not evaluate formula expressions."""
        with self.lock:
            page = self.get_page(page_id)
            prop = find_property(self.schema_of(page), property_key)
            if prop is None or prop["type"] not in ("formula", "rollup"):
                raise schema_entry_error(property_key)
            page["properties"][prop["id"]] = value

    @_mutates
    def trash_page(self, page_id: str, *, by: str | None = None) -> JSON:
        """Move a page to the trash (queries stop returning it)."""
        return self.update_page(page_id, by=by, in_trash=True)

    # ----------------------------------------------------------------- blocks

    def _add_block_record(
        self, block_id: str, parent_id: str, kind: str, content: JSON, author: str | None
    ) -> JSON:
        now = self.now()
        parent_type = "page_id" if parent_id in self.pages else "block_id"
        record: JSON = {
            "id": block_id,
            "parent": {"type": parent_type, parent_type: parent_id},
            "type": kind,
            "content": content,
            "created_time": now,
            "last_edited_time": now,
            "created_by": author or self.bot_id,
            "last_edited_by": author or self.bot_id,
            "in_trash": False,
        }
        self.blocks[block_id] = record
        self.children.setdefault(parent_id, []).append(block_id)
        return record

    def _resolve_block_mentions(self, specs: list[BlockSpec]) -> None:
        """Resolve mentions in validated blocks before any is stored (all or nothing)."""
        for spec in specs:
            for items in [spec.content.get("rich_text", []), *spec.content.get("cells", [])]:
                self.resolve_mentions(items)
            self._resolve_block_mentions(spec.children)

    def _image_uploads(self, specs: list[BlockSpec], where: str) -> list[JSON]:
        """Check every image block's file upload (before anything is stored, so a request with
        one unusable upload attaches none); returns the images' stored contents."""
        images: list[JSON] = []
        for index, spec in enumerate(specs):
            if spec.type == "image":
                spec.content = self.uploads.image_content(spec.content, f"{where}[{index}].image")
                images.append(spec.content)
            images += self._image_uploads(spec.children, f"{where}[{index}].children")
        return images

    def _insert_blocks(
        self, parent_id: str, specs: list[BlockSpec], author: str, after: str | None
    ) -> list[str]:
        siblings = self.children.setdefault(parent_id, [])
        position = len(siblings)
        if after is not None:
            after_id = normalize_id(after)
            if after_id not in siblings:
                raise validation_error(f"Block {after} is not a child of {parent_id}.")
            position = siblings.index(after_id) + 1
        created: list[str] = []
        for spec in specs:
            block_id = self.new_id()
            self._add_block_record(block_id, parent_id, spec.type, spec.content, author)
            siblings.pop()  # _add_block_record appended it; place it where it belongs
            siblings.insert(position, block_id)
            position += 1
            self.children[block_id] = []
            if spec.children:
                self._insert_blocks(block_id, spec.children, author, after=None)
            created.append(block_id)
        return created

    def _touch_container(self, container_id: str, author: str) -> None:
        now = self.now()
        target = self.pages.get(container_id) or self.blocks.get(container_id)
        if target is not None:
            target["last_edited_time"] = now
            target["last_edited_by"] = author
        block = self.blocks.get(container_id)
        if block is not None and block["parent"]["type"] == "page_id":
            page = self.pages.get(block["parent"]["page_id"])
            if page is not None:
                page["last_edited_time"] = now
                page["last_edited_by"] = author

    @_mutates
    def append_children(
        self,
        parent_id: str,
        children: list[Any],
        *,
        after: str | None = None,
        by: str | None = None,
    ) -> list[str]:
        """Append blocks (request form) to a page or block; returns the new top-level ids."""
        with self.lock:
            container = normalize_id(parent_id)
            if container in self.pages:
                if self.pages[container]["in_trash"]:
                    raise validation_error("Can't edit block that is archived.")
            else:
                block = self.get_block(parent_id)
                if block["in_trash"]:
                    raise validation_error("Can't edit block that is archived.")
            specs = normalize_children(children)
            self._resolve_block_mentions(specs)
            images = self._image_uploads(specs, "body.children")
            author = by or self.bot_id
            created = self._insert_blocks(container, specs, author, after)
            self.uploads.mark_attached(images)
            self._touch_container(container, author)
            return created

    @_mutates
    def delete_block(self, block_id: str, *, by: str | None = None) -> JSON:
        """Move a block (or a page, through its block) to the trash."""
        with self.lock:
            normalized = normalize_id(block_id)
            if normalized in self.pages and normalized not in self.blocks:
                self.trash_page(normalized, by=by or self.bot_id)
                return self.page_as_block(normalized)
            block = self.get_block(block_id)
            author = by or self.bot_id
            block["in_trash"] = True
            block["last_edited_by"] = author
            if block["type"] == "child_page" and block["id"] in self.pages:
                self.pages[block["id"]]["in_trash"] = True
                self.pages[block["id"]]["last_edited_time"] = self.now()
            if block["type"] == "child_database" and block["id"] in self.databases:
                self.databases[block["id"]]["in_trash"] = True
            parent = block["parent"]
            self._touch_container(str(parent[parent["type"]]), author)
            return self.block_object(block["id"])

    @_mutates
    def update_block(self, block_id: str, body: JSON, *, by: str | None = None) -> JSON:
        """Change a block's content or restore it (`archived`/`in_trash` false)."""
        with self.lock:
            block = self.get_block(block_id)
            author = by or self.bot_id
            for flag in ("in_trash", "archived"):
                if isinstance(body.get(flag), bool):
                    block["in_trash"] = body[flag]
            kind = block["type"]
            if block["in_trash"] and isinstance(body.get(kind), dict):
                raise validation_error("Can't edit block that is archived.")
            if kind == "image" and isinstance(body.get(kind), dict):
                block["content"] = self.uploads.image_content(body[kind], "body.image")
                self.uploads.mark_attached([block["content"]])
            elif isinstance(body.get(kind), dict):
                given = body[kind]
                if "rich_text" in given:
                    block["content"]["rich_text"] = normalize_rich_text(
                        given["rich_text"], f"body.{kind}.rich_text"
                    )
                if kind == "table_row" and isinstance(given.get("cells"), list):
                    if len(given["cells"]) != len(block["content"].get("cells") or []):
                        raise validation_error(
                            "body failed validation: the number of cells must match the table"
                        )
                    block["content"]["cells"] = [
                        normalize_rich_text(cell, f"body.table_row.cells[{i}]")
                        for i, cell in enumerate(given["cells"])
                    ]
                for key, value in given.items():
                    if key not in ("rich_text", "children", "cells"):
                        block["content"][key] = value
            block["last_edited_time"] = self.now()
            block["last_edited_by"] = author
            return self.block_object(block["id"])

    def live_children(self, container_id: str) -> list[str]:
        """Ids of the children of a page or block that are not in the trash, in order."""
        return [
            child
            for child in self.children.get(normalize_id(container_id), [])
            if child in self.blocks and not self.blocks[child]["in_trash"]
        ]

    # ----------------------------------------------------------------- rendering

    def _render_value(
        self, page: JSON, schema: dict[str, JSON], prop: JSON, *, truncate: bool
    ) -> JSON:
        stored = page["properties"].get(prop["id"], empty_value(prop["type"]))
        return read_value(
            self,
            prop,
            stored,
            page=page,
            schema=schema,
            render_time=lambda text: minute_time(parse_time(text)),
            truncate=truncate,
        )

    def property_value(self, page: JSON, schema: dict[str, JSON], prop: JSON) -> JSON:
        """One property of a page with every reference (no 25 cut), for filters and sorts."""
        return self._render_value(page, schema, prop, truncate=False)

    def page_properties(
        self, page: JSON, *, only: Iterable[str] | None = None, truncate: bool = True
    ) -> JSON:
        """The `properties` of a page object; `only` limits them (names or ids)."""
        schema = self.schema_of(page)
        wanted: set[str] | None = None
        if only is not None:
            wanted = set()
            for key in only:
                prop = find_property(schema, key)
                if prop is None:
                    raise validation_error(
                        f"filter_properties: {key} is not a property that exists."
                    )
                wanted.add(prop["id"])
        return {
            name: self._render_value(page, schema, prop, truncate=truncate)
            for name, prop in schema.items()
            if wanted is None or prop["id"] in wanted
        }

    def title_of(self, page: JSON) -> str:
        schema = self.schema_of(page)
        for prop in schema.values():
            if prop["type"] == "title":
                return plain_text(page["properties"].get(prop["id"], []))
        return ""

    def page_url(self, page: JSON) -> str:
        slug = _slug(self.title_of(page))
        compact = page["id"].replace("-", "")
        return f"https://www.notion.so/{slug + '-' if slug else ''}{compact}"

    def page_object(self, page_id: str, *, only: Iterable[str] | None = None) -> JSON:
        """A page as GET /v1/pages/{id} returns it (25-reference truncation included)."""
        page = self.get_page(page_id)
        return {
            "object": "page",
            "id": page["id"],
            "created_time": minute_time(parse_time(page["created_time"])),
            "last_edited_time": minute_time(parse_time(page["last_edited_time"])),
            "created_by": user_ref(page["created_by"]),
            "last_edited_by": user_ref(page["last_edited_by"]),
            "cover": page["cover"],
            "icon": page["icon"],
            "parent": dict(page["parent"]),
            "in_trash": page["in_trash"],
            "is_archived": page["in_trash"],
            "is_locked": page["is_locked"],
            "properties": self.page_properties(page, only=only),
            "url": self.page_url(page),
            "public_url": None,
            "archived": page["in_trash"],
        }

    def database_object(self, database_id: str) -> JSON:
        database = self.get_database(database_id)
        return {
            "object": "database",
            "id": database["id"],
            "title": [rich_text_item(database["title"])],
            "description": [rich_text_item(database["description"])]
            if database["description"]
            else [],
            "parent": dict(database["parent"]),
            "is_inline": database["is_inline"],
            "in_trash": database["in_trash"],
            "is_locked": database["is_locked"],
            "created_time": milli_time(parse_time(database["created_time"])),
            "last_edited_time": milli_time(parse_time(database["last_edited_time"])),
            "data_sources": [
                {"id": sid, "name": self.data_sources[sid]["title"]}
                for sid in database["data_sources"]
            ],
            "icon": database["icon"],
            "cover": database["cover"],
            "url": f"https://www.notion.so/{database['id'].replace('-', '')}",
            "public_url": None,
            "archived": database["in_trash"],
        }

    def data_source_object(self, data_source_id: str) -> JSON:
        source = self.get_data_source(data_source_id)
        database = self.databases[source["database_id"]]
        return {
            "object": "data_source",
            "id": source["id"],
            "cover": source["cover"],
            "icon": source["icon"],
            "created_time": minute_time(parse_time(source["created_time"])),
            "created_by": user_ref(source["created_by"]),
            "last_edited_by": user_ref(source["last_edited_by"]),
            "last_edited_time": minute_time(parse_time(source["last_edited_time"])),
            "title": [rich_text_item(source["title"])],
            "description": [rich_text_item(source["description"])] if source["description"] else [],
            "is_inline": database["is_inline"],
            "properties": {name: _schema_view(prop) for name, prop in source["properties"].items()},
            "parent": {"type": "database_id", "database_id": database["id"]},
            "database_parent": dict(database["parent"]),
            "url": f"https://www.notion.so/{database['id'].replace('-', '')}",
            "public_url": None,
            "in_trash": source["in_trash"],
            "archived": source["in_trash"],
        }

    def block_object(self, block_id: str) -> JSON:
        normalized = normalize_id(block_id)
        if normalized not in self.blocks and normalized in self.pages:
            return self.page_as_block(normalized)
        block = self.get_block(block_id)
        kind = block["type"]
        content: JSON
        if kind == "child_page":
            content = {"title": self.title_of(self.pages[block["id"]])}
        elif kind == "child_database":
            content = {"title": self.databases[block["id"]]["title"]}
        elif kind == "image":
            content = self.uploads.image_view(block["content"])
        else:
            content = block["content"]
        return {
            "object": "block",
            "id": block["id"],
            "parent": dict(block["parent"]),
            "created_time": minute_time(parse_time(block["created_time"])),
            "last_edited_time": minute_time(parse_time(block["last_edited_time"])),
            "created_by": user_ref(block["created_by"]),
            "last_edited_by": user_ref(block["last_edited_by"]),
            "has_children": bool(self.live_children(block["id"])),
            "in_trash": block["in_trash"],
            "type": kind,
            kind: content,
            "archived": block["in_trash"],
        }

    def page_as_block(self, page_id: str) -> JSON:
        """A data-source page seen through the blocks endpoints (a child_page block)."""
        page = self.pages[page_id]
        return {
            "object": "block",
            "id": page["id"],
            "parent": dict(page["parent"]),
            "created_time": minute_time(parse_time(page["created_time"])),
            "last_edited_time": minute_time(parse_time(page["last_edited_time"])),
            "created_by": user_ref(page["created_by"]),
            "last_edited_by": user_ref(page["last_edited_by"]),
            "has_children": bool(self.live_children(page["id"])),
            "in_trash": page["in_trash"],
            "type": "child_page",
            "child_page": {"title": self.title_of(page)},
            "archived": page["in_trash"],
        }

    def property_item_value(self, page_id: str, property_key: str) -> tuple[JSON, JSON]:
        """(schema property, value with every reference) for the property-item endpoint."""
        page = self.get_page(page_id)
        schema = self.schema_of(page)
        prop = find_property(schema, property_key)
        if prop is None:
            raise not_found("property", property_key)
        return prop, self._render_value(page, schema, prop, truncate=False)

    # ----------------------------------------------------------------- persistence

    def to_json(self) -> JSON:
        """The whole workspace as one JSON document (see `from_json`)."""
        with self.lock:
            return {
                "format": STATE_FORMAT,
                "workspace_name": self.workspace_name,
                "workspace_id": self.workspace_id,
                "bot_id": self.bot_id,
                "human_id": self.human_id,
                "users": self.users,
                "databases": self.databases,
                "data_sources": self.data_sources,
                "pages": self.pages,
                # The file is written with sorted keys; queries list pages in creation order,
                # so that order is saved apart and a loaded sandbox answers exactly as before.
                "page_order": list(self.pages),
                "blocks": self.blocks,
                "children": self.children,
                "hidden": sorted(self.hidden),
                "file_uploads": self.uploads.to_json(),
                "id_state": self.ids.state(),
            }

    @_mutates
    def load_json(self, state: JSON) -> None:
        """Replace the whole workspace with a document written by `to_json`."""
        if state.get("format") != STATE_FORMAT:
            raise ValueError(f"unsupported sandbox state format {state.get('format')!r}")
        with self.lock:
            self.workspace_name = str(state["workspace_name"])
            self.workspace_id = str(state["workspace_id"])
            self.bot_id = str(state["bot_id"])
            self.human_id = str(state["human_id"])
            self.users = dict(state["users"])
            self.databases = dict(state["databases"])
            self.data_sources = dict(state["data_sources"])
            pages = dict(state["pages"])
            order = [p for p in state.get("page_order", []) if p in pages]
            self.pages = {p: pages[p] for p in [*order, *(p for p in pages if p not in order)]}
            self.blocks = dict(state["blocks"])
            self.children = {k: list(v) for k, v in state["children"].items()}
            self.hidden = set(state.get("hidden", []))
            self.uploads.load_json(state.get("file_uploads", {}))
            if "id_state" in state:
                self.ids.restore(state["id_state"])


def _schema_view(prop: JSON) -> JSON:
    """A schema property as data source objects show it."""
    return {
        "id": prop["id"],
        "name": prop["name"],
        "description": prop.get("description"),
        "type": prop["type"],
        prop["type"]: prop[prop["type"]],
    }
