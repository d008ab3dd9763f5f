"""The columnar evaluator (polars): the evaluation plan compiled to expressions over a fact table, a whole batch
evaluated at once. The public calls are in `creditrules.backends.columnar`; docs/engine.md "Columnar backend".

    table.py       events -> the fact table (checked as evaluate_many checks them)
    conditions.py  condition nodes -> three-valued polars expressions, and their missing facts
    dates.py       periods and working days over columns (a calendar table with a working-day ordinal)
    evaluator.py   the compiled plan: versions, offsets, strata, exceptions
    assemble.py    the collectors over columns: the flat determination table, warnings worded once per kind
    full.py        the contract JSON per event, from the table's outcomes and the engine's collectors
"""
