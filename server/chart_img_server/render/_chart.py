"""Drawing a chart request into pixels: panes, candles, studies, axes, legend, watermark."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt
import skia

from .. import market
from ..chart import ChartRequest
from ..market import MarketData, PriceBars
from . import _layout as L
from ._encode import encode
from ._fonts import Fonts, fonts
from ._palette import Palette, palette, with_alpha
from ._paths import polyline_path, rects_path, segments_path
from ._ticks import format_legend, format_price, format_tick, nice_ticks
from ._time_axis import time_ticks, zone

__all__ = ["chart_layout", "max_visible_bars", "render_chart"]

FloatArray = npt.NDArray[np.float64]

_AXIS_PAD = 8.0
_MIN_AXIS_WIDTH = 56.0
_LABEL_GAP = 90.0  # minimum pixels between time labels
_PRICE_TICK_GAP = 34.0  # pixels between price ticks, about
_STUDY_TICK_GAP = 22.0
_MIN_LABEL_GAP = 13.0  # the least pixels between two axis labels
_LABEL_TOP = 7.0  # the highest a label's centre goes, below its pane's top
_LABEL_BOTTOM = 6.0  # and the lowest, above its pane's bottom
_PANE_MARGIN = 0.08  # share of a pane left empty above and below its data
_LEGEND_X = 10.0
_LEGEND_LINE = 18.0
_TITLE_ROW = 16.0  # pixels a study pane keeps above its data for its title, when it can
_PLATE_ALPHA = 0.8  # of the background plate behind legends and titles
_WATERMARK_INSET = 12.0  # pixels kept free on each side of a watermark shrunk to fit
_Y_DECIMALS = 6
_PROFILE_SHARE = 0.28  # of the plot width, for the longest profile row


@dataclass(frozen=True, slots=True)
class _Paints:
    """Paints shared by every render of one palette; never modified after creation."""

    grid: skia.Paint
    border: skia.Paint
    text: skia.Paint
    muted: skia.Paint
    up: skia.Paint
    down: skia.Paint
    up_fill_soft: skia.Paint
    down_fill_soft: skia.Paint
    reference: skia.Paint
    last_price_text: skia.Paint


def _fill(color: int, *, antialias: bool = False) -> skia.Paint:
    return skia.Paint(Color=color, AntiAlias=antialias, Style=skia.Paint.kFill_Style)


def _stroke(color: int, width: float = 1.0, *, antialias: bool = False) -> skia.Paint:
    return skia.Paint(
        Color=color, AntiAlias=antialias, Style=skia.Paint.kStroke_Style, StrokeWidth=width
    )


@cache
def _paints(colors: Palette) -> _Paints:
    reference = _stroke(colors.reference_line)
    reference.setPathEffect(skia.DashPathEffect.Make([4.0, 4.0], 0.0))
    return _Paints(
        grid=_stroke(colors.grid),
        border=_stroke(colors.border),
        text=_fill(colors.text, antialias=True),
        muted=_fill(colors.muted_text, antialias=True),
        up=_fill(colors.up),
        down=_fill(colors.down),
        up_fill_soft=_fill(with_alpha(colors.up, 0.45)),
        down_fill_soft=_fill(with_alpha(colors.down, 0.45)),
        reference=reference,
        last_price_text=_fill(colors.last_price_text, antialias=True),
    )


@dataclass(frozen=True, slots=True)
class _Frame:
    """Everything a render needs, computed before the first pixel is drawn."""

    request: ChartRequest
    colors: Palette
    paints: _Paints
    fonts: Fonts
    bars: PriceBars
    mark: str
    panes: tuple[market.StudySeries, ...]
    profiles: tuple[market.Profile, ...]
    layout: L.Layout
    x: FloatArray
    decimals: int
    legend: tuple[tuple[_Text, ...], ...]


def _price_decimals(price: float) -> int:
    """About six significant digits, as exchanges quote: 102432, 3101.25, 0.00893876."""
    if price <= 0 or not math.isfinite(price):
        return 2
    return max(0, min(10, 5 - math.floor(math.log10(price))))


def max_visible_bars(width: int) -> int:
    """The most bars a chart of this width can show: the data to fetch for it."""
    return L.bar_count(width, _MIN_AXIS_WIDTH)


def _frame(request: ChartRequest, data: MarketData) -> _Frame:
    colors = palette(request.theme)
    typefaces = fonts()
    fetched = market.price_bars(data)
    decimals = _price_decimals(float(fetched.close[-1]))
    sample = format_price(float(fetched.high.max()) * 1.5, decimals)
    axis_width = max(_MIN_AXIS_WIDTH, typefaces.axis.measureText(sample) + 2 * _AXIS_PAD + 4)
    visible = data.visible(L.bar_count(request.width, axis_width))
    bars = market.price_bars(visible)
    series = tuple(market.derive_study(plan, bars, visible) for plan in data.plan.studies)
    profiles = tuple(s for s in series if isinstance(s, market.Profile))
    panes = tuple(s for s in series if not isinstance(s, market.Profile))
    layout = L.layout(request.width, request.height, axis_width, len(panes))
    paints = _paints(colors)
    return _Frame(
        request=request,
        colors=colors,
        paints=paints,
        fonts=typefaces,
        bars=bars,
        mark=data.mark,
        panes=panes[: len(layout.studies)],
        profiles=profiles,
        layout=layout,
        x=layout.bar_x(len(bars)),
        decimals=decimals,
        legend=_price_legend(request, bars, layout, typefaces, colors, paints, decimals, profiles),
    )


# --------------------------------------------------------------------------- scales


@dataclass(frozen=True, slots=True)
class _Scale:
    """Maps values to rows of a pane."""

    pane: L.Pane
    low: float
    high: float

    @classmethod
    def fit(cls, pane: L.Pane, low: float, high: float, top: float, bottom: float) -> _Scale:
        """`high` `top` pixels below the pane's top, `low` `bottom` pixels above its bottom."""
        if not (math.isfinite(low) and math.isfinite(high)):
            low, high = 0.0, 1.0
        if high - low <= abs(high) * 1e-9:
            pad = abs(high) * 0.01 or 1.0
            low, high = low - pad, high + pad
        inner = max(pane.height - top - bottom, pane.height * 0.25, 1.0)
        per_pixel = (high - low) / inner
        return cls(pane, low - bottom * per_pixel, high + top * per_pixel)

    def y(self, values: FloatArray) -> FloatArray:
        top, height = self.pane.top, self.pane.height
        exact = top + (self.high - values) / (self.high - self.low) * height
        # Snapped to a millionth of a pixel: a value on a whole pixel, give or take the last
        # bits the CPU's maths library leaves in the data, then lands on the same pixel.
        result: FloatArray = np.round(exact, _Y_DECIMALS)
        return result

    def y_of(self, value: float) -> float:
        return float(self.y(np.array([value]))[0])

    def value_at(self, y: float) -> float:
        return self.high - (y - self.pane.top) / self.pane.height * (self.high - self.low)


