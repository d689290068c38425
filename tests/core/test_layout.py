"""The package layout shows the pipeline: stages import only stages below them, and nothing imports in a cycle.

Every import counts, including those inside functions (a cycle hidden in a
function still ties two modules together); only ``if TYPE_CHECKING:`` blocks are
left out, since they never run.
"""

from __future__ import annotations

import ast
from pathlib import Path

import evals

ROOT = Path(evals.__file__).parent

# Lower numbers sit below higher ones. The shared vocabulary is at the bottom.
LAYERS = {
    "vocabulary": 0,
    "adapters": 1,
    "scoring": 1,
    "spec": 2,
    "data": 3,
    "run": 4,
    "report": 5,
    "cli": 6,
}
VOCABULARY = {"errors", "files", "hashing", "hub", "names", "redact", "registry", "requests", "results", "settings", "__init__"}


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in ROOT.rglob("*.py") if "hf_evaluate" not in p.parts}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(path: Path, known: set[str]) -> set[str]:
    """The evals modules ``path`` imports anywhere in its body (a package's submodule when imported by name)."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in known:
                    found.add(alias.name)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module.startswith("evals"):
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in known else node.module)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text()))
    return {m for m in found if m in known}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(path, known) - {name} for name, path in modules.items()}


def _layer(module: str) -> tuple[str, int]:
    parts = module.split(".")
    if module == "evals.__main__":
        return "cli", LAYERS["cli"]
    if len(parts) == 1 or (len(parts) == 2 and parts[1] in VOCABULARY):
        return "vocabulary", 0
    stage = parts[1]
    assert stage in LAYERS, f"{module}: a module outside the known stages {sorted(LAYERS)}"
    return stage, LAYERS[stage]


def test_no_import_cycles():
    graph = _graph()
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def walk(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                walk(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            walk(node)
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_stages_import_only_stages_below_them():
    wrong = []
    for module, deps in _graph().items():
        stage, level = _layer(module)
        for dep in deps:
            dep_stage, dep_level = _layer(dep)
            if dep_stage == stage:
                continue
            if dep_level >= level:
                wrong.append(f"{module} ({stage}) imports {dep} ({dep_stage})")
    assert not wrong, "\n".join(sorted(wrong))


def test_the_cycle_check_finds_a_cycle(tmp_path):
    # The checker itself: a function-level import that closes a loop is a cycle.
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    a.write_text("from evals.b import x\n")
    b.write_text("def f():\n    from evals.a import y\n")
    assert _imports(a, {"evals.a", "evals.b"}) == {"evals.b"}
    assert _imports(b, {"evals.a", "evals.b"}) == {"evals.a"}


def test_environment_is_read_in_settings_only():
    readers = []
    for name, path in _modules().items():
        if name == "evals.settings":
            continue
        text = path.read_text()
        if "os.environ" in text or "os.getenv" in text:
            readers.append(name)
    assert not readers, f"environment variables read outside evals.settings: {readers}"
