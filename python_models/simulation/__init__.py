"""The grocery simulator. So far its market side: learned parameters as arrays, the pricing
engine (base prices) and the promotional engine (the store-week promotion context)."""

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