def _levels(scale: _Scale, gap: float) -> tuple[FloatArray, float]:
    """Round levels to label, about `gap` pixels apart: at least one in any pane, and in a pane
    with room for two, one that is not zero; no two labels closer than `_MIN_LABEL_GAP`."""
    pane = scale.pane
    top, bottom = pane.top + _LABEL_TOP, pane.bottom - _LABEL_BOTTOM
    if bottom <= top:
        top = bottom = pane.top + pane.height / 2.0
    high, low = scale.value_at(top), scale.value_at(bottom)
    room = bottom - top
    count = max(1, int(room / gap))
    ticks, step = nice_ticks(low, high, count)
    for _ in range(4):  # finer steps until a level falls inside the pane
        if len(ticks) and ((ticks != 0).any() or room < 2 * _MIN_LABEL_GAP):
            break
        count *= 2
        finer, finer_step = nice_ticks(low, high, count)
        if len(finer):
            ticks, step = finer, finer_step
    ticks = ticks[(ticks >= low) & (ticks <= high)]
    if not len(ticks):
        return ticks, step
    pixels_apart = step / (scale.high - scale.low) * pane.height
    if pixels_apart >= _MIN_LABEL_GAP or len(ticks) == 1:
        return ticks, step
    # Too close together: keep labels greedily, levels that are not zero and higher ones first.
    kept: list[float] = []
    rows: list[float] = []
    for value in sorted(ticks.tolist(), key=lambda v: (v == 0, -v)):
        row = scale.y_of(value)
        if all(abs(row - other) >= _MIN_LABEL_GAP for other in rows):
            kept.append(value)
            rows.append(row)
    return np.array(sorted(kept)), step


# --------------------------------------------------------------------------- drawing


