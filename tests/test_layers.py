"""Imports point down the layers of docs/ARCHITECTURE.md: a module imports from its own layer and
the layers below it, never above, and no two packages import each other (directly or round about).
And every run-folder and round-folder name is spelled once, in codeling/rundir.py."""

import ast
from pathlib import Path

import codeling
from codeling import rundir

PACKAGE = Path(codeling.__file__).parent
LAYERS = {
    "base": ["errors", "atomic", "digest", "files", "rundir", "rounds"],
    "exec": ["sandbox"],
    "core": ["config", "model", "decoder", "generate", "quantize", "export", "tokenizers", "data", "train"],
    "tasks": ["tinypy", "corpus", "evals"],
    "loops": ["evolve", "improve", "recipes", "helper", "bench", "rl"],
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


def part_graph() -> dict[str, set[str]]:
    """Which top-level parts each part imports (itself left out)."""
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        part = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
        if part != "__init__":
            graph.setdefault(part, set()).update(imported_parts(path) - {part})
    return graph


def test_no_two_packages_import_each_other():
    graph, cycles = part_graph(), []

    def walk(part: str, path: list[str]) -> None:
        for target in sorted(graph.get(part, ())):
            if target in path:
                cycles.append(" -> ".join([*path[path.index(target) :], target]))
            elif target not in done:
                walk(target, [*path, target])
        done.add(part)

    done: set[str] = set()
    for part in sorted(graph):
        if part not in done:
            walk(part, [part])
    assert not cycles, cycles


# The names of rundir.py that only a run folder uses (words like "data" or "best" are also plain
# keys elsewhere, so the check takes the file names and the folder prefixes).
NAMES = {
    value
    for value in [*vars(rundir).values(), *rundir.OLD_SETTINGS.values()]
    if isinstance(value, str) and ("." in value or "-" in value or value == rundir.CHECKPOINTS)
}
PREFIXES = ("step-", "round-")


def spelled(value: str) -> bool:
    """A string that is a run-folder name, or a path made of one (prose that mentions one is not)."""
    parts = value.split("/")
    return any(p in NAMES for p in parts) and " " not in value or value in PREFIXES


def test_every_run_folder_name_is_spelled_once_in_rundir():
    assert {"checkpoints", "manifest.json", "metrics.jsonl", "report.json", "rounds.jsonl"} <= NAMES
    strays = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == PACKAGE / "rundir.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and spelled(node.value):
                strays.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.value!r}")
    assert not strays, strays
