"""A minimal writer of Compound File Binary files ([MS-CFB], version 3, 512-byte sectors).

Enough for a ``vbaProject.bin``: nested storages and streams, the mini stream for streams under
4096 bytes, a FAT without DIFAT sectors (files up to about 7 MB), and each storage's children kept
in a valid red-black tree ordered the way [MS-CFB] 2.6.4 compares names (length first, then the
upper-cased UTF-16 code units). Timestamps and CLSIDs are zero, so the output is reproducible.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

SECTOR = 512
MINI_SECTOR = 64
MINI_CUTOFF = 4096
FREESECT = 0xFFFFFFFF
ENDOFCHAIN = 0xFFFFFFFE
FATSECT = 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF
_HEADER_DIFAT = 109
_RED, _BLACK = 0, 1


@dataclass
class Stream:
    name: str
    data: bytes


@dataclass
class Storage:
    name: str
    children: list = field(default_factory=list)  # Stream | Storage


@dataclass
class _Entry:
    name: str
    kind: int  # 1 storage, 2 stream, 5 root
    data: bytes = b""
    children: list = field(default_factory=list)  # indexes into the entry table
    left: int = NOSTREAM
    right: int = NOSTREAM
    child: int = NOSTREAM
    color: int = _BLACK
    start: int = ENDOFCHAIN
    size: int = 0


def _name_key(name: str):
    return (len(name), name.upper())


def _check_name(name: str) -> None:
    if not name or len(name) > 31 or any(ch in name for ch in "/\\:!"):
        raise ValueError(f"tên “{name}” không hợp lệ trong tệp CFB")


def _flatten(root: Storage) -> list[_Entry]:
    entries = [_Entry("Root Entry", 5)]

    def add(parent_idx: int, node) -> None:
        _check_name(node.name)
        idx = len(entries)
        if isinstance(node, Stream):
            entries.append(_Entry(node.name, 2, data=bytes(node.data)))
        else:
            entries.append(_Entry(node.name, 1))
            for ch in node.children:
                add(idx, ch)
        entries[parent_idx].children.append(idx)

    names = [c.name.upper() for c in root.children]
    if len(names) != len(set(names)):
        raise ValueError("tên trùng nhau trong cùng một thư mục CFB")
    for ch in root.children:
        add(0, ch)
    return entries


def _build_tree(entries: list[_Entry], idxs: list[int]) -> int:
    """Children of one storage as a red-black tree; returns the root's index."""
    if not idxs:
        return NOSTREAM
    order = sorted(idxs, key=lambda i: _name_key(entries[i].name))
    keys = [_name_key(entries[i].name) for i in order]
    if len(set(keys)) != len(keys):
        raise ValueError("tên trùng nhau trong cùng một thư mục CFB")
    depth: dict[int, int] = {}

    def build(lo: int, hi: int, d: int) -> int:
        if lo >= hi:
            return NOSTREAM
        mid = (lo + hi) // 2
        i = order[mid]
        depth[i] = d
        entries[i].left = build(lo, mid, d + 1)
        entries[i].right = build(mid + 1, hi, d + 1)
        return i

    top = build(0, len(order), 0)
    deepest = max(depth.values())
    perfect = len(order) == 2 ** (deepest + 1) - 1
    for i, d in depth.items():
        # Halving keeps every empty link at depth `deepest` or `deepest + 1`; colouring the
        # bottom row red (when it is not full) gives every path the same number of black nodes.
        entries[i].color = _RED if (d == deepest and deepest > 0 and not perfect) else _BLACK
    return top


def _chain(fat: list[int], first: int, count: int) -> None:
    for k in range(count):
        fat[first + k] = first + k + 1 if k < count - 1 else ENDOFCHAIN


