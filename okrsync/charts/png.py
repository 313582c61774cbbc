"""A chart's pixels as a PNG file: deterministic, quick to write.

The chart is drawn on an opaque white figure, so its RGBA pixels are written as RGB (8 bits
per channel, no alpha). Every row uses PNG's filter 0 ("None") and the data are compressed
with zlib at `COMPRESSION`: a chart is a few flat colours with long runs of the same pixel,
which zlib's fastest level compresses about as well as the per-row filter choice and the
default level of a general encoder (matplotlib's `savefig`, through Pillow), at a fraction of
its time (BENCHMARKS.md 7.2). The file has only the IHDR, IDAT and IEND chunks: no
timestamp, no software name, so the same pixels give the same bytes.
"""

from __future__ import annotations

import struct
import zlib
from typing import Final

import numpy as np

SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"
COMPRESSION: Final = 1
"""zlib's level (1 fastest .. 9 smallest)."""
_RGB: Final = 2
"""IHDR colour type: truecolour, no alpha."""


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_of_rgba(rgba: memoryview | bytes, size: tuple[int, int]) -> bytes:
    """The PNG of `size` (width, height) pixels given as RGBA bytes, row by row from the top;
    the alpha channel is dropped (the pixels must be opaque)."""
    width, height = size
    pixels = np.frombuffer(rgba, dtype=np.uint8).reshape(height, width, 4)
    rows = np.empty((height, 1 + 3 * width), dtype=np.uint8)
    rows[:, 0] = 0  # each row: its filter (0, "None"), then its pixels' RGB
    rows[:, 1:].reshape(height, width, 3)[...] = pixels[:, :, :3]
    header = struct.pack(">IIBBBBB", width, height, 8, _RGB, 0, 0, 0)
    return (
        SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows.data, COMPRESSION))
        + _chunk(b"IEND", b"")
    )
