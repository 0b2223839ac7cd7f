"""A VBA project (``vbaProject.bin``) built from module source, per [MS-OVBA].

Streams written: ``PROJECT`` (text properties), ``PROJECTwm`` (module names),
``VBA/_VBA_PROJECT`` (the version-independent 7-byte header: no compiled p-code, so Office
compiles the modules from source on first use), ``VBA/dir`` (the compressed project
information, references and module records) and one compressed stream per module whose
``MODULEOFFSET`` is 0 (no performance cache).

Module text is stored as the VBA editor exports it, with ``Attribute VB_…`` lines first and CRLF
line ends. Sources must be representable in the project code page; the project's own modules are
kept ASCII (Vietnamese text is built with ``ChrW``, see :mod:`cchc_xl.workbook.vba.text`).
"""

from __future__ import annotations

import re
import struct
import uuid
from dataclasses import dataclass

from cchc_xl.workbook.vba import cfb
from cchc_xl.workbook.vba.compression import compress, decompress

CODEPAGE = 1252
LCID = 0x0409
DOC_BASES = {
    "workbook": "0{00020819-0000-0000-C000-000000000046}",
    "worksheet": "0{00020820-0000-0000-C000-000000000046}",
}
CLASS_BASE = "0{FCFB3D2A-A0FA-1068-A738-08002B3371B5}"
STDOLE = ("stdole", "*\\G{00020430-0000-0000-C000-000000000046}#2.0#0#"
                    "C:\\Windows\\System32\\stdole2.tlb#OLE Automation")
OFFICE = ("Office", "*\\G{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}#2.0#0#"
                   "C:\\Program Files\\Common Files\\Microsoft Shared\\OFFICE16\\MSO.DLL#"
                   "Microsoft Office 16.0 Object Library")
HOST_EXTENDER = "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000"


class VbaError(Exception):
    """A module cannot go into a VBA project (message in Vietnamese)."""


@dataclass
class Module:
    name: str
    kind: str  # "standard" | "class" | "document"
    source: str  # the stored text: Attribute lines first, CRLF line ends

    @property
    def stream_bytes(self) -> bytes:
        try:
            return self.source.encode(f"cp{CODEPAGE}")
        except UnicodeEncodeError as exc:
            raise VbaError(f"Mô-đun VBA {self.name} có ký tự ngoài bảng mã {CODEPAGE} "
                           f"(vị trí {exc.start}); hãy dùng ChrW() cho chữ tiếng Việt") from None


