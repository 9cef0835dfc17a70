"""A bounded load test of the production configuration: gunicorn (4 workers) on PostgreSQL and Redis.

    python -m bench.load                 # 50 simulated users for 2 minutes (make load)
    python -m bench.load --short         # 5 users for 10 seconds (the test suite runs this)

It prepares its own database from DATABASE_URL (migrate, the report data and the sample portfolio with
demo accounts), collects the static files, starts gunicorn on a free loopback port with DEBUG off, then:

1. the unloaded latency: one user per account taking turns, one request at a time, over the same mix;
2. the load: N simulated users, each signed in with its own session and API token, looping over the
   mix (dashboard, project list, project page, report entry saves through the API with If-Match, API
   list) with 1 to 3 seconds between a user's requests (reading time), for the duration, then stopping
   by itself.

It prints requests, errors (5xx, refused connections and unexpected 4xx; a 412 when two users save the
same report at once is the lock doing its job and is counted apart), p50 and p95 under load, the
unloaded p50 and the ratio p95 / unloaded p50 (goal: 5 at most). Loopback only; nothing leaves the
machine. The threads are plain Python with requests: what is measured is the server, and a request
costs the client far less than the server.
"""

import argparse
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# The month the editors' saves go to: after the sample's six approved months, open to reporting.
SAVE_YEAR, SAVE_MONTH = 2025, 7
ACCOUNTS = {  # the demo accounts setup_demo creates (DEMO on for this run only)
    "viewer": "demo-viewer-2025", "coordinator": "demo-coord-2025",
    "editor": "demo-editor-2025", "editor2": "demo-editor-2025",
}


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    conflicts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, action: str, seconds: float) -> None:
        with self.lock:
            self.latencies.setdefault(action, []).append(seconds)

    def error(self, message: str) -> None:
        with self.lock:
            self.errors.append(message)

    def all(self) -> list[float]:
        return [s for values in self.latencies.values() for s in values]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


class User:
    """One simulated user: a browser session and an API token of one of the demo accounts."""

    def __init__(self, base: str, username: str, results: Results, rng: random.Random,
                 departments: dict[str, int]):
        self.base, self.username, self.results, self.rng = base, username, results, rng
        self.web = requests.Session()
        self.web.get(f"{base}/login/")
        answer = self.web.post(f"{base}/login/", data={
            "username": username, "password": ACCOUNTS[username],
            "csrfmiddlewaretoken": self.web.cookies["csrftoken"]}, headers={"Referer": f"{base}/login/"},
            allow_redirects=False)
        if answer.status_code != 302:
            raise RuntimeError(f"{username} could not sign in ({answer.status_code})")
        token = requests.post(f"{base}/api/v1/auth/token/", json={"username": username,
                                                                  "password": ACCOUNTS[username]})
        token.raise_for_status()
        self.api = requests.Session()
        self.api.headers["Authorization"] = f"Token {token.json()['token']}"
        projects = self.api.get(f"{base}/api/v1/projects/", params={"page_size": 100}).json()["results"]
        self.project_ids = [p["id"] for p in projects]
        # An editor saves the reports of its department's projects for an open month (created on the
        # first save, changed with If-Match after).
        self.own_projects = []
        if username in departments:
            led = self.api.get(f"{base}/api/v1/projects/", params={"lead_department": departments[username],
                                                                   "page_size": 100}).json()["results"]
            self.own_projects = [p["id"] for p in led]

    def timed(self, action: str, method, url: str, expected=(200,), **kwargs):
        started = time.perf_counter()
        try:
            response = method(url, timeout=60, **kwargs)
        except requests.RequestException as exc:
            self.results.error(f"{action}: {type(exc).__name__}")
            return None
        self.results.record(action, time.perf_counter() - started)
        if response.status_code == 412:
            with self.results.lock:
                self.results.conflicts += 1
        elif response.status_code not in expected:
            self.results.error(f"{action}: {response.status_code} {response.text[:120]}")
        return response

    def step(self) -> None:
        base, rng = self.base, self.rng
        action = rng.choices(["dashboard", "list", "project", "save", "api"], weights=[2, 3, 3, 2, 2])[0]
        if action == "save" and not self.own_projects:
            action = "api"
        if action == "dashboard":
            self.timed(action, self.web.get, f"{base}/")
        elif action == "list":
            self.timed(action, self.web.get, f"{base}/projects/", params={"page": rng.randint(1, 5)})
        elif action == "project":
            self.timed(action, self.web.get, f"{base}/projects/{rng.choice(self.project_ids)}/")
        elif action == "api":
            self.timed(action, self.api.get, f"{base}/api/v1/projects/", params={"page": rng.randint(1, 5)})
        else:
            self.save(rng.choice(self.own_projects))

    def save(self, project: int) -> None:
        base, amount = self.base, f"{self.rng.randint(1, 500)}.00"
        listed = self.timed("save", self.api.get, f"{base}/api/v1/monthly-reports/",
                            params={"project": project, "year": SAVE_YEAR, "month": SAVE_MONTH})
        if listed is None or listed.status_code != 200:
            return
        found = listed.json()["results"]
        if not found:
            self.timed("save", self.api.post, f"{base}/api/v1/monthly-reports/", expected=(201, 409), json={
                "project": project, "year": SAVE_YEAR, "month": SAVE_MONTH, "completed_month": amount,
                "problems": "负载测试", "plausibility_note": "负载测试数据，金额随机"})
            return
        url = f"{base}/api/v1/monthly-reports/{found[0]['id']}/"
        current = self.timed("save", self.api.get, url)
        if current is not None and current.status_code == 200:
            self.timed("save", self.api.patch, url, json={"problems": f"负载测试{amount}",
                                                          "plausibility_note": "负载测试数据，金额随机"},
                       headers={"If-Match": current.headers["ETag"]})


