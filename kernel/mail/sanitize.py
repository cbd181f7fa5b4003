"""Mail bodies: HTML through an allowlist sanitiser (nh3, the maintained one), plain text to and from HTML."""
from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import nh3

ALLOWED_TAGS = {
    "a", "b", "blockquote", "br", "code", "div", "em", "h1", "h2", "h3", "h4", "hr", "i", "li", "ol", "p", "pre",
    "s", "span", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "u", "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}
URL_SCHEMES = {"http", "https", "mailto"}


def clean_html(markup: str) -> str:
    """Keep formatting, drop everything that runs or loads (scripts, handlers, styles, images, frames)."""
    return nh3.clean(markup or "", tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
                     link_rel="noopener noreferrer", strip_comments=True).strip()


def text_to_html(text: str) -> str:
    paragraphs = re.split(r"\n\s*\n", (text or "").strip())
    return "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs if p.strip())


_BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "blockquote", "pre", "hr", "table", "ul", "ol"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _BLOCKS:
            self.parts.append("\n")
        if tag == "li":
            self.parts.append("- ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(markup: str) -> str:
    """A readable text/plain alternative of a sanitised HTML body."""
    parser = _TextExtractor()
    parser.feed(markup or "")
    parser.close()
    text = re.sub(r"[ \t]+\n", "\n", "".join(parser.parts))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def looks_like_html(text: str) -> bool:
    return bool(re.search(r"<(p|br|div|b|strong|i|em|u|ul|ol|li|a|span|h[1-4]|blockquote|table)\b", text or "", re.I))
