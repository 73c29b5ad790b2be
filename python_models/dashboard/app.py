"""The dashboard's entry point (docs/dashboard.md):

    SERVING_PATH=$PWD/warehouse/serving.duckdb .venv/bin/streamlit run \\
        python_models/dashboard/app.py --server.headless true --browser.gatherUsageStats false

It reads only the read-only serving file: $SERVING_PATH, ``--serving-path PATH`` after ``--``,
else ``warehouse/serving.duckdb``. Each page is a script in ``views/``.
"""

from __future__ import annotations

import streamlit as st

from python_models.dashboard import data

st.set_page_config(page_title="Retail promotion warehouse", page_icon="🛒", layout="wide")

# url_path is the page's address (http://host:port/<url_path>); the default page is at "/".
# Material icons ship with Streamlit: emoji need a font the browser may not have.
PAGES = [
    st.Page("views/runs.py", title="Runs side by side", icon=":material/compare_arrows:",
            default=True),
    st.Page("views/promotions.py", title="Promotions", icon=":material/sell:",
            url_path="promotions"),
    st.Page("views/baskets.py", title="Baskets", icon=":material/shopping_basket:",
            url_path="baskets"),
    st.Page("views/calibration.py", title="Calibration", icon=":material/query_stats:",
            url_path="calibration"),
    st.Page("views/targeting.py", title="Targeting", icon=":material/ads_click:",
            url_path="targeting"),
]  # fmt: skip

page = st.navigation(PAGES)
# One version per rerun, looked up before the page runs: every query of the page is cached
# under it, and a publish between two reruns shows on the next one.
serving = data.open_serving()
data.show_version(serving)
page.run()
