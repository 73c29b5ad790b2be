"""The learned market: the parameters learning writes, as the arrays the simulator reads, and
the names and samplers both share (promo states, base-price paths, seasonal multipliers).
``from_warehouse.load_learned_market`` reads it from the warehouse; it is not re-exported here,
so importing the package (as every simulator config does) loads no warehouse code."""

from .learned_market import BasePriceModel, LearnedMarket, market_from_tables

__all__ = ["BasePriceModel", "LearnedMarket", "market_from_tables"]
