"""The batch benchmark: N generated Henan events through the command line (1 and 2 workers, JSONL to /dev/null and
Parquet) and through the library, with zen-engine on the same events in the same run.

    python benchmarks/batch_bench.py                 # 1,000,000 events (a JSONL file of about 0.5 GB in $TMPDIR)
    python benchmarks/batch_bench.py -n 100000
    python benchmarks/batch_bench.py -n 10000 --only cli-w2-jsonl,cli-w2-flat --json small.json

The events are bench.py's `generate`, in blocks of 10,000 (block k seeded 20261125 + k, ids bench-0 ...), so the
first 10,000 of any run are the same events and nothing holds all N: the parent writes the JSONL file block by block
(not timed), the library and zen configurations evaluate the blocks as they are generated. Each configuration runs
in its own child process, one after another:

    zen              zen-engine (zen_henan.json): decision.evaluate(event)["result"] -> json.dumps, one core
    lib              creditrules.evaluate_many(events, jurisdiction="henan", as_of=...) -> item.to_json(), one core
    cli-w1-jsonl     creditrules evaluate FILE.jsonl -j henan --as-of ... --workers 1 > /dev/null
    cli-w2-jsonl     ... --workers 2 > /dev/null
    cli-w1-flat      ... --workers 1 --output OUT.parquet (the flat table, the default: the columnar evaluator)
    cli-w2-flat      ... --workers 2 --output OUT.parquet
    cli-w2-flat-ref  ... --workers 2 --output OUT.parquet --evaluator reference (the flat table, no JSON made)
    cli-w2-full      ... --workers 2 --output OUT.parquet --table full (the reference evaluator; the JSON column)

Columns: events/s (wall), CPU s (user + sys of the measured process and, for the CLI, all its workers: the CLI waits
for its spawn-started workers, so their rusage is in its RUSAGE_CHILDREN), events per CPU-second, peak MiB (the
largest single process: ru_maxrss) and tree MiB (the sum of the RSS of the CLI and its workers, sampled every 0.1 s
with psutil; with it the CLI process's own CPU, "parent CPU" after the checksum), ÷zen (events/s over zen-engine's
events/s in this run, and the same per CPU-second). The CLI figures include its start-up (imports, the pack compiled
in each worker). A benchmark, not a test: it asserts nothing. The machine may be shared: the load average before
each configuration is printed; compare within a run.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench import AS_OF, ZEN_GRAPH, Clock, Tally, generate  # noqa: E402

SEED = 20261125
BLOCK = 10_000
CONFIGS = ("zen", "lib", "cli-w1-jsonl", "cli-w2-jsonl", "cli-w1-flat", "cli-w2-flat", "cli-w2-flat-ref",
           "cli-w2-full")
_OPTIONS = {"jsonl": [], "flat": [], "flat-ref": ["--evaluator", "reference"], "full": ["--table", "full"]}
_SUMMARY = re.compile(r"creditrules: ([\d,]+) events, ([\d,]+) determinations, ([\d,]+) errors")


def events(n: int) -> Iterator[dict]:
    """N generated Henan events, block by block (see the module docstring)."""
    done = block = 0
    while done < n:
        m = min(BLOCK, n - done)
        for i, event in enumerate(generate(m, seed=SEED + block)):
            event["id"] = f"bench-{done + i}"
            yield event
        done += m
        block += 1


def write_file(n: int, path: Path) -> None:
    with path.open("w", encoding="utf-8") as f:
        for event in events(n):
            f.write(json.dumps(event, ensure_ascii=False) + "\n")


class TreeRSS:
    """The peak of the summed RSS of a process and its descendants, sampled in a thread (needs psutil); also the
    process's own CPU seconds, all its threads (`own_cpu`: the last sample before it ended, within 0.1 s)."""

    def __init__(self, pid: int, every: float = 0.1):
        self.peak = None
        self.own_cpu: float | None = None
        try:
            import psutil
        except ImportError:
            return
        self.peak = 0
        self.proc = psutil.Process(pid)
        self.psutil, self.every = psutil, every
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.is_set():
            try:
                times = self.proc.cpu_times()
                self.own_cpu = times.user + times.system
                procs = [self.proc, *self.proc.children(recursive=True)]
                total = 0
                for p in procs:
                    try:
                        total += p.memory_info().rss
                    except (self.psutil.NoSuchProcess, self.psutil.AccessDenied):
                        pass
                self.peak = max(self.peak or 0, total)
            except self.psutil.NoSuchProcess:
                return
            self.stop.wait(self.every)

    def done(self) -> float | None:
        if self.peak is None:
            return None
        self.stop.set()
        self.thread.join()
        return self.peak / 2 ** 20


