"""A progress bar on standard error while many reports are scored; silent when stderr is not a terminal."""

from __future__ import annotations

import sys
from typing import TextIO

WIDTH = 30


class Progress:
    """Counts items against an expected total; redraws only when the bar or the count visibly changes."""

    def __init__(
        self, total: int, label: str = "评分 scoring", stream: TextIO | None = None, enabled: bool | None = None
    ):
        self.total = max(total, 0)
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = _is_terminal(self.stream) if enabled is None else enabled
        self.done = 0
        self._drawn: tuple[int, int, int] | None = None

    def advance(self, count: int = 1) -> None:
        self.done += count
        if self.enabled:
            self._draw()

    def _draw(self) -> None:
        total = max(self.total, self.done)  # JSON Lines files hold several reports: the total is a lower bound
        filled = WIDTH * self.done // total if total else WIDTH
        percent = 100 * self.done // total if total else 100
        if self._drawn == (filled, percent, total):
            return
        self._drawn = (filled, percent, total)
        bar = "█" * filled + "░" * (WIDTH - filled)
        self.stream.write(f"\r{self.label} {bar} {self.done}/{total} {percent:3d}%")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self._drawn is not None:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
