"""Each flow's command line, built from the flow's own signature and docstring.

Every parameter of the flow becomes an option (``warehouse_path`` → ``--warehouse-path``) with
the flow's default and the docstring's description as help, so each default lives in one place:
the flow. Lists take several values (``--seeds 0 1 2``; none: an empty list), a mapping takes
JSON (``--simulation '{"n_weeks": 26}'``), ``bool`` takes ``--name`` / ``--no-name``.

Before the flow starts (and before Prefect does), the flow's ``check`` validates the
parameters and the files they name (``python_models.warehouse.preflight``), so a bad value ends
the command at once. A handled error (bad settings or data, an unusable or busy warehouse, a
failed build) ends the command with one line naming it and exit status 1, and Prefect's own log
of it (a traceback per flow and task it went through) is kept off the console; argparse's usage
errors exit with 2. ``--debug`` (``-v``) shows every traceback.
"""

from __future__ import annotations

import argparse
import inspect
import json
import logging
import re
import sys
import types
import typing
from collections.abc import Callable

from python_models.warehouse import LoadError
from python_models.warehouse.build_lock import WarehouseBusy
from python_models.warehouse.dbt_runner import DbtError
from python_models.warehouse.serving import ServingUnavailable

# Prefect's loggers of flow and task runs: each logs a failure with its traceback as it leaves.
RUN_LOGGERS = ("prefect.flow_runs", "prefect.task_runs")

# What a flow raises for a problem the user can fix; anything else is a bug and keeps its
# traceback.
HANDLED = (
    ValueError,
    FileNotFoundError,
    FileExistsError,
    LoadError,
    DbtError,
    WarehouseBusy,
    ServingUnavailable,
)


def _parameter_help(docstring: str) -> dict[str, str]:
    """``{name: description}`` from a numpydoc ``Parameters`` section (``a, b`` share one)."""
    section = re.split(r"\n\s*Parameters\s*\n\s*-+\s*\n", docstring or "", maxsplit=1)
    if len(section) < 2:
        return {}
    body = re.split(r"\n\s*\n\s*[A-Z][a-z]+\s*\n\s*-+\s*\n", section[1], maxsplit=1)[0]
    helps: dict[str, str] = {}
    names: list[str] = []
    for line in body.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if len(line) - len(line.lstrip()) <= 4 and re.fullmatch(r"[a-z_][\w, ]*", stripped):
            names = [n.strip() for n in stripped.split(",")]
            continue
        for name in names:
            helps[name] = f"{helps.get(name, '')} {stripped}".strip()
    return helps


def _unwrap(annotation):
    """(base type, element type) of an annotation: ``int | None`` → (int, None),
    ``list[int]`` → (list, int)."""
    if isinstance(annotation, str):
        annotation = eval(annotation, vars(typing) | {"types": types})  # noqa: S307
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        kept = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _unwrap(kept[0])
    if origin in (list, tuple):
        (element, *_) = typing.get_args(annotation) or (str,)
        return list, element
    if origin is dict or annotation is dict:
        return dict, None
    return annotation, None


def _json_object(text: str) -> dict:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"not JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("must be a JSON object")
    return value


def parser_for(flow) -> argparse.ArgumentParser:
    """An argument parser with one option per parameter of ``flow`` (a Prefect flow)."""
    function = flow.fn
    doc = inspect.getdoc(function) or ""
    helps = _parameter_help(doc)
    parser = argparse.ArgumentParser(
        prog=f"python -m flows.{flow.name}",
        description=doc.split("\n\n", 1)[0],
    )
    hints = typing.get_type_hints(function)
    for name, parameter in inspect.signature(function).parameters.items():
        option = "--" + name.replace("_", "-")
        default = parameter.default
        kind, element = _unwrap(hints.get(name, str))
        text = helps.get(name, "")
        if kind is bool:
            parser.add_argument(
                option, action=argparse.BooleanOptionalAction, default=default, help=text
            )
        elif kind is list:
            parser.add_argument(
                option,
                nargs="*",
                type=element,
                default=list(default) if default is not None else None,
                help=f"{text} (default: {' '.join(map(str, default or [])) or 'none'})",
            )
        elif kind is dict:
            parser.add_argument(option, type=_json_object, default=default, help=f"{text} (JSON)")
        else:
            parser.add_argument(
                option,
                type=kind,
                default=default,
                help=f"{text} (default: {default})" if default is not None else text,
            )
    return parser


class _HandledErrorsOff(logging.Filter):
    """Drops a run logger's record of a handled error (its traceback, and the "Finished in
    state Failed" line that repeats it): the command's last line says it once."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], HANDLED):
            return False
        return not record.getMessage().startswith("Finished in state Failed(")


def run_command(
    flow,
    argv: list[str] | None = None,
    *,
    check: Callable | None = None,
    after: Callable | None = None,
):
    """Parse ``argv`` (default: the command line) for ``flow``, call ``check`` with the parsed
    parameters (the flow's own validation, before Prefect starts), run the flow, and end a
    handled error with one line: ``<flow name>: <message>``, exit status 1 (``--debug``: with
    its traceback). ``after`` receives the flow's result. Each flow's module is
    ``flows/<flow name>.py``."""
    parser = parser_for(flow)
    parser.add_argument(
        "-v", "--debug", action="store_true", help="show the traceback of any error"
    )
    arguments = vars(parser.parse_args(argv))
    debug = arguments.pop("debug")
    name = flow.name
    quiet = _HandledErrorsOff()
    loggers = [] if debug else [logging.getLogger(n) for n in RUN_LOGGERS]
    for logger in loggers:
        logger.addFilter(quiet)
    try:
        if check is not None:
            check(**arguments)
        result = flow(**arguments)
    except HANDLED as exc:
        if debug:
            raise
        raise SystemExit(f"{name}: {exc}") from None
    except KeyboardInterrupt:
        raise SystemExit(
            f"{name}: interrupted (loads and publishes are all-or-nothing: none is left half "
            "written)"
        ) from None
    finally:
        for logger in loggers:
            logger.removeFilter(quiet)
    if after is not None:
        after(result)
    return result


if __name__ == "__main__":
    sys.exit("run a flow: python -m flows.pipeline --help")
