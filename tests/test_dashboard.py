"""The Streamlit dashboard on the serving file the session's pipeline published (``built``):
every page runs and shows its charts, tables and figures (streamlit's AppTest, in process);
a reader gets a message, never a traceback, when the serving file is missing, not a DuckDB
file, or lacks what a page reads; a new publish shows on the next rerun; the Qini curves drawn
have the published Qini coefficients as area; and every page renders in a real headless
Chromium (one screenshot per page, also copied to /tmp/dashboard_screenshots/)."""

from __future__ import annotations

import ast
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from python_models.dashboard import curves, data
from python_models.paths import REPO_ROOT
from python_models.warehouse.serving import (
    SERVING_FILE,
    current_version,
    publish_serving,
    read_serving,
)

DASHBOARD = REPO_ROOT / "python_models" / "dashboard"
APP = DASHBOARD / "app.py"
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path("/tmp/dashboard_screenshots")
SIMULATED = "complete_journey_simulated"
# view script: (address below the server's root, title, charts at least, tables at least,
# st.metric figures at least)
PAGES = {
    "views/runs.py": ("", "Runs side by side", 2, 2, 24),
    "views/promotions.py": ("promotions", "Promotions", 7, 2, 0),
    "views/baskets.py": ("baskets", "Baskets", 2, 2, 0),
    "views/calibration.py": ("calibration", "Calibration", 2, 2, 8),
    "views/targeting.py": ("targeting", "Targeting", 6, 5, 4),
}
TIMEOUT = 120  # seconds per script run: the first run of a page queries the file uncached


@pytest.fixture(autouse=True)
def _main_module_kept():
    """AppTest runs the app as ``__main__`` and leaves it there: a process pool started later in
    this test process would then re-run the app in every child it spawns (spawn re-imports
    ``__main__``), as the shard runners' tests found."""
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main


@pytest.fixture(scope="module")
def serving_file(built) -> Path:
    """The serving file the pipeline published beside the session's warehouse."""
    path = built[0].parent / SERVING_FILE
    assert current_version(path) is not None, f"the pipeline published no serving file at {path}"
    return path


def _app(monkeypatch, serving: Path, page: str | None = None) -> AppTest:
    """The dashboard run once on ``serving`` (then on ``page``, a view script)."""
    monkeypatch.setenv("SERVING_PATH", str(serving))
    app = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    if page is not None:
        app.switch_page(page).run()
    return app


def _charts(app: AppTest) -> list:
    """Every Vega-Lite chart on the page (st.altair_chart makes one)."""
    return list(app.get("vega_lite_chart"))


def _no_exception(app: AppTest) -> None:
    assert not app.exception, [exception.value for exception in app.exception]


@pytest.mark.parametrize("page", list(PAGES), ids=lambda page: Path(page).stem)
def test_every_page_shows_its_charts_tables_and_figures(monkeypatch, serving_file, page):
    _, title, n_charts, n_tables, n_metrics = PAGES[page]
    app = _app(monkeypatch, serving_file, page)
    _no_exception(app)
    assert not app.error, [error.value for error in app.error]
    assert [element.value for element in app.title] == [title]
    assert len(_charts(app)) >= n_charts
    assert len(app.dataframe) >= n_tables
    assert len(app.metric) >= n_metrics
    # Column headers carry the dbt descriptions the serving file keeps as column comments.
    assert any('"help"' in frame.proto.columns for frame in app.dataframe)
    version_id = current_version(serving_file)["version_id"]
    assert any(version_id in caption.value for caption in app.sidebar.caption)


def test_the_runs_page_has_a_column_of_figures_per_run(monkeypatch, serving_file):
    runs = read_serving(serving_file, "SELECT run_id FROM marts.dim_runs ORDER BY run_id")
    assert len(runs) == 2
    app = _app(monkeypatch, serving_file)
    _no_exception(app)
    assert len(app.metric) == 12 * len(runs)
    assert {header.value for header in app.subheader} >= set(runs["run_id"])
    for measure in app.selectbox(key="runs_measure").options:
        app.selectbox(key="runs_measure").set_value(measure).run()
        _no_exception(app)
        assert len(_charts(app)) == 2


