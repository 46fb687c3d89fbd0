"""Layers point one way: no import cycle between the project's modules, no import hidden inside a function to dodge
one, and the lower layers (messages, the directory, the core records) know no step of the journey."""

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
STEPS = {
    "prescription",
    "aiguillage",
    "diagnostic",
    "espace_jeune",
    "rendezvous",
    "orientation",
    "suivi",
    "api",
    "accueil",
    "pilotage",
}
LOWER = {"communes", "organisations", "audit", "jeunes", "parcours", "messagerie", "annuaire"}
# A lower app's pages may gather what the steps hold (the journey page, the territory queue): its code may not.
PAGES = {"views", "urls"}


def _modules():
    modules = {}
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT.parent)
        if "migrations" in relative.parts or "tests" in relative.parts:
            continue
        name = ".".join(relative.with_suffix("").parts).removesuffix(".__init__")
        modules[name] = path
    return modules


MODULES = _modules()


def _targets(module, path, node):
    """The project modules an import statement loads."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = module if path.name == "__init__.py" else module.rpartition(".")[0]
        if node.level:
            base = ".".join(base.split(".")[: len(base.split(".")) - node.level + 1])
            prefix = f"{base}.{node.module}" if node.module else base
        else:
            prefix = node.module
        names = [prefix, *(f"{prefix}.{alias.name}" for alias in node.names)]
    return {name for name in names if name in MODULES and name != module}


class _Imports(ast.NodeVisitor):
    def __init__(self, module, path):
        self.module, self.path = module, path
        self.top, self.inner, self.functions = set(), [], []

    def visit_FunctionDef(self, node):
        self.functions.append(node.name)
        self.generic_visit(node)
        self.functions.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Import(self, node):
        targets = _targets(self.module, self.path, node)
        if not targets:
            return
        # AppConfig.ready() is where Django wants signal receivers and registries connected (models are loaded).
        if self.functions and not (self.path.name == "apps.py" and self.functions[-1] == "ready"):
            self.inner.append(f"{self.module}:{node.lineno} imports {', '.join(sorted(targets))}")
        elif not self.functions:
            self.top |= targets

    visit_ImportFrom = visit_Import


def _graph():
    graph, inner = {}, []
    for module, path in MODULES.items():
        visitor = _Imports(module, path)
        visitor.visit(ast.parse(path.read_text(), filename=str(path)))
        graph[module], inner = visitor.top, inner + visitor.inner
    return graph, inner


GRAPH, INNER = _graph()


def test_no_project_import_is_hidden_in_a_function():
    assert INNER == []


def test_no_import_cycle_between_modules():
    done, path, cycles = set(), [], []

    def visit(module):
        path.append(module)
        for target in sorted(GRAPH[module]):
            if target in path:
                cycles.append(" → ".join([*path[path.index(target) :], target]))
            elif target not in done:
                visit(target)
        path.pop()
        done.add(module)

    for module in sorted(GRAPH):
        if module not in done:
            visit(module)
    assert cycles == []


@pytest.mark.parametrize("app", sorted(LOWER))
def test_lower_layers_know_no_step(app):
    steps = {
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        if module.split(".")[1:2] == [app] and module.split(".")[-1] not in PAGES
        for target in targets
        if target.split(".")[1] in STEPS
    }
    assert steps == set()
