"""Calibration marts: the SQL KS statistic equals scipy's, on generated samples and on the samples
the pipeline measures; the balanced score covers every metric; every calibration var counts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from conftest import query
from scipy import stats

from python_models.paths import REPO_ROOT
from python_models.warehouse.dbt_runner import run_dbt

METRICS = len(pd.read_csv(REPO_ROOT / "seeds" / "calibration_metrics.csv"))


def quiet(_line: str) -> None:
    pass


def scipy_ks(samples: pd.DataFrame, run: str, reference: str) -> pd.Series:
    """KS statistic per metric of ``run`` against ``reference``, by scipy."""
    statistics = {}
    for metric, own in samples[samples["run_id"] == run].groupby("metric"):
        other = samples[(samples["run_id"] == reference) & (samples["metric"] == metric)]
        if len(other):
            statistics[metric] = stats.ks_2samp(own["value"], other["value"]).statistic
    return pd.Series(statistics).sort_index()


def sql_ks(path, run: str) -> pd.Series:
    rows = query(
        path, "SELECT metric, ks_statistic FROM marts.calibration_ks WHERE run_id = ?", [run]
    )
    return pd.Series(dict(rows)).sort_index()


def generated_samples(seed: int = 11) -> pd.DataFrame:
    """Two simulated runs against a reference: continuous samples of unequal sizes, counts with
    many ties inside and across samples, shifted and identical distributions."""
    rng = np.random.default_rng(seed)
    frames = []
    for run, shift in [("ref", 0.0), ("sim_a", 0.3), ("sim_b", -0.1)]:
        size = {"ref": 200, "sim_a": 137, "sim_b": 64}[run]
        draws = {
            "normal": rng.normal(shift, 1, size),
            "counts": rng.poisson(3 + shift * 5, size).astype(float),
            "shares": np.round(rng.beta(2, 5 + shift, size), 2),
            "constant": np.full(size, 1.0),
        }
        for metric, values in draws.items():
            frames.append(pd.DataFrame({"run_id": run, "metric": metric, "value": values}))
    return pd.concat(frames, ignore_index=True)


def test_ks_equals_scipy_on_generated_samples(tmp_path):
    samples = generated_samples()
    path = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA marts")
    con.execute(
        "CREATE TABLE marts.calibration_metric_values AS "
        "SELECT run_id::VARCHAR AS run_id, metric::VARCHAR AS metric, value::DOUBLE AS value "
        "FROM samples"
    )
    con.close()
    variables = json.dumps({"calibration_reference_run": "ref"})
    run_dbt(
        ["run", "--select", "calibration_ks", "--vars", variables],
        warehouse_path=path,
        echo=quiet,
    )
    for run in ["sim_a", "sim_b"]:
        expected = scipy_ks(samples, run, "ref")
        actual = sql_ks(path, run)
        assert list(actual.index) == list(expected.index)
        np.testing.assert_allclose(actual, expected, rtol=0, atol=1e-12)
        assert actual["constant"] == 0 and actual["normal"] > 0
    assert not query(path, "SELECT * FROM marts.calibration_ks WHERE run_id = 'ref'")


def test_pipeline_runs_are_scored_on_every_metric_and_ks_equals_scipy(built):
    path, _ = built
    simulated = query(path, "SELECT run_id FROM marts.calibration_scores")
    assert len(simulated) == 1
    run = simulated[0][0]
    samples = pd.DataFrame(
        query(path, "SELECT run_id, metric, value FROM marts.calibration_metric_values"),
        columns=["run_id", "metric", "value"],
    )
    expected = scipy_ks(samples, run, "complete_journey")
    actual = sql_ks(path, run)
    assert len(actual) == METRICS
    np.testing.assert_allclose(actual, expected.loc[actual.index], rtol=0, atol=1e-12)
    n_metrics, n_missing, harmonic_mean, score = query(
        path,
        "SELECT n_metrics, n_missing_metrics, harmonic_mean, score FROM marts.calibration_scores",
    )[0]
    assert (n_metrics, n_missing) == (METRICS, 0)
    assert 0 < harmonic_mean < 1 and 0 <= score <= harmonic_mean


@pytest.fixture(scope="module")
def calibrated_copy(built, tmp_path_factory):
    path = tmp_path_factory.mktemp("calibration") / "warehouse.duckdb"
    shutil.copy(built[0], path)
    return path


CALIBRATION_TABLES = ["calibration_metric_values", "calibration_ks", "calibration_scores"]


def calibration_snapshot(path) -> dict[str, list[tuple]]:
    return {t: query(path, f"SELECT * FROM marts.{t} ORDER BY ALL") for t in CALIBRATION_TABLES}


def build_calibration(path, variables: dict) -> dict[str, list[tuple]]:
    """Rebuild the calibration marts with ``variables`` (others at their defaults)."""
    arguments = ["run", "--select", "calibration_metric_values+"]
    run_dbt([*arguments, "--vars", json.dumps(variables)], warehouse_path=path, echo=quiet)
    return calibration_snapshot(path)


@pytest.fixture(scope="module")
def default_calibration(calibrated_copy) -> dict[str, list[tuple]]:
    return build_calibration(calibrated_copy, {})


# The low-metric penalty acts only on metrics below the floor: it is measured with a floor that
# every metric of a small run is below.
HIGH_FLOOR = {"calibration_low_metric_floor": 0.99}


@pytest.mark.parametrize(
    ("name", "value", "base"),
    [
        ("calibration_top_products", 40, {}),
        ("calibration_imbalance_penalty", 2.0, {}),
        ("calibration_low_metric_floor", 0.99, {}),
        ("calibration_low_metric_penalty", 0.1, HIGH_FLOOR),
    ],
)
def test_each_calibration_var_changes_the_output(
    calibrated_copy, default_calibration, name, value, base
):
    default = build_calibration(calibrated_copy, base) if base else default_calibration
    changed = build_calibration(calibrated_copy, {**base, name: value})
    assert changed != default
    assert changed["calibration_scores"] != default["calibration_scores"], name


def test_calibration_measures_at_most_calibration_households_of_a_run(built, tmp_path):
    """A smaller var('calibration_households') measures that many households of each larger run
    (and the score moves); the views that take it are rebuilt with it, on a copy."""
    path = tmp_path / "warehouse.duckdb"
    shutil.copy(built[0], path)
    households = {
        run: n for run, n in query(
            path, "SELECT run_id, count(*) FROM intermediate.int_baskets_summarized_to_households "
            "GROUP BY run_id",
        )
    }  # fmt: skip
    measured = """SELECT run_id, count(DISTINCT household_id)
        FROM intermediate.int_calibration_household_metrics_sampled GROUP BY run_id"""
    assert dict(query(path, measured)) == households  # the default keeps every household
    before = calibration_snapshot(path)
    chosen = min(households.values()) // 2
    run_dbt(
        ["run", "--select", "int_calibration_households_chosen_per_run+",
         "--vars", json.dumps({"calibration_households": chosen})],
        warehouse_path=path, echo=quiet,
    )  # fmt: skip
    assert dict(query(path, measured)) == {run: chosen for run in households}
    after = calibration_snapshot(path)
    assert after["calibration_scores"] != before["calibration_scores"]


def test_pipeline_writes_the_calibration_report(built):
    path, _ = built
    (run,) = query(path, "SELECT run_id FROM marts.calibration_scores")[0]
    folder = path.parent / "reports" / "calibration" / run
    plots = sorted(p.stem for p in folder.glob("*.png"))
    metrics = pd.read_csv(REPO_ROOT / "seeds" / "calibration_metrics.csv")["metric"]
    assert plots == sorted([*metrics, "joint_structure", "co_purchase"])
    table = (folder / "ks_complements.md").read_text()
    complements = dict(query(path, "SELECT metric, ks_complement FROM marts.calibration_ks"))
    for metric, complement in complements.items():
        assert f"| {metric} |" in table and f"{complement:.3f}" in table
    # The joint structure: the heat maps, and the mean gap the structure mart measures.
    ((mean_gap, max_gap),) = query(
        path,
        "SELECT avg(abs_rho_difference), max(abs_rho_difference) "
        "FROM marts.calibration_behaviour_correlations",
    )
    assert f"mean |Δρ| {mean_gap:.3f}, max {max_gap:.3f}" in table
    assert (folder / "joint_structure.png").stat().st_size > 20_000
    # The privacy check: the simulated households are no copies of real ones; the report says
    # how near they come, as the structure mart measures it.
    ((households, ratio, nearer),) = query(
        path,
        "SELECT n_privacy_households, nearest_real_distance_ratio, share_nearer_than_holdout_p05 "
        "FROM marts.calibration_structure",
    )
    assert households > 100 and ratio > 0.7 and nearer < 0.25
    assert f"(ratio {ratio:.2f}); {nearer:.1%} of the run's households" in table
    # The category co-purchase: the lifts of the pairs both runs have, rank-correlated.
    lifts = pd.DataFrame(
        query(
            path,
            "SELECT reference.lift, run.lift FROM marts.basket_rules_category AS reference "
            "JOIN marts.basket_rules_category AS run USING (antecedent, consequent) "
            "WHERE reference.run_id = 'complete_journey' AND run.run_id = $run "
            "AND reference.antecedent < reference.consequent",
            {"run": run},
        ),
        columns=["reference", "run"],
    )
    rho = lifts["reference"].corr(lifts["run"], method="spearman")
    assert len(lifts) > 100
    assert f"{len(lifts)} in both runs, Spearman correlation of their lifts {rho:.2f}" in table
    assert (folder / "co_purchase.png").stat().st_size > 20_000


def test_report_of_an_uncalibrated_run_names_it(built, tmp_path):
    from python_models.calibration import write_report

    with pytest.raises(ValueError, match="no calibration of run 'nowhere'"):
        write_report(built[0], "nowhere", tmp_path)
    assert not (tmp_path / "nowhere").exists()


@pytest.fixture(scope="module")
def tuned(built, tmp_path_factory):
    from flows.calibrate import calibrate

    folder = tmp_path_factory.mktemp("tuning")
    path = folder / "warehouse.duckdb"
    shutil.copy(built[0], path)
    best = calibrate(
        warehouse_path=str(path),
        trials=2,
        trial_households=60,
        weeks=8,
        study_id="test",
        reports_dir=str(folder / "reports"),
        confirm_households=80,
    )
    return path, best


def test_calibrate_logs_every_trial_and_writes_the_best_config(tuned):
    from python_models.calibration.tuning import SEARCH_SPACE, current_settings
    from python_models.simulation.config import SimulationConfig
    from python_models.simulation.settings import simulation_settings

    path, best = tuned
    trials = query(
        path,
        "SELECT trial, settings, unfloored_score, harmonic_mean, ks_complements, score "
        "FROM calibration.calibration_trials WHERE study_id = 'test' ORDER BY trial",
    )
    assert [t[0] for t in trials] == [0, 1]
    settings = [json.loads(t[1]) for t in trials]
    assert settings[0] != settings[1] and set(settings[0]) == {d.path for d in SEARCH_SPACE}
    # The search starts from the pipeline's default (the committed calibrated settings).
    default = simulation_settings(None, None, learn_id="complete_journey")
    assert settings[0] == pytest.approx(current_settings(default))
    # Different settings simulate differently: the trials' metrics differ.
    assert trials[0][4] != trials[1][4] and trials[0][3] != trials[1][3]
    assert len(json.loads(trials[0][4])) == METRICS
    # The best trial maximizes the unfloored score; its score is reported.
    best_trial = max(trials, key=lambda t: t[2])
    assert best["trial"] == best_trial[0] and best["trial_score"] == best_trial[5]
    # The best settings are scored again at the confirming scale.
    assert best["confirm_households"] == 80 and best["trial_households"] == 60
    assert len(best["ks_complements"]) == METRICS
    # ... and their report is regenerated: a PNG per metric, the joint structure's heat maps
    # and the table of complements.
    report = Path(best["report"])
    assert report.name == "test_best" and len(list(report.glob("*.png"))) == METRICS + 1
    assert (report / "joint_structure.png").exists()
    assert "| household_promo_share |" in (report / "ks_complements.md").read_text()
    assert 0 <= best["score"] <= best["harmonic_mean"] <= 1
    config = SimulationConfig.from_file(best["file"])
    chosen = settings[best["trial"]]
    assert config.population.promo_response.median == chosen["population.promo_response.median"]
    assert config.categories.base_logit == chosen["categories.base_logit"]


def test_calibrate_refuses_bad_input(built, tmp_path, monkeypatch):
    import tempfile

    from flows.calibrate import calibrate

    scratch_root = tmp_path / "scratch"
    scratch_root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch_root))

    with pytest.raises(ValueError, match="trials = 0 must be >= 1"):
        calibrate(warehouse_path=str(built[0]), trials=0)
    with pytest.raises(ValueError, match="holds no run 'nowhere'"):
        calibrate(warehouse_path=str(built[0]), trials=1, reference_run="nowhere")
    with pytest.raises(ValueError, match="no warehouse at"):
        calibrate(warehouse_path=str(tmp_path / "missing.duckdb"), trials=1)
    duckdb.connect(str(tmp_path / "empty.duckdb")).close()
    with pytest.raises(ValueError, match=r"holds no run 'complete_journey' \(it holds none\)"):
        calibrate(warehouse_path=str(tmp_path / "empty.duckdb"), trials=1)
    with pytest.raises(ValueError, match="confirm_households = 0 must be >= 1"):
        calibrate(warehouse_path=str(built[0]), trials=1, confirm_households=0)
    # A study that stops early leaves no scratch folder behind.
    assert list(scratch_root.iterdir()) == []


def test_the_commands_end_with_a_message_on_bad_input(tmp_path, monkeypatch, prefect_harness):
    """python -m flows.calibrate / flows.pipeline: one line naming the problem, exit status 1
    (SystemExit with a message), and no warehouse created."""
    from flows.calibrate import calibrate
    from flows.cli import run_command
    from flows.pipeline import pipeline

    missing = tmp_path / "missing.duckdb"
    with pytest.raises(SystemExit, match="^calibrate: no warehouse at"):
        run_command(calibrate, ["--warehouse-path", str(missing)])
    bad = tmp_path / "bad.json"
    bad.write_text('{"choice": {"tail_weight": 9}}')
    argv = ["--warehouse-path", str(missing), "--simulation-file", str(bad)]
    with pytest.raises(SystemExit, match=r"^pipeline: .*tail_weight = 9 is outside"):
        run_command(pipeline, argv)
    assert not missing.exists()


def test_the_calibrated_default_is_written_validated_and_simulated_by_default(tmp_path):
    from python_models.calibration.tuning import with_settings, write_calibrated_default
    from python_models.paths import CALIBRATED_SIMULATION
    from python_models.simulation.config import SimulationConfig
    from python_models.simulation.settings import simulation_settings

    settings = {"choice.noticed_discount_threshold": 0.2, "population.visit_propensity.sd": 2.0}
    tuned = with_settings(SimulationConfig(n_households=80, run_id="trial"), settings)
    simulation, scores = tmp_path / "calibrated.json", tmp_path / "scores.json"
    write_calibrated_default(tuned, {"score": 0.5}, simulation, scores)
    config = SimulationConfig.from_file(simulation)
    assert config.choice.noticed_discount_threshold == 0.2
    assert config.population.visit_propensity.sd == 2.0
    # The run's identity and size stay the pipeline's.
    assert config.n_households == SimulationConfig().n_households and config.run_id == "simulated"
    assert config == tuned.replace(n_households=config.n_households, run_id=config.run_id)
    assert json.loads(scores.read_text()) == {"score": 0.5}
    # The pipeline simulates the committed calibrated settings unless given a file.
    committed = SimulationConfig.from_file(CALIBRATED_SIMULATION)
    default = simulation_settings(None, None, learn_id="complete_journey")
    assert (
        default.as_mapping() == committed.replace(run_id="complete_journey_simulated").as_mapping()
    )
    assert default != SimulationConfig(run_id="complete_journey_simulated")
    explicit = simulation_settings(str(simulation), None, learn_id="complete_journey")
    assert explicit.choice.noticed_discount_threshold == 0.2
