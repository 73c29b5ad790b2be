"""The Streamlit dashboard: reads only the read-only serving file (docs/dashboard.md).

``app.py`` is the entry (``streamlit run python_models/dashboard/app.py``), one script per page
in ``views/``, ``data.py`` the only code that queries the serving file and ``curves.py`` the
curves the pages draw (pure pandas, tested without Streamlit).
"""
