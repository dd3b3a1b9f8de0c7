"""``badge.svg``: the score as a flat, self-contained badge (no fonts or images fetched)."""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

from harness.report.model import Report, Score

#: (lowest score, colour): the first threshold the score reaches picks the colour.
COLOURS = ((100, "#2e7d32"), (95, "#4c1"), (80, "#97ca00"), (60, "#dfb317"), (40, "#fe7d37"))
LOW, UNDEFINED = "#e05d44", "#9f9f9f"


def colour_for(value: float | None) -> str:
    if value is None:
        return UNDEFINED
    return next((c for limit, c in COLOURS if value >= limit), LOW)


def _width(text: str) -> int:
    # Verdana 11px averages ~6.5px a character; narrow characters are common in scores.
    return int(sum(4 if ch in ".,:;il1 " else 7 for ch in text)) + 10


def badge_svg(score: Score, label: str = "conformance", gate: bool | None = None) -> str:
    value = score.value
    text = "n/a" if value is None else f"{score.display}%"
    if gate is False:
        text += " ✗"
    left, right = _width(label), _width(text)
    total = left + right
    colour = colour_for(value)
    title = escape(f"{label}: {text}")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="20" role="img" '
        f'aria-label="{title}"><title>{title}</title>'
        '<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" '
        'stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>'
        f'<clipPath id="r"><rect width="{total}" height="20" rx="3" fill="#fff"/></clipPath>'
        f'<g clip-path="url(#r)"><rect width="{left}" height="20" fill="#555"/>'
        f'<rect x="{left}" width="{right}" height="20" fill="{colour}"/>'
        f'<rect width="{total}" height="20" fill="url(#s)"/></g>'
        '<g fill="#fff" text-anchor="middle" '
        'font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">'
        f'<text x="{left / 2:.1f}" y="15" fill="#010101" fill-opacity=".3">{escape(label)}</text>'
        f'<text x="{left / 2:.1f}" y="14">{escape(label)}</text>'
        f'<text x="{left + right / 2:.1f}" y="15" fill="#010101" fill-opacity=".3">'
        f"{escape(text)}</text>"
        f'<text x="{left + right / 2:.1f}" y="14">{escape(text)}</text></g></svg>\n'
    )


def write_badge(path: Path, report: Report) -> Path:
    """The first target's score (the target the run is about; see docs/scoring.md)."""
    path.write_text(badge_svg(report.score), encoding="utf-8")
    return path
