"""TELITE benchmark: ten years of data, key pages, budgets. ``make bench`` runs this.

    .venv/bin/python bench/run.py                 # build (or reuse) both databases, measure
    .venv/bin/python bench/run.py --quick         # fewer repetitions, 3 s load per page
    .venv/bin/python bench/run.py --no-load       # skip the gunicorn throughput part

Steps: build ``telite_bench_small`` (1,000 devices) and ``telite_bench_large`` (200,000)
with bench/generate.py unless built today by the same generator version; collect static
files (DEBUG=False); measure every page in-process on both databases in alternating rounds
(p50, p95, SQL queries); time WeasyPrint on a bare page of the bill's text; load the pages
under gunicorn against /healthz; write bench/results.md and bench/results.json; print one
line per budget. Exit status 1 when a budget fails.
"""

import argparse
import datetime as dt
import json
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    BENCH_DIR,
    DATA_DIR,
    REPO_DIR,
    django_env,
    python,
)
from bench.load import throughput  # noqa: E402
from bench.measure import PAGES  # noqa: E402

QUERY_BUDGET = "queries identical at 1,000 and 200,000 devices"
P50_RATIO = 1.3
DETAIL_FLOOR, LIST_FLOOR = 0.35, 0.25
PDF_VS_BARE = 2.0
REPEAT_SPEEDUP = 10.0
LOAD_PAGES = [k for k, _label, _kind in PAGES if k != "bill_pdf_first"]
# Pages whose views are kept by telite/pagecache.py (@cached_page).
CACHED_PAGES = [
    "dashboard",
    "device_list",
    "device_search",
    "assign",
    "service",
    "overdue",
    "delivery_ready",
    "closed_list",
    "closed_search",
]


