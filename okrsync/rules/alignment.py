"""Rules about alignment (ALNxxx): how objectives connect to the ones they support."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Final

from pydantic import Field

from okrsync.alignment_graph import strongly_connected_components
from okrsync.i18n import N_
from okrsync.i18n.message import NC_, Fixed, Listing, Np_
from okrsync.model import LEVELS, Objective
from okrsync.rules.catalogue import Hit, NoThresholds, Rule, Thresholds, hit
from okrsync.rules.context import Context

_RANK: Final = {level: i for i, level in enumerate(LEVELS)}
LEVEL_OBJECTIVE: Final = {
    "company": NC_("objective of a level", "company objective"),
    "department": NC_("objective of a level", "department objective"),
    "team": NC_("objective of a level", "team objective"),
    "individual": NC_("objective of a level", "individual objective"),
}
"""An objective named by its level, as messages start: "team objective 'Win mid-market'"."""
ORPHAN: Final = N_("{objective} {title!r} is aligned to no objective")
UNSUPPORTED_COMPANY: Final = N_("company objective {title!r} has no objective aligned to it")
PARENT_OTHER_CYCLE: Final = N_(
    "objective {title!r} ({cycle}) is aligned to {parent!r} in cycle {parent_cycle}"
)
LOOP: Final = N_("objective {objective} is part of an alignment loop ({path})")
DANGLING_PARENT: Final = N_(
    "objective {title!r} is aligned to an objective that is not in the workspace (deleted, "
    "archived, or not shared with okrsync)"
)
LEVEL_INVERSION: Final = N_("{objective} {title!r} is aligned to {parent_objective} {parent!r}")
TOO_MANY_PARENTS: Final = Np_(
    "objective {title!r} is aligned to {count} objective, more than {maximum}",
    "objective {title!r} is aligned to {count} objectives, more than {maximum}",
)
HEALTH_WORD: Final = {
    "on_track": NC_("health, lower case", "on track"),
    "green": NC_("health, lower case", "green"),
}
MASKS: Final = {
    (False, False): Np_(
        "objective {title!r} looks {health} while {behind} of its {count} aligned objective "
        "are behind",
        "objective {title!r} looks {health} while {behind} of its {count} aligned objectives "
        "are behind",
    ),
    (True, False): Np_(
        "objective {title!r} looks {health} ({grade}) while {behind} of its {count} aligned "
        "objective are behind",
        "objective {title!r} looks {health} ({grade}) while {behind} of its {count} aligned "
        "objectives are behind",
    ),
    (False, True): Np_(
        "objective {title!r} looks {health} while {behind} of its {count} aligned objective "
        "are behind, their mean score {mean}",
        "objective {title!r} looks {health} while {behind} of its {count} aligned objectives "
        "are behind, their mean score {mean}",
    ),
    (True, True): Np_(
        "objective {title!r} looks {health} ({grade}) while {behind} of its {count} aligned "
        "objective are behind, their mean score {mean}",
        "objective {title!r} looks {health} ({grade}) while {behind} of its {count} aligned "
        "objectives are behind, their mean score {mean}",
    ),
}
"""ALN008's message, with or without the objective's own grade and the children's mean."""


def _orphan(ctx: Context, t: NoThresholds) -> Iterator[Hit]:
    for o in ctx.workspace.objectives:
        if o.level != "company" and not o.parents:
            yield hit(o.id, ORPHAN, objective=LEVEL_OBJECTIVE[o.level], title=o.title)


def _unsupported_company(ctx: Context, t: NoThresholds) -> Iterator[Hit]:
    for o in ctx.workspace.objectives:
        if o.level == "company" and not ctx.children.get(o.id):
            yield hit(o.id, UNSUPPORTED_COMPANY, title=o.title)


def _cycle_contains(ctx: Context, outer_id: str, inner_id: str) -> bool:
    outer, inner = ctx.cycles.get(outer_id), ctx.cycles.get(inner_id)
    if outer is None or inner is None:
        return False
    return outer.start <= inner.start and inner.end <= outer.end


def _parent_other_cycle(ctx: Context, t: NoThresholds) -> Iterator[Hit]:
    for o in ctx.workspace.objectives:
        for parent_id in dict.fromkeys(o.parents):
            parent = ctx.objectives.get(parent_id)
            if parent is None or parent.cycle is None or o.cycle is None:
                continue
            if parent.cycle != o.cycle and not _cycle_contains(ctx, parent.cycle, o.cycle):
                yield hit(
                    o.id,
                    PARENT_OTHER_CYCLE,
                    title=o.title,
                    cycle=ctx.cycle_label(o.cycle),
                    parent=parent.title,
                    parent_cycle=ctx.cycle_label(parent.cycle),
                )


