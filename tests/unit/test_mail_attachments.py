"""Attachment validation: size, allowlist, bytes matching the declared type, no executables."""

from __future__ import annotations

import pytest

from api.inbound.mail.attachments import Accepted, Refused, check_attachment, sanitise_filename, sniff

PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489")
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 50
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 50
DOCX = b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 30
LIMIT = 1024


@pytest.mark.parametrize("name, declared, data, kept_as", [
    ("shot.png", "image/png", PNG, "image/png"),
    ("report.pdf", "application/pdf", PDF, "application/pdf"),
    ("report.pdf", "application/octet-stream", PDF, "application/pdf"),  # the bytes decide a generic type
    ("notes.txt", "text/plain; charset=utf-8", "Grüße\n".encode(), "text/plain"),
    ("notes.txt", "application/octet-stream", b"plain words\n", "text/plain"),
    ("data.csv", "text/csv", b"a,b\n1,2\n", "text/csv"),
    ("spec.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", DOCX,
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("photo.jpg", "IMAGE/JPEG", b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
    ("anim.webp", "image/webp", b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
])
def test_accepted(name, declared, data, kept_as):
    assert check_attachment(name, declared, data, LIMIT) == Accepted(name, kept_as)


@pytest.mark.parametrize("name, declared, data, words", [
    ("setup.exe", "application/x-msdownload", EXE, "executable files are not accepted (a Windows executable)"),
    ("invoice.pdf", "application/pdf", EXE, "executable files are not accepted (a Windows executable)"),  # renamed .exe
    ("tool", "application/octet-stream", ELF, "an ELF executable"),
    ("run.sh", "text/plain", b"#!/bin/sh\nrm -rf /\n", "a script"),
    ("hello.js", "text/plain", b"alert(1)", "a .js file"),
    ("big.png", "image/png", PNG + b"\x00" * LIMIT, "too large"),
    ("page.html", "text/html", b"<script>alert(1)</script>", "content type text/html is not accepted"),
    ("fake.pdf", "application/pdf", PNG, "declared as application/pdf but the bytes are image/png"),
    ("fake.png", "image/png", b"just some text", "declared as image/png but the bytes do not match it"),
    ("binary.txt", "text/plain", PNG, "declared as text/plain but the bytes are image/png"),
    ("blob", "application/octet-stream", b"\x00\x01\x02\x03", "unknown file type"),
    ("empty.txt", "text/plain", b"", "empty file"),
])
def test_refused(name, declared, data, words):
    verdict = check_attachment(name, declared, data, LIMIT)
    assert isinstance(verdict, Refused) and words in verdict.reason, verdict


def test_limit_is_inclusive():
    data = PNG + b"\x00" * (LIMIT - len(PNG))
    assert isinstance(check_attachment("x.png", "image/png", data, LIMIT), Accepted)
    assert isinstance(check_attachment("x.png", "image/png", data + b"\x00", LIMIT), Refused)


@pytest.mark.parametrize("raw, clean", [
    ("../../etc/passwd", "passwd"),
    ("C:\\Users\\dana\\shot.png", "shot.png"),
    ("evil\x00name\r\n.pdf", "evilname.pdf"),
    ("\u202egnp.exe", "gnp.exe"),  # right-to-left override is a control (format) character
    ("", "attachment"),
    (None, "attachment"),
    ("...", "attachment"),
    ("a" * 300 + ".pdf", "a" * 196 + ".pdf"),
])
def test_filenames_are_sanitised(raw, clean):
    assert sanitise_filename(raw) == clean


def test_sniff():
    assert (sniff(PNG), sniff(PDF), sniff(DOCX), sniff(b"hello")) == ("image/png", "application/pdf", "application/zip", None)
