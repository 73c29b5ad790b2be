"""One row per campaign and household: features before the campaign, treatment, outcomes in it.

Features are the household's history with the campaign's coupon products and with their
categories up to the campaign's first week (``item_features`` of two items, prefixed
``coupon_`` and ``category_``), so rows of different campaigns (different products) share one
feature space and a model learned on past campaigns scores a new one. Outcomes over the
campaign weeks: spend on the coupon products (``spend``, dollars), whether the household bought
one (``bought``), and the coupon dollars it redeemed (``coupon_cost``). Two more household
features say how it answers offers: the share of its lines bought on a retailer discount, how
many lines it bought with a coupon (both summed from its offer lines per week,
``offer_lines_by_week``), how many campaigns had sent it coupons, and its redemption rate -
coupon lines over lines of products it held a coupon for, while it held it (smoothed towards
1/2 by one line each way) - all before the campaign (a retailer knows whom it sent offers and
who redeemed them).

The lines these functions read need hold only the categories of the coupon products: nothing
else of a household's lines is read (the warehouse passes just those,
``int_targeting_lines_filtered_to_campaign_categories``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .features import FEATURES, item_features

HOUSEHOLD_FEATURES = (
    *(f for f in FEATURES if f.startswith("household_")),
    "household_promo_line_share",
    "household_coupon_lines",
    "household_offers_received",
    "household_redemption_rate",
)
ITEM_FEATURES = tuple(f for f in FEATURES if f.startswith("item_") and f != "item_code")
PREFIXES = ("coupon", "category")
COLUMNS = (
    *HOUSEHOLD_FEATURES,
    *(f"{prefix}_{name[5:]}" for prefix in PREFIXES for name in ITEM_FEATURES),
)
OFFER_LINE_COUNTS = ("n_lines", "promo_lines", "coupon_lines")


def offer_lines_by_week(lines: pd.DataFrame) -> pd.DataFrame:
    """Per household and week with a line (and run, when ``lines`` has run_id): its lines,
    those on a retailer discount and those with a coupon (``lines``: household_id, week,
    retail_disc, coupon_disc; every line), as the warehouse's
    int_targeting_offer_lines_summarized_to_household_weeks holds them."""
    keys = [k for k in ("run_id", "household_id", "week") if k in lines.columns]
    return (
        lines.assign(
            n_lines=1,
            promo_lines=(lines["retail_disc"] > 0).astype(int),
            coupon_lines=(lines["coupon_disc"] > 0).astype(int),
        )
        .groupby(keys, as_index=False)[list(OFFER_LINE_COUNTS)]
        .sum()
    )


def campaign_features(
    lines: pd.DataFrame,
    household_weeks: pd.DataFrame,
    offer_weeks: pd.DataFrame,
    coupon_products: list[int],
    start_week: int,
    n_weeks: int,
    households: np.ndarray | None = None,
    history: tuple[pd.Series, pd.Series] | None = None,
) -> pd.DataFrame:
    """Features (``COLUMNS``) and outcomes of every household (or ``households``) for one
    campaign on ``coupon_products`` running weeks ``start_week`` .. ``start_week + n_weeks - 1``.
    ``history``: (offers received, redemption rate) by household_id, from ``offer_history``.

    ``lines``: household_id, product_id, product_category, week, spend, retail_disc,
    coupon_disc (the households' lines in the coupon products' categories, or more).
    ``household_weeks``: household_id, week, spend. ``offer_weeks``: ``offer_lines_by_week``.
    """
    products = set(int(p) for p in coupon_products)
    is_coupon = lines["product_id"].isin(products)
    categories = set(lines.loc[is_coupon, "product_category"])
    in_category = lines["product_category"].isin(categories)
    item_weeks = pd.concat(
        [
            lines[is_coupon].assign(item="coupon"),
            lines[in_category].assign(item="category"),
        ],
        ignore_index=True,
    )
    item_weeks = item_weeks.groupby(["household_id", "item", "week"], as_index=False)["spend"].sum()
    frame = item_features(item_weeks, household_weeks, list(PREFIXES), start_week, n_weeks)
    wide = frame.pivot_table(index="household_id", columns="item", values=list(ITEM_FEATURES))
    wide.columns = [f"{item}_{name[5:]}" for name, item in wide.columns]
    per_household = frame.drop_duplicates("household_id").set_index("household_id")
    offers_received, redemption_rate = history if history is not None else (None, None)
    before = offer_weeks[offer_weeks["week"] < start_week]
    offers = before.groupby("household_id")[list(OFFER_LINE_COUNTS)].sum()
    per_household = per_household.join(
        pd.DataFrame(
            {
                "household_promo_line_share": offers["promo_lines"] / offers["n_lines"],
                "household_coupon_lines": np.log1p(offers["coupon_lines"]),
                "household_offers_received": (
                    offers_received if offers_received is not None else pd.Series(dtype=float)
                ),
                "household_redemption_rate": (
                    redemption_rate if redemption_rate is not None else pd.Series(dtype=float)
                ),
            }
        )
    ).fillna(
        {
            "household_promo_line_share": 0.0,
            "household_coupon_lines": 0.0,
            "household_offers_received": 0.0,
            "household_redemption_rate": 0.5,
        }
    )
    out = per_household[list(HOUSEHOLD_FEATURES)].join(wide)

    window = lines[
        is_coupon & (lines["week"] >= start_week) & (lines["week"] < start_week + n_weeks)
    ]
    outcome = window.groupby("household_id").agg(
        spend=("spend", "sum"), coupon_cost=("coupon_disc", "sum")
    )
    if households is not None:
        # A household without a purchase before the campaign has no history: zero features
        # (and the prior redemption rate).
        out = out.reindex(np.asarray(households))
        out = out.fillna({"household_redemption_rate": 0.5}).fillna(0.0)
    out = out.join(outcome).fillna({"spend": 0.0, "coupon_cost": 0.0})
    out["bought"] = (out["spend"] > 0).astype(int)
    return out.rename_axis("household_id").reset_index()[
        ["household_id", *COLUMNS, "spend", "coupon_cost", "bought"]
    ]


def offer_history(
    lines: pd.DataFrame,
    campaigns: pd.DataFrame,
    coupons: pd.DataFrame,
    assignments: pd.DataFrame,
    week: int,
) -> tuple[pd.Series, pd.Series]:
    """(offers received, redemption rate) per household, from campaigns and weeks before
    ``week``: how many campaigns treated it, and (coupon lines + 1) / (held-coupon lines + 2)
    over the lines of products it held a coupon for in the campaign's weeks."""
    started = campaigns[campaigns["start_week"] < week]
    treated = assignments[
        assignments["campaign_id"].isin(started["campaign_id"])
        & (assignments["treatment_group"] == "treatment")
    ]
    received = treated.groupby("household_id").size().astype(float)
    held = treated[["campaign_id", "household_id"]].merge(coupons[["campaign_id", "product_id"]])
    held = held.merge(started[["campaign_id", "start_week", "n_weeks"]])
    bought = lines[lines["week"] < week].merge(held, on=["household_id", "product_id"])
    bought = bought[
        (bought["week"] >= bought["start_week"])
        & (bought["week"] < bought["start_week"] + bought["n_weeks"])
    ]
    counts = bought.groupby("household_id").agg(
        held_lines=("coupon_disc", "size"), redeemed=("coupon_disc", lambda c: (c > 0).sum())
    )
    rate = (counts["redeemed"] + 1.0) / (counts["held_lines"] + 2.0)
    return received, rate


