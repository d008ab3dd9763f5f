"""The performance benchmark: creditrules on generated events, each entry point and trace level, against zen-engine.

    python benchmarks/bench.py                        # 100,000 Henan events, every configuration + zen-engine
    python benchmarks/bench.py -n 20000 --only zen,batch-fired --json results.json
    python benchmarks/bench.py -n 20000 --evaluator durable     # adds batch-fired-durable (on N/10 events)
    python benchmarks/bench.py -n 20000 --profile batch-full    # one configuration under cProfile: top 15

Each configuration runs in a fresh subprocess (so its ru_maxrss is its own peak memory): it generates the events
from the seeded generator below (not timed), then times only the evaluation, output serialised to JSON text:

    zen                zen-engine (benchmarks/zen_henan.json) on every event, one decision object, json.dumps
    batch-<trace>      creditrules.evaluate_many(events, jurisdiction=, as_of=, trace=) -> item.to_json()
    evaluate-<trace>   creditrules.evaluate(event, jurisdiction=, as_of=, trace=) per event -> det.model_dump_json()
                       (on N/5 events; rates are per second, so comparable)
    cli-<trace>        `python -m creditrules evaluate FILE.jsonl ... --format json --trace T > /dev/null`, measured
                       with the child's rusage (RUSAGE_CHILDREN) and peak RSS
    batch-fired-durable  with --evaluator durable: evaluate_many(..., evaluator="durable") on N/10 events

Where the installed creditrules lacks `trace=` or `BatchItem.to_json()`, the older calls are used (detected with
try/except TypeError/AttributeError) and the notes under the table say which path each configuration took.
A benchmark, not a test: it asserts nothing. See benchmarks/README.md.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ZEN_GRAPH = HERE / "zen_henan.json"
AS_OF = "2024-06-01"
TRACES = ("none", "fired", "full")
AGREEMENT_SAMPLE = 2000


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


# --- measuring ---------------------------------------------------------------------------------------------------

_LEVEL = re.compile(r'"dishonesty"\s*:\s*\{[^{}]*?"level"\s*:\s*"(\w+)"')
_LEVEL_B = re.compile(rb'"dishonesty"\s*:\s*\{[^{}]*?"level"\s*:\s*"(\w+)"')


def level_of(text) -> str | None:
    """The dishonesty level written in a determination's JSON text (str or bytes); None for an error record."""
    if isinstance(text, bytes):
        i = text.find(b'"dishonesty"')
        m = _LEVEL_B.match(text, i) if i >= 0 else None
        return m.group(1).decode() if m else None
    i = text.find('"dishonesty"')
    m = _LEVEL.match(text, i) if i >= 0 else None
    return m.group(1) if m else None


class Tally:
    """Checksums gathered while the outputs stream past (nothing is kept: memory must not grow with N)."""

    def __init__(self, prefix: int):
        self.prefix = prefix
        self.count = self.errors = self.severe = self.severe_prefix = self.chars = 0

    def add(self, text) -> None:
        level = level_of(text)
        if level is None:
            self.errors += 1
        elif level == "severe":
            self.severe += 1
            if self.count < self.prefix:
                self.severe_prefix += 1
        self.count += 1
        self.chars += len(text)


class Clock:
    """Wall clock and this process's CPU (user + sys) around the measured part."""

    def __init__(self, who=resource.RUSAGE_SELF):
        self.who = who

    def __enter__(self):
        self.r0 = resource.getrusage(self.who)
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.t0
        r1 = resource.getrusage(self.who)
        self.cpu = (r1.ru_utime - self.r0.ru_utime) + (r1.ru_stime - self.r0.ru_stime)
        self.maxrss_kib = r1.ru_maxrss
        return False


def _dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False)


def _error_record(item) -> str:
    err = item.error
    diags = getattr(err, "diagnostics", None) or []
    first = diags[0] if diags else None
    return _dumps({"index": item.index, "error": {"code": getattr(first, "code", type(err).__name__),
                                                   "message": getattr(first, "message", str(err)),
                                                   "position": str(getattr(first, "position", ""))}})