@dataclass(frozen=True, slots=True)
class _Text:
    """A piece of a legend line: its text, where it starts, its font and paint."""

    x: float
    text: str
    font: skia.Font
    paint: skia.Paint


def _clipped(canvas: skia.Canvas, frame: _Frame, pane: L.Pane) -> None:
    canvas.save()
    canvas.clipRect(skia.Rect.MakeLTRB(0, pane.top, frame.layout.plot_right, pane.bottom))


def _draw_plate(canvas: skia.Canvas, frame: _Frame, left: float, top: float, right: float) -> None:
    """The translucent background behind a legend line, so that series under it do not cross
    its text (TradingView's legend does the same)."""
    rect = skia.Rect.MakeLTRB(left - 4.0, top, right + 4.0, top + _LEGEND_LINE - 1.0)
    paint = _fill(with_alpha(frame.colors.background, _PLATE_ALPHA), antialias=True)
    canvas.drawRoundRect(rect, 2.0, 2.0, paint)


def _draw_line(
    canvas: skia.Canvas, frame: _Frame, baseline: float, items: tuple[_Text, ...]
) -> None:
    if not items:
        return
    last = items[-1]
    right = last.x + frame.fonts.measure(last.text, last.font)
    _draw_plate(canvas, frame, items[0].x, baseline - 13.0, right)
    for item in items:
        frame.fonts.draw(canvas, item.text, item.x, baseline, item.font, item.paint)


def _draw_candles(
    canvas: skia.Canvas,
    frame: _Frame,
    scale: _Scale,
    opens: FloatArray,
    highs: FloatArray,
    lows: FloatArray,
    closes: FloatArray,
) -> None:
    x = frame.x
    y_open, y_close = scale.y(opens), scale.y(closes)
    top = np.floor(np.minimum(y_open, y_close))
    bottom = np.maximum(np.ceil(np.maximum(y_open, y_close)), top + 1.0)
    wick_top, wick_bottom = np.floor(scale.y(highs)), np.ceil(scale.y(lows))
    half = L.BODY_WIDTH / 2.0
    known = np.isfinite(opens) & np.isfinite(highs) & np.isfinite(lows) & np.isfinite(closes)
    rising = closes >= opens
    for mask, paint in ((rising & known, frame.paints.up), (~rising & known, frame.paints.down)):
        if not mask.any():
            continue
        cx = x[mask]
        left = np.concatenate([cx - half, cx - 0.5])
        right = np.concatenate([cx + half, cx + 0.5])
        upper = np.concatenate([top[mask], wick_top[mask]])
        lower = np.concatenate([bottom[mask], wick_bottom[mask]])
        canvas.drawPath(rects_path(left, upper, right, lower), paint)


def _draw_columns(
    canvas: skia.Canvas,
    frame: _Frame,
    scale: _Scale,
    values: FloatArray,
    up: skia.Paint,
    down: skia.Paint,
) -> None:
    zero = round(scale.y_of(0.0))
    ends = np.round(scale.y(values))
    half = L.BODY_WIDTH / 2.0
    for mask, paint in ((values >= 0, up), (values < 0, down)):  # NaN is neither: no column
        if not mask.any():
            continue
        cx, end = frame.x[mask], ends[mask]
        top, bottom = np.minimum(end, zero), np.maximum(end, zero)
        bottom = np.maximum(bottom, top + 1.0)
        canvas.drawPath(rects_path(cx - half, top, cx + half, bottom), paint)


def _draw_grid(canvas: skia.Canvas, frame: _Frame, scale: _Scale, ticks: FloatArray) -> None:
    rows = np.round(scale.y(ticks)) + 0.5
    inside = (rows > scale.pane.top + 1) & (rows < scale.pane.bottom - 1)
    rows = rows[inside]
    if len(rows):
        zeros = np.zeros(len(rows))
        ends = np.full(len(rows), frame.layout.plot_right)
        canvas.drawPath(segments_path(zeros, rows, ends, rows), frame.paints.grid)


def _draw_axis_labels(
    canvas: skia.Canvas,
    frame: _Frame,
    scale: _Scale,
    ticks: FloatArray,
    labels: list[str],
    avoid: float | None = None,
) -> None:
    """Tick labels on the axis, except those the current-value tag at `avoid` would cover."""
    font = frame.fonts.axis
    x = frame.layout.plot_right + _AXIS_PAD
    for value, label in zip(ticks.tolist(), labels, strict=True):
        y = scale.y_of(value)
        if avoid is not None and abs(y - avoid) < 14.0:
            continue
        frame.fonts.draw(canvas, label, x, y + 4.0, font, frame.paints.text)


