"""Reading Python files the way Python does, with a clear word for what cannot be read.

Honours PEP 263 coding lines and BOMs, refuses NUL bytes and undecodable text
with a message naming the offset, and skips files too large to be source code
anyone edits by hand.
"""

from __future__ import annotations

import io
import tokenize
from dataclasses import dataclass
from pathlib import Path

MAX_FILE_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class SourceFile:
    path: Path
    text: str
    encoding: str


class UnreadableSource(Exception):
    """The file cannot be checked; the message says why, for the user."""


def decode_source(data: bytes, *, max_bytes: int = MAX_FILE_BYTES) -> tuple[str, str]:
    """Decode Python source bytes; returns (text, encoding)."""
    if len(data) > max_bytes:
        raise UnreadableSource(
            f"file is too large to check ({len(data) / 1_048_576:.1f} MiB; "
            f"the limit is {max_bytes / 1_048_576:.0f} MiB)"
        )
    nul = data.find(b"\x00")
    if nul != -1:
        raise UnreadableSource(f"file contains a NUL byte at offset {nul}; not Python source")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        if "unknown encoding" in exc.msg:
            raise UnreadableSource(f"{exc.msg} in the coding line") from None
        # Undecodable bytes in the first two lines: the decode below names them.
        encoding = "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise UnreadableSource(
            f"file is not valid {encoding}: byte 0x{data[exc.start]:02x} at offset "
            f"{exc.start} (declare the encoding with a `# -*- coding: ... -*-` line)"
        ) from None
    except LookupError:
        raise UnreadableSource(f"unknown encoding {encoding!r} in the coding line") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, encoding


def read_source(path: Path) -> SourceFile:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableSource(f"cannot read file: {exc.strerror or exc}") from None
    text, encoding = decode_source(data)
    return SourceFile(path, text, encoding)
