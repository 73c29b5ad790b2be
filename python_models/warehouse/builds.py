"""The dbt builds the flows run, by name: each is a selector of dbt_project/selectors.yml, so
which nodes a build makes and tests is said once, in dbt's own terms."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .dbt_runner import run_dbt

BUILDS = (
    "learning_inputs",  # the core marts and what they read: what learning reads
    "learned_outputs",  # the tests of the learned tables, right after learning writes them
    "everything",  # every model, seed and test but those on Python-written tables
    "campaign_outputs",  # the tests of the closed loop's tables, after it writes them
    "calibration_outputs",  # the tests of the tuning trial log, after a study
    "calibration_trial",  # one tuning trial: the calibration marts, no tests
    "snowflake",  # what builds on a Snowflake account
    "emulator",  # what builds on the local Snowflake emulator (no Python models)
)
# profiles.yml's targets on Snowflake's SQL, and the build each runs.
SNOWFLAKE_BUILDS = {"snowflake": "snowflake", "fakesnow": "emulator"}


def snowflake_build(target: str) -> str:
    """The build a Snowflake target runs; refuses a target that is not one."""
    if target not in SNOWFLAKE_BUILDS:
        raise ValueError(f"target {target!r} is not one of {tuple(SNOWFLAKE_BUILDS)}")
    return SNOWFLAKE_BUILDS[target]


def dbt_build(
    warehouse_path: str | Path,
    build: str,
    *,
    target: str = "duckdb",
    echo: Callable[[str], None] = print,
    threads: int | None = None,
) -> list[str]:
    """``dbt build --selector <build>`` on ``target`` (in a subprocess); dbt's output lines.
    ``threads``: how many nodes dbt runs at once, if not the profile's."""
    if build not in BUILDS:
        raise ValueError(f"build {build!r} is not one of {BUILDS}")
    if threads is not None and threads < 1:
        raise ValueError(f"threads = {threads!r} must be >= 1")
    concurrency = [] if threads is None else ["--threads", str(threads)]
    return run_dbt(
        ["build", "--selector", build, *concurrency],
        warehouse_path=warehouse_path,
        target=target,
        echo=echo,
    )
