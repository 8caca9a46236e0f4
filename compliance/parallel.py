"""Scoring at scale: a pool of worker processes that isolates engine crashes and hangs, results in input order.

durable_rules is unmaintained C code (shared/notes/durable-rules.md): a report we did not foresee may make it
segfault, raise MemoryError or hang. So scoring runs in worker processes, each compiling the rulebook once:

- the parent only reads raw material (JSON lines as bytes, file paths) and writes results; workers parse,
  validate, derive, judge and encode, so all the per-unit work runs in parallel;
- work goes out in tasks of a few hundred units; a task whose worker dies, raises or overruns its time
  limit is retried unit by unit, each unit in a fresh worker that scores nothing else, so the one unit that
  still fails is the one to blame: it becomes an error row (an invalid scorecard saying why) while every other
  unit is scored;
- results come back in input order whatever the number of workers, holding only a bounded window of tasks,
  so memory stays flat however many units are scored;
- no worker outlives the run: closing the pool (at the end, on an interrupt, when the caller stops reading)
  kills busy workers at once, and on Linux the kernel kills a worker whose parent dies without closing it.

`workers=1` scores in this process with `Evaluator.score` (no isolation from a crash, but an engine exception
still costs only its unit). Workers are forked (Linux): they inherit the loaded rulebook, and each builds
its own engine; durable_rules starts no threads, so a parent that has used it can still fork safely.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import hashlib
import math
import multiprocessing
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Generic, NamedTuple, TypeVar, cast

import orjson

from compliance.errors import ComplianceError
from compliance.evaluate import BATCH, Evaluator, Scorecard
from compliance.facts.report import ReportHeader
from compliance.loading.documents import open_regular, read_bytes
from compliance.loading.reports import (
    STDIN,
    ReportInput,
    expand_paths,
    jsonl_lines,
    line_too_long,
    read_report_file,
    report_from_line,
)
from compliance.loading.rulebook import LoadedRulebook
from compliance.results import card_data

T = TypeVar("T")

TASK_UNITS = 200  # units per task sent to a worker: large enough to amortise IPC, small enough to retry
DEFAULT_UNIT_TIMEOUT = 10.0
TIMEOUT_BYTES = 1 << 20  # each MiB of input a task reads adds one unit timeout to its time limit
FAULTS_ENV = "COMPLIANCE_TEST_FAULTS"  # test-only: lets reports named fault-* crash or hang a worker
ENGINE_ERROR = "E900"


class Piece(NamedTuple):
    """One report's raw input, as a worker receives it."""

    source: str  # the file, or `-` for standard input
    line: int  # its line in a JSON Lines file; 0 for a whole file
    data: bytes | ReportInput | None  # the line's bytes; None: a YAML/JSON file the worker reads; a report read


def parallel_unavailable() -> str | None:
    """Why scoring cannot run in worker processes here (None: it can). The pool forks its workers and holds
    interrupts while it does, which Windows cannot do; there every run scores in one process."""
    if "fork" in multiprocessing.get_all_start_methods() and hasattr(signal, "pthread_sigmask"):
        return None
    return (
        f"本系统（{sys.platform}）不支持多进程评分所需的 fork，改为单进程评分"
        f"（parallel scoring needs fork, which {sys.platform} lacks: scoring in this process, --workers 1）"
    )


def default_workers() -> int:
    if parallel_unavailable():
        return 1
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def pieces(
    sources: Iterable[str | Path | ReportInput], on_read: Callable[[int], None] | None = None
) -> Iterator[Piece]:
    """Raw input in order: folders expanded (with a row for every path that is not read), JSON Lines files (and
    `-`, standard input) split into lines; a FIFO or device is never opened here (see documents.open_regular).
    `on_read` (a progress bar) hears how many bytes each line or file brings."""
    for source in sources:
        if isinstance(source, ReportInput):
            yield Piece(source.source, 0, source)
            continue
        for path in expand_paths([source]):
            if isinstance(path, ReportInput):
                yield Piece(path.source, 0, path)
                continue
            name = str(path)
            if name == STDIN:
                yield from _lines(STDIN, sys.stdin.buffer, on_read)
            elif path.suffix.lower() == ".jsonl":
                try:
                    handle = open_regular(path)
                except ComplianceError as exc:
                    yield Piece(name, 0, ReportInput(name, "", None, tuple(exc.problems)))
                    continue
                with handle:
                    yield from _lines(name, handle, on_read)
            else:
                if on_read is not None:
                    with contextlib.suppress(OSError):
                        on_read(path.stat().st_size)
                yield Piece(name, 0, None)


