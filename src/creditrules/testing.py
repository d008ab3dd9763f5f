"""`creditrules.testing` is `creditrules.tools.testing` (the YAML test runner moved into the tools for legal staff);
this name stays importable, as the same module object."""
import sys

from .tools import testing as _testing

sys.modules[__name__] = _testing
