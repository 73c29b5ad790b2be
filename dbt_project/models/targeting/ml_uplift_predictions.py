"""Uplift of randomized campaigns: T-learner, X-learner and class transformation trained on part
of each simulated run's households, predictions for the held-out ones (python_models.targeting)."""

from python_models.targeting.frames import to_pandas
from python_models.targeting.uplift_tables import uplift_predictions


def model(dbt, session):
    dbt.config(materialized="table")  # Snowpark packages and imports: dbt_project.yml
    settings = dbt.config.get("meta")  # the project vars this model reads (models yml)
    return uplift_predictions(
        to_pandas(dbt.ref("int_targeting_lines_filtered_to_campaign_categories")),
        to_pandas(dbt.ref("int_targeting_household_weeks_filtered_to_active")),
        to_pandas(dbt.ref("int_targeting_offer_lines_summarized_to_household_weeks")),
        to_pandas(dbt.ref("int_targeting_campaigns_listed_with_weeks")),
        to_pandas(dbt.ref("stg_raw__coupons")),
        to_pandas(dbt.ref("stg_raw__campaign_assignments")),
        to_pandas(dbt.ref("dim_households")),
        test_share=float(settings["uplift_test_share"]),
        use_demographics=bool(settings["targeting_use_demographics"]),
        seed=int(settings["targeting_seed"]),
    )
