"""The field types of every request the web takes, in one place: text the journal can store and
a log or an answer can print, and numbers that are finite.

- ``Text``: a string without a NUL character (PostgreSQL cannot store one) and without a lone
  surrogate (``"\\ud800"`` in JSON: no UTF-8 encoding exists for it, so neither the database nor
  an answer that repeats it could be written). Every string field of a request body, every
  string in a path or a query uses it; add length limits with ``Field``/``Path``/``Query``.
- ``Finite``: a float that is a real number: ``NaN``, ``Infinity`` and ``1e999`` (which Python's
  JSON reader turns into infinity) are refused, whatever the field's range says.

Each refusal is pydantic's, so it reaches the one error handler as a 422 naming the field. The
events endpoint takes hundreds of requests a second through these: the checks cost about 0.1 µs
a field (``EventRequest.model_validate``: 1.50 -> 1.73 µs, measured when they were added).
A length limit (``Field(max_length=...)``) on a ``Text`` is checked after it: the error handler
words it ("must be at most 100 characters").
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

__all__ = ["Finite", "Text", "clean_text", "printable"]

_SURROGATE = re.compile("[\ud800-\udfff]")
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")


def clean_text(value: str) -> str:
    """``value`` if it holds no NUL and no lone surrogate; else pydantic's error for it."""
    if "\x00" in value:
        raise PydanticCustomError("text_nul", "must not contain a NUL character")
    if not value.isascii() and _SURROGATE.search(value):
        raise PydanticCustomError(
            "text_surrogate", "must be valid Unicode text (it has a lone surrogate)"
        )
    return value


Text = Annotated[str, AfterValidator(clean_text)]
Finite = Annotated[float, Field(allow_inf_nan=False)]


def printable(text: str, limit: int = 300) -> str:
    """``text`` safe to put in an answer or a log: control characters and lone surrogates as
    escapes (``\\x00``, ``\\ud800``), and at most ``limit`` characters (then "...")."""
    if _UNPRINTABLE.search(text):
        text = _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)
    return text if len(text) <= limit else text[: limit - 3] + "..."