# --- each configuration, in its own child process ------------------------------------------------------------------

def run_zen(n: int) -> dict:
    import zen
    decision = zen.ZenEngine().create_decision(ZEN_GRAPH.read_text(encoding="utf-8"))
    decision.evaluate(generate(1)[0])                 # warm-up, not timed
    tally = Tally(0)
    with Clock() as clock:
        for event in events(n):
            tally.add(json.dumps(decision.evaluate(event)["result"], ensure_ascii=False))
    return {"clock": clock, "severe": tally.severe, "errors": tally.errors, "outputs": tally.count,
            "what": "zen.ZenDecision.evaluate(event)['result'] -> json.dumps"}


def run_lib(n: int) -> dict:
    import creditrules
    creditrules.evaluate(generate(1)[0], jurisdiction="henan", as_of=AS_OF)     # the pack compiled, not timed
    tally = Tally(0)
    with Clock() as clock:
        for item in creditrules.evaluate_many(events(n), jurisdiction="henan", as_of=AS_OF):
            tally.add(item.to_json())
    return {"clock": clock, "severe": tally.severe, "errors": tally.errors, "outputs": tally.count,
            "what": "creditrules.evaluate_many(events, jurisdiction='henan', as_of=...) -> item.to_json() "
                    "(trace fired)"}


def run_cli(config: str, n: int, path: Path) -> dict:
    _, workers, form = config.split("-", 2)
    parquet = form != "jsonl"
    tmp = Path(tempfile.mkdtemp(prefix="creditrules-batch-bench-"))
    out = tmp / "out.parquet"
    command = [sys.executable, "-m", "creditrules", "evaluate", str(path), "-j", "henan", "--as-of", AS_OF,
               "--workers", workers[1:], *_OPTIONS[form]]
    if parquet:
        command += ["--output", str(out)]
    with Clock(resource.RUSAGE_CHILDREN) as clock:
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        tree = TreeRSS(proc.pid)
        _, stderr = proc.communicate()
        tree_mib = tree.done()
    text = stderr.decode("utf-8", "replace")
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{config}: the CLI exited {proc.returncode}: {text[-2000:]}")
    found = _SUMMARY.search(text)
    result: dict[str, Any] = {"clock": clock, "tree_mib": tree_mib, "parent_cpu_s": tree.own_cpu, "what": " ".join(
        ["creditrules evaluate FILE.jsonl -j henan --as-of", AS_OF, "--workers", workers[1:], *_OPTIONS[form]]
        + (["--output OUT.parquet"] if parquet else ["> /dev/null"]))}
    chosen = re.search(r"worker[s]?, (\w+) evaluator", text)
    if chosen:
        result["evaluator"] = chosen.group(1)
    if found:
        result["outputs"], _, result["errors"] = (int(x.replace(",", "")) for x in found.groups())
    if parquet:
        import pyarrow.compute as pc
        import pyarrow.parquet as pq
        table = pq.read_table(out, columns=["level", "error_code"])
        result["severe"] = int(pc.sum(pc.equal(table.column("level"), "severe")).as_py() or 0)
        result["parquet_rows"] = table.num_rows
        result["parquet_mib"] = out.stat().st_size / 2 ** 20
        out.unlink()
    tmp.rmdir()
    return result


def child(config: str, n: int, path: Path) -> dict:
    load = os.getloadavg()[0]
    if config == "zen":
        r = run_zen(n)
    elif config == "lib":
        r = run_lib(n)
    else:
        r = run_cli(config, n, path)
    clock = r.pop("clock")
    return {"config": config, "events": n, "wall_s": clock.wall, "cpu_s": clock.cpu,
            "peak_mib": clock.maxrss_kib / 1024, "load1_before": load, **r}


# --- the parent ------------------------------------------------------------------------------------------------------

