"""Benchmark: determinations per second and peak memory of each evaluator on generated events.

    python benchmarks/bench.py                       # 100,000 Henan events, both evaluators
    python benchmarks/bench.py -n 20000 -j jilin --evaluator durable

Each evaluator runs in a fresh process, so its peak memory (ru_maxrss) is its own. Events are generated from the
vocabulary with a fixed seed, validated like user input, and evaluated in batches through the public pipeline
(the same code `creditrules evaluate` runs on a JSONL file). A benchmark, not a test: it asserts nothing.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import resource
import subprocess
import sys
import time


def generate(n: int, seed: int = 20261125) -> list[dict]:
    from creditrules.vocabulary import default_vocabulary
    v = default_vocabulary()
    rng = random.Random(seed)
    kinds, conduct, facts = sorted(v.kinds), sorted(v.conduct), sorted(v.facts)
    subject_types, basis_types = sorted(v.names("subject_types")), sorted(v.names("basis_types"))
    start = dt.date(2020, 6, 1).toordinal()

    def day() -> str:
        return dt.date.fromordinal(start + rng.randrange(2400)).isoformat()

    def value(term):
        if term.type == "bool":
            return rng.random() < 0.6
        if term.type == "int":
            return rng.randrange(24)
        if term.type == "date":
            return day()
        if term.type in ("enum",):
            return rng.choice(term.values)
        if term.type == "list":
            return rng.sample(term.values, k=min(len(term.values), rng.randrange(3)))
        return "x"

    events = []
    for i in range(n):
        e = {"id": f"bench-{i}", "subject": {"type": rng.choice(subject_types)},
             "kind": rng.choice(kinds) if rng.random() < 0.5 else "administrative_penalty"}
        if e["subject"]["type"] != "natural_person" and rng.random() < 0.5:
            e["subject"]["responsible_persons"] = [{"role": "legal_representative", "name": "张三"}]
        if rng.random() < 0.8:
            e["conduct"] = rng.sample(conduct, k=rng.randrange(3))
        if rng.random() < 0.8:
            decided = day()
            e["basis"] = {"type": rng.choice(basis_types), "decided_on": decided, "effective_on": decided}
        e["occurred_on"] = day()
        e["facts"] = {name: value(v.facts[name]) for name in rng.sample(facts, k=rng.randrange(8))}
        events.append(e)
    return events


def run_one(evaluator: str, jurisdiction: str, n: int, batch: int) -> dict:
    """In this process: parse, then evaluate n events in batches; report throughput and peak memory."""
    from creditrules.backends import get_evaluator
    from creditrules.evaluate import evaluate_events
    from creditrules.event import parse_event
    from creditrules.packs import compiled_pack, working_day_calendar

    compiled = compiled_pack(jurisdiction)
    calendar = working_day_calendar(compiled.pack.directory)
    engine = get_evaluator(evaluator)
    raw = generate(n)
    t0 = time.perf_counter()
    events = [parse_event(e) for e in raw]
    t1 = time.perf_counter()
    checksum = 0
    for i in range(0, n, batch):
        for det in evaluate_events(compiled, events[i:i + batch], dt.date(2025, 6, 1), calendar, engine):
            checksum += len(det.sanctions) + (det.severe_list.eligible is True)
    t2 = time.perf_counter()
    return {"evaluator": evaluator, "jurisdiction": jurisdiction, "events": n, "rules": len(compiled.rules),
            "strata": len(compiled.strata), "parse_per_s": round(n / (t1 - t0)), "determinations_per_s": round(n / (t2 - t1)),
            "seconds": round(t2 - t1, 1), "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "checksum": checksum}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=100_000, help="events (default 100,000)")
    ap.add_argument("-j", "--jurisdiction", default="henan")
    ap.add_argument("--evaluator", choices=["reference", "durable", "both"], default="both")
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(run_one(args.evaluator, args.jurisdiction, args.n, args.batch)))
        return
    evaluators = ["reference", "durable"] if args.evaluator == "both" else [args.evaluator]
    results = []
    for name in evaluators:
        proc = subprocess.run([sys.executable, __file__, "--child", "-n", str(args.n), "-j", args.jurisdiction,
                               "--evaluator", name, "--batch", str(args.batch)], capture_output=True, text=True)
        if proc.returncode != 0:
            sys.exit(f"{name} failed:\n{proc.stderr}")
        results.append(json.loads(proc.stdout))
    print(f"{'evaluator':<10} {'pack':<9} {'events':>8} {'rules':>5} {'det/s':>8} {'seconds':>8} {'peak MiB':>9} checksum")
    for r in results:
        print(f"{r['evaluator']:<10} {r['jurisdiction']:<9} {r['events']:>8} {r['rules']:>5} {r['determinations_per_s']:>8} "
              f"{r['seconds']:>8} {r['peak_rss_mib']:>9} {r['checksum']}")
    if len({r["checksum"] for r in results}) > 1:
        print("note: the evaluators' checksums differ: run the differential tests (pytest tests/test_properties.py)")
    print(f"(event parsing, not included above: {results[0]['parse_per_s']} events/s)")


if __name__ == "__main__":
    main()
