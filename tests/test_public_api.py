"""The public API is exactly what __all__ lists, and every name resolves."""

from __future__ import annotations

import syndication


def test_all_names_resolve() -> None:
    for name in syndication.__all__:
        assert getattr(syndication, name) is not None, name


def test_all_lists_exactly_the_public_names() -> None:
    public = {n for n in dir(syndication) if not n.startswith("_")}
    # submodules become attributes once imported; they are not API
    modules = {n for n in public if type(getattr(syndication, n)).__name__ == "module"}
    assert public - modules - {"annotations", "importlib", "TYPE_CHECKING", "Any"} <= set(
        syndication.__all__
    )
    assert sorted(syndication.__all__) == syndication.__all__
