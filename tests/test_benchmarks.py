"""The benchmark's inputs and its baseline are worth something only if they are realistic and agree with the product.

- the generator makes every unit type, dated records, about 5% failing units and a few invalid ones;
- the plain-Python baseline (benchmarks/baseline.py) and the durable_rules path give the same verdict for every
  unit: a differential check of the engine on thousands of varied reports, and proof the ratio compares like
  with like.
No timing is asserted here: speed is measured by `python -m benchmarks.run`.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import orjson
import pytest

from benchmarks.baseline import score_paths
from benchmarks.generate import generate, registry, write
from compliance.evaluate import STATUSES
from compliance.loading.rulebook import load_rulebook
from compliance.parallel import score_reports

UNITS = 3000


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write(tmp_path_factory.mktemp("bench") / "units.jsonl", UNITS, seed=11)


def test_generator_is_deterministic_and_covers_every_unit_type(synthetic: Path) -> None:
    lines = synthetic.read_bytes().splitlines()
    assert len(lines) == UNITS
    assert lines[:200] == list(generate(200, seed=11))  # same seed, same reports
    assert lines[:200] != list(generate(200, seed=12))
    types, _ = registry()
    seen = Counter()
    dated = 0
    for line in lines:
        try:
            report = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue  # one of the deliberately broken lines
        seen[report.get("unit_type")] += 1
        dated += bool(report.get("law_study_sessions")) and all("date" in s for s in report["law_study_sessions"])
    assert set(types) <= set(seen)
    assert dated > UNITS * 0.9


def test_generated_outcomes_are_realistic(synthetic: Path) -> None:
    cards = list(score_reports(load_rulebook(), [synthetic], workers=1))
    statuses = Counter(card.status for card in cards)
    assert len(cards) == UNITS
    assert 0.03 * UNITS <= statuses["fail"] <= 0.08 * UNITS  # about 5% fail something
    assert 1 <= statuses["invalid"] <= 0.01 * UNITS  # a few invalid reports
    assert statuses["pass"] >= 0.9 * UNITS


def test_baseline_and_engine_agree_on_every_unit(synthetic: Path) -> None:
    engine = list(score_reports(load_rulebook(), [synthetic], workers=2))
    plain = list(score_paths([synthetic]))
    assert len(engine) == len(plain) == UNITS
    disagreements = [
        (card.source, card.status, tuple(card.counts()[s] for s in STATUSES), verdict.status, verdict.counts)
        for card, verdict in zip(engine, plain, strict=True)
        if (card.status, tuple(card.counts()[s] for s in STATUSES)) != (verdict.status, verdict.counts)
    ]
    assert disagreements == []
    assert sum(card.counts()["fail"] for card in engine) > 0  # the comparison saw failures, not only passes
