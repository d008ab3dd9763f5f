"""A small corpus of credit events per pack, for `creditrules diff` ("if we change this rule, whose records change?").

Generated, never hand-written, from a seed: the same pack and seed give the same file, byte for byte. Each event
starts from one of the pack's own test-case events (realistic shapes, written by the encoders) and is varied in
what the pack's rules read: the event kind (among the kinds some rule tests), the subject type, conduct tags
(among those some rule tests; sometimes none, sometimes not known), facts (set, changed or left unknown, each
value of its vocabulary type), and every date moved by the same number of days. Names and identifiers are dropped.
An event that does not pass the contract's checks is not kept. Ids are `<pack>-NNNN`.

    python -m creditrules.tools.corpus henan [--count 300] [--seed 1] [--out policies/henan/corpus/events.jsonl]

writes the corpus; without `--out`, to `<pack>/corpus/events.jsonl`.
"""
from __future__ import annotations

import argparse
import copy
import datetime as dt
import random
import sys
from pathlib import Path
from typing import Any

import orjson

DEFAULT_COUNT = 300
DEFAULT_SEED = 1
FILE = "corpus/events.jsonl"
_DATE_FIELDS = (("occurred_on",), ("basis", "decided_on"), ("basis", "effective_on"), ("subject", "birth_date"))


def _templates(pack_dir) -> list[dict]:
    from ..event import parse_event
    from ..workspace import default_workspace
    ws = default_workspace()
    plan = ws.compiled(pack_dir)
    out = []
    for case in ws.tests(pack_dir):
        if not isinstance(case.event, dict):
            continue
        try:
            parse_event(case.event, plan.vocab)
        except Exception:  # noqa: BLE001 - a template must be a valid event; the test runner reports bad ones
            continue
        event = copy.deepcopy(case.event)
        subject = event.get("subject") or {}
        for key in ("id", "name"):
            subject.pop(key, None)
        for person in subject.get("responsible_persons") or []:
            person.pop("name", None)
            person.pop("id", None)
        if isinstance(event.get("basis"), dict):
            event["basis"].pop("number", None)
        out.append(event)
    return out


def _value(term, rng: random.Random) -> Any:
    t = term.type
    if t == "bool":
        return rng.random() < 0.5
    if t == "int":
        return rng.choice([0, 1, 2, 3, 5, 6, 7, 12, 13, 24, 2023, 2024])
    if t == "date":
        return (dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(0, 6 * 365))).isoformat()
    if t == "enum":
        return rng.choice(list(term.values))
    if t == "list":
        values = list(term.values)
        return sorted(rng.sample(values, rng.randint(0, min(2, len(values)))))
    return None                     # text facts: left as the template has them


def _shift(value: Any, days: int) -> Any:
    if isinstance(value, str) and len(value) == 10:
        try:
            return (dt.date.fromisoformat(value) + dt.timedelta(days=days)).isoformat()
        except ValueError:
            return value
    return value


def generate(pack_dir, count: int = DEFAULT_COUNT, seed: int = DEFAULT_SEED) -> list[dict]:
    """`count` valid events for the pack (module docstring); deterministic for a pack and a seed."""
    from ..event import parse_event
    from ..workspace import default_workspace
    plan = default_workspace().compiled(pack_dir)
    vocab, schema = plan.vocab, plan.schema
    templates = _templates(pack_dir)
    if not templates:
        templates = [{"id": "x", "subject": {"type": "legal_person"}, "kind": sorted(schema.read_kinds)[0]}]
    kinds = sorted(schema.read_kinds) or sorted(vocab.kinds)
    conduct = sorted(schema.read_conduct)
    facts = sorted(f for f in schema.read_facts if f in vocab.facts and vocab.facts[f].type != "text")
    subjects = sorted(vocab.names("subject_types"))
    rng = random.Random(f"{plan.pack.id}:{seed}")
    out: list[dict] = []
    attempts = 0
    while len(out) < count and attempts < count * 20:
        attempts += 1
        event = copy.deepcopy(rng.choice(templates))
        if rng.random() < 0.2:
            event["kind"] = rng.choice(kinds)
        if rng.random() < 0.15:
            event.setdefault("subject", {})["type"] = rng.choice(subjects)
        roll = rng.random()
        if conduct and roll < 0.3:
            event["conduct"] = sorted(rng.sample(conduct, rng.randint(1, min(2, len(conduct)))))
        elif roll < 0.38:
            event["conduct"] = []
        elif roll < 0.45:
            event.pop("conduct", None)
        event_facts = dict(event.get("facts") or {})
        for name in list(event_facts):
            if rng.random() < 0.12:
                del event_facts[name]
        for name in rng.sample(facts, min(len(facts), rng.randint(0, 4))):
            value = _value(vocab.facts[name], rng)
            if value is not None:
                event_facts[name] = value
        days = rng.randint(-500, 500)
        for path in _DATE_FIELDS:
            holder: Any = event
            for key in path[:-1]:
                holder = holder.get(key) if isinstance(holder, dict) else None
            if isinstance(holder, dict) and path[-1] in holder and path[-1] != "birth_date":
                holder[path[-1]] = _shift(holder[path[-1]], days)
        for name, value in list(event_facts.items()):
            if vocab.facts[name].type == "date":
                event_facts[name] = _shift(value, days)
        if event_facts:
            event["facts"] = {k: event_facts[k] for k in sorted(event_facts)}
        else:
            event.pop("facts", None)
        event["id"] = f"{plan.pack.id}-{len(out) + 1:04d}"
        try:
            parse_event(event, vocab)
        except Exception:  # noqa: BLE001 - not a valid event (e.g. a fact this kind of subject cannot have): next
            continue
        out.append(event)
    return out


def render(events: list[dict]) -> bytes:
    return b"".join(orjson.dumps(e, option=orjson.OPT_SORT_KEYS) + b"\n" for e in events)


def write(pack_dir, out: Path | None = None, count: int = DEFAULT_COUNT, seed: int = DEFAULT_SEED
          ) -> tuple[Path, int]:
    from ..workspace import default_workspace
    folder = default_workspace().resolve(pack_dir)
    path = Path(out) if out else folder / FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    events = generate(folder, count, seed)
    path.write_bytes(render(events))
    return path, len(events)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m creditrules.tools.corpus", description=__doc__.split("\n\n")[0])
    parser.add_argument("packs", nargs="+", help="jurisdiction names or pack folders")
    parser.add_argument("--count", type=int, default=DEFAULT_COUNT)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=None, help="the file to write (one pack only)")
    args = parser.parse_args(argv)
    if args.out and len(args.packs) > 1:
        parser.error("--out takes one pack")
    for pack in args.packs:
        path, n = write(pack, args.out, args.count, args.seed)
        print(f"{path}: {n} events (seed {args.seed})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
