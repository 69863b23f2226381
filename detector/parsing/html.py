"""HTML bodies to readable text, keeping the links and image sources for tool-trace signals."""

from __future__ import annotations

import re
from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser as HTMLParser

_BLOCK = ("p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote")
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANKS = re.compile(r"\n\s*\n\s*\n+")


@dataclass(frozen=True)
class RenderedHtml:
    text: str
    links: tuple[str, ...]


def to_text(markup: str) -> RenderedHtml:
    tree = HTMLParser(markup)
    links = []
    for node in tree.css("a[href], img[src]"):
        url = node.attributes.get("href") or node.attributes.get("src")
        if url:
            if node.tag == "img":
                width, height = node.attributes.get("width"), node.attributes.get("height")
                if width in ("0", "1") or height in ("0", "1"):
                    url = f"pixel:{url}"
            links.append(url)
    for node in tree.css("script, style, head, title"):
        node.decompose()
    for tag in _BLOCK:
        for node in tree.css(tag):
            node.insert_after("\n")
    root = tree.body or tree.root
    text = root.text(separator="", strip=False) if root is not None else ""
    text = _SPACES.sub(" ", text)
    text = "\n".join(line.strip() for line in text.splitlines())
    text = _BLANKS.sub("\n\n", text).strip()
    return RenderedHtml(text=text, links=tuple(links))
