"""A part of the consultation not written yet, for rules run on a half-filled plan.

The window checks the plan while it is typed: a part that is not complete yet
(the patient, the delivery, ...) is a :class:`Missing` in its place. Any use of
it (an attribute, a comparison, hashing, iteration, text) raises
:class:`PartMissing`, and the engine then leaves that one rule out: a rule is
evaluated only on what is known, and nothing is invented in its place.
"""

from __future__ import annotations

from typing import Any, NoReturn


class PartMissing(LookupError):
    """A rule needed a part of the consultation that is not written yet."""


class Missing:
    __slots__ = ("part",)

    def __init__(self, part: str) -> None:
        object.__setattr__(self, "part", part)

    def __repr__(self) -> str:
        return f"Missing({self.part!r})"

    def _missing(self, *_args: Any) -> NoReturn:
        raise PartMissing(self.part)

    def __getattr__(self, _name: str) -> NoReturn:
        raise PartMissing(object.__getattribute__(self, "part"))

    __hash__ = __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = _missing  # type: ignore[assignment]
    __iter__ = __len__ = __bool__ = __str__ = __format__ = __contains__ = _missing  # type: ignore[assignment]
    __float__ = __int__ = __index__ = __add__ = __radd__ = __sub__ = __rsub__ = _missing  # type: ignore[assignment]
