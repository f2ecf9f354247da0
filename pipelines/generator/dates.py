"""Days and months as integers (days since 1970-01-01, months as ``year * 12 + month - 1``)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

NA = np.int32(np.iinfo(np.int32).min)  # a missing date (birth dates may be negative day numbers)
_EPOCH = dt.date(1970, 1, 1)


def day(d: dt.date) -> int:
    return (d - _EPOCH).days


def date_of(n: int) -> dt.date:
    return _EPOCH + dt.timedelta(days=int(n))


def parse_month(s: str) -> int:
    """``"2024-03"`` -> month index."""
    try:
        y, m = (int(x) for x in s.split("-"))
    except ValueError:
        raise ValueError(f"mois invalide : {s!r} (attendu AAAA-MM)") from None
    if not 1 <= m <= 12:
        raise ValueError(f"mois invalide : {s!r} (attendu AAAA-MM)")
    return y * 12 + m - 1


def month_start(mi: int) -> int:
    return day(dt.date(mi // 12, mi % 12 + 1, 1))


def month_end(mi: int) -> int:
    return month_start(mi + 1) - 1


def month_label(mi: int) -> str:
    return f"{mi // 12:04d}-{mi % 12 + 1:02d}"


def month_compact(mi: int) -> str:
    """``AAAAMM`` of a month."""
    return f"{mi // 12:04d}{mi % 12 + 1:02d}"


def day_compact(n: int) -> str:
    """``AAAAMMJJ`` of a day."""
    return date_of(n).strftime("%Y%m%d")


def year_start(y: int) -> int:
    return day(dt.date(y, 1, 1))


def weekday(days: np.ndarray) -> np.ndarray:
    """0 = Monday (1970-01-01 was a Thursday)."""
    return (days + 3) % 7


def to_weekday(days: np.ndarray) -> np.ndarray:
    """Move Saturdays and Sundays to the next Monday."""
    wd = weekday(days)
    return days + np.where(wd == 5, 2, np.where(wd == 6, 1, 0))


def nth_weekday(mi: int, wd: int, nth: int) -> int:
    first = month_start(mi)
    return first + (wd - int(weekday(np.int64(first)))) % 7 + 7 * (nth - 1)


def not_new_year(days: np.ndarray) -> np.ndarray:
    """Move events off 1 January, so that a stock file at 1 January is unambiguous."""
    d = days.astype("datetime64[D]")
    jan1 = d.astype("datetime64[Y]").astype("datetime64[D]") == d
    return np.where(jan1, days + 1, days)


def years(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


def months(days: np.ndarray) -> np.ndarray:
    """Month index of each day."""
    return days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) + 1970 * 12


def date_series(name: str, days: np.ndarray) -> pl.Series:
    """A polars Date series, null where ``days`` is NA."""
    days = np.asarray(days, dtype=np.int32)
    s = pl.Series(name, days, dtype=pl.Int32)
    missing = days == NA
    if missing.any():
        s = s.scatter(np.flatnonzero(missing), None)
    return s.cast(pl.Date)
