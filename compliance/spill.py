"""Records put aside on disk while an assessment runs (暂存), read back one at a time: memory stays flat however
many units are assessed. The file is anonymous (unlinked at once), so nothing is left behind by a run that is
killed, and it goes with the spill."""

from __future__ import annotations

import tempfile
from array import array
from types import TracebackType
from typing import BinaryIO


class Spill:
    """An append-only file of byte records, each read back by the number `put` gave it."""

    def __init__(self, directory: str | None = None) -> None:
        self._file: BinaryIO = tempfile.TemporaryFile(dir=directory)  # noqa: SIM115 - close() ends it
        self._ends = array("q", [0])
        self._writing = True

    def put(self, record: bytes) -> int:
        if not self._writing:
            self._file.seek(0, 2)
            self._writing = True
        self._file.write(record)
        self._ends.append(self._ends[-1] + len(record))
        return len(self._ends) - 2

    def get(self, key: int) -> bytes:
        start, end = self._ends[key], self._ends[key + 1]
        self._file.seek(start)  # also flushes what was put
        self._writing = False
        return self._file.read(end - start)

    def __len__(self) -> int:
        return len(self._ends) - 1

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Spill:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()
