"""Throughput under gunicorn: requests per second of each page against a trivial view.

gunicorn serves the app as in production (DEBUG=False, 2 workers, gthread with keep-alive,
persistent database connections) on 127.0.0.1 only. Each page is loaded for a bounded
time by ``wrk`` (apt package ``wrk``) when it is installed, else by a small Python driver
(threads + http.client, keep-alive), with the session cookie of a logged-in user. The floor
is ``/healthz``: the same middleware (session, authentication, idle timeout, messages,
htmx, history, axes) with the same cookie, and a view that does nothing.
"""

import http.client
import os
import re
import shutil
import subprocess
import threading
import time
import urllib.request

from bench.common import DATA_DIR, REPO_DIR, django_env, stop_server

FLOOR_PATH = "/healthz"


def _gunicorn() -> str:
    venv = REPO_DIR / ".venv" / "bin" / "gunicorn"
    return str(venv) if venv.exists() else "gunicorn"


class Server:
    def __init__(
        self, size: str, port: int, workers: int = 2, threads: int = 2, page_cache: bool = True
    ):
        self.size, self.port, self.workers, self.threads = size, port, workers, threads
        self.page_cache = page_cache
        self.proc = None

    def __enter__(self):
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        log = open(DATA_DIR / "gunicorn.log", "w")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(
            [
                _gunicorn(),
                "telite.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--worker-class",
                "gthread",
                "--threads",
                str(self.threads),
                # As many connections per worker as it has threads. gthread workers otherwise
                # accept connections greedily: the load's keep-alive connections all landed
                # on one worker in some runs (one core busy, the other idle), so the same
                # page measured 60 or 135 req/s depending on which worker won the accept.
                "--worker-connections",
                str(self.threads),
                "--keep-alive",
                "30",
                "--timeout",
                "60",
                "--log-level",
                "warning",
            ],
            cwd=REPO_DIR,
            env={**django_env(self.size), "PAGE_CACHE": str(self.page_cache)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(  # noqa: S310 - loopback only
                    f"http://127.0.0.1:{self.port}{FLOOR_PATH}", timeout=2
                ) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.3)
        self.__exit__()
        raise RuntimeError(
            f"gunicorn did not start on port {self.port}; see bench/data/gunicorn.log"
        )

    def __exit__(self, *exc):
        stop_server(self.proc)


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def load_wrk(port: int, path: str, cookie: str, seconds: float, connections: int) -> dict:
    out = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "-H",
            f"Cookie: {cookie}",
            f"http://127.0.0.1:{port}{path}",
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=False,
    ).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    return {
        "rps": float(rps.group(1)) if rps else 0.0,
        "requests": int(total.group(1)) if total else 0,
        "non_2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(0) if errors else "",
        "driver": "wrk",
    }


def load_python(port: int, path: str, cookie: str, seconds: float, connections: int) -> dict:
    """Fallback driver: one keep-alive connection per thread, for a bounded time."""
    stop = time.monotonic() + seconds
    counts = [0] * connections
    bad = [0] * connections

    def run(i):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while time.monotonic() < stop:
            try:
                conn.request("GET", path, headers={"Cookie": cookie})
                response = conn.getresponse()
                response.read()
                counts[i] += 1
                if response.status >= 400:
                    bad[i] += 1
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=run, args=(i,)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    return {
        "rps": sum(counts) / elapsed,
        "requests": sum(counts),
        "non_2xx": sum(bad),
        "socket_errors": "",
        "driver": "python",
    }


def _status(port: int, path: str, cookie: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path, headers={"Cookie": cookie})
        response = conn.getresponse()
        response.read()
        return response.status
    except (OSError, http.client.HTTPException):
        return 0
    finally:
        conn.close()


def throughput(
    size: str,
    pages: dict[str, str],
    cookie: str,
    *,
    seconds: float,
    port: int,
    connections: int,
    page_cache: bool = True,
) -> dict:
    """Requests/second of the floor (before and after the pages) and of each page."""
    driver = load_wrk if wrk_available() else load_python
    results = {}
    with Server(size, port, page_cache=page_cache):
        # Warm every worker (templates compiled, connections open); note what answers.
        statuses = {}
        for path in [FLOOR_PATH, *pages.values()]:
            for _ in range(6):
                statuses[path] = _status(port, path, cookie)
        floor_before = driver(port, FLOOR_PATH, cookie, seconds, connections)
        for key, path in pages.items():
            if statuses[path] != 200:
                results[key] = {"path": path, "error": f"HTTP {statuses[path]}", "rps": 0.0}
                continue
            results[key] = driver(port, path, cookie, seconds, connections)
            results[key]["path"] = path
        floor_after = driver(port, FLOOR_PATH, cookie, seconds, connections)
    floor = (floor_before["rps"] + floor_after["rps"]) / 2
    return {
        "floor": {
            "path": FLOOR_PATH,
            "rps": floor,
            "before": floor_before,
            "after": floor_after,
        },
        "pages": results,
        "driver": driver.__name__.replace("load_", ""),
        "seconds": seconds,
        "connections": connections,
        "workers": 2,
        "cpu_count": os.cpu_count(),
        "page_cache": page_cache,
    }
