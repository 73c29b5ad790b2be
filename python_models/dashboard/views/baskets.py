"""Baskets: association rules with filters (marts.basket_rules_*) and basket affinity
(marts.category_affinity, marts.product_affinity)."""

from __future__ import annotations

import altair as alt
import streamlit as st

from python_models.dashboard import data

st.title("Baskets")
st.caption(
    "Pair rules A → C: support = share of baskets with both, confidence = P(C | A), lift = "
    "confidence over C's support (1 = independent). Affinity is the cosine similarity of basket "
    "co-occurrence, n(AB) / √(n(A) n(B))."
)

runs = data.runs()
top = st.columns(3)
run_id = top[0].selectbox("Run", runs["run_id"].tolist(), key="baskets_run")
level = top[1].radio(
    "Rules between", ["categories", "products"], horizontal=True, key="baskets_level"
)
singular = {"categories": "category", "products": "product"}[level]
search = top[2].text_input(
    "Category search",
    "",
    placeholder="e.g. CHEESE",
    help="Case-insensitive, part of a name.",
    key="baskets_search",
)
pattern = f"%{search.strip()}%" if search.strip() else None

segment = "All households"
if level == "categories":
    segments = data.query(
        "select distinct rfm_segment from marts.basket_rules_category_by_segment "
        "where run_id = ? order by rfm_segment",
        (run_id,),
    )
    segment = st.selectbox(
        "Households (RFM segment)",
        ["All households", *segments["rfm_segment"].tolist()],
        key="baskets_segment",
    )

SORTS = ["lift", "confidence", "support", "leverage", "zhangs_metric", "n_pair_baskets"]
knobs = st.columns(5)
min_support = knobs[0].number_input(
    "Min support",
    min_value=0.0,
    max_value=1.0,
    value=0.001,
    step=0.001,
    format="%.4f",
    key="baskets_min_support",
)
min_confidence = knobs[1].slider(
    "Min confidence", 0.0, 1.0, 0.1, 0.01, key="baskets_min_confidence"
)
min_lift = knobs[2].number_input(
    "Min lift", min_value=0.0, value=1.5, step=0.1, key="baskets_min_lift"
)
sort = knobs[3].selectbox("Sort by", SORTS, key="baskets_sort")
limit = knobs[4].slider("Rules shown", 10, 500, 50, 10, key="baskets_limit")

if level == "categories":
    # Whole-run rules, or the rules mined within one RFM segment's baskets.
    source, segment_filter, segment_params = (
        ("marts.basket_rules_category", "", ())
        if segment == "All households"
        else ("marts.basket_rules_category_by_segment", "and rfm_segment = ?", (segment,))
    )
    rules = data.query(
        f"""
        select
            antecedent, consequent, support, confidence, lift, leverage, conviction,
            zhangs_metric, n_pair_baskets, n_antecedent_baskets, n_consequent_baskets, n_baskets
        from {source}
        where run_id = ? {segment_filter}
            and support >= ? and confidence >= ? and lift >= ?
            and (? is null or antecedent ilike ? or consequent ilike ?)
        order by {sort} desc nulls last, antecedent, consequent
        limit ?
        """,
        (
            run_id,
            *segment_params,
            min_support,
            min_confidence,
            min_lift,
            pattern,
            pattern,
            pattern,
            limit,
        ),
    )
else:
    rules = data.query(
        f"""
        with products as (
            select product_id, product_category, product_type
            from marts.dim_products
            where run_id = ?
        )
        select
            rules.antecedent,
            antecedents.product_category || ' / ' || antecedents.product_type
                as antecedent_product,
            rules.consequent,
            consequents.product_category || ' / ' || consequents.product_type
                as consequent_product,
            rules.support, rules.confidence, rules.lift, rules.leverage, rules.conviction,
            rules.zhangs_metric, rules.n_pair_baskets, rules.n_antecedent_baskets,
            rules.n_consequent_baskets, rules.n_baskets
        from marts.basket_rules_product as rules
        left join products as antecedents on rules.antecedent = antecedents.product_id
        left join products as consequents on rules.consequent = consequents.product_id
        where rules.run_id = ?
            and rules.support >= ? and rules.confidence >= ? and rules.lift >= ?
            and (? is null or antecedents.product_category ilike ?
                or consequents.product_category ilike ?)
        order by rules.{sort} desc nulls last, rules.antecedent, rules.consequent
        limit ?
        """,
        (run_id, run_id, min_support, min_confidence, min_lift, pattern, pattern, pattern, limit),
    )

