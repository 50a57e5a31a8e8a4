"""bench/results.md from the run's JSON; bench/findings.md is appended as "Findings"."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BENCH_DIR  # noqa: E402

COUNTS = [
    ("devices", "devices"),
    ("customers", "customers"),
    ("parts", "spare-part lines"),
    ("bills", "bills"),
    ("payments", "payments"),
    ("events", "device events"),
    ("leads", "leads"),
    ("received", "unassigned now"),
    ("assigned", "in repair now"),
    ("overdue", "overdue now"),
    ("ready", "delivery pending now"),
    ("delivered", "delivered"),
    ("returned", "returned"),
    ("days", "days of history"),
]


def _n(value) -> str:
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return "–"


def _ms(value) -> str:
    return "–" if value is None else f"{value:.1f}"


def markdown(r: dict) -> str:  # noqa: C901
    out = []
    w = out.append
    run, m = r["run"], r["machine"]
    w("# TELITE benchmark results\n")
    w(
        f"Run {run['at']} on {m['cpus']} CPU(s) ({m['cpu']}), PostgreSQL {m['postgresql']}, "
        f"Python {m['python']}, code at {m['git']}{' with uncommitted changes' if m['git_dirty'] else ''}; "
        f"{run['rounds']} alternating rounds of {run['n']} requests per page and size "
        f"(first PDF renders: {run['rounds']} x {run['pdf_n']}), took {run['seconds']} s. "
        "How to run it and what each number means: bench/README.md.\n"
    )
    w("## Budgets\n")
    failed = [b for b in r["budgets"] if not b["ok"]]
    w(f"{len(r['budgets']) - len(failed)} passed, {len(failed)} failed.\n")
    w("| | budget | page | measured |")
    w("|---|---|---|---|")
    for b in r["budgets"]:
        w(f"| {'PASS' if b['ok'] else '**FAIL**'} | {b['budget']} | {b['page']} | {b['detail']} |")
    w("")

    w("## Data sets\n")
    ds = r["datasets"]
    w("| | 1,000 devices | 200,000 devices |")
    w("|---|---:|---:|")
    for key, label in COUNTS:
        w(
            f"| {label} | {_n(ds['small'].get('count_' + key))} | {_n(ds['large'].get('count_' + key))} |"
        )
    w(
        f"| build time (s) | {ds['small'].get('build_seconds', '–')} | "
        f"{ds['large'].get('build_seconds', '–')} |"
    )
    w("")
    sc = r["showcase"]["large"]
    w(
        f"Pages are measured on a typical delivered job (labour and three parts, an advance "
        f"and a balance payment): at 200k {sc['job_number']} of {sc['customer']}. The device "
        f"search types eight digits of that customer's WhatsApp number, the closed-history "
        f"search the device's serial number, the lookup the whole number as a clerk would.\n"
    )

    w("## Server time and SQL queries (in-process, DEBUG=False, every request rendered)\n")
    w(
        "| page | p50 1k (ms) | p95 1k | p50 200k (ms) | p95 200k | 200k / 1k | queries 1k | queries 200k |"
    )
    w("|---|---:|---:|---:|---:|---:|---:|---:|")
    for entry in r["pages"].values():
        sl, lg = entry["sizes"]["small"], entry["sizes"]["large"]
        if sl.get("error") or lg.get("error"):
            w(
                f"| {entry['label']} | {sl.get('error') or '–'} | | {lg.get('error') or '–'} | | | | |"
            )
            continue
        ratio = lg["p50_ms"] / sl["p50_ms"] if sl.get("p50_ms") else None
        w(
            f"| {entry['label']} | {_ms(sl['p50_ms'])} | {_ms(sl['p95_ms'])} | "
            f"{_ms(lg['p50_ms'])} | {_ms(lg['p95_ms'])} | "
            f"{'–' if ratio is None else f'{ratio:.2f}'} | {sl['queries']} | {lg['queries']} |"
        )
    w("")
    bare = r.get("pdf_baseline", {})
    if bare.get("p50_ms"):
        w(
            f"Bare WeasyPrint page of the bill's text ({bare['chars']} characters, "
            f"{bare['pdf_pages']} page(s)): p50 {bare['p50_ms']:.0f} ms.\n"
        )

    load = r.get("load")
    if load:
        w("## Throughput under gunicorn (200,000 devices)\n")
        w(
            f"gunicorn, {load['workers']} workers (gthread, keep-alive), DEBUG=False, persistent "
            f"database connections; {load['driver']} with {load['connections']} connections "
            f"for {load['seconds']:.0f} s per page on 127.0.0.1, logged in as the owner. Floor: "
            f"`{load['floor']['path']}` through the same middleware with the same session "
            f"cookie: {load['floor']['before']['rps']:.0f} req/s before the pages, "
            f"{load['floor']['after']['rps']:.0f} after (mean "
            f"{load['floor']['rps']:.0f}).\n"
        )
        w("| page | kind | req/s | of floor | needed |")
        w("|---|---|---:|---:|---:|")
        for key, got in load["pages"].items():
            entry = r["pages"][key]
            need = "35%" if entry["kind"] == "detail" else "25%"
            if got.get("error"):
                w(f"| {entry['label']} | {entry['kind']} | {got['error']} | | {need} |")
                continue
            ratio = got.get("ratio", got["rps"] / load["floor"]["rps"])
            w(f"| {entry['label']} | {entry['kind']} | {got['rps']:.0f} | {ratio:.0%} | {need} |")
        w("")
    uncached = r.get("load_uncached")
    if uncached:
        w("### The same pages with the page cache off (for the record, not a budget)\n")
        w(
            "As deployed, the dashboard, the lists and the service page are kept per person "
            "for the minute they were rendered in, until anything is written "
            "(`telite/pagecache.py`); the rows above are the repeats a shop makes, served "
            "from that. Here every request renders, as the first visit after a write does "
            f"({uncached['seconds']:.0f} s per page; floor {uncached['floor']['rps']:.0f} "
            "req/s). The in-process server times above are measured this way too.\n"
        )
        w("| page | req/s | of floor |")
        w("|---|---:|---:|")
        for key, got in uncached["pages"].items():
            label = r["pages"][key]["label"]
            if got.get("error"):
                w(f"| {label} | {got['error']} | |")
                continue
            w(f"| {label} | {got['rps']:.0f} | {got['rps'] / uncached['floor']['rps']:.0%} |")
        w("")

    slow = [
        (key, entry) for key, entry in r["pages"].items() if entry["sizes"]["large"].get("slowest")
    ]
    if slow:
        w("## Slowest SQL per page at 200,000 devices\n")
        for _key, entry in slow:
            lg = entry["sizes"]["large"]
            top = lg["slowest"][0]
            w(f"- **{entry['label']}**: {top['ms']} ms: `{top['sql'][:400]}`")
            if lg.get("slowest_plan"):
                w("\n  ```\n  " + lg["slowest_plan"].replace("\n", "\n  ")[:4000] + "\n  ```")
        w("")

    findings = BENCH_DIR / "findings.md"
    if findings.exists():
        w("## Findings\n")
        w(findings.read_text().strip() + "\n")
    return "\n".join(out)


def main(argv=None):
    """Rewrite results.md from results.json (after editing findings.md), no new run."""
    import argparse
    import json

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("json", nargs="?", default=str(BENCH_DIR / "results.json"))
    args = parser.parse_args(argv)
    source = Path(args.json)
    source.with_suffix(".md").write_text(markdown(json.loads(source.read_text())))


if __name__ == "__main__":
    main()
