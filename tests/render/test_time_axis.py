"""Time-axis labels name the largest calendar boundary a tick crosses."""

from __future__ import annotations

import datetime

import numpy as np
from chart_img_server.render._time_axis import time_ticks, zone

UTC = datetime.UTC
DAY = 86400


def _daily_opens(first: datetime.date, last: datetime.date) -> np.ndarray:
    start = int(datetime.datetime(first.year, first.month, first.day, tzinfo=UTC).timestamp())
    stop = int(datetime.datetime(last.year, last.month, last.day, tzinfo=UTC).timestamp())
    return np.arange(start, stop + DAY, DAY, dtype=np.int64)


def test_the_first_tick_in_a_new_month_is_named_after_the_month() -> None:
    opens = _daily_opens(datetime.date(2026, 9, 1), datetime.date(2026, 11, 23))
    ticks = time_ticks(opens, DAY, zone("Etc/UTC"), bar_spacing=6.0, min_gap=60.0)
    labels = [tick.label for tick in ticks]
    assert "Oct" in labels
    assert "Nov" in labels
    assert all(label.isdigit() or label in ("Oct", "Nov") for label in labels)


def test_intraday_ticks_show_the_time_and_name_the_day_at_midnight() -> None:
    start = int(datetime.datetime(2026, 11, 22, 12, tzinfo=UTC).timestamp())
    opens = np.arange(start, start + 48 * 3600, 3600, dtype=np.int64)
    ticks = time_ticks(opens, 3600, zone("Etc/UTC"), bar_spacing=8.0, min_gap=50.0)
    labels = [tick.label for tick in ticks]
    assert "23" in labels
    assert any(":" in label for label in labels)