def _legacy_item_json(item) -> str:
    if item.determination is None:
        return _error_record(item)
    return _dumps(item.determination.model_dump(mode="json"))


# --- the configurations, each run in its own child process --------------------------------------------------------

def run_zen(events, prefix, profiler):
    import zen
    decision = zen.ZenEngine().create_decision(ZEN_GRAPH.read_text(encoding="utf-8"))
    decision.evaluate(events[0])                  # warm-up, not timed (as creditrules' pack load below)
    tally = Tally(prefix)
    with profiler, Clock() as clock:
        for event in events:
            tally.add(_dumps(decision.evaluate(event)["result"]))
    return clock, tally, "zen.ZenDecision.evaluate(event)['result'] -> json.dumps"


def _warm_up(event, jurisdiction, evaluator="reference") -> None:
    """Load and compile the pack (cached by creditrules) on one event before the clock starts."""
    import creditrules
    creditrules.evaluate(event, jurisdiction=jurisdiction, as_of=AS_OF,
                         **({} if evaluator == "reference" else {"evaluator": evaluator}))


def run_batch(events, jurisdiction, trace, evaluator, prefix, profiler):
    import creditrules
    extra = {} if evaluator == "reference" else {"evaluator": evaluator}
    _warm_up(events[0], jurisdiction, evaluator)
    tally = Tally(prefix)
    with profiler, Clock() as clock:
        try:
            items = iter(creditrules.evaluate_many(events, jurisdiction=jurisdiction, as_of=AS_OF, trace=trace, **extra))
            api = f"evaluate_many(..., trace={trace!r})"
        except TypeError as exc:
            items = iter(creditrules.evaluate_many(events, jurisdiction, AS_OF, **extra))
            api = f"fallback evaluate_many(events, {jurisdiction!r}, {AS_OF!r}) [no trace=: {exc}]"
        first = next(items, None)
        serialise = None
        if first is not None:
            try:
                out = first.to_json()
                serialise = "to_json"
                api += " -> item.to_json()"
            except AttributeError:
                out = _legacy_item_json(first)
                api += " -> fallback json.dumps(item.determination.model_dump(mode='json')) [no BatchItem.to_json]"
            if not isinstance(out, (str, bytes)):
                out = _dumps(out)
                api += " (to_json gave no text: json.dumps)"
            tally.add(out)
        if serialise == "to_json":
            for item in items:
                out = item.to_json()
                tally.add(out if isinstance(out, (str, bytes)) else _dumps(out))
        else:
            for item in items:
                tally.add(_legacy_item_json(item))
    return clock, tally, api


def run_evaluate(events, jurisdiction, trace, prefix, profiler):
    import creditrules
    from creditrules import CreditRulesError
    _warm_up(events[0], jurisdiction)
    tally = Tally(prefix)
    with profiler, Clock() as clock:
        kw = {"trace": trace}
        api = f"evaluate(event, ..., trace={trace!r})"
        for i, event in enumerate(events):
            try:
                try:
                    det = creditrules.evaluate(event, jurisdiction=jurisdiction, as_of=AS_OF, **kw)
                except TypeError as exc:
                    if not kw:
                        raise
                    kw = {}
                    api = f"fallback evaluate(event, jurisdiction=, as_of=) [no trace=: {exc}]"
                    det = creditrules.evaluate(event, jurisdiction=jurisdiction, as_of=AS_OF)
                tally.add(det.model_dump_json() if hasattr(det, "model_dump_json") else _dumps(det.model_dump(mode="json")))
            except CreditRulesError as exc:
                tally.add(_dumps({"index": i, "error": {"message": str(exc)}}))
    return clock, tally, api + " -> det.model_dump_json() (pydantic's JSON serialiser)"


