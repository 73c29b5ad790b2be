"""What the market learner reads and how hard it looks: one validated, typed config."""

from __future__ import annotations

from dataclasses import dataclass

from ..checks import check_ranges
from ..vocabulary.identifiers import RUN_ID_PATTERN


@dataclass(frozen=True, kw_only=True)
class LearnConfig:
    """Settings of one learning pass; every field changes the learned tables.

    Attributes
    ----------
    learn_id
        Key of the learned tables written (lowercase identifier).
    run_id
        Run of the warehouse to learn from (the real data by default).
    catalog_size
        Top products by revenue kept in the catalog the simulator draws from.
    products_per_category
        Most-bought products (by units) of every category added to the catalog when the top
        products leave the category out (so the simulated market has every real category).
    seed
        Root seed: household split for validation, HMM initialisation, sequence sampling.
    base_price_states
        Hidden states of the base-price HMM (e.g. stable / cut / rise).
    hmm_max_sequences
        Sequences sampled per HMM fit (bounds learning time on large data).
    hmm_iterations
        EM iterations of every HMM fit.
    min_category_observations
        Observations a category needs for its own base-price HMM; fewer falls back to all.
    transition_prior_strength
        Pseudo-transitions pulling each category's promo transitions toward the global matrix.
    tendency_prior_weeks
        Pseudo-weeks shrinking each product's promo rate toward its category's.
    seasonality_bandwidth_weeks
        Standard deviation of the circular Gaussian smoothing of seasonal indices.
    seasonality_min_units
        Units a product needs over the year for a product-level seasonal index.
    category_factors
        Factors of the model of which category tastes go together (0: none).
    """

    learn_id: str = "complete_journey"
    run_id: str = "complete_journey"
    catalog_size: int = 3000
    products_per_category: int = 25
    seed: int = 0
    base_price_states: int = 3
    hmm_max_sequences: int = 600
    hmm_iterations: int = 40
    min_category_observations: int = 300
    transition_prior_strength: float = 20.0
    tendency_prior_weeks: float = 8.0
    seasonality_bandwidth_weeks: float = 1.5
    seasonality_min_units: int = 520
    category_factors: int = 8

    def __post_init__(self) -> None:
        ranges = {
            "catalog_size": (10, 100_000),
            "products_per_category": (0, 1_000),
            "seed": (0, 2**63 - 1),
            "base_price_states": (2, 6),
            "hmm_max_sequences": (20, 1_000_000),
            "hmm_iterations": (1, 1000),
            "min_category_observations": (10, 10_000_000),
            "transition_prior_strength": (0.0, 1e6),
            "tendency_prior_weeks": (0.0, 1e4),
            "seasonality_bandwidth_weeks": (0.0, 13.0),
            "seasonality_min_units": (1, 10**9),
            "category_factors": (0, 50),
        }
        for name in ("learn_id", "run_id"):
            value = getattr(self, name)
            if not isinstance(value, str) or not RUN_ID_PATTERN.match(value):
                raise ValueError(
                    f"LearnConfig.{name} = {value!r}: use 1-63 lowercase letters, "
                    "digits or underscores, starting with a letter"
                )
        check_ranges(self, ranges)