def test_the_filters_rerun_every_page_without_an_exception(monkeypatch, serving_file):
    app = _app(monkeypatch, serving_file, "views/baskets.py")
    app.radio(key="baskets_level").set_value("products").run()
    _no_exception(app)
    assert app.subheader[0].value.startswith("Top product rules")
    app.text_input(key="baskets_search").set_value("cheese").run()
    _no_exception(app)
    app.text_input(key="baskets_search").set_value("").run()
    app.radio(key="baskets_level").set_value("categories").run()
    segments = app.selectbox(key="baskets_segment").options
    assert len(segments) > 1, "the segment rules are published"
    app.selectbox(key="baskets_segment").set_value(segments[1]).run()
    _no_exception(app)
    app.selectbox(key="baskets_run").set_value(SIMULATED).run()
    _no_exception(app)

    app = _app(monkeypatch, serving_file, "views/promotions.py")
    app.multiselect(key="promo_runs").set_value([SIMULATED]).run()
    _no_exception(app)
    department = app.selectbox(key="promo_department").options[1]
    app.selectbox(key="promo_department").set_value(department).run()
    _no_exception(app)

    app = _app(monkeypatch, serving_file, "views/targeting.py")
    for outcome in app.radio(key="targeting_outcome").options:
        app.radio(key="targeting_outcome").set_value(outcome).run()
        _no_exception(app)


def test_every_calibration_metric_draws_its_two_ecdfs(monkeypatch, serving_file):
    app = _app(monkeypatch, serving_file, "views/calibration.py")
    metrics = app.selectbox(key="calibration_metric").options
    published = read_serving(
        serving_file, "SELECT metric FROM marts.calibration_ks WHERE run_id = ?", [SIMULATED]
    )
    assert sorted(metrics) == sorted(published["metric"])
    for metric in metrics:
        app.selectbox(key="calibration_metric").set_value(metric).run()
        _no_exception(app)
        assert not app.info, f"{metric}: {[info.value for info in app.info]}"
        assert len(_charts(app)) == 2


def test_the_drawn_qini_curves_have_the_published_qini_coefficients(serving_file):
    """The page's curves (python_models/dashboard/curves.py) are those whose area
    targeting.uplift_evaluation publishes: the same ranking, ties and normalisation."""
    scores = read_serving(serving_file, "SELECT * FROM targeting.uplift_scores")
    published = read_serving(
        serving_file, "SELECT run_id, learner, qini_coefficient FROM targeting.uplift_evaluation"
    )
    assert len(published) >= 3
    for row in published.itertuples():
        rows = scores[(scores["run_id"] == row.run_id) & (scores["learner"] == row.learner)]
        curve = curves.qini_curve(rows["predicted_uplift"], rows["spend"], rows["is_treated"])
        area = curves.qini_coefficient(curve, int(rows["is_treated"].sum()))
        assert area == pytest.approx(row.qini_coefficient, abs=1e-9), row
    drawn = curves.qini_curves(scores[scores["run_id"] == SIMULATED])
    assert set(drawn["ordering"]) >= {curves.RANDOM, curves.ORACLE}
    for _, curve in drawn.groupby("ordering"):
        assert curve["share"].iloc[0] == 0 and curve["share"].iloc[-1] == pytest.approx(1)


def _not_a_serving_file(path: Path) -> Path:
    """A DuckDB file without the publication schema (any warehouse that was never published)."""
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE runs AS SELECT 'x' AS run_id")
    con.close()
    return path


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("missing", "There is no serving file"),
        ("not_duckdb", "not a valid DuckDB database file"),
        ("not_published", "not a published serving file"),
    ],
)
def test_no_serving_file_is_a_message_not_a_traceback(monkeypatch, tmp_path, case, message):
    serving = tmp_path / "serving.duckdb"
    if case == "not_duckdb":
        serving.write_text("a text file where the serving file should be\n")
    elif case == "not_published":
        _not_a_serving_file(serving)
    for page in PAGES:
        app = _app(monkeypatch, serving, page)
        _no_exception(app)
        assert [error for error in app.error if message in error.value], [
            error.value for error in app.error
        ]
        assert not app.title and not _charts(app), "the page stops before reading anything"


