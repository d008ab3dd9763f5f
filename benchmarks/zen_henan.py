"""Write benchmarks/zen_henan.json: a zen-engine (GoRules JDM) decision graph of Henan arts. 13, 19, 20, 27, 32-35.

    python benchmarks/zen_henan.py          # regenerates zen_henan.json next to this file

The graph is the benchmark's yardstick of comparable work, written independently of the creditrules compiler
from policies/henan/rules/{dishonesty,severe,sanctions,publication,procedures,catalog}.yaml. It is not a replica:
see benchmarks/README.md ("What the zen graph covers") for what it decides and what it leaves out.

Three-valued logic is encoded numerically, as creditrules' Kleene logic: 1 true, 0.5 unknown (a fact or the
conduct list is absent), 0 false; `all` is min, `any` is max, `not` is 1 - x, and an exception (`overrides`)
makes the overridden rule min(rule, 1 - exception). Dates are computed in zen itself: the publication period is
`d(start).add(60, 'months')`, which, like CONTRACT.md section 5, ends on the month's last day when the day does
not exist (2024-02-29 + 5 years = 2029-02-28; zen's `add(5, 'years')` returns "Invalid date" there).
"""
from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

HERE = Path(__file__).resolve().parent
GRAPH = HERE / "zen_henan.json"

# --- leaves (each an expression worth 1 / 0.5 / 0) -------------------------------------------------------------


def q(values) -> str:
    return "[" + ", ".join(f"'{v}'" for v in values) + "]"


def kind(*kinds) -> str:
    return f"(kind in {q(kinds)} ? 1 : 0)"


def subject(*types) -> str:
    return f"(subject.type in {q(types)} ? 1 : 0)"


def fact(name: str) -> str:
    """A boolean fact: true 1, false 0, absent unknown."""
    return f"(facts.{name} == true ? 1 : (facts.{name} == false ? 0 : 0.5))"


def fact_eq(name: str, value) -> str:
    lit = f"'{value}'" if isinstance(value, str) else json.dumps(value)
    return f"(facts.{name} == null ? 0.5 : (facts.{name} == {lit} ? 1 : 0))"


def present(name: str) -> str:
    return f"(facts.{name} != null ? 1 : 0)"


def conduct(*tags) -> str:
    """Any of the tags; no `conduct` list at all is unknown, an empty one is false."""
    return f"(conduct == null ? 0.5 : (some(conduct, # in {q(tags)}) ? 1 : 0))"


def basis_not_none() -> str:
    return "(basis == null ? 0.5 : (basis.type == 'none' ? 0 : 1))"


def all_(*xs) -> str:
    return "min([" + ", ".join(xs) + "])"


def any_(*xs) -> str:
    return "max([" + ", ".join(xs) + "])"


def not_(x: str) -> str:
    return f"(1 - {x})"


def r(key: str) -> str:
    """A rule decided earlier in the same node ($) ..."""
    return f"$.t.{key}"


def p(key: str) -> str:
    """... or in an earlier node (passed through)."""
    return f"t.{key}"


# --- nodes -----------------------------------------------------------------------------------------------------

_x = 0


def _pos():
    global _x
    _x += 180
    return {"x": _x, "y": 120}


def expression_node(node_id: str, name: str, expressions: list[tuple[str, str]], pass_through: bool = True) -> dict:
    return {"type": "expressionNode", "id": node_id, "name": name, "position": _pos(),
            "content": {"expressions": [{"id": f"{node_id}_{i}", "key": k, "value": v}
                                        for i, (k, v) in enumerate(expressions)],
                        "passThrough": pass_through, "inputField": None, "outputPath": None, "executionMode": "single"}}