def write(root: Storage) -> bytes:
    """The bytes of a compound file holding ``root``'s streams and storages."""
    entries = _flatten(root)
    for e in entries:
        if e.kind in (1, 5):
            e.child = _build_tree(entries, e.children)

    # mini stream: every stream shorter than the cutoff, each padded to 64 bytes
    mini = bytearray()
    minifat: list[int] = []
    for e in entries:
        if e.kind == 2 and 0 < len(e.data) < MINI_CUTOFF:
            n = -(-len(e.data) // MINI_SECTOR)
            e.start = len(minifat)
            e.size = len(e.data)
            minifat += [0] * n
            _chain(minifat, e.start, n)
            mini += e.data + b"\x00" * (n * MINI_SECTOR - len(e.data))
        elif e.kind == 2 and not e.data:
            e.start, e.size = ENDOFCHAIN, 0
    big = [e for e in entries if e.kind == 2 and len(e.data) >= MINI_CUTOFF]

    def sectors(nbytes: int) -> int:
        return -(-nbytes // SECTOR)

    n_dir = sectors(len(entries) * 128)
    n_minifat = sectors(len(minifat) * 4)
    n_mini = sectors(len(mini))
    n_big = sum(sectors(len(e.data)) for e in big)
    n_fat = 1
    while True:
        total = n_fat + n_dir + n_minifat + n_mini + n_big
        if sectors(total * 4) <= n_fat:
            break
        n_fat += 1
    if n_fat > _HEADER_DIFAT:
        raise ValueError("tệp CFB quá lớn cho bộ ghi tối giản (cần DIFAT)")
    fat = [FREESECT] * (n_fat * SECTOR // 4)
    pos = 0
    for k in range(n_fat):
        fat[pos + k] = FATSECT
    pos += n_fat
    dir_start = pos
    _chain(fat, pos, n_dir)
    pos += n_dir
    minifat_start = pos if n_minifat else ENDOFCHAIN
    _chain(fat, pos, n_minifat)
    pos += n_minifat
    root_entry = entries[0]
    root_entry.start = pos if n_mini else ENDOFCHAIN
    root_entry.size = len(mini)
    _chain(fat, pos, n_mini)
    pos += n_mini
    for e in big:
        n = sectors(len(e.data))
        e.start, e.size = pos, len(e.data)
        _chain(fat, pos, n)
        pos += n

    header = bytearray(SECTOR)
    header[0:8] = bytes.fromhex("D0CF11E0A1B11AE1")
    struct.pack_into("<HHHHH", header, 24, 0x003E, 0x0003, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 40, 0, n_fat, dir_start, 0, MINI_CUTOFF, minifat_start,
                     n_minifat, ENDOFCHAIN, 0)
    difat = list(range(n_fat)) + [FREESECT] * (_HEADER_DIFAT - n_fat)
    struct.pack_into(f"<{_HEADER_DIFAT}I", header, 76, *difat)

    body = bytearray()
    body += struct.pack(f"<{len(fat)}I", *fat)
    dir_bytes = bytearray()
    for e in entries:
        dir_bytes += _dir_entry(e)
    empty = _Entry("", 0, start=0)
    while len(dir_bytes) < n_dir * SECTOR:
        dir_bytes += _dir_entry(empty)
    body += dir_bytes
    if n_minifat:
        mf = minifat + [FREESECT] * (n_minifat * SECTOR // 4 - len(minifat))
        body += struct.pack(f"<{len(mf)}I", *mf)
    body += mini + b"\x00" * (n_mini * SECTOR - len(mini))
    for e in big:
        body += e.data + b"\x00" * (sectors(len(e.data)) * SECTOR - len(e.data))
    return bytes(header + body)


def _dir_entry(e: _Entry) -> bytes:
    raw = bytearray(128)
    if e.kind:
        name = e.name.encode("utf-16-le")
        raw[0:len(name)] = name
        struct.pack_into("<H", raw, 64, len(name) + 2)
    struct.pack_into("<BB", raw, 66, e.kind, e.color if e.kind else 0)
    struct.pack_into("<III", raw, 68, e.left, e.right, e.child)
    start = e.start if e.kind in (2, 5) else 0
    size = e.size if e.kind in (2, 5) else 0
    struct.pack_into("<IQ", raw, 116, start, size)
    return bytes(raw)