def campaign_rows(
    lines: pd.DataFrame,
    household_weeks: pd.DataFrame,
    offer_weeks: pd.DataFrame,
    campaigns: pd.DataFrame,
    coupons: pd.DataFrame,
    assignments: pd.DataFrame,
) -> pd.DataFrame:
    """Training rows of randomized campaigns: one per campaign and eligible household, with
    ``treated`` (0/1) and ``depth`` (the coupon depth held or that would have been held).

    ``campaigns``: campaign_id, start_week, n_weeks; ``coupons``: campaign_id, product_id;
    ``assignments``: campaign_id, household_id, treatment_group, coupon_depth.
    """
    frames = []
    for campaign in campaigns.itertuples(index=False):
        eligible = assignments[assignments["campaign_id"] == campaign.campaign_id]
        if eligible.empty or campaign.start_week < 2:
            continue  # no history before a campaign of week 1
        products = coupons.loc[coupons["campaign_id"] == campaign.campaign_id, "product_id"]
        features = campaign_features(
            lines,
            household_weeks,
            offer_weeks,
            products.tolist(),
            int(campaign.start_week),
            int(campaign.n_weeks),
            households=eligible["household_id"].to_numpy(),
            history=offer_history(lines, campaigns, coupons, assignments, int(campaign.start_week)),
        )
        features = features.merge(
            eligible[["household_id", "treatment_group", "coupon_depth"]], on="household_id"
        )
        frames.append(
            features.assign(
                campaign_id=campaign.campaign_id,
                treated=(features.pop("treatment_group") == "treatment").astype(int),
                depth=features.pop("coupon_depth").astype(float),
            )
        )
    if not frames:
        raise ValueError("no randomized campaign with eligible households and a week of history")
    return pd.concat(frames, ignore_index=True)
