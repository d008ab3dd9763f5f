import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# `default` for a developer; `ci` (chosen when CI is set, as .ci/run does) is derandomized: the same examples on
# every run (no example database, no random seed), so a CI result never depends on luck.
settings.register_profile("default", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow],
                          derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "default"))

ROOT = Path(__file__).resolve().parent.parent
MINI = ROOT / "tests" / "fixtures" / "mini"


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite examples/golden/* from the current CLI output (tests/test_golden.py), then review "
                          "the change with git diff")


@pytest.fixture(scope="session")
def chromium():
    """Debian's headless `chromium` (tests in a real browser): skipped on a developer's machine without it, a failure
    in CI (.ci/run installs it)."""
    from creditrules.explain.pdf import find_chromium
    exe = find_chromium()
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (.ci/run installs it with apt-get)")
        pytest.skip("headless Chromium not installed (apt-get install -y chromium fonts-noto-cjk)")
    return exe
