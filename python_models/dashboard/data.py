"""The dashboard's only door to data: queries on the read-only serving file, cached per version.

Every query opens the serving file read-only for that query alone
(``python_models.warehouse.serving.read_serving``), so a publish, which swaps a new file in by
atomic rename, never waits for the dashboard. Results are cached with ``st.cache_data`` under
the serving file's ``version_id`` as well as the SQL and its parameters: a rerun after a publish
reads the new ``version_id`` (one small query on ``publication.versions`` per rerun) and so
misses the cache and shows the new data, while reruns of one version cost nothing.

When there is nothing to read (no serving file, a file that is not a published warehouse, one
replaced at the very moment it was opened, or a table the version does not publish) the page
shows a message and stops (``st.stop``): a reader never sees a traceback.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import duckdb
import pandas as pd
import streamlit as st

from python_models.paths import resolve_warehouse_path
from python_models.warehouse.serving import (
    ServingUnavailable,
    current_version,
    read_serving,
    serving_path_for,
)

_SERVING_KEY = "dashboard_serving"
PUBLISH_HINT = (
    "Publish one with `make run` (the pipeline publishes `serving.duckdb` beside the warehouse "
    "once every build and test passed), or point `SERVING_PATH` at one, then reload this page."
)


@dataclass(frozen=True)
class Serving:
    """The serving file a rerun reads and the version it found there."""

    path: Path
    version_id: str
    published_at: pd.Timestamp


def _command_line_path(argv: list[str]) -> str | None:
    """``--serving-path PATH`` (or ``--serving-path=PATH``) given after ``--`` to streamlit."""
    for position, argument in enumerate(argv):
        if argument == "--serving-path" and position + 1 < len(argv):
            return argv[position + 1]
        if argument.startswith("--serving-path="):
            return argument.split("=", 1)[1]
    return None


def serving_path(argv: list[str] | None = None) -> Path:
    """The serving file to read: ``--serving-path`` on the command line, else $SERVING_PATH,
    else ``serving.duckdb`` beside the default warehouse (``warehouse/serving.duckdb``)."""
    chosen = _command_line_path(sys.argv[1:] if argv is None else argv)
    return serving_path_for(resolve_warehouse_path(), chosen)


def unavailable(reason: str) -> NoReturn:
    """Say why there is nothing to show, and stop the page."""
    st.error(f"The serving file cannot be read. {reason}")
    st.info(PUBLISH_HINT)
    st.stop()


def open_serving(path: Path | None = None) -> Serving:
    """The serving file's newest version, remembered for this session's rerun; stops the page
    with a message when there is no readable published file."""
    path = serving_path() if path is None else path
    version = current_version(path)
    if version is None:
        if not path.is_file():
            unavailable(f"There is no serving file at `{path}`.")
        try:  # current_version hides why: ask again for the reason
            read_serving(path, "SELECT version_id FROM publication.versions LIMIT 1")
        except ServingUnavailable as exc:
            unavailable(str(exc))
        except (FileNotFoundError, duckdb.Error):
            pass
        unavailable(f"`{path}` is not a published serving file (it has no publication.versions).")
    serving = Serving(
        path=path,
        version_id=str(version["version_id"]),
        published_at=pd.Timestamp(version["published_at"]),
    )
    st.session_state[_SERVING_KEY] = serving
    return serving


def current() -> Serving:
    """The serving version this rerun reads: the one ``app.py`` opened before running the page
    (so every query of a rerun shares one version key), else opened now."""
    serving = st.session_state.get(_SERVING_KEY)
    return serving if isinstance(serving, Serving) else open_serving()


def show_version(serving: Serving) -> None:
    """The sidebar line naming the version on screen."""
    published = serving.published_at
    stamp = (
        f"{published.tz_convert('UTC'):%Y-%m-%d %H:%M:%S} UTC"
        if published.tzinfo is not None
        else f"{published:%Y-%m-%d %H:%M:%S}"
    )
    st.sidebar.caption(f"Serving version `{serving.version_id}`  \npublished {stamp}")
    st.sidebar.caption(f"File: `{serving.path}`")


@st.cache_data(max_entries=512, show_spinner=False)
def _cached_query(path: str, version_id: str, sql: str, params: tuple) -> pd.DataFrame:
    """``version_id`` is only part of the cache key: a new publish is a new key."""
    return read_serving(path, sql, list(params))


def query(sql: str, params: tuple | list = ()) -> pd.DataFrame:
    """The result of ``sql`` on the current serving version (cached per version)."""
    serving = current()
    try:
        return _cached_query(str(serving.path), serving.version_id, sql, tuple(params))
    except ServingUnavailable as exc:
        unavailable(f"{exc} It may be being replaced by a publish: reload in a moment.")
    except FileNotFoundError:
        unavailable(f"The serving file `{serving.path}` disappeared; reload in a moment.")
    except (duckdb.CatalogException, duckdb.BinderException) as exc:
        first_line = str(exc).splitlines()[0]
        st.info(
            f"Serving version `{serving.version_id}` does not publish what this page reads "
            f"({first_line}). Publish a build of the current project (`make run`)."
        )
        st.stop()
    raise AssertionError("unreachable: st.stop() ends the page")  # pragma: no cover


def has_rows(frame: pd.DataFrame, what: str) -> bool:
    """False, with a note on the page, when ``frame`` is empty (e.g. a run the closed loop did
    not evaluate); the page goes on with its other sections."""
    if frame.empty:
        st.info(f"No {what} in serving version `{current().version_id}`.")
        return False
    return True


def require_rows(frame: pd.DataFrame, what: str) -> pd.DataFrame:
    """``frame``, or a note and the end of the page when it is empty."""
    if not has_rows(frame, what):
        st.stop()
    return frame


def column_help(*tables: str) -> dict[str, str]:
    """``{column: description}`` from the column comments of the published ``schema.table``s
    (the dbt descriptions, which the build persists and the publish copies); the first table
    that describes a column wins."""
    if not tables:
        return {}
    comments = query(
        """
        select schema_name || '.' || table_name as relation, column_name, comment
        from duckdb_columns()
        where list_contains(?, schema_name || '.' || table_name) and comment is not null
        """,
        (list(tables),),
    )
    rank = {table: position for position, table in enumerate(tables)}
    ordered = comments.assign(rank=comments["relation"].map(rank)).sort_values("rank")
    return {
        row.column_name: " ".join(str(row.comment).split())
        for row in ordered.drop_duplicates("column_name").itertuples()
    }


def show_table(
    frame: pd.DataFrame,
    *tables: str,
    formats: dict[str, str] | None = None,
    column_config: dict | None = None,
    **options,
) -> None:
    """``st.dataframe`` of ``frame`` whose column headers carry, as help, the descriptions of
    the ``schema.table``s it was read from; ``formats`` are number formats by column
    (``"percent"``, ``"dollar"``, ``"%.3f"``), ``column_config`` any other column settings."""
    described = column_help(*tables)
    config = {}
    for column in frame.columns:
        text = described.get(column)
        if column in (formats or {}):
            config[column] = st.column_config.NumberColumn(format=formats[column], help=text)
        elif text:
            config[column] = st.column_config.Column(help=text)
    config.update(column_config or {})
    st.dataframe(frame, hide_index=True, column_config=config, **options)


def runs() -> pd.DataFrame:
    """``marts.dim_runs``, the real data first; stops the page when no run is published."""
    frame = query(
        "SELECT run_id, run_source, run_description, loaded_at FROM marts.dim_runs "
        "ORDER BY run_source <> 'complete_journey', run_id"
    )
    return require_rows(frame, "runs (marts.dim_runs is empty)")
