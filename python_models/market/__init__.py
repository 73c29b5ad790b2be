"""The learned market: the parameters learning writes, as the arrays the simulator reads, and
the names and samplers both share (promo states, base-price paths, seasonal multipliers)."""

from .learned_market import BasePriceModel, LearnedMarket, load_learned_market, market_from_tables

__all__ = ["BasePriceModel", "LearnedMarket", "load_learned_market", "market_from_tables"]
