"""A bounded load test of `creditrules serve`: single-event POST /v1/evaluate requests on 127.0.0.1.

    python benchmarks/serve_bench.py                          # 2,000 requests, concurrency 8, SQLite log
    python benchmarks/serve_bench.py -n 5000 -c 16 --trace none
    python benchmarks/serve_bench.py --workers 2              # uvicorn worker processes
    python benchmarks/serve_bench.py --log postgresql://user@127.0.0.1:5432/db

It starts the server itself (`python -m creditrules serve --port 0 --no-access-log`, its decision log in a temp
folder unless --log says otherwise), waits for /healthz, sends 50 untimed warm-up requests, then exactly N timed
requests from C concurrent clients (asyncio + httpx, one keep-alive connection each), and stops the server. It
prints requests/s and the latency percentiles (p50, p90, p99, max) of the timed requests, the CPU time the server
(all its processes) and the client spent per request (from /proc: a figure the machine's load does not inflate
much), how many were not 200, and checks that every decision is in the log. It stops by itself; it listens on
loopback only. The client runs on the same machine, so it takes CPU from the server: on 2 cores the numbers are a
floor. The header gives the load average before the run and the footer after it; quote them with the numbers.

A benchmark, not a test: it asserts nothing (it exits 1 only if a request failed or a decision is missing).
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import orjson

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
EVENT = ROOT / "examples" / "henan-tax-evasion.yaml"
WARMUP = 50


def _event() -> bytes:
    from creditrules import api
    return orjson.dumps(api.read_event(EVENT).model_dump(mode="json", exclude_none=True))


def _start(log: str, workers: int, cwd: str) -> tuple[subprocess.Popen[str], str, list[str]]:
    command = [sys.executable, "-m", "creditrules", "serve", "--host", "127.0.0.1", "--log", log, "--no-access-log",
               "--workers", str(workers), "--port", "0" if workers == 1 else str(_free_port())]
    proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, cwd=cwd)
    lines: list[str] = []

    def read() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line)

    threading.Thread(target=read, daemon=True).start()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("the server exited:\n" + "".join(lines))
        found = [m.group(1) for line in list(lines) if (m := re.search(r"creditrules serve: (http://\S+?)[, ]", line))]
        if found:
            try:
                if httpx.get(found[0] + "/healthz", timeout=2).status_code == 200:
                    return proc, found[0], lines
            except httpx.HTTPError:
                pass
        time.sleep(0.1)
    proc.terminate()
    raise SystemExit("the server did not start within 120 s:\n" + "".join(lines))


def _cpu_seconds(root: int) -> float | None:
    """CPU time (user + system) of a process and its descendants so far, from /proc (Linux); None elsewhere."""
    try:
        ppid: dict[int, int] = {}
        times: dict[int, float] = {}
        tick = os.sysconf("SC_CLK_TCK")
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                ppid[int(entry)] = int(fields[1])
                times[int(entry)] = (int(fields[11]) + int(fields[12])) / tick
    except (OSError, ValueError):
        return None
    tree, grew = {root}, True
    while grew:
        more = {p for p, parent in ppid.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    return sum(times.get(p, 0.0) for p in tree)


def _free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _load(url: str, body: bytes, n: int, concurrency: int, params: dict[str, str]) -> tuple[list[float],
                                                                                               list[str], float]:
    """N requests from `concurrency` clients; (latencies in seconds, decision ids, wall time)."""
    latencies: list[float] = []
    ids: list[str] = []
    remaining = [n]
    headers = {"content-type": "application/json"}

    async def client() -> None:
        async with httpx.AsyncClient(base_url=url, timeout=60, limits=httpx.Limits(max_connections=1)) as http:
            while remaining[0] > 0:
                remaining[0] -= 1
                start = time.perf_counter()
                r = await http.post("/v1/evaluate", content=body, params=params, headers=headers)
                latencies.append(time.perf_counter() - start)
                ids.append(r.headers.get("x-decision-id", "") if r.status_code == 200 else f"!{r.status_code}")

    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return latencies, ids, time.perf_counter() - start


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("-n", type=int, default=2000, help="timed requests (default 2,000)")
    parser.add_argument("-c", "--concurrency", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--workers", type=int, default=1, help="server worker processes (default 1)")
    parser.add_argument("--trace", choices=["full", "fired", "none"], default="full",
                        help="the trace level asked for (default full, the service's default for one event)")
    parser.add_argument("--log", default=None, help="the decision log (default: a SQLite file in a temp folder)")
    args = parser.parse_args()

    from creditrules.serve.log import DecisionLog, display_target
    body = _event()
    params = {"jurisdiction": "henan", "as_of": "2024-06-01", "trace": args.trace}
    with tempfile.TemporaryDirectory(prefix="creditrules-serve-bench-") as tmp:
        log = args.log or str(Path(tmp) / "decisions.sqlite")
        with DecisionLog(log) as opened:
            before_rows = opened.count()
        print(f"creditrules serve benchmark, {dt.datetime.now().isoformat(timespec='seconds')}; Python "
              f"{platform.python_version()}, {os.cpu_count()} CPUs, load average "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print(f"{args.n:,} single-event POST /v1/evaluate (henan example, trace {args.trace}, "
              f"{len(body):,}-byte body), concurrency {args.concurrency}, {args.workers} worker(s), log "
              f"{display_target(log)}")
        proc, url, lines = _start(log, args.workers, tmp)
        try:
            asyncio.run(_load(url, body, WARMUP, args.concurrency, params))
            server_cpu, client_cpu = _cpu_seconds(proc.pid), time.process_time()
            latencies, ids, wall = asyncio.run(_load(url, body, args.n, args.concurrency, params))
            after = _cpu_seconds(proc.pid)
            server_cpu = None if server_cpu is None or after is None else after - server_cpu
            client_cpu = time.process_time() - client_cpu
        finally:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
        failed = [i for i in ids if not i or i.startswith("!")]
        with DecisionLog(log, create=False) as opened:
            rows = opened.count() - before_rows
            missing = sum(1 for i in ids[:: max(1, len(ids) // 200)] if i and not i.startswith("!")
                          and opened.get(i) is None)
    ms = [x * 1000 for x in latencies]
    print(f"requests/s {args.n / wall:,.0f}   p50 {_percentile(ms, 50):.1f} ms   p90 {_percentile(ms, 90):.1f} ms   "
          f"p99 {_percentile(ms, 99):.1f} ms   max {max(ms):.1f} ms   mean {statistics.fmean(ms):.1f} ms   "
          f"wall {wall:.1f} s")
    if server_cpu is not None:
        print(f"CPU per request: server {server_cpu / args.n * 1000:.1f} ms (all its processes), client "
              f"{client_cpu / args.n * 1000:.1f} ms: at most {args.n / server_cpu:,.0f} requests/s per core of "
              "server CPU")
    print(f"not 200: {len(failed)}; decisions logged: {rows:,} of {args.n + WARMUP:,} (timed + warm-up); "
          f"sampled ids missing from the log: {missing}")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 1 if failed or missing or rows != args.n + WARMUP else 0


if __name__ == "__main__":
    sys.exit(main())
