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
from ._ticks import format_price, format_value, nice_ticks
from ._time_axis import time_ticks, zone

__all__ = ["chart_layout", "max_visible_bars", "render_chart"]

FloatArray = npt.NDArray[np.float64]

_AXIS_PAD = 8.0
_MIN_AXIS_WIDTH = 56.0
_LABEL_GAP = 90.0  # minimum pixels between time labels
_PRICE_TICK_GAP = 34.0  # minimum pixels between price ticks
_STUDY_TICK_GAP = 22.0
_PANE_MARGIN = 0.08  # share of a pane left empty above and below its data
_LEGEND_X = 10.0
_LEGEND_LINE = 18.0
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
    return _Frame(
        request=request,
        colors=colors,
        paints=_paints(colors),
        fonts=typefaces,
        bars=bars,
        mark=data.mark,
        panes=panes[: len(layout.studies)],
        profiles=profiles,
        layout=layout,
        x=layout.bar_x(len(bars)),
        decimals=decimals,
    )


# --------------------------------------------------------------------------- scales


@dataclass(frozen=True, slots=True)
class _Scale:
    """Maps values to rows of a pane."""

    pane: L.Pane
    low: float
    high: float

    @classmethod
    def fit(cls, pane: L.Pane, low: float, high: float, top_margin: float = _PANE_MARGIN) -> _Scale:
        if not (math.isfinite(low) and math.isfinite(high)):
            low, high = 0.0, 1.0
        if high - low <= abs(high) * 1e-9:
            pad = abs(high) * 0.01 or 1.0
            low, high = low - pad, high + pad
        span = high - low
        return cls(pane, low - span * _PANE_MARGIN, high + span * top_margin)

    def y(self, values: FloatArray) -> FloatArray:
        top, height = self.pane.top, self.pane.height
        result: FloatArray = top + (self.high - values) / (self.high - self.low) * height
        return result

    def y_of(self, value: float) -> float:
        return float(self.y(np.array([value]))[0])


# --------------------------------------------------------------------------- drawing


def _clipped(canvas: skia.Canvas, frame: _Frame, pane: L.Pane) -> None:
    canvas.save()
    canvas.clipRect(skia.Rect.MakeLTRB(0, pane.top, frame.layout.plot_right, pane.bottom))


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
        y = scale.y_of(value) + 4.0
        if avoid is not None and abs(y - 4.0 - avoid) < 14.0:
            continue
        if scale.pane.top + 10 <= y <= scale.pane.bottom - 2:
            canvas.drawString(label, x, y, font, frame.paints.text)


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
    canvas.drawString(
        label, left + _AXIS_PAD - 1, top + 13.0, frame.fonts.axis, frame.paints.last_price_text
    )


def _draw_price_pane(canvas: skia.Canvas, frame: _Frame) -> None:
    bars, pane = frame.bars, frame.layout.price
    top_margin = _PANE_MARGIN + min(0.25, 2.2 * _LEGEND_LINE / max(pane.height, 1.0))
    scale = _Scale.fit(pane, float(bars.low.min()), float(bars.high.max()), top_margin)
    max_ticks = max(2, int(pane.height / _PRICE_TICK_GAP))
    ticks, _ = nice_ticks(scale.low, scale.high, max_ticks)
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
    tops = np.ceil(scale.y(profile.edges[1:]))
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


def _last_value(series: market.StudySeries) -> float:
    """The latest value that there is data for (NaN when none)."""
    match series:
        case market.Line(values=values) | market.Columns(values=values):
            return _last_finite(values)
        case market.Mirrored(above=above):
            return _last_finite(above)
        case market.Candles(close=close):
            return _last_finite(close)
    return math.nan


def _last_finite(values: FloatArray) -> float:
    finite = values[np.isfinite(values)]
    return float(finite[-1]) if len(finite) else math.nan


def _draw_study_pane(
    canvas: skia.Canvas, frame: _Frame, series: market.StudySeries, pane: L.Pane, color: int
) -> None:
    scale = _Scale.fit(
        pane, *_study_range(series), top_margin=_PANE_MARGIN + min(0.3, 16.0 / pane.height)
    )
    max_ticks = max(1, int(pane.height / _STUDY_TICK_GAP) - 1)
    ticks, step = nice_ticks(scale.low, scale.high, max_ticks)
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
    labels = [format_value(value, step, series.unit) for value in ticks.tolist()]
    _draw_axis_labels(canvas, frame, scale, ticks, labels)
    last = _last_value(series)
    title_color = color if isinstance(series, market.Line) else frame.colors.text
    value = format_value(last, step / 10.0, series.unit) if math.isfinite(last) else "n/a"
    _draw_title(canvas, frame, pane, series.name, value, title_color)


