"""One validated config drives the simulator: every field changes the output, bad values stop
before any work naming the field, and shard size never changes a table."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest
from simulated_market import CONFIG, MARKET, checksum, run, with_lifecycle, with_tail

from python_models.simulation.config import SimulationConfig
from python_models.simulation.distributions import Beta, Gamma, LogNormal, Normal

SMALL = dataclasses.replace(CONFIG, n_households=120, n_weeks=10)
# Fields that name or partition a run rather than shape it.
IDENTITY = {"run_id", "learn_id", "shard_size"}
# With products outside the catalog, lifecycle hazards that differ by household, a learned habit,
# household copula and category factors, so every setting acts and every learned structure is
# drawn in the shard-split test.
COPULA = pd.DataFrame(
    [
        ("visit_share", "lines_per_trip", -0.4),
        ("lines_per_trip", "visit_share", -0.4),
        ("promo_share", "premium_share", -0.3),
        ("premium_share", "promo_share", -0.3),
    ],
    columns=["behaviour_x", "behaviour_y", "correlation"],
)
LOADINGS = np.linspace(-0.6, 0.6, len(MARKET.categories))[:, None]
TAILED = dataclasses.replace(
    with_lifecycle(with_tail(MARKET), initial=0.4, return_concentration=3.0),
    habit=(0.7, 0.3),
    household_copula=COPULA,
    category_loadings=LOADINGS,
    category_uniqueness=1 - LOADINGS[:, 0] ** 2,
)


def perturbed(value):
    """A different valid value of a field."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, LogNormal):
        return LogNormal(value.median * 2.5, value.sigma + 0.3)
    if isinstance(value, Normal):
        return Normal(value.mean + 1.0, value.sd + 0.3)
    if isinstance(value, Beta):
        return Beta(value.a * 3, value.b)
    if isinstance(value, Gamma):
        return Gamma(value.mean * 3, value.shape)
    if isinstance(value, int):
        return 2 if value > 4 else value + 1
    if isinstance(value, float):
        return value * 0.5 if value > 0.5 else value + 0.3
    if isinstance(value, tuple):  # a menu: a different set of values
        return (0.05, 0.45) if value != (0.05, 0.45) else (0.1,)
    raise TypeError(value)


def leaf_fields(config) -> list[tuple[str, ...]]:
    paths = []
    for field in dataclasses.fields(config):
        value = getattr(config, field.name)
        if dataclasses.is_dataclass(value) and not isinstance(
            value, LogNormal | Normal | Beta | Gamma
        ):
            paths += [(field.name, *sub) for sub in leaf_fields(value)]
        elif field.name not in IDENTITY:
            paths.append((field.name,))
    return paths


def with_value(config, path, value):
    if len(path) == 1:
        return dataclasses.replace(config, **{path[0]: value})
    inner = getattr(config, path[0])
    return dataclasses.replace(config, **{path[0]: with_value(inner, path[1:], value)})


def read(config, path):
    for name in path:
        config = getattr(config, name)
    return config


@pytest.fixture(scope="module")
def baseline():
    return checksum(run(SMALL, TAILED)[1])


@pytest.mark.parametrize("path", leaf_fields(SMALL), ids=lambda p: ".".join(p))
def test_every_config_field_changes_the_output(baseline, path):
    changed = with_value(SMALL, path, perturbed(read(SMALL, path)))
    assert checksum(run(changed, TAILED)[1]) != baseline


