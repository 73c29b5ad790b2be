"""The next campaign of each simulated run: whom to send which coupon depth, by expected
incremental profit within the budget (python_models.targeting.campaign_builder)."""

from python_models.targeting.campaign_builder import Budget
from python_models.targeting.campaign_tables import campaign_offers
from python_models.targeting.frames import to_pandas


def model(dbt, session):
    dbt.config(materialized="table")  # Snowpark packages and imports: dbt_project.yml
    settings = dbt.config.get("meta")  # the project vars this model reads (models yml)
    return campaign_offers(
        to_pandas(dbt.ref("int_targeting_lines_filtered_to_campaign_categories")),
        to_pandas(dbt.ref("int_targeting_household_weeks_filtered_to_active")),
        to_pandas(dbt.ref("int_targeting_offer_lines_summarized_to_household_weeks")),
        to_pandas(dbt.ref("int_targeting_campaigns_listed_with_weeks")),
        to_pandas(dbt.ref("stg_raw__coupons")),
        to_pandas(dbt.ref("stg_raw__campaign_assignments")),
        to_pandas(dbt.ref("dim_households")),
        category=settings["campaign_category"] or None,
        n_products=int(settings["campaign_products"]),
        n_weeks=int(settings["campaign_weeks"]),
        budget_share=float(settings["campaign_budget_share"]),
        budget=Budget(
            margin_rate=float(settings["campaign_margin_rate"]),
            contact_cost=float(settings["campaign_contact_cost"]),
            menu=tuple(float(d) for d in settings["campaign_depth_menu"]),
        ),
        use_demographics=bool(settings["targeting_use_demographics"]),
    )