@pytest.fixture(scope="module")
def real_run_only(serving_file, tmp_path_factory) -> Path:
    """A build holding only the real run: the session's serving file (whose schemas are those a
    publish copies) without the simulated run's rows nor the closed loop's, as a run the
    campaign flow never evaluated, and without marts.promo_store_traffic, as a build from before
    that table."""
    build = tmp_path_factory.mktemp("real_run_only") / "build.duckdb"
    shutil.copyfile(serving_file, build)
    con = duckdb.connect(str(build))
    try:
        tables = con.execute(
            "SELECT DISTINCT schema_name, table_name FROM duckdb_columns() "
            "WHERE column_name = 'run_id' AND schema_name <> 'publication'"
        ).fetchall()
        for schema, table in tables:
            con.execute(f'DELETE FROM "{schema}"."{table}" WHERE run_id = ?', [SIMULATED])
        campaign = con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'campaign'"
        ).fetchall()
        for (table,) in campaign:
            con.execute(f'DELETE FROM campaign."{table}"')
        con.execute("DROP TABLE marts.promo_store_traffic")
    finally:
        con.close()
    return build


def test_a_new_publish_shows_on_the_next_rerun_and_empty_tables_are_messages(
    monkeypatch, serving_file, real_run_only, tmp_path
):
    serving = tmp_path / SERVING_FILE
    first = publish_serving(serving_file, serving)
    app = _app(monkeypatch, serving)
    assert len(app.metric) == 24
    assert any(first.version_id in caption.value for caption in app.sidebar.caption)

    second = publish_serving(real_run_only, serving)  # atomic rename over the first
    assert second.version_id != first.version_id
    app.run()
    _no_exception(app)
    assert len(app.metric) == 12, "the cache is keyed by version: the new data shows"
    assert any(second.version_id in caption.value for caption in app.sidebar.caption)

    app.switch_page("views/targeting.py").run()
    _no_exception(app)
    assert app.title[0].value == "Targeting"
    notes = " ".join(info.value for info in app.info)
    assert "targeting.uplift_scores" in notes and "campaign.policy_evaluation" in notes
    app.switch_page("views/calibration.py").run()
    _no_exception(app)
    assert "marts.calibration_scores" in " ".join(info.value for info in app.info)
    for page in ("views/runs.py", "views/promotions.py", "views/baskets.py"):
        app.switch_page(page).run()
        _no_exception(app)
        assert _charts(app)
    app.switch_page("views/promotions.py").run()
    assert "does not publish" in " ".join(info.value for info in app.info)


def test_the_serving_path_comes_from_the_command_line_then_the_environment(monkeypatch):
    monkeypatch.delenv("WAREHOUSE_PATH", raising=False)
    monkeypatch.delenv("SERVING_PATH", raising=False)
    assert data.serving_path([]) == REPO_ROOT / "warehouse" / SERVING_FILE
    monkeypatch.setenv("SERVING_PATH", "/srv/bi/serving.duckdb")
    assert data.serving_path([]) == Path("/srv/bi/serving.duckdb")
    assert data.serving_path(["--serving-path", "/a/s.duckdb"]) == Path("/a/s.duckdb")
    assert data.serving_path(["--serving-path=/b/s.duckdb"]) == Path("/b/s.duckdb")


READABLE = ("python_models.dashboard", "python_models.warehouse.serving", "python_models.paths")


