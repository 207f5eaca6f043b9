"""bench/book.py's output: the markdown table (a row per figure, a column per book size) and
the PNG of each figure against book size."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from matplotlib.figure import Figure as Chart

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path


class Sized(Protocol):
    contracts: int
    values: dict[str, float]


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    fmt: str
    plotted: bool = True


FIGURES: tuple[Figure, ...] = (
    Figure("events", "events stored", "{:,.0f}"),
    Figure("events_per_contract", "events per contract", "{:.0f}", plotted=False),
    Figure("generate_s", "generation in memory (s, not a measurement)", "{:.1f}", plotted=False),
    Figure("load_rate", "COPY load (events/s)", "{:,.0f}"),
    Figure("bytes_per_event", "disk per event: events table + indexes (bytes)", "{:.0f}"),
    Figure("snapshot_bytes_per_event", "disk per event: snapshots table (bytes)", "{:.0f}"),
    Figure("mib_per_1k_contracts", "disk per 1,000 contracts, both tables (MiB)", "{:.1f}"),
    Figure("raw_read_rate", "raw read, select + decode, baseline (events/s)", "{:,.0f}"),
    Figure(
        "subscription_rate", "read-only ApplicationSubscription, baseline (events/s)", "{:,.0f}"
    ),
    Figure("rebuild_s", "rebuild of all six views (s)", "{:.1f}"),
    Figure("rebuild_rate", "rebuild rate (events/s)", "{:,.0f}"),
    Figure("rebuild_ratio", "rebuild rate / raw read rate", "{:.2f}x"),
    Figure("rebuild_subscription_ratio", "rebuild rate / subscription rate", "{:.2f}x"),
    Figure(
        "load_first_p50_ms",
        "cold load, random contract and version, first touch, p50 (ms)",
        "{:.2f}",
    ),
    Figure("load_first_p99_ms", "cold load, first touch, p99 (ms)", "{:.2f}"),
    Figure("load_p50_ms", "cold load, the same again (pages in memory), p50 (ms)", "{:.2f}"),
    Figure("load_p99_ms", "cold load, the same again (pages in memory), p99 (ms)", "{:.2f}"),
    Figure("scheduler_s", "scheduler daily run, one tick (s)", "{:.2f}"),
    Figure("scheduler_asked", "contracts the daily run asked to bill", "{:,.0f}"),
    Figure("scheduler_billed", "events the daily run recorded", "{:,.0f}", plotted=False),
    Figure("verify_s", "audit verify --all (s)", "{:.1f}"),
    Figure("verify_rate", "audit verify rate (events/s)", "{:,.0f}"),
    Figure("verify_broken", "broken links found", "{:.0f}", plotted=False),
    Figure("rss_generate", "peak RSS: largest generating process (MiB)", "{:.0f}"),
    Figure("rss_raw_read", "peak RSS: raw read process (MiB)", "{:.0f}"),
    Figure("rss_rebuild", "peak RSS: rebuild, its main process (MiB)", "{:.0f}"),
    Figure("rss_rebuild_worker", "peak RSS: rebuild, largest worker process (MiB)", "{:.0f}"),
    Figure("rss_loads", "peak RSS: cold-load process (MiB)", "{:.0f}"),
    Figure("rss_scheduler", "peak RSS: scheduler process (MiB)", "{:.0f}"),
    Figure("rss_verify", "peak RSS: audit verify process (MiB)", "{:.0f}"),
    Figure("rss_postgres", "peak RSS: largest PostgreSQL process, sampled (MiB)", "{:.0f}"),
)


def table(results: Sequence[Sized]) -> str:
    """Markdown: a row per figure, a column per book size."""
    head = "| figure | " + " | ".join(f"{r.contracts:,} contracts" for r in results) + " |"
    rule = "|---|" + "---:|" * len(results)
    rows = [head, rule]
    for f in FIGURES:
        cells = [f.fmt.format(r.values[f.key]) if f.key in r.values else "n/a" for r in results]
        rows.append(f"| {f.label} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def plot(results: Sequence[Sized], path: Path) -> None:
    """One small chart per plotted figure against book size, in one PNG."""
    shown = [f for f in FIGURES if f.plotted]
    columns = 4
    rows = -(-len(shown) // columns)
    fig = Chart(figsize=(4 * columns, 2.8 * rows))
    axes = fig.subplots(rows, columns, squeeze=False)
    sizes = [r.contracts for r in results]
    for ax, f in zip(axes.flat, shown, strict=False):
        ax.plot(sizes, [r.values.get(f.key, float("nan")) for r in results], marker="o")
        ax.set_title(f.label, fontsize=8)
        ax.set_xlabel("contracts", fontsize=7)
        ax.tick_params(labelsize=7)
        ax.set_ylim(bottom=0)
    for ax in list(axes.flat)[len(shown) :]:
        ax.set_visible(False)
    fig.suptitle("A lessor's book: each figure against book size (bench/book.py)")
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    fig.savefig(path, dpi=90)
