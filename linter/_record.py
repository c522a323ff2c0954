"""Plain slotted records: what ``@dataclass(slots=True)`` gave, without its cost at import time.

Creating a dataclass runs code generation (about 0.3 ms a class) and ``import dataclasses`` pulls in
``inspect``; a one-file ``virtlint check`` pays both before it reads a byte. A record declares its fields in
``__slots__`` (``_fields``: those its ``__init__`` takes, in order) and writes its ``__init__`` by hand; this base
gives equality, ``repr`` and pickling (worker processes send findings back) from the fields. ``FrozenRecord`` is
also hashable and refuses assignment, as ``frozen=True`` did; its ``__init__`` sets fields with
``object.__setattr__``.
"""

from __future__ import annotations


class Record:
    """Equality, repr and pickling from ``_fields``; unhashable, like a mutable dataclass."""

    __slots__ = ()
    _fields: tuple[str, ...] = ()

    def _astuple(self) -> tuple[object, ...]:
        return tuple([getattr(self, name) for name in self._fields])

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            return self._astuple() == other._astuple()
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{self.__class__.__qualname__}({fields})"

    def __reduce__(self) -> tuple[object, ...]:
        return self.__class__, self._astuple()


class FrozenRecord(Record):
    """A record that cannot change after ``__init__``: hashable, assignment raises AttributeError."""

    __slots__ = ()

    def __hash__(self) -> int:  # type: ignore[override]  # Record is unhashable, a frozen one is not
        return hash(self._astuple())

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r} of a frozen {self.__class__.__name__}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r} of a frozen {self.__class__.__name__}")
