"""The uplift model's inputs from a played campaign world's raw tables, in the shape the
warehouse's SQL builds them for a loaded run: every line (the warehouse keeps those of the
campaigns' categories, ``int_targeting_lines_filtered_to_campaign_categories``), the
household-weeks (``int_targeting_household_weeks_filtered_to_active``) and the campaigns
(``int_targeting_campaigns_listed_with_weeks``); the offer lines per week come from
``campaign_data.offer_lines_by_week``. The closed loop learns from a world without loading it,
and tests/test_closed_loop_inputs.py holds the two equal on a loaded world.
"""

from __future__ import annotations

import pandas as pd

from ..market.learned_market import LearnedMarket
from ..simulation.playback import PLAYBACK_CAMPAIGN_ID, CampaignWorld
from ..targeting.features import household_weeks_from_lines


def world_lines(tables: dict, market: LearnedMarket) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(lines, household_weeks) of a played world, in the shape campaign_data reads."""
    t = tables["transactions"]
    category = market.category_of_products()
    lines = pd.DataFrame(
        {
            "household_id": t["household_id"].to_numpy(),
            "product_id": t["product_id"].to_numpy(),
            "product_category": category.reindex(t["product_id"]).to_numpy(),
            "week": t["week"].to_numpy(dtype=int),
            "spend": t["sales_value"].to_numpy(),
            "retail_disc": t["retail_disc"].to_numpy(),
            "coupon_disc": t["coupon_disc"].to_numpy(),
        }
    )
    return lines, household_weeks_from_lines(lines)


def training_campaigns(world: CampaignWorld, tables: dict):
    """(campaigns, coupons, assignments) of the world's randomized training campaigns."""
    plan = world.context.campaigns
    campaigns = pd.DataFrame(
        {
            "campaign_id": plan.campaign_id,
            "start_week": plan.start_week + 1,
            "n_weeks": plan.end_week - plan.start_week + 1,
        }
    )
    coupons = pd.DataFrame(
        {
            "campaign_id": plan.campaign_id[plan.coupon_campaign],
            "product_id": world.context.market.catalog["product_id"].to_numpy()[
                plan.coupon_product
            ],
        }
    )
    assignments = tables["campaign_assignments"]
    assignments = assignments[assignments["campaign_id"] != PLAYBACK_CAMPAIGN_ID]
    return campaigns, coupons, assignments
