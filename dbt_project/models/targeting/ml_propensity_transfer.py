"""Train on synthetic, test on real: per simulated run and item level, the propensity model
trained on the run scores the reference run's backtest window, beside the reference run's own
model on the same rows (python_models.targeting.transfer)."""

from python_models.targeting.frames import to_pandas
from python_models.targeting.propensity import PropensityConfig
from python_models.targeting.propensity_tables import propensity_transfer


def model(dbt, session):
    dbt.config(materialized="table")  # Snowpark packages and imports: dbt_project.yml
    settings = dbt.config.get("meta")  # the project vars this model reads (models yml)
    return propensity_transfer(
        to_pandas(dbt.ref("int_targeting_item_purchases_summarized_to_household_weeks")),
        to_pandas(dbt.ref("int_targeting_household_weeks_filtered_to_active")),
        reference_run=str(settings["calibration_reference_run"]),
        config=PropensityConfig(
            label_weeks=int(settings["propensity_label_weeks"]),
            top_k=int(settings["propensity_top_k"]),
            training_households=int(settings["propensity_training_households"]),
        ),
    )
