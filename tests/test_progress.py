"""The progress bar: silent into a pipe; on a terminal, JSON Lines counted by bytes read, a few redraws a second."""

from __future__ import annotations

import contextlib
import io
import re
import sys
from pathlib import Path

import pytest

from compliance.loading.rulebook import LoadedRulebook
from compliance.parallel import score_reports
from compliance.progress import Progress, input_size

SAMPLES = Path(__file__).resolve().parents[1] / "sample_reports"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def jsonl(tmp_path: Path, units: int) -> Path:
    path = tmp_path / "many.jsonl"
    line = '{"unit_id": "haimen", "year": 2018}\n'
    path.write_text(line * units + "\n", encoding="utf-8")  # and a blank line, read but not a report
    return path


def test_silent_when_not_a_terminal(tmp_path: Path) -> None:
    stream = io.StringIO()
    with Progress([jsonl(tmp_path, 3)], stream=stream) as progress:
        assert progress.on_read is None  # the reader is not even asked to count
        progress.read(10)
        progress.scored()
    assert stream.getvalue() == ""


def test_one_big_json_lines_file_moves_by_bytes_and_redraws_rarely(tmp_path: Path) -> None:
    path = jsonl(tmp_path, 20_000)
    size = path.stat().st_size
    stream = Terminal()
    with Progress([path], stream=stream) as progress:
        assert progress.on_read is not None
        halfway = ""
        for i, line in enumerate(path.read_bytes().splitlines(keepends=True)):
            progress.read(len(line))
            progress.scored()
            if i == 10_000:
                progress._bar.refresh()  # type: ignore[union-attr]
                halfway = stream.getvalue().rsplit("\r", 1)[-1]
    drawn = stream.getvalue()
    # half the file read is about half the bar: a count of files would have said 1/1 100% from the start
    assert re.search(r"\b(49|50|51)%", halfway), halfway
    # 20,000 updates in a fraction of a second: a handful of redraws, not 20,001 (at most 4 a second)
    assert drawn.count("\r") < 60
    assert input_size([path]) == size


def test_total_is_unknown_for_standard_input(tmp_path: Path) -> None:
    assert input_size([Path("-"), jsonl(tmp_path, 1)]) is None
    assert input_size([SAMPLES / "haimen.yaml", SAMPLES / "qidong.yaml"]) == sum(
        (SAMPLES / name).stat().st_size for name in ("haimen.yaml", "qidong.yaml")
    )


@pytest.mark.parametrize("workers", [1, 2])
def test_the_reader_reports_every_byte_it_reads(book: LoadedRulebook, tmp_path: Path, workers: int) -> None:
    path = jsonl(tmp_path, 450)
    counted: list[int] = []
    cards = list(score_reports(book, [path, SAMPLES], workers=workers, on_read=counted.append))
    files = sorted(p for p in SAMPLES.iterdir() if p.suffix in (".yaml", ".json"))
    assert len(cards) == 450 + len(files)
    assert sum(counted) == path.stat().st_size + sum(p.stat().st_size for p in files)


def _pty(columns: int) -> tuple[int, int]:
    import fcntl
    import os
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    if columns:
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    os.set_blocking(master, False)
    return master, slave


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
@pytest.mark.parametrize(("columns", "drawn"), [(0, False), (20, False), (80, True)])
def test_real_terminals_of_any_width(tmp_path: Path, columns: int, drawn: bool) -> None:
    """A pseudo-terminal nobody sized says it is 0 columns wide: tqdm would trim the Chinese label forever."""
    import os
    import threading

    master, slave = _pty(columns)
    stream = os.fdopen(slave, "w", encoding="utf-8")
    path = jsonl(tmp_path, 100)
    try:
        with Progress([path], stream=stream) as progress:
            progress.read(path.stat().st_size // 2)
            progress.scored(50)
            assert (progress.on_read is not None) is drawn
        stream.flush()
        shown = b""
        with contextlib.suppress(BlockingIOError):
            shown = os.read(master, 65536)
        assert (b"%" in shown) is drawn
        assert not any(type(t).__name__ == "TMonitor" for t in threading.enumerate())  # none to lose in a fork
    finally:
        stream.close()
        os.close(master)
