"""The progress bar of `score` and `assess` (tqdm), on standard error and only when that is a terminal.

It counts bytes of input read against the total size of the input files, so one JSON Lines file of 20,000
reports moves from 0 to 100% as it is read (a count of files would say 1/1 from the start), and it redraws
at most a few times a second however many reports go by.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO

if TYPE_CHECKING:
    from tqdm import tqdm

REDRAW_SECONDS = 0.25  # at most four redraws a second
# A terminal narrower than this gets no bar; one that reports no width at all (a pseudo-terminal nobody sized
# says 0 columns) would make tqdm trim the bar's Chinese label forever.
MIN_WIDTH = 40
MAX_WIDTH = 100
STDIN = "-"


def input_size(paths: Sequence[Path]) -> int | None:
    """Bytes in all the input files; None when one is standard input (its length is unknown)."""
    total = 0
    for path in paths:
        if str(path) == STDIN:
            return None
        try:
            total += path.stat().st_size
        except OSError:  # unreadable: its report becomes an error row, and the bar simply ends short
            continue
    return total


class Progress:
    """Bytes read (`read`) and reports scored (`scored`), drawn as a bar while the input is worked through."""

    def __init__(
        self,
        paths: Sequence[Path],
        label: str = "评分 scoring",
        stream: TextIO | None = None,
        enabled: bool | None = None,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = _is_terminal(self.stream) if enabled is None else enabled
        self.reports = 0
        self._bar: tqdm[NoReturn] | None = None
        width = _width(self.stream)
        if self.enabled and width >= MIN_WIDTH:
            from tqdm import tqdm  # only when drawn: a run into a pipe never loads it

            # No monitor thread: the pool forks workers from this process, and a fork copies no other thread.
            tqdm.monitor_interval = 0
            self._bar = tqdm(
                total=input_size(paths),
                desc=label,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                file=self.stream,
                mininterval=REDRAW_SECONDS,
                leave=False,
                ncols=min(width, MAX_WIDTH),
            )

    @property
    def on_read(self) -> Callable[[int], None] | None:
        """What the reader calls with each chunk's size; None when nothing is drawn (so nothing is called)."""
        return self.read if self._bar is not None else None

    def read(self, nbytes: int) -> None:
        if self._bar is not None:
            self._bar.update(nbytes)

    def scored(self, count: int = 1) -> None:
        self.reports += count
        if self._bar is not None:
            self._bar.set_postfix_str(f"{self.reports} 份 reports", refresh=False)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _width(stream: TextIO) -> int:
    """The terminal's width in columns (0 when it cannot tell)."""
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, ValueError, OSError, io.UnsupportedOperation):
        return 80 if _is_terminal(stream) else 0  # a stream that says it is a terminal but has no descriptor


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
