"""One module per output format of `compliance assess`, all behind `interface.Renderer`; the formats that can be
written as they go (one unit at a time, `interface.Streaming`) also behind that."""

from __future__ import annotations

from enum import StrEnum
from typing import assert_never

from compliance.render.interface import Renderer, Streaming


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


def streaming(fmt: Format) -> Streaming | None:
    """How to write a format one unit at a time (each unit's detail put aside, then placed once ranks are known),
    or None for a format rendered whole: the terminal table aligns each column to its widest cell (every row at
    once), and a workbook or a Word document is built whole by its library."""
    match fmt:
        case Format.JSON:
            from compliance.render import json

            return Streaming(json.unit_detail, json.chunks)
        case Format.CSV:
            from compliance.render import csv

            return Streaming(csv.unit_detail, csv.chunks)
        case Format.MARKDOWN:
            from compliance.render import markdown

            return Streaming(markdown.unit_detail, markdown.chunks)
        case Format.HTML:
            from compliance.render import html
            from compliance.render.interface import pickled

            return Streaming(pickled, html.chunks)
        case Format.JUNIT:
            from compliance.render import junit

            return Streaming(junit.unit_detail, junit.chunks)
        case Format.TABLE | Format.XLSX | Format.DOCX:
            return None
        case _:
            assert_never(fmt)