def _draw_value_tag(
    canvas: skia.Canvas, frame: _Frame, scale: _Scale, value: float, label: str, color: int
) -> None:
    """The coloured label of the current value on the axis, with a dotted line across."""
    y = scale.y_of(value)
    if not scale.pane.top <= y <= scale.pane.bottom:
        return
    line = _stroke(color)
    line.setPathEffect(skia.DashPathEffect.Make([1.0, 2.0], 0.0))
    row = math.floor(y) + 0.5
    canvas.drawLine(0, row, frame.layout.plot_right, row, line)
    left = frame.layout.plot_right + 1
    top = max(scale.pane.top, min(y - 9.0, scale.pane.bottom - 18.0))
    canvas.drawRect(skia.Rect.MakeLTRB(left, top, frame.layout.width, top + 18.0), _fill(color))
    frame.fonts.draw(
        canvas,
        label,
        left + _AXIS_PAD - 1,
        top + 13.0,
        frame.fonts.axis,
        frame.paints.last_price_text,
    )


def _price_scale(frame: _Frame) -> _Scale:
    """The price pane's scale: candles below the legend's lines and above the source mark."""
    bars, pane = frame.bars, frame.layout.price
    legend = 4.0 + _LEGEND_LINE * len(frame.legend)
    top = max(pane.height * _PANE_MARGIN, min(legend + 6.0, pane.height * 0.4))
    bottom = max(pane.height * _PANE_MARGIN, min(_LEGEND_LINE, pane.height * 0.15))
    return _Scale.fit(pane, float(bars.low.min()), float(bars.high.max()), top, bottom)


def _draw_price_pane(canvas: skia.Canvas, frame: _Frame) -> None:
    bars, pane = frame.bars, frame.layout.price
    scale = _price_scale(frame)
    ticks, _ = _levels(scale, _PRICE_TICK_GAP)
    _draw_grid(canvas, frame, scale, ticks)
    _clipped(canvas, frame, pane)
    for profile in frame.profiles:
        _draw_profile(canvas, frame, scale, profile)
    _draw_candles(canvas, frame, scale, bars.open, bars.high, bars.low, bars.close)
    canvas.restore()
    labels = [format_price(value, frame.decimals) for value in ticks.tolist()]
    last_close, last_open = float(bars.close[-1]), float(bars.open[-1])
    _draw_axis_labels(canvas, frame, scale, ticks, labels, avoid=scale.y_of(last_close))
    color = frame.colors.up if last_close >= last_open else frame.colors.down
    _draw_value_tag(
        canvas, frame, scale, last_close, format_price(last_close, frame.decimals), color
    )


def _draw_profile(
    canvas: skia.Canvas, frame: _Frame, scale: _Scale, profile: market.Profile
) -> None:
    """Rows growing leftwards from the right edge of the plot, two stacked parts each."""
    total = profile.first + profile.second
    longest = float(total.max()) if len(total) else 0.0
    if longest <= 0:
        return
    reach = frame.layout.plot_right * _PROFILE_SHARE / longest
    right = frame.layout.plot_right
    # A row ends a pixel above the next one's top, even where an edge falls on a whole pixel.
    tops = np.floor(scale.y(profile.edges[1:])) + 1.0
    bottoms = np.maximum(np.floor(scale.y(profile.edges[:-1])) - 1.0, tops + 1.0)
    first_edge = right - profile.first * reach
    paints = frame.paints
    first_paint, second_paint = (
        (paints.up_fill_soft, paints.down_fill_soft)
        if profile.first_side is market.Side.UP
        else (paints.down_fill_soft, paints.up_fill_soft)
    )
    full = np.full(len(tops), right)
    canvas.drawPath(rects_path(first_edge, tops, full, bottoms), first_paint)
    canvas.drawPath(
        rects_path(first_edge - profile.second * reach, tops, first_edge, bottoms), second_paint
    )