def _draw_title(
    canvas: skia.Canvas, frame: _Frame, pane: L.Pane, name: str, value: str, color: int
) -> None:
    font = frame.fonts.title
    baseline = pane.top + 14.0
    canvas.drawString(name, _LEGEND_X, baseline, font, frame.paints.text)
    x = _LEGEND_X + font.measureText(name) + 8.0
    canvas.drawString(value, x, baseline, font, _fill(color, antialias=True))


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


def _draw_legend(canvas: skia.Canvas, frame: _Frame) -> None:
    request, bars, paints = frame.request, frame.bars, frame.paints
    bold, font = frame.fonts.legend_bold, frame.fonts.legend
    baseline = 18.0
    title = f"{request.ticker} · {bars.interval.label} · {request.exchange}"
    canvas.drawString(title, _LEGEND_X, baseline, bold, paints.text)
    x = _LEGEND_X + bold.measureText(title) + 12.0
    last_open, last_close = float(bars.open[-1]), float(bars.close[-1])
    color = frame.colors.up if last_close >= last_open else frame.colors.down
    change = last_close - float(bars.close[-2]) if len(bars) > 1 else 0.0
    reference = float(bars.close[-2]) if len(bars) > 1 else last_open
    percent = 100.0 * change / reference if reference else 0.0
    values = (
        ("O", last_open),
        ("H", float(bars.high[-1])),
        ("L", float(bars.low[-1])),
        ("C", last_close),
    )
    parts = [(letter, format_price(value, frame.decimals)) for letter, value in values]
    parts.append(("", f"{change:+.{frame.decimals}f} ({percent:+.2f}%)"))
    width = sum(font.measureText(f"{a} {b}") + 10.0 for a, b in parts)
    if x + width > frame.layout.plot_right - 8.0:
        x, baseline = _LEGEND_X, baseline + _LEGEND_LINE
    value_paint = _fill(color, antialias=True)
    limit = frame.layout.plot_right - 4.0
    for letter, text in parts:
        if x + font.measureText(f"{letter} {text}") > limit:
            break
        if letter:
            canvas.drawString(letter, x, baseline, font, paints.text)
            x += font.measureText(letter) + 3.0
        canvas.drawString(text, x, baseline, font, value_paint)
        x += font.measureText(text) + 10.0
    notes = [p.name for p in frame.profiles]
    if frame.layout.hidden_studies:
        hidden = frame.layout.hidden_studies
        notes.append(
            f"{hidden} more {'study' if hidden == 1 else 'studies'} not shown: enlarge the chart"
        )
    for note in notes:
        baseline += _LEGEND_LINE
        if baseline > frame.layout.price.bottom - 4:
            break
        canvas.drawString(note, _LEGEND_X, baseline, frame.fonts.title, paints.muted)


def _draw_watermark(canvas: skia.Canvas, frame: _Frame) -> None:
    request = frame.request
    if not request.watermark:
        return
    font = frame.fonts.sized(request.watermark_size)
    width = font.measureText(request.watermark)
    ascent_descent = font.getMetrics()
    height = ascent_descent.fDescent - ascent_descent.fAscent
    x = (request.width - width) / 2.0
    y = (request.height - height) / 2.0 - ascent_descent.fAscent
    color = with_alpha(frame.colors.watermark, request.watermark_opacity)
    canvas.drawString(request.watermark, x, y, font, _fill(color, antialias=True))


def _draw_source_mark(canvas: skia.Canvas, frame: _Frame) -> None:
    """Where the data comes from, small in the price pane's lower left corner."""
    baseline = frame.layout.price.bottom - 6.0
    canvas.drawString(frame.mark, _LEGEND_X, baseline, frame.fonts.title, frame.paints.muted)


def _draw(canvas: skia.Canvas, frame: _Frame) -> None:
    canvas.clear(frame.colors.background)
    _draw_time_axis(canvas, frame)
    _draw_price_pane(canvas, frame)
    for i, (series, pane) in enumerate(zip(frame.panes, frame.layout.studies, strict=True)):
        color = frame.colors.series[i % len(frame.colors.series)]
        _draw_study_pane(canvas, frame, series, pane, color)
    _draw_frame_lines(canvas, frame)
    _draw_legend(canvas, frame)
    _draw_source_mark(canvas, frame)
    _draw_watermark(canvas, frame)


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