def table_node(node_id: str, name: str, hit_policy: str, inputs: list[tuple[str, str]], outputs: list[tuple[str, str]],
               rows: list[list[str]], output_path: str) -> dict:
    ins = [{"id": f"{node_id}_i{k}", "name": label, "field": field} for k, (label, field) in enumerate(inputs)]
    outs = [{"id": f"{node_id}_o{k}", "name": label, "field": field} for k, (label, field) in enumerate(outputs)]
    rules = []
    for n, row in enumerate(rows):
        cells = {"_id": f"{node_id}_r{n}"}
        for col, value in zip(ins + outs, row, strict=True):
            cells[col["id"]] = value
        rules.append(cells)
    return {"type": "decisionTableNode", "id": node_id, "name": name, "position": _pos(),
            "content": {"hitPolicy": hit_policy, "inputs": ins, "outputs": outs, "rules": rules, "passThrough": True,
                        "inputField": None, "outputPath": output_path, "executionMode": "single"}}


SC = fact("severe_consequences")
CATALOG_KINDS = ["registration", "administrative_penalty", "administrative_enforcement", "improper_means_benefit",
                 "market_ban", "tax_arrears", "administrative_fee_arrears", "abnormal_operation_listing",
                 "social_insurance_arrears", "housing_fund_arrears", "commendation", "volunteer_service",
                 "charity_donation", "heroic_act", "criminal_conviction", "failure_to_perform_legal_document",
                 "false_materials", "liability_accident", "commitment_breach", "commitment_fulfilled"]
POSITIVE_KINDS = ["commendation", "volunteer_service", "charity_donation", "heroic_act", "excellent_credit_rating",
                  "commitment_fulfilled"]
CRITERIA = ["public_safety", "market_order", "consumer_investor_rights", "education_research_integrity",
            "court_listed_debtor", "national_defence", "defamation", "public_commitment_breach", "forgery_for_benefits"]
GENERAL_SANCTIONS = ["key_review_target", "financial_support_restricted", "facilitation_restricted",
                     "public_resource_credit_deduction", "key_supervision_target", "commendation_restricted"]
SEVERE_SANCTIONS = ["public_resource_trading_restricted", "market_entry_ban_or_exit", "concession_restricted",
                    "high_consumption_restricted", "financial_business_restricted", "office_qualification_restricted",
                    "public_service_support_restricted", "honorary_titles_revoked"]


