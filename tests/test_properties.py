"""Properties that must hold for every valid event, in every pack the project ships, on both evaluators."""
import datetime as dt

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

import creditrules
from creditrules.packs import compiled_pack, pack_dirs
from creditrules.plan import conditions as n

from strategies import events

PACKS = [p.name for p in pack_dirs()]
AS_OF = dt.date(2025, 6, 1)
REFERENCE, DURABLE = "reference", "durable"
FIELD_PATHS = {"conduct", "basis", "occurred_on", "basis.decided_on", "basis.effective_on", "subject.birth_date"}


def determine(pack, raw, evaluator=REFERENCE, trace="full"):
    det = creditrules.evaluate(raw, jurisdiction=pack, as_of=AS_OF, evaluator=evaluator, trace=trace)
    return orjson.loads(orjson.dumps(det.model_dump(mode="json")))


@pytest.mark.parametrize("pack", PACKS)
@given(data=st.data())
def test_invariants(pack, data):
    vocab = compiled_pack(pack).vocab                   # the core set and the pack's own names
    raw = data.draw(events(vocab), label="event")
    det = determine(pack, raw)
    # determinism: the same event gives the same determination
    assert determine(pack, raw) == det
    # the two evaluators agree, field for field
    assert determine(pack, raw, DURABLE) == det
    # severe is dishonesty information: a list-eligible subject's record is never "none"
    if det["severe_list"]["eligible"] is True:
        assert det["dishonesty"]["level"] != "none"
    if det["dishonesty"]["level"] in ("general", "severe"):
        assert det["dishonesty"]["citations"]
    # dates: min_end <= max_end; repair never before publication starts
    pub = det["publication"]
    if pub["min_end"] and pub["max_end"]:
        assert pub["min_end"] <= pub["max_end"]
    if pub["start"] and pub["max_end"]:
        assert pub["start"] <= pub["max_end"]
    if det["repair"]["earliest"] and pub["start"]:
        assert det["repair"]["earliest"] >= pub["start"]
    # every conclusion cites a provision with its words
    for citation in det["citations"]:
        assert citation["label"].startswith("《") and citation["text"]
    for group in ("sanctions", "incentives", "deadlines", "decisions"):
        for entry in det[group]:
            assert entry["citations"], f"{group} {entry['id']} without a citation"
    # every nested citation is one of the top-level ones; each top-level one has a role; a negative or
    # undetermined answer of a family that some provision of the pack decides for this kind of event cites it
    top = {(x["document"], x["article"], x["paragraph"], x["item"]): x["role"] for x in det["citations"]}
    assert set(top.values()) <= {"applied", "not_applied", "undetermined"}
    nested = [det["dishonesty"], det["severe_list"], det["publication"], det["repair"],
              *det["sanctions"], *det["incentives"], *det["deadlines"], *det["decisions"]]
    for part in nested:
        for ref in part["citations"]:
            assert (ref["document"], ref["article"], ref["paragraph"], ref["item"]) in top, (part, ref)
    plan = compiled_pack(pack)
    kind_levels = [r for r in plan.rules
                   if any(type(x).__name__ == "DishonestyLevel" for x in r.conclusions)
                   and r.index in plan.declinable[det["pack"]["version"], raw["kind"]]]
    if det["dishonesty"]["level"] in ("none", "undetermined") and kind_levels:
        assert det["dishonesty"]["citations"], "a negative dishonesty answer without its article"
    if det["dishonesty"]["level"] == "undetermined" and det["dishonesty"]["at_least"] is None:
        assert "undetermined" in top.values()
    # unknown is not false: missing facts are vocabulary facts or event fields
    assert set(det["missing_facts"]) <= set(vocab.facts) | FIELD_PATHS
    # deadlines: due is a later day than from
    for d in det["deadlines"]:
        if d["from"] and d["due"]:
            assert d["due"] > d["from"]


@given(raw=events())
def test_henan_joint_measures_never_without_the_general_ones(raw):
    """Art. 34: measures for listed subjects are taken 除采取第三十二條懲戒措施外 (in addition to art. 32's)."""
    assert "henan" in PACKS
    det = determine("henan", raw)
    tiers = {s["tier"] for s in det["sanctions"] if s["target"] == "subject"}
    if "severe" in tiers:
        assert "general" in tiers
    if det["severe_list"]["eligible"] is True:
        assert det["dishonesty"]["level"] == "severe"


def _presence_read(pack) -> set[str]:
    return {node.path for r in compiled_pack(pack).rules for node in n.walk(r.condition) if isinstance(node, n.Present)}


@pytest.mark.parametrize("pack", PACKS)
@given(raw=events())
def test_taking_a_fact_away_never_decides_more(pack, raw):
    """Unknown is not false (Kleene logic is monotone): with a fact taken away, no rule that was undetermined
    becomes decided. Facts read by `present:` are two-valued on purpose and left out."""
    removable = sorted(set(raw["facts"]) - _presence_read(pack))
    if not removable:
        return
    full = determine(pack, raw)
    fewer = dict(raw, facts={k: v for k, v in raw["facts"].items() if k != removable[0]})
    before = {t["rule"]: t["outcome"] for t in full["trace"]}
    for t in determine(pack, fewer)["trace"]:
        if before.get(t["rule"]) == "undetermined":
            assert t["outcome"] == "undetermined", t