def run_cli(events, jurisdiction, trace, profile_path):
    """The CLI in a grandchild process, on a JSONL file written beforehand; measured with RUSAGE_CHILDREN."""
    tmp = Path(tempfile.mkdtemp(prefix="creditrules-bench-"))
    path, probe = tmp / "events.jsonl", tmp / "probe.jsonl"
    with path.open("w", encoding="utf-8") as f:
        for event in events:
            f.write(_dumps(event) + "\n")
    probe.write_text(_dumps(events[0]) + "\n", encoding="utf-8")
    base = [sys.executable, "-m", "creditrules", "evaluate"]
    opts = ["--jurisdiction", jurisdiction, "--as-of", AS_OF, "--format", "json"]
    trace_opt = ["--trace", trace]
    api = f"creditrules evaluate FILE.jsonl --format json --trace {trace} > /dev/null"
    tried = subprocess.run(base + [str(probe)] + opts + trace_opt, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           text=True, check=False)
    if tried.returncode == 2 and "trace" in tried.stderr:
        trace_opt = []
        api = "fallback creditrules evaluate FILE.jsonl --format json > /dev/null [CLI rejects --trace]"
    with Clock(resource.RUSAGE_CHILDREN) as startup:          # the same command on one event: start-up cost
        subprocess.run(base + [str(probe)] + opts + trace_opt, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       check=False)
    if profile_path:
        base = [sys.executable, "-m", "cProfile", "-o", str(profile_path), "-m", "creditrules", "evaluate"]
    with Clock(resource.RUSAGE_CHILDREN) as clock:
        proc = subprocess.run(base + [str(path)] + opts + trace_opt, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True, check=False)
    for p in (path, probe):
        p.unlink()
    tmp.rmdir()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"the CLI exited {proc.returncode}: {proc.stderr.strip()[-2000:]}")
    if proc.returncode == 1:
        api += f" (exit 1: {proc.stderr.strip().splitlines()[0] if proc.stderr.strip() else 'bad records'})"
    api += f"; start-up (the same command on 1 event) {startup.wall:.2f} s wall, {startup.cpu:.2f} s CPU, included"
    clock.startup_wall, clock.startup_cpu = startup.wall, startup.cpu
    return clock, None, api


class _Profiler:
    """A context manager that profiles its body when asked to (cProfile), else does nothing."""

    def __init__(self, enabled: bool):
        self.profile = None
        if enabled:
            import cProfile
            self.profile = cProfile.Profile()

    def __enter__(self):
        if self.profile:
            self.profile.enable()
        return self

    def __exit__(self, *exc):
        if self.profile:
            self.profile.disable()
        return False


def print_profile(stats_source, top: int = 15) -> None:
    import io
    import pstats
    for order in ("cumulative", "tottime"):
        buf = io.StringIO()
        pstats.Stats(stats_source, stream=buf).strip_dirs().sort_stats(order).print_stats(top)
        print(f"--- profile: top {top} by {order} ---")
        print(buf.getvalue().split("\n", 1)[-1].strip("\n"))


