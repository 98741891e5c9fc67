"""Figures for slides and manuscripts: forest plot, adverse-event dot plot, CONSORT flow.

matplotlib is an optional extra (`pip install 'trialcli[figures]'`), imported only when a
figure is exported, so start-up never pays for it. Every figure is drawn with the same
pinned settings (STYLE): white background, DejaVu Sans (shipped with matplotlib, nothing
fetched), colour-blind-safe colours (Okabe–Ito) that differ in lightness and marker shape
too, so a greyscale print still reads. Text from study files is never parsed as mathtext.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from trialcli.errors import TrialcliError
from trialcli.files import check_target, output_path, write_atomically

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.typing import RcKeyType

FIGURE_SUFFIXES = (".svg", ".png", ".pdf")

# Okabe & Ito (2008): distinguishable with every common colour-vision deficiency.
BLUE = "#0072B2"  # dark: experimental
VERMILLION = "#D55E00"  # mid: comparator
ORANGE = "#E69F00"  # light
BLACK = "#000000"
GREY = "#777777"

# Pinned so that a figure comes out the same on every machine (the PNG test compares
# pixels) and never reaches for a font or a TeX installation outside matplotlib.
STYLE: dict[RcKeyType, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "text.parse_math": False,
    "text.usetex": False,
    "axes.facecolor": "white",
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "savefig.edgecolor": "white",
    "axes.edgecolor": BLACK,
    "axes.linewidth": 0.8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "svg.fonttype": "none",  # text stays text: searchable, and no font is embedded or fetched
    "svg.hashsalt": "trialcli",
    "pdf.fonttype": 42,  # TrueType embedded: the PDF needs no font of the reader's
    "path.simplify": False,
    "lines.antialiased": True,
}
_METADATA: dict[str, dict[str, Any]] = {
    ".svg": {"Date": None, "Creator": "trialcli"},
    ".pdf": {"CreationDate": None, "ModDate": None, "Creator": "trialcli", "Producer": None},
    ".png": {"Software": "trialcli"},
}


def check_figure_path(raw: str | Path, *, force: bool, option: str = "--export") -> Path:
    """The file to draw to, refused before anything is computed or drawn if bad: a name
    ending in '/' is a folder, the one writer's checks (files.check_target) hold, and the
    figures extra is installed (else one line naming it, never a traceback)."""
    path = output_path(raw, None) if isinstance(raw, str) else raw
    if path.suffix.lower() not in FIGURE_SUFFIXES:
        raise TrialcliError(f"{option} draws .svg, .png or .pdf figures, not '{path.name}'")
    check_target(path, force=force)
    _matplotlib(option)
    return path


def _matplotlib(option: str = "--export") -> ModuleType:
    try:
        import matplotlib
    except ImportError:
        raise TrialcliError(f"{option} needs matplotlib: pip install 'trialcli[figures]'") from None
    return matplotlib


def figure_bytes(draw: Callable[[], Figure], suffix: str, title: str) -> bytes:
    """The figure `draw` makes, as the bytes of a .svg, .png or .pdf file titled `title`."""
    matplotlib = _matplotlib()
    kind = suffix.lower()
    with matplotlib.rc_context(STYLE):
        figure = draw()
        buffer = io.BytesIO()
        metadata = {**_METADATA[kind], "Title": short(title, 200)}
        figure.savefig(buffer, format=kind.lstrip("."), metadata=metadata)
    return buffer.getvalue()


def save_figure(draw: Callable[[], Figure], raw: str | Path, *, force: bool, title: str) -> None:
    """Draw and write the figure atomically; an existing file is replaced only with force."""
    path = check_figure_path(raw, force=force)
    write_atomically(path, figure_bytes(draw, path.suffix, title), force=force)


def short(text: str, limit: int = 60) -> str:
    """A one-line label from file text, shortened with an ellipsis to fit beside a plot."""
    from trialcli.render.text import clean

    line = clean(text)
    return line if len(line) <= limit else line[: limit - 1] + "…"
