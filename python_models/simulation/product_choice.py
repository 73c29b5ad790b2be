"""Product choice: a multinomial logit over the products of a category, per purchase occasion.

Utility of product p for household h at store s in week w:

    popularity_p + log(seasonal index of p relative to its category)
    - price_sensitivity_h * log(perceived price)         (non-linear in price)
    - left_digit_sensitivity_h * floor(perceived price)  (each whole dollar crossed costs utility)
    + promo_response_h * perceived discount depth + display_response_h * on display at s
    + feature_response_h * in the mailer
    + reference_price_weight_h * (gain_h * log gain - loss_h * log loss)
        (against an EWMA reference price; loss aversion: lambda_loss > lambda_gain)
    + quality_preference_h * national brand
    + price_tier_taste_h * tier step + pack_size_taste_h * pack step   (attribute substitution:
                                  products sharing attributes share a household's taste for them)
    + brand_loyalty_h * log(1 + past purchases) * loyalty_decay ** weeks since the last one
    + coupon utility when the household holds a coupon for p

The perceived price is the base price less the part of the discount beyond the latitude of price
acceptance (``perceived_depth``): a discount of a few percent is paid but not noticed.

The household coefficients and the product features are stacked so the linear part of a whole
category is one matrix product (households x K) @ (K x products).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..checks import check_ranges

# Order of the stacked linear terms: feature rows of ``week_features`` and coefficient columns
# of ``household_coefficients`` line up.
LINEAR_TERMS = (
    "log_price",
    "left_digit",
    "depth",
    "mailer",
    "national",
    "price_tier",
    "pack_size",
    "log_gain",
    "log_loss",
)


@dataclass(frozen=True, kw_only=True)
class ChoiceConfig:
    popularity_weight: float = 1.0  # weight of log learned units (within category) in utility
    reference_memory: float = 0.7  # EWMA weight of last week's reference price
    loyalty_decay: float = 0.9  # weekly decay of the purchase-history term
    coupon_effect: float = 4.0  # utility per unit coupon value / shelf price, x coupon sensitivity
    # Latitude of price acceptance: shoppers notice only the part of a discount beyond this
    # share of the base price (see ``perceived_depth``); small card discounts move no demand.
    noticed_discount_threshold: float = 0.0
    # Products sell only between their learned first and last week of the year (launches and
    # discontinuations); off, every product sells every week.
    product_lifecycle: bool = True
    # Multiplier on each category's learned tail share: the probability that a household's
    # variant of a catalog product is a product outside the catalog (simulation/tail.py); 0
    # keeps every sale on the catalog.
    tail_weight: float = 1.0

    def __post_init__(self) -> None:
        check_ranges(
            self,
            {
                "popularity_weight": (0.0, 5.0),
                "reference_memory": (0.0, 0.99),
                "loyalty_decay": (0.0, 1.0),
                "coupon_effect": (0.0, 50.0),
                "noticed_discount_threshold": (0.0, 0.9),
                "tail_weight": (0.0, 5.0),
            },
        )


def household_coefficients(parameters: dict[str, np.ndarray]) -> np.ndarray:
    """(households x K) coefficients of the linear terms, in LINEAR_TERMS order."""
    weight = parameters["reference_price_weight"]
    return np.column_stack(
        [
            -parameters["price_sensitivity"],
            -parameters["left_digit_sensitivity"],
            parameters["promo_response"],
            parameters["feature_response"],
            parameters["quality_preference"],
            parameters["price_tier_taste"],
            parameters["pack_size_taste"],
            weight * parameters["gain_sensitivity"],
            -weight * parameters["loss_sensitivity"],
        ]
    ).astype(np.float32)


def perceived_depth(depth: np.ndarray, threshold: float) -> np.ndarray:
    """The discount a shopper responds to: the part of ``depth`` beyond ``threshold`` (a latitude
    of price acceptance around the regular price). Demand, reference prices and stockpiling
    follow the perceived price base x (1 - perceived depth); the shopper pays the shelf price."""
    return np.maximum(depth - threshold, 0.0)


def reference_prices(shelf_price: np.ndarray, memory: float) -> np.ndarray:
    """EWMA of past shelf prices, (products x weeks): week w's reference is what shoppers saw
    before it (week 0 starts at the first price)."""
    reference = np.empty_like(shelf_price)
    reference[:, 0] = shelf_price[:, 0]
    for week in range(1, shelf_price.shape[1]):
        reference[:, week] = (
            memory * reference[:, week - 1] + (1 - memory) * shelf_price[:, week - 1]
        )
    return reference


def week_features(
    shelf_price: np.ndarray,
    reference_price: np.ndarray,
    depth: np.ndarray,
    in_mailer: np.ndarray,
    national: np.ndarray,
    price_tier: np.ndarray,
    pack_size: np.ndarray,
) -> np.ndarray:
    """(K x products) feature rows for one week, in LINEAR_TERMS order."""
    log_ratio = np.log(reference_price) - np.log(shelf_price)
    return np.vstack(
        [
            np.log(shelf_price),
            np.floor(shelf_price),
            depth,
            in_mailer,
            national,
            price_tier,
            pack_size,
            np.maximum(log_ratio, 0.0),
            np.maximum(-log_ratio, 0.0),
        ]
    ).astype(np.float32)


class PurchaseHistory:
    """Each household's purchase-history term of every product: log(1 + weeks with a purchase)
    decayed by ``decay`` per week since the last one.

    Kept as one float32 matrix (households x products in the market's category order, so a
    category's history is a row gather plus a slice): every week the whole matrix decays in
    place, and a purchase resets its entry to log(1 + count). ``spare`` zero columns follow the
    last product, so a window of up to that many products fits from any product on.
    """

    def __init__(self, n_households: int, order: np.ndarray, decay: float, spare: int = 0):
        self.column = np.empty_like(order)
        self.column[order] = np.arange(len(order))
        self._padded = np.zeros((n_households, len(order) + spare), dtype=np.float32)
        self.score = self._padded[:, : len(order)]
        self.count = np.zeros((n_households, len(order)), dtype=np.uint16)
        self.decay = np.float32(decay)

    def age(self) -> None:
        """One week passes (the spare columns stay 0; the whole matrix is contiguous)."""
        self._padded *= self.decay

    def add(self, households: np.ndarray, products: np.ndarray) -> None:
        """Record this week's purchases of (household, product) pairs (pairs may repeat)."""
        columns = self.column[products]
        count = np.minimum(self.count[households, columns], 0xFFFE) + 1
        self.count[households, columns] = count
        self.score[households, columns] = np.log1p(count.astype(np.float32))

    def add_loyalty(
        self, utility: np.ndarray, households: np.ndarray, columns: slice, loyalty: np.ndarray
    ) -> None:
        """utility += brand_loyalty x the history term, over the products of ``columns``."""
        utility += loyalty[households, None] * self.score[households, columns]

    def windows(self, households: np.ndarray, starts: np.ndarray, width: int) -> np.ndarray:
        """(pairs x width) history terms of household ``households[i]`` over the ``width``
        products from position ``starts[i]`` on (past the last product: 0; width <= spare).
        Copies whole windows, faster than gathering products one by one."""
        return sliding_window_view(self._padded, width, axis=1)[households, starts]


def choose(utility: np.ndarray, rows: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Column index drawn for each draw i from softmax(utility[rows[i]]) by inverting with the
    uniform ``u[i]``: repeat draws of a row share its weights.

    Works on the transposed (columns x rows) weights: their running sum is then one vector
    add per column when rows outnumber columns, far faster than a cumulative sum along many
    short rows, and it adds in the same order (the same bits).
    """
    weights = np.ascontiguousarray(utility.T)
    weights = np.exp(weights - weights.max(axis=0))
    width = len(weights)
    if weights.shape[1] > 2 * width:
        for column in range(1, width):
            weights[column] += weights[column - 1]
    else:
        weights = np.cumsum(weights, axis=0)
    cumulative = weights[:, rows]
    target = u * cumulative[-1]
    return np.minimum((cumulative < target).sum(axis=0), width - 1)


def softmax(utility: np.ndarray) -> np.ndarray:
    weights = np.exp(utility - utility.max(axis=1, keepdims=True))
    return weights / weights.sum(axis=1, keepdims=True)
