"""The targeting metrics: hand-computed values for the pinned uplift definitions, scikit-learn
for the standard ones."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as sk

from python_models.targeting import metrics

# Sorted by score: (treated, 10), (control, 0), (treated, 0), (control, 5).
SCORE = np.array([4.0, 3.0, 2.0, 1.0])
Y = np.array([10.0, 0.0, 0.0, 5.0])
T = np.array([1, 0, 1, 0])


def test_qini_curve_and_coefficient_by_hand():
    curve = metrics.qini_curve(SCORE, Y, T)
    assert curve["share"].tolist() == [0, 0.25, 0.5, 0.75, 1]
    # Q(n) = Y_t - Y_c n_t / n_c, 0 while no control unit is targeted.
    assert curve["qini"].tolist() == [0, 0, 10, 10, 5]
    # Area 5.625 minus the random line's 2.5, per treated unit (2).
    assert metrics.qini_coefficient(SCORE, Y, T) == pytest.approx(1.5625)


def test_uplift_curve_auuc_and_uplift_at_k_by_hand():
    curve = metrics.uplift_curve(SCORE, Y, T)
    assert curve["uplift"].tolist() == [0, 0, 20, 15, 10]
    assert metrics.auuc(SCORE, Y, T) == pytest.approx((10.0 - 5.0) / 4)
    assert metrics.uplift_at_k(SCORE, Y, T, 0.5) == 10.0
    assert np.isnan(metrics.uplift_at_k(SCORE, Y, T, 0.25))  # no control unit in the top 1


def test_tied_scores_are_one_block_and_random_ordering_scores_zero():
    flat = np.zeros(4)
    assert metrics.qini_curve(flat, Y, T)["share"].tolist() == [0, 1]
    assert metrics.qini_coefficient(flat, Y, T) == pytest.approx(0.0)
    assert metrics.auuc(flat, Y, T) == pytest.approx(0.0)


def test_a_better_ranking_scores_higher():
    rng = np.random.default_rng(0)
    n = 4000
    effect = rng.uniform(0, 2, n)
    t = rng.integers(0, 2, n)
    y = rng.normal(1, 1, n) + t * effect
    good, noisy = effect, effect + rng.normal(0, 2, n)
    assert metrics.qini_coefficient(good, y, t) > metrics.qini_coefficient(noisy, y, t) > 0
    assert metrics.auuc(good, y, t) > metrics.auuc(noisy, y, t) > 0
    assert abs(metrics.qini_coefficient(rng.permutation(effect), y, t)) < 0.1


def test_classification_metrics_match_scikit_learn_and_hand_values():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 300)
    score = y * 0.3 + rng.uniform(0, 1, 300)
    assert metrics.roc_auc(y, score) == pytest.approx(sk.roc_auc_score(y, score))
    assert metrics.pr_auc(y, score) == pytest.approx(sk.average_precision_score(y, score))
    assert metrics.ndcg_at_k(y, score, 25) == pytest.approx(
        sk.ndcg_score(y[None, :], score[None, :], k=25)
    )
    top = np.argsort(-score)[:25]
    assert metrics.precision_at_k(y, score, 25) == pytest.approx(y[top].mean())
    assert metrics.recall_at_k(y, score, 25) == pytest.approx(y[top].sum() / y.sum())
    assert np.isnan(metrics.roc_auc(np.ones(5), np.arange(5)))


def test_calibration_error_and_deciles_by_hand():
    # Bin [0.1, 0.2): p 0.1, 0.1 observed 0, 1 -> |1 - 0.2|; bin [0.9, 1]: p 0.9, 0.9 observed 1, 1.
    y, p = np.array([0, 1, 1, 1]), np.array([0.1, 0.1, 0.9, 0.9])
    assert metrics.expected_calibration_error(y, p) == pytest.approx((0.8 + 0.2) / 4)
    y = np.r_[np.ones(10), np.zeros(90)]
    deciles = metrics.lift_by_decile(y, -np.arange(100.0))  # the ten positives score highest
    assert deciles["n"].tolist() == [10] * 10
    assert deciles["lift"].iloc[0] == pytest.approx(10.0)
    assert deciles["lift"].iloc[1:].eq(0).all()
