"""Figures: every shipped exercise and variant has valid key poses, renders to a small animated SVG
and a braille still; a bad [figure] table gets one clear line; user content brings its own."""

from __future__ import annotations

import textwrap
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bedstretch.catalog import Catalog, ContentError, Problem, load_catalog, parse_exercise
from bedstretch.core.body import RADII, place, scene_for, sinking
from bedstretch.drawing import braille, file_name, svg, title
from bedstretch.figures import parse_figure
from tests.conftest import Result, hold_exercise

SVG = "{http://www.w3.org/2000/svg}"
MAX_BYTES = 8 * 1024
SHIPPED_VARIANTS = [(e.id, v.id) for e in load_catalog().exercises.values() for v in e.variants]

FIGURE = """
[figure]
view = "side"

[[figure.keys]]
name = "knees bent"
hip = 44
knee = 100
ankle = -20

[[figure.keys]]
name = "knee up"
hold = 2
right-hip = 100
"""


def problems_for(root: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_catalog(root)
    return [str(p) for p in caught.value.problems]


# --------------------------------------------------------------------------- shipped figures


@pytest.mark.parametrize(("exercise", "variant"), SHIPPED_VARIANTS)
def test_every_shipped_exercise_and_variant_has_a_figure(
    catalog: Catalog, exercise: str, variant: str
) -> None:
    assert (exercise, variant) in catalog.figures


@pytest.mark.parametrize(("exercise", "variant"), SHIPPED_VARIANTS)
def test_every_shipped_pose_lies_on_the_bed_not_through_it(
    catalog: Catalog, exercise: str, variant: str
) -> None:
    figure = catalog.figures[(exercise, variant)]
    scene = scene_for(figure)
    assert len(figure.keys) >= 2, "a figure should show a movement"
    for key in figure.keys:
        points = place(figure, key.pose, scene)
        assert sinking(points, scene) is None
        touching = [points[r][1] - RADII[r] - scene.surface(points[r][0]) for r in figure.rest]
        assert min(touching) == pytest.approx(0, abs=1e-6), key.name


def test_shipped_figures_follow_their_positions(catalog: Catalog) -> None:
    standing = catalog.figures[("hip-flexor", "standing")]
    assert scene_for(standing).standing
    assert not scene_for(catalog.figures[("hip-flexor", "lying")]).standing
    cat_cow = catalog.figures[("cat-cow", "hands-and-knees")]
    assert [k.breath for k in cat_cow.keys][1:] == ["inhale", "exhale"]
    assert [k.move for k in cat_cow.keys][1:] == [4, 4]  # timed with the breathing cycle


@pytest.mark.parametrize(("exercise", "variant"), SHIPPED_VARIANTS)
def test_every_figure_renders_a_small_animated_svg_that_parses(
    catalog: Catalog, exercise: str, variant: str
) -> None:
    ex = catalog.exercises[exercise]
    var = ex.variant(variant)
    assert var is not None
    text = svg(catalog.figures[(exercise, variant)], title(ex, var))
    assert len(text.encode()) <= MAX_BYTES
    root = ET.fromstring(text)
    assert root.tag == f"{SVG}svg"
    assert root.find(f"{SVG}title") is not None
    animations = root.findall(f".//{SVG}animate")
    assert animations, "the figure does not move"
    for animate in animations:
        times = [float(t) for t in animate.attrib["keyTimes"].split(";")]
        assert (times[0], times[-1]) == (0, 1)
        assert times == sorted(times)
        assert len(animate.attrib["values"].split(";")) == len(times)
    style = root.find(f"{SVG}style")
    assert style is not None
    assert "prefers-color-scheme:dark" in (style.text or "")
    assert "<script" not in text


def test_a_per_side_figure_highlights_the_working_leg_and_the_stretched_area(
    catalog: Catalog,
) -> None:
    root = ET.fromstring(svg(catalog.figures[("hamstring", "standard")], "Hamstring"))
    classes = [p.attrib.get("class") for p in root.iter(f"{SVG}path")]
    assert "w" in classes  # the working leg
    assert "g" in classes  # the glow on the back of the thigh
    both = ET.fromstring(svg(catalog.figures[("relaxation", "standard")], "Relaxation"))
    assert "w" not in [p.attrib.get("class") for p in both.iter(f"{SVG}path")]


def test_the_left_side_is_the_mirror_image_of_the_right(catalog: Catalog) -> None:
    figure = catalog.figures[("knee-to-chest", "knees-bent")]
    right = braille(figure, figure.keys[-1].pose, "right", 30, 5)
    left = braille(figure, figure.keys[-1].pose, "left", 30, 5)
    assert right != left
    assert len(right) == len(left) == 5


@pytest.mark.parametrize(("exercise", "variant"), SHIPPED_VARIANTS)
def test_every_figure_has_a_braille_still_of_every_key(
    catalog: Catalog, exercise: str, variant: str
) -> None:
    figure = catalog.figures[(exercise, variant)]
    for key in figure.keys:
        rows = braille(figure, key.pose, "right", 30, 5)
        text = ["".join(chars for chars, _ in row) for row in rows]
        assert len(text) == 5
        assert all(len(row) == 30 for row in text)
        assert any("\u2800" < ch <= "\u28ff" for row in text for ch in row)


def test_gallery_file_names_keep_the_default_variant_short(catalog: Catalog) -> None:
    knee = catalog.exercises["knee-to-chest"]
    assert [file_name(knee, v) for v in knee.variants] == [
        "knee-to-chest.svg",
        "knee-to-chest--legs-straight.svg",
    ]


# --------------------------------------------------------------------------- bad figures

BAD_FIGURES: list[tuple[str, str, str]] = [
    (
        "unknown joint",
        FIGURE.replace("right-hip = 100", "rigth-hip = 100"),
        "figure.keys[1].rigth-hip: unknown joint 'rigth-hip' (did you mean 'right-hip'?)",
    ),
    (
        "angle outside the human range",
        FIGURE.replace("knee = 100", "knee = 170"),
        "figure.keys[0].knee: 170 is outside the knee's range 0 to 155 degrees",
    ),
    (
        "through the bed",
        FIGURE.replace("right-hip = 100", "right-hip = -30\nright-knee = 0"),
        "figure.keys[1]: pose 'knee up' puts the right ",
    ),
    (
        "angle as text",
        FIGURE.replace("right-hip = 100", 'hip = "ten"'),
        "figure.keys[1].hip: must be an angle",
    ),
    ("no keys", '\n[figure]\nview = "side"\n', "figure.keys: missing"),
    ("unknown view", FIGURE.replace('view = "side"', 'view = "below"'), "figure.view: 'below'"),
    (
        "unknown field",
        FIGURE.replace('view = "side"', "colour = 1"),
        "figure.colour: unknown field",
    ),
    (
        "unknown rest point",
        FIGURE.replace('view = "side"', 'rest = ["bottom", "chest"]'),
        "figure.rest[0]: unknown body point 'bottom'",
    ),
    (
        "breath without a cycle",
        FIGURE.replace("hold = 2", 'breath = "inhale"'),
        "figure.keys[1].breath: 'inhale' is not a phase of this variant's breathing cycle (none)",
    ),
    (
        "negative seconds",
        FIGURE.replace("hold = 2", "hold = -1"),
        "figure.keys[1].hold: -1 is outside 0-30 seconds",
    ),
    (
        "two keys, one name",
        FIGURE.replace('name = "knee up"', 'name = "knees bent"'),
        "figure.keys[1].name: 'knees bent' names two key poses",
    ),
    ("not a table", '\nfigure = "knees bent"\n', "figure: must be a table ([figure])"),
]


@pytest.mark.parametrize(
    ("text", "expected"), [b[1:] for b in BAD_FIGURES], ids=[b[0] for b in BAD_FIGURES]
)
def test_a_bad_figure_gets_one_line_naming_file_and_field(
    user_content: Callable[[str, str], Path], text: str, expected: str
) -> None:
    root = user_content("exercises/bridge.toml", hold_exercise() + text)
    lines = problems_for(root)
    shown = f"{root}/exercises/bridge.toml: "
    assert any(line.startswith(shown + expected) for line in lines), lines
    assert all(line.startswith(shown) and "\n" not in line for line in lines)


def test_a_bad_variant_figure_is_named_under_its_variant(
    user_content: Callable[[str, str], Path],
) -> None:
    variant = '\n[[variants]]\nid = "high"\nname = "High"\n' + FIGURE.replace(
        "[figure]", "[variants.figure]"
    ).replace("[[figure.keys]]", "[[variants.figure.keys]]").replace("knee = 100", "knee = -5")
    root = user_content("exercises/bridge.toml", hold_exercise() + variant)
    assert problems_for(root) == [
        f"{root}/exercises/bridge.toml: variants[0].figure.keys[0].knee: "
        "-5 is outside the knee's range 0 to 155 degrees"
    ]


toml_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-200, 200)
    | st.floats(allow_nan=True)
    | st.text(max_size=6),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["name", "hip", "knee", "hold", "move", "breath", "x"]),
            inner,
            max_size=4,
        )
    ),
    max_leaves=10,
)


