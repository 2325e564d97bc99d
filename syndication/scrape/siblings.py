"""A body split over sibling containers: all of them, not only the densest.

Some sites (BBC's ``<div data-component="text-block">``, many CMS "paragraph" blocks)
put every one or two paragraphs in a container of their own, with image, sub-headline
and embed blocks between them. The text-density search picks the single densest
container, which is one block of the article. When the densest container has siblings of
the same kind — same tag, same ``data-component`` or same classes — that also hold
paragraphs, the body is the run of siblings from the first such container to the last,
with the image and sub-headline blocks between them, in document order.
"""

from __future__ import annotations

from bs4 import Tag

from .page import text_of

_MIN_ALIKE = 2  # containers of the kind, the densest one included


def _kind(tag: Tag) -> tuple[str, str, tuple[str, ...]] | None:
    component = str(tag.get("data-component") or "")
    cls: object = tag.get("class") or []
    classes = tuple(sorted(str(c) for c in cls)) if isinstance(cls, list) else (str(cls),)
    if not component and not classes:
        return None  # bare <div>s are too common to call alike
    return (tag.name, component, classes)


def _has_paragraphs(tag: Tag) -> bool:
    return tag.find("p") is not None and bool(text_of(tag))


def sibling_run(best: Tag) -> list[Tag]:
    """`best` alone, or the siblings from the first container like it to the last."""
    parent = best.parent
    kind = _kind(best)
    if parent is None or kind is None:
        return [best]
    children = [child for child in parent.children if isinstance(child, Tag)]
    alike = [
        i for i, child in enumerate(children) if _kind(child) == kind and _has_paragraphs(child)
    ]
    if len(alike) < _MIN_ALIKE:
        return [best]
    return children[alike[0] : alike[-1] + 1]
