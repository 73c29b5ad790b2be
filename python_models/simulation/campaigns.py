"""Targeted coupon campaigns with randomized treatment and control groups.

A campaign (type A, B or C, cycling as in Complete Journey) runs for some weeks and issues one
coupon per product of a few categories (drawn by penetration; campaigns that overlap in time
take different categories while there are enough). Campaigns target households that like
their categories (eligibility odds rise with category preference); each eligible household is
then assigned to treatment with probability ``treatment_share``, else to control, so treated
and control differ only by chance and uplift is identifiable (eligible and ineligible households
differ, as targeted ones do in Complete Journey). Treated households hold the coupons: while
the campaign runs a coupon adds utility to its product (``product_choice``) and redeems with a
probability rising with the household's coupon sensitivity. Offers tire: a household's
response to a campaign (its coupons' utility and its redemption log-odds) falls with the other
offers it received recently (``offer_fatigue``), so contacts spaced apart work better than
contacts in a row. Control households are recorded
only in the simulation-only ``campaign_assignments`` table. All household draws are
counter-based, keyed by household and campaign.

A coupon's value is a depth (share of the product's base price). With a ``depth_menu``, each
treated household holds coupons of a depth drawn from the menu (so uplift by depth is
identifiable too). A plan can also carry explicit ``Offers`` for a campaign (who is eligible,
who is treated, at which depth), which replace the randomized draws for it: that is how a
targeting policy's campaign is played back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import pandas as pd
from scipy import special

from ..checks import check_ranges
from ..market.learned_market import LearnedMarket
from . import counter_random
from .calendar import week_start

TYPES = ("Type A", "Type B", "Type C")
COUPON_UPC_BASE = 50_000_000_000


@dataclass(frozen=True, kw_only=True)
class CampaignConfig:
    n_campaigns: int = 6
    duration_weeks: int = 6
    eligible_share: float = 0.3  # share of households eligible (at typical preference)
    targeting_strength: float = 1.0  # log-odds of eligibility per unit of category preference
    treatment_share: float = 0.5  # share of eligible households treated (the rest: control)
    categories_per_campaign: int = 2
    products_per_category: int = 5  # coupons per category: its most popular products
    coupon_depth: float = 0.25  # coupon value as a share of the product's base price
    redemption_logit: float = 0.5  # logit of redeeming a held coupon at purchase, typical hh
    # Depths treated households' coupons are drawn from (uniformly); empty: coupon_depth for all.
    depth_menu: tuple[float, ...] = ()
    # Promotion fatigue: each other offer a household received, weighted by
    # exp(-weeks since it started / fatigue_memory_weeks), multiplies its coupons' utility by
    # exp(-fatigue) and lowers its redemption log-odds by fatigue. A stated default: the real
    # campaigns are not randomized (offers go to the heaviest shoppers), so their data
    # confound fatigue with who receives more offers.
    fatigue: float = 0.1
    fatigue_memory_weeks: float = 8.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "depth_menu", tuple(float(d) for d in self.depth_menu))
        bad = [d for d in self.depth_menu if not 0.01 <= d <= 0.9]
        if bad:
            raise ValueError(
                f"CampaignConfig.depth_menu holds {bad[0]!r}, outside the allowed range [0.01, 0.9]"
            )
        check_ranges(
            self,
            {
                "n_campaigns": (0, 100),
                "duration_weeks": (1, 52),
                "eligible_share": (0.0, 1.0),
                "targeting_strength": (0.0, 10.0),
                "treatment_share": (0.0, 1.0),
                "categories_per_campaign": (1, 20),
                "products_per_category": (1, 50),
                "coupon_depth": (0.01, 0.9),
                "redemption_logit": (-10.0, 10.0),
                "fatigue": (0.0, 5.0),
                "fatigue_memory_weeks": (0.5, 104.0),
            },
        )


@dataclass(frozen=True)
class Offers:
    """Explicit assignment of one campaign: its eligible households (whose true uplift is
    accounted), which of them are treated, and the coupon depth of each."""

    campaign: int  # index into the plan's campaigns
    household_id: np.ndarray
    depth: np.ndarray
    treated: np.ndarray  # bool

    def __post_init__(self) -> None:
        n = len(self.household_id)
        if len(self.depth) != n or len(self.treated) != n:
            raise ValueError("Offers: household_id, depth and treated must have equal lengths")
        if n and not ((self.depth >= 0.01) & (self.depth <= 0.9)).all():
            raise ValueError("Offers: every depth must lie in [0.01, 0.9]")
        if len(np.unique(self.household_id)) != n:
            raise ValueError("Offers: a household appears twice")


@dataclass(frozen=True)
class CampaignPlan:
    campaign_id: np.ndarray  # (campaigns,)
    campaign_type: list[str]
    start_week: np.ndarray  # (campaigns,) week index, 0-based
    end_week: np.ndarray  # (campaigns,) inclusive
    coupon_campaign: np.ndarray  # (coupons,) index into the campaigns
    coupon_product: np.ndarray  # (coupons,) catalog index
    coupon_upc: np.ndarray  # (coupons,)
    coupon_value: np.ndarray  # (coupons,) dollars off at the campaign's coupon_depth
    coupon_depth: np.ndarray  # (campaigns,) the depth coupon_value stands for
    offers: tuple[Offers, ...] = ()  # explicit assignments, replacing the randomized ones

    @property
    def n_campaigns(self) -> int:
        return len(self.campaign_id)

    def active(self, week: int) -> np.ndarray:
        """Indices of the campaigns running in week index ``week``."""
        return np.flatnonzero((self.start_week <= week) & (week <= self.end_week))

    def running_coupons(self, week: int) -> np.ndarray:
        """Indices of the coupons of the campaigns running in week index ``week``."""
        return np.flatnonzero(np.isin(self.coupon_campaign, self.active(week)))

    def coupon_of_product(self, coupons: np.ndarray, n_products: int) -> np.ndarray:
        """(n_products,) the coupon of ``coupons`` each product carries, -1 for none; a product
        on several carries the first of them."""
        coupon_of = np.full(n_products, -1)
        coupon_of[self.coupon_product[coupons[::-1]]] = coupons[::-1]
        return coupon_of


def plan_campaigns(
    market: LearnedMarket, n_weeks: int, config: CampaignConfig, rng: np.random.Generator
) -> CampaignPlan:
    """Campaign windows and coupons: categories drawn by penetration, their top products."""
    n = config.n_campaigns
    duration = min(config.duration_weeks, n_weeks)
    start = rng.integers(0, n_weeks - duration + 1, size=n)
    penetration = market.penetration()
    units = market.catalog["units"].to_numpy(dtype=float) if "units" in market.catalog else None
    campaign, product = [], []
    used: list[np.ndarray] = []
    for k in range(n):
        # Campaigns running at the same time use different categories when there are enough,
        # so a household's response to one campaign is not another campaign's coupon.
        overlapping = [
            used[j]
            for j in range(k)
            if start[j] < start[k] + duration and start[k] < start[j] + duration
        ]
        weight = penetration.copy()
        if overlapping:
            taken = np.unique(np.concatenate(overlapping))
            if len(market.categories) - len(taken) >= config.categories_per_campaign:
                weight[taken] = 0.0
        k_categories = min(config.categories_per_campaign, int((weight > 0).sum()))
        chosen = rng.choice(
            len(market.categories), k_categories, replace=False, p=weight / weight.sum()
        )
        used.append(chosen)
        for c in np.sort(chosen):
            members = np.flatnonzero(market.product_category == c)
            if units is not None:
                members = members[np.argsort(-units[members], kind="stable")]
            members = np.sort(members[: config.products_per_category])
            campaign += [k] * len(members)
            product += list(members)
    campaign_arr = np.asarray(campaign, dtype=np.int64)
    product_arr = np.asarray(product, dtype=np.int64)
    base = market.catalog["base_price"].to_numpy(dtype=float)[product_arr]
    value = np.maximum(np.round(config.coupon_depth * base / 0.05) * 0.05, 0.05)
    return CampaignPlan(
        campaign_id=np.arange(1, n + 1),
        campaign_type=[TYPES[k % len(TYPES)] for k in range(n)],
        start_week=start,
        end_week=start + duration - 1,
        coupon_campaign=campaign_arr,
        coupon_product=product_arr,
        coupon_upc=COUPON_UPC_BASE + np.arange(len(product_arr)),
        coupon_value=np.round(value, 2),
        coupon_depth=np.full(n, config.coupon_depth),
    )


def assign(
    household_ids: np.ndarray,
    preference_deviation: np.ndarray,
    plan: CampaignPlan,
    product_category: np.ndarray,
    config: CampaignConfig,
    seed: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(eligible, treated, depth), each (households x campaigns): booleans and coupon depths.

    Campaigns target: a household's log-odds of being eligible rise by ``targeting_strength``
    per unit of its preference for the campaign's categories above their centre
    (``preference_deviation``, households x categories; a fixed centre, so a household's
    eligibility never depends on the others in its shard). 0 targets at random. Treatment is
    then randomized among the eligible, and the depth drawn from ``depth_menu`` (if set). A
    campaign with explicit ``Offers`` in the plan takes them instead of the draws.
    """
    ids = np.asarray(household_ids, dtype=np.int64)[:, None]
    campaigns = plan.campaign_id[None, :]
    affinity = np.zeros((len(ids), plan.n_campaigns))
    for k in range(plan.n_campaigns):
        categories = np.unique(product_category[plan.coupon_product[plan.coupon_campaign == k]])
        if categories.size:
            affinity[:, k] = preference_deviation[:, categories].mean(axis=1)
    odds = special.logit(np.clip(config.eligible_share, 1e-9, 1 - 1e-9))
    eligible = counter_random.uniform(seed, "campaign_eligible", ids, campaigns) < special.expit(
        odds + config.targeting_strength * affinity
    )
    treated = eligible & (
        counter_random.uniform(seed, "campaign_treated", ids, campaigns) < config.treatment_share
    )
    depth = np.broadcast_to(plan.coupon_depth[None, :], eligible.shape).copy()
    if config.depth_menu:
        menu = np.asarray(config.depth_menu)
        pick = counter_random.uniform(seed, "campaign_depth", ids, campaigns) * len(menu)
        depth = menu[np.minimum(pick.astype(int), len(menu) - 1)]
    for offers in plan.offers:
        k = offers.campaign
        listed = np.isin(ids[:, 0], offers.household_id)
        order = np.argsort(offers.household_id)
        row = order[np.searchsorted(offers.household_id, ids[listed, 0], sorter=order)]
        eligible[:, k] = listed
        treated[:, k] = False
        treated[listed, k] = offers.treated[row]
        depth[listed, k] = offers.depth[row]
    return eligible, treated, depth