def alignment_loops(
    objectives: Mapping[str, Objective],
) -> list[list[str]]:
    """Every set of objectives that reach themselves through their parents, each sorted.

    The strongly connected components of the child -> parent graph that hold more than one
    objective, or one objective aligned to itself.
    """
    # Only an objective with both a parent and a child can be on a loop, and every objective on
    # a loop has both on that loop: the walk leaves the others (most of them) out.
    with_child = {parent for objective in objectives.values() for parent in objective.parents}
    edges = {
        node: [p for p in dict.fromkeys(objective.parents) if p in objectives]
        for node, objective in objectives.items()
        if objective.parents and node in with_child
    }
    return [
        sorted(component)
        for component in strongly_connected_components(list(edges), edges)
        if len(component) > 1 or component[0] in objectives[component[0]].parents
    ]


def _loops(ctx: Context, t: NoThresholds) -> Iterator[Hit]:
    for loop in alignment_loops(ctx.objectives):
        names = [ctx.objective_label(member) for member in loop]
        path = Listing((*names, names[0]), separator=" -> ")
        for member, name in zip(loop, names, strict=True):
            yield hit(member, LOOP, objective=name, path=path)


def _dangling(ctx: Context, t: NoThresholds) -> Iterator[Hit]:
    for o in ctx.workspace.objectives:
        for parent_id in dict.fromkeys(o.parents):
            if parent_id not in ctx.objectives:
                yield hit(o.id, DANGLING_PARENT, title=o.title)


def _level_inversion(ctx: Context, t: NoThresholds) -> Iterator[Hit]:
    for o in ctx.workspace.objectives:
        for parent_id in dict.fromkeys(o.parents):
            parent = ctx.objectives.get(parent_id)
            if parent is not None and _RANK[parent.level] > _RANK[o.level]:
                yield hit(
                    o.id,
                    LEVEL_INVERSION,
                    objective=LEVEL_OBJECTIVE[o.level],
                    title=o.title,
                    parent_objective=LEVEL_OBJECTIVE[parent.level],
                    parent=parent.title,
                )


class TooManyParentsThresholds(Thresholds):
    """What ALN007 too-many-parents tolerates; set under [rules.thresholds.ALN007]."""

    max_parents: int = Field(default=2, ge=1, description="Most objectives one may align to.")


def _too_many_parents(ctx: Context, t: TooManyParentsThresholds) -> Iterator[Hit]:
    for o in ctx.workspace.objectives:
        found = len(dict.fromkeys(o.parents))
        if found > t.max_parents:
            yield hit(o.id, TOO_MANY_PARENTS, title=o.title, count=found, maximum=t.max_parents)


_BEHIND: Final = frozenset({"at_risk", "off_track", "yellow", "red"})
_FINE: Final = frozenset({"on_track", "green"})


def _masks_children(ctx: Context, t: NoThresholds) -> Iterator[Hit]:
    for o in ctx.workspace.objectives:
        kids = [k for k in dict.fromkeys(ctx.children.get(o.id, ())) if k != o.id]
        result = ctx.evaluation.objectives.get(o.id)
        if not kids or result is None or result.health not in _FINE:
            continue
        results = [ctx.evaluation.objectives.get(k) for k in kids]
        behind = sum(1 for r in results if r is not None and r.health in _BEHIND)
        if behind * 2 <= len(kids):
            continue
        scores = [r.score for r in results if r is not None and r.score is not None]
        params: dict[str, Any] = {
            "title": o.title,
            "health": HEALTH_WORD[result.health],
            "behind": behind,
            "count": len(kids),
        }
        if result.grade is not None:
            params["grade"] = Fixed(result.grade, 1)
        if scores:
            params["mean"] = Fixed(sum(scores) / len(scores), 1)
        message = MASKS[(result.grade is not None, bool(scores))]
        yield hit(o.id, message, **params)


