"""Regular expressions compiled on their first use.

A module-level ``re.compile`` costs 0.2-0.5 ms at import; virtlint's modules hold ~50 of them, most used only on
a value that is already suspect, so compiling them all at start-up was ~10% of a one-file `virtlint check`. A
lazy pattern compiles on the first call of one of its methods and binds the compiled pattern's methods to
itself, so later calls cost what they cost on the compiled pattern.
"""

from __future__ import annotations

import re
from typing import Any, cast

#: The methods of a compiled pattern that callers use, bound on first use.
_METHODS = ("match", "fullmatch", "search", "sub", "subn", "split", "findall", "finditer")


class _LazyPattern:
    def __init__(self, pattern: str, flags: int) -> None:
        self.pattern = pattern
        self.flags = flags

    def __getattr__(self, name: str) -> Any:
        # (called only for an attribute not yet on the instance: the first use of a method, or groups/groupindex)
        compiled = re.compile(self.pattern, self.flags)
        for method in _METHODS:
            setattr(self, method, getattr(compiled, method))
        return getattr(compiled, name)

    def __repr__(self) -> str:
        return f"lazy_compile({self.pattern!r}, {self.flags})"


def lazy_compile(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """``re.compile(pattern, flags)``, compiled when first used (its methods behave as the compiled pattern's)."""
    return cast("re.Pattern[str]", _LazyPattern(pattern, flags))
