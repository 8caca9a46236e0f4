"""Where `--output` goes, written the way a Unix tool writes: atomically, with the usual file mode, through links.

- `-`, `/dev/stdout` (and `/dev/fd/1`) are standard output, `/dev/stderr` standard error;
- any other existing file that is not a regular file (`/dev/null`, a named pipe) is written to directly: it
  is never replaced by a regular file (as root, replacing `/dev/null` would break the system);
- a regular file is written to a temporary file beside it, flushed to disk and renamed over it only when
  complete, so an interrupted run never leaves half a report. A new file gets the mode the umask allows
  (usually 0644, readable by a web server), an existing file keeps its own mode;
- a symbolic link is written through: its target is replaced, the link stays;
- a name ending in `/`, or naming a folder, is an error (there is no file name to write);
- a temporary file left by a run that was killed (`.NAME.<pid>.<random>.tmp`, its process gone) is removed,
  and named on standard error, the next time the same file is written.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from compliance.errors import ComplianceError, Problem

_STREAMS = {
    "-": "stdout",
    "/dev/stdout": "stdout",
    "/dev/fd/1": "stdout",
    "/dev/stderr": "stderr",
    "/dev/fd/2": "stderr",
}


def _umask() -> int:
    try:  # Linux: read it without changing it
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _unwritable(path: str | Path, exc: OSError | str) -> ComplianceError:
    reason = exc if isinstance(exc, str) else (exc.strerror or str(exc))
    return ComplianceError(Problem(str(path), None, None, "E000", f"无法写入输出文件（cannot write output: {reason}）"))


def _target(output: str) -> tuple[str, Path]:
    """('stdout'|'stderr'|'direct'|'atomic', path): how and where an --output value is written."""
    stream = _STREAMS.get(output)
    if stream is not None:
        return stream, Path(output)
    if output.endswith(("/", os.sep)):
        where = "a folder" if os.path.isdir(output) else "a folder that does not exist"
        raise _unwritable(output, f"{output} names {where}; give a file name, e.g. {output}report.html")
    path = Path(os.path.realpath(output)) if os.path.islink(output) else Path(output)  # through links
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "atomic", path
    except OSError as exc:
        raise _unwritable(output, exc) from None
    if stat.S_ISDIR(mode):
        raise _unwritable(output, f"{output} is a folder; give a file name, e.g. {output}/report.html")
    return ("atomic" if stat.S_ISREG(mode) else "direct"), path


def _stale(path: Path) -> None:
    """Remove temporary files a killed run left for this output (their process is gone), naming each."""
    pattern = re.compile(rf"\.{re.escape(path.name)}\.(\d+)\.[^.]*\.tmp")
    with contextlib.suppress(OSError):
        for entry in os.scandir(path.parent):
            match = pattern.fullmatch(entry.name)
            if match is None or _alive(int(match[1])):
                continue
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
                print(
                    f"{entry.path}: 已删除被中断的运行留下的临时文件（removed a temporary file left by a run that was"
                    f" killed, process {match[1]}）",
                    file=sys.stderr,
                )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists but is not ours
        return True
    return True


@contextlib.contextmanager
def atomic_file(path: Path) -> Iterator[BinaryIO]:
    """A temp file in the same folder, fsynced and renamed over `path` only if the block completes: an
    interrupted run never leaves half a file (and never replaces a good one). The file gets `path`'s mode if it
    exists, else the mode the umask allows for a new file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _stale(path)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise _unwritable(path, exc) from None
    try:
        with os.fdopen(fd, "wb", buffering=1 << 20) as handle:
            yield handle
            try:
                handle.flush()
                try:
                    mode = stat.S_IMODE(os.stat(path).st_mode)
                except FileNotFoundError:
                    mode = 0o666 & ~_umask()
                os.fchmod(handle.fileno(), mode)
                os.fsync(handle.fileno())
            except OSError as exc:
                raise _unwritable(path, exc) from None
        try:
            os.replace(tmp, path)
        except OSError as exc:
            raise _unwritable(path, exc) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def output_stream(output: str) -> Iterator[BinaryIO]:
    """Where results go as they are produced (see the module docstring for what each kind of name means)."""
    how, path = _target(output)
    if how in ("stdout", "stderr"):
        stream: BinaryIO = sys.stdout.buffer if how == "stdout" else sys.stderr.buffer
        yield stream
        stream.flush()
    elif how == "direct":
        try:
            handle: BinaryIO = open(path, "wb")  # noqa: SIM115 - the with block below ends it; errors become messages
        except OSError as exc:
            raise _unwritable(output, exc) from None
        with handle:
            yield handle
    else:
        with atomic_file(path) as handle:
            yield handle


def emit(text: str | bytes, output: str) -> None:
    """Write a rendered output (see `output_stream`)."""
    with output_stream(output) as handle:
        handle.write(text.encode("utf-8") if isinstance(text, str) else text)
