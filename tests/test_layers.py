"""Layers point down only: no module of python_models imports a layer above its own (or a
sibling layer), python_models never imports the flows, and the dbt Python models call only
python_models.targeting. Read from the source (ast), so a lazy import inside a function counts
as much as one at the top. And the configs load no I/O: importing one in a fresh interpreter
leaves DuckDB unloaded."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from python_models.paths import DBT_PROJECT_DIR, REPO_ROOT

PACKAGE = REPO_ROOT / "python_models"
# Each top-level module or sub-package of python_models and its layer: a module may import its
# own package and those of lower layers only.
LAYERS = {
    "paths": 0,
    "checks": 0,
    "vocabulary": 0,  # the raw tables and the id checks: no I/O, so configs import no loader
    "warehouse": 1,  # alone opens and writes the warehouse
    "reference": 2,  # the real data, as raw-shaped frames
    "market": 2,  # the learned market as arrays, and the samplers learning and simulation share
    "targeting": 2,  # pure ML over frames
    "dashboard": 2,  # Streamlit; reads only the serving file (tests/test_dashboard.py)
    "learning": 3,  # writes the market
    "simulation": 3,  # reads the market, writes Parquet
    "calibration": 4,
    "experiments": 4,  # the closed loop: simulation and targeting together
    "reporting": 5,
}


def _imports(path: Path, base: Path = REPO_ROOT) -> list[tuple[int, str]]:
    """(line, dotted module) of every import in ``path`` (a module under ``base``), relative
    ones made absolute."""
    module = ".".join(path.relative_to(base).with_suffix("").parts)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    if path.name == "__init__.py":
        package = module.rsplit(".__init__", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            found.append((node.lineno, name))
            # ``from . import x`` names a module of the package, not only the package.
            found += [(node.lineno, f"{name}.{alias.name}") for alias in node.names]
    return found


def _layer_of(dotted: str) -> str | None:
    parts = dotted.split(".")
    if parts[0] != "python_models" or len(parts) < 2:
        return None
    return parts[1] if parts[1] in LAYERS else None


def upward_imports(root: Path = PACKAGE) -> list[str]:
    """Every import of python_models that points up, sideways, or at the flows."""
    problems = []
    for path in sorted(root.rglob("*.py")):
        own = path.relative_to(root).parts[0].removesuffix(".py")
        if own == "__init__":
            continue
        if own not in LAYERS:
            problems.append(f"{path.relative_to(root.parent)}: {own!r} has no layer in LAYERS")
            continue
        seen = set()
        for line, name in _imports(path, root.parent):
            if (line, _layer_of(name)) in seen:
                continue  # ``from a.b import c`` names a.b and a.b.c: one problem
            seen.add((line, _layer_of(name)))
            where = f"{path.relative_to(root.parent)}:{line}"
            if name.split(".")[0] == "flows":
                problems.append(f"{where} imports {name}: python_models never imports flows")
                continue
            target = _layer_of(name)
            if target is None or target == own:
                continue
            if LAYERS[target] >= LAYERS[own]:
                problems.append(
                    f"{where} imports {name}: layer {target} ({LAYERS[target]}) is not below "
                    f"{own} ({LAYERS[own]})"
                )
    return problems


def test_no_module_imports_a_layer_above_its_own():
    assert upward_imports() == []


def test_every_package_has_a_layer():
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    modules = {p.stem for p in PACKAGE.glob("*.py") if p.name != "__init__.py"}
    assert packages | modules == set(LAYERS)


def test_the_check_fails_on_an_upward_import(tmp_path):
    """The rule bites: a warehouse module importing the simulation, and a targeting module
    importing the experiments, are both reported."""
    root = tmp_path / "python_models"
    for package, source in (
        ("warehouse", "from ..simulation.config import SimulationConfig\n"),
        ("targeting", "import python_models.experiments.closed_loop\n"),
        ("simulation", "from ..warehouse import load_run\n"),  # downward: allowed
    ):
        (root / package).mkdir(parents=True)
        (root / package / "__init__.py").write_text("")
        (root / package / "x.py").write_text(source)
    problems = upward_imports(root)
    assert len(problems) == 2
    assert any("warehouse/x.py" in p and "simulation" in p for p in problems)
    assert any("targeting/x.py" in p and "experiments" in p for p in problems)


@pytest.mark.parametrize(
    "path", sorted((DBT_PROJECT_DIR / "models").rglob("*.py")), ids=lambda p: p.name
)
def test_dbt_python_models_call_only_targeting(path):
    for _, name in _imports(path):
        layer = _layer_of(name)
        assert layer in (None, "targeting"), f"{path.name} imports {name}"


def test_only_the_warehouse_opens_a_duckdb_connection():
    """`grep -rn duckdb.connect python_models flows` finds it only under warehouse/."""
    offenders = [
        str(path.relative_to(REPO_ROOT))
        for root in (PACKAGE, REPO_ROOT / "flows")
        for path in root.rglob("*.py")
        if "duckdb.connect" in path.read_text() and "warehouse" not in path.parts
    ]
    assert offenders == []


def loaded_by(module: str, libraries: tuple[str, ...] = ("duckdb",)) -> list[str]:
    """Which of ``libraries`` importing ``module`` loads, in a fresh interpreter (this one has
    loaded everything already)."""
    probe = f"import {module}; import sys; print(' '.join(sys.modules.keys() & {set(libraries)!r}))"
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    return sorted(result.stdout.split())


@pytest.mark.parametrize(
    ("module", "libraries"),
    [
        ("python_models.simulation.config", ("duckdb",)),
        ("python_models.learning.config", ("duckdb",)),
        ("python_models.experiments.config", ("duckdb",)),
        # Layer 0 loads no data library at all.
        ("python_models.vocabulary.raw_tables", ("duckdb", "pandas", "pyarrow")),
        ("python_models.vocabulary.identifiers", ("duckdb", "pandas", "pyarrow")),
    ],
)
def test_configs_and_the_vocabulary_load_no_io(module, libraries):
    """A config takes its id checks from the vocabulary, and no package __init__ on the way
    re-exports an I/O helper; if this fails, one module of the chain imports the warehouse."""
    loaded = loaded_by(module, libraries)
    assert loaded == [], f"importing {module} loads {loaded}"


def test_the_io_probe_sees_duckdb():
    """The probe is not blind: the validation module, which imports duckdb, is seen loading it."""
    assert loaded_by("python_models.warehouse.validation") == ["duckdb"]