def _fmt(value: Any, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=1_000_000, help="events (default 1,000,000)")
    ap.add_argument("--only", help="comma-separated configurations: " + ", ".join(CONFIGS))
    ap.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    ap.add_argument("--keep", metavar="PATH", help="write the JSONL input here and keep it (default: a temp file)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--file", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print("RESULT " + json.dumps(child(args.child, args.n, Path(args.file))))
        return
    configs = [c.strip() for c in args.only.split(",")] if args.only else list(CONFIGS)
    unknown = [c for c in configs if c not in CONFIGS]
    if unknown:
        sys.exit(f"--only: no configuration {', '.join(unknown)}; choose from {', '.join(CONFIGS)}")
    started = dt.datetime.now().astimezone()
    load_before = os.getloadavg()
    print(f"# {started:%Y-%m-%d %H:%M %Z}  Python {platform.python_version()}  CPUs {os.cpu_count()} (usable "
          f"{len(os.sched_getaffinity(0))})  loadavg before {' '.join(f'{x:.2f}' for x in load_before)}")
    tmpdir = None
    if args.keep:
        path = Path(args.keep)
    else:
        tmpdir = Path(tempfile.mkdtemp(prefix="creditrules-batch-bench-"))
        path = tmpdir / "events.jsonl"
    t0 = time.perf_counter()
    if not (args.keep and path.exists()):
        write_file(args.n, path)
    print(f"# N={args.n:,} generated Henan events (bench.generate, blocks of {BLOCK:,}); JSONL input "
          f"{path.stat().st_size / 2 ** 20:,.0f} MiB written in {time.perf_counter() - t0:.0f} s (not timed); "
          f"as_of {AS_OF}; each configuration in its own process, one after another", flush=True)
    results = []
    for config in configs:
        proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", config, "-n", str(args.n),
                               "--file", str(path)], capture_output=True, text=True, check=False)
        line = next((x for x in reversed(proc.stdout.splitlines()) if x.startswith("RESULT ")), None)
        if proc.returncode != 0 or line is None:
            print(f"# {config} FAILED: {proc.stderr.strip()[-2000:]}", flush=True)
            continue
        results.append(json.loads(line[7:]))
        if sys.stderr.isatty():
            print(f"# done {config} in {results[-1]['wall_s']:.0f} s", file=sys.stderr, flush=True)
    if tmpdir is not None:
        path.unlink()
        tmpdir.rmdir()
    load_after = os.getloadavg()
    zen = next((r for r in results if r["config"] == "zen"), None)
    head = (f"{'configuration':<16} {'events':>9} {'wall s':>8} {'events/s':>9} {'CPU s':>8} {'ev/CPU-s':>8} "
            f"{'peak MiB':>8} {'tree MiB':>8} {'÷zen wall':>9} {'÷zen CPU':>8} {'load1':>5}  checksum")
    print(head)
    print("-" * len(head))
    for r in results:
        r["events_per_s"] = r["events"] / r["wall_s"]
        r["events_per_cpu_s"] = r["events"] / r["cpu_s"] if r["cpu_s"] else None
        vs_wall = r["events_per_s"] / zen["events_per_s"] if zen and r is not zen else None
        vs_cpu = (r["events_per_cpu_s"] / zen["events_per_cpu_s"] if zen and r is not zen and r["events_per_cpu_s"]
                  else None)
        r["ratio_wall_vs_zen"], r["ratio_cpu_vs_zen"] = vs_wall, vs_cpu
        checks = []
        if "outputs" in r:
            checks.append(f"{r['outputs']:,} out, {r.get('errors', 0):,} errors")
        if "severe" in r:
            checks.append(f"severe {r['severe']:,}")
        if r.get("parent_cpu_s") is not None:
            checks.append(f"parent CPU {r['parent_cpu_s']:.1f} s")
        if r.get("evaluator"):
            checks.append(f"{r['evaluator']} evaluator")
        if "parquet_rows" in r:
            checks.append(f"{r['parquet_rows']:,} rows, {r['parquet_mib']:.0f} MiB Parquet")
        print(f"{r['config']:<16} {r['events']:>9,} {r['wall_s']:>8.1f} {r['events_per_s']:>9,.0f} {r['cpu_s']:>8.1f} "
              f"{_fmt(r['events_per_cpu_s'], ',.0f'):>8} {r['peak_mib']:>8.0f} {_fmt(r.get('tree_mib'), '.0f'):>8} "
              f"{_fmt(vs_wall, '.3f'):>9} {_fmt(vs_cpu, '.3f'):>8} {r['load1_before']:>5.2f}  {'; '.join(checks)}")
    print(f"# loadavg after {' '.join(f'{x:.2f}' for x in load_after)}")
    for r in results:
        print(f"# {r['config']}: {r['what']}")
    w1 = next((r for r in results if r["config"] == "cli-w1-jsonl"), None)
    w2 = next((r for r in results if r["config"] == "cli-w2-jsonl"), None)
    if w1 and w2:
        print(f"# 2 workers / 1 worker (JSONL): {w2['events_per_s'] / w1['events_per_s']:.2f}x events/s, "
              f"{w2['cpu_s'] / w1['cpu_s']:.2f}x CPU-seconds")
    if args.json:
        data = {"started": started.isoformat(), "n": args.n, "loadavg_before": load_before,
                "loadavg_after": load_after, "results": results}
        Path(args.json).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
