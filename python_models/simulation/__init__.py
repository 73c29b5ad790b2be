"""The grocery simulator: a learned multi-stage household model writing Complete-Journey-shaped
runs.

One behaviour per module: the learned market as arrays (learned_market); counter-based
randomness keyed by household and week (counter_random); the pricing engine (pricing), the
promotional engine (promotions) and the marketing signal (marketing), assembled once per run
into the market context (market_context); the population (population); store visits (visits);
category choice with inventory and seasonality (categories); product choice, a multinomial logit
with reference prices and loss aversion (product_choice); quantities (quantity); randomized coupon
campaigns (campaigns). ``shard`` runs the weekly loop over a shard of households; ``run`` maps
shards over processes into Parquet files and loads them; ``config`` is the one validated config.
"""

from .config import SimulationConfig
from .learned_market import LearnedMarket, load_learned_market
from .run import SimulationReport, load_simulation, simulate

__all__ = [
    "LearnedMarket",
    "SimulationConfig",
    "SimulationReport",
    "load_learned_market",
    "load_simulation",
    "simulate",
]
