"""Captions that are not in a ``<figcaption>``: where older and lazy-loading markup puts them.

* After the image in its own wrapper: ``<div class="lead-image"><img …><noscript>…
  </noscript><p class="img-desc">caption</p></div>``. A ``<p>`` there is a caption only
  when it is the wrapper's only text (else it is the article's next paragraph).
* In a layout table: the image alone in its cell, the caption in the next row's cell
  (``<tr><td><img></td></tr><tr><td class="phototext">caption</td></tr>``) or in the
  next cell of the same row.

Generic: no class names. The callers (images.py) try figcaption and caption classes first.
"""

from __future__ import annotations

from bs4 import Tag

from .page import text_of

MAX_CAPTION = 400  # characters: longer text beside an image is article text
_SKIP = frozenset({"noscript", "br", "script", "style", "source"})
_NEVER = frozenset({"h1", "h2", "h3", "ul", "ol", "table", "form", "nav"})
_CELLS = ("td", "th")


def _short_text(tag: Tag) -> str:
    text = text_of(tag)
    if not text or len(text) > MAX_CAPTION or tag.name in _NEVER:
        return ""
    if tag.find(["img", "h1", "h2", "h3", "table"]) is not None:
        return ""
    return text


def after_image(node: Tag, wrapper: Tag) -> Tag | None:
    """The first text element after `node` (the image, or its link) inside `wrapper`."""
    for sibling in node.find_next_siblings():
        if sibling.name in _SKIP:
            continue
        if not text_of(sibling):
            continue
        text = _short_text(sibling)
        if not text:
            return None
        if sibling.name == "p" and text_of(wrapper) != text:
            return None  # the wrapper also holds article text: this is a paragraph
        return sibling
    return None


def in_table(node: Tag) -> Tag | None:
    """The caption cell of an image that is alone in a layout-table cell."""
    cell = node.parent
    while cell is not None and cell.name in ("a", "p", "div", "center", "span", "font"):
        if text_of(cell):
            return None
        cell = cell.parent
    if cell is None or cell.name not in _CELLS or text_of(cell):
        return None
    for other in cell.find_next_siblings(_CELLS):
        return other if _short_text(other) else None
    row = cell.parent
    if row is None or row.name != "tr":
        return None
    following = row.find_next_sibling("tr")
    if following is None:
        return None
    for other in following.find_all(_CELLS, recursive=False):
        if text_of(other):
            return other if _short_text(other) else None
    return None
