"""Bar charts of comparisons, as PNG bytes.

Drawn with matplotlib's Agg backend (no display needed) and meant to be called off the event
loop (`asyncio.to_thread`): a chart takes tens of milliseconds of pure CPU. Results are cached
by what they show, since a group tends to ask for the same comparison again. matplotlib (and
numpy under it, some 40 MB) is imported by the first chart drawn, not with this module.
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING

from bot.answering.compare import Comparison, Ranking

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_COLOURS = ("#1f6feb", "#f0883e", "#3fb950", "#a371f7", "#db61a2", "#8b949e", "#d29922")
_SCORE_UNIT = "score"


class ChartCache:
    """A small thread-safe LRU of rendered charts, keyed by the comparison's content."""

    def __init__(self, size: int = 64) -> None:
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get_or_render(self, result: Comparison | Ranking) -> bytes | None:
        key = chart_key(result)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        png = render_chart(result)
        if png is not None:
            with self._lock:
                self._items[key] = png
                while len(self._items) > self._size:
                    self._items.popitem(last=False)
        return png


def chart_key(result: Comparison | Ranking) -> str:
    if isinstance(result, Ranking):
        return "rank:" + result.benchmark.id
    return "compare:" + ",".join(m.id for m in result.models)


def render_chart(result: Comparison | Ranking) -> bytes | None:
    """PNG bytes, or None when there is nothing to draw (no scored benchmark in common)."""
    if isinstance(result, Ranking):
        return _ranking_chart(result)
    return _comparison_chart(result)


def _figure(height: float) -> Figure:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    return Figure(figsize=(8, height), dpi=110)


def _comparison_chart(c: Comparison) -> bytes | None:
    rows = [r for r in c.rows if r.benchmark.unit == _SCORE_UNIT]
    if not rows:
        return None
    fig = _figure(1.2 + 0.9 * len(rows))
    ax = fig.subplots()
    height = 0.8 / len(c.models)
    for i, model in enumerate(c.models):
        ys = [r_i + i * height for r_i in range(len(rows))]
        cells = [r.cells[i] for r in rows]
        values = [c.value if c else 0.0 for c in cells]
        bars = ax.barh(ys, values, height=height * 0.95, color=_COLOURS[i % len(_COLOURS)], label=model.name)
        labels = [r.benchmark.format_value(c.value) if c else "—" for r, c in zip(rows, cells, strict=True)]
        ax.bar_label(bars, labels=labels, padding=3, fontsize=8)
    ax.set_yticks([r_i + height * (len(c.models) - 1) / 2 for r_i in range(len(rows))])
    ax.set_yticklabels([r.benchmark.label for r in rows])
    ax.invert_yaxis()
    ax.set_xlabel("score (higher is better; — = no figure in the source)")
    ax.set_title(" vs ".join(m.name for m in c.models))
    ax.legend(loc="lower right", fontsize=8)
    ax.set_xlim(0, max(100.0, *(s.value for r in rows for s in r.cells if s)) * 1.08)
    return _png(fig)


def _ranking_chart(r: Ranking) -> bytes | None:
    if r.benchmark.unit != _SCORE_UNIT or not r.entries:
        return None
    fig = _figure(1.2 + 0.6 * len(r.entries))
    ax = fig.subplots()
    names = [f"{m.name} ({s.mode})" if s.mode and s.mode not in m.name else m.name for m, s in r.entries]
    values = [s.value for _, s in r.entries]
    colours = [_COLOURS[i % len(_COLOURS)] for i in range(len(values))]
    bars = ax.barh(names, values, color=colours)
    ax.bar_label(bars, labels=[r.benchmark.format_value(v) for v in values], padding=3, fontsize=9)
    ax.invert_yaxis()
    ax.set_title(r.benchmark.name)
    ax.set_xlim(0, max(100.0, *values) * 1.08)
    return _png(fig)


def _png(fig: Figure) -> bytes:
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()
