"""Serve the flows as scheduled Prefect deployments (``make serve``).

Three deployments, each with a cron schedule, its parameters, a description and tags:

- ``nightly-refresh`` (``flows.refresh``, 02:00 every day): reload the real data if its package
  changed, simulate the scenario of the settings, build, test, publish the serving file; a
  night with nothing new does no work;
- ``weekly-calibration`` (``flows.calibrate``, 04:00 on Sundays): a short tuning study that
  checks the committed simulation settings still score well against the real data (its trial
  log is published; the committed settings are not rewritten);
- ``weekly-campaign`` (``flows.campaign``, 06:00 on Mondays): the closed loop's evaluation
  ``weekly``, played back and published.

Each deployment runs one flow run at a time (``concurrency_limit=1``), and every writing flow
takes the build file's writer lock before any work, so two overlapping runs never both write.
Schedules fire only against a real Prefect server (the temporary one has no scheduler): this
command starts ``prefect server start`` on loopback, with its own PREFECT_HOME in ``.prefect/``
and telemetry off, unless PREFECT_API_URL points at one. The UI: http://127.0.0.1:4200.

    .venv/bin/python -m flows.serve --help
    .venv/bin/python -m flows.serve --only nightly-refresh --cron nightly-refresh='0 3 * * *'
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from prefect import Flow, serve
from prefect.client.schemas.schedules import CronSchedule
from prefect.settings import PREFECT_API_URL, temporary_settings

from flows.calibrate import calibrate
from flows.campaign import campaign
from flows.prefect_server import ServerUnavailable, prefect_server
from flows.refresh import refresh
from python_models.paths import REPO_ROOT, resolve_warehouse_path
from python_models.warehouse.preflight import check_build_file

PREFECT_HOME = REPO_ROOT / ".prefect"


@dataclass(frozen=True)
class Schedule:
    flow: Flow
    cron: str
    description: str
    tags: tuple[str, ...]
    parameters: dict = field(default_factory=dict)


SCHEDULES = {
    "nightly-refresh": Schedule(
        refresh,
        "0 2 * * *",
        "Rebuild and republish the warehouse when its inputs changed (the real data's package, "
        "the simulation scenario, the code); a night with nothing new does no work.",
        ("nightly", "warehouse"),
    ),
    "weekly-calibration": Schedule(
        calibrate,
        "0 4 * * 0",
        "A short tuning study against the real data: do the committed simulation settings "
        "still score well? Its trial log is published; the settings are not rewritten.",
        ("weekly", "calibration"),
        {"trials": 10, "trial_households": 1000, "confirm_households": 2500, "study_id": "weekly"},
    ),
    "weekly-campaign": Schedule(
        campaign,
        "0 6 * * 1",
        "The closed loop: the model's campaign played back against oracle, propensity, random, "
        "broadcast and no targeting (evaluation 'weekly'), then published.",
        ("weekly", "targeting"),
        {"evaluation_id": "weekly"},
    ),
}


def deployments(
    warehouse_path: Path,
    names: list[str] | None = None,
    crons: dict[str, str] | None = None,
    parameters: dict[str, dict] | None = None,
):
    """The ``RunnerDeployment`` of each named schedule (all by default), on ``warehouse_path``,
    with ``crons`` and ``parameters`` overriding a schedule's own."""
    crons, parameters = crons or {}, parameters or {}
    unknown = sorted((set(names or []) | set(crons) | set(parameters)) - set(SCHEDULES))
    if unknown:
        raise ValueError(f"no deployment named {unknown}; the deployments: {list(SCHEDULES)}")
    for name, cron in crons.items():
        try:
            CronSchedule(cron=cron)
        except ValueError:  # pydantic's ValidationError, a ValueError
            raise ValueError(
                f"--cron {name}={cron!r} is not a cron expression (five fields, e.g. '0 2 * * *')"
            ) from None
    return [
        schedule.flow.to_deployment(
            name=name,
            cron=crons.get(name, schedule.cron),
            parameters={
                "warehouse_path": str(warehouse_path),
                **schedule.parameters,
                **parameters.get(name, {}),
            },
            description=schedule.description,
            tags=list(schedule.tags),
            concurrency_limit=1,
        )
        for name, schedule in SCHEDULES.items()
        if not names or name in names
    ]


def _assignment(text: str) -> tuple[str, str]:
    name, separator, value = text.partition("=")
    if not separator:
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=VALUE")
    return name, value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m flows.serve", description=__doc__.split("\n\n", 1)[0]
    )
    parser.add_argument(
        "--warehouse-path", help="the build file (default $WAREHOUSE_PATH or warehouse/)"
    )
    parser.add_argument(
        "--only", action="append", choices=list(SCHEDULES), help="serve only these deployments"
    )
    parser.add_argument(
        "--cron", action="append", type=_assignment, default=[], metavar="NAME=CRON",
        help="another schedule for a deployment, e.g. nightly-refresh='30 1 * * *'",
    )  # fmt: skip
    parser.add_argument(
        "--parameters", action="append", type=_assignment, default=[], metavar="NAME=JSON",
        help="parameters over a deployment's own, e.g. weekly-campaign='{\"seeds\": [0]}'",
    )  # fmt: skip
    parser.add_argument("--port", type=int, default=4200, help="port of the server started")
    return parser


def main(argv: list[str] | None = None) -> None:
    arguments = _parser().parse_args(argv)
    try:
        parameters = {name: json.loads(value) for name, value in arguments.parameters}
    except json.JSONDecodeError as exc:
        raise SystemExit(f"serve: --parameters is not JSON: {exc}") from exc
    try:
        served = deployments(
            check_build_file(resolve_warehouse_path(arguments.warehouse_path)),
            arguments.only,
            dict(arguments.cron),
            parameters,
        )
    except ValueError as exc:
        raise SystemExit(f"serve: {exc}") from exc
    api_url = os.environ.get("PREFECT_API_URL")
    server = nullcontext(api_url) if api_url else prefect_server(PREFECT_HOME, arguments.port)
    try:
        with server as url:
            os.environ["PREFECT_API_URL"] = url  # the flow runs' processes inherit it
            with temporary_settings({PREFECT_API_URL: url}):
                names = ", ".join(d.name for d in served)
                print(f"serving {names} against {url}", file=sys.stderr)
                serve(*served, pause_on_shutdown=False)
    except ServerUnavailable as exc:
        raise SystemExit(f"serve: {exc}") from None


if __name__ == "__main__":
    main()
