"""Output for people: rich tables on a terminal, aligned plain text when piped."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def is_terminal() -> bool:
    return sys.stdout.isatty()


def mmss(seconds: int) -> str:
    return f"{seconds // 60:d}:{seconds % 60:02d}"


def print_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], title: str | None = None
) -> None:
    """Print a table: boxed with rich on a terminal, plain aligned columns otherwise."""
    if is_terminal():
        from rich.console import Console
        from rich.table import Table

        table = Table(title=title, title_justify="left", header_style="bold")
        for header in headers:
            table.add_column(header, overflow="fold")
        for row in rows:
            table.add_row(*row)
        Console().print(table)
        return
    if title:
        print(title)
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]
    lines = [[h.upper() for h in headers], *rows]
    for line in lines:
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())
