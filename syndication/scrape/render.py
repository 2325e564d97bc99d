"""``Scraped.body_html`` built from the extracted blocks and figures (never from page HTML).

Only ``<p>``, ``<h2>``, ``<h3>``, ``<blockquote>`` and ``<figure><img><figcaption>`` are
written, text escaped; whatever the partner's markup was, nothing else can get through.
The result is sanitized again in normalize: the sanitizer always runs last.
"""

from __future__ import annotations

from html import escape

from ..model import Block, Image

_TAGS = {"p": "p", "h2": "h2", "h3": "h3", "quote": "blockquote"}


def figure_html(image: Image) -> str:
    attrs = [f'src="{escape(image.url)}"', f'alt="{escape(image.alt or "")}"']
    if image.width:
        attrs.append(f'width="{image.width}"')
    if image.height:
        attrs.append(f'height="{image.height}"')
    parts = [f"<figure><img {' '.join(attrs)}>"]
    if image.caption or image.credit:
        caption = escape(image.caption or "")
        if image.credit:
            sep = " " if caption else ""
            caption += f'{sep}<span class="credit">{escape(image.credit)}</span>'
        parts.append(f"<figcaption>{caption}</figcaption>")
    parts.append("</figure>")
    return "".join(parts)


def block_html(block: Block) -> str:
    tag = _TAGS[block.kind]
    return f"<{tag}>{escape(block.text, quote=False)}</{tag}>"


def body_html(parts: list[Block | Image]) -> str:
    """One line per block or figure, in reading order."""
    return "\n".join(
        figure_html(part) if isinstance(part, Image) else block_html(part) for part in parts
    )