def _study_range(series: market.StudySeries) -> tuple[float, float]:
    """The values a study pane must show; bars without data (NaN) are left out."""
    match series:
        case market.Line(values=values, baseline=baseline):
            low, high = _finite_range(values)
            if baseline is not None and low - (high - low) <= baseline <= high + (high - low):
                low, high = min(low, baseline), max(high, baseline)
            return low, high
        case market.Columns(values=values):
            low, high = _finite_range(values)
            return min(0.0, low), max(0.0, high)
        case market.Mirrored(above=above, below=below):
            low = -_finite_range(below)[1] if below is not None else 0.0
            return min(0.0, low), max(0.0, _finite_range(above)[1])
        case market.Candles(low=lows, high=highs):
            return _finite_range(lows)[0], _finite_range(highs)[1]
    return 0.0, 1.0


def _finite_range(values: FloatArray) -> tuple[float, float]:
    finite = values[np.isfinite(values)]
    if not len(finite):
        return 0.0, 1.0
    return float(finite.min()), float(finite.max())


def _last_finite(values: FloatArray) -> float:
    """The latest value that there is data for (NaN when none)."""
    finite = values[np.isfinite(values)]
    return float(finite[-1]) if len(finite) else math.nan


def _sign_color(frame: _Frame, value: float) -> int:
    return frame.colors.down if value < 0 else frame.colors.up


def _side_color(frame: _Frame, side: market.Side) -> int:
    return frame.colors.up if side is market.Side.UP else frame.colors.down


def _legend_values(
    frame: _Frame, series: market.StudySeries, color: int
) -> list[tuple[float, int]]:
    """A study's current values for its title, each with its colour: both sides of a mirrored
    study (longs and shorts liquidated, buys and sells), as Coinalyze shows them."""
    match series:
        case market.Line(values=values):
            return [(_last_finite(values), color)]
        case market.Columns(values=values):
            last = _last_finite(values)
            return [(last, _sign_color(frame, last))]
        case market.Mirrored(above=above, below=below, above_side=side):
            shown = [(_last_finite(above), _side_color(frame, side))]
            if below is not None:
                other = market.Side.DOWN if side is market.Side.UP else market.Side.UP
                shown.append((_last_finite(below), _side_color(frame, other)))
            return shown
        case market.Candles(open=opens, close=closes):
            last_open, last_close = _last_finite(opens), _last_finite(closes)
            return [(last_close, frame.colors.down if last_close < last_open else frame.colors.up)]
    return []


def _draw_study_pane(
    canvas: skia.Canvas, frame: _Frame, series: market.StudySeries, pane: L.Pane, color: int
) -> None:
    height = pane.height
    top = height * _PANE_MARGIN + min(_TITLE_ROW, height * 0.3)
    scale = _Scale.fit(pane, *_study_range(series), top=top, bottom=height * _PANE_MARGIN)
    ticks, step = _levels(scale, _STUDY_TICK_GAP)
    _draw_grid(canvas, frame, scale, ticks)
    _clipped(canvas, frame, pane)
    paints = frame.paints
    match series:
        case market.Line(values=values, baseline=baseline):
            if baseline is not None:
                row = round(scale.y_of(baseline)) + 0.5
                canvas.drawLine(0, row, frame.layout.plot_right, row, paints.reference)
            known = np.isfinite(values)
            canvas.drawPath(
                polyline_path(frame.x[known], scale.y(values[known])),
                _stroke(color, 1.5, antialias=True),
            )
        case market.Columns(values=values):
            _draw_columns(canvas, frame, scale, values, paints.up, paints.down)
        case market.Mirrored(above=above, below=below, above_side=side):
            up, down = (
                (paints.up, paints.down) if side is market.Side.UP else (paints.down, paints.up)
            )
            _draw_columns(canvas, frame, scale, above, up, up)
            if below is not None:
                _draw_columns(canvas, frame, scale, -below, down, down)
        case market.Candles(open=o, high=h, low=lo, close=c):
            _draw_candles(canvas, frame, scale, o, h, lo, c)
    canvas.restore()
    labels = [format_tick(value, step, series.unit) for value in ticks.tolist()]
    _draw_axis_labels(canvas, frame, scale, ticks, labels)
    _draw_title(canvas, frame, pane, series, color)


def _draw_title(
    canvas: skia.Canvas, frame: _Frame, pane: L.Pane, series: market.StudySeries, color: int
) -> None:
    font, fonts_ = frame.fonts.title, frame.fonts
    items = [_Text(_LEGEND_X, series.name, font, frame.paints.text)]
    x = _LEGEND_X + fonts_.measure(series.name, font) + 8.0
    for value, value_color in _legend_values(frame, series, color):
        text = format_legend(value, series.unit)
        items.append(_Text(x, text, font, _fill(value_color, antialias=True)))
        x += fonts_.measure(text, font) + 6.0
    _draw_line(canvas, frame, pane.top + 14.0, tuple(items))


