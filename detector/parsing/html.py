"""HTML bodies to readable text, keeping the links and image sources for tool-trace signals.

Work is linear in the markup: it is cut at MAX_MARKUP_CHARS, and markup nested deeper than
MAX_DEPTH (where an HTML5 tree builder's scope checks grow with depth, so cost goes quadratic:
50,000 nested <div> took seconds) is read by a one-pass tag stripper instead of the tree builder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape

from selectolax.lexbor import LexborHTMLParser as HTMLParser

MAX_MARKUP_CHARS = 2_000_000
"""Markup beyond this is not read (the scored text is cut at 1,000,000 characters anyway)."""
MAX_DEPTH = 256
"""Deeper nesting than real mail uses (newsletters stay under ~60) goes to the tag stripper."""

_BLOCK = ("p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote")
_HIDDEN = ("script", "style", "head", "title")
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
                   "track", "wbr"})
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANKS = re.compile(r"\n\s*\n\s*\n+")
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9:-]*)([^<>]*)>?")
"""An opening or closing tag; `[^<>]*` stops at the next bracket, so no pattern here rescans."""
_HIDDEN_START = re.compile(r"<!--|<(script|style|head|title)\b", re.IGNORECASE)
_LINK_TAG = re.compile(r"<(a|img)\b([^<>]*)>?", re.IGNORECASE)
_BLOCK_TAG = re.compile(rf"</?(?:{'|'.join(_BLOCK)})\b[^<>]*>?", re.IGNORECASE)
_ANY_TAG = re.compile(r"</?[a-zA-Z][^<>]*>?|<![^<>]*>?|<\?[^<>]*>?")
_ATTRIBUTE = re.compile(r"""([a-zA-Z:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")


@dataclass(frozen=True)
class RenderedHtml:
    """An HTML body as the engine reads it: its visible text, and the URLs of its links and images
    (`pixel:` before a 0- or 1-pixel image's: a tracking pixel)."""

    text: str
    links: tuple[str, ...]


def _link(tag: str, attributes: dict[str, str]) -> str | None:
    url = attributes.get("href") if tag == "a" else attributes.get("src") if tag == "img" else None
    if url and tag == "img" and (attributes.get("width") in ("0", "1") or attributes.get("height") in ("0", "1")):
        return f"pixel:{url}"
    return url or None


def _too_deep(markup: str) -> bool:
    """Whether non-void elements nest deeper than MAX_DEPTH, as the tags say (unclosed ones count as open)."""
    depth = 0
    for match in _TAG.finditer(markup):
        name = match.group(2)
        if name is None or name.lower() in _VOID:
            continue
        if match.group(1):
            depth = max(depth - 1, 0)
        elif not match.group(3).rstrip().endswith("/"):
            depth += 1
            if depth > MAX_DEPTH:
                return True
    return False


def _stripped(markup: str) -> tuple[str, list[str]]:
    """Text and links by regular expressions that never rescan: hidden elements and comments cut,
    block tags as line breaks, other tags dropped, entities decoded."""
    kept: list[str] = []
    position, lowered = 0, markup.lower()
    while (hidden := _HIDDEN_START.search(markup, position)) is not None:
        kept.append(markup[position:hidden.start()])
        closing = "-->" if hidden.group(0) == "<!--" else f"</{hidden.group(1).lower()}"
        end = lowered.find(closing, hidden.end())
        position = len(markup) if end < 0 else end + (3 if closing == "-->" else 0)
    kept.append(markup[position:])
    visible = "".join(kept)
    links = []
    for match in _LINK_TAG.finditer(visible):
        attributes = {k.lower(): a or b or c for k, a, b, c in _ATTRIBUTE.findall(match.group(2))}
        url = _link(match.group(1).lower(), attributes)
        if url:
            links.append(url)
    text = _ANY_TAG.sub("", _BLOCK_TAG.sub("\n", visible))
    return unescape(text), links


def _parsed(markup: str) -> tuple[str, list[str]]:
    """Text and links through the HTML5 tree builder (markup of ordinary depth)."""
    tree = HTMLParser(markup)
    links = []
    for node in tree.css("a[href], img[src]"):
        url = _link(node.tag, {k: v or "" for k, v in node.attributes.items()})
        if url:
            links.append(url)
    for node in tree.css(", ".join(_HIDDEN)):
        node.decompose()
    for tag in _BLOCK:
        for node in tree.css(tag):
            node.insert_after("\n")
    root = tree.body or tree.root
    return (root.text(separator="", strip=False) if root is not None else ""), links


def to_text(markup: str) -> RenderedHtml:
    """The text a reader sees (block elements on their own lines, runs of spaces and blank lines collapsed)
    and the links, in time linear in the markup however it is nested."""
    markup = markup[:MAX_MARKUP_CHARS]
    text, links = _stripped(markup) if _too_deep(markup) else _parsed(markup)
    text = _SPACES.sub(" ", text)
    text = "\n".join(line.strip() for line in text.splitlines())
    text = _BLANKS.sub("\n\n", text).strip()
    return RenderedHtml(text=text, links=tuple(links))
