"""Purchase propensity per household and item (category, promoted product): backtest
probabilities on each run's last label window and forward scores (python_models.targeting)."""

from python_models.targeting.frames import to_pandas
from python_models.targeting.propensity import PropensityConfig
from python_models.targeting.propensity_tables import propensity_predictions


def model(dbt, session):
    dbt.config(materialized="table")  # Snowpark packages and imports: dbt_project.yml
    settings = dbt.config.get("meta")  # the project vars this model reads (models yml)
    return propensity_predictions(
        to_pandas(dbt.ref("int_targeting_item_purchases_summarized_to_household_weeks")),
        to_pandas(dbt.ref("int_targeting_household_weeks_filtered_to_active")),
        PropensityConfig(
            label_weeks=int(settings["propensity_label_weeks"]),
            top_k=int(settings["propensity_top_k"]),
            training_households=int(settings["propensity_training_households"]),
        ),
    )
