"""Imports point down the layers of docs/ARCHITECTURE.md: a module imports from its own layer and
the layers below it, never above."""

import ast
from pathlib import Path

import codeling

PACKAGE = Path(codeling.__file__).parent
LAYERS = {
    "base": ["errors", "atomic", "digest", "files", "rundir"],
    "exec": ["sandbox"],
    "core": ["config", "model", "decoder", "generate", "quantize", "export", "tokenizers", "data", "train"],
    "tasks": ["tinypy", "corpus", "evals"],
    "loops": ["evolve", "improve", "helper", "bench", "rl"],
    "faces": ["cli", "app", "__main__"],
}
RANK = {name: rank for rank, names in enumerate(LAYERS.values()) for name in names}


def imported_parts(path: Path) -> set[str]:
    """The top-level codeling parts (package or module names) a file imports."""
    parts = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        parts |= {name.split(".")[1] for name in names if name.startswith("codeling.")}
    return parts


def test_every_part_of_the_package_has_a_layer():
    parts = {
        p.stem if p.is_file() else p.name
        for p in PACKAGE.iterdir()
        if p.suffix == ".py" or (p / "__init__.py").exists()
    }
    assert parts - {"__init__"} == set(RANK)


def test_imports_point_down():
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        part = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
        if part == "__init__":
            continue
        for target in imported_parts(path):
            if RANK[target] > RANK[part]:
                upward.append(f"{path.relative_to(PACKAGE)} imports codeling.{target}")
    assert not upward, upward


def test_the_sandbox_imports_only_the_errors_from_outside_itself():
    outside = set().union(*(imported_parts(p) for p in (PACKAGE / "sandbox").rglob("*.py"))) - {"sandbox"}
    assert outside == {"errors"}