def _lines(name: str, stream: Iterable[bytes], on_read: Callable[[int], None] | None = None) -> Iterator[Piece]:
    for number, line in jsonl_lines(stream if on_read is None else _counted(stream, on_read)):
        yield Piece(name, number, line if line is not None else line_too_long(name, number))


class _Counted:
    """A stream that tells `on_read` the size of every line read from it (bounded reads pass through)."""

    def __init__(self, stream: Iterable[bytes], on_read: Callable[[int], None]) -> None:
        self._stream, self._on_read = stream, on_read

    def readline(self, limit: int = -1) -> bytes:
        line: bytes = self._stream.readline(limit)  # type: ignore[attr-defined]
        self._on_read(len(line))
        return line


def _counted(stream: Iterable[bytes], on_read: Callable[[int], None]) -> Iterable[bytes]:
    if hasattr(stream, "readline"):
        return _Counted(stream, on_read)  # type: ignore[return-value]  # jsonl_lines reads lines a bounded size
    return _counted_lines(stream, on_read)


def _counted_lines(stream: Iterable[bytes], on_read: Callable[[int], None]) -> Iterator[bytes]:
    for line in stream:
        on_read(len(line))
        yield line


def read_piece(piece: Piece, model: type[ReportHeader]) -> ReportInput:
    data = piece.data
    if isinstance(data, ReportInput):
        return data
    if data is None:  # a YAML or JSON file: one report
        return next(iter(read_report_file(Path(piece.source), model)))
    item = report_from_line(piece.source, piece.line, data, model)
    assert item is not None  # blank lines never become pieces
    return item


# ---------------------------------------------------------------- error rows


def error_card(
    book: LoadedRulebook, source: str, digest: str, identity: tuple[str | None, ...], reason: str
) -> Scorecard:
    """An invalid scorecard for a report the engine could not score: it still appears, with the reason."""
    unit_id, unit_name, unit_type = (*identity, None, None, None)[:3]
    unit = book.unit(unit_id) if unit_id else None
    return Scorecard(
        source=source,
        digest=digest,
        unit_id=unit_id,
        unit_name=unit.name if unit else unit_name,
        unit_type=unit.type if unit else unit_type,
        registered=unit is not None,
        results=(),
        problems=(f"{source}: {ENGINE_ERROR} {reason}",),
    )


def _identity(item: ReportInput) -> tuple[str | None, ...]:
    report = item.report
    return (report.unit_id, report.unit_name, report.unit_type) if report else ()


def _raised(exc: BaseException) -> str:
    return f"engine failed ({type(exc).__name__}: {exc}) while scoring this report"


def _fault_hook(items: Sequence[ReportInput], *, after: bool = False) -> None:
    """Test-only: with COMPLIANCE_TEST_FAULTS=1, a report whose unit_id is fault-<kind> misbehaves; fault-exit-after
    (in a worker only) exits once the results of the task holding it have been sent."""
    if os.environ.get(FAULTS_ENV) != "1":
        return
    for item in items:
        unit_id = item.report.unit_id if item.report else ""
        if after:
            if unit_id == "fault-exit-after":
                os._exit(4)
        elif unit_id == "fault-segfault":
            os.kill(os.getpid(), signal.SIGSEGV)
        elif unit_id == "fault-exit":
            os._exit(3)
        elif unit_id == "fault-hang":
            time.sleep(3600)
        elif unit_id == "fault-raise":
            raise MemoryError("test fault")


