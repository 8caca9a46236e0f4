"""Text from outside the rulebook (a report, a registry, a file name) made safe to show: nothing in it can move a
terminal's cursor, break a line of a table or fail to encode. A leaf module, so `check` need not import scoring."""

from __future__ import annotations

import re

_BREAKS = frozenset("\t\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
# control characters, and the bidi controls that reorder what follows them on screen (U+202E makes "exe.txt" show as
# "txt.exe"): every one of them is drawn as U+FFFD
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


# C0 control characters but tab, LF and CR (and DEL): nothing a spreadsheet or a browser should show or choke on (a
# NUL ends a C string in some readers; XML forbids most of them)
_C0_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def without_c0(text: str) -> str:
    """Text with the C0 control characters that a report may carry dropped (tab and line breaks stay)."""
    return _C0_CONTROL.sub("", text)


def one_line(value: object) -> str:
    """Text from a report, registry or file name for a terminal or a text file: line breaks and tabs become a
    space and every other control character (ESC, BEL, NUL…, and bidi overrides) U+FFFD, so it can neither
    start a line of its own nor move the cursor, change colours or reorder the text around it."""
    return _CONTROL.sub(lambda m: " " if m[0] in _BREAKS else "\ufffd", str(value))


UNENCODABLE = re.compile("[\ud800-\udfff]")


def displayable(name: str) -> str:
    """A file name as text every output can encode: bytes that are not UTF-8 (a GBK name from a zip made on
    Windows reaches Python as lone surrogates) are written as `\\xb9`, so the name stays recognisable."""
    return UNENCODABLE.sub(
        lambda m: f"\\x{ord(m[0]) - 0xDC00:02x}" if "\udc80" <= m[0] <= "\udcff" else f"\\u{ord(m[0]):04x}", name
    )
