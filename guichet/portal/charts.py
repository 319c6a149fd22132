"""Bar charts drawn on the server as SVG: the geometry here, the markup in
templates/components/bar_chart.svg.html. No JavaScript, nothing to download.

A chart is an image with a title and a description (`role="img"`, `aria-labelledby`);
the page shows the same figures in a table next to it, which is what assistive
technologies read. Several series stack in one bar per category, each series in a
colour of the theme that keeps a 3:1 contrast with the white background
(WCAG 1.4.11), and a legend names them.

    chart = bar_chart(
        chart_id="requests-per-month",
        title="Demandes déposées par mois",
        description="…",
        categories=["janv. 2026", "févr. 2026"],
        series=[Series("Demandes", [12, 30])],
        colours=palette(town.primary_color),
    )
    {% include "components/bar_chart.svg.html" with chart=chart %}
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.formats import number_format

from guichet.accounts.models import HEX_COLOUR, Town, contrast_ratio

WHITE = "#ffffff"
TEXT = "#1b1b1b"  # the theme's --text
AXIS = "#767676"  # the theme's --border
GRID = "#d0d7de"
# The theme's --success and --warning: after the town's colour, for a second and third series.
SERIES_COLOURS = ("#1e6b34", "#8a4b00")
MIN_CONTRAST = 3.0
FONT_SIZE = 13


def palette(primary: str | None = None) -> list[str]:
    """The series' colours: the town's main colour first (the default one if it is not a colour or too
    light on white), then the theme's green and brown."""
    default = Town._meta.get_field("primary_color").default
    if (
        not primary
        or not HEX_COLOUR.regex.fullmatch(primary)
        or contrast_ratio(primary, WHITE) < MIN_CONTRAST
    ):
        primary = default
    return [primary, *SERIES_COLOURS]


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]


@dataclass(frozen=True)
class Rect:
    x: str
    y: str
    width: str
    height: str
    colour: str
    label: str  # the bar's tooltip: category, series and value


@dataclass(frozen=True)
class Tick:
    y: str
    label: str


@dataclass(frozen=True)
class Label:
    x: str
    y: str
    text: str


@dataclass(frozen=True)
class LegendItem:
    x: str
    y: str
    text_x: str
    text_y: str
    colour: str
    text: str


@dataclass(frozen=True)
class BarChart:
    id: str
    title: str
    description: str
    width: int
    height: int
    rects: list[Rect]
    ticks: list[Tick]
    labels: list[Label]
    legend: list[LegendItem]
    left: str
    right: str
    baseline: str
    text_colour: str = TEXT
    axis_colour: str = AXIS
    grid_colour: str = GRID
    font_size: int = FONT_SIZE


def _n(value: float) -> str:
    """A coordinate for an SVG attribute: a dot as decimal separator whatever the language."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def nice_ceiling(value: float) -> tuple[float, float]:
    """(axis maximum, tick step): a round step (1, 2 or 5 × 10ⁿ) with four to five ticks."""
    if value <= 0:
        return 1, 1
    raw = value / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(factor * magnitude for factor in (1, 2, 5, 10) if factor * magnitude >= raw)
    if step < 1:
        step = 1
    return step * math.ceil(value / step), step


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    colours: Sequence[str] | None = None,
    width: int = 720,
    height: int = 300,
    max_labels: int = 13,
) -> BarChart:
    """One bar per category, the series stacked in it, bottom to top in the order given."""
    colours = list(colours or palette())
    if len(series) > len(colours):
        raise ValueError("Not enough colours for the series.")
    legend_height = 28 if len(series) > 1 else 0
    left, right, top, bottom = 56.0, width - 12.0, 12.0 + legend_height, height - 40.0
    totals = [sum(one.values[index] for one in series) for index in range(len(categories))]
    maximum, step = nice_ceiling(max(totals, default=0))
    scale = (bottom - top) / maximum
    ticks = [
        Tick(y=_n(bottom - value * scale), label=number_format(value, 0, force_grouping=True))
        for value in (step * index for index in range(round(maximum / step) + 1))
    ]
    slot = (right - left) / max(len(categories), 1)
    bar_width = max(slot * 0.7, 1.0)
    rects = []
    for index, category in enumerate(categories):
        x = left + slot * index + (slot - bar_width) / 2
        stacked = 0.0
        for one, colour in zip(series, colours, strict=False):
            amount = one.values[index]
            if amount <= 0:
                continue
            figure = number_format(amount, force_grouping=True)
            rects.append(
                Rect(
                    x=_n(x),
                    y=_n(bottom - (stacked + amount) * scale),
                    width=_n(bar_width),
                    height=_n(amount * scale),
                    colour=colour,
                    label=f"{category} — {one.name} : {figure}"
                    if len(series) > 1
                    else f"{category} : {figure}",
                )
            )
            stacked += amount
    every = max(math.ceil(len(categories) / max_labels), 1)
    labels = [
        Label(x=_n(left + slot * index + slot / 2), y=_n(bottom + 20), text=category)
        for index, category in enumerate(categories)
        if index % every == 0
    ]
    legend = []
    x = left
    for one, colour in zip(series if len(series) > 1 else (), colours, strict=False):
        legend.append(
            LegendItem(x=_n(x), y="8", text_x=_n(x + 20), text_y="20", colour=colour, text=one.name)
        )
        x += 28 + len(one.name) * FONT_SIZE * 0.6
    return BarChart(
        id=chart_id,
        title=title,
        description=description,
        width=width,
        height=height,
        rects=rects,
        ticks=ticks,
        labels=labels,
        legend=legend,
        left=_n(left),
        right=_n(right),
        baseline=_n(bottom),
    )
