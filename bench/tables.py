"""Printing benchmark results: medians, p95s and the ratio to a baseline from the same run."""

from __future__ import annotations

import statistics


def summary(samples: list[float]) -> tuple[float, float]:
    values = sorted(samples)
    return statistics.median(values), values[min(len(values) - 1, int(len(values) * 0.95))]


def print_table(title: str, rows: list[tuple[str, list[float]]], baseline: str | None = None) -> None:
    """Rows of (name, seconds per operation); ratios are medians against the baseline row."""
    print(f"\n{title}")
    print(f"{'case':<44} | {'n':>5} | {'median ms':>9} | {'p95 ms':>8} | {'ops/s':>8} | ratio")
    print("-" * 92)
    medians = {name: summary(samples)[0] for name, samples in rows}
    base = medians.get(baseline) if baseline else None
    for name, samples in rows:
        median, p95 = summary(samples)
        ratio = f"{median / base:5.2f}x" if base else "  -"
        print(
            f"{name:<44} | {len(samples):>5} | {median * 1000:9.3f} | {p95 * 1000:8.3f} | "
            f"{1 / median if median else 0:8.1f} | {ratio}"
        )