def crlf(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.endswith("\n"):
        text += "\n"
    return text.replace("\n", "\r\n")


_NAME = re.compile(r'^Attribute VB_Name = "([A-Za-z][A-Za-z0-9_]{0,30})"\s*$', re.M)


def standard_module(text: str) -> Module:
    """A standard module from a ``.bas`` file (its first line names it)."""
    text = crlf(text.lstrip("\ufeff"))
    m = _NAME.match(text)
    if not m:
        raise VbaError("Tệp .bas phải bắt đầu bằng dòng Attribute VB_Name = \"Tên\"")
    return Module(m.group(1), "standard", text)


def class_module(text: str) -> Module:
    """A class module from an exported ``.cls`` file, in the form Office stores it.

    The export's ``VERSION 1.0 CLASS … END`` block is not part of the stored text; the stored
    attribute block adds ``VB_Base``, ``VB_TemplateDerived`` and ``VB_Customizable``.
    """
    lines = crlf(text.lstrip("\ufeff")).split("\r\n")
    if lines and lines[0].startswith("VERSION"):
        end = next(i for i, line in enumerate(lines) if line.strip() == "END")
        lines = lines[end + 1:]
    attrs, rest = [], []
    for i, line in enumerate(lines):
        if line.startswith("Attribute VB_"):
            attrs.append(line)
        else:
            rest = lines[i:]
            break
    byname = {a.split("=", 1)[0].strip(): a for a in attrs}
    m = _NAME.match(byname.get("Attribute VB_Name", ""))
    if not m:
        raise VbaError("Tệp .cls thiếu dòng Attribute VB_Name")
    order = ["Attribute VB_Name", "Attribute VB_Base", "Attribute VB_GlobalNameSpace", "Attribute VB_Creatable",
             "Attribute VB_PredeclaredId", "Attribute VB_Exposed", "Attribute VB_TemplateDerived",
             "Attribute VB_Customizable"]
    byname.setdefault("Attribute VB_Base", f'Attribute VB_Base = "{CLASS_BASE}"')
    byname.setdefault("Attribute VB_TemplateDerived", "Attribute VB_TemplateDerived = False")
    byname.setdefault("Attribute VB_Customizable", "Attribute VB_Customizable = False")
    head = [byname.pop(k) for k in order if k in byname]
    head += list(byname.values())
    return Module(m.group(1), "class", "\r\n".join(head + rest))


def document_module(name: str, base: str) -> Module:
    """The (empty) code module behind ThisWorkbook or one worksheet."""
    lines = [f'Attribute VB_Name = "{name}"', f'Attribute VB_Base = "{DOC_BASES[base]}"',
             "Attribute VB_GlobalNameSpace = False", "Attribute VB_Creatable = False",
             "Attribute VB_PredeclaredId = True", "Attribute VB_Exposed = True",
             "Attribute VB_TemplateDerived = False", "Attribute VB_Customizable = True"]
    return Module(name, "document", "\r\n".join(lines) + "\r\n")


# ---- [MS-OVBA] 2.4.3 data encryption (CMG, DPB, GC) --------------------------------------

def encrypt(data: bytes, project_id: str, seed: int = 0x47) -> str:
    key = sum(project_id.encode("ascii")) & 0xFF
    version = 2
    out = bytearray([seed, seed ^ version, seed ^ key])
    unenc1, enc1, enc2 = key, seed ^ key, seed ^ version

    def put(byte: int):
        nonlocal unenc1, enc1, enc2
        enc = byte ^ ((enc2 + unenc1) & 0xFF)
        out.append(enc)
        enc2, enc1, unenc1 = enc1, enc, byte

    for _ in range((seed & 6) // 2):
        put(0)
    for b in struct.pack("<I", len(data)) + data:
        put(b)
    return out.hex().upper()


def decrypt(text: str) -> bytes:
    raw = bytes.fromhex(text)
    seed, version_enc, key_enc = raw[0], raw[1], raw[2]
    key = seed ^ key_enc
    unenc1, enc1, enc2 = key, key_enc, version_enc
    plain = bytearray()
    for enc in raw[3:]:
        byte = enc ^ ((enc2 + unenc1) & 0xFF)
        plain.append(byte)
        enc2, enc1, unenc1 = enc1, enc, byte
    ignored = (seed & 6) // 2
    length = struct.unpack_from("<I", plain, ignored)[0]
    return bytes(plain[ignored + 4:ignored + 4 + length])


# ---- streams --------------------------------------------------------------------------------

def _rec(rid: int, payload: bytes) -> bytes:
    return struct.pack("<HI", rid, len(payload)) + payload


def _mbcs(s: str) -> bytes:
    return s.encode(f"cp{CODEPAGE}")


def _utf16(s: str) -> bytes:
    return s.encode("utf-16-le")


def _dir_stream(modules: list[Module], project_name: str, references: list[tuple[str, str]]) -> bytes:
    d = bytearray()
    d += _rec(0x0001, struct.pack("<I", 1))  # SysKind: 32-bit Windows
    d += _rec(0x0002, struct.pack("<I", LCID))
    d += _rec(0x0014, struct.pack("<I", LCID))
    d += _rec(0x0003, struct.pack("<H", CODEPAGE))
    d += _rec(0x0004, _mbcs(project_name))
    d += _rec(0x0005, b"") + _rec(0x0040, b"")  # doc string
    d += _rec(0x0006, b"") + _rec(0x003D, b"")  # help file
    d += _rec(0x0007, struct.pack("<I", 0))
    d += _rec(0x0008, struct.pack("<I", 0))
    d += struct.pack("<HIIH", 0x0009, 4, 1, 0)  # PROJECTVERSION: reserved size 4, major 1, minor 0
    d += _rec(0x000C, b"") + _rec(0x003C, b"")  # constants
    for name, libid in references:
        d += _rec(0x0016, _mbcs(name)) + _rec(0x003E, _utf16(name))
        lib = _mbcs(libid)
        d += _rec(0x000D, struct.pack("<I", len(lib)) + lib + struct.pack("<IH", 0, 0))
    d += _rec(0x000F, struct.pack("<H", len(modules)))
    d += _rec(0x0013, struct.pack("<H", 0xFFFF))
    for m in modules:
        d += _rec(0x0019, _mbcs(m.name)) + _rec(0x0047, _utf16(m.name))
        d += _rec(0x001A, _mbcs(m.name)) + _rec(0x0032, _utf16(m.name))
        d += _rec(0x001C, b"") + _rec(0x0048, b"")
        d += _rec(0x0031, struct.pack("<I", 0))  # source starts at 0: no p-code
        d += _rec(0x001E, struct.pack("<I", 0))
        d += _rec(0x002C, struct.pack("<H", 0xFFFF))
        d += _rec(0x0021 if m.kind == "standard" else 0x0022, b"")
        d += _rec(0x002B, b"")
    d += _rec(0x0010, b"")
    return bytes(d)


def _project_stream(modules: list[Module], project_name: str, project_id: str) -> bytes:
    lines = [f'ID="{project_id}"']
    for m in modules:
        if m.kind == "document":
            lines.append(f"Document={m.name}/&H00000000")
        elif m.kind == "class":
            lines.append(f"Class={m.name}")
        else:
            lines.append(f"Module={m.name}")
    lines += [f'Name="{project_name}"', 'HelpContextID="0"', 'VersionCompatible32="393222000"',
              f'CMG="{encrypt(struct.pack("<I", 0), project_id, 0x47)}"',
              f'DPB="{encrypt(bytes([0]), project_id, 0x45)}"',
              f'GC="{encrypt(bytes([0xFF]), project_id, 0x43)}"',
              "", "[Host Extender Info]", HOST_EXTENDER, "", "[Workspace]"]
    lines += [f"{m.name}=0, 0, 0, 0, C" for m in modules]
    return _mbcs("\r\n".join(lines) + "\r\n")


def _projectwm(modules: list[Module]) -> bytes:
    out = bytearray()
    for m in modules:
        out += _mbcs(m.name) + b"\x00" + _utf16(m.name) + b"\x00\x00"
    return bytes(out + b"\x00\x00")


def build_vba_project(modules: list[Module], project_name: str = "VBAProject",
                      project_id: str | None = None, references: list[tuple[str, str]] | None = None) -> bytes:
    """The bytes of a ``vbaProject.bin`` holding ``modules`` (document modules first).

    ``references``: (name, LibidRegistered) pairs; by default only OLE Automation (stdole), so
    the project compiles on any Office version. The add-in adds the Office library for
    ``IRibbonControl``.
    """
    references = [STDOLE] if references is None else references
    names = [m.name.lower() for m in modules]
    if len(set(names)) != len(names):
        raise VbaError("Hai mô-đun VBA trùng tên")
    if project_id is None:
        # reproducible: the same modules give the same project ID
        project_id = "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, "cchc-xl:" + ",".join(names))).upper() + "}"
    streams = [cfb.Stream("_VBA_PROJECT", bytes([0xCC, 0x61, 0xFF, 0xFF, 0x00, 0x01, 0x00])),
               cfb.Stream("dir", compress(_dir_stream(modules, project_name, references)))]
    streams += [cfb.Stream(m.name, compress(m.stream_bytes)) for m in modules]
    root = cfb.Storage("", [cfb.Stream("PROJECT", _project_stream(modules, project_name, project_id)),
                            cfb.Stream("PROJECTwm", _projectwm(modules)),
                            cfb.Storage("VBA", streams)])
    return cfb.write(root)


def read_vba_modules(data: bytes) -> dict[str, str]:
    """Module name → stored source of a ``vbaProject.bin`` (for checks and staleness tests)."""
    import io

    import olefile

    ole = olefile.OleFileIO(io.BytesIO(data))
    try:
        d = decompress(ole.openstream("VBA/dir").read())
        pos, out, name, offset, codepage = 0, {}, None, 0, CODEPAGE
        while pos < len(d):
            rid, size = struct.unpack_from("<HI", d, pos)
            if rid == 0x0009:
                pos += 12
                continue
            body = d[pos + 6:pos + 6 + size]
            pos += 6 + size
            if rid == 0x0003:
                codepage = struct.unpack("<H", body)[0]
            elif rid == 0x001A:
                name = body.decode(f"cp{codepage}")
            elif rid == 0x0031:
                offset = struct.unpack("<I", body)[0]
            elif rid == 0x002B and name:
                raw = ole.openstream(f"VBA/{name}").read()
                out[name] = decompress(raw[offset:]).decode(f"cp{codepage}")
                name = None
        return out
    finally:
        ole.close()