def child(config: str, n: int, jurisdiction: str, prefix: int, profile: bool) -> dict:
    load_before = os.getloadavg()
    events = generate(n)
    base_rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kind, _, rest = config.partition("-")
    profiler = _Profiler(profile and kind != "cli")
    trace, _, evaluator = rest.partition("-")
    profile_path = None
    if config == "zen":
        clock, tally, api = run_zen(events, prefix, profiler)
    elif kind == "batch":
        clock, tally, api = run_batch(events, jurisdiction, trace, evaluator or "reference", prefix, profiler)
    elif kind == "evaluate":
        clock, tally, api = run_evaluate(events, jurisdiction, trace, prefix, profiler)
    elif kind == "cli":
        profile_path = Path(tempfile.mkdtemp(prefix="creditrules-prof-")) / "cli.prof" if profile else None
        clock, tally, api = run_cli(events, jurisdiction, trace, profile_path)
    else:
        raise SystemExit(f"unknown configuration {config!r}")
    if profiler.profile is not None:
        print_profile(profiler.profile)
    elif profile_path is not None:
        print_profile(str(profile_path))
        profile_path.unlink()
        profile_path.parent.rmdir()
    result = {"config": config, "events": n, "wall_s": clock.wall, "cpu_s": clock.cpu,
              "det_per_s": n / clock.wall if clock.wall else None, "det_per_cpu_s": n / clock.cpu if clock.cpu else None,
              "peak_mib": clock.maxrss_kib / 1024, "base_mib": None if kind == "cli" else base_rss_kib / 1024,
              "load1_before": load_before[0], "api": api, "profiled": profile,
              "startup_wall_s": getattr(clock, "startup_wall", None), "startup_cpu_s": getattr(clock, "startup_cpu", None)}
    if tally is not None:
        result.update({"outputs": tally.count, "errors": tally.errors, "severe": tally.severe,
                       "severe_prefix": tally.severe_prefix, "prefix": min(prefix, n),
                       "chars_per_det": tally.chars / tally.count if tally.count else None})
    return result


# --- agreement of the zen graph with the pack (untimed, informational) --------------------------------------------

def _creditrules_view(det: dict) -> dict:
    pub = det["publication"]
    return {"dishonesty.level": det["dishonesty"]["level"], "dishonesty.at_least": det["dishonesty"]["at_least"],
            "severe_list.eligible": det["severe_list"]["eligible"],
            "severe_list.criteria": sorted(det["severe_list"]["criteria"]),
            "sanctions": sorted((s["id"], s["tier"], s["target"]) for s in det["sanctions"]),
            "publication": (pub["start"], pub["max_end"], pub["extended_until_removal"])}


def agreement(n: int, jurisdiction: str) -> dict:
    """The first n generated events through creditrules (batch) and the zen graph: on how many they agree."""
    import collections

    import zen

    import creditrules
    events = generate(n)
    try:
        items = list(creditrules.evaluate_many(events, jurisdiction=jurisdiction, as_of=AS_OF, trace="none"))
    except TypeError:
        items = list(creditrules.evaluate_many(events, jurisdiction, AS_OF))
    decision = zen.ZenEngine().create_decision(ZEN_GRAPH.read_text(encoding="utf-8"))
    agree = collections.Counter()
    pairs = collections.Counter()
    zen_severe = compared = 0
    for event, item in zip(events, items):
        z = decision.evaluate(event)["result"]
        zen_severe += z["dishonesty"]["level"] == "severe"
        if item.determination is None:
            continue
        compared += 1
        c = _creditrules_view(item.determination.model_dump(mode="json"))
        zv = _creditrules_view(z)
        for key in c:
            agree[key] += c[key] == zv[key]
        agree["all of these"] += c == zv
        if c["dishonesty.level"] != zv["dishonesty.level"]:
            pairs[f"{c['dishonesty.level']}->{zv['dishonesty.level']}"] += 1
    return {"sample": n, "compared": compared, "zen_severe": zen_severe, "agree": dict(agree),
            "level_disagreements": dict(pairs.most_common(8))}


# --- the parent: run each configuration, print the table ----------------------------------------------------------

