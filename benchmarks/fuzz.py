"""The attack of issue 13, large: prints the issue's table (tried, unexpected exceptions, lost good records,
silent accepts, slow) so the figures can be quoted.

    python benchmarks/fuzz.py                         # 12,000 events per pack, 300 JSONL files, every pack mutation
    python benchmarks/fuzz.py -n 2000 --jsonl 100     # a moderate run
    python benchmarks/fuzz.py -n 500 --examples 3     # and up to 3 reproducers per column

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
    args = parser.parse_args(argv)

    print(f"# creditrules fuzz {time.strftime('%Y-%m-%d %H:%M:%S')}  python {sys.version.split()[0]}  "
          f"cpus {os.cpu_count()}  load {os.getloadavg()[0]:.2f}  seed {args.seed}")
    rows = []

    for jurisdiction in attack.PACKS:
        tally, start = attack.Tally(), time.perf_counter()
        _run(attack.hostile_events(), args.n, args.seed,
             lambda case, j=jurisdiction, t=tally: attack.judge_event(*case, j, t))  # type: ignore[call-arg]
        rows.append((f"events via `creditrules.evaluate`, {jurisdiction}", tally, time.perf_counter() - start))

    tally, start = attack.Tally(), time.perf_counter()
    _run(attack.hostile_jsonl(), args.jsonl, args.seed, lambda case: attack.judge_jsonl(*case, tally))  # type: ignore[call-arg]
    rows.append(("hostile JSONL files (iter_jsonl + evaluate_many)", tally, time.perf_counter() - start))

    tally, start = attack.Tally(), time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for name in sorted(attack.PACK_MUTATIONS):
            attack.judge_pack(Path(tmp) / "henan", name, tally, ROOT / "policies" / "henan")
    rows.append(("hostile packs (load_pack_dir + validate_pack)", tally, time.perf_counter() - start))

    print()
    print("| attack | tried | unexpected exceptions | lost good records | silent accepts | slow | seconds |")
    print("|---|---|---|---|---|---|---|")
    total = attack.Tally()
    for label, t, seconds in rows:
        print(f"| {label} | {t.tried:,} | {t.unexpected:,} | {t.lost:,} | {t.silent:,} | {t.slow:,} | {seconds:.1f} |")
        total.add(t)
    print(f"| **total** | {total.tried:,} | {total.unexpected:,} | {total.lost:,} | {total.silent:,} | "
          f"{total.slow:,} | |")
    print(f"\nslow: events over {attack.SLOW_SECONDS * 1000:.0f} ms (the first evaluation of a pack, which compiles "
          f"it, is not counted), packs over 10 s. load after: {os.getloadavg()[0]:.2f}")
    for label, t, _ in rows:
        for column, examples in sorted(t.examples.items()):
            for example in examples[: args.examples]:
                print(f"  {column:10} {label.split(',')[-1].strip()}: {str(example)[:300]}")
    return 1 if total.unexpected or total.lost or total.silent else 0


if __name__ == "__main__":
    sys.exit(main())
