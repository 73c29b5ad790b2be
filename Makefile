# Two commands: `make run` (the main job on an embedded DuckDB file) and `make test`.
# Both set everything up first: a virtual environment in .venv installed from uv.lock.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
TOOLS := .tools
UV := $(TOOLS)/bin/uv
UV_VERSION := 0.13.9
WAREHOUSE_PATH ?= $(CURDIR)/warehouse/retail.duckdb
# Absolute whatever is given: dbt runs in dbt_project/ and would resolve a relative path there,
# creating an empty file beside the models instead of using the warehouse meant.
override WAREHOUSE_PATH := $(abspath $(WAREHOUSE_PATH))

export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS := 180
# Prefect's temporary server reports usage unless told not to (DO_NOT_TRACK does not cover it).
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export UV_PYTHON_DOWNLOADS := never
# Compile the environment's bytecode at install (~10 s): every process the flows and tests start
# (dbt, Prefect servers and workers) then imports in half the time, even where the environment
# forbids writing .pyc files at run time.
export UV_COMPILE_BYTECODE := 1

SERVING_PATH ?= $(dir $(WAREHOUSE_PATH))serving.duckdb
DASHBOARD_PORT ?= 8501

.PHONY: install run calibrate serve dashboard docs browser test lint benchmark clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet "uv==$(UV_VERSION)"

# The snowflake extra (dbt-snowflake) comes too: the tests build the project on a local emulator.
$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --extra snowflake --python $(PYTHON)
	touch $@

install: $(VENV)/.installed

run: install
	$(VENV)/bin/python -m flows.pipeline --warehouse-path "$(WAREHOUSE_PATH)"

# Tune the simulator against the calibration score (after `make run`): TRIALS trials.
TRIALS ?= 20
calibrate: install
	$(VENV)/bin/python -m flows.calibrate --warehouse-path "$(WAREHOUSE_PATH)" --trials $(TRIALS) \
		--write-default

# Scheduled deployments (flows/serve.py): a Prefect server on 127.0.0.1:4200 (.prefect/) unless
# PREFECT_API_URL points at one, and the nightly refresh, weekly calibration and campaign.
serve: install
	$(VENV)/bin/python -m flows.serve --warehouse-path "$(WAREHOUSE_PATH)"

# The dashboard on http://127.0.0.1:$(DASHBOARD_PORT): reads only the serving file, read-only.
dashboard: install
	SERVING_PATH="$(SERVING_PATH)" $(VENV)/bin/streamlit run python_models/dashboard/app.py \
		--server.headless true --server.address 127.0.0.1 --server.port $(DASHBOARD_PORT) \
		--browser.gatherUsageStats false

# The dbt docs site of the warehouse (after make run): dbt_project/target/index.html.
docs: install
	@$(VENV)/bin/python -c "import sys; from python_models.warehouse.preflight import \
		require_warehouse; require_warehouse(sys.argv[1])" "$(WAREHOUSE_PATH)"
	WAREHOUSE_PATH="$(WAREHOUSE_PATH)" $(VENV)/bin/dbt docs generate --project-dir dbt_project \
		--profiles-dir . --target-path target/docs
	@echo "docs: dbt_project/target/docs/index.html (or: .venv/bin/dbt docs serve --project-dir dbt_project --profiles-dir . --target-path target/docs)"

# The dashboard's browser test drives Debian's chromium: installed here when missing (as root;
# otherwise that one test is skipped, saying so).
browser:
	@command -v chromium >/dev/null || { \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else echo "chromium missing and not root: the browser test will be skipped (apt-get install chromium)"; fi; }

test: install lint browser
	$(VENV)/bin/pytest

# ruff on the Python; sqlfluff (.sqlfluff: dbt templater, DuckDB) on the models and singular
# tests. The templater compiles the project against a scratch DuckDB file of its own.
LINT_TARGET := $(CURDIR)/dbt_project/target/sqlfluff
lint: install
	$(VENV)/bin/ruff check python_models flows tests benchmarks
	mkdir -p "$(LINT_TARGET)"
	WAREHOUSE_PATH="$(LINT_TARGET)/lint.duckdb" DBT_TARGET_PATH=target/sqlfluff \
		$(VENV)/bin/sqlfluff lint --processes 2 dbt_project/models dbt_project/tests 2>/dev/null

clean:
	rm -rf $(VENV) $(TOOLS) warehouse reports dbt_project/target dbt_project/logs .prefect
