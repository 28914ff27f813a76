"""Which files the desk keeps: a size limit per file, an allowlist of content types, and the
bytes must be what the declared type says (magic numbers), so a renamed executable or a
script dressed as a PDF is refused. Executables are refused whatever they claim to be."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Content type -> how its bytes begin (None: text, checked differently).
_MAGIC: dict[str, tuple[bytes, ...] | None] = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),  # and "WEBP" at offset 8, checked below
    "application/pdf": (b"%PDF-",),
    "application/zip": (b"PK\x03\x04", b"PK\x05\x06"),
    # Office Open XML and OpenDocument files are zip archives.
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (b"PK\x03\x04",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (b"PK\x03\x04",),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (b"PK\x03\x04",),
    "application/vnd.oasis.opendocument.text": (b"PK\x03\x04",),
    "application/vnd.oasis.opendocument.spreadsheet": (b"PK\x03\x04",),
    # Legacy Office files are OLE compound documents.
    "application/msword": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    "application/vnd.ms-excel": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    "text/plain": None,
    "text/csv": None,
    "text/calendar": None,
    "message/rfc822": None,
}
ALLOWED_TYPES = frozenset(_MAGIC)
# A declared type that says nothing: the bytes decide.
_GENERIC = {"application/octet-stream", "binary/octet-stream", "application/x-download", "application/unknown", ""}
_EXECUTABLE_MAGIC = (
    (b"MZ", "a Windows executable"),
    (b"\x7fELF", "an ELF executable"),
    (b"\xfe\xed\xfa\xce", "a Mach-O executable"), (b"\xfe\xed\xfa\xcf", "a Mach-O executable"),
    (b"\xce\xfa\xed\xfe", "a Mach-O executable"), (b"\xcf\xfa\xed\xfe", "a Mach-O executable"),
    (b"\xca\xfe\xba\xbe", "a Mach-O or Java class file"),
    (b"#!", "a script"),
)
_EXECUTABLE_EXTENSIONS = {
    "exe", "dll", "com", "scr", "msi", "msp", "bat", "cmd", "pif", "cpl", "vbs", "vbe", "js", "jse", "wsf", "wsh",
    "ps1", "psm1", "sh", "bash", "jar", "app", "lnk", "hta", "reg", "so", "dylib", "elf", "bin", "run", "apk",
}
_SNIFF_ORDER = ("image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf",
                "application/msword", "application/zip")


@dataclass(frozen=True)
class Accepted:
    filename: str
    content_type: str


@dataclass(frozen=True)
class Refused:
    filename: str
    reason: str


def sanitise_filename(name: str | None, fallback: str = "attachment") -> str:
    """The last path part, without control characters, at most 200 characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    name = name.strip().strip(".").strip()
    if not name:
        return fallback
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 200 - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 else name[:200]
    return name


def sniff(data: bytes) -> str | None:
    """The allowed type the bytes are, if they are one."""
    for ctype in _SNIFF_ORDER:
        if _matches(ctype, data):
            return ctype
    return None


def _matches(ctype: str, data: bytes) -> bool:
    magic = _MAGIC[ctype]
    if magic is None:
        return _looks_like_text(data)
    if not data.startswith(magic):
        return False
    return ctype != "image/webp" or data[8:12] == b"WEBP"


def _looks_like_text(data: bytes) -> bool:
    if b"\x00" in data[:8192]:
        return False
    try:
        data[:8192].decode("utf-8")
    except UnicodeDecodeError as err:
        if err.start < 8188:  # not just a character cut at the sample's end
            try:
                data[:8192].decode("latin-1")
            except UnicodeDecodeError:
                return False
            # Latin-1 decodes anything; accept it only without C0 controls other than whitespace.
            return not re.search(rb"[\x01-\x08\x0b\x0e-\x1f]", data[:8192])
    return True


def executable_kind(filename: str, data: bytes) -> str | None:
    for magic, kind in _EXECUTABLE_MAGIC:
        if data.startswith(magic):
            return kind
    ext = filename.rpartition(".")[2].lower() if "." in filename else ""
    if ext in _EXECUTABLE_EXTENSIONS:
        return f"a .{ext} file"
    return None


def check_attachment(filename: str | None, declared_type: str | None, data: bytes, max_bytes: int) -> Accepted | Refused:
    """Keep the file, with the content type it will be served as, or say why not."""
    name = sanitise_filename(filename)
    declared = (declared_type or "").split(";")[0].strip().lower()
    if len(data) > max_bytes:
        return Refused(name, f"too large: {len(data)} bytes, the limit is {max_bytes} bytes")
    if not data:
        return Refused(name, "empty file")
    kind = executable_kind(name, data)
    if kind is not None:
        return Refused(name, f"executable files are not accepted ({kind})")
    if declared in _GENERIC:
        sniffed = sniff(data)
        if sniffed is None:
            if _looks_like_text(data) and name.lower().endswith((".txt", ".log", ".csv")):
                sniffed = "text/csv" if name.lower().endswith(".csv") else "text/plain"
            else:
                return Refused(name, "unknown file type: not one of the accepted types")
        return Accepted(name, sniffed)
    if declared not in ALLOWED_TYPES:
        return Refused(name, f"content type {declared} is not accepted")
    if not _matches(declared, data):
        actual = sniff(data)
        what = f"the bytes are {actual}" if actual else "the bytes do not match it"
        return Refused(name, f"declared as {declared} but {what}")
    return Accepted(name, declared)
