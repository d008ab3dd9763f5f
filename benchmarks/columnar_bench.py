"""Columnar benchmark: the columnar evaluator writing the flat determination table to Parquet, against zen-engine
on the same generated Henan events, in the same run (issue 9, part 3: the bar is 10x zen-engine's rate).

    python benchmarks/columnar_bench.py                     # 100,000 events: zen, columnar -> Parquet
    python benchmarks/columnar_bench.py -n 20000 --chunk 10000 --json out.json
    python benchmarks/columnar_bench.py --profile           # the columnar run under cProfile (top 20)

Each configuration runs in its own child process (its ru_maxrss is its own peak): it generates the events with
benchmarks/bench.py's seeded `generate` (not timed), warms up (zen: the decision made and one event evaluated;
columnar: the pack loaded and compiled, and a 10-event batch evaluated: not timed), then times only this:

    zen        decision.evaluate(event)["result"] for every event, then json.dumps (as benchmarks/bench.py)
    columnar   creditrules.backends.columnar.write_parquet(plan, events, FILE, as_of, chunk=CHUNK): the events
               checked as evaluate_many checks them, evaluated a chunk at a time, each chunk's flat table written
               as a Parquet row group (the file is deleted afterwards)

It prints events per second (wall), events per CPU-second (user + system of the process, polars' threads
included), peak RSS, the ratio to zen-engine, and a checksum: how many determinations have dishonesty level
`severe` (zen's and columnar's must match for the events where both decide the same articles; see
benchmarks/README.md on what the zen graph covers). The 1-minute load average before and after is printed: on a
shared machine compare the ratios of one run, not runs. A benchmark, not a test: it asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench import AS_OF, ZEN_GRAPH, Clock, _dumps, generate, level_of  # noqa: E402


def run_zen(events: list[dict]) -> tuple[Clock, dict]:
    import zen
    decision = zen.ZenEngine().create_decision(ZEN_GRAPH.read_text(encoding="utf-8"))
    decision.evaluate(events[0])
    severe = 0
    with Clock() as clock:
        for event in events:
            severe += level_of(_dumps(decision.evaluate(event)["result"])) == "severe"
    return clock, {"severe": severe, "api": "zen.ZenDecision.evaluate(event)['result'] -> json.dumps"}


def run_columnar(events: list[dict], jurisdiction: str, chunk: int, profile: bool) -> tuple[Clock, dict]:
    import polars as pl

    from creditrules import api
    from creditrules.backends.columnar import evaluate_table, write_parquet
    plan = api.plan_for(jurisdiction)
    evaluate_table(plan, events[:10], AS_OF)                     # load and compile (cached per plan): not timed
    out = Path(tempfile.mkdtemp(prefix="creditrules-columnar-")) / "determinations.parquet"
    profiler = None
    if profile:
        import cProfile
        profiler = cProfile.Profile()
    with Clock() as clock:
        if profiler:
            profiler.enable()
        summary = write_parquet(plan, events, out, AS_OF, chunk=chunk)
        if profiler:
            profiler.disable()
    size = out.stat().st_size
    table = pl.read_parquet(out, columns=["level", "error_code"])
    severe = int((table.get_column("level") == "severe").sum())
    out.unlink()
    out.parent.rmdir()
    if profiler:
        import io
        import pstats
        for order in ("cumulative", "tottime"):
            buf = io.StringIO()
            pstats.Stats(profiler, stream=buf).strip_dirs().sort_stats(order).print_stats(20)
            print(f"--- profile: top 20 by {order} ---")
            print(buf.getvalue().split("\n", 1)[-1].strip("\n"))
    return clock, {"severe": severe, "rows": summary["rows"], "errors": summary["errors"], "parquet_bytes": size,
                   "api": f"write_parquet(plan, events, FILE, {AS_OF!r}, chunk={chunk})"}


def child(config: str, n: int, jurisdiction: str, chunk: int, profile: bool) -> dict:
    load = os.getloadavg()[0]
    events = generate(n)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if config == "zen":
        clock, extra = run_zen(events)
    else:
        clock, extra = run_columnar(events, jurisdiction, chunk, profile)
    return {"config": config, "events": n, "wall_s": clock.wall, "cpu_s": clock.cpu, "per_s": n / clock.wall,
            "per_cpu_s": n / clock.cpu, "peak_mib": clock.maxrss_kib / 1024, "base_mib": base, "load1_before": load,
            **extra}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=100_000, help="events (default 100,000)")
    ap.add_argument("--chunk", type=int, default=50_000, help="events per columnar batch (default 50,000)")
    ap.add_argument("--only", choices=["zen", "columnar"], help="run one configuration")
    ap.add_argument("--profile", action="store_true", help="profile the columnar run (cProfile, top 20)")
    ap.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print("RESULT " + json.dumps(child(args.child, args.n, "henan", args.chunk, args.profile)))
        return
    configs = [args.only] if args.only else ["zen", "columnar"]
    print(f"{args.n:,} generated Henan events; load average before: {os.getloadavg()[0]:.2f}; {os.cpu_count()} cores")
    results = []
    for config in configs:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--child", config, "-n", str(args.n),
               "--chunk", str(args.chunk)] + (["--profile"] if args.profile else [])
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        lines = proc.stdout.splitlines()
        found = next((json.loads(x[7:]) for x in lines if x.startswith("RESULT ")), None)
        passthrough = "\n".join(x for x in lines if not x.startswith("RESULT "))
        if passthrough:
            print(passthrough)
        if found is None:
            sys.exit(f"{config} failed (exit {proc.returncode}): {proc.stderr.strip()[-3000:]}")
        results.append(found)
    zen = next((r for r in results if r["config"] == "zen"), None)
    print(f"{'configuration':14s} {'events/s':>10s} {'events/CPU-s':>13s} {'÷zen wall':>10s} {'÷zen CPU':>9s} "
          f"{'peak MiB':>9s} {'severe':>7s} {'load':>5s}")
    for r in results:
        ratio = (f"{r['per_s'] / zen['per_s']:.1f}", f"{r['per_cpu_s'] / zen['per_cpu_s']:.1f}") if zen else ("-", "-")
        print(f"{r['config']:14s} {r['per_s']:10,.0f} {r['per_cpu_s']:13,.0f} {ratio[0]:>10s} {ratio[1]:>9s} "
              f"{r['peak_mib']:9.0f} {r['severe']:7d} {r['load1_before']:5.2f}")
    for r in results:
        print(f"  {r['config']}: {r['api']}; {r['wall_s']:.2f} s wall, {r['cpu_s']:.2f} s CPU; RSS once the events "
              f"are generated {r['base_mib']:.0f} MiB" + (f"; {r['rows']:,} rows ({r['errors']} errors), "
                                                          f"{r['parquet_bytes'] / 2**20:.1f} MiB of Parquet"
                                                          if "rows" in r else ""))
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    if args.json:
        Path(args.json).write_text(json.dumps({"results": results, "when": time.strftime("%Y-%m-%d %H:%M")}, indent=2))


if __name__ == "__main__":
    main()
