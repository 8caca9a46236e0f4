"""The package knows a vocabulary, never a fact of any plan: no Python module under compliance/ names a fact,
field or measure that a rulebook declares (they live under rules/, sample_reports/, tests/ and the docs)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BOOKS = [ROOT / "rules" / "nantong-2018", ROOT / "tests" / "rulebooks" / "madeup-county-2025"]
# Ids that are also ordinary words of the vocabulary itself (a field called `date` or `title`) are not plan facts.
# So are plain English words a module uses in its own prose (the number of a line, a file as received).
VOCABULARY = {"date", "title", "topic", "start", "end", "hours", "format", "meeting", "document_no", "completed"}
ENGLISH = {"number", "received", "opened"}


def plan_words() -> set[str]:
    words: set[str] = set()
    for book in BOOKS:
        facts = yaml.safe_load((book / "facts.yaml").read_text(encoding="utf-8"))
        for fact in facts["facts"]:
            words.add(fact["id"])
            words.update(field["id"] for field in fact.get("fields", ()))
        measures = yaml.safe_load((book / "measures.yaml").read_text(encoding="utf-8"))
        words.update(measure["id"] for measure in measures["measures"])
    return {w for w in words if len(w) >= 6 and w not in VOCABULARY | ENGLISH}


def test_no_module_names_a_plan_fact_or_measure() -> None:
    words = plan_words()
    assert len(words) > 60  # the check reads the real declarations
    pattern = re.compile(r"\b(" + "|".join(sorted(map(re.escape, words))) + r")\b")
    found = []
    for path in sorted((ROOT / "compliance").rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if match := pattern.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {match.group(0)}")
    assert found == []
