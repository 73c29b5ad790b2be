"""Uplift evaluation per run and learner: Qini, AUUC, uplift@k, and agreement with the
simulator's true uplift (python_models.targeting.metrics definitions)."""

from python_models.targeting.frames import to_pandas
from python_models.targeting.uplift_tables import uplift_evaluation


def model(dbt, session):
    dbt.config(materialized="table")  # Snowpark packages and imports: dbt_project.yml
    return uplift_evaluation(
        to_pandas(dbt.ref("ml_uplift_predictions")), to_pandas(dbt.ref("stg_raw__true_uplift"))
    )
