"""The streamed assessment (流式考评) gives, byte for byte, the document the in-memory one gives, in every format
written as it goes, and its memory does not grow with the number of units.

The in-memory path (`run_assessment` + the format's `render`) is the reference: the streamed one puts each report's
verdicts and each unit's detail aside on disk and indexes them in a database on disk, so the two must agree on
every byte for any input: registered and synthetic units, invalid reports, identical copies and conflicting
duplicates, units missing, an assessor's points.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import subprocess
import sys
from collections import Counter
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from types import FunctionType, ModuleType
from weakref import ReferenceType

import orjson
import pytest

from benchmarks.generate import generate, write
from compliance.assessment import run_assessment
from compliance.cli import main
from compliance.lang import Lang
from compliance.loading.manual import ManualPoints, load_manual
from compliance.loading.reports import expand_paths
from compliance.loading.rulebook import LoadedRulebook
from compliance.render import Format, renderer, streaming
from compliance.spill import Spill
from compliance.streamed import stream_assessment

ROOT = Path(__file__).resolve().parents[1]
WHEN = dt.datetime(2019, 2, 1, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """600 generated units, one registered unit missing, one sent for the wrong year, and a second file repeating
    some reports (identical copies) and sending others again with other bytes (conflicting duplicates)."""
    folder = tmp_path_factory.mktemp("mixed")
    lines = list(generate(600, seed=11))
    lines[21] = lines[21].replace(b'"year":2018', b'"year":2017', 1)
    (folder / "a.jsonl").write_bytes(b"\n".join(lines[:20] + lines[21:]) + b"\n")
    again = lines[:5] + [b"{ " + line[1:] for line in lines[5:9]]
    (folder / "b.jsonl").write_bytes(b"\n".join(again) + b"\n")
    return folder


def _both(
    book: LoadedRulebook, paths: list[str], workers: int, fmt: Format = Format.JSON, manual: ManualPoints | None = None
) -> tuple[bytes, bytes]:
    """(the in-memory output, the streamed output) of one assessment."""
    files = expand_paths(paths)
    whole = renderer(fmt)(run_assessment(book, files, WHEN, workers=workers, manual=manual))
    how = streaming(fmt)
    assert how is not None
    detail = how.detail(book, manual is not None, Lang.BOTH)
    with stream_assessment(book, files, WHEN, detail, workers=workers, manual=manual) as summarised:
        streamed = b"".join(how.chunks(summarised, Lang.BOTH))
    return whole.encode() if isinstance(whole, str) else whole, streamed


@pytest.mark.parametrize("workers", [1, 2])
def test_streamed_json_is_the_in_memory_document(book: LoadedRulebook, mixed: Path, workers: int) -> None:
    whole, streamed = _both(book, [str(mixed)], workers)
    assert streamed == whole
    data = orjson.loads(streamed)
    statuses = {u["status"] for u in data["units"]}
    assert {"pass", "fail", "duplicate", "invalid", "not_reported"} <= statuses  # every kind of row is there
    assert {r["status"] for r in data["audit"]["reports"]} >= {"used", "copy", "duplicate", "invalid", "unregistered"}


STREAMED = [Format.JSON, Format.CSV, Format.MARKDOWN, Format.HTML, Format.JUNIT]


@pytest.mark.parametrize("fmt", STREAMED[1:])
def test_streamed_format_is_the_in_memory_document(book: LoadedRulebook, mixed: Path, fmt: Format) -> None:
    whole, streamed = _both(book, [str(mixed)], 2, fmt)
    assert streamed == whole
    assert len(whole.splitlines()) > 600  # at least a line for every unit


@pytest.mark.parametrize("fmt", STREAMED)
def test_streamed_output_of_the_samples(book: LoadedRulebook, fmt: Format) -> None:
    whole, streamed = _both(book, [str(ROOT / "sample_reports")], 1, fmt)
    assert streamed == whole


@pytest.mark.parametrize("fmt", STREAMED)
def test_streamed_output_with_an_assessors_points(book: LoadedRulebook, fmt: Format) -> None:
    """Each unit is scored beside the engine (in the workers) with the assessor's points folded in, as in memory."""
    manual = load_manual(ROOT / "examples" / "manual-points.yaml", book)
    whole, streamed = _both(book, [str(ROOT / "sample_reports")], 2, fmt, manual)
    assert streamed == whole
    if fmt is not Format.JUNIT:  # JUnit shows verdicts, not who set them
        assert "人工".encode() in streamed


def test_streamed_csv_is_the_in_memory_table(book: LoadedRulebook, mixed: Path) -> None:
    whole, streamed = _both(book, [str(mixed)], 2, Format.CSV)
    assert streamed == whole
    assert len(streamed.decode("utf-8-sig").splitlines()) > 600  # a line per unit (and some cells of two lines)


def test_only_formats_that_can_be_written_as_they_go_are_streamed() -> None:
    assert {f for f in Format if streaming(f) is not None} == set(STREAMED)