def configurations(args) -> list[tuple[str, int]]:
    n = args.n
    n_eval = args.evaluate_n or max(1, n // 5)
    n_durable = args.durable_n or max(1, n // 10)
    configs = []
    if args.jurisdiction == "henan":
        configs.append(("zen", n))
    configs += [(f"batch-{t}", n) for t in TRACES]
    configs += [(f"evaluate-{t}", n_eval) for t in TRACES]
    configs += [(f"cli-{t}", n) for t in TRACES]
    if args.evaluator == "durable":
        configs.append(("batch-fired-durable", n_durable))
    if args.only:
        wanted = [w.strip() for w in args.only.split(",") if w.strip()]
        unknown = [w for w in wanted if not any(c == w or c.startswith(w + "-") for c, _ in configs)]
        if unknown:
            sys.exit(f"--only: no configuration {', '.join(unknown)}; choose from {', '.join(c for c, _ in configs)}")
        configs = [(c, k) for c, k in configs if any(c == w or c.startswith(w + "-") for w in wanted)]
    if args.profile:
        configs = [(c, k) for c, k in configs if c == args.profile]
        if not configs:
            sys.exit(f"--profile: no configuration {args.profile!r} (see --only for the names)")
    return configs


def _run_child(script_args: list[str]) -> tuple[dict | None, str]:
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), *script_args], capture_output=True, text=True,
                          check=False)
    lines = proc.stdout.splitlines()
    result = next((json.loads(line[7:]) for line in reversed(lines) if line.startswith("RESULT ")), None)
    passthrough = "\n".join(line for line in lines if not line.startswith("RESULT "))
    if proc.returncode != 0 or result is None:
        return None, passthrough + "\n" + proc.stderr.strip()[-3000:]
    return result, passthrough