def build() -> dict:
    nodes = [{"type": "inputNode", "id": "in", "name": "event", "position": _pos(), "content": {"schema": ""}}]

    # art. 13 (reporting, the 13(3) exception) and art. 20 (which records are dishonesty information)
    nodes.append(expression_node("art13_20", "art. 13 and art. 20", [
        ("t.m13_3", all_(kind("administrative_penalty"), subject("natural_person"),
                         any_(fact_eq("procedure", "simple"), all_(fact("harm_minor"), fact("corrected_promptly"))))),
        ("t.report13_1", all_(kind(*CATALOG_KINDS), not_(r("m13_3")))),
        ("t.d20_1", kind("improper_means_benefit")),
        ("t.d20_2", all_(kind("administrative_penalty"), fact("decision_final"), not_(r("m13_3")))),
        ("t.d20_3", kind("criminal_conviction")),
        ("t.d20_4", kind("administrative_enforcement")),
        ("t.d20_5", kind("failure_to_perform_legal_document")),
        ("t.d20_6", all_(kind("false_materials", "commitment_breach", "market_ban", "liability_accident",
                              "tax_arrears", "social_insurance_arrears", "housing_fund_arrears",
                              "administrative_fee_arrears"), basis_not_none())),
        ("t.d20_6b", all_(kind("utility_arrears", "public_service_fee_arrears"), fact("arrears_confirmed"))),
        ("t.info", any_(*(r(k) for k in ("d20_1", "d20_2", "d20_3", "d20_4", "d20_5", "d20_6", "d20_6b")))),
    ]))

    # art. 33 (severe criteria, list eligibility) and art. 27(2) (unconfirmed utility arrears)
    info = p("info")
    criteria = {
        "public_safety": all_(info, conduct("food_drug", "ecological_environment", "engineering_quality",
                                            "production_safety", "fire_safety", "transportation",
                                            "compulsory_product_certification"), SC),
        "market_order": all_(info, any_(conduct("bribery", "tax_evasion", "tax_fraud", "malicious_debt_evasion",
                                                "insider_trading", "foreign_exchange_fraud", "malicious_wage_arrears",
                                                "contract_fraud", "intentional_ip_infringement",
                                                "illegal_fundraising", "pyramid_selling"),
                                        all_(conduct("cyberspace_disorder", "public_order_disruption"), SC))),
        "consumer_investor_rights": all_(info, any_(conduct("counterfeit_goods", "false_advertising",
                                                            "investor_rights_infringement"),
                                                    all_(conduct("misleading_consumers",
                                                                 "consumer_rights_infringement"), SC))),
        "education_research_integrity": all_(info, conduct("exam_cheating", "academic_plagiarism",
                                                           "research_data_fabrication", "research_funding_fraud")),
        "court_listed_debtor": all_(info, kind("failure_to_perform_legal_document"),
                                    fact("court_listed_dishonest_debtor")),
        "national_defence": all_(info, conduct("defense_obligation_refusal")),
        "defamation": all_(info, conduct("defamation"), SC),
        "public_commitment_breach": all_(info, kind("commitment_breach"), SC),
        "forgery_for_benefits": all_(info, conduct("forgery_for_benefits")),
    }
    nodes.append(expression_node("art27_33", "art. 33 and art. 27(2)", [
        *((f"t.c_{name}", expr) for name, expr in criteria.items()),
        ("t.severe", any_(*(r(f"c_{name}") for name in CRITERIA))),
        ("t.u27_2", all_(kind("utility_arrears", "public_service_fee_arrears"), fact_eq("arrears_confirmed", False))),
        ("t.eligible", all_(r("severe"), not_(p("m13_3")), not_(r("u27_2")))),
    ]))

    # listing (36(1), with the 66 exception), removal (37(3)): what arts. 34, 35 and 19(3) read
    nodes.append(expression_node("listing", "listing: arts. 36(1), 37(3), 66", [
        ("t.wrongful66", all_(present("listed_wrongfully"), fact("listed_wrongfully"))),
        ("t.on_list", all_(info, fact("on_severe_list"), not_(r("wrongful66")))),
        ("t.removed37_3", present("removed_from_list_on")),
        ("t.s34", all_(r("on_list"), not_(r("removed37_3")))),
        ("t.s35", all_(r("on_list"), p("eligible"), subject("legal_person", "unincorporated_org"),
                       not_(r("removed37_3")))),
        ("t.extended19_3", all_(info, any_(r("on_list"), r("removed37_3")))),
    ]))

    # the dishonesty level: the highest that holds, unless a higher one is still unknown
    nodes.append(table_node("level", "dishonesty level", "first",
                            [("severe (33.1)", "t.severe"), ("information (20)", "t.info")],
                            [("level", "level"), ("at least", "at_least")],
                            [["1", "", "'severe'", "null"],
                             ["0.5", "1", "'undetermined'", "'general'"],
                             ["", "1", "'general'", "null"],
                             ["", "0.5", "'undetermined'", "null"],
                             ["", "", "'none'", "null"]], "lvl"))

    # arts. 32, 34, 35: the sanctions (collect: every row that holds)
    rows = [["1", "", "", f"'{sid}'", "'general'", "'subject'", "[]"] for sid in GENERAL_SANCTIONS]
    rows += [["", "1", "", f"'{sid}'", "'severe'", "'subject'", "[]"] for sid in SEVERE_SANCTIONS]
    rows.append(["", "", "1", "'responsible_persons_joint_measures'", "'severe'", "'responsible_person'",
                 "subject.responsible_persons ?? []"])
    nodes.append(table_node("sanctions", "sanctions: arts. 32, 34, 35", "collect",
                            [("information (32)", "t.info"), ("listed (34)", "t.s34"), ("listed org (35)", "t.s35")],
                            [("id", "id"), ("tier", "tier"), ("target", "target"), ("persons", "persons")],
                            rows, "sanctions"))

    # art. 19: the disclosure period (5 years from the decision's effect, else its making, else the act)
    nodes.append(expression_node("art19", "publication: art. 19", [
        ("pub.on", f"{info} == 1"),
        ("pub.start", "$.pub.on ? (basis.effective_on ?? basis.decided_on ?? occurred_on) : null"),
        ("pub.max5", "$.pub.start != null ? d($.pub.start).add(60, 'months').format('%Y-%m-%d') : null"),
        ("pub.extended", "$.pub.on and t.extended19_3 == 1"),
        ("pub.max_end", ("($.pub.extended and $.pub.max5 != null and facts.removed_from_list_on != null) ? "
                         "(d(facts.removed_from_list_on) > d($.pub.max5) ? facts.removed_from_list_on : $.pub.max5) : "
                         "$.pub.max5")),
        ("pub.disclosure", f"({kind(*POSITIVE_KINDS)} == 1 or t.on_list == 1) ? 'public' : null"),
    ]))

    # the determination (not passed through: only this object is the output)
    tri = "({x} == 1 ? true : ({x} == 0.5 ? null : false))"
    criteria_list = ", ".join(f"t.c_{name} == 1 ? 'severe.{name}' : null" for name in CRITERIA)
    decisions = ", ".join([
        "t.report13_1 == 1 ? {id: 'reported_to_platform', value: true} : null",
        "t.m13_3 == 1 ? {id: 'reported_to_platform', value: false} : null",
        "(t.m13_3 == 1 or t.u27_2 == 1) ? {id: 'joint_punishment_basis', value: false} : null",
        "t.s35 == 1 ? {id: 'mark_responsible_persons', value: subject.responsible_persons ?? []} : null",
        "t.removed37_3 == 1 ? {id: 'removal_notice', value: true} : null",
        "t.removed37_3 == 1 ? {id: 'joint_punishment_stopped', value: true} : null",
        f"{kind(*POSITIVE_KINDS)} == 1 ? {{id: 'long_term_publication_allowed', value: true}} : null",
    ])
    nodes.append(expression_node("determination", "determination", [
        ("event_id", "id"),
        ("jurisdiction", "'henan'"),
        ("dishonesty", "{level: lvl.level, at_least: lvl.at_least}"),
        ("severe_list", "{eligible: " + tri.format(x="t.eligible")
                        + f", criteria: filter([{criteria_list}], # != null)}}"),
        ("sanctions", "sanctions"),
        ("publication", ("pub.on ? {disclosure: pub.disclosure, start: pub.start, min_end: null, max_end: pub.max_end, "
                         "years: 5, extended_until_removal: pub.extended, after_end: 'archive'} : "
                         "{disclosure: pub.disclosure, start: null, min_end: null, max_end: null, years: null, "
                         "extended_until_removal: false, after_end: null}")),
        ("decisions", f"filter([{decisions}], # != null)"),
    ], pass_through=False))
    nodes.append({"type": "outputNode", "id": "out", "name": "determination", "position": _pos(),
                  "content": {"schema": ""}})
    edges = [{"id": f"e{i}", "type": "edge", "sourceId": a["id"], "targetId": b["id"]}
             for i, (a, b) in enumerate(pairwise(nodes))]
    return {"contentType": "application/vnd.gorules.decision", "nodes": nodes, "edges": edges,
            "_comment": ("Henan arts. 13, 19, 20, 27, 32-35 (+ the listing facts of 36(1), 37(3), 66 they read), "
                         "written from policies/henan/rules/*.yaml for benchmarks/bench.py; generated by "
                         "benchmarks/zen_henan.py, see benchmarks/README.md for what it covers. Truth values: "
                         "1 true, 0.5 unknown, 0 false.")}


def main() -> None:
    GRAPH.write_text(json.dumps(build(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {GRAPH}")


if __name__ == "__main__":
    main()
