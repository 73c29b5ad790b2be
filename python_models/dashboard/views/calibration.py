"""Calibration: how close each simulated run is to the real data, metric by metric
(marts.calibration_metric_values, marts.calibration_ks, marts.calibration_scores)."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from python_models.dashboard import data

# An ECDF keeps at most about this many points per run (exact at each point kept): line-level
# metrics have tens of thousands of distinct values, more than a browser needs to draw.
ECDF_POINTS = 400
TARGET = 0.90  # the calibration target on every metric's KS complement (docs/calibration.md)

st.title("Calibration")
st.caption(
    "Each metric's sample in a simulated run against the real run's: the two empirical CDFs "
    "and the two-sample Kolmogorov–Smirnov statistic, their largest vertical distance. KS "
    f"complement = 1 − KS (1 = indistinguishable; the target is ≥ {TARGET:.2f}). The score "
    "balances the complements across metrics, weighted by tier."
)

scores = data.query(
    """
    select run_id, reference_run_id, score, harmonic_mean, min_ks_complement, worst_metric,
        n_metrics, n_metrics_below_0_90, n_missing_metrics, imbalance_penalty,
        low_metric_penalty, unfloored_score
    from marts.calibration_scores
    order by run_id
    """
)
data.require_rows(scores, "calibrated runs (marts.calibration_scores: no simulated run)")
run_id = st.selectbox("Simulated run", scores["run_id"].tolist(), key="calibration_run")
chosen = scores.set_index("run_id").loc[run_id]
reference_run_id = chosen["reference_run_id"]

headline = st.columns(4)
headline[0].metric("Calibration score", f"{chosen['score']:.3f}")
headline[1].metric("Harmonic mean of complements", f"{chosen['harmonic_mean']:.3f}")
headline[2].metric(
    "Worst metric",
    f"{chosen['min_ks_complement']:.3f}",
    delta=str(chosen["worst_metric"]),
    delta_color="off",
    delta_arrow="off",
)
headline[3].metric(
    f"Metrics below {TARGET:.2f}", f"{chosen['n_metrics_below_0_90']} of {chosen['n_metrics']}"
)

ks = data.query(
    """
    select ks.metric, metrics.tier, ks.ks_complement, ks.ks_statistic, ks.n_run,
        ks.n_reference, ks.run_mean, ks.reference_mean, ks.run_median, ks.reference_median,
        metrics.unit_of_observation, metrics.description
    from marts.calibration_ks as ks
    left join reference.calibration_metrics as metrics on ks.metric = metrics.metric
    where ks.run_id = ?
    order by ks.ks_complement
    """,
    (run_id,),
)
data.require_rows(ks, f"KS statistics for {run_id} (marts.calibration_ks)")

st.subheader("Empirical CDFs, real against simulated")
metric_names = ks["metric"].tolist()
worst = str(chosen["worst_metric"])
metric = st.selectbox(
    "Metric (worst first)",
    metric_names,
    index=metric_names.index(worst) if worst in metric_names else 0,
    key="calibration_metric",
)
row = ks.set_index("metric").loc[metric]
st.caption(
    f"**{metric}** ({row['tier']}; one value per {row['unit_of_observation']}): "
    f"{row['description']}"
)

ecdf = data.query(
    """
    with counted as (
        select run_id, value, count(*) as n
        from marts.calibration_metric_values
        where metric = ? and list_contains(?, run_id)
        group by run_id, value
    ),
    cumulative as (
        select
            run_id,
            value,
            sum(n) over (partition by run_id order by value) / sum(n) over (partition by run_id)
                as cumulative_share,
            row_number() over (partition by run_id order by value) as position,
            count(*) over (partition by run_id) as n_values
        from counted
    )
    select run_id, value, cumulative_share
    from cumulative
    where n_values <= ?
        or position = 1
        or position = n_values
        or position % ceil(n_values / ?)::bigint = 0
    order by run_id, value
    """,
    (metric, [run_id, reference_run_id], ECDF_POINTS, ECDF_POINTS),
)
if data.has_rows(ecdf, f"values of {metric} (marts.calibration_metric_values)"):
    chart_side, figures_side = st.columns([3, 1])
    chart_side.altair_chart(
        alt.Chart(ecdf)
        .mark_line(interpolate="step-after")
        .encode(
            x=alt.X("value:Q", title=metric),
            y=alt.Y(
                "cumulative_share:Q",
                title="Share of observations ≤ value",
                axis=alt.Axis(format="%"),
            ),
            color=alt.Color("run_id:N", title="Run"),
            tooltip=[
                "run_id",
                alt.Tooltip("value:Q", format=",.4g"),
                alt.Tooltip("cumulative_share:Q", format=".1%"),
            ],
        )
        .properties(height=360),
        width="stretch",
    )
    figures_side.metric("KS statistic", f"{row['ks_statistic']:.3f}")
    figures_side.metric("KS complement", f"{row['ks_complement']:.3f}")
    figures_side.metric(
        "Mean (simulated)",
        f"{row['run_mean']:,.4g}",
        delta=f"real {row['reference_mean']:,.4g}",
        delta_color="off",
        delta_arrow="off",
    )
    figures_side.metric(
        "Median (simulated)",
        f"{row['run_median']:,.4g}",
        delta=f"real {row['reference_median']:,.4g}",
        delta_color="off",
        delta_arrow="off",
    )

st.subheader(f"KS complement per metric, {run_id}")
ks_chart = (
    alt.Chart(ks)
    .mark_bar()
    .encode(
        y=alt.Y(
            "metric:N", sort="x", title=None, axis=alt.Axis(labelLimit=260, labelOverlap=False)
        ),
        x=alt.X("ks_complement:Q", title="KS complement", scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("tier:N", title="Tier", sort=["critical", "important", "nice_to_have"]),
        tooltip=[
            "metric",
            "tier",
            alt.Tooltip("ks_complement:Q", format=".3f"),
            "n_run",
            "n_reference",
        ],
    )
)
target_rule = (
    alt.Chart(pd.DataFrame({"target": [TARGET]}))
    .mark_rule(strokeDash=[4, 4], color="gray")
    .encode(x="target:Q")
)
st.altair_chart((ks_chart + target_rule).properties(height=60 + 22 * len(ks)), width="stretch")

st.subheader("KS table")
data.show_table(
    ks.drop(columns=["description"]),
    "marts.calibration_ks",
    "reference.calibration_metrics",
    formats={"ks_statistic": "%.3f"},
    column_config={
        "ks_complement": st.column_config.ProgressColumn(
            "ks_complement",
            min_value=0.0,
            max_value=1.0,
            format="%.3f",
            help=data.column_help("marts.calibration_ks").get("ks_complement"),
        ),
    },
)
st.subheader("Scores per run")
data.show_table(scores, "marts.calibration_scores")
