"""The alignment graph's strongly connected components, shared by scoring and the rules.

Scoring rolls objectives up children before parents and must not let a loop feed a score
back into itself; rule ALN004 reports those same loops. Both walk the graph with this one
function so that what scoring ignores as a loop is exactly what the rule reports.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def strongly_connected_components(
    nodes: Sequence[str], edges: Mapping[str, Sequence[str]]
) -> list[list[str]]:
    """Strongly connected components of a graph, each after every component it points to.

    An iterative Tarjan: it terminates on any graph (loops, self-loops, long chains) without
    recursion, linear in nodes plus edges. With edges from parent to children the components
    come children before parents, the roll-up order. Edges inside one component are alignment
    loops; `evaluate` ignores them, so a loop cannot make a score depend on itself and the
    result does not depend on visiting order.
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    for root in nodes:
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, child_pos = work.pop()
            if child_pos == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            successors = edges.get(node, ())
            descended = False
            while child_pos < len(successors):
                child = successors[child_pos]
                child_pos += 1
                if child not in index:
                    work.append((node, child_pos))
                    work.append((child, 0))
                    descended = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if descended:
                continue
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(component)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return components
