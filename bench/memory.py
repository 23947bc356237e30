"""A gunicorn worker's resident memory before and after N requests (target: no growth beyond noise).

Same set-up as bench/service.py (throw-away PostgreSQL, gunicorn 2 workers x 4 threads, auth
and audit on). Warms up with 1,000 requests, reads VmRSS of both workers from /proc, sends N
more requests (a mix: whole two-task instances = 3 requests each, plus an inbox page), and
reads VmRSS at every tenth of the way, so a slow leak shows as a trend, not one number.

    python bench/memory.py [--requests 50000]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("ZORGPAD_LOG_LEVEL", "WARNING")

from bench.pgdb import throwaway_database  # noqa: E402
from bench.service import Client, free_port, prepare, start_gunicorn, stop, wait_ready  # noqa: E402


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return sorted(found)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def drive(client: Client, requests: int, tag: str) -> None:
    sent, i = 0, 0
    while sent < requests:
        client.whole_instance(f"{tag}-{i}")
        client.call("GET", "/api/v1/tasks?perPage=50")
        sent += 4
        i += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50_000)
    args = parser.parse_args()
    with throwaway_database() as url:
        token = prepare(url)
        port = free_port()
        server = start_gunicorn(url, port, Path("/tmp") / f"zorgpad-bench-memory-{port}.log")
        try:
            wait_ready(port)
            client = Client(port, token)
            drive(client, 1000, "warm")
            workers = children(server.pid)
            before = {pid: rss_kib(pid) for pid in workers}
            trend = []
            step = max(4, args.requests // 10)
            for k in range(0, args.requests, step):
                drive(client, min(step, args.requests - k), f"run{k}")
                trend.append((k + step, sum(rss_kib(pid) for pid in workers) / 1024))
            after = {pid: rss_kib(pid) for pid in workers}
            client.close()
        finally:
            stop(server)
    print(f"\nmemory: both workers' RSS while serving {args.requests:,} requests (after 1,000 warm-up)")
    print(f"{'requests':>10} | {'RSS MiB':>8}")
    print(f"{0:>10,} | {sum(before.values()) / 1024:8.1f}")
    for sent, mib in trend:
        print(f"{min(sent, args.requests):>10,} | {mib:8.1f}")
    print(f"\nmemory: gunicorn worker RSS before/after {args.requests:,} requests")
    print(f"{'worker pid':>10} | {'before MiB':>10} | {'after MiB':>9} | {'growth MiB':>10} | ratio")
    print("-" * 62)
    worst = 0.0
    for pid in workers:
        growth = (after[pid] - before[pid]) / 1024
        ratio = after[pid] / before[pid]
        worst = max(worst, ratio)
        print(f"{pid:>10} | {before[pid] / 1024:10.1f} | {after[pid] / 1024:9.1f} | "
              f"{growth:10.1f} | {ratio:5.3f}x")
    print(f"\nlargest after/before: {worst:.3f}x (target: no growth beyond noise, taken as <= 1.05x) "
          f"{'OK' if worst <= 1.05 else 'MISS'}")


if __name__ == "__main__":
    main()
