"""The emulator's state: spaces, pages with version history, labels, content properties, users.

Everything the HTTP layer (v1.py, v2.py) serves lives here, behind one lock, so the same state
answers both API versions the way Confluence does (a v1 write is visible to a v2 read). The
store knows nothing about HTTP: it raises `StoreError`s that the route handlers turn into the
error shape of their API version. The whole state round-trips through JSON (`to_json`,
`from_json`) so tests and demos can save a workspace and load it again.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from ..kit.clock import Clock, system_clock
from .storage_xml import add_macro_ids, check_storage

STATE_FORMAT_VERSION: Final = 1
FIRST_ID: Final = 65537


class StoreError(Exception):
    """Base of the errors the route handlers translate into HTTP answers."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(StoreError):
    status = 404


class BadRequest(StoreError):
    status = 400


class Conflict(StoreError):
    status = 409


class Forbidden(StoreError):
    status = 403


class MethodNotAllowed(StoreError):
    status = 405


class UnsupportedMediaType(StoreError):
    status = 415


class TooLarge(StoreError):
    status = 413


def iso(at: float) -> str:
    """Format epoch seconds the way Confluence does: ISO 8601, UTC, milliseconds."""
    moment = datetime.fromtimestamp(at, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass
class User:
    """A Confluence user. Cloud names people by account id, Data Center by user key."""

    account_id: str
    display_name: str
    email: str | None = None
    username: str = ""
    user_key: str = ""
    api_token: str = ""
    personal_access_token: str = ""


@dataclass
class Space:
    id: str
    key: str
    name: str
    homepage_id: str | None = None
    description: str = ""


@dataclass
class Version:
    """One version of a page: what it said, who wrote it, when."""

    number: int
    title: str
    body: str
    when: float
    by: str
    message: str = ""
    minor_edit: bool = False


@dataclass
class Property:
    """A content property: a JSON value under a key, versioned on its own."""

    id: str
    key: str
    value: Any
    version: int
    when: float
    by: str
    message: str = ""


@dataclass
class Page:
    id: str
    space_key: str
    parent_id: str | None
    created_at: float
    author: str
    status: str = "current"
    versions: list[Version] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    properties: dict[str, Property] = field(default_factory=dict)
    position: int = 0

    @property
    def current(self) -> Version:
        return self.versions[-1]

    @property
    def title(self) -> str:
        return self.current.title

    @property
    def body(self) -> str:
        return self.current.body

    @property
    def version(self) -> int:
        return self.current.number


@dataclass
class AttachmentVersion:
    """One upload of an attachment: the bytes (base64, so the state stays JSON) and who sent
    them when, with the upload's comment and minor-edit flag."""

    number: int
    data: str
    size: int
    when: float
    by: str
    comment: str = ""
    minor_edit: bool = False

    @property
    def content(self) -> bytes:
        return base64.b64decode(self.data)


@dataclass
class Attachment:
    """A file attached to a page, addressed by its file name on that page; every upload under
    the same name adds a version (`att<number>` ids, as Confluence's)."""

    id: str
    page_id: str
    title: str
    media_type: str
    versions: list[AttachmentVersion] = field(default_factory=list)

    @property
    def current(self) -> AttachmentVersion:
        return self.versions[-1]


def version_conflict_message(current: int) -> str:
    """The message Confluence sends with a 409 on a stale page version."""
    return f"Version must be incremented on update. Current version is: {current}"


class Store:
    """All emulator state, safe to use from the server's threads and from tests at once."""

    def __init__(self, clock: Clock = system_clock) -> None:
        self.clock = clock
        self._lock = threading.RLock()
        self._next_id = FIRST_ID
        self.users: dict[str, User] = {}
        self.spaces: dict[str, Space] = {}
        self.pages: dict[str, Page] = {}
        self.label_ids: dict[str, str] = {}
        self.attachments: dict[str, Attachment] = {}
        self.bot_account_id: str = ""
        self.rewrite_macros = False
        """When set, stored bodies get macro ids as Confluence adds them (see add_macro_ids)."""
        self.max_attachment_bytes: int | None = None
        """The site's "Attachment Maximum Size" (None: no limit); larger files answer 413."""

    @contextmanager
    def locked(self) -> Iterator[Store]:
        """Hold the store lock for a sequence of reads and writes that must not interleave."""
        with self._lock:
            yield self

    def new_id(self) -> str:
        with self._lock:
            value = self._next_id
            self._next_id += 1
            return str(value)

    # users -------------------------------------------------------------------------------

    def add_user(self, user: User) -> User:
        with self._lock:
            self.users[user.account_id] = user
            return user

    def user_by_basic(self, email: str, token: str) -> User | None:
        """The user whose email (or username) and API token match, for Cloud basic auth."""
        with self._lock:
            for user in self.users.values():
                if (
                    user.api_token
                    and token == user.api_token
                    and email in (user.email, user.username)
                ):
                    return user
            return None

    def user_by_bearer(self, token: str) -> User | None:
        """The user owning a Data Center personal access token."""
        with self._lock:
            for user in self.users.values():
                if user.personal_access_token and token == user.personal_access_token:
                    return user
            return None

    def user_by_ref(self, *, account_id: str = "", user_key: str = "", username: str = "") -> User:
        with self._lock:
            for user in self.users.values():
                if (
                    (account_id and user.account_id == account_id)
                    or (user_key and user.user_key == user_key)
                    or (username and user.username == username)
                ):
                    return user
            raise NotFound("No user found with the given identifier")

    # spaces ------------------------------------------------------------------------------

    def create_space(self, key: str, name: str, description: str = "") -> Space:
        with self._lock:
            if key in self.spaces:
                raise BadRequest(f"A space with key {key} already exists")
            space = Space(id=self.new_id(), key=key, name=name, description=description)
            self.spaces[key] = space
            return space

    def space(self, key: str) -> Space:
        with self._lock:
            if key not in self.spaces:
                raise NotFound(f"No space with key : {key}")
            return self.spaces[key]

    def space_by_id(self, space_id: str) -> Space:
        with self._lock:
            for space in self.spaces.values():
                if space.id == space_id:
                    return space
            raise NotFound(f"No space with id : {space_id}")

    # pages -------------------------------------------------------------------------------

    def page(self, page_id: str, *, statuses: tuple[str, ...] = ("current",)) -> Page:
        """The page with this id, if its status is one of `statuses` ("any" matches all)."""
        with self._lock:
            page = self.pages.get(page_id)
            if page is None or ("any" not in statuses and page.status not in statuses):
                raise NotFound(f"No content found with id : {page_id}")
            return page

    def _check_title_free(self, space_key: str, title: str, except_id: str | None = None) -> None:
        for other in self.pages.values():
            if (
                other.space_key == space_key
                and other.status == "current"
                and other.id != except_id
                and other.title.lower() == title.lower()
            ):
                raise BadRequest(
                    "A page with this title already exists: A page already exists with the same "
                    f"TITLE in this space (title {title!r}, space {space_key})"
                )

    def _check_body(self, body: str) -> None:
        problem = check_storage(body)
        if problem is not None:
            raise BadRequest(problem)

    def create_page(
        self,
        space_key: str,
        title: str,
        body: str,
        parent_id: str | None = None,
        *,
        author: str | None = None,
        labels: tuple[str, ...] = (),
        message: str = "",
    ) -> Page:
        """Create a page (version 1); the body must be well-formed storage format."""
        if not title.strip():
            raise BadRequest("Content title cannot be empty")
        self._check_body(body)
        with self._lock:
            space = self.space(space_key)
            if parent_id is not None:
                parent = self.page(parent_id)
                if parent.space_key != space_key:
                    raise BadRequest("The parent page must be in the same space")
            self._check_title_free(space_key, title)
            now = self.clock()
            by = author or self.bot_account_id
            siblings = [p for p in self.pages.values() if p.parent_id == parent_id]
            page_id = self.new_id()
            if self.rewrite_macros:
                body = add_macro_ids(body, f"{page_id}:1")
            page = Page(
                id=page_id,
                space_key=space.key,
                parent_id=parent_id,
                created_at=now,
                author=by,
                versions=[Version(1, title, body, now, by, message)],
                position=len(siblings),
            )
            self.pages[page.id] = page
            for label in labels:
                self.set_label(page.id, label)
            return page

    def update_page(
        self,
        page_id: str,
        *,
        version: int,
        title: str | None = None,
        body: str | None = None,
        parent_id: str | None = None,
        author: str | None = None,
        message: str = "",
        minor_edit: bool = False,
        status: str = "current",
    ) -> Page:
        """Write a new version; `version` must be the current number + 1, else `Conflict`."""
        with self._lock:
            page = self.page(page_id, statuses=("current", "draft", "archived"))
            if version != page.version + 1:
                raise Conflict(version_conflict_message(page.version))
            new_title = page.title if title is None else title
            if not new_title.strip():
                raise BadRequest("Content title cannot be empty")
            new_body = page.body if body is None else body
            self._check_body(new_body)
            if new_title != page.title:
                self._check_title_free(page.space_key, new_title, except_id=page_id)
            if self.rewrite_macros:
                new_body = add_macro_ids(new_body, f"{page_id}:{version}")
            if parent_id is not None and parent_id != page.parent_id:
                if parent_id == page_id or parent_id in self.ancestor_ids(parent_id):
                    raise BadRequest("A page cannot be moved below itself")
                self.page(parent_id)
                page.parent_id = parent_id
            page.versions.append(
                Version(
                    version,
                    new_title,
                    new_body,
                    self.clock(),
                    author or self.bot_account_id,
                    message,
                    minor_edit,
                )
            )
            page.status = status
            return page

    def human_edit(
        self, page_id: str, new_body: str | None = None, *, author: str | None = None
    ) -> Page:
        """A person edits the page in the editor: a new version with changed text.

        Without `new_body`, a paragraph is appended, the way someone adds a remark. The edit
        bypasses the version check (the person's editor holds the latest version).
        """
        with self._lock:
            page = self.page(page_id)
            editor = author or self._human_account_id()
            if new_body is None:
                name = self.users[editor].display_name if editor in self.users else "Someone"
                new_body = page.body + f"<p>Edited by {name} (version {page.version + 1}).</p>"
            return self.update_page(
                page_id,
                version=page.version + 1,
                body=new_body,
                author=editor,
                message="human edit",
            )

    def _human_account_id(self) -> str:
        for account_id in self.users:
            if account_id != self.bot_account_id:
                return account_id
        return self.bot_account_id

    def delete_page(self, page_id: str, *, purge: bool = False) -> None:
        """Move a page to the trash, or purge it (it must be trashed first, as in Confluence)."""
        with self._lock:
            if purge:
                page = self.page(page_id, statuses=("trashed",))
                del self.pages[page.id]
                return
            page = self.page(page_id, statuses=("current", "draft", "archived"))
            page.status = "trashed"

    def children(self, page_id: str) -> list[Page]:
        with self._lock:
            self.page(page_id, statuses=("any",))
            kids = [
                p for p in self.pages.values() if p.parent_id == page_id and p.status == "current"
            ]
            return sorted(kids, key=lambda p: (p.position, int(p.id)))

    def ancestor_ids(self, page_id: str) -> list[str]:
        """Ids from the top of the tree down to the page's parent (Confluence's order)."""
        with self._lock:
            chain: list[str] = []
            page = self.pages.get(page_id)
            while page is not None and page.parent_id is not None and page.parent_id not in chain:
                chain.append(page.parent_id)
                page = self.pages.get(page.parent_id)
            return list(reversed(chain))

    def find_by_title(self, space_key: str | None, title: str) -> list[Page]:
        with self._lock:
            return [
                p
                for p in self.pages.values()
                if p.title == title
                and p.status == "current"
                and (space_key is None or p.space_key == space_key)
            ]

    def all_pages(self, statuses: tuple[str, ...] = ("current",)) -> list[Page]:
        with self._lock:
            return sorted(
                (p for p in self.pages.values() if "any" in statuses or p.status in statuses),
                key=lambda p: int(p.id),
            )

    # labels ------------------------------------------------------------------------------

    def label_id(self, name: str) -> str:
        with self._lock:
            if name not in self.label_ids:
                self.label_ids[name] = self.new_id()
            return self.label_ids[name]

    def set_label(self, page_id: str, name: str) -> None:
        """Add a label; Confluence stores labels lower-cased and rejects blanks and spaces."""
        label = name.strip().lower()
        if not label or any(ch in label for ch in " \t\n:;,&?#[]()!*^@"):
            raise BadRequest(f"Label '{name}' contains invalid characters or is empty")
        with self._lock:
            page = self.page(page_id, statuses=("any",))
            self.label_id(label)
            if label not in page.labels:
                page.labels.append(label)

    def remove_label(self, page_id: str, name: str) -> None:
        with self._lock:
            page = self.page(page_id, statuses=("any",))
            label = name.strip().lower()
            if label not in page.labels:
                raise NotFound(f"The label {name} is not on content {page_id}")
            page.labels.remove(label)

    # content properties ------------------------------------------------------------------

    def get_property(self, page_id: str, key: str) -> Property:
        with self._lock:
            page = self.page(page_id, statuses=("any",))
            if key not in page.properties:
                raise NotFound(f"Cannot find content property with key: {key}")
            return page.properties[key]

    def property_by_id(self, page_id: str, property_id: str) -> Property:
        with self._lock:
            page = self.page(page_id, statuses=("any",))
            for prop in page.properties.values():
                if prop.id == property_id:
                    return prop
            raise NotFound(f"Cannot find content property with id: {property_id}")

    def create_property(
        self, page_id: str, key: str, value: Any, *, author: str | None = None
    ) -> Property:
        if not key or len(key) > 255:
            raise BadRequest("A content property key must be 1 to 255 characters long")
        with self._lock:
            page = self.page(page_id, statuses=("any",))
            if key in page.properties:
                raise BadRequest(
                    f"Cannot add a content property with key '{key}': the content already has a "
                    "property with this key"
                )
            prop = Property(
                self.new_id(), key, value, 1, self.clock(), author or self.bot_account_id
            )
            page.properties[key] = prop
            return prop

    def update_property(
        self,
        page_id: str,
        key: str,
        value: Any,
        *,
        version: int,
        author: str | None = None,
        message: str = "",
    ) -> Property:
        """New value under `key`; `version` must be the property's version + 1, else Conflict.

        As in Confluence, updating a key that does not exist with version 1 creates it.
        """
        with self._lock:
            page = self.page(page_id, statuses=("any",))
            prop = page.properties.get(key)
            if prop is None:
                if version != 1:
                    raise NotFound(f"Cannot find content property with key: {key}")
                return self.create_property(page_id, key, value, author=author)
            if version != prop.version + 1:
                raise Conflict(
                    f"Version mismatch for content property '{key}': the new version must be "
                    f"{prop.version + 1}. Current version is: {prop.version}"
                )
            prop.value = value
            prop.version = version
            prop.when = self.clock()
            prop.by = author or self.bot_account_id
            prop.message = message
            return prop

    def delete_property(self, page_id: str, key: str) -> None:
        with self._lock:
            page = self.page(page_id, statuses=("any",))
            if key not in page.properties:
                raise NotFound(f"Cannot find content property with key: {key}")
            del page.properties[key]

    # attachments -------------------------------------------------------------------------

    def attachments_of(self, page_id: str) -> list[Attachment]:
        """The page's attachments in upload order (404 when the page does not exist)."""
        with self._lock:
            self.page(page_id, statuses=("any",))
            return [a for a in self.attachments.values() if a.page_id == page_id]

    def attachment_named(self, page_id: str, filename: str) -> Attachment | None:
        with self._lock:
            return next((a for a in self.attachments_of(page_id) if a.title == filename), None)

    def attachment(self, page_id: str, attachment_id: str) -> Attachment:
        with self._lock:
            found = self.attachments.get(attachment_id)
            if found is None or found.page_id != page_id:
                raise NotFound(f"No attachment found with id : {attachment_id}")
            return found

    def attach(
        self,
        page_id: str,
        filename: str,
        data: bytes,
        media_type: str,
        *,
        author: str | None = None,
        comment: str = "",
        minor_edit: bool = False,
        attachment_id: str | None = None,
        create_only: bool = False,
    ) -> Attachment:
        """Upload a file to a page: a new attachment, or a new version of the one with this
        file name (or with `attachment_id`). `create_only` refuses an existing name, as v1's
        POST does."""
        if not filename.strip():
            raise BadRequest("An attachment needs a file name")
        with self._lock:
            self.page(page_id)
            existing = (
                self.attachment(page_id, attachment_id)
                if attachment_id is not None
                else self.attachment_named(page_id, filename)
            )
            if existing is not None and create_only:
                raise BadRequest(
                    "Cannot add a new attachment with same file name as an existing attachment: "
                    f"{filename}"
                )
            upload = AttachmentVersion(
                number=1 if existing is None else existing.current.number + 1,
                data=base64.b64encode(data).decode("ascii"),
                size=len(data),
                when=self.clock(),
                by=author or self.bot_account_id,
                comment=comment,
                minor_edit=minor_edit,
            )
            if existing is None:
                existing = Attachment(f"att{self.new_id()}", page_id, filename, media_type)
                self.attachments[existing.id] = existing
            existing.media_type = media_type
            existing.versions.append(upload)
            return existing

    def delete_attachment_version(self, attachment_id: str, number: int) -> None:
        """Delete a historical version of an attachment (its bytes go; the current stays)."""
        with self._lock:
            found = self.attachments.get(attachment_id)
            if found is None:
                raise NotFound(f"No content found with id : {attachment_id}")
            if number == found.current.number:
                raise BadRequest("Current version can not be deleted")
            kept = [v for v in found.versions if v.number != number]
            if len(kept) == len(found.versions):
                raise NotFound(f"No version {number} of content {attachment_id}")
            found.versions = kept

    # persistence -------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """The whole state as plain JSON data (tokens included: it is a local test server)."""
        with self._lock:
            return {
                "format": STATE_FORMAT_VERSION,
                "next_id": self._next_id,
                "bot_account_id": self.bot_account_id,
                "users": [asdict(u) for u in self.users.values()],
                "spaces": [asdict(s) for s in self.spaces.values()],
                "pages": [asdict(p) for p in self.pages.values()],
                "label_ids": dict(self.label_ids),
                "attachments": [asdict(a) for a in self.attachments.values()],
            }

    def load_json(self, data: dict[str, Any]) -> None:
        """Replace the whole state by one written by `to_json`."""
        if data.get("format") != STATE_FORMAT_VERSION:
            raise ValueError(f"unsupported sandbox state format: {data.get('format')!r}")
        users = {u["account_id"]: User(**u) for u in data["users"]}
        spaces = {s["key"]: Space(**s) for s in data["spaces"]}
        pages: dict[str, Page] = {}
        for raw in data["pages"]:
            versions = [Version(**v) for v in raw.pop("versions")]
            properties = {k: Property(**p) for k, p in raw.pop("properties").items()}
            pages[raw["id"]] = Page(**raw, versions=versions, properties=properties)
        attachments: dict[str, Attachment] = {}
        for raw in data.get("attachments", []):
            uploads = [AttachmentVersion(**v) for v in raw.pop("versions")]
            attachments[raw["id"]] = Attachment(**raw, versions=uploads)
        with self._lock:
            self._next_id = int(data["next_id"])
            self.bot_account_id = str(data["bot_account_id"])
            self.users = users
            self.spaces = spaces
            self.pages = pages
            self.label_ids = {str(k): str(v) for k, v in data["label_ids"].items()}
            self.attachments = attachments
