"""pytest collects every pack's `tests/*.yaml` (each case run with both evaluators: they must agree with the law
and so with each other). Failures name the file and line of the expectation that failed. Without the optional
durable_rules (`creditrules[durable]`), the durable runs are skipped, with the reason. A case with a static problem
(an expectation path the determination lacks, an id no rule produces, an empty `expect`) fails as well
(`creditrules.tools.expect`)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest


def pytest_collect_file(parent, file_path: Path):
    if (file_path.suffix == ".yaml" and file_path.parent.name == "tests"
            and (file_path.parent.parent / "pack.yaml").is_file()):
        return PackTestFile.from_parent(parent, path=file_path)
    return None


class PackTestFile(pytest.File):
    def collect(self):
        from .errors import CreditRulesError
        from .packs import base_dirs, compiled_pack
        for pack_dir in base_dirs(self.path.parent.parent):       # a layer's cases run with the pack it supplements
            try:
                compiled = compiled_pack(pack_dir)
            except CreditRulesError as exc:
                yield PackInvalidItem.from_parent(self, name=f"pack-valid [{pack_dir.name}]", error=exc)
                continue
            for case in compiled.pack.tests:
                if Path(case.file).resolve() != self.path.resolve():
                    continue
                for evaluator in ("reference", "durable"):
                    yield PackCaseItem.from_parent(self, name=f"{case.name} [{evaluator}]", case=case,
                                                   pack_dir=pack_dir, evaluator=evaluator)


class PackInvalidItem(pytest.Item):
    def __init__(self, *, error, **kwargs):
        super().__init__(**kwargs)
        self.error = error

    def runtest(self):
        raise PackCaseFailure([str(d) for d in self.error.diagnostics[:30]])

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, PackCaseFailure):
            return "\n".join(excinfo.value.lines)
        return super().repr_failure(excinfo)


class PackCaseFailure(Exception):
    def __init__(self, lines):
        super().__init__("\n".join(lines))
        self.lines = lines


class PackCaseItem(pytest.Item):
    def __init__(self, *, case, pack_dir, evaluator, **kwargs):
        super().__init__(**kwargs)
        self.case, self.pack_dir, self.evaluator = case, pack_dir, evaluator

    def runtest(self):
        if self.evaluator == "durable" and importlib.util.find_spec("durable") is None:
            pytest.skip("the durable evaluator is not installed: pip install 'creditrules[durable]'")
        from .tools.testing import run_case
        result = run_case(self.case, self.pack_dir, self.evaluator)
        if not result.ok:
            raise PackCaseFailure(result.failures)

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, PackCaseFailure):
            return f"{self.case.pos}: {self.case.name}\n" + "\n".join("  " + line for line in excinfo.value.lines)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, self.case.pos.line - 1, self.case.name
