"""What a figure test checks of its drawing: every label inside the figure, none on another."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.transforms import Bbox


def text_boxes(figure: Figure) -> list[tuple[str, Bbox]]:
    """Each non-empty text the figure draws (ticks, titles, legends) and its box in pixels,
    as the constrained layout placed it. Recorded while drawing: a tick label outside the
    axis's limits exists but is not drawn."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    drawn: list[Text] = []
    original = Text.draw

    def record(self: Text, renderer: object) -> None:
        original(self, renderer)  # type: ignore[arg-type]
        if self.get_visible() and self.get_text().strip():
            drawn.append(self)

    canvas = FigureCanvasAgg(figure)
    Text.draw = record  # type: ignore[method-assign]
    try:
        canvas.draw()
    finally:
        Text.draw = original  # type: ignore[method-assign]
    renderer = canvas.get_renderer()
    return [(text.get_text(), text.get_window_extent(renderer)) for text in drawn]


def clipped(figure: Figure) -> list[str]:
    """The texts that reach past the figure's edge (1 pixel of slack for antialiasing)."""
    width, height = figure.bbox.width, figure.bbox.height
    return [
        text
        for text, box in text_boxes(figure)
        if box.x0 < -1 or box.y0 < -1 or box.x1 > width + 1 or box.y1 > height + 1
    ]


def overlaps(boxes: list[tuple[str, Bbox]]) -> list[tuple[str, str]]:
    """Pairs of the given texts whose boxes overlap."""
    found = []
    for i, (first, a) in enumerate(boxes):
        for second, b in boxes[i + 1 :]:
            if a.overlaps(b):
                found.append((first, second))
    return found