class WorkerProcess:
    """A bench/measure.py worker on one database, spoken to in JSON lines."""

    def __init__(self, size: str):
        self.size = size
        self.proc = subprocess.Popen(
            [python(), str(BENCH_DIR / "measure.py"), "--size", size],
            cwd=REPO_DIR,
            # Server time is what a render costs: the page cache (telite/pagecache.py) would
            # answer every repeat of the same page from memory.
            env={**django_env(size), "PAGE_CACHE": "False"},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        hello = self._read()
        if not hello.get("ready"):
            raise RuntimeError(f"{size} worker did not start: {hello}")

    def _read(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"{self.size} worker stopped (see the output above)")
        return json.loads(line)

    def ask(self, **message) -> dict:
        self.proc.stdin.write(json.dumps(message) + "\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(timeout=30)


def pct(samples, q) -> float:
    if len(samples) < 2:
        return samples[0] if samples else float("nan")
    return statistics.quantiles(samples, n=100, method="inclusive")[q - 1]


def ms(seconds) -> float:
    return round(seconds * 1000, 2)


def generate(size: str, force: bool, devices: int | None = None) -> None:
    cmd = [python(), str(BENCH_DIR / "generate.py"), "--size", size]
    if devices:
        cmd += ["--devices", str(devices)]
    if force:
        cmd.append("--force")
    subprocess.run(cmd, cwd=REPO_DIR, env=django_env(size), check=True)


def collectstatic() -> None:
    subprocess.run(
        [python(), "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=REPO_DIR,
        env=django_env("small"),
        check=True,
    )


def measure(rounds: int, n: int, pdf_n: int) -> dict:
    small, large = WorkerProcess("small"), WorkerProcess("large")
    workers = {"small": small, "large": large}
    try:
        info = {size: w.ask(cmd="targets") for size, w in workers.items()}
        for size, data in info.items():
            if "error" in data:
                raise RuntimeError(f"{size}: {data['error']}")
        pages = {}
        baseline = {"samples": []}
        for key, label, kind in PAGES:
            entry = {"label": label, "kind": kind, "sizes": {}}
            pages[key] = entry
            for size, w in workers.items():
                if key == "bill_pdf_first":
                    # Checked by its first timing below, not spent on a check.
                    entry["sizes"][size] = {"url": info[size]["targets"][key], "status": None}
                    continue
                entry["sizes"][size] = w.ask(cmd="check", page=key)
        # Timings, alternating small and large so that background load weighs on both.
        for key, entry in pages.items():
            if any(s.get("error") for s in entry["sizes"].values()):
                continue
            count = pdf_n if key == "bill_pdf_first" else n
            for size in workers:
                entry["sizes"][size]["samples"] = []
            for _round in range(rounds):
                for size, w in workers.items():
                    reply = w.ask(cmd="time", page=key, n=count)
                    if "error" in reply:
                        entry["sizes"][size]["error"] = reply["error"]
                        break
                    if reply["statuses"] != [200]:
                        entry["sizes"][size]["error"] = f"HTTP {reply['statuses']}"
                    entry["sizes"][size]["samples"] += reply["samples"]
                if key == "bill_pdf_first":
                    # The bare WeasyPrint page in the same rounds: the same machine load.
                    bare = large.ask(cmd="pdf_baseline", n=count)
                    if "samples" in bare:
                        baseline["samples"] += bare.pop("samples")
                        baseline.update(bare)
                    else:
                        baseline.update(bare)
            for size, w in workers.items():
                s = entry["sizes"][size]
                if s.get("error") or not s.get("samples"):
                    continue
                s["status"] = 200
                s["p50_ms"] = ms(statistics.median(s["samples"]))
                s["p95_ms"] = ms(pct(s["samples"], 95))
                s["n"] = len(s["samples"])
                s["samples_ms"] = [ms(x) for x in s.pop("samples")]
                q = w.ask(cmd="queries", page=key)
                s.update(
                    queries=q.get("queries"),
                    slowest=q.get("slowest"),
                    bytes=q.get("bytes"),
                    pdf_pages=q.get("pdf_pages"),
                )
            # Where the large database is slower than the budget, keep the plan of its
            # slowest query for the findings.
            sl, lg = entry["sizes"]["small"], entry["sizes"]["large"]
            if sl.get("p50_ms") and lg.get("p50_ms") and lg["p50_ms"] > P50_RATIO * sl["p50_ms"]:
                if lg.get("slowest"):
                    plan = large.ask(cmd="explain", sql=lg["slowest"][0]["sql"])
                    lg["slowest_plan"] = plan.get("plan") or plan.get("error")
        if "samples" in baseline and baseline["samples"]:
            baseline["p50_ms"] = ms(statistics.median(baseline["samples"]))
            baseline["samples_ms"] = [ms(x) for x in baseline.pop("samples")]
        cookie = large.ask(cmd="session")["cookie"]
    finally:
        for w in workers.values():
            w.close()
    return {
        "pages": pages,
        "pdf_baseline": baseline,
        "cookie": cookie,
        "datasets": {size: info[size]["meta"] for size in workers},
        "showcase": {size: info[size]["showcase"] for size in workers},
        "targets": {size: info[size]["targets"] for size in workers},
    }


def budgets(result: dict) -> list[dict]:
    lines = []
    pages = result["pages"]

    def add(name, page, ok, detail):
        lines.append({"budget": name, "page": page, "ok": bool(ok), "detail": detail})

    for key, entry in pages.items():
        sl, lg = entry["sizes"]["small"], entry["sizes"]["large"]
        missing = sl.get("error") or lg.get("error")
        if missing:
            add("queries", key, False, f"not measured: {missing}")
            add("p50 scaling", key, False, f"not measured: {missing}")
            continue
        add(
            "queries",
            key,
            sl["queries"] == lg["queries"],
            f"{sl['queries']} at 1k, {lg['queries']} at 200k",
        )
        ratio = lg["p50_ms"] / sl["p50_ms"]
        add(
            "p50 scaling",
            key,
            ratio <= P50_RATIO,
            f"p50 {lg['p50_ms']:.1f} ms at 200k = {ratio:.2f} x {sl['p50_ms']:.1f} ms at 1k "
            f"(max {P50_RATIO})",
        )
    load = result.get("load")
    if load:
        floor = load["floor"]["rps"]
        for key in LOAD_PAGES:
            entry, got = pages[key], load["pages"].get(key, {})
            need = DETAIL_FLOOR if entry["kind"] == "detail" else LIST_FLOOR
            if got.get("error") or not floor:
                add("throughput", key, False, f"not measured: {got.get('error', 'no floor')}")
                continue
            ratio = got["rps"] / floor
            got["ratio"] = round(ratio, 3)
            add(
                "throughput",
                key,
                ratio >= need and not got.get("non_2xx"),
                f"{got['rps']:.0f} req/s = {ratio:.0%} of the floor ({floor:.0f} req/s), "
                f"need {need:.0%} ({entry['kind']})"
                + (f"; {got['non_2xx']} non-2xx answers" if got.get("non_2xx") else ""),
            )
    first = pages["bill_pdf_first"]["sizes"]["large"]
    repeat = pages["bill_pdf_repeat"]["sizes"]["large"]
    bare = result["pdf_baseline"]
    if first.get("p50_ms") and bare.get("p50_ms"):
        ratio = first["p50_ms"] / bare["p50_ms"]
        add(
            "bill PDF vs bare WeasyPrint",
            "bill_pdf_first",
            ratio <= PDF_VS_BARE
            and first.get("pdf_pages") in (1, None)
            and bare.get("pdf_pages") == 1,
            f"first render p50 {first['p50_ms']:.0f} ms = {ratio:.2f} x bare page "
            f"{bare['p50_ms']:.0f} ms (max {PDF_VS_BARE}); bill "
            f"{first.get('pdf_pages')} page(s), bare {bare.get('pdf_pages')} page(s)",
        )
    else:
        add(
            "bill PDF vs bare WeasyPrint",
            "bill_pdf_first",
            False,
            f"not measured: {first.get('error') or bare.get('error')}",
        )
    if first.get("p50_ms") and repeat.get("p50_ms"):
        speedup = first["p50_ms"] / repeat["p50_ms"]
        add(
            "repeat PDF download",
            "bill_pdf_repeat",
            speedup >= REPEAT_SPEEDUP,
            f"repeat p50 {repeat['p50_ms']:.1f} ms, first {first['p50_ms']:.0f} ms: "
            f"{speedup:.0f} x faster (min {REPEAT_SPEEDUP:.0f} x)",
        )
    else:
        add(
            "repeat PDF download",
            "bill_pdf_repeat",
            False,
            f"not measured: {repeat.get('error') or first.get('error')}",
        )
    return lines


def machine() -> dict:
    import os

    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    pg = subprocess.run(
        ["psql", django_env("large")["DATABASE_URL"], "-Atc", "show server_version"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "postgresql": pg,
        "git": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO_DIR,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip(),
        "git_dirty": bool(
            subprocess.run(
                ["git", "status", "--porcelain", "--untracked-files=no"],
                cwd=REPO_DIR,
                capture_output=True,
                text=True,
                check=False,
            ).stdout.strip()
        ),
    }


def write_markdown(result: dict, path: Path) -> None:
    from bench.report import markdown

    path.write_text(markdown(result))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="TELITE benchmark")
    parser.add_argument("--rounds", type=int, default=10, help="alternating rounds per page")
    parser.add_argument("--n", type=int, default=3, help="timed requests per page per round")
    parser.add_argument("--seconds", type=float, default=10, help="load time per page")
    parser.add_argument("--connections", type=int, default=4, help="concurrent connections")
    parser.add_argument("--port", type=int, default=8104)
    parser.add_argument("--quick", action="store_true", help="2 rounds of 5, 3 s load")
    parser.add_argument("--no-load", action="store_true", help="skip the gunicorn part")
    parser.add_argument("--rebuild", action="store_true", help="rebuild both databases")
    parser.add_argument("--large-devices", type=int, help="a smaller 'large' (trying it out)")
    parser.add_argument("--out", default=str(BENCH_DIR), help="where results.* are written")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.n, args.seconds = 4, 2, 3
    started = time.monotonic()

    generate("small", args.rebuild)
    generate("large", args.rebuild, args.large_devices)
    collectstatic()
    print("measuring pages in-process (small and large alternately)...", flush=True)
    pdf_n = max(1, min(args.n, 40 // args.rounds))
    result = measure(args.rounds, args.n, pdf_n)
    cookie = result.pop("cookie")
    if not args.no_load:
        print(f"throughput under gunicorn, {args.seconds:.0f} s per page...", flush=True)
        paths = {k: result["pages"][k]["sizes"]["large"]["url"] for k in LOAD_PAGES}
        result["load"] = throughput(
            "large",
            paths,
            cookie,
            seconds=args.seconds,
            port=args.port,
            connections=args.connections,
        )
        # For the record, not a budget: the same pages when every request renders (as the
        # first visit after a write, or in a new minute).
        print("the same, with the page cache off...", flush=True)
        result["load_uncached"] = throughput(
            "large",
            {k: paths[k] for k in CACHED_PAGES},
            cookie,
            seconds=args.seconds / 2,
            port=args.port,
            connections=args.connections,
            page_cache=False,
        )
    result["budgets"] = budgets(result)
    result["machine"] = machine()
    result["run"] = {
        "at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "seconds": round(time.monotonic() - started),
        "rounds": args.rounds,
        "n": args.n,
        "pdf_n": pdf_n,
        "load_seconds": None if args.no_load else args.seconds,
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(result, indent=1, default=str) + "\n")
    write_markdown(result, out / "results.md")
    DATA_DIR.mkdir(exist_ok=True)
    failed = 0
    for line in result["budgets"]:
        failed += not line["ok"]
        print(
            f"{'PASS' if line['ok'] else 'FAIL'}  {line['budget']:<28} {line['page']:<16} "
            f"{line['detail']}"
        )
    print(
        f"{len(result['budgets']) - failed} passed, {failed} failed "
        f"({result['run']['seconds']} s); wrote {out / 'results.md'}"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
