"""A raw RFC 5322 message -> `ParsedMail`, a plain dataclass the rest of the desk reads.

The stdlib `email` package with `policy.default` does the decoding (encoded words, RFC 2231
filenames, transfer encodings). What it only records as a defect and we cannot use — no
From, no address in it, a multipart without its boundary, nothing in it — is a `MalformedMail`
naming the problem.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from email import errors as email_errors
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses
from html.parser import HTMLParser


class MalformedMail(ValueError):
    """A message the desk cannot take in; `field` says which part of it is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class RawAttachment:
    filename: str  # as the sender named it (sanitised later)
    content_type: str  # as declared
    data: bytes


@dataclass(frozen=True)
class ParsedMail:
    from_address: str  # lower-cased
    from_name: str
    subject: str
    text: str  # the readable body: text/plain, or the HTML made readable
    html: str | None
    message_id: str | None  # as in the header
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    attachments: list[RawAttachment] = field(default_factory=list)
    # The headers loop protection looks at, lower-cased names -> values (first occurrence).
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "text/plain"  # of the whole message
    report_type: str | None = None  # multipart/report's report-type parameter


LOOP_HEADERS = ("auto-submitted", "precedence", "x-autoreply", "x-autorespond", "x-auto-response-suppress",
                "return-path", "list-id", "x-loop", "x-failed-recipients")
_MSGID = re.compile(r"<[^<>\s]+>")
_BOUNDARY_DEFECTS = (email_errors.NoBoundaryInMultipartDefect, email_errors.StartBoundaryNotFoundDefect,
                     email_errors.MultipartInvariantViolationDefect)


def parse_mail(raw: bytes) -> ParsedMail:
    if not raw.strip():
        raise MalformedMail("body", "the message is empty")
    try:
        msg = BytesParser(policy=policy.default).parsebytes(raw)
    except Exception as err:  # the parser is lenient; anything it still raises is undecodable
        raise MalformedMail("body", f"undecodable message structure: {err}") from err
    assert isinstance(msg, EmailMessage)
    try:
        return _read(msg)
    except MalformedMail:
        raise
    except Exception as err:  # a header or part the stdlib cannot decode
        raise MalformedMail("body", f"undecodable message structure: {type(err).__name__}: {err}") from err


def _read(msg: EmailMessage) -> ParsedMail:
    if msg.defects and any(isinstance(d, _BOUNDARY_DEFECTS) for d in msg.defects):
        raise MalformedMail("body", "undecodable MIME structure: a multipart message without its boundary")
    if not any(k.lower() == "from" for k in msg.keys()):
        raise MalformedMail("header From", "no From header")
    address, name = _sender(msg)
    subject = _header(msg, "subject")
    subject = " ".join(subject.split())
    text_part, html_part = _body_parts(msg)
    html_body = _content(html_part) if html_part is not None else None
    if text_part is not None:
        text = _content(text_part)
    elif html_body is not None:
        text = html_to_text(html_body)
    else:
        text = ""
    text = _tidy(text)
    body_parts = {id(p) for p in (text_part, html_part) if p is not None}
    attachments = [a for a in _attachments(msg, body_parts)]
    if not text and not attachments:
        raise MalformedMail("body", "the message has no text and no attachments")
    return ParsedMail(
        from_address=address, from_name=name, subject=subject, text=text, html=html_body,
        message_id=_first_msgid(_header(msg, "message-id")),
        in_reply_to=_MSGID.findall(_header(msg, "in-reply-to")),
        references=_MSGID.findall(_header(msg, "references")),
        attachments=attachments,
        headers={h: _header(msg, h) for h in LOOP_HEADERS if msg.get(h) is not None},
        content_type=msg.get_content_type(),
        report_type=(msg.get_param("report-type") or None) if msg.get_content_type() == "multipart/report" else None,
    )


def _header(msg: EmailMessage, name: str) -> str:
    value = msg.get(name)
    return "" if value is None else str(value).strip()


def _sender(msg: EmailMessage) -> tuple[str, str]:
    header = msg["from"]
    addresses = []
    try:
        addresses = [(a.display_name, a.addr_spec) for a in getattr(header, "addresses", ())]
    except Exception:
        addresses = []
    if not addresses:  # fall back to the older, more forgiving parser
        addresses = [(n, a) for n, a in getaddresses([str(header)]) if a]
    for name, addr in addresses:
        addr = (addr or "").strip()
        local, at, domain = addr.rpartition("@")
        if at and local and domain and not any(c.isspace() for c in addr) and "<" not in addr:
            return addr.lower(), " ".join((name or "").split())
    raise MalformedMail("header From", f"no parsable address in From: {str(header)[:200]!r}")


def _first_msgid(value: str) -> str | None:
    found = _MSGID.findall(value)
    return found[0] if found else None


