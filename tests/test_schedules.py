"""Scheduled deployments on a real Prefect server: the nightly refresh fires on its cron and
rebuilds a warehouse to the same tables; fired again with nothing new it does no work; a second
writer is refused.

The warehouse is a copy of the session's plain pipeline warehouse, published without a
fingerprint of its inputs: the first night rebuilds it with the settings it was built with (the
real data reloaded, everything learned, simulated and built again), which must give the same
tables: the pipeline is idempotent and deterministic.

The server is ``prefect server start`` on a free loopback port (its own PREFECT_HOME), started
and stopped by the test: the temporary server Prefect starts by itself has no scheduler.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from conftest import CATALOG, N_HOUSEHOLDS, REFERENCE_HOUSEHOLDS, SIMULATION, copy_warehouse

from benchmarks.fingerprint import fingerprints
from flows.prefect_server import free_port, prefect_server
from python_models.paths import REPO_ROOT
from python_models.reporting.inputs import Inputs
from python_models.warehouse.build_lock import build_lock
from python_models.warehouse.serving import current_version

pytestmark = pytest.mark.e2e

DEPLOYMENT = "nightly-refresh"
SMALL = {  # plain_built's settings: the e2e sample (150 real households, 300 products), 200
    # simulated over 16 weeks, no closed loop
    "reference_households": REFERENCE_HOUSEHOLDS,
    "catalog_size": CATALOG,
    "products_per_category": 0,
    "n_households": N_HOUSEHOLDS,
    "simulation": SIMULATION,
    "campaign_seeds": [],
}
WAIT_SECONDS = 420


def _completed_runs(client, deployment_id) -> list:
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterId,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType

    runs = client.read_flow_runs(
        deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])),
        flow_run_filter=FlowRunFilter(
            state=FlowRunFilterState(
                type=FlowRunFilterStateType(any_=[StateType.COMPLETED, StateType.FAILED])
            )
        ),
    )
    failed = [run for run in runs if run.state_type == StateType.FAILED]
    assert not failed, f"a scheduled run failed: {failed[0].state}"
    return sorted(runs, key=lambda run: run.end_time)


def _wait_for(client, deployment_id, count: int, serve: subprocess.Popen) -> list:
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        runs = _completed_runs(client, deployment_id)
        if len(runs) >= count:
            return runs
        assert serve.poll() is None, "flows.serve exited"
        assert time.monotonic() < deadline, f"{count} runs not completed in {WAIT_SECONDS} s"
        time.sleep(2)


def _refresh_outcomes(client, runs) -> list[str]:
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    texts = []
    for run in runs:
        (artifact,) = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run.id]))
        )
        texts.append(artifact.data)
    return texts


def test_the_nightly_refresh_rebuilds_on_its_cron_to_the_same_tables_then_finds_nothing_new(
    plain_built, tmp_path
):
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    built_path, _ = plain_built
    warehouse = copy_warehouse(built_path, tmp_path / "warehouse")
    serving = warehouse.with_name("serving.duckdb")
    settings = {**SMALL, "reports_dir": str(tmp_path / "reports")}
    plain_version = current_version(serving)["version_id"]  # published without a fingerprint
    home = tmp_path / "prefect"
    # The scheduler and the runner look every 2 s instead of 60 s and 10 s: the cron below
    # fires at each minute's start either way.
    fast = {"PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "2"}
    with prefect_server(home, free_port(), extra_env=fast) as api_url:
        env = {
            **os.environ,
            **fast,
            "PREFECT_API_URL": api_url,
            "PREFECT_HOME": str(home),
            "PREFECT_RUNNER_POLL_FREQUENCY": "2",
        }
        command = [
            sys.executable, "-m", "flows.serve", "--warehouse-path", str(warehouse),
            "--only", DEPLOYMENT, "--cron", f"{DEPLOYMENT}=* * * * *",
            "--parameters", f"{DEPLOYMENT}={json.dumps(settings)}",
        ]  # fmt: skip
        log = (tmp_path / "serve.log").open("w")
        served = subprocess.Popen(
            command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            with (
                temporary_settings({PREFECT_API_URL: api_url}),
                get_client(sync_client=True) as client,
            ):
                deployment = None
                while deployment is None:
                    assert served.poll() is None, (tmp_path / "serve.log").read_text()
                    try:
                        deployment = client.read_deployment_by_name(f"refresh/{DEPLOYMENT}")
                    except Exception:  # not registered yet
                        time.sleep(1)
                assert deployment.global_concurrency_limit.limit == 1
                assert "nightly" in deployment.tags and deployment.description

                (first,) = _wait_for(client, deployment.id, 1, served)[:1]
                version = current_version(serving)
                assert version["version_id"] != plain_version  # the first night published
                assert Inputs.parse(version["inputs_fingerprint"]) is not None
                print(
                    f"scheduled run {first.id} ({first.name}) completed in "
                    f"{first.total_run_time.total_seconds():.1f} s"
                )
                # Another process writing a build file: a refresh of it refuses at once. (Another
                # file than the served one, whose next run must not meet the test's lock.)
                other = tmp_path / "other" / "retail.duckdb"
                with build_lock(other, purpose="the test"):
                    refused = subprocess.run(
                        [sys.executable, "-m", "flows.refresh", "--warehouse-path", str(other)],
                        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120,
                    )  # fmt: skip
                assert refused.returncode == 1
                (message,) = [
                    line for line in refused.stderr.splitlines() if line.startswith("refresh: ")
                ]
                assert "being written by another run" in message
                assert f"pid {os.getpid()}, the test" in message

                runs = _wait_for(client, deployment.id, 2, served)
                outcomes = _refresh_outcomes(client, runs[:2])
                assert outcomes[0].startswith("Refreshed")
                assert outcomes[1].startswith("Nothing new")
                assert current_version(serving) == version  # nothing published again
        finally:
            served.terminate()
            served.wait(timeout=60)
            log.close()
    # Every table and view of the rebuilt warehouse holds the rows it held before the rebuild
    # (but the times rows were written at).
    before, after = fingerprints(built_path), fingerprints(warehouse)
    assert after.keys() == before.keys()
    assert {name: after[name] for name in after if after[name] != before[name]} == {}
