"""How promotion-prone each product is, relative to the catalog."""

from __future__ import annotations

import pandas as pd


def learn_promo_tendencies(decoded: pd.DataFrame, prior_weeks: float) -> pd.DataFrame:
    """Weeks promoted / weeks active per product, shrunk toward its category, mean 1.

    A week is promoted when the promo HMM decoded it as anything but ``regular``. The raw rate
    is shrunk toward the category rate with ``prior_weeks`` pseudo-weeks (empirical Bayes), so a
    product seen in three weeks does not get an extreme tendency; the shrunk rates are divided by
    their catalog mean.
    """
    weeks = decoded.assign(is_promoted=decoded["promo_state"] != "regular")
    per_product = weeks.groupby(["product_id", "product_category"], as_index=False).agg(
        weeks_active=("week", "size"), weeks_promoted=("is_promoted", "sum")
    )
    category = per_product.groupby("product_category")[["weeks_promoted", "weeks_active"]].sum()
    category_rate = (category["weeks_promoted"] / category["weeks_active"]).rename("category_rate")
    per_product = per_product.join(category_rate, on="product_category")
    per_product["raw_rate"] = per_product["weeks_promoted"] / per_product["weeks_active"]
    per_product["shrunk_rate"] = (
        per_product["weeks_promoted"] + prior_weeks * per_product["category_rate"]
    ) / (per_product["weeks_active"] + prior_weeks)
    mean_rate = per_product["shrunk_rate"].mean()
    per_product["promo_tendency"] = per_product["shrunk_rate"] / mean_rate if mean_rate > 0 else 1.0
    return per_product.sort_values("product_id").reset_index(drop=True)
