"""The package's layers (DESIGN.md, "The Python layer"): each module imports only from layers below its own, and
the ops families form a DAG. Every import counts, including those inside functions: a lazy import that dodges a
cycle is still an upward edge. Checked by parsing the sources, so no import has to run."""
import ast
import pathlib

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "python" / "tinytorch"
EXTENSIONS = {"tinytorch._C"}  # compiled modules, which have no .py source

# bottom to top; a module belongs to the first layer with a prefix naming it or a package above it
LAYERS = (
    ("dtypes", ("tinytorch._C", "tinytorch._dtype", "tinytorch._device", "tinytorch._format", "tinytorch.accelerator")),
    ("_core", ("tinytorch._core",)),
    ("tensor", ("tinytorch.tensor",)),
    ("autograd", ("tinytorch.autograd",)),
    ("ops", ("tinytorch.ops",)),
    ("bindings", ("tinytorch._methods", "tinytorch._out", "tinytorch.nn.functional")),
)
TOP = "nn, optim, jit, serialization and the rest"
# The package root gathers the public namespace (tinytorch.nn, tinytorch.save, ...), so it imports every layer
# and stands above them all; no module imports it.
ROOT = "tinytorch"


def _modules():
    """{module name: source path} for every .py file of the package."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = ("tinytorch",) + path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _is_module(name):
    return name in MODULES or name in EXTENSIONS


def _imports(name, path):
    """(line, imported module) for each import in the module, at any depth (functions included)."""
    tree = ast.parse(path.read_text(), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "tinytorch":
                    yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                source = f"{base}.{node.module}" if node.module else base
            elif (node.module or "").split(".")[0] == "tinytorch":
                source = node.module
            else:
                continue
            for alias in node.names:  # `from . import x` imports the submodule x where there is one
                sub = f"{source}.{alias.name}"
                yield node.lineno, sub if _is_module(sub) else source


def _layer(name):
    if name == ROOT:
        return len(LAYERS) + 1, "the package root"
    for rank, (layer, prefixes) in enumerate(LAYERS):
        if any(name == p or name.startswith(p + ".") for p in prefixes):
            return rank, layer
    return len(LAYERS), TOP


def _edges():
    return [(name, line, target) for name, path in MODULES.items() for line, target in _imports(name, path)]


def test_the_layers_are_known():
    # a renamed layer module would silently leave its layer empty
    for _, prefixes in LAYERS:
        for p in prefixes:
            assert _is_module(p), f"layer module {p} not found under {PACKAGE}"


def test_no_module_imports_a_higher_layer():
    bad = []
    for name, line, target in _edges():
        (rank, layer), (target_rank, target_layer) = _layer(name), _layer(target)
        if target_rank > rank:
            bad.append(f"{name} (line {line}) imports {target}: {layer} must not import from {target_layer}")
    assert not bad, "upward imports:\n" + "\n".join(bad)


def _family(name):
    parts = name.split(".")
    return parts[2] if len(parts) > 2 and parts[1] == "ops" else None


def _cycles(edges):
    """Each cycle of a graph given as {(a, b): (module, line, target) of one import making the edge a -> b}, with
    the imports that close it."""
    graph = {}
    for a, b in sorted(edges):
        graph.setdefault(a, []).append(b)
    state, found = {}, []

    def visit(node, path):
        state[node] = "open"
        for nxt in graph.get(node, ()):
            if state.get(nxt) == "open":
                loop = path[path.index(nxt):] + [nxt]
                found.append(" -> ".join(loop) + ":\n" + "\n".join(
                    "    {} (line {}) imports {}".format(*edges[x, y]) for x, y in zip(loop, loop[1:])))
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = "done"
    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return found


def test_ops_families_form_a_dag():
    edges = {}
    for name, line, target in _edges():
        a, b = _family(name), _family(target)
        if a and b and a != b:
            edges.setdefault((a, b), (name, line, target))
    cycles = _cycles(edges)
    assert not cycles, "cycles among the ops families:\n" + "\n".join(cycles)


def test_lower_layers_have_no_import_cycle():
    # module by module below the top layer (a package importing its submodules, which import it back, included)
    edges = {}
    for name, line, target in _edges():
        if name != target and _layer(name)[0] < len(LAYERS) and _layer(target)[0] < len(LAYERS):
            edges.setdefault((name, target), (name, line, target))
    cycles = _cycles(edges)
    assert not cycles, "import cycles:\n" + "\n".join(cycles)