@pytest.mark.parametrize("fmt", STREAMED)
def test_an_empty_list_stays_empty(book: LoadedRulebook, tmp_path: Path, fmt: Format) -> None:
    """A unit type without a registered unit ranks nobody: `[]`, as the in-memory document writes it."""
    report = tmp_path / "one.jsonl"
    report.write_bytes(next(generate(1, seed=3)) + b"\n")
    one = replace(book, registry=book.registry.model_copy(update={"units": book.registry.units[:1]}))
    whole, streamed = _both(one, [str(report)], 1, fmt)
    assert streamed == whole
    if fmt is Format.JSON:
        assert b'"units": []' in whole


@pytest.mark.parametrize("fmt", STREAMED)
def test_no_unit_and_no_valid_report(book: LoadedRulebook, tmp_path: Path, fmt: Format) -> None:
    """An empty registry and a report that cannot be read: no unit, one rejected report, in both routes."""
    report = tmp_path / "bad.jsonl"
    report.write_bytes(b'{"unit_id": "x"\n')
    empty = replace(book, registry=book.registry.model_copy(update={"units": []}))
    whole, streamed = _both(empty, [str(report)], 1, fmt)
    assert streamed == whole


@pytest.mark.parametrize("fmt", STREAMED)
def test_the_command_writes_the_streamed_output(book: LoadedRulebook, mixed: Path, tmp_path: Path, fmt: Format) -> None:
    out = tmp_path / f"a.{fmt.value}"
    code = main(["assess", str(mixed), "--format", fmt.value, "--time", "2019-02-01T00:00:00Z", "-o", str(out)])
    whole, _ = _both(book, [str(mixed)], 1, fmt)
    assert code == 1
    assert out.read_bytes() == whole
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # written atomically: no temporary file left


def test_a_spill_gives_back_each_record() -> None:
    with Spill() as spill:
        keys = [spill.put(f"record {i}".encode() * i) for i in range(50)]
        assert spill.get(keys[7]) == b"record 7" * 7
        late = spill.put(b"after a read")  # writing after reading appends, never overwrites
        assert [spill.get(k) for k in keys] == [f"record {i}".encode() * i for i in range(50)]
        assert spill.get(late) == b"after a read"
        assert len(spill) == 51


def _kept(root: object) -> Counter[str]:
    """The objects an output can reach from the streamed result, by type, and the bytes each type holds (the
    rulebook and the code left out: they do not depend on the reports)."""
    seen: set[int] = set()
    held: Counter[str] = Counter()
    todo = [root]
    while todo:
        obj = todo.pop()
        skip = (type, ModuleType, LoadedRulebook, int, float, Decimal, Fraction, ReferenceType)
        if id(obj) in seen or isinstance(obj, skip):
            continue  # numbers differ in value, not in size (and small ones are shared); weak references are caches
        seen.add(id(obj))
        name = type(obj).__name__
        held[name] += 1
        held[name + " bytes"] += sys.getsizeof(obj)
        if isinstance(obj, FunctionType):  # what it closes over, not the module it was written in
            todo += [cell.cell_contents for cell in obj.__closure__ or ()]
        else:
            todo += gc.get_referents(obj)
    return held


def test_what_stays_in_memory_does_not_grow_with_units(book: LoadedRulebook, tmp_path: Path) -> None:
    """Ten times the reports: the same objects stay in memory, and the same text, but for the arrays of record
    offsets (8 bytes a record) of the files put aside on disk."""
    kept = []
    for n in (60, 60, 600):  # the first run fills the caches of what it imports
        data = write(tmp_path / f"{n}.jsonl", n)
        how = streaming(Format.JSON)
        assert how is not None
        with stream_assessment(book, [data], WHEN, how.detail(book, False, Lang.BOTH)) as summarised:
            kept.append(_kept(summarised))
    _, small, large = kept
    assert small.keys() == large.keys()
    grown = {kind for kind in small if small[kind] != large[kind] and not kind.endswith(" bytes")}
    assert not grown, {kind: (small[kind], large[kind]) for kind in grown}  # no more objects of any kind
    assert small["str bytes"] == large["str bytes"]
    assert large["array bytes"] < small["array bytes"] + 6 * 8 * 600  # the spills' offsets, 8 bytes a record


_PEAK = """
import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=False, stdout=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def _peak_kib(data: Path, out: Path) -> int:
    """The peak resident memory of `assess --format json` in one process, measured by a fresh parent."""
    command = [sys.executable, "-m", "compliance", "assess", str(data), "--format", "json", "--workers", "1"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", _PEAK, *command, "--time", "2019-02-01T00:00:00Z", "-o", str(out)],
        env=env,
        capture_output=True,
        check=True,
    )
    return int(done.stdout)


def test_memory_does_not_grow_with_units(tmp_path: Path) -> None:
    """8,000 units take little more memory than 800 (the in-memory assessment took five times as much)."""
    small = _peak_kib(write(tmp_path / "small.jsonl", 800), tmp_path / "small.json")
    large = _peak_kib(write(tmp_path / "large.jsonl", 8000), tmp_path / "large.json")
    assert large < 1.5 * small, (small, large)
