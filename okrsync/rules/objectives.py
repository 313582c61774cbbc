"""Rules about objectives (OBJxxx): focus, shape, ownership and how each objective is going."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

from pydantic import Field
from rapidfuzz import process
from rapidfuzz.distance import Indel

from okrsync.i18n import N_
from okrsync.i18n.message import Fixed, Np_, Quoted, Share
from okrsync.model import Objective
from okrsync.rules.catalogue import Hit, NoThresholds, Rule, Thresholds, hit
from okrsync.rules.context import Context, TitleScan, clip, scan_title, scan_titles

# -- OBJ001 -----------------------------------------------------------------------------------


class TooManyObjectivesThresholds(Thresholds):
    """What OBJ001 too-many-objectives tolerates; set under [rules.thresholds.OBJ001]."""

    max_per_team: int = Field(default=3, ge=1, description="Objectives per team per cycle.")
    max_per_owner: int = Field(default=3, ge=1, description="Objectives per owner per cycle.")
    max_company: int = Field(default=5, ge=1, description="Company objectives per cycle.")


TOO_MANY_COMPANY: Final = Np_(
    "{found} company objectives in {cycle}, more than {count} objective: {objectives}",
    "{found} company objectives in {cycle}, more than {count} objectives: {objectives}",
)
TOO_MANY_TEAM: Final = Np_(
    "team {team!r} has {found} objectives in {cycle}, more than {count} objective: {objectives}",
    "team {team!r} has {found} objectives in {cycle}, more than {count} objectives: {objectives}",
)
TOO_MANY_OWNER: Final = Np_(
    "{person} owns {found} objectives in {cycle}, more than {count} objective: {objectives}",
    "{person} owns {found} objectives in {cycle}, more than {count} objectives: {objectives}",
)


def _too_many_objectives(ctx: Context, t: TooManyObjectivesThresholds) -> Iterator[Hit]:
    company: dict[str, list[str]] = {}
    teams: dict[tuple[str, str], list[str]] = {}
    owners: dict[tuple[str, str], list[str]] = {}
    for o in ctx.workspace.objectives:
        if o.cycle is None:
            continue
        if o.level == "company":
            company.setdefault(o.cycle, []).append(o.id)
            continue
        if o.team:
            teams.setdefault((o.cycle, o.team), []).append(o.id)
        for owner in dict.fromkeys(o.owners):
            owners.setdefault((o.cycle, owner), []).append(o.id)
    for cycle_id, ids in company.items():
        if len(ids) > t.max_company:
            yield hit(
                cycle_id,
                TOO_MANY_COMPANY,
                in_cycle=cycle_id,
                found=len(ids),
                cycle=ctx.cycle_label(cycle_id),
                count=t.max_company,
                objectives=ctx.objective_list(ids),
            )
    for (cycle_id, team), ids in teams.items():
        if len(ids) > t.max_per_team:
            yield hit(
                team,
                TOO_MANY_TEAM,
                in_cycle=cycle_id,
                team=team,
                found=len(ids),
                cycle=ctx.cycle_label(cycle_id),
                count=t.max_per_team,
                objectives=ctx.objective_list(ids),
            )
    for (cycle_id, owner), ids in owners.items():
        if len(ids) > t.max_per_owner:
            yield hit(
                owner,
                TOO_MANY_OWNER,
                in_cycle=cycle_id,
                person=ctx.person_label(owner),
                found=len(ids),
                cycle=ctx.cycle_label(cycle_id),
                count=t.max_per_owner,
                objectives=ctx.objective_list(ids),
            )


# -- OBJ002, OBJ003, OBJ004 --------------------------------------------------------------------


class TooFewKeyResultsThresholds(Thresholds):
    """What OBJ002 too-few-key-results tolerates; set under [rules.thresholds.OBJ002]."""

    min_key_results: int = Field(default=2, ge=1, description="Fewest key results expected.")


TOO_FEW_KEY_RESULTS: Final = Np_(
    "objective {title!r} has {count} key result, fewer than {minimum}",
    "objective {title!r} has {count} key results, fewer than {minimum}",
)


def _too_few_key_results(ctx: Context, t: TooFewKeyResultsThresholds) -> Iterator[Hit]:
    for o in ctx.workspace.objectives:
        found = len(ctx.key_results_by_objective.get(o.id, ()))
        if 0 < found < t.min_key_results:
            yield hit(
                o.id, TOO_FEW_KEY_RESULTS, title=o.title, count=found, minimum=t.min_key_results
            )


class TooManyKeyResultsThresholds(Thresholds):
    """What OBJ003 too-many-key-results tolerates; set under [rules.thresholds.OBJ003]."""

    max_key_results: int = Field(default=5, ge=1, description="Most key results expected.")


TOO_MANY_KEY_RESULTS: Final = Np_(
    "objective {title!r} has {count} key result, more than {maximum}",
    "objective {title!r} has {count} key results, more than {maximum}",
)
NO_KEY_RESULTS: Final = N_("objective {title!r} has no key results")


def _too_many_key_results(ctx: Context, t: TooManyKeyResultsThresholds) -> Iterator[Hit]:
    for o in ctx.workspace.objectives:
        found = len(ctx.key_results_by_objective.get(o.id, ()))
        if found > t.max_key_results:
            yield hit(
                o.id, TOO_MANY_KEY_RESULTS, title=o.title, count=found, maximum=t.max_key_results
            )


def _no_key_results(ctx: Context, t: NoThresholds) -> Iterator[Hit]:
    for o in ctx.workspace.objectives:
        if not ctx.key_results_by_objective.get(o.id):
            yield hit(o.id, NO_KEY_RESULTS, title=o.title)


# -- OBJ005 ------------------------------------------------------------------------------------


NO_OWNER: Final = N_("objective {title!r} has no owner")


def _no_owner(ctx: Context, t: NoThresholds) -> Iterator[Hit]:
    for o in ctx.workspace.objectives:
        if not o.owners:
            yield hit(o.id, NO_OWNER, title=o.title)


# -- OBJ006 ------------------------------------------------------------------------------------

_NUMBER: Final = r"\d+(?:[.,']\d+)*"
_METRIC_RE: Final = re.compile(
    rf"{_NUMBER}\s*%|%\s*{_NUMBER}|(?:\b{_NUMBER}\s*)?\b(?:per\s?cent|prozent)\b"
    rf"|[$€£]\s*{_NUMBER}(?:\s*(?:k|m|mio|bn)\b)?|{_NUMBER}\s*[$€£]"
    rf"|\b{_NUMBER}\s*(?:k|m|mio|bn|x|usd|eur)\b"
    r"|\bfrom\s+\S*\d\S*\s+to\s+\S*\d|\bvon\s+\S*\d\S*\s+auf\s+\S*\d",
    re.IGNORECASE,
)
_NUMBER_RE: Final = re.compile(r"\d[\d,.']*")


class MetricTitleThresholds(Thresholds):
    """What OBJ006 objective-phrased-as-metric tolerates; set under [rules.thresholds.OBJ006]."""

    plain_number_from: int = Field(
        default=100,
        ge=1,
        description="A bare number this large (other than a year) also counts as a metric.",
    )


# A title can match _METRIC_RE only with one of these signs in it or one of these words among
# its runs of letters (see `TitleScan`: "5k", "10 x" and "5 usd" end in a run of their own);
# any other title skips the case-insensitive regex.
_METRIC_WORDS: Final = frozenset(
    {"cent", "percent", "prozent", "from", "von", "k", "m", "mio", "bn", "x", "usd", "eur"}
)


def metric_in_title(
    title: str, plain_number_from: int, scan: TitleScan | None = None
) -> str | None:
    """The metric-like fragment of a title (a percentage, an amount, "from X to Y"), if any.

    Only the first `TEXT_LIMIT` characters are read; `scan` is the title's `scan_title`, when
    the caller has it.
    """
    title = clip(title)
    text, runs = scan_title(title) if scan is None else scan
    signs = "%" in text or "$" in text or "€" in text or "£" in text
    if signs or not _METRIC_WORDS.isdisjoint(runs):
        match = _METRIC_RE.search(title)
        if match:
            return str(match.group(0))
    tokens: list[str] = _NUMBER_RE.findall(title)
    for token in tokens:
        digits = token.rstrip(",.'").replace(",", "").replace(".", "").replace("'", "")
        if not digits.isdigit():
            continue
        value = int(digits)
        is_year = len(digits) == 4 and 1900 <= value <= 2100
        if value >= plain_number_from and not is_year:
            return token.rstrip(",.'")
    return None


METRIC_TITLE: Final = N_("objective {title!r} reads like a metric ({fragment!r})")


def _metric_title(ctx: Context, t: MetricTitleThresholds) -> Iterator[Hit]:
    objectives = ctx.workspace.objectives
    scans = scan_titles([o.title for o in objectives])  # all titles at once, as they are read
    for o, scan in zip(objectives, scans, strict=True):
        fragment = metric_in_title(o.title, t.plain_number_from, scan)
        if fragment is not None:
            yield hit(o.id, METRIC_TITLE, title=o.title, fragment=fragment)


# -- OBJ007 ------------------------------------------------------------------------------------

_FULL_COMPARE_UP_TO: Final = 12  # objectives in one group compared pairwise
_WINDOW: Final = 4  # beyond that, this many neighbours in each sorted order...
_PER_WORD: Final = 4  # ...and the last few titles sharing each word


class DuplicateThresholds(Thresholds):
    """What OBJ007 duplicate-objective tolerates; set under [rules.thresholds.OBJ007]."""

    similarity: float = Field(
        default=0.85,
        gt=0,
        le=1,
        description="Similarity (2 x characters in common, in order / both lengths) from which "
        "two titles in one cycle and team count as one.",
    )


# What normalise_title's regex and split do to an ASCII text, as one table of bytes: every
# character other than a letter, digit or underscore becomes a space (white space too, so
# that splitting bytes splits where splitting the text would).
_ASCII_SPACED: Final = bytes(
    code if code >= 128 or chr(code).isalnum() or chr(code) == "_" else ord(" ")
    for code in range(256)
)


def normalise_title(title: str) -> str:
    """Lower case, punctuation dropped, whitespace collapsed: the form duplicates compare in.

    Only the first `TEXT_LIMIT` characters count, so a huge title costs no more than a long one.
    """
    title = clip(title)
    if title.isascii():  # casefold() is lower(); a table of bytes does the regex's work
        return b" ".join(title.lower().encode().translate(_ASCII_SPACED).split()).decode()
    return " ".join(re.sub(r"[^\w\s]", " ", title.casefold()).split())


def _candidates(titles: list[str]) -> Iterator[tuple[int, list[int]]]:
    """For each title (sorted ascending), the earlier titles worth comparing it with.

    Small groups compare every pair. In large groups a constant number per title, so a team
    with thousands of objectives costs linear time: near duplicates share most of their text,
    so they sort close together by their beginning or by their end (a window of neighbours in
    both orders), and they share words (the last few earlier titles with each of its words).
    """
    n = len(titles)
    if n <= _FULL_COMPARE_UP_TO:
        for j in range(n):
            yield j, list(range(j))
        return
    by_end = sorted(range(n), key=lambda k: (titles[k][::-1], k))
    end_neighbours: list[list[int]] = [[] for _ in range(n)]
    for pos, k in enumerate(by_end):
        for other in by_end[max(0, pos - _WINDOW) : pos]:
            low, high = min(k, other), max(k, other)
            end_neighbours[high].append(low)
    with_word: dict[str, list[int]] = {}
    for j in range(n):
        found = set(range(max(0, j - _WINDOW), j))
        found.update(end_neighbours[j])
        for word in set(titles[j].split()):
            earlier = with_word.setdefault(word, [])
            found.update(earlier[-_PER_WORD:])
            earlier.append(j)
        yield j, sorted(found)


def _near_duplicates(
    items: list[tuple[str, str]], similarity: float
) -> Iterator[tuple[str, str, float]]:
    """(later id, earlier id, ratio) for titles at least `similarity` alike, one per later id.

    Titles are compared with rapidfuzz's normalised Indel similarity (2 x longest common
    subsequence / total length, difflib's ratio without its heuristics), each with its
    candidates only; the most similar earlier title is reported, the first on a tie.
    """
    items = sorted(items, key=lambda item: (item[1], item[0]))
    titles = [title for _, title in items]
    for j, earlier in _candidates(titles):
        if not earlier:
            continue
        best = process.extractOne(
            titles[j],
            [titles[i] for i in earlier],
            scorer=Indel.normalized_similarity,
            score_cutoff=similarity,
        )
        if best is not None:
            _, ratio, position = best
            yield items[j][0], items[earlier[position]][0], ratio


DUPLICATE: Final = N_("objective {title!r} duplicates {other!r} in the same cycle")
NEAR_DUPLICATE: Final = N_("objective {title!r} is {similarity} like {other!r} in the same cycle")


def _duplicates(ctx: Context, t: DuplicateThresholds) -> Iterator[Hit]:
    # The first of each title in a cycle (by id) is the original, the others its duplicates:
    # the smallest id found in one pass, without sorting every objective by id.
    first_by_title: dict[tuple[str, str], str] = {}
    titled: list[tuple[Objective, str, tuple[str, str]]] = []
    for o in ctx.workspace.objectives:
        if o.cycle is None:
            continue
        title = normalise_title(o.title)
        if not title:
            continue  # nothing to compare; an empty title is the mapping's finding (DATA002)
        key = (o.cycle, title)
        known = first_by_title.get(key)
        if known is None or o.id < known:
            first_by_title[key] = o.id
        titled.append((o, title, key))
    groups: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for o, title, key in titled:
        earlier = first_by_title[key]
        if earlier != o.id:
            yield hit(o.id, DUPLICATE, title=o.title, other=ctx.objectives[earlier].title)
            continue
        owner = o.team or (o.owners[0] if o.owners else "")
        groups.setdefault((key[0], owner), []).append((o.id, title))
    for items in groups.values():
        for later, earlier, ratio in _near_duplicates(items, t.similarity):
            yield hit(
                later,
                NEAR_DUPLICATE,
                title=ctx.objectives[later].title,
                similarity=Share(ratio),
                other=ctx.objectives[earlier].title,
            )


# -- OBJ008 to OBJ011 -------------------------------------------------------------------------


COMMITTED_MISS: Final = N_("committed objective {title!r} ended below 1.0 ({score})")
COMMITTED_MISS_UNSCORED: Final = N_("committed objective {title!r} ended below 1.0 (no score)")
HEALTH_MESSAGES: Final[dict[str, tuple[str, str]]] = {
    "off_track": (
        N_("objective {title!r} is off track"),
        N_("objective {title!r} is off track: score {score} where {expected} was expected by now"),
    ),
    "at_risk": (
        N_("objective {title!r} is at risk"),
        N_("objective {title!r} is at risk: score {score} where {expected} was expected by now"),
    ),
}
"""Per health a rule flags: the message without and with the score and the expected score."""


def _committed_miss(ctx: Context, t: NoThresholds) -> Iterator[Hit]:
    for o in ctx.workspace.objectives:
        result = ctx.evaluation.objectives.get(o.id)
        if result is not None and result.miss:
            if result.score is None:
                yield hit(o.id, COMMITTED_MISS_UNSCORED, title=o.title)
            else:
                yield hit(o.id, COMMITTED_MISS, title=o.title, score=Fixed(result.score))


def _health_hits(ctx: Context, health: str) -> Iterator[Hit]:
    for o in ctx.workspace.objectives:
        result = ctx.evaluation.objectives.get(o.id)
        if result is None or result.health != health:
            continue
        plain, detailed = HEALTH_MESSAGES[health]
        if result.score is not None and result.expected is not None:
            score, expected = Fixed(result.score), Fixed(result.expected)
            yield hit(o.id, detailed, title=o.title, score=score, expected=expected)
        else:
            yield hit(o.id, plain, title=o.title)


def _off_track(ctx: Context, t: NoThresholds) -> Iterator[Hit]:
    return _health_hits(ctx, "off_track")


def _at_risk(ctx: Context, t: NoThresholds) -> Iterator[Hit]:
    return _health_hits(ctx, "at_risk")


ZERO_TOTAL_WEIGHT: Final = Np_(
    "all {count} key results of {title!r} have weight 0",
    "all {count} key results of {title!r} have weight 0",
)
NO_CYCLE: Final = N_("objective {title!r} belongs to no cycle")


def _zero_total_weight(ctx: Context, t: NoThresholds) -> Iterator[Hit]:
    for o in ctx.workspace.objectives:
        krs = ctx.key_results_by_objective.get(o.id, ())
        if krs and all(kr.weight == 0 for kr in krs):
            yield hit(o.id, ZERO_TOTAL_WEIGHT, count=len(krs), title=o.title)


# -- OBJ012, OBJ013 ---------------------------------------------------------------------------


def _no_cycle(ctx: Context, t: NoThresholds) -> Iterator[Hit]:
    for o in ctx.workspace.objectives:
        if o.cycle is None:
            yield hit(o.id, NO_CYCLE, title=o.title)


class LongTitleThresholds(Thresholds):
    """What OBJ013 objective-title-too-long tolerates; set under [rules.thresholds.OBJ013]."""

    max_chars: int = Field(default=100, ge=10, description="Longest objective title, in chars.")


LONG_TITLE: Final = Np_(
    "objective title has {length} characters, more than {count} character: {start}",
    "objective title has {length} characters, more than {count} characters: {start}",
)


def _long_title(ctx: Context, t: LongTitleThresholds) -> Iterator[Hit]:
    for o in ctx.workspace.objectives:
        if len(o.title) > t.max_chars:
            yield hit(o.id, LONG_TITLE, length=len(o.title), count=t.max_chars, start=_short(o))


def _short(o: Objective) -> Quoted:
    return Quoted(o.title[:60] + "...")


RULES: Final[tuple[Rule, ...]] = (
    Rule(
        code="OBJ001",
        name="too-many-objectives",
        title=N_("too many objectives"),
        family="objectives",
        severity="warning",
        summary=N_("A team or owner has more than 3 objectives in a cycle (company: more than 5)."),
        explanation=(
            N_(
                'OKRs are a focusing tool: John Doerr\'s "Measure What Matters" calls focus the '
                "first superpower and recommends three to five objectives per cycle, and Christina "
                'Wodtke\'s "Radical Focus" argues for a single objective per team. Each extra '
                "objective dilutes attention and makes it likely that all of them get half the "
                "effort. Company objectives may be a few more because they frame everyone's work."
            )
        ),
        hint=N_(
            "Keep the three objectives that matter most this cycle; move the rest to the "
            "backlog or turn them into key results of a kept objective."
        ),
        thresholds=TooManyObjectivesThresholds,
        check=_too_many_objectives,
    ),
    Rule(
        code="OBJ002",
        name="too-few-key-results",
        title=N_("too few key results"),
        family="objectives",
        severity="warning",
        summary=N_("An objective has fewer than 2 key results."),
        explanation=(
            N_(
                "A single key result tends to become the objective itself and can be met in ways "
                "that miss the intent. Google's OKR playbook and Doerr's \"Measure What Matters\" "
                "ask for two to five key results per objective, ideally pairing a quantity measure "
                "with a quality counter-measure so that one cannot be gamed at the other's expense."
            )
        ),
        hint=N_("Add a second key result, for example a quality measure that balances the first."),
        thresholds=TooFewKeyResultsThresholds,
        check=_too_few_key_results,
    ),
    Rule(
        code="OBJ003",
        name="too-many-key-results",
        title=N_("too many key results"),
        family="objectives",
        severity="warning",
        summary=N_("An objective has more than 5 key results."),
        explanation=(
            N_(
                "Doerr and Google's OKR playbook cap key results at about five per objective; more "
                "usually means tasks or a to-do list were written as key results, and nobody can "
                'keep more than a handful of measures in mind week by week (Wodtke, "Radical '
                'Focus").'
            )
        ),
        hint=N_(
            "Keep the 3-5 key results that best prove the objective; move activities to a "
            "plan or backlog."
        ),
        thresholds=TooManyKeyResultsThresholds,
        check=_too_many_key_results,
    ),
    Rule(
        code="OBJ004",
        name="objective-without-key-results",
        title=N_("objective without key results"),
        family="objectives",
        severity="warning",
        summary=N_("An objective has no key results, so its progress cannot be measured."),
        explanation=(
            N_(
                "An objective without key results is a wish: Doerr's definition of an OKR is an "
                "objective plus the key results that measure how we get there, and Andy Grove's "
                'original question "how will I know I am getting there?" has no answer without '
                "them. okrsync cannot score it except by roll-up."
            )
        ),
        hint=N_("Add two to five measurable key results, or remove the objective."),
        check=_no_key_results,
    ),
    Rule(
        code="OBJ005",
        name="objective-without-owner",
        title=N_("objective without owner"),
        family="objectives",
        severity="warning",
        summary=N_("An objective has no owner."),
        explanation=(
            N_(
                "Every OKR guide (Doerr, Google's playbook, Felipe Castro's OKR guides) insists on "
                "one accountable owner per objective; shared or missing ownership means no one "
                "drives the check-ins or answers for the result at the review."
            )
        ),
        hint=N_("Set one owner who is accountable for the objective."),
        check=_no_owner,
    ),
    Rule(
        code="OBJ006",
        name="objective-phrased-as-metric",
        title=N_("objective phrased as metric"),
        family="objectives",
        severity="warning",
        summary=N_("An objective's title contains a number, percentage or amount."),
        explanation=(
            N_(
                "Objectives are qualitative and inspiring; the numbers belong in the key results. "
                "Doerr describes objectives as significant, concrete, action-oriented and "
                "inspirational, and Castro's guides warn that a metric written as the objective "
                'leaves nothing for the key results to measure and loses the "why".'
            )
        ),
        hint=N_(
            "Rewrite the objective as the qualitative outcome you want and move the number "
            "into a key result."
        ),
        thresholds=MetricTitleThresholds,
        check=_metric_title,
    ),
    Rule(
        code="OBJ007",
        name="duplicate-objective",
        title=N_("duplicate objective"),
        family="objectives",
        severity="warning",
        summary=N_("Two objectives in one cycle have the same or nearly the same title."),
        explanation=(
            N_(
                "Duplicates split effort and reporting: the same intent is tracked twice, scores "
                "disagree, and alignment points at either copy. They usually come from copying "
                "last cycle's page or from two people writing the same goal, which Niven and "
                'Lamorte ("Objectives and Key Results") name among common mistakes. Titles are '
                "compared case- and punctuation-insensitively (on their first 1 000 characters), "
                "near duplicates by similarity ratio within one cycle and team (or owner)."
            )
        ),
        hint=N_("Merge the two objectives, or make their titles say how they differ."),
        thresholds=DuplicateThresholds,
        check=_duplicates,
    ),
    Rule(
        code="OBJ008",
        name="committed-miss",
        title=N_("committed miss"),
        family="objectives",
        severity="warning",
        summary=N_("A committed objective ended the cycle below 1.0."),
        explanation=(
            N_(
                "Google's OKR playbook distinguishes committed OKRs, which are expected to be met "
                "in full (1.0), from aspirational ones, where 0.6-0.7 is success. A committed "
                "miss is an exception that needs a note: what went wrong and whether the plan or "
                "the commitment process needs changing."
            )
        ),
        hint=N_(
            "Write a short note on the objective explaining the miss and what changes next cycle."
        ),
        check=_committed_miss,
    ),
    Rule(
        code="OBJ009",
        name="objective-off-track",
        title=N_("objective off track"),
        family="objectives",
        severity="warning",
        summary=N_("An objective's score is far behind the pace of the cycle (off track)."),
        explanation=(
            N_(
                "Health compares the score with the share of the cycle that has elapsed times the "
                "objective's bar (1.0 committed, 0.7 aspirational). Off track means the gap is "
                'beyond the at-risk band; Wodtke\'s weekly check-in ritual in "Radical Focus" is '
                "meant to surface this early, while there is still time to act."
            )
        ),
        hint=N_(
            "Discuss it at the next check-in: change the approach, get help, or lower the "
            "confidence and say why."
        ),
        check=_off_track,
    ),
    Rule(
        code="OBJ010",
        name="objective-at-risk",
        title=N_("objective at risk"),
        family="objectives",
        severity="info",
        summary=N_("An objective is somewhat behind the pace of the cycle (at risk)."),
        explanation=(
            N_(
                "At risk means the score trails the expected pace by more than the on-track band "
                'but not yet by the off-track margin. Doerr\'s "Measure What Matters" recommends '
                "regular tracking exactly so that such drifts are caught and corrected mid-cycle."
            )
        ),
        hint=N_("Look at the key results that lag and decide at the next check-in what to change."),
        check=_at_risk,
    ),
    Rule(
        code="OBJ011",
        name="zero-total-weight",
        title=N_("zero total weight"),
        family="objectives",
        severity="error",
        summary=N_("Every key result of an objective has weight 0, so it has no score."),
        explanation=(
            N_(
                "The objective score is the weighted mean of its key results and zero-weight key "
                "results are shown but not counted. With all weights at zero nothing is counted, "
                "so the objective cannot be scored; this is almost always a data entry mistake. "
                "Niven "
                "and Lamorte describe weights as a way to express relative importance, never to "
                "switch a whole objective off."
            )
        ),
        hint=N_("Give the key results positive weights (1 each when they count equally)."),
        check=_zero_total_weight,
    ),
    Rule(
        code="OBJ012",
        name="objective-without-cycle",
        title=N_("objective without cycle"),
        family="objectives",
        severity="warning",
        summary=N_("An objective belongs to no cycle, so it has no pace and no deadline."),
        explanation=(
            N_(
                "OKRs are time-boxed: Doerr and Grove set them per quarter so that they are "
                "reviewed, graded and reset on a cadence. Without a cycle okrsync cannot compute "
                "health, and the objective never gets graded or retired."
            )
        ),
        hint=N_("Set the objective's cycle (quarter) in its page or row."),
        check=_no_cycle,
    ),
    Rule(
        code="OBJ013",
        name="objective-title-too-long",
        title=N_("objective title too long"),
        family="objectives",
        severity="info",
        summary=N_("An objective's title is longer than 100 characters."),
        explanation=(
            N_(
                "Objectives should be short and memorable so that people can recall them without "
                'looking them up; Wodtke ("Radical Focus") and Castro\'s guides advise a single '
                "inspiring sentence. Long titles usually mix the objective with its key results "
                "or its plan."
            )
        ),
        hint=N_("Shorten the title to one crisp sentence; put details in the description."),
        thresholds=LongTitleThresholds,
        check=_long_title,
    ),
)
