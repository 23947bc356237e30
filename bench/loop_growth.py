"""Step cost of a long-running loop at pass 10, 1,000 and 5,000 (issue: loops must not slow down).

One step = what the service does per completion, minus the database: restore the instance from
its stored JSON state, complete the looping user task, run to the next wait state, prune, dump
and JSON-encode the state. Prints a table with the median and p95 around each pass and the
ratio against pass 10, measured in the same run.

    python bench/loop_growth.py [--passes 5000] [--window 40]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.engine import ProcessRun, parse_bundle  # noqa: E402

FIXTURE = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "loop.bpmn"


def measure(passes: int, checkpoints: list[int], window: int) -> dict[int, list[float]]:
    model = parse_bundle({"loop.bpmn": FIXTURE.read_bytes()}).processes["loop"]
    run = ProcessRun.start("bench-loop", model.spec, {"target": passes})
    run.run()
    stored = json.dumps(run.dump())
    samples: dict[int, list[float]] = {c: [] for c in checkpoints}
    sizes: dict[int, int] = {}
    for n in range(1, passes + 1):
        started = time.perf_counter()
        run = ProcessRun.restore("bench-loop", model.spec, json.loads(stored))
        [review] = run.human_tasks()
        run.complete(review.id, {})
        stored = json.dumps(run.dump())
        elapsed = time.perf_counter() - started
        for c in checkpoints:
            if c - window // 2 <= n < c + window // 2 or (c == passes and n > passes - window):
                samples[c].append(elapsed)
                sizes[c] = len(stored)
    if not run.completed or run.data.get("passes") != passes:
        raise SystemExit(f"loop did not end correctly: {run.data}")
    return samples, sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", type=int, default=5000)
    parser.add_argument("--window", type=int, default=100)
    args = parser.parse_args()
    checkpoints = [c for c in (10, 1000, 5000) if c <= args.passes]
    samples, sizes = measure(args.passes, checkpoints, args.window)
    base = statistics.median(samples[checkpoints[0]])
    print(f"loop growth: {args.passes} passes, median/p95 over ~{args.window} steps per checkpoint")
    print(f"{'pass':>6} | {'median ms':>9} | {'p95 ms':>7} | {'state bytes':>11} | ratio to pass 10")
    print("-" * 62)
    for c in checkpoints:
        values = sorted(samples[c])
        median = statistics.median(values)
        p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
        print(f"{c:>6} | {median * 1000:9.3f} | {p95 * 1000:7.3f} | {sizes[c]:>11} | {median / base:5.2f}x")
    ratio = statistics.median(samples[checkpoints[-1]]) / base
    verdict = "OK" if ratio <= 1.5 else "TOO SLOW"
    print(f"target: pass {checkpoints[-1]} within 1.5x of pass 10 -> {ratio:.2f}x {verdict}")


if __name__ == "__main__":
    main()
