"""Draws the extension's icon, images/icon.png (128x128, the Marketplace's size): a
database cylinder on a rounded square, with a check mark. Plain Python (zlib and
struct), so it needs nothing installed; run it again after changing the drawing."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

SIZE = 128
BACKGROUND = (31, 78, 121)  # the gallery banner's colour (package.json)
CYLINDER = (236, 241, 246)
RIM = (170, 190, 210)
CHECK = (76, 175, 80)


def _inside_rounded_square(x: float, y: float, radius: float = 22) -> bool:
    nearest_x = min(max(x, radius), SIZE - radius)
    nearest_y = min(max(y, radius), SIZE - radius)
    return (x - nearest_x) ** 2 + (y - nearest_y) ** 2 <= radius**2


def _in_ellipse(x: float, y: float, cx: float, cy: float, rx: float, ry: float) -> bool:
    return ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1


def _near_segment(x: float, y: float, a: tuple[float, float], b: tuple[float, float]) -> bool:
    (ax, ay), (bx, by) = a, b
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)))
    return (x - ax - t * dx) ** 2 + (y - ay - t * dy) ** 2 <= 5.5**2


def pixel(x: float, y: float) -> tuple[int, int, int, int]:
    if not _inside_rounded_square(x, y):
        return (0, 0, 0, 0)
    if _near_segment(x, y, (70, 92), (84, 106)) or _near_segment(x, y, (84, 106), (110, 72)):
        return (*CHECK, 255)
    cx, top, bottom, rx, ry = 56, 34, 90, 30, 10
    if _in_ellipse(x, y, cx, top, rx, ry):
        inner = _in_ellipse(x, y, cx, top, rx - 3, ry - 2)
        return (*(CYLINDER if inner else RIM), 255)
    body = abs(x - cx) <= rx and top <= y <= bottom
    if body or _in_ellipse(x, y, cx, bottom, rx, ry):
        for band in (52, 71):  # the cylinder's rings
            if _in_ellipse(x, y, cx, band, rx, ry) and not _in_ellipse(x, y, cx, band - 3, rx, ry):
                return (*RIM, 255)
        return (*CYLINDER, 255)
    return (*BACKGROUND, 255)


def png(width: int, height: int, rows: list[bytes]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    raw = b"".join(b"\x00" + row for row in rows)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def main() -> None:
    rows = [b"".join(bytes(pixel(x + 0.5, y + 0.5)) for x in range(SIZE)) for y in range(SIZE)]
    target = Path(__file__).resolve().parent.parent / "images" / "icon.png"
    target.write_bytes(png(SIZE, SIZE, rows))
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
