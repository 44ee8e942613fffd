"""Output for people: an aligned table with a bold header on a terminal, plain columns in a pipe.

Deliberately not rich: importing rich costs ~100 ms, which would double the time to first output.
"""

from __future__ import annotations

import os
import shutil
import sys
import textwrap
from collections.abc import Sequence

GAP = "  "


def is_terminal() -> bool:
    return sys.stdout.isatty()


def mmss(seconds: int) -> str:
    return f"{seconds // 60:d}:{seconds % 60:02d}"


def fit_widths(natural: list[int], total: int) -> list[int]:
    """Shrink the widest columns until the row fits ``total`` characters (each keeps >= 8)."""
    widths = list(natural)
    budget = total - len(GAP) * (len(widths) - 1)
    while sum(widths) > budget:
        widest = max(range(len(widths)), key=lambda i: widths[i])
        if widths[widest] <= 8:
            break
        widths[widest] -= 1
    return widths


def render_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], width: int | None, bold: bool
) -> list[str]:
    """Lines of a table. ``width`` wraps cells to fit a terminal; None never wraps."""
    natural = [len(h) for h in headers]
    for row in rows:
        natural = [max(w, len(cell)) for w, cell in zip(natural, row, strict=True)]
    widths = natural if width is None else fit_widths(natural, width)
    head = GAP.join(h.upper().ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()
    lines = [f"\x1b[1m{head}\x1b[0m" if bold else head]
    for row in rows:
        cells = [
            textwrap.wrap(cell, w, break_on_hyphens=False) or [""] if len(cell) > w else [cell]
            for cell, w in zip(row, widths, strict=True)
        ]
        for n in range(max(len(c) for c in cells)):
            parts = [
                (c[n] if n < len(c) else "").ljust(w) for c, w in zip(cells, widths, strict=True)
            ]
            lines.append(GAP.join(parts).rstrip())
    return lines


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Print a table: fitted to the terminal with a bold header, or plain columns when piped."""
    if is_terminal():
        width = shutil.get_terminal_size().columns
        lines = render_table(headers, rows, width, bold="NO_COLOR" not in os.environ)
    else:
        lines = render_table(headers, rows, None, bold=False)
    sys.stdout.write("\n".join(lines) + "\n")