st.subheader(f"Top {singular} rules by {sort}")
if data.has_rows(rules, f"{singular} rules passing these filters for {run_id}"):
    label_a, label_c = (
        ("antecedent", "consequent")
        if level == "categories"
        else ("antecedent_product", "consequent_product")
    )
    st.altair_chart(
        alt.Chart(rules)
        .mark_circle(opacity=0.75)
        .encode(
            x=alt.X("support:Q", title="Support", scale=alt.Scale(type="log")),
            y=alt.Y("confidence:Q", title="Confidence", axis=alt.Axis(format="%")),
            size=alt.Size("n_pair_baskets:Q", title="Baskets with both"),
            color=alt.Color("lift:Q", title="Lift", scale=alt.Scale(scheme="viridis")),
            tooltip=[
                label_a,
                label_c,
                alt.Tooltip("support:Q", format=".4f"),
                alt.Tooltip("confidence:Q", format=".1%"),
                alt.Tooltip("lift:Q", format=".2f"),
                "n_pair_baskets",
            ],
        )
        .properties(height=360),
        width="stretch",
    )
    data.show_table(
        rules,
        "marts.basket_rules_category" if level == "categories" else "marts.basket_rules_product",
        formats={
            "support": "%.4f",
            "confidence": "percent",
            "lift": "%.2f",
            "leverage": "%.5f",
            "conviction": "%.3f",
            "zhangs_metric": "%.3f",
        },
    )

st.subheader("Affinity")
if level == "categories":
    items = data.query(
        """
        select item, max(n_item_baskets) as n_item_baskets
        from marts.category_affinity
        where run_id = ? and (? is null or item ilike ?)
        group by item
        order by n_item_baskets desc, item
        """,
        (run_id, pattern, pattern),
    )
    labels = dict(zip(items["item"], items["item"], strict=True))
else:
    items = data.query(
        """
        with items as (
            select item, max(n_item_baskets) as n_item_baskets
            from marts.product_affinity
            where run_id = ?
            group by item
        )
        select
            items.item,
            items.n_item_baskets,
            items.item || ' — ' || products.product_category || ' / ' || products.product_type
                as label
        from items
        left join marts.dim_products as products
            on products.run_id = ? and items.item = products.product_id
        where ? is null or products.product_category ilike ?
        order by items.n_item_baskets desc, items.item
        limit 500
        """,
        (run_id, run_id, pattern, pattern),
    )
    labels = dict(zip(items["item"], items["label"].fillna(items["item"].astype(str)), strict=True))

if data.has_rows(items, f"{level} with affinity neighbours for this search in {run_id}"):
    item = st.selectbox(
        f"{singular.capitalize()} (most baskets first)",
        items["item"].tolist(),
        format_func=lambda value: str(labels.get(value, value)),
        key=f"baskets_affinity_{level}",
    )
    table = "marts.category_affinity" if level == "categories" else "marts.product_affinity"
    neighbours = data.query(
        f"""
        select neighbour, neighbour_rank, cosine_similarity, n_pair_baskets,
            n_item_baskets, n_neighbour_baskets
        from {table}
        where run_id = ? and item = ?
        order by neighbour_rank
        limit 20
        """,
        (run_id, item),
    )
    if level == "products":
        names = data.query(
            "select product_id as neighbour, product_category || ' / ' || product_type as "
            "neighbour_product from marts.dim_products where run_id = ? and list_contains(?, "
            "product_id)",
            (run_id, neighbours["neighbour"].tolist()),
        )
        neighbours = neighbours.merge(names, on="neighbour", how="left")
    neighbours = neighbours.assign(neighbour_label=neighbours["neighbour"].astype(str))
    if level == "products":
        neighbours["neighbour_label"] = (
            neighbours["neighbour_label"] + " — " + neighbours["neighbour_product"].fillna("")
        )
    st.altair_chart(
        alt.Chart(neighbours)
        .mark_bar()
        .encode(
            y=alt.Y(
                "neighbour_label:N",
                sort="-x",
                title=None,
                axis=alt.Axis(labelLimit=320, labelOverlap=False),
            ),
            x=alt.X("cosine_similarity:Q", title="Cosine similarity"),
            tooltip=[
                "neighbour_label",
                alt.Tooltip("cosine_similarity:Q", format=".3f"),
                "n_pair_baskets",
            ],
        )
        .properties(height=60 + 24 * len(neighbours)),
        width="stretch",
    )
    data.show_table(neighbours.drop(columns=["neighbour_label"]), table)