def _body_parts(msg: EmailMessage) -> tuple[EmailMessage | None, EmailMessage | None]:
    if msg.get_content_maintype() == "multipart" and msg.get_content_subtype() == "report":
        # A delivery report: its first part is the human-readable text.
        first = next(iter(msg.iter_parts()), None)
        return (first if first is not None and first.get_content_maintype() == "text" else None), None
    text = msg.get_body(preferencelist=("plain",))
    html_part = msg.get_body(preferencelist=("html",))
    if text is not None and _is_attachment(text):
        text = None
    if html_part is not None and _is_attachment(html_part):
        html_part = None
    return text, html_part  # type: ignore[return-value]  # get_body returns Message; parsed with the default policy it is an EmailMessage


def _is_attachment(part: EmailMessage) -> bool:
    return part.get_content_disposition() == "attachment"


def _content(part: EmailMessage) -> str:
    try:
        content = part.get_content()
    except (LookupError, UnicodeError):  # an unknown charset: take the bytes as UTF-8, replacing
        content = (part.get_payload(decode=True) or b"").decode("utf-8", errors="replace")
    if isinstance(content, bytes):
        content = content.decode("utf-8", errors="replace")
    return str(content)


def _attachments(msg: EmailMessage, body_parts: set[int]) -> list[RawAttachment]:
    found: list[RawAttachment] = []

    def visit(part: EmailMessage) -> None:
        if id(part) in body_parts:
            return
        ctype = part.get_content_type()
        if part.get_content_maintype() == "multipart":
            for sub in part.iter_parts():
                visit(sub)  # type: ignore[arg-type]  # iter_parts yields Message; parsed with the default policy each is an EmailMessage
            return
        if ctype == "message/rfc822":  # a forwarded mail is one file, not parts of this one
            inner = part.get_payload()
            data = inner[0].as_bytes(policy=policy.SMTP) if isinstance(inner, list) and inner else (
                part.get_payload(decode=True) or b"")
            found.append(RawAttachment(part.get_filename() or "forwarded.eml", ctype, data))
            return
        filename = part.get_filename()
        if ctype in ("text/plain", "text/html") and not filename and not _is_attachment(part):
            return  # another alternative of the body, not a file
        if ctype.startswith("message/") and not filename:
            return  # e.g. message/delivery-status of a bounce
        data = part.get_payload(decode=True)
        if data is None:
            data = b""
        found.append(RawAttachment(filename or "", ctype, data))

    if msg.get_content_maintype() == "multipart":
        visit(msg)
    elif _is_attachment(msg) or msg.get_content_maintype() != "text":  # the only part is a file
        found.append(RawAttachment(msg.get_filename() or "", msg.get_content_type(), msg.get_payload(decode=True) or b""))
    return found


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    out = "\n".join(lines).strip()
    return re.sub(r"\n{3,}", "\n\n", out)


# --- HTML -> readable text ------------------------------------------------------------------

_BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "blockquote",
           "pre", "hr", "section", "article", "header", "footer"}
_SKIP = {"script", "style", "head", "title", "template", "noscript"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skipping += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")
        if tag == "li":
            self.parts.append("- ")
        if tag == "a":
            self.href = dict(attrs).get("href")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")
        if tag == "a" and self.href and self.href.startswith(("http://", "https://")):
            self.parts.append(f" ({self.href})")
            self.href = None

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(source: str) -> str:
    """Readable text from an HTML body: blocks become lines, scripts and styles vanish,
    entities are decoded, links keep their address."""
    parser = _TextExtractor()
    try:
        parser.feed(source)
        parser.close()
        text = "".join(parser.parts)
    except Exception:  # broken HTML: strip the tags crudely rather than lose the text
        text = html.unescape(re.sub(r"<[^>]*>", " ", source))
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# --- replies: what the customer wrote, without the quoted history ------------------------------

_QUOTE_HEADERS = (
    re.compile(r"^(On|Am|Le|El|Il|Op)\s.{0,300}(wrote|schrieb|a écrit|escribió|ha scritto|schreef)\b.{0,200}:\s*$", re.IGNORECASE),
    re.compile(r"^-{2,}\s*(Original Message|Ursprüngliche Nachricht|Message d'origine)\s*-{2,}\s*$", re.IGNORECASE),
    re.compile(r"^_{10,}\s*$"),  # Outlook's rule above "From: ... Sent: ..."
)


def reply_text(text: str) -> str:
    """A reply's own words: cut at the first "On ... wrote:" (also wrapped over two lines),
    "-----Original Message-----" or Outlook's rule, and drop trailing "> " quoted lines. The
    whole text when that would leave nothing."""
    lines = text.split("\n")
    cut = len(lines)
    for i, line in enumerate(lines):
        joined = f"{line} {lines[i + 1]}" if i + 1 < len(lines) else line
        if any(p.match(line.strip()) for p in _QUOTE_HEADERS) or (
                _QUOTE_HEADERS[0].match(joined.strip()) and not line.startswith(">")):
            cut = i
            break
    kept = lines[:cut]
    while kept and (not kept[-1].strip() or kept[-1].lstrip().startswith(">")):
        kept.pop()
    own = "\n".join(kept).strip()
    return own or text
