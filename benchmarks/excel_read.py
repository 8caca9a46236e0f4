"""Reading filled Excel templates: how long 100 workbooks take, with python-calamine's raw read for comparison.

    python -m benchmarks.excel_read                # 100 workbooks of 市教育局's template, 30 records a sheet
    python -m benchmarks.excel_read --files 100 --records 200 --repeat 5

Writes the workbooks to a temporary folder once, then times, medians of the repeats:
- compliance: `read_report_file` on each (openpyxl read-only, cell conversion, validation, problems located);
- openpyxl raw: only openpyxl's read-only pass over every cell (what the reading costs before our own work);
- calamine raw: python-calamine reading every cell, if it is installed (it is not a dependency).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from openpyxl import load_workbook

from compliance.loading.reports import read_report_file
from compliance.loading.rulebook import load_rulebook
from compliance.templates.needs import unit_template
from compliance.templates.xlsx_template import render_xlsx


def _workbooks(folder: Path, files: int, records: int) -> list[Path]:
    book = load_rulebook()
    template = folder / "template.xlsx"
    template.write_bytes(render_xlsx(unit_template(book, "jiaoyu")))
    workbook = load_workbook(template)
    sessions = workbook["领导班子学法活动"]
    for row in range(3, 3 + records):
        sessions.cell(row, 1, dt.date(2018, 1, 1) + dt.timedelta(days=row))
        sessions.cell(row, 2, f"学法主题 {row}")
    single = workbook["单项数据"]
    for row in range(1, single.max_row + 1):
        if single.cell(row, 1).value == "rates.suggestions_replied_on_time":
            single.cell(row, 3, 99)
            single.cell(row, 4, 100)
    paths = []
    for n in range(files):
        path = folder / f"unit-{n:03}.xlsx"
        workbook.save(path)
        paths.append(path)
    return paths


def _time(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--records", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    model = load_rulebook().report.model
    with tempfile.TemporaryDirectory() as folder:
        paths = _workbooks(Path(folder), args.files, args.records)

        def ours() -> None:
            for path in paths:
                (item,) = read_report_file(path, model)
                assert item.report is not None, item.problems

        def openpyxl_raw() -> None:
            for path in paths:
                workbook = load_workbook(path, read_only=True, data_only=True)
                for sheet in workbook.worksheets:
                    for _ in sheet.iter_rows(values_only=True):
                        pass
                workbook.close()

        rows = [("compliance read_report_file", _time(ours, args.repeat))]
        rows.append(("openpyxl raw read", _time(openpyxl_raw, args.repeat)))
        try:
            from python_calamine import CalamineWorkbook

            def calamine_raw() -> None:
                for path in paths:
                    workbook = CalamineWorkbook.from_path(str(path))
                    for name in workbook.sheet_names:
                        workbook.get_sheet_by_name(name).to_python()

            rows.append(("calamine raw read", _time(calamine_raw, args.repeat)))
        except ImportError:
            rows.append(("calamine raw read", float("nan")))
    print(f"{args.files} workbooks, {args.records} records each, median of {args.repeat}")
    for name, seconds in rows:
        print(f"  {name:30} {seconds:7.2f} s  {seconds / args.files * 1000:7.1f} ms/file")


if __name__ == "__main__":
    main()