# ---------------------------------------------------------------- scoring a task (in a worker or in-process)


class _Scorer(Generic[T]):
    """An evaluator plus the encoding of its results; rebuilt after an engine exception."""

    def __init__(self, book: LoadedRulebook, encode: Callable[[Scorecard], T]) -> None:
        self.book = book
        self.encode = encode
        self.evaluator = Evaluator(book)

    def renew(self) -> None:
        self.evaluator.close()
        self.evaluator = Evaluator(self.book)

    def batch(self, items: Sequence[ReportInput]) -> list[T]:
        _fault_hook(items)
        encode = self.encode
        out: list[T] = []
        for start in range(0, len(items), BATCH):
            out.extend(encode(card) for card in self.evaluator.score_batch(items[start : start + BATCH]))
        return out

    def one(self, item: ReportInput) -> tuple[T, bool]:
        """One unit; an engine exception becomes its error row (True: the engine should be renewed)."""
        try:
            return self.batch([item])[0], False
        except Exception as exc:
            return self.encode(error_card(self.book, item.source, item.digest, _identity(item), _raised(exc))), True


@contextlib.contextmanager
def _collected_per_task() -> Iterator[None]:
    """The rulebook, its models and the engine live for the whole run: keep them out of every collection.
    Automatic collection would scan each task's thousands of short-lived objects many times over (a third of
    scoring's CPU, measured); the caller collects once per task instead, which frees any cycles."""
    enabled = gc.isenabled()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _score_in_process(
    book: LoadedRulebook, source: Iterator[Piece], encode: Callable[[Scorecard], T], task_units: int
) -> Iterator[T]:
    scorer = _Scorer(book, encode)
    model = book.report.model
    with _collected_per_task():
        try:
            items: list[ReportInput] = []
            while True:
                items.clear()  # the last task's reports are garbage now: the collection need not scan them
                gc.collect()
                items = [read_piece(p, model) for _, p in zip(range(task_units), source, strict=False)]
                if not items:
                    return
                try:
                    yield from scorer.batch(items)
                    continue
                except Exception:
                    scorer.renew()
                for item in items:
                    result, broken = scorer.one(item)
                    if broken:
                        scorer.renew()
                    yield result
        finally:
            scorer.evaluator.close()


_INTERRUPTS = {signal.SIGINT, signal.SIGTERM}


