"""Opening (or moving) a year's registration window."""
from __future__ import annotations

from datetime import datetime

from chalicelib.domain.ports import WindowRepository
from chalicelib.domain.windows import Window


def open_window(windows: WindowRepository, year: int, opens_at: datetime, closes_at: datetime) -> tuple[Window, bool]:
    """Create the year's window or move its dates; returns it and whether it is new."""
    window = Window.create(year, opens_at, closes_at)
    return window, windows.put(window)
