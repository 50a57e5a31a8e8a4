"""Where a page spends its time: cProfile and its SQL, on a benchmark database.

    .venv/bin/python bench/profile_page.py --size large /device_assign
    .venv/bin/python bench/profile_page.py --size small --top 40 /service/587

Logged in as the owner, DEBUG=False, after two warm-up requests; prints the functions by
cumulative time and each SQL statement with its duration.
"""

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import setup_django  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="large")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("path")
    args = parser.parse_args(argv)
    # Profile the render, not the page cache's answer to a repeat (telite/pagecache.py).
    os.environ["PAGE_CACHE"] = "False"
    setup_django(args.size)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username="owner"))
    for _ in range(2):
        client.get(args.path)
    with CaptureQueriesContext(connection) as ctx:
        started = time.perf_counter()
        response = client.get(args.path)
        elapsed = time.perf_counter() - started
    print(
        f"{args.path}: HTTP {response.status_code}, {elapsed * 1000:.1f} ms, "
        f"{len(ctx.captured_queries)} queries, {len(response.content):,} bytes"
    )
    for q in ctx.captured_queries:
        print(f"  {float(q['time']) * 1000:7.1f} ms  {q['sql'][:160]}")
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(args.repeat):
        client.get(args.path)
    profiler.disable()
    stats = pstats.Stats(profiler).sort_stats("cumulative")
    stats.print_stats(args.top)


if __name__ == "__main__":
    main()