@given(
    st.dictionaries(
        st.sampled_from(["view", "rest", "anchor", "highlight", "keys", "y"]), toml_values
    )
)
def test_the_figure_parser_never_raises_it_only_reports(data: dict[str, Any]) -> None:
    spec, problems = parse_figure(data)
    assert (spec is None) == bool(problems)
    for field, message in problems:
        assert field.startswith("figure")
        assert "\n" not in message


# --------------------------------------------------------------------------- user figures


def test_a_user_exercise_gets_its_figure_from_its_own_poses(
    user_content: Callable[[str, str], Path],
) -> None:
    catalog = load_catalog(user_content("exercises/bridge.toml", hold_exercise() + FIGURE))
    figure = catalog.figures[("bridge", "standard")]
    assert [k.name for k in figure.keys] == ["knees bent", "knee up"]
    assert figure.highlight == ("lower-back",)  # from the exercise's targets


def test_a_user_exercise_without_a_figure_still_loads(
    user_content: Callable[[str, str], Path],
) -> None:
    catalog = load_catalog(user_content("exercises/bridge.toml", hold_exercise()))
    assert "bridge" in catalog.exercises
    assert ("bridge", "standard") not in catalog.figures


def test_a_variant_in_another_position_does_not_inherit_the_figure(
    user_content: Callable[[str, str], Path],
) -> None:
    variants = (
        '\n[[variants]]\nid = "same"\nname = "Same place"\n'
        '\n[[variants]]\nid = "standing"\nname = "Standing"\nposition = "standing"\n'
    )
    text = hold_exercise() + variants + FIGURE
    catalog = load_catalog(user_content("exercises/bridge.toml", text))
    assert ("bridge", "same") in catalog.figures
    assert ("bridge", "standing") not in catalog.figures


