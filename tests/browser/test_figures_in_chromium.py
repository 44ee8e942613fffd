"""Every figure in a real browser: it loads, stays inside its picture, moves, and follows the
light or dark scheme. (The pictures were also looked at by a person; see docs/figures.md.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bedstretch.catalog import load_catalog
from bedstretch.cli import main
from bedstretch.core.body import Figure
from bedstretch.drawing import svg, title

CATALOG = load_catalog()
FIGURES = sorted(CATALOG.figures.items())


def key_times(figure: Figure) -> list[float]:
    """Seconds into the loop at which each key pose is reached (and held)."""
    times, t = [], 0.0
    for i, key in enumerate(figure.keys):
        t += key.move if i else 0.0
        times.append(t + key.hold / 2)
        t += key.hold
    return times


def inline(figure_id: tuple[str, str], scheme: str, browser: Any) -> Any:
    exercise = CATALOG.exercises[figure_id[0]]
    variant = exercise.variant(figure_id[1])
    assert variant is not None
    page = browser.new_page(viewport={"width": 700, "height": 500}, color_scheme=scheme)
    page.set_content(
        f"<body style='margin:0'>{svg(CATALOG.figures[figure_id], title(exercise, variant))}</body>"
    )
    return page


def test_the_gallery_page_loads_every_figure(browser: Any, tmp_path: Path, capsys: Any) -> None:
    assert main(["gallery", str(tmp_path)]) == 0
    capsys.readouterr()
    page = browser.new_page()
    page.goto((tmp_path / "index.html").as_uri())
    page.wait_for_load_state("load")
    sizes = page.eval_on_selector_all("img", "imgs => imgs.map(i => [i.complete, i.naturalWidth])")
    assert len(sizes) == len(FIGURES)
    assert all(done and width > 0 for done, width in sizes)
    page.close()


@pytest.mark.parametrize(
    ("figure_id", "figure"), FIGURES, ids=[f"{e}/{v}" for (e, v), _ in FIGURES]
)
def test_each_figure_moves_between_its_keys_and_stays_inside_its_picture(
    browser: Any, figure_id: tuple[str, str], figure: Figure
) -> None:
    page = inline(figure_id, "light", browser)
    shots = []
    for t in key_times(figure):
        page.evaluate(
            f"() => {{ const s = document.querySelector('svg'); s.pauseAnimations(); s.setCurrentTime({t}); }}"
        )
        outside = page.evaluate(
            """() => {
                const s = document.querySelector('svg'), box = s.viewBox.baseVal, out = [];
                for (const p of s.querySelectorAll('path.b, path.f, path.w')) {
                    const b = p.getBBox(), w = parseFloat(p.getAttribute('stroke-width')) / 2;
                    if (b.x - w < box.x - 1 || b.y - w < box.y - 1 ||
                        b.x + b.width + w > box.x + box.width + 1 ||
                        b.y + b.height + w > box.y + box.height + 1) out.push(p.outerHTML.slice(0, 60));
                }
                return out;
            }"""
        )
        assert outside == [], f"strokes outside the picture at {t:.1f} s"
        shots.append(page.locator("svg").screenshot())
    assert len(set(shots)) == len(shots), "two key poses look the same"
    page.close()


def test_the_figures_follow_the_light_or_dark_colour_scheme(browser: Any) -> None:
    colours = {}
    for scheme in ("light", "dark"):
        page = inline(("cat-cow", "hands-and-knees"), scheme, browser)
        colours[scheme] = page.evaluate(
            """() => ['.bg', 'path.b', 'path.bs'].map(
                c => getComputedStyle(document.querySelector(c)).getPropertyValue(
                    c === '.bg' || c === 'path.bs' ? 'fill' : 'stroke'))"""
        )
        page.close()
    background, body, bed = zip(colours["light"], colours["dark"], strict=True)
    assert len(set(background)) == len(set(body)) == len(set(bed)) == 2
