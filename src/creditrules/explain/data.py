"""The explanation as data: what a reader asks, in the order they ask it, built from one evaluation.

`explanation_data(evaluation, lang)` reads the determination (its items and their `rules:` lists, the top-level
citations with the law's words, the trace) and the plan's verdicts; it decides nothing. Every value is plain JSON
(text, numbers, lists, mappings); every sentence is in the language asked for, except the law's own words and a
pack's own words, which are quoted as they are (and marked when they are in the other language).

The same data is rendered as text (`explain`), HTML (`explain --format html`) and JSON (`--format json`).
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any, Optional

from .. import messages
from ..engine.assemble import Evaluation
from ..engine.because import because
from ..plan import conclusions as c
from ..plan.plan import Plan
from . import words as wd

FORMAT = "creditrules.explanation/1"


def _get(obj: Any, key: str, default: Any = None) -> Any:
    return obj.get(key, default) if isinstance(obj, dict) else getattr(obj, key, default)


def _iso(v: Any) -> Any:
    return v.isoformat() if isinstance(v, dt.date) else v


class _Builder:
    def __init__(self, found: Evaluation, lang: str):
        self.found, self.plan, self.lang = found, found.plan, "zh" if lang == "zh" else "en"
        self.det = found.determination
        self.w = wd.words(self.lang)
        self.vocab = self.plan.vocab
        self.default_document = self.plan.pack.default_document
        self.texts = {c_["label"]: c_ for c_ in self.det["citations"]}
        for prov in self.plan.provisions.values():            # provisions of rules that did not apply
            self.texts.setdefault(prov.label, {"label": prov.label, "title": prov.title, "text": prov.text})
        self.trace = {_get(e, "rule"): e for e in self.det["trace"]}

    # --- pieces ---------------------------------------------------------------------------------------------------
    def cite(self, ref: Any) -> dict:
        label = _get(ref, "label")
        held = self.texts.get(label)
        text = held["text"] if held else ""
        return {"label": label, "short": wd.compact_label(ref, self.lang, self.default_document),
                "title": held.get("title") if held else None, "quote": wd.short_quote(text) if text else "",
                "document": _get(ref, "document"), "article": _get(ref, "article"),
                "paragraph": _get(ref, "paragraph"), "item": _get(ref, "item")}

    def cites(self, refs: Any) -> list[dict]:
        return [self.cite(r) for r in refs or ()]

    def reason(self, rule_id: str) -> dict:
        """A rule that produced a conclusion: its outcome and why, from the trace (else from its verdict)."""
        rule = self.plan.rule(rule_id)
        outcome = self.found.outcome(rule)
        entry = self.trace.get(rule_id)
        text = _get(entry, "because") if entry is not None else because(self.found.verdict(rule), self.lang)
        return {"rule": rule_id, "outcome": outcome, "outcome_words": self.w["outcomes"][outcome], "because": text,
                "title": rule.title}

    def reasons(self, rule_ids: Any) -> list[dict]:
        return [self.reason(r) for r in rule_ids or () if r in self.plan.by_id]

    # --- sections -------------------------------------------------------------------------------------------------
    def header(self) -> dict:
        det, w = self.det, self.w
        pack = det["pack"]
        subject = self.found.event.subject
        digest = pack.get("digest") or ""
        return {"event_id": det["event_id"], "jurisdiction": det["jurisdiction"], "as_of": _iso(det["as_of"]),
                "subject": {"type": subject.type, "type_words": wd.term(self.vocab, "subject_types", subject.type,
                                                                         self.lang).split("（")[0].split(" (")[0],
                            "name": subject.name},
                "pack": {"id": pack["id"], "version": pack["version"], "status": pack["status"],
                         "status_words": w["status"].get(pack["status"], pack["status"]),
                         "effective_from": _iso(pack.get("effective_from")), "layers": list(pack.get("layers") or ()),
                         "digest": digest, "digest_short": digest[:19] if digest.startswith("sha256:") else digest[:12],
                         "selected_because": pack["selected_because"]}}

    def dishonesty(self) -> dict:
        d, w = self.det["dishonesty"], self.w
        level = d["level"]
        key = "at_least" if level == "undetermined" and d.get("at_least") else level
        return {"key": "dishonesty", "title": w["dishonesty"], "statement": w["levels_short"][key],
                "long": w["levels"][key], "value": level,
                "reasons": self.reasons(d["rules"]), "citations": self.cites(d["citations"]), "items": []}

    def list_state(self) -> str:
        s = self.det["severe_list"]
        if s["eligible"] is not None:
            return "eligible" if s["eligible"] else "not_eligible"
        if not s["rules"]:
            return "silent"
        outcomes = {self.found.outcome(self.plan.rule(r)) for r in s["rules"] if r in self.plan.by_id}
        return "deferred" if outcomes == {"fired"} else "undetermined"

    def severe_list(self) -> dict:
        s, w = self.det["severe_list"], self.w
        state = self.list_state()
        long = {"eligible": w["list"][True], "not_eligible": w["list"][False], "undetermined": w["list"][None],
                "deferred": w["list"]["deferred"], "silent": w["list"]["silent"]}[state]
        items = []
        for rule_id in s["criteria"]:
            rule = self.plan.rule(rule_id) if rule_id in self.plan.by_id else None
            refs = [self.plan.provisions[x].ref for x in rule.cites] if rule is not None else []
            items.append({"key": "criterion", "id": rule_id, "title": (rule.title if rule else None) or rule_id,
                          "statement": w["criteria"], "reasons": self.reasons([rule_id]),
                          "citations": self.cites(refs), "items": []})
        for step in s["procedure"]:
            items.append({"key": "procedure", "id": step["id"], "title": step["title_zh"], "statement": w["procedure"],
                          "reasons": self.reasons(step["rules"]), "citations": self.cites(step["citations"]),
                          "items": []})
        criteria = set(s["criteria"])
        return {"key": "severe_list", "title": w["severe"], "statement": w["list_short"][state], "long": long,
                "value": state,
                "reasons": self.reasons([r for r in s["rules"] if r not in criteria]),
                "citations": self.cites(s["citations"]), "items": items}

    def measure(self, x: dict, key: str) -> dict:
        w = self.w
        item = {"key": key, "id": x["id"], "title": x["title_zh"], "statement": "",
                "reasons": self.reasons(x["rules"]), "citations": self.cites(x["citations"]), "items": []}
        if key == "sanction":
            item.update(tier=x["tier"], target=x["target"], tier_words=w["tier"][x["tier"]],
                        target_words=w["target"][x["target"]])
            if x.get("persons"):
                item["persons"] = wd.persons(x["persons"], self.vocab, self.lang)
        return item

    def sanctions(self, only: Optional[str] = None) -> dict:
        w = self.w
        chosen = [x for x in self.det["sanctions"] if only is None or x["id"] == only]
        return {"key": "sanctions", "title": w["sanctions"], "statement": self.measures_phrase(chosen, short=True),
                "value": len(chosen), "reasons": [], "citations": [],
                "items": [self.measure(x, "sanction") for x in chosen]}

    def incentives(self) -> dict:
        w = self.w
        chosen = self.det["incentives"]
        return {"key": "incentives", "title": w["incentives"], "statement": w["count"].format(n=len(chosen)),
                "value": len(chosen), "reasons": [], "citations": [],
                "items": [self.measure(x, "incentive") for x in chosen]}

    def measures_phrase(self, sanctions: list[dict], short: bool = False) -> str:
        w = self.w
        if not sanctions:
            return w["measures_none_short" if short else "measures_none"]
        text = w["measures_short" if short else "measures"].format(n=len(sanctions))
        general = sum(1 for x in sanctions if x["tier"] == "general")
        extra = []
        if general and general < len(sanctions):
            extra.append(w["measures_split"].format(general=general, severe=len(sanctions) - general))
        persons = sum(1 for x in sanctions if x["target"] == "responsible_person")
        if persons:
            extra.append(w["measures_persons"].format(n=persons))
        return text + (w["open"] + w["list_sep"].join(extra) + w["close"] if extra else "")

    def window(self, short: bool = False) -> str:
        p, w, lang = self.det["publication"], self.w, self.lang
        if not p["rules"]:
            return w["silent_short" if short else "publication_silent"]
        parts = [w["disclosure"].get(p["disclosure"], str(p["disclosure"]))]
        if p["min_end"] is None and p["max_end"] is None:
            parts.append(w["window_none"])
        else:
            span = [w["window_from"].format(start=wd.day(p["start"], lang)) if p["start"] else w["window_no_start"]]
            if p["min_end"] is not None:
                span.append(w["window_min"].format(day=wd.day(p["min_end"], lang)))
            if p["max_end"] is not None:
                span.append(w["window_max"].format(day=wd.day(p["max_end"], lang)))
            parts.extend(span)
        if p["extended_until_removal"]:
            parts.append(w["window_extended"])
        if p["after_end"]:
            parts.append(w["after_end"].get(p["after_end"], p["after_end"]))
        return ("，" if lang == "zh" else ", ").join(parts)

    def brief_window(self) -> str:
        """The publication window in a few words, for the verdict line."""
        p, w, lang = self.det["publication"], self.w, self.lang
        if not p["rules"] or (p["min_end"] is None and p["max_end"] is None):
            return self.window()
        how = w["disclosure"].get(p["disclosure"], str(p["disclosure"]))
        start = wd.day(p["start"], lang)
        if p["min_end"] is not None and p["max_end"] is not None:
            span = w["brief_min_max"].format(start=start, min=wd.day(p["min_end"], lang),
                                             max=wd.day(p["max_end"], lang))
        elif p["max_end"] is not None:
            span = w["brief_span"].format(start=start, end=wd.day(p["max_end"], lang))
        else:
            span = w["brief_from"].format(start=start) + w["sep"] + w["window_min"].format(
                day=wd.day(p["min_end"], lang))
        return f"{how} {span}" + (w["brief_extended"] if p["extended_until_removal"] else "")

    def publication(self) -> dict:
        p, w = self.det["publication"], self.w
        fields = {k: _iso(p[k]) for k in ("disclosure", "start", "min_end", "max_end", "extended_until_removal",
                                            "after_end")}
        return {"key": "publication", "title": w["publication"], "statement": self.window(short=True),
                "value": fields,
                "notes": [wd.computation(t, self.lang) for t in p["computations"]],
                "reasons": self.reasons(p["rules"]), "citations": self.cites(p["citations"]), "items": []}

    def repair_phrase(self, short: bool = False) -> str:
        r, w, lang = self.det["repair"], self.w, self.lang
        if r["eligible"] is False:
            return w["repair_no"] + (w["open"] + r["not_repairable_reason"] + w["close"]
                                     if r["not_repairable_reason"] else "")
        if r["earliest"] is not None:
            return w["repair_earliest_short" if short else "repair_earliest"].format(day=wd.day(r["earliest"], lang))
        if r["eligible"] is True:
            return w["repair_yes"]
        return w["repair_unknown_short" if short else "repair_unknown"]

    def repair(self) -> dict:
        r, w = self.det["repair"], self.w
        statement = self.repair_phrase(short=True)
        if r["processing_working_days"] is not None:
            statement += w["sep"] + w["repair_days"].format(n=r["processing_working_days"])
        return {"key": "repair", "title": w["repair"], "statement": statement,
                "value": {k: _iso(r[k]) for k in ("eligible", "earliest", "not_repairable_reason",
                                                  "processing_working_days")},
                "notes": [wd.computation(r["computation"], self.lang)] if r["computation"] else [],
                "reasons": self.reasons(r["rules"]), "citations": self.cites(r["citations"]), "items": []}

    def deadlines(self) -> dict:
        w, lang = self.w, self.lang
        items = []
        for x in self.det["deadlines"]:
            start = x.get("from", x.get("from_"))
            statement = (w["deadline"].format(n=x["working_days"], start=wd.day(start, lang), due=wd.day(x["due"], lang))
                         if start is not None else w["deadline_no_start"].format(n=x["working_days"]))
            items.append({"key": "deadline", "id": x["id"], "title": x["id"], "statement": statement,
                          "notes": [wd.computation(x["computation"], lang)] if x.get("computation") else [],
                          "reasons": self.reasons(x["rules"]), "citations": self.cites(x["citations"]), "items": []})
        return {"key": "deadlines", "title": w["deadlines"], "statement": w["count"].format(n=len(items)),
                "value": len(items),
                "reasons": [], "citations": [], "items": items}

    def decisions(self) -> dict:
        w, lang = self.w, self.lang
        items = []
        for x in self.det["decisions"]:
            statement = wd.value(x["value"], lang, self.vocab)
            if x.get("until") is not None:
                statement += w["sep"] + w["until"].format(day=wd.day(x["until"], lang))
            items.append({"key": "decision", "id": x["id"], "title": x["id"], "statement": statement,
                          "notes": [wd.computation(x["computation"], lang)] if x.get("computation") else [],
                          "reasons": self.reasons(x["rules"]), "citations": self.cites(x["citations"]), "items": []})
        return {"key": "decisions", "title": w["decisions"], "statement": w["count"].format(n=len(items)),
                "value": len(items),
                "reasons": [], "citations": [], "items": items}

    def verdict(self) -> dict:
        det, w = self.det, self.w
        parts = [{"key": "dishonesty", "text": self.dishonesty()["long"]},
                 {"key": "severe_list", "text": self.severe_list()["long"]},
                 {"key": "sanctions", "text": self.measures_phrase(det["sanctions"])}]
        if det["incentives"]:
            parts.append({"key": "incentives", "text": w["incentives_n"].format(n=len(det["incentives"]))})
        parts.append({"key": "publication", "text": self.brief_window()})
        parts.append({"key": "repair", "text": self.repair_phrase()})
        return {"text": w["sep"].join(p["text"] for p in parts), "parts": parts}

    # --- warnings -------------------------------------------------------------------------------------------------
    def pack_notices(self) -> list[tuple[str, Any]]:
        """The pack's own warnings of the rules that hold: (text, conclusion)."""
        out = []
        for i in self.found.outcomes.visited:
            rule = self.plan.rules[i]
            if self.found.outcome(rule) != "fired":
                continue
            for con in rule.conclusions:
                if isinstance(con, c.Notice):
                    out.append((con.text, con))
        return out

    def warnings(self) -> list[dict]:
        groups: dict[str, list[dict]] = {"engine": [], "deferral": [], "pack": []}
        notices = sorted(self.pack_notices(), key=lambda t: -len(t[0]))
        for text in self.det["warnings"]:
            groups_key, item = self.warning(text, notices)
            groups[groups_key].append(item)
        names = self.w["warn_groups"]
        return [{"group": g, "title": names[g], "items": items} for g, items in groups.items() if items]

    def warning(self, text: str, notices: list[tuple[str, Any]]) -> tuple[str, dict]:
        for notice, _con in notices:
            if text == notice or text.startswith(notice + " ("):
                labels = text[len(notice) + 2:-1].split("; ") if text != notice else []
                written = _language_of(notice)
                note = (messages.PACK_WORDS[f"written_in_{written}"][self.lang] if written != self.lang else "")
                return "pack", {"text": notice, "labels": labels, "written_in": written, "note": note, "key": None}
        found = messages.parse(text, self.lang)
        body, labels = text, []
        if found is None:
            body, labels = _strip_sources(text)
            found = messages.parse(body, self.lang)
        if found is None:
            written = _language_of(body)
            note = messages.PACK_WORDS[f"written_in_{written}"][self.lang] if written != self.lang else ""
            return "pack", {"text": body, "labels": labels, "written_in": written, "note": note, "key": None}
        key, fields = found
        if key in ("deferral", "period_deferred", "severe_list_deferred"):
            given = fields.get("labels", "")
            labels = [x for x in given.split("; ") if x.startswith("《")] or labels
            if given and body.startswith(given) and labels:
                body = body[len(given):].lstrip("：: ")
            if key != "deferral":
                return "deferral", {"text": body, "labels": labels, "key": key, "written_in": self.lang, "note": ""}
            what, to = fields["what"], messages.deferred_to(fields["to"])
            written = _language_of(what + to)
            note = messages.PACK_WORDS[f"written_in_{written}"][self.lang] if written != self.lang else ""
            return "deferral", {"text": self.w["deferral_line"].format(what=what, to=to), "labels": labels,
                                "key": key, "what": what, "to": to, "written_in": written, "note": note}
        return "engine", {"text": body, "labels": labels, "key": key, "written_in": self.lang, "note": ""}

    # --- trace ----------------------------------------------------------------------------------------------------
    def trace_data(self) -> tuple[list[dict], dict]:
        counts = {k: 0 for k in ("fired", "not_fired", "undetermined", "overridden", "not_in_version", "withheld")}
        for rule in self.plan.rules:
            counts[self.found.outcome(rule)] += 1
        counts["total"] = len(self.plan.rules)
        entries = []
        for e in self.det["trace"]:
            outcome = _get(e, "outcome")
            entries.append({"rule": _get(e, "rule"), "outcome": outcome, "outcome_words": self.w["outcomes"][outcome],
                            "because": _get(e, "because"), "missing": list(_get(e, "missing") or ()),
                            "citations": [_get(r, "label") for r in _get(e, "citations") or ()]})
        return entries, counts

    def build(self, sanction: Optional[str] = None) -> dict:
        det = self.det
        if sanction is not None:
            conclusions = [self.sanctions(sanction)]
        else:
            conclusions = [self.dishonesty(), self.severe_list(), self.sanctions()]
            if det["incentives"]:
                conclusions.append(self.incentives())
            conclusions.append(self.publication())
            conclusions.append(self.repair())
            if det["deadlines"]:
                conclusions.append(self.deadlines())
            if det["decisions"]:
                conclusions.append(self.decisions())
        trace, counts = self.trace_data()
        return {"format": FORMAT, "lang": self.lang, "header": self.header(), "verdict": self.verdict(),
                "conclusions": conclusions,
                "missing_facts": [{"name": m, "label": _fact_label(self.plan, m, self.lang)}
                                  for m in det["missing_facts"]],
                "warnings": self.warnings(),
                "provisions": [{"label": x["label"], "short": wd.compact_label(x, self.lang, self.default_document),
                                "title": x.get("title"), "text": x["text"], "quote": wd.short_quote(x["text"]),
                                "role": x.get("role", "applied")} for x in det["citations"]],
                "trace": trace, "trace_counts": counts,
                "trace_counts_words": self.w["trace_counts"].format(**counts)}