def production_environment(tmp: str, redis_url: str, **overrides: str) -> dict[str, str]:
    """The production configuration served over plain HTTP on the loopback (no TLS proxy in front), with
    its files in ``tmp`` and two-factor sign-in off (the simulated users sign in with passwords)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "DEMO")}
    env.update({
        "DJANGO_SETTINGS_MODULE": "portfolio.settings", "DEBUG": "0",
        "SECRET_KEY": "loopback-" + os.urandom(24).hex(), "ALLOWED_HOSTS": "127.0.0.1", "REDIS_URL": redis_url,
        "SECURE_COOKIES": "0", "SECURE_SSL_REDIRECT": "0", "SECURE_HSTS_SECONDS": "0", "BEHIND_TLS_PROXY": "0",
        "STATIC_ROOT": f"{tmp}/static", "MEDIA_ROOT": f"{tmp}/media", "VAR_DIR": str(tmp),
        "PORTFOLIO_REQUIRE_2FA": "0", "LOG_LEVEL": "WARNING",
    })
    env.update(overrides)
    return env


def wait_healthy(base: str, seconds: float = 120) -> bool:
    """Whether ``base``/health/ answered 200 within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/health/", timeout=10).status_code == 200:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.5)
    return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_postgres_database(url: str) -> None:
    """Create the PostgreSQL database ``url`` names unless it exists (on a fresh machine it does not)."""
    if not url.startswith(("postgres://", "postgresql://")):
        return
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def vacuum_analyze(url: str) -> None:
    """VACUUM ANALYZE the database ``url`` names, as a server's autovacuum would after bulk writes (the
    planner's statistics, and the visibility map index-only scans need; autovacuum may be off here)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def prepare(env: dict) -> dict[str, int]:
    """The database and static files; the department of each editor account (whose reports it saves)."""
    python = str(BIN / "python")
    ensure_postgres_database(env.get("DATABASE_URL", ""))
    for command in (["migrate", "--no-input", "-v0"], ["setup_demo"], ["collectstatic", "--no-input", "-v0"]):
        subprocess.run([python, "manage.py", *command], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    # The saves of earlier runs changed rows since setup_demo last gathered statistics.
    vacuum_analyze(env["DATABASE_URL"])
    found = subprocess.run([python, "manage.py", "shell", "-v", "0", "-c", (
        "from projects.models import DepartmentMembership as M\n"
        "for m in M.objects.filter(user__username__in=['editor', 'editor2']): print('DEPT', m.user.username, m.department_id)"
    )], cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout
    return {name: int(pk) for _mark, name, pk in (line.split() for line in found.splitlines()
                                                    if line.startswith("DEPT "))}


def start_server(env: dict, workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "--config", "deploy/gunicorn.conf.py", "portfolio.wsgi:application"],
        cwd=ROOT, env={**env, "PORTFOLIO_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(workers)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    if wait_healthy(base):
        return server, base
    server.terminate()
    raise RuntimeError("the server did not become healthy")


def run(base: str, users: int, duration: float, departments: dict[str, int], think: tuple[float, float] = (1, 3),
        seed: int = 2025) -> dict:
    rng = random.Random(seed)
    # Unloaded: the same mix of accounts and requests, one request at a time (after a warm-up of every
    # worker): one user per account, taking turns.
    quiet = Results()
    singles = [User(base, name, quiet, random.Random(seed + i), departments) for i, name in enumerate(ACCOUNTS)]
    for turn in range(40):
        singles[turn % len(singles)].step()
    quiet.latencies.clear()
    for turn in range(160):
        singles[turn % len(singles)].step()
    unloaded = statistics.median(quiet.all())
    unloaded_p95 = percentile(quiet.all(), 0.95)

    loaded = Results()
    names = list(ACCOUNTS)
    simulated = [User(base, names[i % len(names)], loaded, random.Random(rng.random()), departments)
                 for i in range(users)]
    stop = time.monotonic() + duration

    def loop(user: User) -> None:
        pause = random.Random(id(user))
        while time.monotonic() < stop:
            user.step()
            # A person reads what they asked for before the next click.
            time.sleep(pause.uniform(*think))

    threads = [threading.Thread(target=loop, args=(u,)) for u in simulated]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    latencies = loaded.all()
    return {
        "users": users, "seconds": round(elapsed, 1), "requests": len(latencies), "errors": len(loaded.errors),
        "error_kinds": sorted(set(loaded.errors))[:10], "conflicts_412": loaded.conflicts,
        "p50_ms": round(statistics.median(latencies) * 1000, 1), "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
        "unloaded_p50_ms": round(unloaded * 1000, 1), "unloaded_p95_ms": round(unloaded_p95 * 1000, 1),
        "ratio_p95_to_unloaded_p50": round(percentile(latencies, 0.95) / unloaded, 2),
        "by_action_p95_ms": {a: round(percentile(v, 0.95) * 1000, 1) for a, v in sorted(loaded.latencies.items())},
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=120)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--think", type=float, nargs=2, default=(1.0, 3.0), metavar=("MIN", "MAX"),
                        help="seconds a simulated user waits between requests (default 1 to 3)")
    parser.add_argument("--short", action="store_true", help="5 users for 10 seconds")
    args = parser.parse_args(argv)
    if args.short:
        args.users, args.duration = 5, 10
    database_url = os.environ.get("DATABASE_URL", "")
    if not re.match(r"postgres(ql)?://", database_url):
        print("The load test runs on PostgreSQL: set DATABASE_URL=postgres://…", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        env = production_environment(
            tmp, os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/12"), DEMO="1", CONN_MAX_AGE="60",
            # 50 users signing in from one address: the lockout and the token throttle are not under test.
            AXES_ADDRESS_FAILURE_LIMIT="100000", PORTFOLIO_API_TOKEN_LIMIT="1000", PORTFOLIO_TOKEN_RATE="1000/min",
        )
        departments = prepare(env)
        server, base = start_server(env, args.workers)
        try:
            outcome = run(base, args.users, args.duration, departments, tuple(args.think))
        finally:
            server.terminate()
            server.wait(timeout=60)
    width = max(len(k) for k in outcome)
    for key, value in outcome.items():
        print(f"{key:<{width}}  {value}")
    return 0 if outcome["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
