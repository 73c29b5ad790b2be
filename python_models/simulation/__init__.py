"""The grocery simulator, being built behaviour by behaviour (one module each).

In place: learned parameters as arrays (learned_market), counter-based randomness keyed by
household and week (counter_random), the pricing engine (base prices), the promotional engine
(store-week promotion context and the raw promotions table), the marketing signal, the
population (households' own parameters) and store visits (trips and store choice). Still to come:
category and product choice, quantity, campaigns, the weekly loop writing runs.
"""

from .learned_market import LearnedMarket, load_learned_market
from .pricing import simulate_base_prices
from .promotions import PromotionContext, promotions_table, simulate_promotions

__all__ = [
    "LearnedMarket",
    "PromotionContext",
    "load_learned_market",
    "promotions_table",
    "simulate_base_prices",
    "simulate_promotions",
]
