"""Charts for replies that carry one (the admin stats' weekly trend), drawn as PNG.

The core describes a chart as data (:class:`commands.reply.Chart`): it stays pure.
:func:`with_png` turns that into a PNG attachment just before a reply is delivered, on
every platform and in the terminal. The PNG is drawn with Pillow (small, well kept,
wheels for every platform, no GUI toolkit or numeric stack behind it): stacked bars per
week, meetings compliant at creation in green under those that were not in red. The same
input always gives the same bytes, so the chart can be snapshot-tested.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from PIL import Image, ImageDraw, ImageFont

from commands.reply import Reply

WIDTH, HEIGHT = 800, 360
_LEFT, _RIGHT, _TOP, _BOTTOM = 56, 20, 56, 48
_BG, _INK, _GRID = (255, 255, 255), (40, 40, 40), (225, 225, 225)
_OK, _BAD = (46, 139, 87), (205, 70, 60)


def weekly_png(weeks: Sequence[tuple[date, int, int]], *, title: str) -> bytes:
    """A PNG of ``(week start, meetings, of which compliant)`` as stacked bars."""
    image = Image.new("RGB", (WIDTH, HEIGHT), _BG)
    draw = ImageDraw.Draw(image)
    font, small = _font(16), _font(12)
    draw.text((_LEFT, 14), title, fill=_INK, font=font)
    _legend(draw, small)
    plot_w, plot_h = WIDTH - _LEFT - _RIGHT, HEIGHT - _TOP - _BOTTOM
    base = _TOP + plot_h
    step = _step(max((m for _, m, _ in weeks), default=0))
    scale_top = step * 4
    for tick in range(0, scale_top + 1, step):  # grid lines with their values
        y = base - round(plot_h * tick / scale_top)
        draw.line((_LEFT, y, WIDTH - _RIGHT, y), fill=_GRID)
        draw.text((_LEFT - 8, y), str(tick), fill=_INK, font=small, anchor="rm")
    if weeks:
        slot = plot_w / len(weeks)
        bar = max(1.0, slot * 0.7)
        every = max(1, round(len(weeks) / 8))  # at most ~8 date labels
        for i, (week, meetings, compliant) in enumerate(weeks):
            x0 = _LEFT + i * slot + (slot - bar) / 2
            x1 = x0 + bar - 1
            ok_h = plot_h * min(compliant, meetings) / scale_top
            all_h = plot_h * meetings / scale_top
            if meetings > compliant:
                draw.rectangle((x0, base - all_h, x1, base - ok_h), fill=_BAD)
            if compliant:
                draw.rectangle((x0, base - ok_h, x1, base), fill=_OK)
            if i % every == 0 or i == len(weeks) - 1:
                draw.text((x0 + bar / 2, base + 6), f"{week.day} {week:%b}", fill=_INK,
                          font=small, anchor="mt")
    else:
        draw.text((WIDTH / 2, _TOP + plot_h / 2), "no meetings in this window", fill=_INK,
                  font=font, anchor="mm")
    draw.text((WIDTH - _RIGHT, HEIGHT - 8), "meetings per week (UTC, weeks start Monday)",
              fill=_INK, font=small, anchor="rs")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _step(peak: int) -> int:
    """A round grid step (1, 2, 5, 10, 20, 50 …) so that four steps cover ``peak``."""
    magnitude = 1
    while True:
        for unit in (1, 2, 5):
            if unit * magnitude * 4 >= peak:
                return unit * magnitude
        magnitude *= 10


def _legend(draw: ImageDraw.ImageDraw, font: ImageFont.ImageFont | ImageFont.FreeTypeFont
            ) -> None:
    x = WIDTH - _RIGHT - 300
    for colour, label in ((_OK, "locked down at creation"), (_BAD, "not fully")):
        draw.rectangle((x, 20, x + 10, 30), fill=colour)
        draw.text((x + 16, 25), label, fill=_INK, font=font, anchor="lm")
        x += 180


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=size)  # Pillow's bundled font, with FreeType
    except (OSError, ImportError, TypeError):
        return ImageFont.load_default()


def with_png(reply: Reply) -> Reply:
    """``reply`` with its chart drawn and attached as a PNG (the first attachment)."""
    if reply.chart is None:
        return reply
    chart = reply.chart
    png = weekly_png(chart.weeks, title=chart.title)
    return replace(reply, chart=None, attachments=((chart.filename, "image/png", png),
                                                   *reply.attachments))
