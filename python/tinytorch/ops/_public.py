"""The public names each op module declares for its own functions, at its end: `tinytorch.<name>`, the Tensor
method, the in-place method `x.<name>_()`, `out=`, a tinygrad-style static constructor `Tensor.<name>`. The
package root and _methods install what is declared here; no other list of op names is kept."""
FUNCTIONS = {}  # name -> function of the tinytorch namespace
METHODS = {}  # name -> Tensor method
INPLACE = {}  # name -> the method written back into self (x.name_()), or an in-place method of its own
OUT = {}  # name -> "plain" or "creation": how its tinytorch function takes out= (tinytorch/_out.py)
STATIC = {}  # name -> function set on Tensor as a staticmethod (Tensor.zeros(3), tinygrad's spelling)


def declare(namespace, names, *, function=True, method=True, inplace=False, out=False, creation=False,
            static=False):
    """Declares each of the space-separated `names`, functions found in `namespace` (the declaring module's
    globals()), as public; `name=attr` declares the function `attr` under the public name `name`. `method` may be a callable of its own (a method spelled differently from the
    function), `inplace` likewise (an in-place form that is not the method written back). `creation`: out= sets
    the result's dtype to out's (zeros, arange)."""
    for item in names.split():
        name, _, attr = item.partition("=")
        fn = namespace[attr or name]
        if function:
            _add(FUNCTIONS, name, fn)
        if method:
            if name.endswith("_") and name[:-1] in INPLACE:
                raise RuntimeError(f"tinytorch.ops: Tensor.{name} is declared as a method and as an in-place form")
            _add(METHODS, name, fn if method is True else method)
        if inplace:
            if name + "_" in METHODS:
                raise RuntimeError(f"tinytorch.ops: Tensor.{name}_ is declared as a method and as an in-place form")
            _add(INPLACE, name, None if inplace is True else inplace)
        if out or creation:
            _add(OUT, name, "creation" if creation else "plain")
        if static:
            _add(STATIC, name, fn)


def _add(table, name, value):
    # two modules claiming one name would leave the winner to import order
    if name in table:
        raise RuntimeError(f"tinytorch.ops: the public name {name!r} is declared twice")
    table[name] = value
