"""The MS-OVBA compression (a small LZ77 variant, [MS-OVBA] 2.4.1) used for VBA source streams.

A compressed container is a signature byte (0x01) followed by chunks, each holding at most 4096
bytes of input: a 2-byte header, then token sequences (one flag byte, up to eight tokens; a token
is a literal byte or a 2-byte copy token pointing back into the chunk already decompressed).
The output differs byte for byte from Office's own (several valid encodings exist), but any
conforming reader decompresses it to the same text; ``decompress`` is here to prove that.
"""

from __future__ import annotations

import struct
from functools import lru_cache

CHUNK = 4096
_MAX_CANDIDATES = 96


def _bit_count(difference: int) -> int:
    """Bits of a copy token used for the offset, given the position inside the chunk."""
    bits = max((difference - 1).bit_length(), 4)
    return bits


def _compress_chunk(data: bytes) -> bytes:
    out = bytearray()
    pos = 0
    end = len(data)
    heads: dict[bytes, list[int]] = {}
    while pos < end:
        flag_at = len(out)
        out.append(0)
        flags = 0
        for bit in range(8):
            if pos >= end:
                break
            best_len, best_off = 0, 0
            if pos > 0 and pos + 3 <= end:
                bits = _bit_count(pos)
                max_len = min((0xFFFF >> bits) + 3, end - pos)
                for cand in reversed(heads.get(data[pos:pos + 3], [])[-_MAX_CANDIDATES:]):
                    length = 3
                    while length < max_len and data[cand + length] == data[pos + length]:
                        length += 1
                    if length > best_len:
                        best_len, best_off = length, pos - cand
                        if length == max_len:
                            break
            if best_len >= 3:
                bits = _bit_count(pos)
                token = ((best_off - 1) << (16 - bits)) | (best_len - 3)
                out += struct.pack("<H", token)
                flags |= 1 << bit
                step = best_len
            else:
                out.append(data[pos])
                step = 1
            for p in range(pos, min(pos + step, end - 2)):
                heads.setdefault(data[p:p + 3], []).append(p)
            pos += step
        out[flag_at] = flags
    return bytes(out)


@lru_cache(maxsize=128)
def compress(data: bytes) -> bytes:
    """A CompressedContainer holding ``data`` (remembered: every agency workbook written in a
    process — ``distribute``, the demo — carries the same VBA modules)."""
    out = bytearray(b"\x01")
    for start in range(0, len(data), CHUNK):
        chunk = data[start:start + CHUNK]
        body = _compress_chunk(chunk)
        if len(body) > CHUNK:
            if len(chunk) < CHUNK:
                raise ValueError("khối cuối không nén được (dữ liệu không phải văn bản?)")
            out += struct.pack("<H", (CHUNK + 2 - 3) | (0b011 << 12))  # raw chunk, flag 0
            out += chunk
            continue
        out += struct.pack("<H", (len(body) + 2 - 3) | (0b011 << 12) | (1 << 15))
        out += body
    return bytes(out)


def decompress(data: bytes) -> bytes:
    """The inverse of :func:`compress` (and of Office's compressor)."""
    if not data or data[0] != 1:
        raise ValueError("thiếu byte chữ ký 0x01 của vùng nén MS-OVBA")
    out = bytearray()
    pos = 1
    while pos < len(data):
        header = struct.unpack_from("<H", data, pos)[0]
        size = (header & 0x0FFF) + 3
        if (header >> 12) & 0b111 != 0b011:
            raise ValueError("chữ ký khối nén MS-OVBA sai")
        compressed = header >> 15
        end = min(pos + size, len(data))
        pos += 2
        chunk_start = len(out)
        if not compressed:
            out += data[pos:pos + CHUNK]
            pos += CHUNK
            continue
        while pos < end:
            flags = data[pos]
            pos += 1
            for bit in range(8):
                if pos >= end:
                    break
                if flags & (1 << bit):
                    token = struct.unpack_from("<H", data, pos)[0]
                    pos += 2
                    bits = _bit_count(len(out) - chunk_start)
                    length = (token & (0xFFFF >> bits)) + 3
                    offset = (token >> (16 - bits)) + 1
                    src = len(out) - offset
                    for k in range(length):
                        out.append(out[src + k])
                else:
                    out.append(data[pos])
                    pos += 1
    return bytes(out)
