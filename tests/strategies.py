"""Hypothesis strategies: valid credit events drawn from a vocabulary (every name, every fact type): by default the
core set, valid for every pack; `events(plan.vocab)` draws a pack's own names too (valid for that pack only)."""
import datetime as dt

from hypothesis import strategies as st

from creditrules.vocabulary import default_vocabulary

VOCAB = default_vocabulary()
DATES = st.dates(min_value=dt.date(2019, 1, 1), max_value=dt.date(2027, 12, 31))


def _fact_value(term):
    if term.type == "bool":
        return st.booleans()
    if term.type == "int":
        return st.integers(min_value=0, max_value=36)
    if term.type == "date":
        return DATES.map(dt.date.isoformat)
    if term.type == "enum":
        return st.sampled_from(term.values)
    if term.type == "list":
        return st.lists(st.sampled_from(term.values), unique=True, max_size=3)
    return st.text(alphabet="abc甲乙", min_size=1, max_size=5)


@st.composite
def facts(draw, vocab=None):
    vocab = vocab or VOCAB
    names = draw(st.lists(st.sampled_from(sorted(vocab.facts)), unique=True, max_size=10))
    return {name: draw(_fact_value(vocab.facts[name])) for name in names}


@st.composite
def events(draw, vocab=None):
    v = vocab or VOCAB
    subject_type = draw(st.sampled_from(sorted(v.names("subject_types"))))
    subject = {"type": subject_type}
    if subject_type == "natural_person" and draw(st.booleans()):
        # born before any event date drawn (DATES): a birth after the conduct is an input error (issue 13)
        born = st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2018, 12, 31))
        subject["birth_date"] = draw(born).isoformat()
    if subject_type != "natural_person" and draw(st.booleans()):
        roles = draw(st.lists(st.sampled_from(sorted(v.names("responsible_roles"))), min_size=1, max_size=3))
        subject["responsible_persons"] = [{"role": r, "name": f"人{i}"} for i, r in enumerate(roles)]
    event = {"id": "evt", "subject": subject, "kind": draw(st.sampled_from(sorted(v.kinds)))}
    if draw(st.booleans()):
        event["conduct"] = draw(st.lists(st.sampled_from(sorted(v.conduct)), unique=True, max_size=3))
    if draw(st.booleans()):
        decided = draw(DATES)
        basis = {"type": draw(st.sampled_from(sorted(v.names("basis_types")))), "decided_on": decided.isoformat()}
        if draw(st.booleans()):
            basis["effective_on"] = (decided + dt.timedelta(days=draw(st.integers(0, 60)))).isoformat()
        event["basis"] = basis
    if draw(st.booleans()):
        event["occurred_on"] = draw(DATES).isoformat()
    event["facts"] = draw(facts(v))
    return event
