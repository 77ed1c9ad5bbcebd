"""Keep pytest's assertion rewriting to the suite's own code, off the libraries it stands on.

pytest rewrites the asserts of every module of every distribution that installs a pytest plugin:
Hypothesis (about 70 modules), respx. A rewritten module ignores the library's bytecode cache and
is parsed, rewritten and compiled from source at every start whenever pytest may not write its own
cache (`PYTHONDONTWRITEBYTECODE`, a read-only install), about a second of every offline run; and
the asserts inside those libraries are never a contract test's message. The suite's own tests and
conftest files are still rewritten (pytest finds them by file name, not by this mark).

`narrow()` runs when `contracts` is first imported, which in a pytest run is the entry point's
import of `contracts.plugin`, before it imports Hypothesis. Outside pytest it does nothing.
"""

from __future__ import annotations

import sys

# Top-level modules of the libraries the suite imports whose asserts are not ours.
LIBRARIES = frozenset({"hypothesis", "_hypothesis_pytestplugin", "_hypothesis_globals", "respx"})


def narrow(libraries: frozenset[str] = LIBRARIES) -> None:
    """Take `libraries` off pytest's list of modules to rewrite (a no-op where there is none)."""
    for finder in sys.meta_path:
        marked = getattr(finder, "_must_rewrite", None)
        if type(finder).__name__ != "AssertionRewritingHook" or not isinstance(marked, set):
            continue
        marked.difference_update(libraries)
        cache = getattr(finder, "_marked_for_rewrite_cache", None)
        if isinstance(cache, dict):
            cache.clear()
