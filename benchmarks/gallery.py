"""Rendering every figure: the whole gallery's time and each SVG's size (issue 5).

Targets: the whole gallery (every exercise and variant, light and dark in one file each) renders
in <= 1 s; each SVG is <= 8 KB. Also the terminal's braille still of every key pose.

Run: .venv/bin/python benchmarks/gallery.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import time

from bedstretch.catalog import load_catalog
from bedstretch.drawing import braille, drawing, file_name, index_html, svg, title

TARGET_SECONDS = 1.0
TARGET_BYTES = 8 * 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    catalog = load_catalog()
    entries = [
        (exercise, variant, catalog.figures[(exercise.id, variant.id)])
        for exercise in catalog.exercises.values()
        for variant in exercise.variants
        if (exercise.id, variant.id) in catalog.figures
    ]

    def gallery() -> dict[str, str]:
        drawing.cache_clear()  # measure the whole work: placing, projecting, writing
        files = {file_name(e, v): svg(f, title(e, v)) for e, v, f in entries}
        files["index.html"] = index_html([(e, v, file_name(e, v)) for e, v, _ in entries])
        return files

    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        files = gallery()
        samples.append(time.perf_counter() - start)
    median, worst = statistics.median(samples), max(samples)
    verdict = "ok" if worst <= TARGET_SECONDS else "OVER TARGET"
    print(f"gallery: {len(entries)} figures, {runs} runs")
    print(f"  render all: median {median * 1000:.1f} ms, worst {worst * 1000:.1f} ms ({verdict})")

    still_samples = []
    for _ in range(runs):
        drawing.cache_clear()
        start = time.perf_counter()
        for _, _, figure in entries:
            for key in figure.keys:
                braille(figure, key.pose, "right", 30, 5)
        still_samples.append(time.perf_counter() - start)
    keys = sum(len(f.keys) for _, _, f in entries)
    print(
        f"  braille stills of all {keys} key poses (uncached): "
        f"median {statistics.median(still_samples) * 1000:.1f} ms"
    )

    print(f"  size per SVG (target <= {TARGET_BYTES} bytes):")
    sizes = {name: len(text.encode()) for name, text in files.items() if name.endswith(".svg")}
    for name, size in sorted(sizes.items(), key=lambda item: -item[1]):
        mark = "" if size <= TARGET_BYTES else "  OVER TARGET"
        print(f"    {name:<36} {size:>5} B{mark}")
    print(f"  largest {max(sizes.values())} B, total {sum(sizes.values())} B")


if __name__ == "__main__":
    main()
