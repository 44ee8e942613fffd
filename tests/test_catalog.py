"""Content loading: every shipped file is valid, and every class of bad input gets one clear line."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bedstretch.catalog import SHIPPED, Catalog, ContentError, Problem, load_catalog, parse_exercise
from bedstretch.core.exercises import Role
from tests.conftest import SOURCES, hold_exercise

ARTICLES = {"000_57bde51688436f72.txt", "001_685499354663a4a4.txt"}


def problems_for(root: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_catalog(root)
    return [str(p) for p in caught.value.problems]


# --------------------------------------------------------------------------- shipped content


def test_every_exercise_of_both_articles_is_shipped(catalog: Catalog) -> None:
    items = {(s.file[:3], s.item) for e in catalog.exercises.values() for s in e.sources}
    assert {("000", str(i)) for i in range(1, 11)} | {("000", "start")} <= items
    assert {("001", str(i)) for i in range(1, 8)} <= items


def test_every_shipped_exercise_file_is_named_after_its_id(catalog: Catalog) -> None:
    for exercise_id, origin in catalog.origins.items():
        assert origin.endswith(f"/{exercise_id.split(':')[1]}.toml")


def test_every_shipped_variant_names_an_article_and_item(catalog: Catalog) -> None:
    for exercise in catalog.exercises.values():
        for variant in exercise.variants:
            assert variant.sources, f"{exercise.id}/{variant.id} has no source"
            for source in variant.sources:
                assert source.file in ARTICLES


@pytest.mark.skipif(not SOURCES.is_dir(), reason="shared/sources is not beside this checkout")
def test_cited_articles_exist_beside_the_project() -> None:
    for name in ARTICLES:
        assert (SOURCES / name).is_file()


def test_duplicates_across_articles_are_merged_into_variants(catalog: Catalog) -> None:
    def variants(exercise_id: str) -> set[str]:
        return {v.id for v in catalog.exercises[exercise_id].variants}

    assert variants("cat-cow") == {"hands-and-knees", "lying"}
    assert variants("hip-flexor") == {"lying", "standing"}
    assert variants("knee-to-chest") == {"knees-bent", "legs-straight"}
    assert catalog.find_exercise("piriformis stretch") is catalog.exercises["figure-four"]
    assert {s.file[:3] for s in catalog.exercises["figure-four"].sources} == {"000", "001"}


def test_there_is_one_opening_and_one_closing_exercise(catalog: Catalog) -> None:
    roles = [e.role for e in catalog.exercises.values()]
    assert roles.count(Role.OPENING) == 1
    assert roles.count(Role.CLOSING) == 1
    assert catalog.with_role(Role.OPENING) is catalog.exercises["starting-position"]
    assert catalog.with_role(Role.CLOSING) is catalog.exercises["relaxation"]


def _all_text(catalog: Catalog) -> list[str]:
    texts = []
    for e in catalog.exercises.values():
        texts += [e.name, e.summary, *e.cautions]
        for v in e.variants:
            texts += [*v.steps, *v.form, *v.breathing, *(p.cue for p in v.dose.cycle)]
    return texts


def test_no_instruction_recommends_a_brace_belt_or_corset(catalog: Catalog) -> None:
    for text in _all_text(catalog):
        assert not re.search(r"\b(brace|belt|corset)\b", text, re.IGNORECASE), text


def test_no_instruction_sends_you_to_the_floor(catalog: Catalog) -> None:
    for text in _all_text(catalog):
        assert "floor" not in text.lower(), text


def test_instructions_are_our_own_words_not_the_articles(catalog: Catalog) -> None:
    if not SOURCES.is_dir():
        pytest.skip("shared/sources is not beside this checkout")
    article = " ".join(p.read_text(encoding="utf-8").lower() for p in SOURCES.glob("*.txt"))
    article = re.sub(r"[^a-z ]+", " ", article)
    words = article.split()
    eights = {" ".join(words[i : i + 8]) for i in range(len(words) - 7)}
    for text in _all_text(catalog):
        mine = re.sub(r"[^a-z ]+", " ", text.lower()).split()
        for i in range(len(mine) - 7):
            assert " ".join(mine[i : i + 8]) not in eights, f"copied from an article: {text}"


def test_shipped_routines_follow_the_articles_in_order(catalog: Catalog) -> None:
    def items(routine_id: str) -> list[tuple[str, str]]:
        out = []
        for step in catalog.routines[routine_id].steps:
            out += [(s.file[:3], s.item) for s in step.variant.sources if s.file[:3] in "000 001"]
        return out

    in_bed = [i for f, i in items("in-bed") if f == "000"]
    assert in_bed == ["start"] + [str(i) for i in range(1, 11)]
    assert [i for f, i in items("morning") if f == "001"] == [str(i) for i in range(1, 8)]


def test_the_lying_only_routine_never_leaves_lying_down(catalog: Catalog) -> None:
    positions = {s.position.value for s in catalog.routines["lying-only"].steps}
    assert positions <= {"supine", "prone", "side-lying"}


# --------------------------------------------------------------------------- user content


def test_a_user_exercise_is_added_and_a_same_id_one_replaces_the_shipped(user_content: Any) -> None:
    user_content("exercises/bridge.toml", hold_exercise())
    root = user_content("exercises/mine.toml", hold_exercise(id="supine-butterfly", name="Mine"))
    catalog = load_catalog(root)
    assert catalog.exercises["bridge"].name == "Bridge"
    assert catalog.exercises["supine-butterfly"].name == "Mine"
    assert catalog.origins["exercises:supine-butterfly"].endswith("mine.toml")


def test_a_user_file_with_a_shipped_name_replaces_that_file(user_content: Any) -> None:
    root = user_content(
        "routines/quick.toml",
        'id = "my-quick"\nname = "Mine"\n[[steps]]\nexercise = "knee-to-chest"\n',
    )
    catalog = load_catalog(root)
    assert "my-quick" in catalog.routines
    assert "quick" not in catalog.routines


def test_a_user_routine_can_use_shipped_and_user_exercises(user_content: Any) -> None:
    user_content("exercises/bridge.toml", hold_exercise())
    root = user_content(
        "routines/evening.toml",
        """\
        id = "evening"
        name = "Evening"
        [[steps]]
        exercise = "bridge"
        hold_seconds = 25
        [[steps]]
        exercise = "knee-to-chest"
        variant = "legs-straight"
        """,
    )
    routine = load_catalog(root).routines["evening"]
    assert [s.exercise.id for s in routine.steps] == ["bridge", "knee-to-chest"]
    assert routine.steps[0].prescription.hold_seconds == 25
    assert routine.steps[1].prescription.hold_seconds == 20  # the range's lower end


BAD_EXERCISES: list[tuple[str, str, str]] = [
    ("not toml", "id = ", "invalid TOML"),
    ("unknown field", hold_exercise() + "holds = 3\n", "holds: unknown field"),
    ("missing name", hold_exercise().replace('name = "Bridge"\n', ""), "name: missing"),
    ("bad slug", hold_exercise(id="Bridge Pose"), "id: 'Bridge Pose' is not a slug"),
    (
        "unknown position",
        hold_exercise(position="upside-down"),
        "position: 'upside-down' is not one of",
    ),
    (
        "min above max",
        hold_exercise().replace("[20, 30]", "[30, 20]"),
        "hold_seconds: min 30 is greater than max 20",
    ),
    (
        "range of text",
        hold_exercise().replace("[20, 30]", '"20-30"'),
        "hold_seconds: must be [min, max]",
    ),
    (
        "zero sets",
        hold_exercise().replace("sets = [1, 2]", "sets = [0, 2]"),
        "sets: min 0 must be at least 1",
    ),
    (
        "unknown target",
        hold_exercise().replace('"lower-back"', '"toes"'),
        "targets[0]: 'toes' is not one of",
    ),
    (
        "no dose",
        hold_exercise().replace("hold_seconds = [20, 30]\n", ""),
        "dose: needs one of hold_seconds, reps or duration_seconds",
    ),
    (
        "reps without a cycle",
        hold_exercise().replace("hold_seconds = [20, 30]", "reps = [5, 8]"),
        "cycle: a reps exercise needs a breathing cycle",
    ),
    (
        "per_side not bool",
        hold_exercise().replace("per_side = false", 'per_side = "yes"'),
        "per_side: must be true or false",
    ),
    (
        "bad side text",
        hold_exercise() + 'side_text = "Lift your {foot}."\n',
        "side_text: unknown placeholder {foot}",
    ),
    ("priority too high", hold_exercise() + "priority = 9\n", "priority: 9 is outside 1-5"),
    (
        "variant without id",
        hold_exercise() + '[[variants]]\nname = "Other"\n',
        "variants[0].id: missing",
    ),
    (
        "source without item",
        hold_exercise().replace(', item = "2"', ""),
        "sources[0].item: missing",
    ),
]


@pytest.mark.parametrize(
    ("text", "expected"), [b[1:] for b in BAD_EXERCISES], ids=[b[0] for b in BAD_EXERCISES]
)
def test_a_bad_exercise_file_gets_one_line_naming_file_and_field(
    user_content: Any, text: str, expected: str
) -> None:
    root = user_content("exercises/bridge.toml", text)
    lines = problems_for(root)
    assert any(expected in line for line in lines), lines
    assert all(line.startswith(f"{root}/exercises/bridge.toml: ") for line in lines)
    assert all("\n" not in line for line in lines)


def test_every_problem_in_a_file_is_reported_not_only_the_first(user_content: Any) -> None:
    text = hold_exercise(position="upside-down").replace("[20, 30]", "[30, 20]") + "colour = 1\n"
    lines = problems_for(user_content("exercises/bridge.toml", text))
    assert len(lines) == 3
    assert {line.split(": ")[1] for line in lines} == {"position", "hold_seconds", "colour"}


BAD_ROUTINES: list[tuple[str, str, str]] = [
    (
        "unknown exercise",
        'id = "r"\nname = "R"\n[[steps]]\nexercise = "brige"\n',
        "steps[0].exercise: routine 'r' references unknown exercise 'brige'",
    ),
    (
        "unknown variant",
        'id = "r"\nname = "R"\n[[steps]]\nexercise = "cat-cow"\nvariant = "upside"\n',
        "steps[0].variant: exercise 'cat-cow' has no variant 'upside' (it has: hands-and-knees, lying)",
    ),
    (
        "dose outside range",
        'id = "r"\nname = "R"\n[[steps]]\nexercise = "figure-four"\nhold_seconds = 90\n',
        "steps[0].hold_seconds: 90 is outside the exercise's range 20-30 (figure-four, variant 'standard')",
    ),
    (
        "dose of the wrong kind",
        'id = "r"\nname = "R"\n[[steps]]\nexercise = "figure-four"\nreps = 5\n',
        "steps[0].reps: this exercise is not dosed by reps",
    ),
    ("no steps", 'id = "r"\nname = "R"\n', "steps: missing"),
    (
        "steps not tables",
        'id = "r"\nname = "R"\nsteps = ["cat-cow"]\n',
        "steps: must be an array of tables",
    ),
    (
        "bad start",
        'id = "r"\nname = "R"\nstart_position = "air"\n[[steps]]\nexercise = "cat-cow"\n',
        "start_position: 'air'",
    ),
]


@pytest.mark.parametrize(
    ("text", "expected"), [b[1:] for b in BAD_ROUTINES], ids=[b[0] for b in BAD_ROUTINES]
)
def test_a_bad_routine_file_gets_one_line_naming_file_and_field(
    user_content: Any, text: str, expected: str
) -> None:
    root = user_content("routines/r.toml", text)
    lines = problems_for(root)
    assert any(line.startswith(f"{root}/routines/r.toml: {expected}") for line in lines), lines


def test_two_user_files_with_one_id_are_an_error_naming_both(user_content: Any) -> None:
    user_content("exercises/a.toml", hold_exercise())
    root = user_content("exercises/b.toml", hold_exercise())
    assert problems_for(root) == [
        f"{root}/exercises/b.toml: id: 'bridge' is also the id in {root}/exercises/a.toml"
    ]


def test_a_second_opening_exercise_is_an_error(user_content: Any) -> None:
    root = user_content("exercises/bridge.toml", hold_exercise() + 'role = "opening"\n')
    assert problems_for(root) == [
        f"{root}/exercises/bridge.toml: role: only one exercise may be 'opening', "
        "and 'starting-position' already is"
    ]


def test_a_missing_content_directory_is_an_error(tmp_path: Path) -> None:
    assert problems_for(tmp_path / "nope") == [
        f"{tmp_path / 'nope'}: content directory does not exist"
    ]


def test_a_user_positions_file_replaces_the_moves(user_content: Any) -> None:
    root = user_content(
        "positions.toml",
        '[[move]]\nfrom = "supine"\nto = "prone"\nseconds = 20\neffort = 9\ntext = "Roll."\n'
        '[[move]]\nfrom = "prone"\nto = "supine"\nseconds = 20\neffort = 9\ntext = "Roll back."\n',
    )
    lines = problems_for(root)  # shipped routines now need moves that no longer exist
    assert any(
        "routines/morning.toml: steps[0]: no move from supine to standing" in line for line in lines
    )


# --------------------------------------------------------------------------- parser robustness

toml_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 200) | st.text(alphabet="ab-{}", max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["id", "name", "file", "item", "breath", "x"]), inner, max_size=3
        )
    ),
    max_leaves=8,
)
fields = st.sampled_from(
    ["id", "name", "summary", "targets", "position", "per_side", "hold_seconds", "reps", "sets",
     "duration_seconds", "cycle", "steps", "variants", "equipment", "sources", "side_text", "role"]
)  # fmt: skip


@given(st.dictionaries(fields, toml_values, max_size=10))
def test_the_exercise_parser_never_raises_it_only_reports(data: dict[str, Any]) -> None:
    problems: list[Problem] = []
    exercise = parse_exercise("x.toml", data, problems)
    assert (exercise is None) == bool(problems)
    for problem in problems:
        assert problem.file == "x.toml"
        assert "\n" not in problem.message


def test_shipped_content_lives_in_the_package() -> None:
    assert (SHIPPED / "exercises").is_dir()
    assert (SHIPPED / "routines").is_dir()
