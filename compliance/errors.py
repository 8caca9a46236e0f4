"""One root error for bad input; every error knows its file, field path, line and column (or, in a workbook,
its sheet and cell)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, printable as `path:line:col: CODE message`, or for a workbook
    `path:Sheet!B7: CODE message` (`cell` names the sheet and cell; a workbook has no lines)."""

    file: str
    line: int | None
    column: int | None
    code: str
    message: str
    field: str = ""
    cell: str | None = None

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.file, self.line or 0, self.column or 0, self.code, self.message)

    def __lt__(self, other: Problem) -> bool:
        return self.sort_key() < other.sort_key()

    def __str__(self) -> str:
        where = self.file
        if self.cell is not None:
            where += f":{self.cell}"
        elif self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        field = f" [{self.field}]" if self.field else ""
        return f"{where}: {self.code} {self.message}{field}"


class ComplianceError(Exception):
    """Bad input: carries the problems found, each with its location."""

    def __init__(self, problems: list[Problem] | Problem) -> None:
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class EngineError(Exception):
    """The rule engine failed or gave an answer that cannot be trusted."""
