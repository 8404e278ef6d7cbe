"""The shape of the code, checked over the `ast` of every module of the
package: imports only point down the flow (watch → batch → intake / ledger
/ generate / digest → flow → extract → parse → core), no module over 400
lines and no function over 60."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "pipeline"

# What each part of the package must never import. Keys are module name
# prefixes; a module is checked against every key it starts with.
STAGES = ["pipeline.extract", "pipeline.resolve", "pipeline.packet", "pipeline.flow", "pipeline.members", "pipeline.pool", "pipeline.validate", "pipeline.confidence",
          "pipeline.crosscheck", "pipeline.ledger", "pipeline.intake", "pipeline.batch", "pipeline.background",
          "pipeline.watch", "pipeline.generate", "pipeline.digest", "pipeline.report", "pipeline.cli",
          "pipeline.review", "pipeline.station", "pipeline.explain"]
ABOVE_EXTRACT = ["pipeline.resolve", "pipeline.packet", "pipeline.flow", "pipeline.members", "pipeline.explain", "pipeline.pool",
                 "pipeline.crosscheck", "pipeline.ledger", "pipeline.intake",
                 "pipeline.batch", "pipeline.background", "pipeline.watch", "pipeline.generate", "pipeline.digest",
                 "pipeline.report", "pipeline.cli", "pipeline.validate", "pipeline.confidence", "pipeline.review",
                 "pipeline.station"]
FORBIDDEN: dict[str, list[str]] = {
    "pipeline.parse": STAGES,
    "pipeline.models": STAGES + ["pipeline.parse"],
    "pipeline.document": STAGES + ["pipeline.parse", "pipeline.models"],
    "pipeline.text": STAGES + ["pipeline.parse", "pipeline.models"],
    "pipeline.errors": STAGES,
    "pipeline.periods": STAGES,
    "pipeline.agencies": STAGES,
    "pipeline.supervision": STAGES,
    "pipeline.atomic": STAGES,
    "pipeline.glyphs": STAGES + ["pipeline.parse", "pipeline.models"],
    # names read by OCR resolved against the names on file: after the ledger has the records, below it in imports
    # (the ledger applies resolutions as it hands records out; batch runs the step)
    "pipeline.resolve": ["pipeline.extract", "pipeline.flow", "pipeline.pool", "pipeline.ledger", "pipeline.intake",
                         "pipeline.batch", "pipeline.background", "pipeline.watch", "pipeline.generate",
                         "pipeline.digest", "pipeline.crosscheck", "pipeline.cli", "pipeline.review", "pipeline.station"],
    "pipeline.settings": STAGES,
    "pipeline.pdfa": STAGES,          # PDF/A marks and checks: below every stage
    "pipeline.searchable": STAGES,    # the searchable PDF of a scan, made from a record's words by the intake
    "pipeline.search_index": STAGES,  # the ledger's full-text index: only the ledger writes and reads it
    "pipeline.extract": ABOVE_EXTRACT,
    "pipeline.packet": ABOVE_EXTRACT,
    "pipeline.validate": [s for s in ABOVE_EXTRACT if s not in ("pipeline.validate",)] + ["pipeline.extract"],
    "pipeline.crosscheck": ["pipeline.ledger", "pipeline.intake", "pipeline.batch", "pipeline.background",
                            "pipeline.watch", "pipeline.generate", "pipeline.digest", "pipeline.cli", "pipeline.report"],
    "pipeline.ledger": ["pipeline.extract", "pipeline.flow", "pipeline.pool", "pipeline.intake", "pipeline.batch",
                        "pipeline.background", "pipeline.watch", "pipeline.generate", "pipeline.digest", "pipeline.cli"],
    "pipeline.generate": ["pipeline.ledger", "pipeline.watch", "pipeline.digest", "pipeline.batch", "pipeline.intake",
                          "pipeline.background", "pipeline.extract", "pipeline.cli", "pipeline.report"],
    "pipeline.search": ["pipeline.extract", "pipeline.flow", "pipeline.pool", "pipeline.intake", "pipeline.batch",
                        "pipeline.background", "pipeline.watch", "pipeline.generate", "pipeline.digest"],
    "pipeline.digest": ["pipeline.ledger", "pipeline.watch", "pipeline.generate", "pipeline.batch", "pipeline.intake",
                        "pipeline.background", "pipeline.extract", "pipeline.crosscheck", "pipeline.cli"],
    "pipeline.explain": ["pipeline.ledger", "pipeline.intake", "pipeline.batch", "pipeline.background", "pipeline.watch",
                         "pipeline.generate", "pipeline.digest", "pipeline.cli", "pipeline.report"],
    "pipeline.intake": ["pipeline.batch", "pipeline.background", "pipeline.watch", "pipeline.cli", "pipeline.generate",
                        "pipeline.digest"],
    "pipeline.batch": ["pipeline.background", "pipeline.watch", "pipeline.cli"],
    "pipeline.background": ["pipeline.watch", "pipeline.cli"],
    # officers' corrections: parsed and applied below the ledger, acted on above it, served on top
    "pipeline.correct": [s for s in ABOVE_EXTRACT if s not in ("pipeline.validate", "pipeline.confidence")] + ["pipeline.extract", "pipeline.review", "pipeline.station", "pipeline.accounts"],
    "pipeline.accounts": STAGES + ["pipeline.review", "pipeline.station"],
    "pipeline.review": ["pipeline.watch", "pipeline.cli", "pipeline.station", "pipeline.digest", "pipeline.generate"],
    "pipeline.station": ["pipeline.cli", "pipeline.extract", "pipeline.intake", "pipeline.pool"],
    "pipeline.watch": ["pipeline.cli"],
}
ONLY_CLI = "pipeline.cli"   # only the CLI (and `python -m pipeline`) imports the CLI


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(module: str, source: str, is_package: bool = False) -> set[str]:
    """Absolute names of the pipeline modules `source` imports, at any depth
    (imports inside functions count: they are imports all the same)."""
    out: set[str] = set()
    base = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = base[: len(base) - node.level + 1]
                target = ".".join(anchor + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            out.add(target)
            out.update(f"{target}.{a.name}" for a in node.names)
    return {name for name in out if name.startswith("pipeline")}


def violations(module: str, source: str, is_package: bool = False) -> list[str]:
    found = []
    for target in sorted(imported(module, source, is_package)):
        if target.startswith(ONLY_CLI) and module not in (ONLY_CLI, "pipeline.__main__"):
            found.append(f"{module} imports {target} (only the CLI imports the CLI)")
        for prefix, banned in FORBIDDEN.items():
            if _within(module, prefix):
                found += [f"{module} imports {target}" for b in banned if _within(target, b) and not _within(module, b)]
    return found


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_imports_only_point_down() -> None:
    found = [v for p in _modules() for v in violations(module_name(p), p.read_text(encoding="utf-8"),
                                                         p.name == "__init__.py")]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("module, source", [
    ("pipeline.parse.dates", "from ..extract.labels import squash"),
    ("pipeline.extract.contract", "from ..ledger import Ledger"),
    ("pipeline.generate.outputs", "def f():\n    from ..digest import refresh_digest"),
    ("pipeline.generate.outputs", "from pipeline.ledger import Ledger"),
    ("pipeline.settings", "from .pool import default_workers"),
    ("pipeline.models", "from .validate import issue"),
    ("pipeline.batch", "from . import cli"),
    ("pipeline.extract.contract", "from ..resolve import resolve_all"),
    ("pipeline.resolve", "from .ledger import Ledger"),
])
def test_a_backward_import_is_caught(module: str, source: str) -> None:
    assert violations(module, source)


def test_downward_imports_pass() -> None:
    assert not violations("pipeline.batch", "from .ledger import Ledger\nfrom .generate.outputs import regenerate")
    assert not violations("pipeline.extract.contract", "from ..parse.money import find_amounts\nfrom ..text import squash")


def test_modules_and_functions_are_small() -> None:
    long_modules = [f"{p.relative_to(PACKAGE.parent)}: {n} lines" for p in _modules()
                    if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400]
    long_functions = []
    for p in _modules():
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno:
                length = node.end_lineno - node.lineno + 1
                if length > 60:
                    long_functions.append(f"{p.relative_to(PACKAGE.parent)}:{node.lineno} {node.name}: {length} lines")
    assert not long_modules and not long_functions, "\n".join(long_modules + long_functions)
