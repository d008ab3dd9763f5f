"""The attack of issue 13, shared by tests/test_attack.py (small, fixed seed) and benchmarks/fuzz.py (large).

Three targets, each with a hypothesis strategy and a judge that sorts every outcome into the issue's columns:
- hostile events (`hostile_events`), evaluated on each of the four packs: refused with an InputError, or decided;
  anything else is *unexpected*; a value that is certainly invalid yet decided is a *silent accept*; over 50 ms
  is *slow*;
- hostile JSONL files (`hostile_jsonl`): good records mixed with hostile lines; every good record must come out,
  equal and in order (else *lost*), every hostile non-blank line must come out as an error at its line (else a
  *silent accept*);
- hostile pack trees (`pack_mutations`): a copy of a pack with one hostile change; PackError or a pack, never
  anything else, and a change that is certainly wrong must not load.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import math
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import strategies as st

import creditrules
from creditrules.errors import InputError, PackError

from strategies import VOCAB
from strategies import events as good_events

PACKS = ("henan", "jilin", "xinjiang", "bingtuan")
SLOW_SECONDS = 0.050
FAKE_ID = "110101199003077777"          # recognisable fake ID number and name: must never leak into a message
FAKE_NAME = "张假名测试"


@dataclass
class Tally:
    tried: int = 0
    unexpected: int = 0
    lost: int = 0
    silent: int = 0
    slow: int = 0
    examples: dict = field(default_factory=dict)   # column -> a few reproducers (repr)
    over_1s: int = 0
    over_5s: int = 0
    slowest: list = field(default_factory=list)    # the 5 slowest (seconds, what)

    def timed(self, seconds: float, what: str) -> None:
        self.over_1s += seconds > 1
        self.over_5s += seconds > 5
        self.slowest = sorted(self.slowest + [(round(seconds, 3), what)], reverse=True)[:5]

    def note(self, column: str, what) -> None:
        setattr(self, column, getattr(self, column) + 1)
        self.examples.setdefault(column, [])
        if len(self.examples[column]) < 5:
            self.examples[column].append(what)

    def add(self, other: Tally) -> None:
        for k in ("tried", "unexpected", "lost", "silent", "slow", "over_1s", "over_5s"):
            setattr(self, k, getattr(self, k) + getattr(other, k))
        for k, v in other.examples.items():
            self.examples.setdefault(k, [])
            self.examples[k] += v[: 5 - len(self.examples[k])]


# ---- events ------------------------------------------------------------------------------------------------

def _deep(depth: int):
    root: list = []
    inner: list = root
    for _ in range(depth - 1):
        inner.append([])
        inner = inner[0]
    return root


# values wrong wherever they stand in an event (no field takes them)
ALWAYS_BAD = [b"administrative_penalty", bytearray(b"x"), {"tax_evasion"}, math.nan, math.inf, -math.inf,
              dt.datetime(2024, 1, 10, 9, 30), dt.datetime(2024, 1, 10), _deep(200), object(), "x\ud800",
              "x" * 2_000_000, 10 ** 5000, complex(1, 1)]
BAD_DATES = ["2024-02-30", "20240601", "2024-W01-1", "0001-01-01", "9999-12-31", "10000-01-01", "2024-1-1",
             "2024-06-01\n", " 2024-06-01", "2024-06-01T00:00", "+2024-06-01", "2024\u201306\u201301", ""]
EDGE_DATES = ["1900-01-01", "2200-12-31", "1899-12-31", "2201-01-01", "1970-01-01", "2038-01-19"]
ODD_TEXT = ["[/]", "[bold]x[/bold]", ":100:", "<script>alert(1)</script>", "\x00", "\x07", "\ufffe", "\u2028",
            "%s%n", "{0}", "${x}", "'; DROP TABLE x; --", "\u202e", "a" * 5000]


def _in_range(text: str) -> bool:
    """A real date YYYY-MM-DD within event.DATE_RANGE: what every date of an event, and as_of, must be."""
    from creditrules.event import DATE_RANGE
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10 and text.isascii() and DATE_RANGE[0] <= day <= DATE_RANGE[1]

DATE_FIELDS = ("occurred_on", "basis.decided_on", "basis.effective_on", "subject.birth_date")
NAME_FIELDS = ("kind", "subject.type", "basis.type")


def _set(event: dict, path: str, value) -> None:
    node = event
    parts = path.split(".")
    for p in parts[:-1]:
        if not isinstance(node.get(p), dict):
            node[p] = {"type": "court_judgment"} if p == "basis" else {}
        node = node[p]
    node[parts[-1]] = value


@st.composite
def hostile_events(draw):
    """(event, as_of, must_refuse, what): a valid event with one to three hostile changes."""
    event = draw(good_events())
    event["id"] = "evt"
    as_of = "2024-06-01"
    refuse = {}                     # path -> True if the value put there last is certainly invalid
    whats = []
    date_facts = sorted(n for n, t in VOCAB.facts.items() if t.type == "date")
    int_facts = sorted(n for n, t in VOCAB.facts.items() if t.type == "int")
    for _ in range(draw(st.integers(1, 3))):
        how = draw(st.sampled_from(["always_bad", "bad_date", "edge_date", "bad_name", "odd_text", "unknown_key",
                                    "drop", "as_of", "negative", "big_int", "tuple_names", "fact_date"]))
        if how == "always_bad":
            path = draw(st.sampled_from(("id", "kind", "subject.type", "subject.id", "subject.name", "conduct",
                                         "facts.severe_consequences") + DATE_FIELDS))
            value = draw(st.sampled_from(range(len(ALWAYS_BAD))))
            _set(event, path, ALWAYS_BAD[value])
            refuse[path] = True
            whats.append(f"{path}=ALWAYS_BAD[{value}]")
        elif how == "bad_date":
            path, value = draw(st.sampled_from(DATE_FIELDS)), draw(st.sampled_from(BAD_DATES))
            if path == "subject.birth_date" and isinstance(event.get("subject"), dict):
                event["subject"]["type"] = "natural_person"
            _set(event, path, value)
            refuse[path] = True                     # 0001-01-01 and 9999-12-31 too: outside event.DATE_RANGE
            whats.append(f"{path}={value!r}")
        elif how == "edge_date":
            path, value = draw(st.sampled_from(DATE_FIELDS)), draw(st.sampled_from(EDGE_DATES))
            _set(event, path, value)
            refuse[path] = not _in_range(value)
            whats.append(f"{path}={value!r}")
        elif how == "bad_name":
            path = draw(st.sampled_from(NAME_FIELDS))
            _set(event, path, draw(st.sampled_from(["administrative_penalti", "", "Administrative_Penalty",
                                                     "administrative_penalty ", "行政处罚"])))
            refuse[path] = True
            whats.append(f"{path}=misspelt")
        elif how == "odd_text":
            path, value = draw(st.sampled_from(("id", "subject.name", "subject.id", "basis.number"))), \
                draw(st.sampled_from(ODD_TEXT))
            _set(event, path, value)
            refuse[path] = False
            whats.append(f"{path}={value[:20]!r}")
        elif how == "unknown_key":
            path = draw(st.sampled_from(("extra", "subject.extra", "basis.extra", "facts.no_such_fact")))
            _set(event, path, 1)
            refuse[path] = True
            whats.append(f"{path}=1")
        elif how == "drop":
            key = draw(st.sampled_from(("kind", "subject")))
            event.pop(key, None)
            refuse["drop"] = True
            whats.append(f"drop {key}")
        elif how == "as_of":
            as_of = draw(st.sampled_from(BAD_DATES[:-1] + EDGE_DATES + ["", "9999-12-31"]))
            refuse["as_of"] = not _in_range(as_of)
            whats.append(f"as_of={as_of!r}")
        elif how == "negative" and int_facts:
            name = draw(st.sampled_from(int_facts))
            _set(event, "facts." + name, draw(st.sampled_from([-1, -10 ** 9])))
            refuse["facts." + name] = True
            whats.append(f"facts.{name}<0")
        elif how == "big_int" and int_facts:
            name = draw(st.sampled_from(int_facts))
            value = draw(st.sampled_from([10 ** 6, 2 ** 63, 10 ** 30]))
            _set(event, "facts." + name, value)
            refuse["facts." + name] = value > 2 ** 53
            whats.append(f"facts.{name} big")
        elif how == "tuple_names":
            event["conduct"] = ("tax_evsion",)
            refuse["conduct"] = True
            whats.append("conduct=('tax_evsion',)")
        elif how == "fact_date" and date_facts:
            name = draw(st.sampled_from(date_facts))
            value = draw(st.sampled_from(BAD_DATES[:3] + ["9999-12-31"]))
            _set(event, "facts." + name, value)
            refuse["facts." + name] = True          # 9999-12-31 too: outside event.DATE_RANGE
            whats.append(f"facts.{name}={value!r}")
    # a value under a dropped or replaced parent no longer counts
    must_refuse = any(v for p, v in refuse.items()
                      if p in ("drop", "as_of") or _present(event, p))
    return event, as_of, must_refuse, "; ".join(whats)


def _present(event: dict, path: str) -> bool:
    node = event
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


_WARM: set = set()


def judge_event(event, as_of, must_refuse, what, jurisdiction, tally: Tally):
    """Evaluate and sort the outcome into the tally; the determination, or None if refused or crashed."""
    if jurisdiction not in _WARM:                   # the first evaluation compiles the pack: not the event's time
        creditrules.evaluate({"id": "w", "subject": {"type": "legal_person"}, "kind": "administrative_penalty"},
                             jurisdiction, "2024-06-01", trace="none")
        _WARM.add(jurisdiction)
    tally.tried += 1
    start, cpu = time.perf_counter(), time.process_time()
    found = None
    try:
        found = creditrules.evaluate(event, jurisdiction, as_of, trace="none")
    except InputError:
        pass
    except Exception as exc:  # noqa: BLE001 - this is the point: anything else is a defect
        tally.note("unexpected", f"{jurisdiction}: {what}: {type(exc).__name__}: {str(exc)[:200]}")
    else:
        if must_refuse:
            tally.note("silent", f"{jurisdiction}: {what}")
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    tally.timed(seconds, f"{jurisdiction}: {what} (CPU {cpu:.3f} s)")     # wall >> CPU: the machine, not the event
    if seconds > SLOW_SECONDS:
        tally.note("slow", f"{jurisdiction}: {what}: {seconds:.3f} s (CPU {cpu:.3f} s)")
    return found


# ---- JSONL -------------------------------------------------------------------------------------------------

GOOD = 0
BAD = 1
BLANK = 2
# (bytes of the line without its b"\n", kind); every BAD line must be reported as an error at its line
HOSTILE_LINES = [
    (b"\xff\xfe{}", BAD),                                          # invalid UTF-8
    (b'{"id": "x", "kind": "\xc3("}', BAD),                        # invalid UTF-8 inside a string
    (b'{"id": "a", "id": "b"}', BAD),                              # duplicate key
    (b'{"id": "a", "subject": {"type": "x", "type": "y"}}', BAD),  # duplicate key, nested
    (b'{"a": NaN}', BAD), (b'{"a": Infinity}', BAD), (b'{"a": -Infinity}', BAD),
    (b'{"a": 1e999}', BAD), (b'{"a": ' + b"1" * 5000 + b"}", BAD),
    (b'{"id": "trunc', BAD), (b"{", BAD), (b"}", BAD), (b"[]", BAD), (b"null", BAD), (b'"text"', BAD),
    (b"1", BAD), (b"[" * 100_000 + b"]" * 100_000, BAD), (b'{"a":' * 5000 + b"1" + b"}" * 5000, BAD),
    (b"\x00", BAD), (b'{"a": 1}\x00', BAD), (b"\x1b[31m{}", BAD),
    (b"", BLANK), (b"   ", BLANK), (b"\t", BLANK), (b"\r", BLANK),
]


def _good_line(event: dict, style: int) -> bytes:
    text = json.dumps(event, ensure_ascii=bool(style & 1))
    if style & 2:                                                  # a U+2028/U+2029 inside a string
        event["subject"]["name"] = "甲\u2028乙\u2029丙\x85丁"
        text = json.dumps(event, ensure_ascii=False)
    line = text.encode("utf-8")
    if style & 4:
        line += b"\r"                                              # CRLF
    return line


@st.composite
def hostile_jsonl(draw):
    """(bytes of a file, the expected records [(line, kind, event or None)])."""
    n = draw(st.integers(1, 12))
    body, expected = [], []
    for i in range(n):
        if draw(st.booleans()):
            event = draw(good_events())
            event["id"] = f"good-{i}"
            line = _good_line(event, draw(st.integers(0, 7)))
            body.append(line)
            expected.append((len(body), GOOD, json.loads(line.decode("utf-8"))))
        else:
            line, kind = draw(st.sampled_from(HOSTILE_LINES))
            body.append(line)
            expected.append((len(body), kind, None))
    data = b"\n".join(body)
    if draw(st.booleans()):
        data += b"\n"
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data                              # a byte-order mark
    return data, expected


def judge_jsonl(data: bytes, expected, tally: Tally) -> None:
    """Read through `records.iter_jsonl` and evaluate through `evaluate_many`; ids in = outputs out."""
    from creditrules.records import iter_jsonl
    tally.tried += 1
    try:
        records = list(iter_jsonl(io.BytesIO(data), "f.jsonl"))
    except Exception as exc:  # noqa: BLE001
        tally.note("unexpected", f"iter_jsonl: {type(exc).__name__}: {str(exc)[:200]}: {data[:80]!r}")
        return
    by_line = {r.line: r for r in records}
    for line, kind, event in expected:
        record = by_line.get(line)
        if kind == GOOD:
            if record is None or not record.ok or record.data != event:
                tally.note("lost", f"line {line}: {record and record.error}: {data[:120]!r}")
        elif kind == BAD:
            if record is None or record.ok:
                tally.note("silent", f"line {line} read as a record: {data[:120]!r}")
        elif record is not None:
            tally.note("silent", f"blank line {line} read as a record")
    if [r.index for r in records] != list(range(len(records))):
        tally.note("lost", "indexes out of order")
    # the good ones, evaluated as a batch: one item per record, in order, none lost
    good = [r.data for r in records if r.ok]
    try:
        items = list(creditrules.evaluate_many(good, "henan", "2024-06-01", trace="none"))
    except Exception as exc:  # noqa: BLE001
        tally.note("unexpected", f"evaluate_many: {type(exc).__name__}: {str(exc)[:200]}")
        return
    if [i.index for i in items] != list(range(len(good))):
        tally.note("lost", f"evaluate_many gave {len(items)} items for {len(good)} records")
    for item in items:
        if item.error is not None and any(d.code == "internal" for d in item.error.diagnostics):
            tally.note("unexpected", f"evaluate_many internal error: {item.error}")


# ---- the same events through the CLI, in JSONL chunks ---------------------------------------------------------

CLI_AS_OF = "2024-06-01"


def _jsonable(value):
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    return str(value)                               # bytes, datetime, object(), complex: as an attacker's text


def event_line(event) -> bytes | None:
    """A hostile event as the JSONL line an attacker would send: values JSON lacks written as text, NaN as NaN,
    a lone surrogate as the invalid UTF-8 it becomes; None if it cannot be written at all (a 5,000-digit int)."""
    try:
        text = json.dumps(event, ensure_ascii=False, default=_jsonable)
    except (ValueError, TypeError, RecursionError):
        return None
    return text.encode("utf-8", "surrogatepass")


def digest(determination_json) -> str:
    """A short fingerprint of a determination as JSON data (what the CLI writes), to compare without keeping it."""
    return hashlib.sha1(json.dumps(determination_json, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


REFUSED = "refused"


def expectation(event, line: bytes, as_of: str, found) -> str | None:
    """What the CLI must give for `line` when the library gave `found` (a Determination or None) for `event` on
    `as_of`: a digest, REFUSED, or None (unknown here: the line does not read back as the same event)."""
    if as_of != CLI_AS_OF:
        return None
    try:
        if json.loads(line.decode("utf-8")) != event:
            return None
    except ValueError:
        return None
    return digest(json.loads(json.dumps(found.to_json()))) if found is not None else REFUSED


def judge_cli_chunk(path: Path, jurisdiction: str, tally: Tally, workers: int = 1,
                    expected: list | None = None) -> None:
    """`creditrules evaluate path.jsonl` (a batch): never exit 3, one output record per non-blank line in order,
    each good record's determination equal to the library's (else *lost*), each line the library refuses an error
    at its line (else *silent*), reported on stderr with its line number (else *silent*). `expected` (one per
    line, from `expectation`) saves evaluating again what the library already decided."""
    from creditrules.records import iter_jsonl
    tally.tried += 1
    records = list(iter_jsonl(path))
    start = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, "-m", "creditrules", "evaluate", str(path), "-j", jurisdiction,
                               "--as-of", CLI_AS_OF, "--trace", "none", "--lang", "en", "--workers", str(workers),
                               "-q"], capture_output=True, timeout=max(120, 0.5 * len(records)))
    except subprocess.TimeoutExpired:
        tally.note("unexpected", f"{jurisdiction} {path.name}: the CLI hangs ({len(records)} records)")
        return
    seconds = time.perf_counter() - start
    name = f"{jurisdiction} {path.name}"
    stderr = proc.stderr.decode("utf-8", "replace")
    if proc.returncode not in (0, 1) or "Traceback" in stderr:     # 1: some record was bad (CONTRACT.md s. 6)
        tally.note("unexpected", f"{name}: exit {proc.returncode}: {stderr[-300:]}")
    outputs = []
    for raw in proc.stdout.splitlines():
        try:
            outputs.append(json.loads(raw))
        except ValueError:
            tally.note("unexpected", f"{name}: an output line is not JSON: {raw[:100]!r}")
    if len(outputs) != len(records):
        tally.note("lost", f"{name}: {len(records)} records in, {len(outputs)} outputs out")
    reported = {int(m) for m in _REPORTED.findall(stderr)}
    if expected is None or len(expected) != len(records):
        expected = [None] * len(records)
    for record, out, known in zip(records, outputs, expected, strict=False):
        want = known
        if not record.ok:
            want = REFUSED
        elif want is None:
            try:
                want = digest(json.loads(json.dumps(creditrules.evaluate(
                    record.data or {}, jurisdiction, CLI_AS_OF, trace="none", lang="en").to_json())))
            except Exception:  # noqa: BLE001 - counted by the events' judge
                want = REFUSED
        if "error" in out:
            if out["error"].get("code") == "internal":
                tally.note("unexpected", f"{name}:{record.line}: internal error: {out['error']['message'][:200]}")
            if want != REFUSED:
                tally.note("lost", f"{name}:{record.line}: refused by the CLI, decided by the library: "
                                   f"{out['error']['message'][:200]}")
            elif out.get("line") != record.line:
                tally.note("lost", f"{name}:{record.line}: error given for line {out.get('line')}")
            elif record.line not in reported:
                tally.note("silent", f"{name}:{record.line}: error never reported on stderr")
        elif want == REFUSED:
            tally.note("silent", f"{name}:{record.line}: decided by the CLI, refused by the library")
        elif digest(out) != want:
            tally.note("lost", f"{name}:{record.line}: the CLI's determination differs from the library's")
    if seconds > 0.05 * max(len(records), 1) + 10:
        tally.note("slow", f"{name}: {seconds:.1f} s for {len(records)} records")


_REPORTED = re.compile(r"^[^\n]*?:(\d+): (?:error|warning)", re.M)


# ---- pack trees --------------------------------------------------------------------------------------------

BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(8))


def _replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _append(path: Path, text: str) -> None:
    with open(path, "a", encoding="utf-8") as f:
        f.write(text)


# name -> (function(pack folder), must be refused); run on a fresh copy of policies/henan
def _m_years(v):
    return lambda d: _replace_in(d / "rules/publication.yaml", "max: {years: 5}", f"max: {{years: {v}}}")


def _m_working_days(v):
    return lambda d: _replace_in(d / "rules/procedures.yaml", "working_days: 3,", f"working_days: {v},")


def _m_ledger(key):
    return lambda d: _append(d / "ledger.yaml", f'  "{key}": {{status: declaratory, note: "x"}}\n')


def _m_source(target):
    return lambda d: _replace_in(d / "pack.yaml", "source: source/regulation.txt", f"source: {target}")


def _m_symlink_rules(d):
    shutil.rmtree(d / "rules")
    os.symlink("/etc", d / "rules")


def _m_fifo_source(d):
    os.mkfifo(d / "source/fifo.txt")
    _m_source("source/fifo.txt")(d)


def _m_rule_text(text):
    return lambda d: (d / "rules/zz_hostile.yaml").write_bytes(text if isinstance(text, bytes)
                                                                 else text.encode("utf-8"))


def _m_write(relative, data):
    def mutate(d):
        target = d / relative
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        elif target.exists() or target.is_symlink():
            target.unlink()
        target.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return mutate


def _m_symlink(relative, to):
    def mutate(d):
        target = d / relative
        if target.exists() or target.is_symlink():
            target.unlink()
        os.symlink(to, target)
    return mutate


def _m_fifo(relative):
    return lambda d: os.mkfifo(d / relative)


_RULE = ("rules:\n  - id: {id}\n    cite: \"{cite}\"\n    when: {{kind: administrative_penalty}}\n"
         "    then: {{decision: {{id: hostile, value: true}}}}\n")

PACK_MUTATIONS = {
    "tests alias bomb": (_m_write("tests/zz_bomb.yaml", BOMB), True),
    "pack.yaml alias bomb": (lambda d: _append(d / "pack.yaml", BOMB), True),
    "ledger alias bomb": (lambda d: _append(d / "ledger.yaml", BOMB), True),
    "rules/ a file": (_m_write("rules", "rules: []\n"), True),
    "rule file FIFO": (_m_fifo("rules/zz_fifo.yaml"), True),
    "rule file symlink out": (_m_symlink("rules/zz_out.yaml", "/etc/hostname"), True),
    "vocabulary symlink out": (_m_symlink("vocabulary.yaml", "/etc/passwd"), True),
    "law text not utf-8": (_m_write("source/regulation.txt", b"\xff\xfe\x00\x01 not text"), True),
    "law text empty": (_m_write("source/regulation.txt", ""), True),
    "rule id twice": (_m_rule_text(_RULE.format(id="dishonesty.improper_means", cite="11")), True),
    "cite article not held": (_m_rule_text(_RULE.format(id="hostile.not_held", cite="999")), True),
    "rule file unknown key": (_m_rule_text("rules: []\nrulez: []\n"), True),
    "years 10**9": (_m_years(10 ** 9), True),
    "years 101": (_m_years(101), True),
    "years 100": (_m_years(100), False),
    "years -1": (_m_years(-1), True),
    "years 1.5": (_m_years(1.5), True),
    "years '5'": (_m_years("'5'"), True),
    "years 0x1F": (_m_years("0x1F"), True),
    "years 017": (_m_years("017"), True),
    "working_days 10**12": (_m_working_days(10 ** 12), True),
    "working_days 10001": (_m_working_days(10001), True),
    "ledger 1-999999999": (_m_ledger("1-999999999"), True),
    "ledger 0": (_m_ledger("0"), True),
    "ledger 9-3": (_m_ledger("9-3"), True),
    "ledger 10**30": (_m_ledger("1" + "0" * 30), True),
    "ledger 69-70 (not held)": (_m_ledger("69-70"), True),
    "source /dev/zero": (_m_source("/dev/zero"), True),
    "source /dev/urandom": (_m_source("/dev/urandom"), True),
    "source ../..": (_m_source("../../../etc/passwd"), True),
    "source absolute": (_m_source("/etc/hostname"), True),
    "source FIFO": (_m_fifo_source, True),
    "rules symlink out": (_m_symlink_rules, True),
    "rule file alias bomb": (_m_rule_text(BOMB), True),
    "rule file deep": (_m_rule_text("a: " + "[" * 2000 + "]" * 2000 + "\n"), True),
    "rule file deep mapping": (_m_rule_text("".join("  " * i + f"k{i}:\n" for i in range(1500)) + "  " * 1500
                                            + "x\n"), True),
    "rule file not utf-8": (_m_rule_text(b"rules:\n  - id: \xff\xfe\n"), True),
    "rule file NUL": (_m_rule_text("rules: []\n\x00\n"), True),
    "rule file binary tag": (_m_rule_text("rules:\n  - !!binary aGVsbG8=\n"), True),
    "rule file tag on collection": (_m_rule_text("rules: !!set {a, b}\n"), True),
    "rule file duplicate keys": (_m_rule_text("rules: []\nrules: []\n"), True),
    "rule file 1000-deep condition": (_m_rule_text(
        "rules:\n  - id: deep\n    cites: [regulation 11]\n    when: " + "{not: " * 1000
        + "{kind: administrative_penalty}" + "}" * 1000 + "\n    then: {dishonesty: general}\n"), True),
    "rule file empty": (_m_rule_text(""), False),
}


@st.composite
def pack_mutations(draw):
    return draw(st.sampled_from(sorted(PACK_MUTATIONS)))


def judge_pack(folder: Path, name: str, tally: Tally, source: Path) -> None:
    """Copy `source` to `folder`, apply mutation `name`, load the pack (rules, ledger, tests)."""
    from creditrules.load import load_pack_dir
    from creditrules.validate import validate_pack
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(source, folder, symlinks=True)
    mutate, must_refuse = PACK_MUTATIONS[name]
    mutate(folder)
    tally.tried += 1
    start = time.perf_counter()
    try:
        report = validate_pack(load_pack_dir(folder))
    except PackError as exc:
        for d in exc.diagnostics:   # a file's content at its line; a folder or a file as a whole at its path
            if not (d.position and d.position.file):
                tally.note("unexpected", f"{name}: a diagnostic without its file: {d}")
                break
    except Exception as exc:  # noqa: BLE001
        tally.note("unexpected", f"{name}: {type(exc).__name__}: {str(exc)[:200]}")
    else:
        if must_refuse and report.ok:
            tally.note("silent", f"{name}: loaded and validated")
    if time.perf_counter() - start > 10:
        tally.note("slow", f"{name}: {time.perf_counter() - start:.1f} s")
