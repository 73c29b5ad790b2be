# Two commands: `make run` (the main job on an embedded DuckDB file) and `make test`.
# Both set everything up first: a virtual environment in .venv installed from uv.lock.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
TOOLS := .tools
UV := $(TOOLS)/bin/uv
UV_VERSION := 0.13.9
WAREHOUSE_PATH ?= $(CURDIR)/warehouse/retail.duckdb

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

.PHONY: install run calibrate test lint benchmark clean

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

test: install lint
	$(VENV)/bin/pytest

lint: install
	$(VENV)/bin/ruff check python_models flows tests benchmarks

clean:
	rm -rf $(VENV) $(TOOLS) warehouse reports dbt_project/target dbt_project/logs