def test_same_config_same_tables_for_any_shard_split():
    context, whole = run(SMALL, TAILED)
    ids = np.asarray(list(SMALL.household_ids))
    parts = [run(SMALL, TAILED, ids=part)[1] for part in np.split(ids, [7, 50, 51])]
    for table in ("transactions", "households", "true_uplift", "coupon_redemptions"):
        joined = pd.concat([p[table] for p in parts], ignore_index=True)
        key = list(whole[table].columns)
        pd.testing.assert_frame_equal(
            joined.sort_values(key, ignore_index=True),
            whole[table].sort_values(key, ignore_index=True),
            check_dtype=False,
            check_exact=True,
        )
    assert len(whole["transactions"]) > 1000
    assert whole["transactions"]["product_id"].isin(TAILED.tail["product_id"]).any()
    assert checksum(run(SMALL, TAILED)[1]) == checksum(whole)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"visits": {"extra_trips_mean": -1}}, "VisitConfig.extra_trips_mean = -1 is outside"),
        ({"n_weeks": 0}, "SimulationConfig.n_weeks = 0 is outside the allowed range [1, 520]"),
        ({"categories": {"inventory_effect": "high"}}, "inventory_effect must be a number"),
        ({"campaigns": {"treatment_share": 1.5}}, "treatment_share = 1.5 is outside"),
        ({"population": {"price_sensitivity": {"median": -2, "sigma": 0.5}}}, "median = -2"),
        ({"visits": {"signal_efect": 0.1}}, "simulation.visits.signal_efect is not a field"),
        ({"run_id": "Bad Id"}, "run_id 'Bad Id' is not valid"),
    ],
)
def test_invalid_values_stop_with_the_field_and_its_range(values, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        SimulationConfig.from_mapping(values)


def test_config_files_and_mappings_round_trip(tmp_path):
    config = SimulationConfig.from_mapping(
        {"n_households": 10, "population": {"promo_response": {"median": 2.0, "sigma": 0.1}}}
    )
    assert config.population.promo_response == LogNormal(2.0, 0.1)
    path = tmp_path / "simulation.json"
    path.write_text(json.dumps(config.as_mapping()))
    assert SimulationConfig.from_file(path) == config
    toml = tmp_path / "simulation.toml"
    toml.write_text("n_weeks = 12\n[visits]\nsignal_effect = 0.7\n")
    loaded = SimulationConfig.from_file(toml)
    assert (loaded.n_weeks, loaded.visits.signal_effect) == (12, 0.7)


def test_a_folder_that_holds_no_simulation_is_never_replaced(tmp_path):
    from python_models.simulation.run import prepare

    keep = tmp_path / "notes.txt"
    keep.write_text("mine")
    with pytest.raises(FileExistsError, match="refusing to replace it"):
        prepare(SMALL, None, tmp_path)  # refused before the market is read
    assert keep.read_text() == "mine"


def test_a_missing_warehouse_or_learned_market_is_named(tmp_path):
    import duckdb

    from python_models.market.from_warehouse import load_learned_market

    with pytest.raises(FileNotFoundError, match="no warehouse at"):
        load_learned_market(tmp_path / "missing.duckdb", "complete_journey")
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    with pytest.raises(ValueError, match="has no learned tables"):
        load_learned_market(empty, "complete_journey")


def test_a_new_plan_in_the_same_folder_is_not_served_from_the_old_one(tmp_path):
    """One process simulating twice into one folder (as a tuning loop does) uses each plan."""
    import os
    import pickle

    from simulated_market import MARKET

    from python_models.simulation.market_context import build_market_context
    from python_models.simulation.run import run_shard, shards
    from python_models.simulation.shard_store import PLAN_FILE, ShardStore

    plan = tmp_path / PLAN_FILE
    counts = []
    for stamp, base_logit in enumerate([-2.0, 0.0]):
        config = dataclasses.replace(
            SMALL, categories=dataclasses.replace(SMALL.categories, base_logit=base_logit)
        )
        with plan.open("wb") as handle:
            pickle.dump((build_market_context(MARKET, config), config), handle)
        os.utime(plan, ns=(stamp, stamp))  # distinct write times, however fast the loop
        counts.append(run_shard(ShardStore(str(tmp_path)), shards(config)[0]).rows["transactions"])
    expected = len(run(dataclasses.replace(SMALL, categories=config.categories))[1]["transactions"])
    assert counts[1] == expected != counts[0]
