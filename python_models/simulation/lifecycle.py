"""Households arrive, lapse and return: the weeks a household shops at all.

Each household is active (it visits at its own rate, ``visits``) or lapsed (it does not shop),
moving between the two with weekly hazards of its own, drawn from its band of shopping
frequency's learned Beta distribution (learning/lifecycle.py): an active household lapses with
its lapse hazard; a lapse lasts at least its learned min_lapse_weeks weeks, then ends with its
return hazard each week. A household's band is the quantile of its visit propensity under the
configured distribution (the same for any shard). Households start in the chain's stationary
distribution, so a late first visit is an arrival, an early last one a lapse, and the active
share of a long run stays where it starts, except for the panel's recruitment: a further share
of households starts not yet recruited (away for min_lapse_weeks weeks at least, then arriving
with the learned arrival hazard), so that the share away at the start is the learned
initial_lapsed_share (``recruitment`` scales that further share; 0 starts stationary).
Recruitment fades as those households arrive, within about one over the arrival hazard weeks.
Draws are counter-based, keyed by household and week. Without learned hazards (or with
``lapse_scale`` 0) every household stays active.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from ..checks import check_ranges
from . import counter_random

# States 1 .. min_lapse_weeks are the weeks of a lapse, the last one open-ended (left with the
# return hazard); min_lapse_weeks + 1 .. 2 min_lapse_weeks the weeks before a household the panel
# had not recruited yet arrives, the last one open-ended (left with the arrival hazard).
ACTIVE = 0


@dataclass(frozen=True, kw_only=True)
class LifecycleConfig:
    lapse_scale: float = 1.0  # multiplier of the learned lapse hazards (0: nobody lapses)
    return_scale: float = 1.0  # multiplier of the learned return hazards
    recruitment: float = 1.0  # multiplier of the share not yet recruited at the start

    def __post_init__(self) -> None:
        check_ranges(
            self,
            {"lapse_scale": (0.0, 10.0), "return_scale": (0.1, 10.0), "recruitment": (0.0, 3.0)},
        )


def household_hazards(
    bands: pd.DataFrame, kind: str, band: np.ndarray, seed: int, ids: np.ndarray
) -> np.ndarray:
    """Each household's weekly ``kind`` ("lapse" or "return") hazard: a counter-based draw from
    its band's Beta distribution around the band's hazard (concentration a + b learned; the
    band's hazard itself for a learned table without one)."""
    hazard = bands[f"{kind}_hazard"].to_numpy(float)[band]
    column = f"{kind}_concentration"
    if column not in bands:
        return hazard
    concentration = bands[column].to_numpy(float)[band]
    mean = np.clip(hazard, 1e-9, 1 - 1e-9)
    u = counter_random.uniform(seed, f"lifecycle_{kind}_hazard", ids)
    drawn = special.betaincinv(mean * concentration, (1 - mean) * concentration, u)
    return np.where(hazard > 0, drawn, 0.0)


class Lifecycle:
    """The lifecycle states of a shard's households, one week at a time."""

    def __init__(
        self,
        learned: pd.DataFrame | None,
        config: LifecycleConfig,
        ids: np.ndarray,
        visit_score: np.ndarray,
        seed: int,
    ):
        self.ids, self.seed = ids, seed
        n = len(ids)
        self.state = np.zeros(n, dtype=np.int64)
        self.lapse = self.back = self.arrival = np.zeros(n)
        self.last = 1
        if learned is None or learned.empty or config.lapse_scale == 0:
            return
        bands = learned.sort_values("frequency_band")
        self.last = int(bands["min_lapse_weeks"].iloc[0])
        cut = np.cumsum(bands["n_households"].to_numpy(float))
        band = np.searchsorted(cut / cut[-1], special.ndtr(visit_score), side="right")
        band = np.minimum(band, len(bands) - 1)
        lapse = household_hazards(bands, "lapse", band, seed, ids)
        back = household_hazards(bands, "return", band, seed, ids)
        self.lapse = np.clip(lapse * config.lapse_scale, 0, 1)
        self.back = np.clip(back * config.return_scale, 1e-6, 1)
        arrival = bands["arrival_hazard"] if "arrival_hazard" in bands else bands["return_hazard"]
        self.arrival = np.clip(arrival.to_numpy(float)[band], 1e-6, 1)
        # Stationary start: active : each forced lapse week : the open-ended one
        # = 1 : lapse : lapse / return.
        weights = np.column_stack(
            [np.ones(n), *[self.lapse] * (self.last - 1), self.lapse / self.back]
        )
        cumulative = np.cumsum(weights, axis=1)
        u = counter_random.uniform(seed, "lifecycle_start", ids) * cumulative[:, -1]
        self.state = (cumulative < u[:, None]).sum(axis=1)
        if config.recruitment and "initial_lapsed_share" in bands:
            lapsed = 1.0 - 1.0 / cumulative[:, -1]  # stationary share of all lapsed states
            learned_share = bands["initial_lapsed_share"].to_numpy()[band]
            unrecruited = np.clip(
                config.recruitment * (learned_share - lapsed) / (1.0 - lapsed), 0.0, 1.0
            )
            waiting = counter_random.uniform(seed, "lifecycle_recruited", ids) < unrecruited
            self.state = np.where(waiting, self.last + 1, self.state)

    @property
    def active(self) -> np.ndarray:
        return self.state == ACTIVE

    def step(self, week: int) -> None:
        """Move every household one week on: lapse, go on lapsing or waiting, return or
        arrive."""
        if not self.lapse.any():
            return
        u = counter_random.uniform(self.seed, "lifecycle", self.ids, week)
        state, last = self.state, self.last
        lapsing = (state == ACTIVE) & (u < self.lapse)
        returning = ((state == last) & (u < self.back)) | ((state == 2 * last) & (u < self.arrival))
        advancing = ((state > ACTIVE) & (state < last)) | ((state > last) & (state < 2 * last))
        state = np.where(advancing | lapsing, state + 1, state)
        self.state = np.where(returning, ACTIVE, state)