def _draw_time_axis(canvas: skia.Canvas, frame: _Frame) -> None:
    layout, bars = frame.layout, frame.bars
    ticks = time_ticks(
        bars.time, bars.interval.seconds, zone(frame.request.timezone), L.BAR_SPACING, _LABEL_GAP
    )
    ticks = [t for t in ticks if 20.0 < frame.x[t.bar] < layout.plot_right - 20.0]
    if ticks:
        columns = np.array([frame.x[t.bar] for t in ticks])
        tops = np.zeros(len(columns))
        bottoms = np.full(len(columns), layout.time_axis_top)
        canvas.drawPath(segments_path(columns, tops, columns, bottoms), frame.paints.grid)
    font = frame.fonts.axis
    baseline = layout.time_axis_top + 18.0
    for tick in ticks:
        width = font.measureText(tick.label)
        paint = frame.paints.text if tick.major else frame.paints.muted
        canvas.drawString(tick.label, float(frame.x[tick.bar]) - width / 2.0, baseline, font, paint)


def _draw_frame_lines(canvas: skia.Canvas, frame: _Frame) -> None:
    layout, border = frame.layout, frame.paints.border
    axis = math.floor(layout.plot_right) + 0.5
    canvas.drawLine(axis, 0, axis, layout.time_axis_top, border)
    bottom = math.floor(layout.time_axis_top) + 0.5
    canvas.drawLine(0, bottom, layout.width, bottom, border)
    for pane in layout.studies:
        row = math.floor(pane.top) + 0.5
        canvas.drawLine(0, row, layout.width, row, border)


