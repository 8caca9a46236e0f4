"""The HTML assessment in a real headless browser: chart and grid visible, unit-supplied markup inert.

Needs Debian's `chromium` (CI installs it); skipped with a reason where it is absent.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from compliance.cli import main
from compliance.render.html import BAR, COLOURS

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_reports"
BROWSER = next((b for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)
pytestmark = pytest.mark.skipif(BROWSER is None, reason="no headless chromium installed (apt-get install chromium)")

PAYLOAD = (
    '<script>document.title="PWNED"</script>'
    "<img src=x onerror=\"document.body.setAttribute('data-pwned','1')\">坏单位"
)
WIDTH, HEIGHT = 1200, 5200  # tall enough for the pass-rate chart of every checkable rule and the grid below it


def chromium(tmp: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    assert BROWSER is not None
    command = [
        BROWSER,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp / 'profile'}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, timeout=120, check=False, env={**os.environ, "HOME": str(tmp)})


def decode_png(data: bytes) -> tuple[int, int, int, bytes]:
    """(width, height, channels, raw pixels) of an 8-bit, non-interlaced RGB/RGBA PNG — stdlib only."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    width = height = channels = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and interlace == 0 and colour in (2, 6), (depth, colour, interlace)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
    raw = zlib.decompress(idat)
    stride = width * channels
    out = bytearray(height * stride)
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind = raw[start]
        line = bytearray(raw[start + 1 : start + 1 + stride])
        if kind == 1:
            for i in range(channels, stride):
                line[i] = (line[i] + line[i - channels]) & 0xFF
        elif kind == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, previous, strict=True))
        elif kind == 3:
            for i in range(stride):
                left = line[i - channels] if i >= channels else 0
                line[i] = (line[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif kind == 4:
            for i in range(stride):
                a = line[i - channels] if i >= channels else 0
                b = previous[i]
                c = previous[i - channels] if i >= channels else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                predictor = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + predictor) & 0xFF
        out[y * stride : (y + 1) * stride] = line
        previous = line
    return width, height, channels, bytes(out)


def rgb(hex_colour: str) -> tuple[int, int, int]:
    value = hex_colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


class DomCheck(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: Counter[str] = Counter()
        self.title = ""
        self._in_title = False
        self.body_attrs: dict[str, str | None] = {}
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        self._in_title = tag == "title" and self.tags["svg"] == 0
        if tag == "body":
            self.body_attrs = dict(attrs)

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in_title:
            self.title += data


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("html")
    reports = tmp / "reports"
    shutil.copytree(SAMPLES, reports)
    # The payload as a registered unit's name (so it reaches the matrix's title attributes and the rankings), as a
    # record title, as an unregistered unit's name and in a file name.
    registry = yaml.safe_load((ROOT / "rules" / "nantong-2018" / "units.yaml").read_text(encoding="utf-8"))
    registry["units"].append({"id": "evil-unit", "name": PAYLOAD, "type": "affiliated_unit"})
    (tmp / "units.yaml").write_text(yaml.safe_dump(registry, allow_unicode=True), encoding="utf-8")
    evil = {"unit_id": "evil-unit", "year": 2018, "law_study_sessions": [{"date": "2018-03-01", "topic": PAYLOAD}]}
    (reports / "evil.yaml").write_text(yaml.safe_dump(evil, allow_unicode=True), encoding="utf-8")
    other = {"unit_id": "evil-other", "unit_name": PAYLOAD, "unit_type": "affiliated_unit", "year": 2018}
    named = reports / "<img src=x onerror=\"document.body.setAttribute('data-pwned','2')\">.yaml"
    named.write_text(yaml.safe_dump(other, allow_unicode=True), encoding="utf-8")
    target = tmp / "assessment.html"
    argv = ["assess", str(reports), "--registry", str(tmp / "units.yaml"), "--format", "html"]
    assert main([*argv, "--output", str(target), "--time", "2019-01-15T01:00:00Z"]) == 1
    html = target.read_text(encoding="utf-8")
    assert 'title="&lt;script&gt;' in html  # the payload did reach an attribute, escaped
    assert "evil-other" in html and "data-pwned&#39;,&#39;2" in html
    return target


def test_page_is_self_contained(page: Path) -> None:
    html = page.read_text(encoding="utf-8")
    assert "<script" not in html  # the page has no scripts of its own, and the payload is escaped
    assert "&lt;script&gt;" in html
    for remote in ("http://", "https://", "//fonts.", 'src="http'):
        assert remote not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_unit_supplied_markup_is_text_and_runs_nothing(page: Path, tmp_path: Path) -> None:
    done = chromium(tmp_path, "--virtual-time-budget=3000", "--dump-dom", page.as_uri())
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    dom = DomCheck()
    dom.feed(done.stdout.decode("utf-8"))
    assert "PWNED" not in dom.title and dom.title.startswith("南通市")
    assert "data-pwned" not in dom.body_attrs
    assert dom.tags["script"] == 0
    assert dom.tags["img"] == 0
    assert any(PAYLOAD in text for text in dom.text)  # shown to the reader, verbatim, as text


def test_chart_and_grid_are_visible(page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "page.png"
    done = chromium(
        tmp_path, "--hide-scrollbars", f"--window-size={WIDTH},{HEIGHT}", f"--screenshot={shot}", page.as_uri()
    )
    assert done.returncode == 0 and shot.exists(), done.stderr.decode(errors="replace")[-2000:]
    width, height, channels, pixels = decode_png(shot.read_bytes())
    assert (width, height) == (WIDTH, HEIGHT)
    wanted = {name: rgb(colour) for name, colour in {**COLOURS, "bar": BAR}.items()}
    seen: Counter[str] = Counter()
    lookup = {value: name for name, value in wanted.items()}
    for offset in range(0, len(pixels), channels):
        name = lookup.get((pixels[offset], pixels[offset + 1], pixels[offset + 2]))
        if name is not None:
            seen[name] += 1
    # The sample set has passes, fails, unreported units and a data contradiction, and bars for every rule.
    for name in ("bar", "pass", "fail", "not_reported", "error"):
        assert seen[name] > 200, (name, seen)