def _fmt(value, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def _versions() -> dict:
    from importlib import metadata
    out = {}
    for dist in ("creditrules", "zen-engine"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = None
    probe = subprocess.run([sys.executable, "-c", "import creditrules, os; print(os.path.dirname(creditrules.__file__))"],
                           capture_output=True, text=True, check=False)
    out["creditrules_path"] = probe.stdout.strip() or probe.stderr.strip().splitlines()[-1:]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=100_000, help="events (default 100,000)")
    ap.add_argument("-j", "--jurisdiction", default="henan", help="pack (default henan; zen-engine runs for henan only)")
    ap.add_argument("--only", help="comma-separated configurations, or groups: zen, batch, evaluate, cli, batch-fired ...")
    ap.add_argument("--evaluator", choices=["reference", "durable"], default="reference",
                    help="durable: also run batch-fired-durable (on N/10 events)")
    ap.add_argument("--evaluate-n", type=int, help="events for evaluate-* (default N/5)")
    ap.add_argument("--durable-n", type=int, help="events for batch-fired-durable (default N/10)")
    ap.add_argument("--profile", metavar="CONFIG", help="run this one configuration under cProfile; print the top 15")
    ap.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    ap.add_argument("--no-agreement", action="store_true", help="skip the untimed zen/pack agreement pass")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--agreement", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--prefix", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.child:
        print("RESULT " + json.dumps(child(args.child, args.n, args.jurisdiction, args.prefix, bool(args.profile))))
        return
    if args.agreement:
        print("RESULT " + json.dumps(agreement(args.agreement, args.jurisdiction)))
        return

    configs = configurations(args)
    prefix = min(k for c, k in configs if not c.startswith("cli-")) if any(not c.startswith("cli-") for c, _ in configs) else 0
    started = dt.datetime.now().astimezone()
    load_before = os.getloadavg()
    versions = _versions()
    header = (f"# {started:%Y-%m-%d %H:%M %Z}  Python {platform.python_version()} ({platform.machine()}, "
              f"{platform.system()})  CPUs {os.cpu_count()} (usable {len(os.sched_getaffinity(0))})  "
              f"loadavg before {' '.join(f'{x:.2f}' for x in load_before)}")
    print(header)
    print(f"# creditrules {versions['creditrules']} from {versions['creditrules_path']}; zen-engine "
          f"{versions['zen-engine']}; pack {args.jurisdiction}; N={args.n}; as_of {AS_OF}; each configuration in "
          f"its own process, run one after another", flush=True)

    results, notes, failed = [], [], []
    for config, n in configs:
        child_args = ["--child", config, "-n", str(n), "-j", args.jurisdiction, "--prefix", str(prefix)]
        if args.profile:
            child_args.append("--profile=1")
        result, text = _run_child(child_args)
        if text.strip():
            print(text.strip())
        if result is None:
            failed.append(config)
            print(f"# {config} FAILED (above)", flush=True)
            continue
        results.append(result)
        if sys.stderr.isatty():
            print(f"# done {config}: {result['events']} events in {result['wall_s']:.1f} s", file=sys.stderr, flush=True)

    agree = None
    if not args.no_agreement and not args.profile and any(r["config"] == "zen" for r in results):
        agree, text = _run_child(["--agreement", str(min(AGREEMENT_SAMPLE, args.n)), "-j", args.jurisdiction])
        if agree is None:
            print("# the agreement pass FAILED:\n" + text)
    load_after = os.getloadavg()

    zen = next((r for r in results if r["config"] == "zen"), None)
    cols = (f"{'configuration':<20} {'events':>7} {'wall s':>7} {'det/s':>8} {'det/CPU-s':>9} {'peak MiB':>8} "
            f"{'base MiB':>8} {'÷zen CPU':>8} {'÷zen wall':>9} {'chars/det':>9} {'load1':>5}  checksum")
    print(cols)
    print("-" * len(cols))
    for r in results:
        ratio_cpu = r["det_per_cpu_s"] / zen["det_per_cpu_s"] if zen and r["det_per_cpu_s"] and r is not zen else None
        ratio_wall = r["det_per_s"] / zen["det_per_s"] if zen and r["det_per_s"] and r is not zen else None
        if "severe" in r:
            checksum = f"severe {r['severe']}, in first {r['prefix']}: {r['severe_prefix']}"
            if r["errors"]:
                checksum += f"; {r['errors']} error records"
        else:
            checksum = "n/a (output to /dev/null)"
        r["ratio_cpu_vs_zen"], r["ratio_wall_vs_zen"] = ratio_cpu, ratio_wall
        print(f"{r['config'] + (' (profiled)' if r['profiled'] else ''):<20} {r['events']:>7} {r['wall_s']:>7.2f} "
              f"{_fmt(r['det_per_s'], '.0f'):>8} {_fmt(r['det_per_cpu_s'], '.0f'):>9} {r['peak_mib']:>8.1f} "
              f"{_fmt(r['base_mib'], '.1f'):>8} {_fmt(ratio_cpu, '.4f'):>8} {_fmt(ratio_wall, '.4f'):>9} "
              f"{_fmt(r.get('chars_per_det'), '.0f'):>9} {r['load1_before']:>5.2f}  {checksum}")
    print(f"# loadavg after {' '.join(f'{x:.2f}' for x in load_after)} (before "
          f"{' '.join(f'{x:.2f}' for x in load_before)}); ÷zen = this configuration's determinations per CPU-second "
          f"(per wall second) divided by zen-engine's; base MiB = RSS once the events are generated, before timing")
    apis = {}
    for r in results:
        apis.setdefault(r["api"], []).append(r["config"])
    for api, names in apis.items():
        notes.append(f"{', '.join(names)}: {api}")
    if agree:
        rates = ", ".join(f"{k} {v}/{agree['compared']} ({100 * v / agree['compared']:.1f}%)"
                          for k, v in agree["agree"].items())
        notes.append(f"zen vs the {args.jurisdiction} pack, first {agree['sample']} events (untimed): zen severe "
                     f"{agree['zen_severe']}; agreement: {rates}"
                     + (f"; level disagreements (pack->zen): {agree['level_disagreements']}"
                        if agree["level_disagreements"] else ""))
    for note in notes:
        print(f"# {note}")
    if failed:
        print(f"# FAILED: {', '.join(failed)}")
    if args.json:
        Path(args.json).write_text(json.dumps({"started": started.isoformat(), "python": platform.python_version(),
                                               "cpus": os.cpu_count(), "loadavg_before": load_before,
                                               "loadavg_after": load_after, "versions": versions, "n": args.n,
                                               "jurisdiction": args.jurisdiction, "as_of": AS_OF,
                                               "results": results, "agreement": agree, "failed": failed},
                                              indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
