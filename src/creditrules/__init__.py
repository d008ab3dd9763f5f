"""creditrules: Chinese regional social-credit regulations as validated YAML policy packs, and an engine that
evaluates a credit event into a determination citing the article, paragraph and item behind every conclusion.

    import creditrules
    det = creditrules.evaluate(event, jurisdiction="henan", as_of="2024-06-01")
    det.model_dump(mode="json")
"""
from .api import BatchItem, evaluate, evaluate_many, load_pack, read_event
from .determination import Determination
from .errors import CreditRulesError, Diagnostic, InputError, PackError
from .event import CreditEvent

__all__ = ["evaluate", "evaluate_many", "load_pack", "read_event", "Determination", "CreditEvent", "BatchItem",
           "CreditRulesError", "InputError", "PackError", "Diagnostic"]
__version__ = "0.1.0"
