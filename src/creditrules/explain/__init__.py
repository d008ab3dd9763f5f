"""Explain stage: a determination in the order a reader asks, and why a measure does or does not apply.

A view over one evaluation (`api.evaluation`): the determination's items name the rules that produced them
(`rules`), the top-level citations hold the law's words, the trace and the plan's verdicts give each rule's outcome
and the words of why (engine/because.py). Nothing here decides anything; `--why-not` finds the smallest change by
evaluating variants of the event through the same library call.

    explanation_data(evaluation, lang) -> dict      the explanation as plain data (`explain --format json`)
    explanation_html(evaluation, lang) -> str       one self-contained HTML page (`explain --format html`)
    explanation_tree(evaluation, lang, ...)         a rich renderable (`explain`, text)
    why_not_data(evaluation, target, lang) -> dict  why `target` does or does not apply, and the smallest change
    why_not_tree(evaluation, target, lang)          the same, a rich renderable (`explain --why-not`)
    summary_text(determination, lang) -> str        a determination in a few lines (`evaluate --format text`)

Modules: words.py (the words, values in words, user text made visible), data.py (the explanation data),
text.py (terminal), html.py (HTML), pdf.py (the page printed by headless Chromium), whynot.py (the chain
and the smallest change), summary.py (a determination in a few lines).
"""
from __future__ import annotations

from typing import Any

from ..engine.assemble import Evaluation
from .data import explanation_data
from .html import render_html
from .summary import summary_text
from .text import render_text, render_why_not
from .whynot import known_outcome_ids, unknown_outcome, why_not_data

__all__ = ["explanation_data", "explanation_html", "explanation_tree", "why_not_data", "why_not_tree",
           "why_not_html", "known_outcome_ids", "unknown_outcome", "summary_text"]


def explanation_html(evaluation: Evaluation, lang: str = "zh", *, sanction: str | None = None) -> str:
    """One self-contained HTML page: the verdict, the conclusions, the quoted provisions, the trace folded."""
    return render_html(explanation_data(evaluation, lang, sanction=sanction))


def explanation_tree(evaluation: Evaluation, lang: str = "zh", sanction: str | None = None, *,
                     full_text: bool = False) -> Any:
    """The explanation as a rich renderable: header and verdict line, then each conclusion with its rules and the
    short quote of each provision (the whole provision with `full_text`), missing facts, warnings grouped."""
    return render_text(explanation_data(evaluation, lang, sanction=sanction), full_text)


def why_not_tree(evaluation: Evaluation, target: str, lang: str = "zh") -> Any:
    """Why `target` (an outcome id or a rule id) does or does not apply, down to the facts, with the smallest
    change that would make it apply, as a rich renderable."""
    return render_why_not(why_not_data(evaluation, target, lang))


def why_not_html(evaluation: Evaluation, target: str, lang: str = "zh") -> str:
    from .html import render_why_not_html
    return render_why_not_html(why_not_data(evaluation, target, lang))