def test_a_user_file_replacing_a_shipped_exercise_replaces_its_figures(
    user_content: Callable[[str, str], Path],
) -> None:
    text = hold_exercise(id="leg-extension", name="My leg extension")
    catalog = load_catalog(user_content("exercises/mine.toml", text))
    assert catalog.exercises["leg-extension"].name == "My leg extension"
    assert not [key for key in catalog.figures if key[0] == "leg-extension"]


def test_the_parser_collects_figures_only_when_asked() -> None:
    problems: list[Problem] = []
    data = tomllib.loads(textwrap.dedent(hold_exercise()) + FIGURE)
    assert parse_exercise("x.toml", data, problems) is not None
    figures: dict[tuple[str, str], Any] = {}
    parse_exercise("x.toml", data, problems, figures)
    assert problems == []
    assert list(figures) == [("bridge", "standard")]


# --------------------------------------------------------------------------- the CLI


def test_show_writes_the_figure_of_the_default_variant_to_a_file(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    out = tmp_path / "k.svg"
    result = run("show", "knee-to-chest", "--svg", str(out))
    assert result.code == 0
    assert result.out == f"Wrote {out} (knee-to-chest, variant knees-bent).\n"
    heading = ET.fromstring(out.read_text()).find(f"{SVG}title")
    assert heading is not None
    assert (heading.text or "").startswith("Knee-to-chest stretch (right side")


def test_show_svg_to_standard_output_names_the_variant_in_its_title(
    run: Callable[..., Result],
) -> None:
    result = run("show", "knee-to-chest", "--svg", "-", "--variant", "legs-straight")
    assert result.code == 0
    root = ET.fromstring(result.out)
    heading = root.find(f"{SVG}title")
    assert heading is not None
    assert (heading.text or "").startswith("Knee-to-chest stretch from straight legs")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["show", "cat-cow", "--svg", "-", "--variant", "upside-down"],
            "bedstretch: --variant: exercise 'cat-cow' has no variant 'upside-down' "
            "(it has: hands-and-knees, lying)\n",
        ),
        (
            ["show", "cat-cow", "--variant", "lying"],
            "bedstretch: --variant: only with --svg (the text shows every variant)\n",
        ),
        (
            ["show", "cat-cow", "--svg", "/nonexistent-dir/x.svg"],
            "bedstretch: --svg: cannot write /nonexistent-dir/x.svg: No such file or directory\n",
        ),
    ],
)
def test_show_svg_mistakes_get_one_line_and_status_2(
    run: Callable[..., Result], args: list[str], expected: str
) -> None:
    result = run(*args)
    assert result.code == 2
    assert result.err == expected