_SOURCES = re.compile(r"^(?P<body>.*?) \((?P<labels>《[^()]*)\)$", re.S)


def _strip_sources(text: str) -> tuple[str, list[str]]:
    """`text (《…》第十九條第二款; 《…》第二十條)` -> (text, [labels]): the provisions that gave a warning."""
    m = _SOURCES.match(text)
    if m is None:
        return text, []
    return m.group("body"), m.group("labels").split("; ")


_HAN = re.compile(r"[\u3400-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


def _language_of(text: str) -> str:
    """zh or en: the language a pack's own sentence is written in (its quoted law words aside)."""
    han = len(_HAN.findall(text))
    latin = sum(len(m) for m in _LATIN_WORD.findall(text))
    return "en" if latin > han else "zh"


def _fact_label(plan: Plan, name: str, lang: str) -> str:
    term = plan.vocab.facts.get(name)
    if term is None:
        return ""
    return term.zh if lang == "zh" else term.en


def explanation_data(evaluation: Evaluation, lang: str = "zh", *, sanction: Optional[str] = None) -> dict:
    """The explanation of one evaluation as plain data (JSON-ready): header, verdict, conclusions with their rules
    and quoted provisions, missing facts, warnings grouped, the provisions in full, and the trace."""
    return _Builder(evaluation, lang).build(sanction)
