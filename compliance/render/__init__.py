"""One module per output format of `compliance assess`, all behind `interface.Renderer`."""

from __future__ import annotations

from enum import StrEnum
from typing import assert_never

from compliance.render.interface import Renderer


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    MARKDOWN = "md"
    HTML = "html"
    JUNIT = "junit"
    XLSX = "xlsx"
    DOCX = "docx"


def renderer(fmt: Format) -> Renderer:
    """The renderer for a format; imported on demand, so jinja2, openpyxl and python-docx load only for theirs."""
    match fmt:
        case Format.TABLE:
            from compliance.render import table

            return table.render
        case Format.JSON:
            from compliance.render import json

            return json.render
        case Format.CSV:
            from compliance.render import csv

            return csv.render
        case Format.MARKDOWN:
            from compliance.render import markdown

            return markdown.render
        case Format.HTML:
            from compliance.render import html

            return html.render
        case Format.JUNIT:
            from compliance.render import junit

            return junit.render
        case Format.XLSX:
            from compliance.render import xlsx

            return xlsx.render
        case Format.DOCX:
            from compliance.render import docx

            return docx.render
        case _:
            assert_never(fmt)
