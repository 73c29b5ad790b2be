"""What a run id, a key id (learn, evaluation or study id) and a SQL identifier the warehouse
splices into a statement may look like: checked where they come in (a config's ids at
construction, a loader's run id before any write), with a message saying what is allowed."""

from __future__ import annotations

import re

RUN_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
IDENTIFIER_PATTERN = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def check_run_id(run_id: str) -> None:
    if not isinstance(run_id, str) or not RUN_ID_PATTERN.match(run_id):
        raise ValueError(
            f"run_id {run_id!r} is not valid: use 1-63 lowercase letters, digits or "
            "underscores, starting with a letter (e.g. 'complete_journey', 'sim_seed42')."
        )


def check_identifier(name: str) -> None:
    """Refuse a schema, table or column name that is not a plain lowercase SQL identifier (it
    is spliced into SQL)."""
    if not isinstance(name, str) or not IDENTIFIER_PATTERN.match(name):
        raise ValueError(f"{name!r} is not a plain lowercase SQL identifier")


def check_key_id(name: str, value: str) -> None:
    """Refuse an id (run, learn, evaluation or study id) that is not 1-63 lowercase letters,
    digits or underscores starting with a letter."""
    if not isinstance(value, str) or not RUN_ID_PATTERN.match(value):
        raise ValueError(
            f"{name} {value!r} is not valid: use 1-63 lowercase letters, digits or "
            "underscores, starting with a letter"
        )
