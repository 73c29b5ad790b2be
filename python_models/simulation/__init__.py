"""The grocery simulator: a learned multi-stage household model writing Complete-Journey-shaped
runs as Parquet.

One behaviour per module: counter-based randomness keyed by household and week
(counter_random); the pricing engine (pricing), the promotional engine (promotions) and the
marketing signal (marketing), assembled once per run from a learned market
(python_models.market) into the market context (market_context); the population (population);
store visits (visits); category choice with inventory and seasonality (categories); product
choice, a multinomial logit with reference prices and loss aversion (product_choice);
quantities (quantity); randomized coupon campaigns (campaigns). ``weekly_loop`` walks a shard of
households through the weeks (its state in ``shard_state``, product utilities in ``utilities``,
the week's coupons and their true uplift in ``coupon_accounting`` and ``true_uplift``, the
checkout in ``checkout``), ``raw_tables`` writes the rows in the warehouse's raw schema;
``run`` runs the shards into Parquet files; ``playback`` replays a world with a chosen campaign;
``config`` is the one validated config. Only the config is re-exported here: ``run.simulate``
writes files through the warehouse's Parquet helpers, and importing the config must load no I/O.
"""

from .config import SimulationConfig

__all__ = ["SimulationConfig"]
