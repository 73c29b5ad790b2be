"""Study weeks as dates: as in Complete Journey, week 2 starts on Monday 2 January 2017."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np

WEEK_ONE_STARTS = datetime(2016, 12, 26)


def week_start(week: int) -> date:
    """First day of study week ``week`` (1-based)."""
    return (WEEK_ONE_STARTS + timedelta(weeks=week - 1)).date()


def timestamps(week: np.ndarray, day: np.ndarray, minute_of_day: np.ndarray) -> np.ndarray:
    """datetime64[s] of a study week, a day of that week (0-6) and a minute of that day."""
    start = np.datetime64(WEEK_ONE_STARTS, "s")
    seconds = ((week - 1) * 7 + day) * 86_400 + minute_of_day * 60
    return start + seconds.astype("timedelta64[s]")
