"""An article's Markdown as HTML, the one rendering every page and mail uses (the console, the
portal, the mails): markdown-it-py (CommonMark, with tables and strikethrough), then nh3 keeps
only the tags, attributes and link schemes below, so the same text renders the same everywhere.

`problems` names what the sanitiser would take out because it is dangerous (a script or other
active tag, an event handler, a javascript: or data: link, an image from elsewhere than our
files or https): the API refuses such a text instead of storing it quietly cleaned
(docs/knowledge-base.md). `plain` is the text alone, for search and for mails' plain parts."""

from __future__ import annotations

import functools
import html
import re
from html.parser import HTMLParser

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

TAGS = {"p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "s", "code", "pre", "blockquote",
        "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td", "kbd", "sup", "sub"}
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}, "code": {"class"},
              "th": {"style"}, "td": {"style"}}
LINK_SCHEMES = {"http", "https", "mailto"}
# Tags that run, load or submit something: refused, not quietly dropped.
ACTIVE_TAGS = {"script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "form", "input", "button",
               "textarea", "select", "link", "meta", "base", "svg", "math", "template", "noscript", "audio", "video"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "poster", "background", "srcset", "data"}
OWN_FILE = re.compile(r"^/kb/files/[1-9][0-9]{0,17}$")  # an article's file (api/kb/files.py)
_LANGUAGE = re.compile(r"^language-[A-Za-z0-9_+#-]{1,30}$")  # a fenced block's language
_ALIGN = re.compile(r"^text-align:\s*(left|right|center);?$")  # a table column's alignment
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):")


def _parser(check: bool) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    if check:  # see every link as written: markdown-it's own refusal would hide javascript: from the check
        md.validateLink = lambda url: True  # type: ignore[method-assign]  # markdown-it-py documents replacing it
    return md


@functools.cache
def _markdown(check: bool = False) -> MarkdownIt:
    return _parser(check)


def _scheme(url: str) -> str | None:
    """The scheme a browser would read (it ignores whitespace and control characters in it)."""
    cleaned = "".join(ch for ch in html.unescape(url) if ch > " ").lower()
    found = _SCHEME.match(cleaned)
    return found.group(1) if found else None


def image_allowed(src: str) -> bool:
    return bool(OWN_FILE.match(src.strip())) or _scheme(src) == "https"


def _keep(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src":
        return value if image_allowed(value) else None
    if tag == "code" and attribute == "class":
        return value if _LANGUAGE.match(value) else None
    if attribute == "style":
        return value if _ALIGN.match(value.strip()) else None
    return value


@functools.cache
def _cleaner() -> nh3.Cleaner:
    return nh3.Cleaner(tags=TAGS, attributes=ATTRIBUTES, attribute_filter=_keep, url_schemes=LINK_SCHEMES,
                       link_rel="noopener noreferrer nofollow")


def render(markdown: str) -> str:
    """Sanitised HTML of an article's Markdown."""
    return _cleaner().clean(_markdown().render(markdown))


def _link_problem(line: int, url: str) -> str | None:
    scheme = _scheme(url)
    if scheme is None or scheme in LINK_SCHEMES:
        return None
    return f"line {line}: a link to {scheme}: is not allowed (http, https, mailto or a path on this desk)"


def _image_problem(line: int, src: str) -> str | None:
    if image_allowed(src):
        return None
    shown = src if len(src) <= 60 else src[:57] + "..."
    return f"line {line}: the image {shown!r} is not allowed: only our own files (/kb/files/<id>) or https images"


class _Tags(HTMLParser):
    """The start tags of a piece of raw HTML, with their attributes (entities decoded)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


def _html_problems(line: int, fragment: str) -> list[str]:
    scan = _Tags()
    scan.feed(fragment)
    scan.close()
    out: list[str | None] = []
    for tag, attrs in scan.found:
        if tag in ACTIVE_TAGS:
            out.append(f"line {line}: <{tag}> is not allowed")
        for name, value in attrs:
            if name.startswith("on"):
                out.append(f"line {line}: the {name} attribute of <{tag}> (an event handler) is not allowed")
            elif name in URL_ATTRIBUTES and value is not None:
                out.append(_image_problem(line, value) if tag == "img" and name == "src" else _link_problem(line, value))
    return [p for p in out if p]


def problems(markdown: str) -> list[str]:
    """What in the text the sanitiser would refuse, each with its line; empty: it is fine."""
    out: list[str | None] = []

    def visit(tokens: list[Token], line: int) -> None:
        for tok in tokens:
            at = tok.map[0] + 1 if tok.map else line
            if tok.type == "link_open":
                out.append(_link_problem(at, str(tok.attrGet("href") or "")))
            elif tok.type == "image":
                out.append(_image_problem(at, str(tok.attrGet("src") or "")))
            elif tok.type in ("html_block", "html_inline"):
                out.extend(_html_problems(at, tok.content))
            if tok.children:
                visit(tok.children, at)

    visit(_markdown(check=True).parse(markdown), 1)
    return list(dict.fromkeys(p for p in out if p))


def _inline_text(children: list[Token]) -> str:
    parts = []
    for c in children:
        if c.type in ("text", "code_inline", "image"):  # an image's content is its alt text
            parts.append(c.content)
        elif c.type == "softbreak":
            parts.append(" ")
        elif c.type == "hardbreak":
            parts.append("\n")
    return "".join(parts)


def plain(markdown: str) -> str:
    """The text of an article without markup (no HTML, no Markdown): for search and mails."""
    parts = []
    for tok in _markdown().parse(markdown):
        if tok.type == "inline":
            parts.append(_inline_text(tok.children or []))
        elif tok.type in ("fence", "code_block"):
            parts.append(tok.content.rstrip("\n"))
        elif tok.type == "html_block":  # its text only (a script's or a style's text is dropped)
            parts.append(html.unescape(nh3.clean(tok.content, tags=set())).strip())
    return "\n".join(p for p in parts if p.strip())
