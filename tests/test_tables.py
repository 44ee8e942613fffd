"""Tables for people: aligned in a pipe, fitted and wrapped on a narrow terminal."""

from __future__ import annotations

from bedstretch.tables import fit_widths, mmss, render_table

HEADERS = ["id", "name"]
ROWS = [["knee-to-chest", "Knee-to-chest stretch from straight legs"], ["quick", "Quick"]]


def test_piped_tables_never_wrap_and_have_no_escape_codes() -> None:
    lines = render_table(HEADERS, ROWS, None, bold=False)
    assert lines == [
        "ID             NAME",
        "knee-to-chest  Knee-to-chest stretch from straight legs",
        "quick          Quick",
    ]


def test_terminal_tables_wrap_the_widest_column_to_fit() -> None:
    lines = render_table(HEADERS, ROWS, 40, bold=True)
    assert lines[0] == "\x1b[1mID             NAME\x1b[0m"
    assert all(len(line) <= 40 for line in lines[1:])
    assert lines[1:4] == [
        "knee-to-chest  Knee-to-chest stretch",
        "               from straight legs",
        "quick          Quick",
    ]


def test_columns_never_shrink_below_eight_characters() -> None:
    assert fit_widths([30, 30], 10) == [8, 8]


def test_minutes_and_seconds() -> None:
    assert [mmss(0), mmss(59), mmss(61), mmss(3600)] == ["0:00", "0:59", "1:01", "60:00"]
