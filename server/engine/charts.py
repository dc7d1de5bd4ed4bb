"""The report's PNG charts (SPEC.md §12), drawn by matplotlib (Agg backend): the menu query family
before and after, and the health over staging's soak and production's watch."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from server.runbook import ENVIRONMENTS, Env
from tools.lib.measure import QUERIES

if TYPE_CHECKING:
    from server.engine.report import ReportData

MENU_CHART = "report_menu_family.png"
HEALTH_CHART = "report_health.png"


def draw_charts(data: ReportData, folder: Path) -> list[str]:
    """The PNGs the report shows (their file names); a chart with nothing to draw is left out."""
    import matplotlib

    matplotlib.use("Agg")
    drawn = []
    if _menu_chart(data, folder / MENU_CHART):
        drawn.append(MENU_CHART)
    if _health_chart(data, folder / HEALTH_CHART):
        drawn.append(HEALTH_CHART)
    return drawn


def _menu_chart(data: ReportData, path: Path) -> bool:
    import matplotlib.pyplot as plt

    series: dict[Env, tuple[list[float], list[float]]] = {}
    for env in ENVIRONMENTS:
        baseline, after = data.baseline(env), data.after_menu(env)
        if baseline is None or after is None or not baseline.menu_queries or not after.menu:
            continue
        series[env] = (
            [
                float(baseline.menu_queries[q]["median_ms"]) if q in baseline.menu_queries else 0.0
                for q in QUERIES
            ],
            [after.menu[q].p50_ms if q in after.menu else 0.0 for q in QUERIES],
        )
    if not series:
        return False
    fig, axes = plt.subplots(1, len(series), figsize=(5.5 * len(series), 4.2), squeeze=False)
    for ax, (env, (before, after_ms)) in zip(axes[0], series.items(), strict=True):
        x = range(len(QUERIES))
        bars_b = ax.bar(
            [i - 0.2 for i in x], before, width=0.4, label="before (preflight baseline)", color="#9e9e9e"
        )
        bars_a = ax.bar(
            [i + 0.2 for i in x], after_ms, width=0.4, label="after (latest sample)", color="#1f77b4"
        )
        ax.bar_label(bars_b, fmt="%.2f", fontsize=8)
        ax.bar_label(bars_a, fmt="%.2f", fontsize=8)
        ax.set_xticks(list(x), [q.replace("_", " ") for q in QUERIES])
        ax.set_ylabel("median latency (ms)")
        ax.set_title(f"{env}: menu query family, before and after")
        ax.set_ylim(0, max([*before, *after_ms, 0.1]) * 1.25)
        ax.legend(fontsize=8, loc="upper left")
        ax.grid(axis="y", alpha=0.3)
    fig.suptitle("Median of 9 runs on the pinned restaurants (the slowest restaurant shown)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def _time_unit(span_h: float) -> tuple[str, float]:
    """A readable unit for the x axis of a window that lasted `span_h` hours."""
    if span_h >= 2:
        return "hours", 1.0
    if span_h * 60 >= 2:
        return "minutes", 60.0
    return "seconds", 3600.0


def _health_chart(data: ReportData, path: Path) -> bool:
    import matplotlib.pyplot as plt

    windows = {"staging soak": data.soak(), "production watch": data.watch()}
    if not any(windows.values()):
        return False
    fig, axes = plt.subplots(3, 2, figsize=(11, 8), sharex="col", squeeze=False)
    for col, (label, entries) in enumerate(windows.items()):
        points = [e for e in entries if e.window is not None]
        span = max((e.window.hours for e in points if e.window), default=0.0)
        unit, scale = _time_unit(span)
        first = entries[0].sample if entries else None
        x = [0.0] + [e.window.hours * scale for e in points if e.window]
        judged = [
            (e.window.hours * scale, 100 * e.window.error_rate)
            for e in points
            if e.window and e.window.error_rate is not None
        ]
        unjudged = [e.window.hours * scale for e in points if e.window and e.window.error_rate is None]
        deadlocks = [0] + [e.window.deadlocks for e in points if e.window]
        p50s = [first.menu["menu"].p50_ms if first and "menu" in first.menu else float("nan")] + [
            e.sample.menu["menu"].p50_ms if "menu" in e.sample.menu else float("nan") for e in points
        ]
        ax_rate, ax_dead, ax_menu = axes[0][col], axes[1][col], axes[2][col]
        if judged:
            ax_rate.plot(
                [h for h, _ in judged],
                [r for _, r in judged],
                marker="o",
                color="#d62728",
                label="error rate",
            )
        if unjudged:
            ax_rate.plot(
                unjudged,
                [0.0] * len(unjudged),
                linestyle="none",
                marker="o",
                markerfacecolor="none",
                color="#777777",
                label="not judged (< 100 transactions)",
            )
        ax_rate.axhline(5, color="#d62728", linestyle="--", linewidth=1, label="trips (5 %)")
        ax_rate.axhline(1, color="#ff7f0e", linestyle=":", linewidth=1, label="warns (1 %)")
        ax_rate.set_ylabel("error rate (%)")
        ax_rate.set_ylim(0, max([r for _, r in judged] + [6.0]) * 1.15)
        ax_rate.legend(fontsize=7, loc="upper right")
        started = (
            points[0].window.start_at if points and points[0].window else (first.taken_at if first else None)
        )
        ax_rate.set_title(
            label + (f" (from {started[:16].replace('T', ' ')} UTC)" if started else ": no samples")
        )
        ax_dead.step(x, deadlocks, where="post", marker="o", color="#9467bd")
        ax_dead.set_ylabel("deadlocks in the window")
        ax_dead.set_ylim(0, max([*deadlocks, 1]) * 1.3)
        ax_menu.plot(x, p50s, marker="o", color="#1f77b4", label="menu p50")
        top = max([v for v in p50s if v == v] + [0.1])
        if p50s and p50s[0] == p50s[0]:  # not NaN: the trigger's line, from the window's first sample
            limit = 1.5 * p50s[0] + 1
            ax_menu.axhline(
                limit, color="#d62728", linestyle="--", linewidth=1, label="trips (1.5 × start + 1 ms)"
            )
            top = max(top, limit)
        ax_menu.set_ylabel("menu query p50 (ms)")
        ax_menu.set_xlabel(f"{unit} since the window started (database clock)")
        ax_menu.set_ylim(0, top * 1.2)
        ax_menu.legend(fontsize=7, loc="upper right")
        for ax in (ax_rate, ax_dead, ax_menu):
            ax.grid(alpha=0.3)
            if not points:
                ax.text(
                    0.5,
                    0.5,
                    "not measured yet",
                    transform=ax.transAxes,
                    ha="center",
                    va="center",
                    color="#777777",
                )
    fig.suptitle(
        "Health over staging's soak and production's watch (each point: a journaled sample)", fontsize=10
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True
