"""What the benchmark's pieces share: paths, database names, Django start-up."""

import os
import signal
import subprocess
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
DATA_DIR = BENCH_DIR / "data"  # git-ignored: media, static files, logs, partial results

# Bump when the generated data changes shape, so databases built by an older generator
# are rebuilt instead of reused.
GENERATOR_VERSION = "1"

PG_SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
SIZES = {"small": 1_000, "large": 200_000}
BENCH_PASSWORD = "Bench-pass-123"  # noqa: S105 - a throwaway local database
# Test-only secret for DEBUG=False runs; long enough for the settings' check.
BENCH_SECRET_KEY = "bench-only-" + "0" * 56 + "-not-a-real-secret-key"  # noqa: S105


# Another prefix keeps a what-if run (a copy of the tree with proposed changes) away from
# the reference databases: createdb -T telite_bench_large telite_whatif_large.
DB_PREFIX = os.environ.get("BENCH_DB_PREFIX", "telite_bench")


def db_name(size: str) -> str:
    return f"{DB_PREFIX}_{size}"


def db_url(size: str) -> str:
    return f"{PG_SERVER}/{db_name(size)}"


def django_env(size: str, *, debug: bool = False) -> dict:
    """Environment for a Django process against the benchmark database of ``size``.

    DEBUG=False as in production (compiled static manifest, cached templates); plain HTTP
    on loopback, so no SSL redirect.
    """
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="telite.settings",
        DATABASE_URL=db_url(size),
        DEBUG="True" if debug else "False",
        SECRET_KEY=BENCH_SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1,testserver,localhost",
        SECURE_SSL_REDIRECT="False",
        STATIC_ROOT=str(DATA_DIR / "static"),
        MEDIA_ROOT=str(DATA_DIR / f"media_{size}"),
        CONN_MAX_AGE="600",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(REPO_DIR),
    )
    return env


def setup_django(size: str, *, debug: bool = False) -> None:
    """Start Django in this process against the benchmark database of ``size``."""
    os.environ.update(django_env(size, debug=debug))
    if str(REPO_DIR) not in sys.path:
        sys.path.insert(0, str(REPO_DIR))
    import django

    django.setup()


def python() -> str:
    venv = REPO_DIR / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def stop_server(proc: "subprocess.Popen | None") -> None:
    """Stop a server started by the benchmark: SIGTERM (gunicorn finishes its requests),
    then SIGKILL if it has not gone within 20 seconds."""
    if proc and proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
