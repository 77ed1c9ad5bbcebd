"""pytest's assertion rewriting stays off the libraries the contract suite stands on."""

from __future__ import annotations

import sys

import hypothesis.core
import respx.models

from contracts.rewrite_scope import LIBRARIES, narrow


def _rewrite_hooks() -> list[object]:
    return [f for f in sys.meta_path if type(f).__name__ == "AssertionRewritingHook"]


def test_hypothesis_and_respx_load_unrewritten() -> None:
    # This test process loaded the plugin through its entry point, as a user's run does.
    assert _rewrite_hooks(), "pytest's rewrite hook is not installed (run under pytest)"
    for module in (hypothesis.core, respx.models):
        loader = type(module.__loader__).__name__
        assert loader != "AssertionRewritingHook", f"{module.__name__} was assert-rewritten"


def test_narrow_unmarks_only_the_libraries() -> None:
    class AssertionRewritingHook:  # the attributes narrow() reads, as pytest has them
        def __init__(self) -> None:
            self._must_rewrite = {"hypothesis", "respx", "contracts", "users_plugin"}
            self._marked_for_rewrite_cache = {"hypothesis.core": True}

    hook = AssertionRewritingHook()
    sys.meta_path.insert(0, hook)
    try:
        narrow()
    finally:
        sys.meta_path.remove(hook)
    assert hook._must_rewrite == {"contracts", "users_plugin"}
    assert hook._marked_for_rewrite_cache == {}
    assert {"hypothesis", "respx"} <= LIBRARIES
