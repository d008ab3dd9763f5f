"""The attack of issue 13, large: prints the issue's table (tried, unexpected exceptions, lost good records,
silent accepts, slow) so the figures can be quoted.

    python benchmarks/fuzz.py                         # 12,000 events per pack, 300 JSONL files, every pack mutation
    python benchmarks/fuzz.py -n 2000 --jsonl 100     # a moderate run
    python benchmarks/fuzz.py -n 500 --examples 3     # and up to 3 reproducers per column
    python benchmarks/fuzz.py --chunk 0               # without the CLI run

The strategies and judges are tests/attack.py's (tests/test_attack.py runs a small, fixed-seed version in CI):
- events: `creditrules.evaluate` on each of henan, jilin, xinjiang, bingtuan; *unexpected* is any exception but an
  InputError, *silent* a certainly-invalid event that was decided, *slow* one evaluation over 50 ms;
- JSONL: good records mixed with hostile lines read by `records.iter_jsonl` and evaluated by `evaluate_many`;
  *lost* a good record missing or changed, *silent* a hostile line read as a record;
- packs: each mutation in `attack.PACK_MUTATIONS` applied to a copy of policies/henan, loaded and validated;
  *silent* a certainly-wrong pack that validates, *slow* a load over 10 s.
Generated with hypothesis from a fixed seed (`--seed`), so a run is repeatable. A benchmark: it asserts nothing,
but exits 1 when any of unexpected, lost or silent is not 0. The header gives the load average.
"""
from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import attack  # noqa: E402
from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402


def _run(strategy, n: int, seed_value: int, body) -> None:
    @seed(seed_value)
    @settings(max_examples=n, deadline=None, database=None, suppress_health_check=list(HealthCheck),
              phases=(Phase.generate,))
    @given(strategy)
    def run(case):
        body(case)
    run()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=12_000, help="hostile events per pack (default 12,000)")
    parser.add_argument("--jsonl", type=int, default=300, help="hostile JSONL files (default 300)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--examples", type=int, default=2, help="reproducers shown per column (default 2)")
    parser.add_argument("--chunk", type=int, default=1000,
                        help="the events again through the CLI in JSONL files of this many lines (default 1,000; "
                             "0: no CLI run)")
    parser.add_argument("--workers", type=int, default=2, help="the CLI's --workers (default 2)")
    parser.add_argument("--packs", default=",".join(attack.PACKS), help="the packs attacked with events "
                        f"(default {','.join(attack.PACKS)})")
    parser.add_argument("--no-files", action="store_true", help="events only: no hostile JSONL files or packs")
    args = parser.parse_args(argv)

    print(f"# creditrules fuzz {time.strftime('%Y-%m-%d %H:%M:%S')}  python {sys.version.split()[0]}  "
          f"cpus {os.cpu_count()}  load {os.getloadavg()[0]:.2f}  seed {args.seed}")
    rows = []
    collections: list = []                  # (seconds, generation) of each pass of the cyclic GC
    began = [0.0]

    def on_gc(phase, info):
        if phase == "start":
            began[0] = time.perf_counter()
        else:
            collections.append((time.perf_counter() - began[0], info["generation"]))
    gc.callbacks.append(on_gc)

    def row(label: str, t: attack.Tally, seconds: float) -> None:
        """Kept for the table, and said at once (a long run shows its progress; a stopped one keeps its rows)."""
        rows.append((label, t, seconds))
        print(f"# {time.strftime('%H:%M:%S')} {label}: tried {t.tried:,}, unexpected {t.unexpected:,}, lost "
              f"{t.lost:,}, silent {t.silent:,}, slow {t.slow:,} ({t.over_1s:,} over 1 s), {seconds:.1f} s; "
              f"{dict((k, [str(x)[:200] for x in v[:2]]) for k, v in t.examples.items())}", flush=True)

    cli = attack.Tally()
    cli_seconds = 0.0
    unwritable = 0
    for jurisdiction in args.packs.split(","):
        tally, start = attack.Tally(), time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            lines: list = []

            expected: list = []

            def judge(case, j=jurisdiction, t=tally, lines=lines, expected=expected):
                nonlocal unwritable
                line = attack.event_line(case[0]) if args.chunk else None
                found = attack.judge_event(*case, j, t)
                if line is None:
                    unwritable += bool(args.chunk)
                else:
                    lines.append(line)
                    expected.append(attack.expectation(case[0], line, case[1], found))

            _run(attack.hostile_events(), args.n, args.seed, judge)  # type: ignore[call-arg]
            row(f"events via `creditrules.evaluate`, {jurisdiction}", tally, time.perf_counter() - start)
            start = time.perf_counter()
            for k in range(0, len(lines), args.chunk or len(lines) + 1):
                path = Path(tmp) / f"{jurisdiction}-{k // args.chunk:03}.jsonl"
                path.write_bytes(b"\n".join(lines[k:k + args.chunk]) + b"\n")
                attack.judge_cli_chunk(path, jurisdiction, cli, args.workers, expected[k:k + args.chunk])
                path.unlink()
            cli_seconds += time.perf_counter() - start
    if args.chunk:
        row(f"the same events through the CLI, JSONL chunks of {args.chunk:,} (tried: chunks)", cli, cli_seconds)

    if not args.no_files:
        _files(args, row)
    _table(args, rows, unwritable)
    worst = sorted(collections, reverse=True)[:3]
    print(f"cyclic GC: {len(collections):,} passes, {sum(c for c, _ in collections):.1f} s in all; the longest: "
          + ", ".join(f"{c:.3f} s (generation {g})" for c, g in worst))
    return 1 if any(t.unexpected or t.lost or t.silent for _, t, _ in rows) else 0


