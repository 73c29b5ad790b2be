"""Propensity evaluation per run, item level and item on the backtest window
(python_models.targeting.metrics definitions)."""

from python_models.targeting.frames import to_pandas
from python_models.targeting.propensity_tables import propensity_evaluation


def model(dbt, session):
    dbt.config(materialized="table")  # Snowpark packages and imports: dbt_project.yml
    settings = dbt.config.get("meta")  # the project vars this model reads (models yml)
    return propensity_evaluation(
        to_pandas(dbt.ref("ml_propensity_predictions")),
        top_k=int(settings["propensity_top_k"]),
    )