RULES: Final[tuple[Rule, ...]] = (
    Rule(
        code="ALN001",
        name="orphan-objective",
        title=N_("orphan objective"),
        family="alignment",
        severity="warning",
        summary=N_("A non-company objective is aligned to no other objective."),
        explanation=(
            N_(
                'Alignment is Doerr\'s second superpower in "Measure What Matters": every team '
                "should see how its objectives support the company's. An unaligned objective may "
                "be valid local work, but it should be a conscious choice; Niven and Lamorte "
                "recommend that most team OKRs link upward."
            )
        ),
        hint=N_(
            'Set "Aligned to" to the objective this one supports, or ignore ALN001 on it '
            "with a note saying why it stands alone."
        ),
        check=_orphan,
    ),
    Rule(
        code="ALN002",
        name="unsupported-company-objective",
        title=N_("unsupported company objective"),
        family="alignment",
        severity="warning",
        summary=N_("A company objective has no objective aligned to it."),
        explanation=(
            N_(
                "A company objective that no department or team supports is unlikely to move: "
                "Doerr and Google's playbook describe alignment as a two-way conversation in "
                "which teams pick up the company's objectives. Nobody aligning to one is an early "
                "sign that it lacks an owner in practice."
            )
        ),
        hint=N_(
            "Find the teams that should contribute and align their objectives to it, or drop it."
        ),
        check=_unsupported_company,
    ),
    Rule(
        code="ALN003",
        name="parent-in-other-cycle",
        title=N_("parent in other cycle"),
        family="alignment",
        severity="warning",
        summary=N_("An objective is aligned to an objective of another cycle."),
        explanation=(
            N_(
                "Alignment links work of the same period; a link into last quarter usually comes "
                "from copying a page forward. Links to a longer cycle that contains this one (an "
                "annual company objective above quarterly team objectives) are fine and not "
                "flagged, a practice described by Niven and Lamorte."
            )
        ),
        hint=N_("Align to the parent objective of the current cycle."),
        check=_parent_other_cycle,
    ),
    Rule(
        code="ALN004",
        name="alignment-loop",
        title=N_("alignment loop"),
        family="alignment",
        severity="error",
        summary=N_("Objectives are aligned to each other in a loop."),
        explanation=(
            N_(
                "Alignment forms a tree (or at most a directed acyclic graph) from company to "
                "individual objectives; a loop has no top, makes roll-ups meaningless and is "
                "always a data error (Niven and Lamorte describe alignment as linking to a higher "
                "level). okrsync's roll-up stops at loops, but the scores of the objectives in one "
                "are not trustworthy."
            )
        ),
        hint=N_(
            'Remove one of the "Aligned to" links so that the chain ends at a higher-level '
            "objective."
        ),
        check=_loops,
    ),
    Rule(
        code="ALN005",
        name="dangling-parent",
        title=N_("dangling parent"),
        family="alignment",
        severity="error",
        summary=N_("An objective is aligned to an objective that is not in the workspace."),
        explanation=(
            N_(
                "The parent was deleted, archived, or lives in a database the integration cannot "
                "read. The alignment tree and roll-ups silently lose this branch, and the "
                "transparency Doerr counts among the superpowers of OKRs is lost with it, so the "
                "link needs fixing or the parent needs sharing with okrsync."
            )
        ),
        hint=N_(
            "Re-link the objective to an existing parent, or give okrsync access to the "
            "parent's database or space."
        ),
        check=_dangling,
    ),
    Rule(
        code="ALN006",
        name="level-inversion",
        title=N_("level inversion"),
        family="alignment",
        severity="warning",
        summary=N_(
            "An objective is aligned to an objective of a lower level (e.g. company -> team)."
        ),
        explanation=(
            N_(
                "Alignment runs upward: individual to team to department to company (Doerr; Niven "
                "and Lamorte). A company objective aligned to a team objective turns the hierarchy "
                "upside down, usually because the link was set in the wrong direction."
            )
        ),
        hint=N_(
            "Reverse the link: the lower-level objective should be aligned to the higher-level one."
        ),
        check=_level_inversion,
    ),
    Rule(
        code="ALN007",
        name="too-many-parents",
        title=N_("too many parents"),
        family="alignment",
        severity="info",
        summary=N_("An objective is aligned to more than 2 objectives."),
        explanation=(
            N_(
                "An objective that claims to support many parents is usually too broad or is being "
                "linked everywhere to look aligned. Castro's guides favour a clear primary link "
                "so that roll-ups and accountability stay readable."
            )
        ),
        hint=N_("Keep the one or two parents this objective mainly supports."),
        thresholds=TooManyParentsThresholds,
        check=_too_many_parents,
    ),
    Rule(
        code="ALN008",
        name="parent-masks-children",
        title=N_("parent masks children"),
        family="alignment",
        severity="warning",
        summary=N_("An objective is on track while most objectives aligned to it are behind."),
        explanation=(
            N_(
                "By default a parent is scored from its own key results, so it can look on track "
                "while the work aligned to it is failing. Doerr's transparency superpower is about "
                "seeing the whole picture: when most children are at risk or off track, the "
                "parent's own numbers are probably not telling the story. The review shows the "
                "children's aggregate beside the parent's own score; docs/scoring.md explains the "
                "roll-up modes."
            )
        ),
        hint=N_(
            'Discuss the children at the review; consider rollup = "both" in [scoring] so '
            "the parent's score counts its children too."
        ),
        check=_masks_children,
    ),
)