def _files(args, row) -> None:
    tally, start = attack.Tally(), time.perf_counter()
    _run(attack.hostile_jsonl(), args.jsonl, args.seed, lambda case: attack.judge_jsonl(*case, tally))  # type: ignore[call-arg]
    row("hostile JSONL files (iter_jsonl + evaluate_many)", tally, time.perf_counter() - start)

    tally, start = attack.Tally(), time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for name in sorted(attack.PACK_MUTATIONS):
            attack.judge_pack(Path(tmp) / "henan", name, tally, ROOT / "policies" / "henan")
    row("hostile packs (load_pack_dir + validate_pack)", tally, time.perf_counter() - start)



def _table(args, rows, unwritable: int) -> None:
    print()
    print("| attack | tried | unexpected exceptions | lost good records | silent accepts | slow | seconds |")
    print("|---|---|---|---|---|---|---|")
    total = attack.Tally()
    for label, t, seconds in rows:
        print(f"| {label} | {t.tried:,} | {t.unexpected:,} | {t.lost:,} | {t.silent:,} | {t.slow:,} | {seconds:.1f} |")
        total.add(t)
    print(f"| **total** | {total.tried:,} | {total.unexpected:,} | {total.lost:,} | {total.silent:,} | "
          f"{total.slow:,} | |")
    if args.chunk:
        print(f"\nCLI: {unwritable:,} events not written (no JSON for them, e.g. a 5,000-digit number); lost and "
              f"silent count records, tried counts chunks.")
    events = attack.Tally()
    for label, t, _ in rows:
        if label.startswith("events via"):
            events.add(t)
            events.slowest = sorted(events.slowest + t.slowest, reverse=True)[:5]
    print(f"\nevents over 1 s: {events.over_1s:,}; over 5 s: {events.over_5s:,}; the slowest: "
          + "; ".join(f"{s:.3f} s {w[:120]}" for s, w in events.slowest))
    print(f"\nslow: events over {attack.SLOW_SECONDS * 1000:.0f} ms (the first evaluation of a pack, which compiles "
          f"it, is not counted), packs over 10 s. load after: {os.getloadavg()[0]:.2f}")
    for label, t, _ in rows:
        for column, examples in sorted(t.examples.items()):
            for example in examples[: args.examples]:
                print(f"  {column:10} {label.split(',')[-1].strip()}: {str(example)[:300]}")


if __name__ == "__main__":
    sys.exit(main())
