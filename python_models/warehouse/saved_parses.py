"""dbt's saved parse, kept once per configuration.

dbt saves the project it parsed (``partial_parse.msgpack`` in its target folder) and, at the
next command, parses only the files that changed since: 2 s instead of 6-15 s. But it keeps
one saved parse, and throws it away whenever the next command runs under another
configuration: other ``--vars``, another target, another warehouse file name. A job that
switches between configurations parses everything at every switch: the calibrate flow between
its scratch warehouse and the main one, a var's check and the defaults around it.

``saved_parse`` keeps the parse of each configuration apart, under
``<dbt target folder>/saved_parses/<key>.msgpack``: it puts the one of the coming command in
place before dbt starts and keeps what dbt saved after. The key is a digest of what dbt
compares before it reuses a parse: the vars, the chosen target's connection as profiles.yml
writes it, and the environment variables that connection and dbt_project.yml read. A key that
misses something costs only a full parse: dbt still checks the saved parse it is given, and
parses again when it does not hold. A profile the key cannot be read from (dbt will say what is
wrong with it) runs without a saved parse.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import jinja2
import yaml

from ..paths import DBT_PROJECT_DIR, dbt_profiles_dir

SAVED_PARSE = "partial_parse.msgpack"  # where dbt reads and writes its parse in a target folder
FOLDER = "saved_parses"
KEEP = 16  # configurations kept (the least recently used go first): about 3 MB each
ENV_VAR = re.compile(r"""env_var\(\s*['"](\w+)['"]""")


def _option(args: Sequence[str], name: str) -> str | None:
    """The value of ``name`` in dbt's arguments (``--name value`` or ``--name=value``)."""
    for position, arg in enumerate(args):
        if arg == name and position + 1 < len(args):
            return args[position + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


def _connection(args: Sequence[str], env: Mapping[str, str]) -> tuple[dict, list[str]]:
    """The profile output the command connects with (its target's, as written in profiles.yml)
    and the environment variables it and dbt_project.yml read."""
    project_text = (DBT_PROJECT_DIR / "dbt_project.yml").read_text()
    profile_file = dbt_profiles_dir() / "profiles.yml"
    profiles = yaml.safe_load(profile_file.read_text()) if profile_file.exists() else None
    name = _option(args, "--profile") or yaml.safe_load(project_text)["profile"]
    profile = (profiles or {}).get(name) or {}
    choice = str(profile.get("target", "default"))
    target = _option(args, "--target") or jinja2.Template(choice).render(
        env_var=lambda variable, default=None: env.get(variable, default)
    )
    output = (profile.get("outputs") or {}).get(target) or {}
    texts = [choice, json.dumps(output), project_text]
    return output, sorted({variable for text in texts for variable in ENV_VAR.findall(text)})


def configuration_key(args: Sequence[str], env: Mapping[str, str]) -> str:
    """A digest of what dbt compares before it reuses a saved parse, for ``dbt <args>`` run
    with the environment ``env``: the vars, the target's connection and the environment
    variables it and the project read (another target's do not count)."""
    output, read = _connection(args, env)
    configuration = {
        "vars": yaml.safe_load(_option(args, "--vars") or "{}") or {},  # as dbt reads them
        "target": _option(args, "--target"),
        "profile": _option(args, "--profile"),
        "output": output,
        "environment": {variable: env.get(variable) for variable in read},
    }
    text = json.dumps(configuration, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _target_folder(args: Sequence[str], env: Mapping[str, str]) -> Path:
    """The target folder dbt writes to: --target-path, else $DBT_TARGET_PATH, against the project
    folder."""
    chosen = _option(args, "--target-path") or env.get("DBT_TARGET_PATH") or "target"
    return DBT_PROJECT_DIR / chosen


def _copy(source: Path, destination: Path) -> None:
    """Copy by a rename, so no reader ever meets half a file."""
    partial = destination.with_name(f".{destination.name}.{os.getpid()}")
    shutil.copyfile(source, partial)
    os.replace(partial, destination)


def _signature(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_mtime_ns, stat.st_size


@contextmanager
def saved_parse(args: Sequence[str], env: Mapping[str, str]) -> Iterator[Path | None]:
    """Around one dbt command: its configuration's saved parse put in place first, the parse dbt
    saved kept after (whether the command succeeded or not). Yields the kept file's path (None:
    no key, no saved parse)."""
    store = _target_folder((), env) / FOLDER  # one store, whatever --target-path a command takes
    try:
        key = configuration_key(args, env)
    except (OSError, ValueError, LookupError, TypeError, AttributeError, yaml.YAMLError,
            jinja2.TemplateError):  # fmt: skip
        key = None  # dbt reads the profile next and names what is wrong with it
    if key is None:
        yield None
        return
    kept = store / f"{key}.msgpack"
    current = _target_folder(args, env) / SAVED_PARSE
    if kept.exists():
        current.parent.mkdir(parents=True, exist_ok=True)
        _copy(kept, current)
        os.utime(kept)  # recently used: pruned last
    before = _signature(current)
    try:
        yield kept
    finally:
        if current.exists() and _signature(current) != before:
            store.mkdir(parents=True, exist_ok=True)
            _copy(current, kept)
            _prune(store)


def _prune(store: Path) -> None:
    """Keep the ``KEEP`` most recently used configurations."""
    used = {path: _signature(path) for path in store.glob("*.msgpack")}
    files = sorted((path for path in used if used[path]), key=lambda path: used[path])
    for path in files[:-KEEP]:
        path.unlink(missing_ok=True)  # another process may have pruned it first
