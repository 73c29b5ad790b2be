"""Seconds per step of the running flow, as Prefect recorded them (its task and subflow runs)."""

from __future__ import annotations

import re

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.context import get_run_context


def step_seconds() -> dict[str, float]:
    """``{step: seconds}`` of every finished task and subflow of the current flow run, in the
    order they started; a step run twice under one name is numbered (``name 2``)."""
    context = get_run_context()
    flow_run = getattr(context, "flow_run", None) or context.task_run.flow_run_id
    flow_run_id = getattr(flow_run, "id", flow_run)
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
        )
    steps: dict[str, float] = {}
    for run in sorted(runs, key=lambda r: r.start_time or r.expected_start_time):
        if run.start_time is None or run.end_time is None:
            continue
        name = re.sub(r"-[0-9a-f]{1,3}$", "", run.name)  # Prefect's run suffix (-7c4, -0)
        label, n = name, 1
        while label in steps:
            n += 1
            label = f"{name} {n}"
        steps[label] = (run.end_time - run.start_time).total_seconds()
    return steps