def _die_with_parent(parent: int) -> None:
    """Have the kernel kill this worker when the parent dies, even by SIGKILL: a worker stuck in the engine would
    otherwise run on, orphaned, for as long as the engine hangs (Linux; elsewhere the parent's clean-up only).
    The signal follows the parent thread that forked this worker, so a pool is run from one thread throughout."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # 1: PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before that took effect
        os._exit(1)


def _worker_main(conn: Connection, book: LoadedRulebook, encode: Callable[[Scorecard], object], parent: int) -> None:
    """A worker: tasks in, encoded results out, until told to stop (None) or until the engine fails."""
    _die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what an interrupt means
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a worker asked to stop just stops
    if hasattr(signal, "pthread_sigmask"):  # POSIX only, as is the pool
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _INTERRUPTS)  # held by the parent while it forked us
    scorer = _Scorer(book, encode)
    model = book.report.model
    with _collected_per_task():
        while True:
            gc.collect()  # between tasks: the last one's reports went with _serve's frame, so it is not scanned
            try:
                task = conn.recv()
            except (EOFError, OSError):
                return
            if task is None or not _serve(conn, scorer, model, task):
                return
            del task


def _serve(
    conn: Connection, scorer: _Scorer[object], model: type[ReportHeader], task: tuple[bool, list[Piece]]
) -> bool:
    """One task in a worker; False when the engine raised (the parent retires this worker)."""
    single, task_pieces = task
    try:
        items = [read_piece(p, model) for p in task_pieces]
        if single:  # what the error row needs, should the engine kill this worker
            conn.send(("meta", (items[0].source, items[0].digest, _identity(items[0]))))
        conn.send(("ok", scorer.batch(items)))
    except Exception as exc:
        conn.send(("raised", _raised(exc)))
        return False  # the engine may be broken
    _fault_hook(items, after=True)
    return True


# ---------------------------------------------------------------- the pool (parent side)


@dataclass
class _Task:
    index: int  # position of the whole task in the input
    offset: int  # position of its first piece within that task (retries are single pieces)
    pieces: list[Piece]
    single: bool
    meta: tuple[str, str, tuple[str | None, ...]] | None = None

    @cached_property
    def size(self) -> int:
        """Bytes of input the task reads (a large report takes longer to parse: its time limit grows with it)."""
        return sum(_piece_size(piece) for piece in self.pieces)


def _piece_size(piece: Piece) -> int:
    data = piece.data
    if isinstance(data, bytes):
        return len(data)
    if data is None:
        with contextlib.suppress(OSError):
            return os.stat(piece.source).st_size
    return 0


@dataclass(eq=False)
class _Worker:
    process: BaseProcess
    conn: Connection
    task: _Task | None = None
    started: float = 0.0


class _Pool(Generic[T]):
    """Up to `size` workers: `busy` ones hold a task; `idle` ones have scored a whole task and wait for another.

    Workers start when there is work for them, so an empty input starts none. A single-report retry always gets
    a newly started worker, which is retired after it, so a crash or hang is only pinned on a report scored in a
    process that had scored nothing else.
    """

    def __init__(
        self,
        book: LoadedRulebook,
        source: Iterator[Piece],
        encode: Callable[[Scorecard], T],
        workers: int,
        unit_timeout: float,
        task_units: int,
    ) -> None:
        self.book, self.source, self.encode = book, source, encode
        self.size, self.unit_timeout, self.task_units = workers, unit_timeout, task_units
        self.context = (
            multiprocessing.get_context("fork")
            if "fork" in multiprocessing.get_all_start_methods()
            else multiprocessing.get_context("spawn")
        )
        self.busy: list[_Worker] = []
        self.idle: list[_Worker] = []
        self.queue: deque[_Task] = deque()
        self.parts: dict[int, list[T | None]] = {}
        self.missing: dict[int, int] = {}
        self.next_index = 0
        self.next_out = 0
        self.exhausted = False
        self.window = max(4, workers * 4)  # tasks between the oldest unfinished one and the newest read

    def _spawn(self) -> _Worker:
        parent, child = self.context.Pipe()
        process = self.context.Process(
            target=_worker_main, args=(child, self.book, self.encode, os.getpid()), daemon=True
        )
        # An interrupt that lands inside fork() is swallowed by the at-fork hooks ("Exception ignored in
        # _releaseLock"), so the run would go on as if never asked to stop: hold SIGINT/SIGTERM until the
        # child exists; a pending one is then delivered here, in plain Python code.
        held = signal.pthread_sigmask(signal.SIG_BLOCK, _INTERRUPTS)  # the pool runs only where this exists
        try:
            process.start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
        child.close()
        return _Worker(process, parent)

    @staticmethod
    def _stop(worker: _Worker) -> None:
        """End a worker now: it is dead, hung, broken or done with (it holds no state worth a clean exit)."""
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join()
        worker.conn.close()

    def _limit(self, task: _Task) -> float:
        # one unit-timeout per engine call of up to BATCH units, and one more per MiB of input to parse: a 10 MB
        # YAML report takes seconds to read before the engine sees it (README, "Scale and crash isolation")
        return self.unit_timeout * (max(1, math.ceil(len(task.pieces) / BATCH)) + task.size / TIMEOUT_BYTES)

    def _refill(self) -> None:
        while not self.exhausted and not self.queue and self.next_index - self.next_out < self.window:
            chunk = [p for _, p in zip(range(self.task_units), self.source, strict=False)]
            if not chunk:
                self.exhausted = True
                return
            index = self.next_index
            self.next_index += 1
            self.parts[index] = [None] * len(chunk)
            self.missing[index] = len(chunk)
            self.queue.append(_Task(index, 0, chunk, single=False))

    def _dispatch(self) -> None:
        while len(self.busy) < self.size:
            self._refill()
            if not self.queue:
                return
            task = self.queue.popleft()
            worker = self.idle.pop() if self.idle else None
            if worker is not None and (task.single or not worker.process.is_alive()):
                self._stop(worker)  # a retry gets a fresh worker; and one that died while idle is replaced
                worker = None
            if worker is None:
                worker = self._spawn()
            worker.task, worker.started = task, time.monotonic()
            self.busy.append(worker)
            with contextlib.suppress(OSError):  # if it died, its sentinel says so next
                worker.conn.send((task.single, task.pieces))

    def _store(self, task: _Task, results: list[T]) -> None:
        slots = self.parts[task.index]
        for i, result in enumerate(results):
            slots[task.offset + i] = result
        self.missing[task.index] -= len(results)

    def _fail(self, task: _Task, reason: str) -> None:
        if not task.single:
            retries = [_Task(task.index, task.offset + i, [p], single=True) for i, p in enumerate(task.pieces)]
            self.queue.extendleft(reversed(retries))
            return
        if task.meta is not None:
            source, digest, identity = task.meta
        else:
            piece = task.pieces[0]
            source = f"{piece.source}:{piece.line}" if piece.line else piece.source
            digest, identity = _raw_identity(piece.source, piece.data)
        card = error_card(self.book, source, digest, identity, reason)
        self._store(task, [self.encode(card)])

    def _lost(self, worker: _Worker, reason: str | None) -> None:
        """A busy worker died or overran its time: it is ended, and its task fails with the reason."""
        self.busy.remove(worker)
        self._stop(worker)
        task = worker.task
        assert task is not None
        worker.task = None
        if reason is None:
            code = worker.process.exitcode or 0
            reason = (
                f"engine crashed (signal {-code}) while scoring this report"
                if code < 0
                else f"engine worker exited (code {code}) while scoring this report"
            )
        self._fail(task, reason)

    def _receive(self, worker: _Worker) -> None:
        """Everything a busy worker has sent (or its death): its task's results, or the task's failure."""
        task = worker.task
        assert task is not None
        while True:
            try:
                kind, payload = worker.conn.recv()
            except (EOFError, OSError):
                self._lost(worker, None)
                return
            if kind != "meta":
                break
            task.meta = payload
            if not worker.conn.poll():
                return  # still scoring
        self.busy.remove(worker)
        worker.task = None
        if kind == "ok":
            self._store(task, payload)
        else:
            self._fail(task, payload)
        if kind == "ok" and not task.single:
            self.idle.append(worker)
        else:
            self._stop(worker)  # it raised (and exits), or it scored a retry: a retry's worker does nothing else

    def _collect(self) -> None:
        """Wait for results, deaths or the nearest time limit, and deal with them."""
        deadline = min(w.started + self._limit(cast(_Task, w.task)) for w in self.busy)
        handles: list[object] = [w.conn for w in self.busy] + [w.process.sentinel for w in self.busy]
        ready = wait(handles, timeout=max(0.0, deadline - time.monotonic()))  # type: ignore[arg-type]
        for worker in list(self.busy):
            if worker.conn in ready or worker.process.sentinel in ready:
                self._receive(worker)
        now = time.monotonic()
        for worker in list(self.busy):
            limit = self._limit(cast(_Task, worker.task))
            # a result already waiting was made in time: the caller, not the worker, was slow to collect it
            if now >= worker.started + limit and not worker.conn.poll():
                self._lost(worker, f"timed out after {limit:g}s while scoring this report")

    def run(self) -> Iterator[T]:
        try:
            while True:
                self._dispatch()
                while self.next_out in self.missing and self.missing[self.next_out] == 0:
                    del self.missing[self.next_out]
                    done = self.parts.pop(self.next_out)
                    self.next_out += 1
                    yield from cast(list[T], done)  # every slot is filled once missing is 0
                    self._dispatch()
                if not self.busy:
                    if self.exhausted and not self.queue and not self.missing:
                        return
                    continue
                self._collect()
        finally:
            self._close()

    def _close(self) -> None:
        """Busy workers are killed at once (their results are no longer wanted); idle ones are told to stop."""
        for worker in self.busy:
            worker.process.kill()
        for worker in self.idle:
            with contextlib.suppress(OSError):
                worker.conn.send(None)
        deadline = time.monotonic() + 2
        for worker in self.busy + self.idle:
            worker.process.join(timeout=max(0.0, deadline - time.monotonic()))
            self._stop(worker)
        self.busy.clear()
        self.idle.clear()


def _raw_identity(path: str, data: bytes | ReportInput | None) -> tuple[str, tuple[str | None, ...]]:
    """Digest and unit of a report whose worker died before reading it (fields only if they are plain text).

    The parent hashes the raw bytes but never parses a whole YAML or JSON file: that may be what crashed."""
    if isinstance(data, ReportInput):
        return data.digest, _identity(data)
    if data is None:
        try:  # never a FIFO (it would block this process) nor more than documents.MAX_BYTES
            return hashlib.sha256(read_bytes(Path(path))).hexdigest(), ()
        except ComplianceError:
            return "", ()
    digest = hashlib.sha256(data).hexdigest()
    try:
        parsed = orjson.loads(data)
    except orjson.JSONDecodeError:
        return digest, ()
    if not isinstance(parsed, dict):
        return digest, ()
    fields = (parsed.get(k) for k in ("unit_id", "unit_name", "unit_type"))
    return digest, tuple(v if isinstance(v, str) else None for v in fields)


# ---------------------------------------------------------------- public API


def score_encoded(
    book: LoadedRulebook,
    sources: Iterable[str | Path | ReportInput],
    encode: Callable[[Scorecard], T],
    *,
    workers: int | None = None,
    unit_timeout: float = DEFAULT_UNIT_TIMEOUT,
    task_units: int = TASK_UNITS,
    on_read: Callable[[int], None] | None = None,
) -> Iterator[T]:
    """`encode(scorecard)` for every report under `sources`, in input order, computed in `workers` processes.

    `encode` runs in the workers (so it should be cheap to send back: bytes, a small tuple, the card itself).
    `on_read` is told the size of each line or file as it is read (for a progress bar).
    """
    count = default_workers() if workers is None else workers
    if count < 1:
        raise ValueError("workers must be at least 1")
    if unit_timeout <= 0:
        raise ValueError("unit_timeout must be positive")
    source = pieces(sources, on_read)
    if count == 1 or parallel_unavailable():  # the command says why (see commands/common.py)
        return _score_in_process(book, source, encode, task_units)
    return _Pool(book, source, encode, count, unit_timeout, task_units).run()


def _same(card: Scorecard) -> Scorecard:
    return card


def score_reports(
    book: LoadedRulebook,
    sources: Iterable[str | Path | ReportInput],
    *,
    workers: int | None = None,
    unit_timeout: float = DEFAULT_UNIT_TIMEOUT,
    task_units: int = TASK_UNITS,
    on_read: Callable[[int], None] | None = None,
) -> Iterator[Scorecard]:
    """A scorecard for every report under `sources` (paths, folders, `-`, or ReportInputs), in input order."""
    return score_encoded(
        book, sources, _same, workers=workers, unit_timeout=unit_timeout, task_units=task_units, on_read=on_read
    )


def encode_jsonl(card: Scorecard) -> tuple[bool, bytes]:
    """(passed, one JSON line): the shape of each entry of `compliance score --format json`'s `units`."""
    return card.status == "pass", orjson.dumps(card_data(card)) + b"\n"
