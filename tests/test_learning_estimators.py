"""Each estimator recovers known parameters from data simulated with those parameters."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from python_models.learning import LearnConfig
from python_models.learning.base_price_hmm import learn_base_price_hmm
from python_models.learning.display_mailer import learn_location_mix
from python_models.learning.promo_hmm import learn_promo_hmm
from python_models.learning.promo_tendency import learn_promo_tendencies
from python_models.learning.seasonality import WEEKS, category_indices, circular_smooth
from python_models.market.base_prices import sample_base_price_paths
from python_models.market.seasonal import seasonal_multipliers
from python_models.market.states import STATES


def simulate_hmm(
    start: np.ndarray,
    trans: np.ndarray,
    means: np.ndarray,
    stds: np.ndarray,
    n_sequences: int,
    length: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """States (sequences x length) and Gaussian emissions (sequences x length x dims)."""
    k = len(start)
    states = np.empty((n_sequences, length), dtype=int)
    states[:, 0] = rng.choice(k, size=n_sequences, p=start)
    cumulative = np.cumsum(trans, axis=1)
    for t in range(1, length):
        u = rng.random(n_sequences)
        states[:, t] = np.minimum((u[:, None] > cumulative[states[:, t - 1]]).sum(axis=1), k - 1)
    means, stds = np.atleast_2d(means.T).T, np.atleast_2d(stds.T).T
    noise = rng.standard_normal((n_sequences, length, means.shape[1]))
    return states, means[states] + stds[states] * noise


def matrix(frame: pd.DataFrame, rows: str = "from_state", columns: str = "to_state"):
    """A long transition table as a square array."""
    return frame.pivot_table(index=rows, columns=columns, values="probability", aggfunc="sum")


BASE_TRANS = np.array([[0.80, 0.15, 0.05], [0.05, 0.90, 0.05], [0.05, 0.15, 0.80]])
BASE_MEANS = np.array([-0.15, 0.0, 0.12])
BASE_STDS = np.array([0.03, 0.005, 0.03])


def simulated_changes(
    n_products: int, length: int, categories: np.ndarray, seed: int
) -> pd.DataFrame:
    """Weekly log price changes of ``n_products`` from the BASE_* HMM, one sequence each."""
    _, x = simulate_hmm(
        np.array([0.1, 0.8, 0.1]),
        BASE_TRANS,
        BASE_MEANS,
        BASE_STDS,
        n_sequences=n_products,
        length=length,
        rng=np.random.default_rng(seed),
    )
    return pd.DataFrame(
        {
            "product_id": np.repeat(np.arange(n_products), length),
            "product_category": np.repeat(categories, length),
            "week": np.tile(np.arange(1, length + 1), n_products),
            "sequence": np.repeat(np.arange(n_products), length),
            "log_change": x[:, :, 0].ravel(),
        }
    )


def test_base_price_hmm_recovers_transitions_and_emissions():
    changes = simulated_changes(400, 50, np.where(np.arange(400) < 200, "A", "B"), seed=7)
    state_rows, transitions, categories = learn_base_price_hmm(
        changes,
        ["A", "B"],
        n_states=3,
        max_sequences=400,
        n_iter=60,
        min_observations=1000,
        prior_strength=5.0,
        rng=np.random.default_rng(0),
        seed=0,
    )
    pooled = transitions[transitions["model_category"] == "__ALL__"]
    np.testing.assert_allclose(matrix(pooled).to_numpy(), BASE_TRANS, atol=0.03)
    pooled_states = state_rows[state_rows["model_category"] == "__ALL__"]
    np.testing.assert_allclose(pooled_states["mean_log_change"], BASE_MEANS, atol=0.01)
    np.testing.assert_allclose(pooled_states["std_log_change"], BASE_STDS, atol=0.01)
    assert pooled_states["is_stable"].tolist() == [False, True, False]
    # Both categories are large enough for their own model; their matrices are the truth too.
    assert not categories["is_fallback"].any()
    for category in ["A", "B"]:
        own = transitions[transitions["model_category"] == category]
        np.testing.assert_allclose(matrix(own).to_numpy(), BASE_TRANS, atol=0.05)


def test_small_categories_fall_back_to_the_pooled_model():
    changes = simulated_changes(60, 20, np.where(np.arange(60) < 55, "BIG", "TINY"), seed=1)
    _, _, categories = learn_base_price_hmm(
        changes,
        ["BIG", "TINY", "NEVER_CHANGED"],
        n_states=3,
        max_sequences=100,
        n_iter=20,
        min_observations=500,
        prior_strength=5.0,
        rng=np.random.default_rng(0),
        seed=0,
    )
    chosen = categories.set_index("product_category")
    assert chosen.loc["BIG", "model_category"] == "BIG"
    assert chosen.loc["TINY", "model_category"] == "__ALL__"
    assert chosen.loc["TINY", "is_fallback"]
    assert chosen.loc["NEVER_CHANGED", "model_category"] == "__ALL__"
    assert chosen.loc["NEVER_CHANGED", "n_observations"] == 0


def test_base_price_sampler_reverts_toward_the_start_price():
    noisy = np.array([0.0, 0.0, 0.0]), np.array([0.2, 0.001, 0.2])
    spread = {}
    for reversion in (0.0, 0.5):
        prices, _ = sample_base_price_paths(
            np.full(2000, 2.0),
            np.array([0.0, 1.0, 0.0]),
            BASE_TRANS,
            *noisy,
            stable_state=1,
            n_weeks=52,
            rng=np.random.default_rng(2),
            reversion=reversion,
        )
        spread[reversion] = np.log(prices[:, -1] / 2.0).std()
    assert spread[0.5] < 0.5 * spread[0.0]
    assert spread[0.5] < 0.25


def test_base_price_sampler_is_vectorised_and_holds_stable_prices():
    rng = np.random.default_rng(3)
    prices, states = sample_base_price_paths(
        np.full(5000, 2.0),
        np.array([0.0, 1.0, 0.0]),
        BASE_TRANS,
        BASE_MEANS,
        BASE_STDS,
        stable_state=1,
        n_weeks=30,
        rng=rng,
    )
    assert prices.shape == states.shape == (5000, 30)
    stable_steps = states[:, 1:] == 1
    assert np.all(prices[:, 1:][stable_steps] == prices[:, :-1][stable_steps])
    # Empirical transition frequencies match the matrix the paths were drawn from.
    pairs = np.zeros((3, 3))
    np.add.at(pairs, (states[:, :-1].ravel(), states[:, 1:].ravel()), 1)
    np.testing.assert_allclose(pairs / pairs.sum(axis=1, keepdims=True), BASE_TRANS, atol=0.01)


PROMO_TRANS_A = np.array(
    [
        [0.85, 0.08, 0.05, 0.02],
        [0.60, 0.30, 0.08, 0.02],
        [0.55, 0.10, 0.33, 0.02],
        [0.40, 0.05, 0.05, 0.50],
    ]
)
PROMO_TRANS_B = np.array(
    [
        [0.60, 0.20, 0.18, 0.02],
        [0.50, 0.40, 0.08, 0.02],
        [0.45, 0.10, 0.43, 0.02],
        [0.40, 0.05, 0.05, 0.50],
    ]
)
PROMO_MEANS = np.array(
    [
        [0.01, 0.02, 0.03],
        [0.22, 0.25, 0.90],
        [0.42, 0.75, 0.80],
        [0.45, 0.02, 0.04],
    ]
)
PROMO_STDS = np.full((4, 3), 0.04)


def test_promo_hmm_recovers_states_and_per_category_transitions():
    rng = np.random.default_rng(11)
    frames = []
    for offset, trans in enumerate([PROMO_TRANS_A, PROMO_TRANS_B]):
        truth, x = simulate_hmm(
            np.array([0.7, 0.1, 0.1, 0.1]),
            trans,
            PROMO_MEANS,
            PROMO_STDS,
            n_sequences=300,
            length=52,
            rng=rng,
        )
        x = np.clip(x, 0, 1)
        products = np.arange(300) + 1000 * offset
        frames.append(
            pd.DataFrame(
                {
                    "product_id": np.repeat(products, 52),
                    "week": np.tile(np.arange(1, 53), 300),
                    "discount_depth": x[:, :, 0].ravel(),
                    "display_share": x[:, :, 1].ravel(),
                    "mailer_share": x[:, :, 2].ravel(),
                    "base_price": 2.0,
                    "units": 10,
                    "true_state": np.asarray(STATES)[truth.ravel()],
                }
            )
        )
    weeks = pd.concat(frames, ignore_index=True)
    catalog = pd.DataFrame({"product_id": weeks["product_id"].unique()})
    catalog["product_category"] = np.where(catalog["product_id"] < 1000, "A", "B")

    learned = learn_promo_hmm(
        weeks.drop(columns="true_state"),
        catalog,
        max_sequences=600,
        n_iter=50,
        prior_strength=1.0,
        rng=np.random.default_rng(0),
        seed=0,
    )
    decoded = learned["promo_states_decoded"].merge(weeks[["product_id", "week", "true_state"]])
    assert (decoded["promo_state"] == decoded["true_state"]).mean() > 0.97

    states = learned["promo_states"].set_index("promo_state").loc[list(STATES)]
    np.testing.assert_allclose(states["mean_discount_depth"], PROMO_MEANS[:, 0], atol=0.02)
    transitions = learned["promo_transitions"]
    for category, truth in [("A", PROMO_TRANS_A), ("B", PROMO_TRANS_B)]:
        own = transitions[transitions["product_category"] == category]
        learned_matrix = matrix(own).loc[list(STATES), list(STATES)].to_numpy()
        np.testing.assert_allclose(learned_matrix, truth, atol=0.05)
        assert np.allclose(learned_matrix.sum(axis=1), 1.0, atol=1e-12)


def test_promo_tendencies_shrink_sparse_products_and_average_one():
    decoded = pd.DataFrame(
        {
            "product_id": [1] * 20 + [2] * 2 + [3] * 20,
            "product_category": ["X"] * 42,
            "week": list(range(20)) + [0, 1] + list(range(20)),
            "promo_state": ["feature"] * 10
            + ["regular"] * 10
            + ["deep", "deep"]
            + ["regular"] * 20,
        }
    )
    out = learn_promo_tendencies(decoded, prior_weeks=8.0).set_index("product_id")
    category_rate = 12 / 42
    assert out.loc[1, "raw_rate"] == 0.5
    assert out.loc[2, "raw_rate"] == 1.0
    # Two weeks of data barely move the sparse product off its category's rate.
    assert out.loc[2, "shrunk_rate"] == pytest.approx((2 + 8 * category_rate) / 10)
    assert out.loc[2, "shrunk_rate"] < out.loc[1, "raw_rate"] + 0.1
    assert out["promo_tendency"].mean() == pytest.approx(1.0)
    no_prior = learn_promo_tendencies(decoded, prior_weeks=0.0).set_index("product_id")
    assert no_prior.loc[2, "shrunk_rate"] == 1.0


def test_category_seasonality_recovers_a_known_curve():
    rng = np.random.default_rng(5)
    weeks = np.arange(1, WEEKS + 1)
    curve_a = 1 + 0.5 * np.sin(2 * np.pi * weeks / WEEKS)
    curve_b = 1 - 0.5 * np.sin(2 * np.pi * weeks / WEEKS)
    rows = []
    for category, curve in [("A", curve_a), ("B", curve_b), ("FLAT", np.ones(WEEKS))]:
        units = rng.poisson(2000 * curve)
        rows += [
            {"product_category": category, "product_id": 1, "week": w, "units": u}
            for w, u in zip(weeks, units, strict=True)
        ]
    index = category_indices(pd.DataFrame(rows), bandwidth=1.5)
    # Shares relative to all categories: A's index peaks where its curve does.
    assert np.corrcoef(index.loc["A"], curve_a)[0, 1] > 0.95
    assert np.corrcoef(index.loc["B"], curve_b)[0, 1] > 0.95
    assert np.allclose(index.mean(axis=1), 1.0)


def test_circular_smoothing_wraps_and_keeps_the_mean():
    spike = np.ones(WEEKS)
    spike[0] = 10.0
    smoothed = circular_smooth(spike[None, :], bandwidth=2.0)[0]
    assert smoothed.mean() == pytest.approx(1.0)
    assert smoothed[-1] == pytest.approx(smoothed[1])  # week 52 neighbours week 1
    assert smoothed.max() < spike.max()
    assert np.array_equal(circular_smooth(spike[None, :], 0.0)[0], spike / spike.mean())


def test_location_mix_counts_promotion_rows_per_state_in_sql():
    con = duckdb.connect()
    con.execute("create schema raw")
    con.execute("""create table raw.promotions as select * from (values
        ('r', 1, 10, '0', 'A', 1), ('r', 1, 11, '3', 'A', 1), ('r', 1, 12, '3', 'D', 1),
        ('r', 1, 10, '0', 'A', 2), ('r', 2, 10, '5', '0', 1), ('other', 1, 10, '9', 'Z', 1)
        ) t(run_id, product_id, store_id, display_location, mailer_location, week)""")
    decoded = pd.DataFrame(
        {
            "product_id": [1, 1, 2],
            "week": [1, 2, 1],
            "product_category": ["X", "X", "Y"],
            "promo_state": ["feature", "regular", "deep"],
        }
    )
    mix = learn_location_mix(con, "r", decoded, "display")
    own = mix[(mix["product_category"] == "X") & (mix["promo_state"] == "feature")]
    assert dict(zip(own["display_location"], own["probability"], strict=True)) == {
        "0": pytest.approx(1 / 3),
        "3": pytest.approx(2 / 3),
    }
    # Y never appears in 'feature': it takes the global mix, flagged as a fallback.
    y_feature = mix[(mix["product_category"] == "Y") & (mix["promo_state"] == "feature")]
    assert y_feature["is_fallback"].all()
    assert y_feature["probability"].sum() == pytest.approx(1.0)
    assert set(mix["promo_state"]) == set(STATES)
    assert (
        mix.groupby(["product_category", "promo_state"])["probability"].sum() - 1
    ).abs().max() < 1e-12


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("catalog_size", 5, r"catalog_size = 5 is outside the allowed range \[10, 100000\]"),
        ("base_price_states", 9, r"base_price_states = 9 is outside"),
        ("seasonality_bandwidth_weeks", -1.0, r"seasonality_bandwidth_weeks = -1.0 is outside"),
        ("learn_id", "Bad Id", r"LearnConfig.learn_id = 'Bad Id'"),
        ("hmm_iterations", 2.5, r"hmm_iterations must be a whole number"),
    ],
)
def test_learn_config_refuses_invalid_values(field, value, message):
    with pytest.raises(ValueError, match=message):
        LearnConfig(**{field: value})


def test_seasonal_multipliers_fall_back_product_category_one():
    rows = [
        {
            "level": "category",
            "product_category": "C",
            "product_id": None,
            "week": w,
            "seasonal_index": 2.0 if w == 1 else 1.0,
        }
        for w in range(1, WEEKS + 1)
    ]
    rows += [
        {
            "level": "product",
            "product_category": "C",
            "product_id": 7,
            "week": w,
            "seasonal_index": 3.0 if w == 52 else 0.5,
        }
        for w in range(1, WEEKS + 1)
    ]
    products = pd.DataFrame({"product_id": [7, 8, 9], "product_category": ["C", "C", "NONE"]})
    multipliers = seasonal_multipliers(pd.DataFrame(rows), products, np.array([1, 52, 53]))
    assert multipliers.tolist() == [
        [0.5, 3.0, 0.5],  # own product index; study week 53 wraps to week 1
        [2.0, 1.0, 2.0],  # no product index: its category's
        [1.0, 1.0, 1.0],  # neither: no seasonality
    ]


def test_learned_tables_gain_the_columns_a_newer_version_learns(tmp_path):
    """A learned table written before a column existed takes the column on the next pass; the
    learn ids already there keep their rows (with nulls), a rerun replaces its own rows."""
    import duckdb

    from python_models.warehouse.learned import write_learned

    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    write_learned(con, "old", {"learned_catalog": pd.DataFrame({"product_id": [1, 2]})})
    newer = pd.DataFrame({"product_id": [1, 2, 3], "first_week": [1, 5, 9]})
    write_learned(con, "new", {"learned_catalog": newer})
    write_learned(con, "new", {"learned_catalog": newer})
    rows = con.execute(
        "SELECT learn_id, product_id, first_week FROM learned.learned_catalog ORDER BY ALL"
    ).fetchall()
    con.close()
    assert rows == [
        ("new", 1, 1),
        ("new", 2, 5),
        ("new", 3, 9),
        ("old", 1, None),
        ("old", 2, None),
    ]
