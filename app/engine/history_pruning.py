"""Keep long-running loops cheap: cut finished history out of the engine's task tree.

SpiffWorkflow adds tasks under the previous ones on every pass through a loop, so the tree
deepens without end; its iterators stop at depth 1000, and a loop stalls silently after about
500 passes. Every unfinished task hangs below their lowest common ancestor (LCA); the finished
chain above it is history the engine never needs again (our own history table keeps it). We
re-attach the LCA directly under the root and drop the rest. Joins, boundary events and event
sub-processes all live below the LCA (their waiting tasks are unfinished), so they are untouched.
Only deep trees are pruned, so ordinary short processes keep their full tree.
"""

from __future__ import annotations

from SpiffWorkflow.util.task import TaskState

PRUNE_AT_DEPTH = 24


def prune_finished_history(workflow, min_depth: int = PRUNE_AT_DEPTH) -> int:
    """Prune the top workflow and every subprocess; returns the number of tasks removed."""
    removed = 0
    for wf in [workflow, *workflow.subprocesses.values()]:
        removed += _prune(workflow, wf, min_depth)
    return removed


def _ancestry(task) -> list:
    chain = []
    while task is not None:
        chain.append(task)
        task = task.parent
    return chain  # the task itself first, the root last


def _prune(top, wf, min_depth: int) -> int:
    unfinished = [t for t in wf.tasks.values() if not t.has_state(TaskState.FINISHED_MASK)]
    if not unfinished:
        return 0
    chain = _ancestry(unfinished[0])
    if len(chain) <= min_depth:
        return 0
    position = {task.id: index for index, task in enumerate(chain)}
    lca_index = 0
    for task in unfinished[1:]:
        node = task
        while node.id not in position:
            node = node.parent
        lca_index = max(lca_index, position[node.id])
    lca = chain[lca_index]
    root = wf.task_tree
    if len(chain) - 1 - lca_index < min_depth or lca is root:
        return 0

    keep = {root.id}
    stack = [lca]
    while stack:
        node = stack.pop()
        keep.add(node.id)
        stack.extend(node.children)
    dropped = [task_id for task_id in wf.tasks if task_id not in keep]
    for task_id in dropped:
        del wf.tasks[task_id]
        _drop_subprocess(top, task_id)
    root._children = [lca.id]
    lca._parent = root.id
    if wf.last_task is not None and wf.last_task.id not in keep:
        wf.last_task = lca
    return len(dropped)


def _drop_subprocess(top, task_id) -> None:
    sub = top.subprocesses.pop(task_id, None)
    if sub is None:
        return
    for inner_id in list(sub.tasks):
        _drop_subprocess(top, inner_id)
