"""Writing back to Notion: the pure plan and the idempotent apply.

`plan_page_writes` and `plan_review_writes` turn a review into `Write`s without any I/O:

- per objective and key result page, the mapping's output properties (Score: the grade as a
  number, Health: a readable select name, Warnings: the findings on that page one per line,
  Last synced: the review's time). Last synced is not hashed, and a page whose pulled output
  values already equal the planned ones gets no write at all, so an unchanged OKR is never
  rewritten just to move a date (even when the state store was lost);
- per `CycleReview` a review page under the configured parent, identified by a marker
  paragraph `okrsync:review:<source>:<title_key> hash=<hash>` as its first block.

`Writer.apply` performs one write. A property write is a single PATCH (idempotent): the plan
already compared the outputs pulled in the same run with the planned ones, and the executor
skips a write the ledger has unless the pulled page says a person changed it since. With the
option `verify_before_write` it reads the page first and answers "unchanged" when its outputs
already match. Review pages are found by their marker (never by
title alone), skipped when the hash matches, and otherwise rewritten below the cut line,
keeping the notes section people write in. The hash in the marker is written last, so an
interrupted rewrite is redone by the next run.

A rewrite changes only what changed. The writer keeps, per review page, the hash tree of the
blocks it last wrote (`block_tree`; kept between runs in the state store through the
connector's lookups). Comparing it with the new blocks, section by section and block by block,
it leaves equal blocks alone, updates a block whose own content changed in place
(`blocks.update`, reading a block's children only when something below it changed), and
deletes or inserts (`after` its predecessor) only blocks that came or went. A 1% change of a
large workspace then costs an update per changed line instead of appending the whole page
again. Each block, sections (the page's top-level blocks, whatever they are) and the toggles
in them alike, is patched or replaced whole (its delete and appending it anew): the plan
(`_rewrite_plan`, counted from the kept tree without a request) takes the fewest requests that
spend at most `APPEND_BUDGET` appends, choosing for every changed block at once. The long
lists keep their order between syncs (`review_build.page_order`), so a changed score changes
its table row and toggle where they stand, while a short ranked list that reordered is
appended anew. Without a kept
tree for the page's current hash, or when the page's blocks no longer line up with it (someone
edited below the cut line), or when that is cheaper still, the generated part is regenerated
whole.

Charts (writeback `charts`) are image blocks of the review page: the burn-up after the summary,
each objective's progress chart at the top of its toggle. A planned image block names its chart
by digest (`blocks.CHART_REF`), so it changes exactly when its picture does and the section diff
replaces that one block in place. Before anything on the page changes, the writer uploads the
charts it has no upload for (File Upload API: create, send), so a failed upload leaves the page
and its old chart as they were and the write fails, to be redone next run; the uploads a write
attached are kept with the page's block tree (an attached upload does not expire, and one upload
may be attached again when the page is regenerated). An upload found expired when a block is
sent (unattached for an hour) is made again and the block sent once more.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from difflib import SequenceMatcher
from typing import Any, Final, Literal

from okrsync.charts.labels import chart_labels
from okrsync.charts.review_charts import (
    CycleCharts,
    labels_from_json,
    labels_to_json,
    series_from_json,
    series_to_json,
)
from okrsync.connector import Write, Writeback, WriteResult, content_hash
from okrsync.errors import AccessDenied, RecordError, TimedOut, TransientError
from okrsync.evaluation import Health, KeyResultScore, ObjectiveScore
from okrsync.i18n import Translator
from okrsync.mapping.schema import Mapping as MappingFile
from okrsync.mapping.schema import OutputMap
from okrsync.model import Finding, KeyResult, Objective
from okrsync.render.figures import ENGLISH, output_health, page_title
from okrsync.review import CycleReview, Review
from okrsync.review_noise import page_findings, warning_lines

from .blocks import (
    Block,
    Node,
    append_batches,
    block_text,
    block_tree,
    chart_refs,
    children_of,
    is_generated_line,
    left_out,
    marker_block,
    own_content,
    review_blocks,
    skeleton_blocks,
    with_uploads,
)
from .client import NotionApi, NotionRecordError
from .properties import (
    date_payload,
    fit_lines,
    flatten_value,
    number_payload,
    rich_text_payload,
    select_payload,
    title_payload,
)

MARKER_PREFIX: Final = "okrsync:review:"
PENDING: Final = "pending"
TREES_VERSION: Final = 2
"""The format of `Writer.export`; kept trees of another version are ignored."""
SCORE_TOLERANCE: Final = 1e-9
APPEND_BUDGET: Final = 45
"""The appends a rewrite may spend (issue 16: a 1% change of 10 000 key results costs at most
50 appends). Within it the writer makes the fewest requests: a changed toggle whose children's
ids are not kept (Notion's append answers with the ids of the first level only) costs a
listing and an update per changed line, its heading and its chart when patched, its delete and
an append when replaced in its place; a table of 90 objectives with a few changed rows, or the
section of those tables, saves more requests per append replaced than a toggle does. Past
the budget, changed blocks are patched where they stand, where Notion also keeps what it holds
on a block (comments, links to it, a reader's open toggles)."""
CREATE_ATTEMPTS: Final = 3


# ----------------------------------------------------------------------------- planning


def output_values(
    grade: float | None,
    health: Health,
    findings: Sequence[Finding],
    miss: bool = False,
    outputs: OutputMap | None = None,
    t: Translator = ENGLISH,
) -> dict[str, Any]:
    """The plain values okrsync writes: score, health name (the database's own option when the
    mapping maps it, else the label in the language of `t`), warnings text (at most 3 lines)."""
    return {
        "score": None if grade is None else round(grade, 4),
        "health": output_health(outputs or OutputMap(), health, miss, t),
        "warnings": fit_lines(warning_lines(findings, prefix="⚠ ", t=t)),
    }


def _same(kind: str, pulled: Any, planned: Any) -> bool:
    if kind == "score":
        if pulled is None or planned is None:
            return pulled is None and planned is None
        if not isinstance(pulled, int | float):
            return False
        return abs(float(pulled) - float(planned)) <= SCORE_TOLERANCE
    if kind == "warnings":
        return (pulled or "") == (planned or "")
    return bool(pulled == planned)


def _outputs_by_kind(outputs: OutputMap) -> dict[str, str]:
    named = {"score": outputs.score, "health": outputs.health, "warnings": outputs.warnings}
    return {kind: name for kind, name in named.items() if name}


_ScoredPages = tuple[
    Literal["objectives", "key_results"],
    Sequence[Objective | KeyResult],
    Mapping[str, ObjectiveScore | KeyResultScore],
]
"""One kind of page that gets outputs: its collection, its OKRs and their scores."""


def plan_page_writes(
    review: Review, mapping: MappingFile, writeback: Writeback, t: Translator = ENGLISH
) -> list[Write]:
    """Output property writes for every objective and key result page that needs one, their
    words in the language of `t`."""
    if not writeback.pages:
        return []
    pulled: dict[tuple[str, str], dict[str, Any]] = {
        (r.collection, r.external_id): r.fields for r in review.source_records
    }
    by_subject = page_findings(
        review.workspace, review.findings, review.evaluation.at, review.planning_weeks
    )
    evaluation = review.evaluation
    subjects: tuple[_ScoredPages, ...] = (
        ("objectives", review.workspace.objectives, evaluation.objectives),
        ("key_results", review.workspace.key_results, evaluation.key_results),
    )
    writes: list[Write] = []
    for collection, items, results in subjects:
        outputs = mapping.outputs.get(collection)
        if outputs is None:
            continue
        for item in items:
            result = results.get(item.id)
            if result is None:
                continue
            page_id = item.source.external_id if item.source else item.id
            miss = isinstance(result, ObjectiveScore) and result.miss
            values = output_values(
                result.grade, result.health, by_subject.get(item.id, []), miss, outputs, t
            )
            write = _page_write(
                collection,
                page_id,
                item.title,
                values,
                outputs,
                pulled.get((collection, page_id)),
                review.generated_at,
            )
            if write is not None:
                writes.append(write)
    return writes


def _page_write(
    collection: str,
    page_id: str,
    title: str,
    values: dict[str, Any],
    outputs: OutputMap,
    pulled: dict[str, Any] | None,
    synced: datetime,
) -> Write | None:
    names = _outputs_by_kind(outputs)
    if not names:
        return None
    before = {names[k]: pulled.get(names[k]) for k in names} if pulled is not None else {}
    if pulled is not None and all(
        names[k] in pulled and _same(k, pulled[names[k]], values[k]) for k in names
    ):
        return None
    builders = {
        "score": number_payload,
        "health": select_payload,
        "warnings": rich_text_payload,
    }
    properties = {names[k]: builders[k](values[k]) for k in names}  # type: ignore[operator]
    expected = {names[k]: values[k] for k in names}
    payload: dict[str, Any] = {
        "page_id": page_id,
        "collection": collection,
        "properties": properties,
        "expected": expected,
        "kinds": {names[k]: k for k in names},
        "always": {outputs.last_synced: date_payload(synced)} if outputs.last_synced else {},
    }
    hashed = {k: payload[k] for k in ("page_id", "properties")}
    return Write(
        target=f"notion:page:{page_id}",
        kind="properties",
        description=f"outputs on {collection[:-1].replace('_', ' ')} {title!r}",
        payload=payload,
        changes=expected,
        before=before,
        content_hash=content_hash(hashed),
        record=page_id if pulled is not None else None,
    )


def review_title(review: CycleReview, writeback: Writeback, t: Translator = ENGLISH) -> str:
    """The page title from the configured pattern, in the language of `t`."""
    return page_title(review, writeback.review_title, writeback.team_review_title, t)


def marker_key(source: str, title_key: str) -> str:
    return f"{MARKER_PREFIX}{source}:{title_key}"


def marker_text(key: str, digest: str) -> str:
    return f"{key} hash={digest}"


def parse_marker(text: str) -> tuple[str, str] | None:
    """(key, hash) of a marker paragraph's text, or None when it is not one."""
    if not text.startswith(MARKER_PREFIX) or " hash=" not in text:
        return None
    key, _, digest = text.rpartition(" hash=")
    return key, digest.strip()


def plan_review_writes(
    reviews: Sequence[CycleReview],
    *,
    source: str,
    parent: str,
    writeback: Writeback,
    place: str = "notion",
    t: Translator = ENGLISH,
    charts: Mapping[str, CycleCharts] | None = None,
) -> list[Write]:
    """One page write per cycle review, with the hash of its title and blocks (the charts'
    image blocks included, when `charts` has the review's, drawn in the language of `t`)."""
    writes: list[Write] = []
    labels = chart_labels(t)
    for review in reviews:
        title = review_title(review, writeback, t)
        drawn = charts.get(review.title_key) if charts is not None else None
        blocks = review_blocks(review, t, drawn)
        pictures = {
            chart.digest(labels): {
                "kind": chart.kind,
                "filename": chart.filename,
                "series": series_to_json(chart.series),
                "labels": labels_to_json(labels),
            }
            for chart in (drawn.all() if drawn is not None else [])
        }
        digest = content_hash({"title": title, "blocks": blocks})
        key = marker_key(source, review.title_key)
        writes.append(
            Write(
                target=f"notion:review:{source}:{review.title_key}",
                kind="page",
                description=f"review page {title!r}",
                payload={
                    "parent": parent,
                    "title": title,
                    "marker": key,
                    "hash": digest,
                    "blocks": blocks,
                    "charts": pictures,
                },
                changes={"title": title, "blocks": len(blocks)},
                content_hash=digest,
                page=f"{place}:parent:{parent}:title:{title}",
            )
        )
    return writes


# ----------------------------------------------------------------------------- applying


Cost = tuple[int, int]
"""What a way of writing costs: (requests, of which appends)."""

Kept = tuple[Any, ...] | int | None
"""The blocks a way patches in place (the Python ids of their new nodes), as a tree of pairs
that sharing ways can extend without copying; `_kept_ids` flattens it."""
Way = tuple[int, int, Kept]
"""One way of writing some blocks: (appends, requests, the blocks it patches in place)."""


def _plus(*costs: Cost) -> Cost:
    return sum(c[0] for c in costs), sum(c[1] for c in costs)


def _append_cost(blocks: Sequence[Block]) -> Cost:
    """What `Writer._append_tree` costs to append `blocks`: an append per batch, plus what the
    blocks whose descendants did not fit cost (`_rest_cost`)."""
    requests = appends = 0
    for batch in append_batches(blocks):
        requests += 1
        appends += 1
        for tree, levels in zip(batch.trees, batch.levels, strict=True):
            if left_out(tree, levels):
                rest = _rest_cost(tree, levels)
                requests += rest[0]
                appends += rest[1]
    return requests, appends


def _rest_cost(tree: Block, levels: int) -> Cost:
    """What `Writer._append_rest` costs for the descendants of `tree` sent `levels` deep (a
    listing, then appends)."""
    kids = children_of(tree)
    if levels <= 0:
        return _append_cost(kids)
    return _plus(
        (1, 0), *(_rest_cost(kid, levels - 1) for kid in kids if left_out(kid, levels - 1))
    )


def _replace_cost(block: Block) -> Cost:
    """The cost of replacing a written block by `block`: its delete and appending it anew."""
    return _plus((1, 0), _append_cost([block]))


def _best_ways(candidates: Iterable[Way], cap: int) -> list[Way]:
    """The ways no other beats (none costs as few or fewer requests with as few or fewer
    appends), fewest appends first, within `cap` appends; when none is within, the one with
    the fewest appends (then requests). Of two ways that cost the same, the first given."""
    best: list[Way] = []
    for way in sorted(candidates, key=lambda w: (w[0], w[1])):  # stable: the first wins ties
        if best and way[0] > cap:
            break
        if best and way[1] >= best[-1][1]:
            continue  # as many appends as a kept way or more, and no fewer requests
        best.append(way)
        if way[0] > cap:
            break  # none within the budget: only the fewest appends
    return best


def _both(first: list[Way], second: list[Way], cap: int) -> list[Way]:
    """The best ways to do both: each way of `first` with each of `second`."""
    if len(second) == 1:
        a, r, kept = second[0]
        if kept is None:
            return [(a1 + a, r1 + r, k1) for a1, r1, k1 in first]
    return _best_ways(
        (
            (a1 + a2, r1 + r2, k2 if k1 is None else k1 if k2 is None else (k1, k2))
            for a1, r1, k1 in first
            for a2, r2, k2 in second
        ),
        cap,
    )


def _kept_ids(kept: Kept) -> frozenset[int]:
    """The blocks `kept` patches in place, as a set."""
    ids: set[int] = set()
    stack = [kept]
    while stack:
        item = stack.pop()
        if isinstance(item, tuple):
            stack.extend(item)
        elif item is not None:
            ids.add(item)
    return frozenset(ids)


Opcodes = list[tuple[Literal["replace", "delete", "insert", "equal"], int, int, int, int]]


def _opcodes(old: list[Node], tree: list[Node], memo: dict[int, Opcodes]) -> Opcodes:
    """How children `old` line up with `tree` (equal runs, and what changed between them),
    worked out once per plan (`memo`, by the new children's list)."""
    if id(tree) not in memo:
        matcher = SequenceMatcher(None, [o[0] for o in old], [t[0] for t in tree], autojunk=False)
        memo[id(tree)] = matcher.get_opcodes()
    return memo[id(tree)]


def _children_ways(
    old: list[Node],
    new: list[Block],
    tree: list[Node],
    *,
    start: bool,
    cap: int,
    memo: dict[int, Opcodes] | None = None,
) -> list[Way]:
    """The best ways for `Writer._patch` to turn children `old` into `new` (without the listing
    of a parent whose children's ids are not kept, counted by the caller): each changed child
    of the same type patched in place or replaced (its delete and an append after its
    predecessor), whichever the whole needs, each replaced child counted as appended on its
    own (the writer may send neighbours together: `_cost_of` counts that). `start`: they
    begin a block's children, where nothing can be inserted before a kept child, so a first
    child is patched, and children that must be appended there while others stay after them
    (a first child retyped, or one that cannot be patched) make the parent `_Replace`d."""
    memo = {} if memo is None else memo
    codes = _opcodes(old, tree, memo)
    if start and old and codes and codes[0][0] == "insert":
        raise _Replace("")
    anchored = not start
    ways: list[Way] = [(0, 0, None)]
    requests = appends = 0  # what every way spends: deletes and appends of what came or went
    for tag, i1, i2, j1, j2 in codes:
        if tag == "equal":
            anchored = True
            continue
        pending: list[Block] = []
        went = False
        for k in range(i2 - i1):
            j = j1 + k
            if j >= j2 or old[i1 + k][4] != new[j]["type"]:
                requests += 1  # the delete
                if j < j2:
                    pending.append(new[j])
                continue
            block_ways = _block_ways(
                old[i1 + k], new[j], tree[j], anchored=anchored, cap=cap, memo=memo
            )
            ways = _both(ways, block_ways, cap)
            if not anchored and block_ways[0][2] is None:
                went = True  # it cannot be patched: replaced, to be appended with `pending`
            elif not anchored and (pending or went):
                raise _Replace("")  # what went before it cannot be inserted before it
            else:
                anchored = True
        pending.extend(new[j1 + (i2 - i1) : j2])
        if not anchored and (pending or went) and i2 < len(old):
            raise _Replace("")  # nor before the children that stay after them
        inserted = _append_cost(pending)
        requests += inserted[0]
        appends += inserted[1]
        anchored = anchored or went or bool(pending)
    return [(a + appends, r + requests, kept) for a, r, kept in ways]


def _block_ways(
    old: Node,
    block: Block,
    tree: Node,
    *,
    anchored: bool,
    cap: int,
    memo: dict[int, Opcodes] | None = None,
) -> list[Way]:
    """The best ways to turn the written block `old` into `block`: patched in place (its
    own content updated, its children patched, after a listing when their ids are not kept),
    or replaced (its delete and appending it anew after its predecessor) when it is
    `anchored` (has a predecessor to be appended after) or cannot be patched."""
    own = 1 if old[1] != tree[1] else 0
    if [kid[0] for kid in old[2]] != [kid[0] for kid in tree[2]]:
        if old[2] and not all(kid[3] for kid in old[2]):
            own += -(-len(old[2]) // 100)  # reading the children's ids
        try:
            below = _children_ways(
                old[2], children_of(block), tree[2], start=True, cap=cap, memo=memo
            )
        except _Replace:
            return [_replacement(block)]
    else:
        below = [(0, 0, None)]
    me = id(tree)
    patch: list[Way] = [(a, r + own, me if kept is None else (kept, me)) for a, r, kept in below]
    return _best_ways([*patch, _replacement(block)], cap) if anchored else patch


def _replacement(block: Block) -> Way:
    """The way that replaces a written block by `block` (costed only where it may be taken)."""
    requests, appends = _replace_cost(block)
    return (appends, requests, None)


@dataclass(frozen=True)
class RewritePlan:
    """How to rewrite a review page's generated part: patched (`patch`), keeping in place the
    blocks in `kept` (the Python ids of their nodes in the new tree) and replacing the other
    changed ones, or regenerated whole; and what that costs by the kept tree."""

    patch: bool
    requests: int
    appends: int
    kept: frozenset[int] = frozenset()


def _rewrite_plan(
    old: list[Node], blocks: list[Block], tree: list[Node], budget: int = APPEND_BUDGET
) -> RewritePlan:
    """The fewest requests that rewrite the generated part within `budget` appends, counted
    from the kept tree without a request: each changed block patched in place or replaced,
    or the whole part regenerated. The appends go where each saves the most requests (a
    section whose many lines changed, replaced whole, before toggles that save less), as an
    exact choice over the page's tree, not one exchange rate for the whole page. When no way
    stays within the budget: the fewest appends, then requests."""
    regenerated = _plus(_append_cost(blocks), (len(old), 0))  # deletes, then appends
    memo: dict[int, Opcodes] = {}
    ways = _children_ways(old, blocks, tree, start=False, cap=budget, memo=memo)
    plans = []  # each way as the writer sends it: neighbours replaced together share appends
    for _, _, kept in ways:
        ids = _kept_ids(kept)
        requests, appends = _cost_of(old, blocks, tree, ids, start=False, memo=memo)
        plans.append(RewritePlan(True, requests, appends, ids))
    within = [p for p in plans if p.appends <= budget]
    best = (
        min(within, key=lambda p: (p.requests, p.appends))
        if within
        else min(plans, key=lambda p: (p.appends, p.requests))
    )
    if regenerated[1] <= budget:
        regenerate = not within or regenerated < (best.requests, best.appends)
    else:
        regenerate = not within and (regenerated[1], regenerated[0]) < (best.appends, best.requests)
    return RewritePlan(False, *regenerated) if regenerate else best


def _cost_of(
    old: list[Node],
    new: list[Block],
    tree: list[Node],
    kept: frozenset[int],
    *,
    start: bool,
    memo: dict[int, Opcodes],
) -> Cost:
    """What `Writer._patch` spends turning children `old` into `new` when it patches in place
    exactly the blocks in `kept` and replaces the other changed ones, replaced neighbours
    appended together as it sends them (without the listing of the parent, as above)."""
    requests = appends = 0
    for tag, i1, i2, j1, j2 in _opcodes(old, tree, memo):
        if tag == "equal":
            continue
        pending: list[Block] = []
        for k in range(i2 - i1):
            j = j1 + k
            if j < j2 and old[i1 + k][4] == new[j]["type"] and id(tree[j]) in kept:
                done = _plus(
                    _patched_cost(old[i1 + k], new[j], tree[j], kept, memo), _append_cost(pending)
                )
                requests += done[0]
                appends += done[1]
                pending = []
                continue
            requests += 1  # the delete
            if j < j2:
                pending.append(new[j])
        pending.extend(new[j1 + (i2 - i1) : j2])
        inserted = _append_cost(pending)
        requests += inserted[0]
        appends += inserted[1]
    return requests, appends


def _patched_cost(
    old: Node, block: Block, tree: Node, kept: frozenset[int], memo: dict[int, Opcodes]
) -> Cost:
    """What `Writer._patch_block` spends on a block it keeps in place (see `_cost_of`)."""
    requests = 1 if old[1] != tree[1] else 0
    if [kid[0] for kid in old[2]] == [kid[0] for kid in tree[2]]:
        return requests, 0
    if old[2] and not all(kid[3] for kid in old[2]):
        requests += -(-len(old[2]) // 100)  # reading the children's ids
    below = _cost_of(old[2], children_of(block), tree[2], kept, start=True, memo=memo)
    return requests + below[0], below[1]


def _copy_ids(old: Node, new: Node, block_id: str | None) -> None:
    """Give `new` (equal to `old`) the ids kept in `old`, all the way down."""
    new[3] = block_id
    for old_kid, kid in zip(old[2], new[2], strict=False):
        _copy_ids(old_kid, kid, old_kid[3])


def _fill_ids(node: Node, block: Block, made: Mapping[int, str]) -> None:
    """Give the node of a block appended in this write the ids its appends returned."""
    node[3] = made.get(id(block))
    for kid, child in zip(node[2], children_of(block), strict=False):
        _fill_ids(kid, child, made)


class _Drift(Exception):
    """The page's blocks no longer line up with the kept tree (edited by hand)."""


class _Replace(Exception):
    """A block's new children cannot be placed among its kept ones: replace the block."""


class Writer:
    """Applies planned writes through one `NotionApi`."""

    def __init__(
        self,
        api: NotionApi,
        max_attempts: int = CREATE_ATTEMPTS,
        *,
        verify: bool = False,
        t: Translator = ENGLISH,
        append_budget: int = APPEND_BUDGET,
    ) -> None:
        self._api = api
        self._append_budget = append_budget
        self._t = t  # the language of a new page's notes section and cut line
        self._max_attempts = max_attempts
        self._verify = verify
        self._trees: dict[str, dict[str, Any]] = {}
        self._made: dict[int, str] = {}  # Python id of a block appended in this write -> its id
        self._first_blocks: dict[str, Block | None] = {}  # review page id -> its first block
        self._titles: dict[str, str | None] = {}  # review page id -> its title, as listed
        self._tops: dict[str, list[Block]] = {}  # review page id -> its blocks, as found
        self._kept: frozenset[int] = frozenset()  # nodes patched in place, in the rewrite
        self._charts: dict[str, dict[str, Any]] = {}  # chart digest -> what to draw
        self._uploads: dict[str, str] = {}  # chart digest -> file upload id, for this write

    def export(self) -> dict[str, Any]:
        """Per review page (marker key): the hash it was written with and its block tree."""
        return {"version": TREES_VERSION, "pages": dict(self._trees)}

    def restore(self, saved: Mapping[str, Any]) -> None:
        """Use the block trees kept by an earlier run (see `export`)."""
        pages = saved.get("pages")
        if saved.get("version") == TREES_VERSION and isinstance(pages, dict):
            self._trees.update(
                (key, page)
                for key, page in pages.items()
                if isinstance(page, dict) and isinstance(page.get("tree"), list)
            )

    def apply(self, write: Write) -> WriteResult:
        """Apply one write; record-level failures come back as `failed`, never raised.

        Property writes PATCH, which is idempotent; with `verify` they read the page first and
        answer "unchanged" if its outputs already hold the planned values.

        AuthError and TransientError (after the retries) are raised: they stop the run.
        """
        try:
            if write.kind == "properties":
                return self._apply_properties(write)
            if write.kind == "page":
                return self._apply_review(write)
        except AccessDenied:
            raise  # the executor counts refusals in a row
        except RecordError as exc:
            return WriteResult.failed(
                write, exc, subject=exc.subject or write.payload.get("page_id")
            )
        return WriteResult(
            target=write.target, status="failed", error=f"unsupported write kind {write.kind!r}"
        )

    # -------------------------------------------------------------- properties

    def _apply_properties(self, write: Write) -> WriteResult:
        payload = write.payload
        page_id = str(payload["page_id"])
        try:
            if self._verify:
                page = self._api.retrieve_page(page_id)
                if self._matches(page, payload):
                    return WriteResult(target=write.target, status="unchanged", subject=page_id)
            properties = {**payload["properties"], **payload.get("always", {})}
            updated = self._api.update_page(page_id, properties=properties)
        except AccessDenied:
            raise  # the executor counts refusals in a row
        except RecordError as exc:
            return WriteResult.failed(write, exc, subject=page_id)
        return WriteResult(
            target=write.target,
            status="applied",
            remote_version=updated.get("last_edited_time"),
            subject=page_id,
        )

    @staticmethod
    def _matches(page: dict[str, Any], payload: dict[str, Any]) -> bool:
        current = page.get("properties") or {}
        kinds: dict[str, str] = payload.get("kinds", {})
        for name, expected in payload.get("expected", {}).items():
            prop = current.get(name)
            if prop is None:
                return False
            if not _same(kinds.get(name, ""), flatten_value(prop), expected):
                return False
        return True

    # -------------------------------------------------------------- review pages

    def find_review_page(self, parent: str, key: str, title: str) -> tuple[str, Block] | None:
        """(page id, marker block) of the review page under `parent` carrying `key`.

        The first block of each page looked at is remembered for the rest of the run (until
        okrsync writes that page's marker), so writing a review page per team reads each
        page's marker once, not once per page written after it. The one request that reads it
        asks for the page's first 100 blocks: a rewrite then needs no listing of its own.
        """
        candidates = [
            b
            for b in self._api.list_children(parent)
            if b.get("type") == "child_page" and not b.get("in_trash") and not b.get("archived")
        ]
        candidates.sort(key=lambda b: (b.get("child_page") or {}).get("title") != title)
        for block in candidates:
            page_id = str(block["id"])
            self._titles[page_id] = (block.get("child_page") or {}).get("title")
            if page_id in self._first_blocks:
                first = self._first_blocks[page_id]
            else:
                top, more = self._api.children_page(page_id)
                first = self._first_blocks[page_id] = top[0] if top else None
                if not more:
                    self._tops[page_id] = top
            if first is None:
                continue
            parsed = parse_marker(block_text(first))
            if parsed is not None and parsed[0] == key:
                return page_id, first
        return None

    def _apply_review(self, write: Write) -> WriteResult:
        payload = write.payload
        parent = str(payload["parent"])
        key = str(payload["marker"])
        digest = str(payload["hash"])
        title = str(payload["title"])
        blocks: list[Block] = list(payload["blocks"])
        self._made = {}
        found = self.find_review_page(parent, key, title)
        if found is not None:
            parsed = parse_marker(block_text(found[1]))
            if parsed is not None and parsed[1] == digest:
                return WriteResult(target=write.target, status="unchanged", remote_version=found[0])
        # Charts first: a failed upload fails the write before the page changes.
        kept_uploads = (self._trees.get(key) or {}).get("uploads") or {}
        self._upload_charts(dict(payload.get("charts") or {}), kept_uploads)
        kept = self._trees.pop(key, None)
        if found is not None:
            page_id, marker = found
            parsed = parse_marker(block_text(marker))
            written = parsed[1] if parsed is not None else None
            self._set_marker(str(marker["id"]), marker_text(key, PENDING))
            self._first_blocks.pop(page_id, None)
            if self._titles.get(page_id) != title:  # the listing that found it tells the title
                self._api.update_page(page_id, properties={"title": title_payload(title)})
            old = kept["tree"] if kept is not None and kept.get("hash") == written else None
            tree = self._rewrite(page_id, old, blocks) if old is not None else None
            if tree is None:
                self._made = {}  # ids an abandoned rewrite appended are gone with it
                self._regenerate(page_id, blocks)
        else:
            page_id = self._create(parent, key, title)
            marker_id = self._marker_id(page_id)
            marker = {"id": marker_id}
            self._regenerate(page_id, blocks)
            tree = None
        if tree is None:
            tree = [block_tree(block, self._made) for block in blocks]
        self._set_marker(str(marker["id"]), marker_text(key, digest))
        self._first_blocks.pop(page_id, None)
        self._tops.pop(page_id, None)
        self._trees[key] = {"hash": digest, "tree": tree, "uploads": dict(self._uploads)}
        self._made = {}
        return WriteResult(target=write.target, status="applied", remote_version=page_id)

    # -------------------------------------------------------------- charts

    def _upload_charts(self, charts: dict[str, dict[str, Any]], kept: Mapping[str, Any]) -> None:
        """Know an upload for every chart of the page: the attached ones kept from earlier
        writes, new uploads for the rest (drawn now: an unchanged chart is never drawn)."""
        self._charts = charts
        self._uploads = {d: str(kept[d]) for d in charts if isinstance(kept.get(d), str)}
        for digest in charts:
            if digest not in self._uploads:
                self._uploads[digest] = self._upload(digest)

    def _upload(self, digest: str) -> str:
        chart = self._charts[digest]
        from okrsync.charts.draw import chart_png  # matplotlib: only when a chart is drawn

        png = chart_png(
            series_from_json(chart["series"]),
            "cycle" if chart["kind"] == "cycle" else "objective",
            labels_from_json(chart["labels"]),
        )
        return self._api.upload_file(str(chart["filename"]), png, "image/png")

    def _send(self, content: Any, send: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
        """`send(content)` with the chart references in `content` naming their uploads; an
        upload Notion finds expired (unattached for an hour) is made again, and sent once more."""
        refs = chart_refs(content)
        try:
            return dict(send(with_uploads(content, self._uploads)))
        except NotionRecordError as exc:
            if exc.code != "validation_error" or not refs:
                raise
            expired = [
                d for d in refs if self._api.file_upload_status(self._uploads[d]) == "expired"
            ]
            if not expired:
                raise
        for digest in expired:
            self._uploads[digest] = self._upload(digest)
        return dict(send(with_uploads(content, self._uploads)))

    def _rewrite(self, page_id: str, old: list[Node], blocks: list[Block]) -> list[Node] | None:
        """Rewrite only what differs between the kept tree `old` and the new blocks, and
        return the new tree; None when the page no longer lines up with `old` (then the
        caller regenerates it whole)."""
        top = self._tops.pop(page_id, None) or self._top_level(page_id)
        cut = next((i for i, b in enumerate(top) if is_generated_line(b)), None)
        if cut is None or len(top) - cut - 1 != len(old):
            return None
        tree = [block_tree(block) for block in blocks]
        try:
            # When the change reorders much of the page, rewriting block by block costs more
            # requests than regenerating: then regenerate.
            plan = _rewrite_plan(old, blocks, tree, self._append_budget)
            if not plan.patch:
                return None
            self._kept = plan.kept
            self._patch(page_id, top[cut + 1 :], old, blocks, tree, after=str(top[cut]["id"]))
        except (_Drift, _Replace, RecordError):
            return None
        except (IndexError, TypeError, KeyError, ValueError):
            return None  # a kept tree that is not what this version writes
        # Not listed again to count: a block someone adds or deletes meanwhile makes the next
        # run's page no longer line up with the kept tree (the check above), which regenerates.
        return tree

    def _patch(
        self,
        parent_id: str,
        live: list[dict[str, Any]],
        old: list[Node],
        new: list[Block],
        tree: list[Node],
        *,
        after: str | None,
    ) -> None:
        """Turn the children `live` of `parent_id` (written as `old`) into `new` (hashed as
        `tree`, whose ids are filled in): equal ones stay, same-typed ones are patched in
        place, others replaced. `after` is the block the first child follows (None: the start
        of `parent_id`, where nothing can be inserted before a kept child: then `_Replace`
        asks for the whole parent to be replaced)."""
        opcodes = SequenceMatcher(
            None, [o[0] for o in old], [t[0] for t in tree], autojunk=False
        ).get_opcodes()
        if after is None and live and opcodes and opcodes[0][0] == "insert":
            raise _Replace(parent_id)
        anchor = after
        for tag, i1, i2, j1, j2 in opcodes:
            if tag == "equal":
                for k in range(i2 - i1):
                    _copy_ids(old[i1 + k], tree[j1 + k], str(live[i1 + k]["id"]))
                anchor = str(live[i2 - 1]["id"])
                continue
            pending: list[Block] = []
            for k in range(i2 - i1):
                block, j = live[i1 + k], j1 + k
                if j < j2 and block.get("type") == new[j]["type"] and id(tree[j]) in self._kept:
                    try:
                        self._patch_block(block, old[i1 + k], new[j], tree[j])
                    except _Replace:
                        pass
                    else:
                        anchor = self._insert(parent_id, pending, anchor, later=True)
                        pending = []
                        anchor = str(block["id"])
                        continue
                self._api.delete_block(str(block["id"]))
                if j < j2:
                    pending.append(new[j])
            pending.extend(new[j1 + (i2 - i1) : j2])
            anchor = self._insert(parent_id, pending, anchor, later=i2 < len(live))
            for j in range(j1, j2):
                if tree[j][3] is None:
                    _fill_ids(tree[j], new[j], self._made)

    def _patch_block(self, live: dict[str, Any], old: Node, block: Block, tree: Node) -> None:
        """Update one block in place: its children (read only when something below it
        changed and their ids are not kept), then its own content if that changed."""
        block_id = str(live["id"])
        if [kid[0] for kid in old[2]] != [kid[0] for kid in tree[2]]:
            if all(kid[3] for kid in old[2]):
                kids = [{"id": kid[3], "type": kid[4]} for kid in old[2]]
            else:
                kids = list(self._api.list_children(block_id)) if old[2] else []
                if len(kids) != len(old[2]):
                    raise _Drift(block_id)
            self._patch(block_id, kids, old[2], children_of(block), tree[2], after=None)
        else:
            for old_kid, kid in zip(old[2], tree[2], strict=True):
                _copy_ids(old_kid, kid, old_kid[3])
        if old[1] != tree[1]:
            kind = block["type"]
            self._send(
                own_content(block), lambda body: self._api.update_block(block_id, **{kind: body})
            )
        tree[3] = block_id

    def _insert(
        self, parent_id: str, blocks: list[Block], after: str | None, *, later: bool
    ) -> str | None:
        """Insert `blocks` after the child `after` of `parent_id` (at its start when None);
        `later` says whether children follow them. Returns the last block inserted (or
        `after` when there was nothing to insert)."""
        if not blocks:
            return after
        if after is None and later:
            raise _Drift(parent_id)  # cannot happen: the plan replaces such a parent whole
        return self._append_tree(parent_id, blocks, after=after) or after

    def _create(self, parent: str, key: str, title: str) -> str:
        """Create the page with its skeleton, never twice: look for the marker before retrying.

        Notion has no idempotency keys. When a create fails in a way that may have been applied
        (connection reset, timeout, 5xx), the page may exist: find it by its marker first.
        After a timeout the create may still be in flight at Notion and land after the look,
        so it is not sent again in this run: the write fails, and the next run finds the page.
        """
        last: TransientError | None = None
        for _attempt in range(self._max_attempts):
            if last is not None:
                found = self.find_review_page(parent, key, title)
                if found is not None:
                    return found[0]
                if isinstance(last, TimedOut):
                    raise last
            try:
                created = self._api.create_page(
                    parent={"type": "page_id", "page_id": parent},
                    properties={"title": title_payload(title)},
                    children=skeleton_blocks(marker_text(key, PENDING), self._t),
                    subject=f"review page {title!r}",
                )
                return str(created["id"])
            except TransientError as exc:
                last = exc
        assert last is not None
        raise last

    def _marker_id(self, page_id: str) -> str:
        first = self._api.first_child(page_id)
        if first is None:
            raise RecordError(
                f"review page {page_id}: the marker paragraph is missing",
                subject=page_id,
                hint="delete the page in Notion; okrsync recreates it",
            )
        return str(first["id"])

    def _set_marker(self, block_id: str, text: str) -> None:
        self._api.update_block(block_id, paragraph=marker_block(text)["paragraph"])

    def _regenerate(self, page_id: str, blocks: list[Block]) -> None:
        """Replace everything below the cut line with `blocks`; verify, and redo once."""
        for _attempt in range(2):
            self._clear_generated(page_id)
            self._append_tree(page_id, blocks)
            if self._generated_count(page_id) == len(blocks):
                return
        raise RecordError(
            f"review page {page_id}: the regenerated content does not match what was written",
            subject=page_id,
            hint="someone may be editing the page; the next run regenerates it",
        )

    def _top_level(self, page_id: str) -> list[dict[str, Any]]:
        return list(self._api.list_children(page_id))

    def _clear_generated(self, page_id: str) -> None:
        top = self._top_level(page_id)
        cut = next((i for i, b in enumerate(top) if is_generated_line(b)), None)
        if cut is None:
            # The cut line was removed by hand: rebuild everything below the marker.
            for block in top[1:]:
                self._api.delete_block(str(block["id"]))
            self._api.append_children(page_id, skeleton_blocks("", self._t)[1:])
            return
        for block in top[cut + 1 :]:
            self._api.delete_block(str(block["id"]))

    def _generated_count(self, page_id: str) -> int:
        top = self._top_level(page_id)
        for i, block in enumerate(top):
            if is_generated_line(block):
                return len(top) - i - 1
        return -1

    def _append_tree(
        self, parent_id: str, blocks: Sequence[Block], *, after: str | None = None
    ) -> str | None:
        """Append block trees under `parent_id` (right after its child `after`, if given),
        deeper levels in follow-up requests. Returns the id of the last top-level block."""
        last = after
        for batch in append_batches(blocks):
            response = self._send(batch.payload, self._appender(parent_id, last))
            created = [r for r in response.get("results", []) if isinstance(r, dict)]
            for tree, levels, made in zip(batch.trees, batch.levels, created, strict=False):
                self._made[id(tree)] = str(made["id"])
                if left_out(tree, levels):
                    self._append_rest(str(made["id"]), tree, levels)
            if created:
                last = str(created[-1]["id"])
        return last

    def _appender(self, parent_id: str, after: str | None) -> Callable[[Any], dict[str, Any]]:
        """Append the blocks given to `parent_id`, at its end or right after `after`."""
        if after is None:
            return lambda body: self._api.append_children(parent_id, body)
        return lambda body: self._api.append_children(parent_id, body, after=after)

    def _append_rest(self, block_id: str, tree: Block, levels: int) -> None:
        """Append the descendants of `tree` that did not travel with it (sent `levels` deep)."""
        kids = children_of(tree)
        if levels <= 0:
            self._append_tree(block_id, kids)
            return
        created = list(self._api.list_children(block_id))
        for kid, made in zip(kids, created, strict=False):
            self._made[id(kid)] = str(made["id"])
            if left_out(kid, levels - 1):
                self._append_rest(str(made["id"]), kid, levels - 1)
