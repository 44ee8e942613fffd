"""Moving between positions: the cheapest chains, with costs that obey the triangle inequality."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bedstretch.catalog import Catalog
from bedstretch.core.exercises import Position
from bedstretch.core.positions import Moves, Transition

positions = st.sampled_from(list(Position))
transitions = st.lists(
    st.builds(
        Transition,
        positions,
        positions,
        st.integers(1, 30),
        st.integers(0, 10),
        st.sampled_from(["Roll.", "Sit up.", "Stand."]),
    ),
    max_size=25,
)


def test_shipped_moves_connect_every_pair_of_positions(catalog: Catalog) -> None:
    for a in Position:
        for b in Position:
            assert catalog.moves.reachable(a, b), (a, b)


def test_staying_put_costs_nothing(catalog: Catalog) -> None:
    for p in Position:
        move = catalog.moves(p, p)
        assert (move.seconds, move.effort, move.texts) == (0, 0, ())


def test_a_chained_move_says_every_part(catalog: Catalog) -> None:
    move = catalog.moves(Position.KNEELING, Position.SUPINE)
    assert len(move.texts) >= 2
    assert move.seconds == sum(
        next(t.seconds for t in catalog.moves.transitions if t.text == text) for text in move.texts
    )


@given(transitions)
def test_cheapest_moves_obey_the_triangle_inequality(ts: list[Transition]) -> None:
    moves = Moves(ts)
    for a in Position:
        for b in Position:
            ab = moves.get(a, b)
            for c in Position:
                bc, ac = moves.get(b, c), moves.get(a, c)
                if ab and bc:
                    assert ac is not None
                    assert ac.effort <= ab.effort + bc.effort


@given(transitions)
def test_a_direct_move_is_never_beaten_by_a_dearer_one(ts: list[Transition]) -> None:
    moves = Moves(ts)
    for t in ts:
        if t.start != t.end:
            assert moves(t.start, t.end).effort <= t.effort