def test_show_svg_for_a_user_exercise_without_a_figure_says_how_to_add_one(
    run: Callable[..., Result], user_content: Callable[[str, str], Path]
) -> None:
    root = user_content("exercises/bridge.toml", hold_exercise())
    result = run("--content", str(root), "show", "bridge", "--svg", "-")
    assert result.code == 2
    assert result.err == (
        "bedstretch: ID: 'bridge' variant 'standard' has no figure "
        "(add a [figure] table to its file: see docs/figures.md)\n"
    )


def test_gallery_writes_every_figure_and_an_index_page(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    result = run("gallery", str(tmp_path / "gallery"))
    assert result.code == 0
    written = sorted(p.name for p in (tmp_path / "gallery").iterdir())
    assert len(written) == len(SHIPPED_VARIANTS) + 1
    assert "index.html" in written
    assert "hip-flexor--standing.svg" in written
    index = (tmp_path / "gallery" / "index.html").read_text()
    for name in written:
        if name.endswith(".svg"):
            assert f'src="{name}"' in index
    assert (
        result.out
        == f"Wrote {len(SHIPPED_VARIANTS)} figures and index.html to {tmp_path / 'gallery'}.\n"
    )


def test_gallery_lists_user_exercises_without_a_figure(
    run: Callable[..., Result], user_content: Callable[[str, str], Path], tmp_path: Path
) -> None:
    root = user_content("exercises/bridge.toml", hold_exercise())
    result = run("--content", str(root), "gallery", str(tmp_path / "g"))
    assert result.code == 0
    assert "No figure (no [figure] table): bridge/standard" in result.out
    assert "No figure" in (tmp_path / "g" / "index.html").read_text()


def test_gallery_into_a_file_is_an_error(run: Callable[..., Result], tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run("gallery", str(blocker))
    assert result.code == 2
    assert result.err.startswith(f"bedstretch: DIR: cannot write to {blocker}: ")


def test_a_replaced_exercise_keeps_no_figure_of_the_one_it_replaces(
    user_content: Callable[[str, str], Path],
) -> None:
    text = hold_exercise(id="leg-extension", name="My leg extension")
    mine = load_catalog(user_content("exercises/mine.toml", text))
    assert ("leg-extension", "standard") not in mine.figures  # not the shipped figure for mine
    shipped = load_catalog()  # each catalog keeps its own figures: nothing is shared
    assert ("leg-extension", "standard") in shipped.figures
    assert ("leg-extension", "standard") not in mine.figures