def offer_fatigue(
    treated: np.ndarray, plan: CampaignPlan, week: int, config: CampaignConfig
) -> np.ndarray:
    """(households x campaigns) the recent offers each household holds against each campaign
    in week index ``week``: the sum over its other treated campaigns started by then of
    exp(-weeks since their start / fatigue_memory_weeks)."""
    since = week - plan.start_week
    weight = np.where(since >= 0, np.exp(-np.maximum(since, 0) / config.fatigue_memory_weeks), 0.0)
    # Every started campaign counts against every other, not against itself.
    return (treated * weight[None, :]).sum(axis=1, keepdims=True) - treated * weight[None, :]


def redemption_probability(
    coupon_sensitivity: np.ndarray,
    typical_sensitivity: float,
    config: CampaignConfig,
    fatigue: np.ndarray,
) -> np.ndarray:
    """(households x campaigns) probability of redeeming a held coupon at purchase."""
    logit = config.redemption_logit + np.log(coupon_sensitivity / typical_sensitivity)
    return special.expit(logit[:, None] - config.fatigue * fatigue)


def description_tables(plan: CampaignPlan, market: LearnedMarket) -> dict[str, pd.DataFrame]:
    """The raw ``campaign_descriptions`` and ``coupons`` rows of the plan."""
    first_week = plan.start_week + 1
    last_week = plan.end_week + 1
    descriptions = pd.DataFrame(
        {
            "campaign_id": plan.campaign_id,
            "campaign_type": plan.campaign_type,
            "start_date": [week_start(int(w)) for w in first_week],
            "end_date": [week_start(int(w)) + timedelta(days=6) for w in last_week],
        }
    )
    coupons = pd.DataFrame(
        {
            "coupon_upc": plan.coupon_upc,
            "product_id": market.catalog["product_id"].to_numpy()[plan.coupon_product],
            "campaign_id": plan.campaign_id[plan.coupon_campaign],
        }
    )
    return {"campaign_descriptions": descriptions, "coupons": coupons}