def _price_legend(
    request: ChartRequest,
    bars: PriceBars,
    layout: L.Layout,
    typefaces: Fonts,
    colors: Palette,
    paints: _Paints,
    decimals: int,
    profiles: tuple[market.Profile, ...],
) -> tuple[tuple[_Text, ...], ...]:
    """The price pane's legend, line by line: symbol and OHLC (wrapped when narrow), the
    profiles drawn on the pane, and how many studies did not fit."""
    bold, font = typefaces.legend_bold, typefaces.legend
    measure = typefaces.measure
    title = f"{request.ticker} · {bars.interval.label} · {request.exchange}"
    first: list[_Text] = [_Text(_LEGEND_X, title, bold, paints.text)]
    x = _LEGEND_X + measure(title, bold) + 12.0
    last_open, last_close = float(bars.open[-1]), float(bars.close[-1])
    color = colors.up if last_close >= last_open else colors.down
    change = last_close - float(bars.close[-2]) if len(bars) > 1 else 0.0
    reference = float(bars.close[-2]) if len(bars) > 1 else last_open
    percent = 100.0 * change / reference if reference else 0.0
    values = (
        ("O", last_open),
        ("H", float(bars.high[-1])),
        ("L", float(bars.low[-1])),
        ("C", last_close),
    )
    parts = [(letter, format_price(value, decimals)) for letter, value in values]
    parts.append(("", f"{change:+.{decimals}f} ({percent:+.2f}%)"))
    width = sum(measure(f"{a} {b}", font) + 10.0 for a, b in parts)
    lines: list[list[_Text]] = [first]
    if x + width > layout.plot_right - 8.0:
        x = _LEGEND_X
        lines.append([])
    value_paint = _fill(color, antialias=True)
    limit = layout.plot_right - 4.0
    for letter, text in parts:
        if x + measure(f"{letter} {text}", font) > limit:
            break
        if letter:
            lines[-1].append(_Text(x, letter, font, paints.text))
            x += measure(letter, font) + 3.0
        lines[-1].append(_Text(x, text, font, value_paint))
        x += measure(text, font) + 10.0
    notes = [p.name for p in profiles]
    if layout.hidden_studies:
        hidden = layout.hidden_studies
        notes.append(
            f"{hidden} more {'study' if hidden == 1 else 'studies'} not shown: enlarge the chart"
        )
    room = int((layout.price.bottom - 4.0 - 18.0) // _LEGEND_LINE) + 1  # lines that fit
    for note in notes:
        lines.append([_Text(_LEGEND_X, note, typefaces.title, paints.muted)])
    return tuple(tuple(line) for line in lines[: max(1, room)] if line)


def _draw_legend(canvas: skia.Canvas, frame: _Frame) -> None:
    for i, line in enumerate(frame.legend):
        _draw_line(canvas, frame, 18.0 + i * _LEGEND_LINE, line)


def _draw_watermark(canvas: skia.Canvas, frame: _Frame) -> None:
    """The watermark, behind the series, centred on the price pane's plot; at the requested
    size when it fits there, else shrunk until it does."""
    request, fonts_, pane = frame.request, frame.fonts, frame.layout.price
    if not request.watermark:
        return
    text = request.watermark
    font = fonts_.sized(request.watermark_size)
    width = fonts_.measure(text, font)
    metrics = font.getMetrics()
    height = metrics.fDescent - metrics.fAscent
    room_x = frame.layout.plot_right - 2 * _WATERMARK_INSET
    room_y = pane.height - 2 * _WATERMARK_INSET
    shrink = min(1.0, room_x / width if width > 0 else 1.0, room_y / height if height > 0 else 1.0)
    if shrink < 1.0:
        font = fonts_.sized(max(1.0, request.watermark_size * shrink))
        width = fonts_.measure(text, font)
        metrics = font.getMetrics()
        height = metrics.fDescent - metrics.fAscent
    x = (frame.layout.plot_right - width) / 2.0
    y = pane.top + (pane.height - height) / 2.0 - metrics.fAscent
    color = with_alpha(frame.colors.watermark, request.watermark_opacity)
    fonts_.draw(canvas, text, x, y, font, _fill(color, antialias=True))


def _draw_source_mark(canvas: skia.Canvas, frame: _Frame) -> None:
    """Where the data comes from, small in the price pane's lower left corner."""
    baseline = frame.layout.price.bottom - 6.0
    if baseline - 13.0 < 18.0 + _LEGEND_LINE * (len(frame.legend) - 1) + 4.0:
        return  # the legend takes the whole pane
    item = _Text(_LEGEND_X, frame.mark, frame.fonts.title, frame.paints.muted)
    _draw_line(canvas, frame, baseline, (item,))


def _draw(canvas: skia.Canvas, frame: _Frame) -> None:
    canvas.clear(frame.colors.background)
    _draw_watermark(canvas, frame)
    _draw_time_axis(canvas, frame)
    _draw_price_pane(canvas, frame)
    for i, (series, pane) in enumerate(zip(frame.panes, frame.layout.studies, strict=True)):
        color = frame.colors.series[i % len(frame.colors.series)]
        _draw_study_pane(canvas, frame, series, pane, color)
    _draw_frame_lines(canvas, frame)
    _draw_legend(canvas, frame)
    _draw_source_mark(canvas, frame)


class _Canvases(threading.local):
    """One pixel buffer per thread and size, reused: fresh memory costs page faults."""

    def __init__(self) -> None:
        self.by_size: dict[tuple[int, int], tuple[npt.NDArray[np.uint8], skia.Surface]] = {}

    def get(self, width: int, height: int) -> tuple[npt.NDArray[np.uint8], skia.Surface]:
        found = self.by_size.get((width, height))
        if found is None:
            if len(self.by_size) >= _CANVASES_PER_THREAD:
                self.by_size.clear()
            pixels = np.zeros((height, width, 4), dtype=np.uint8)
            surface = skia.Surface(
                pixels, skia.ColorType.kRGBA_8888_ColorType, skia.AlphaType.kPremul_AlphaType
            )
            found = self.by_size[(width, height)] = (pixels, surface)
        return found


_CANVASES_PER_THREAD = 4
_canvases = _Canvases()


def render_chart(request: ChartRequest, data: MarketData) -> bytes:
    """The chart image of `request` drawn from `data`: PNG or JPEG, exactly width x height."""
    frame = _frame(request, data)
    pixels, surface = _canvases.get(request.width, request.height)
    canvas = surface.getCanvas()
    canvas.save()
    try:
        _draw(canvas, frame)
    finally:
        canvas.restoreToCount(1)
    return encode(surface, pixels, request.format)


def chart_layout(request: ChartRequest, data: MarketData) -> L.Layout:
    """Where the panes of `request`'s chart go, for tools that inspect the image."""
    return _frame(request, data).layout