def _reaches_beyond_the_serving_file(root: Path) -> list[str]:
    """Every import of ``root`` (a copy of python_models/dashboard) into python_models outside
    READABLE, relative ones resolved, and every ``duckdb.connect``."""
    problems = []
    for path in sorted(root.rglob("*.py")):
        source = path.read_text()
        if "duckdb.connect" in source:
            problems.append(f"{path.name} opens a connection")
        package = ["python_models", "dashboard", *path.relative_to(root).parent.parts]
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = package[: len(package) - node.level + 1] if node.level else []
                module = ".".join([*base, node.module] if node.module else base)
                names = [module, *(f"{module}.{alias.name}" for alias in node.names)]
            else:
                continue
            beyond = [
                name
                for name in names
                if name.split(".")[0] == "python_models"
                and not any(name == ok or name.startswith(f"{ok}.") for ok in READABLE)
                and not any(ok.startswith(f"{name}.") for ok in READABLE)  # a parent package
            ]
            if beyond:  # one problem per statement
                problems.append(f"{path.name} imports {beyond[0]}")
    return problems


def test_the_dashboard_reads_only_the_serving_file(tmp_path):
    """It imports no part of python_models but the serving module, the paths and itself, and
    opens no connection of its own (the serving module opens every one, read-only); the check
    bites on planted imports."""
    assert _reaches_beyond_the_serving_file(DASHBOARD) == []
    planted = tmp_path / "dashboard"
    (planted / "views").mkdir(parents=True)
    (planted / "views" / "a.py").write_text("from ...targeting import metrics\n")
    (planted / "b.py").write_text("from python_models.warehouse.connection import connect\n")
    (planted / "c.py").write_text("import duckdb\ncon = duckdb.connect('x.duckdb')\n")
    (planted / "d.py").write_text("from python_models.warehouse.serving import read_serving\n")
    problems = _reaches_beyond_the_serving_file(planted)
    assert len(problems) == 3, problems
    assert any("a.py imports python_models.targeting" in problem for problem in problems)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_health(port: int, server: subprocess.Popen, log: Path, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"streamlit exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"streamlit did not answer on port {port} in {seconds} s:\n{log.read_text()}")


@pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM} (make test installs it)"
)
def test_every_page_renders_in_a_headless_browser(serving_file, tmp_path):
    from playwright.sync_api import sync_playwright

    port = _free_port()
    log = tmp_path / "streamlit.log"
    command = [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.headless", "true", "--server.address", "127.0.0.1",
        "--server.port", str(port), "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
    ]  # fmt: skip
    with open(log, "w") as output:
        server = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env={**os.environ, "SERVING_PATH": str(serving_file)},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    shots = tmp_path / "screenshots"
    shots.mkdir()
    try:
        _wait_for_health(port, server, log)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM),
                args=[
                    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--no-first-run",
                ],
            )  # fmt: skip
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                for view, (address, title, *_) in PAGES.items():
                    page.set_viewport_size({"width": 1400, "height": 900})
                    page.goto(f"http://127.0.0.1:{port}/{address}")
                    page.get_by_role("heading", name=title).first.wait_for(timeout=60_000)
                    chart = page.locator(
                        '[data-testid="stVegaLiteChart"] canvas, '
                        '[data-testid="stVegaLiteChart"] svg'
                    )
                    chart.first.wait_for(timeout=60_000)
                    page.wait_for_timeout(1_000)  # let the other charts draw
                    assert page.locator('[data-testid="stException"]').count() == 0, view
                    assert page.get_by_text("Page not found").count() == 0, view
                    # Streamlit scrolls inside its main block: grow the window to the page.
                    height = page.evaluate(
                        "() => Math.max(900, ...[...document.querySelectorAll("
                        "'[data-testid=stMain], [data-testid=stAppViewContainer]')]"
                        ".map(element => element.scrollHeight))"
                    )
                    page.set_viewport_size({"width": 1400, "height": min(int(height), 8000)})
                    page.wait_for_timeout(500)
                    page.screenshot(path=shots / f"{Path(view).stem}.png")
            finally:
                browser.close()
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for shot in sorted(shots.glob("*.png")):
        shutil.copyfile(shot, SCREENSHOTS / shot.name)
    assert sorted(shot.stem for shot in shots.glob("*.png")) == sorted(
        Path(view).stem for view in PAGES
    )
