"""What a figure test checks of its drawing: every label inside the figure, none on another."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.transforms import Bbox


def text_boxes(figure: Figure) -> list[tuple[str, Bbox]]:
    """Each visible, non-empty text of the figure (ticks, titles, legends) and its box in
    pixels, as drawn by the constrained layout."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    boxes = []
    for text in figure.findobj(Text):
        if text.get_visible() and text.get_text().strip():
            boxes.append((text.get_text(), text.get_window_extent(renderer)))
    return boxes


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
