"""A load that would destroy most of a run needs intent.

Replacing a run is atomic and idempotent, which also makes a mistake silent: an empty
transactions frame (a failed upstream export, a wrong filter) would replace a year of lines with
nothing. So both loaders compare the run's rows in the warehouse with the incoming ones before
writing anything, and refuse a load that empties a table the run had rows in, or that loses more
than ``SHRINK_LIMIT`` of the run's lines, unless the caller says it means it
(``allow_shrink=True``; ``--allow-shrink`` on the flows' command lines).
"""

from __future__ import annotations

from ..vocabulary.raw_tables import TRANSACTIONS

# The largest share of a run's lines (transactions) a load may drop without allow_shrink.
SHRINK_LIMIT = 0.5


class ShrinkRefused(ValueError):
    """A load would empty a table of the run or drop most of its lines; nothing was written."""


def check_shrink(
    run_id: str, held: dict[str, int], incoming: dict[str, int], *, allow_shrink: bool
) -> None:
    """Refuse replacing ``held`` rows per table of ``run_id`` by ``incoming`` ones when a table
    would be emptied or the lines drop by more than ``SHRINK_LIMIT`` (unless ``allow_shrink``)."""
    if allow_shrink:
        return
    losses = [
        f"{table} {held[table]:,} → 0 rows"
        for table in sorted(held)
        if held[table] > 0 and incoming.get(table, 0) == 0
    ]
    lines = TRANSACTIONS.name
    before, after = held.get(lines, 0), incoming.get(lines, 0)
    if after and before and after < before * (1 - SHRINK_LIMIT):
        losses.append(f"{lines} {before:,} → {after:,} rows (-{1 - after / before:.0%})")
    if losses:
        raise ShrinkRefused(
            f"run '{run_id}' was not loaded: it would shrink ({'; '.join(losses)}) and the "
            f"warehouse is unchanged; if that is intended, load it with allow_shrink=True "
            f"(--allow-shrink)"
        )


def check_planned_households(
    run_id: str, held: int, planned: int | None, *, allow_shrink: bool
) -> None:
    """Before any work: a run about to be replaced by one of far fewer households (``planned``;
    None: all there are) would lose most of its lines at load, so it is refused now, by the
    same rule, rather than after minutes of reading or simulating."""
    if allow_shrink or planned is None or not held or planned >= held * (1 - SHRINK_LIMIT):
        return
    raise ShrinkRefused(
        f"run '{run_id}' holds {held:,} households and would be replaced by {planned:,}, "
        f"losing most of its lines; nothing was done. If that is intended, pass "
        f"--allow-shrink (allow_shrink=True), or choose another run id"
    )
