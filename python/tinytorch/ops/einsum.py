"""einsum: every equation form torch takes (implicit and explicit output, `...`, repeated subscripts of one
operand as diagonals, sums over subscripts of one operand, broadcasting of size-1 dims, the sublist form),
as a composite: diagonals are index reads, sums are reductions, and each pair of operands is contracted by one
batched MATMUL over permuted and reshaped views, so every gradient comes from those ops' own rules."""
import math

from ..tensor import Tensor
from .creation import arange
from .index import getitem
from .linalg import matmul
from .reduce import sum as _sum
from .shape import expand, permute, reshape
from ._public import declare

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"  # sublist subscript k is _LETTERS[k], as torch


def _fail(msg, cls=RuntimeError):
    raise cls(f"einsum(): {msg}")


def _from_sublists(args):
    """einsum(op0, sublist0, op1, sublist1, ..., [out]) as (equation, operands)."""
    def letters(sub):
        out = ""
        for s in sub:
            if s is Ellipsis:
                out += "..."
            elif isinstance(s, int) and 0 <= s < len(_LETTERS):
                out += _LETTERS[s]
            else:
                _fail("subscript in subscript list is not within the valid range [0, 52)", ValueError)
        return out
    pairs, out = (args[:-1], letters(args[-1])) if len(args) % 2 else (args, None)
    terms = [letters(s) for s in pairs[1::2]]
    return ",".join(terms) + ("" if out is None else "->" + out), list(pairs[0::2])


def _parse_term(term, i, ndim):
    """A term's subscripts (None for the ellipsis), checked against the operand's ndim."""
    subs, k = [], 0
    while k < len(term):
        c = term[k]
        if c == ".":
            if term[k:k + 3] != "...":
                _fail(f"found '.' for operand {i} that is not part of any ellipsis")
            if None in subs:
                _fail(f"found '.' for operand {i} for which an ellipsis was already found")
            subs.append(None)
            k += 3
            continue
        subs.append(c)
        k += 1
    n = len(subs) - (None in subs)
    if ndim is not None:
        if None not in subs and n != ndim:
            _fail(f"the number of subscripts in the equation ({n}) does not match the number of dimensions ({ndim}) "
                  f"for operand {i} and no ellipsis was given")
        if None in subs and n > ndim:
            _fail(f"the number of subscripts in the equation ({n}) is more than the number of dimensions ({ndim}) "
                  f"for operand {i}")
    return subs


def _diagonal(x, labels):
    """Repeated labels of one operand: their diagonal (x[..., r, r] with the repeats moved last), one dim each."""
    while True:
        seen = {}
        for d, lab in enumerate(labels):
            seen.setdefault(lab, []).append(d)
        rep = next((dims for dims in seen.values() if len(dims) > 1), None)
        if rep is None:
            return x, labels
        rest = [d for d in range(x.ndim) if d not in rep]
        x = permute(x, rest + rep)
        r = arange(x.shape[-1], device=x.device)
        x = getitem(x, (Ellipsis,) + (r,) * len(rep))
        labels = [labels[d] for d in rest] + [labels[rep[0]]]


def _sum_out(x, labels, keep):
    dims = [d for d, lab in enumerate(labels) if lab not in keep]
    if not dims:
        return x, labels
    return _sum(x, dims), [lab for lab in labels if lab in keep]


def _contract(a, la, b, lb, keep):
    """a (labels la) times b (labels lb), summed over the shared labels not in keep: one batched matmul."""
    batch = [lab for lab in la if lab in lb and lab in keep]
    summed = [lab for lab in la if lab in lb and lab not in keep]
    a_only = [lab for lab in la if lab not in lb]
    b_only = [lab for lab in lb if lab not in la]
    size = {}
    for t, labs in ((a, la), (b, lb)):
        for d, lab in enumerate(labs):
            if t.shape[d] != 1:  # sizes were checked: the other is the same or 1 (broadcast)
                size[lab] = t.shape[d]
            else:
                size.setdefault(lab, 1)

    def arrange(t, labs, order):
        t = permute(t, [labs.index(lab) for lab in order])
        want = tuple(size[lab] for lab in order)
        return expand(t, want) if tuple(t.shape) != want else t
    a = arrange(a, la, batch + a_only + summed)
    b = arrange(b, lb, batch + summed + b_only)
    nb = math.prod(size[lab] for lab in batch)
    m, k, n = (math.prod(size[lab] for lab in g) for g in (a_only, summed, b_only))
    out = matmul(reshape(a, (nb, m, k)), reshape(b, (nb, k, n)))
    return reshape(out, tuple(size[lab] for lab in batch + a_only + b_only)), batch + a_only + b_only


def einsum(*args):
    """torch.einsum(equation, *operands), einsum(equation, [operands]) or einsum(op0, sublist0, ..., [out])."""
    if not args or (isinstance(args[0], str) and len(args) < 2):
        _fail("must specify the equation string and at least one operand, or at least one operand and its "
              "subscripts list", ValueError)
    if isinstance(args[0], str):
        equation, operands = args[0], list(args[1]) if len(args) == 2 and isinstance(args[1], (list, tuple)) \
            else list(args[1:])
    else:
        equation, operands = _from_sublists(args)
    for x in operands:
        if not isinstance(x, Tensor):
            raise TypeError(f"einsum(): expected tensors as operands, got {type(x).__name__}")
    for k, c in enumerate(equation):
        if not (c in _LETTERS or c in ".,> " or (c == "-" and equation[k + 1:k + 2] == ">")):
            _fail(f"invalid subscript given at index {k} in the equation string, subscripts must be in [a-zA-Z]")
    lhs, arrow, rhs = equation.replace(" ", "").partition("->")
    if "->" in rhs or ">" in lhs + rhs:
        _fail("the equation has more than one '->'" if "->" in rhs else "found '>' that is not part of '->'")
    terms = lhs.split(",")
    if len(terms) > len(operands):
        _fail("fewer operands were provided than specified in the equation")
    if len(terms) < len(operands):
        _fail("more operands were provided than specified in the equation")
    dtype, device = operands[0].dtype, operands[0].device
    for x in operands[1:]:
        if x.dtype is not dtype:
            _fail(f"expected operands of one dtype, got {dtype} and {x.dtype}")
        if x.device != device:
            _fail(f"expected operands on one device, got {device} and {x.device}")
    subs = [_parse_term(term, i, x.ndim) for i, (term, x) in enumerate(zip(terms, operands))]
    # the ellipsis: its dims broadcast right-aligned across the operands, as labels "0", "1", ...
    n_ell = max((x.ndim - len(s) + 1 for s, x in zip(subs, operands) if None in s), default=0)
    ell = [str(j) for j in range(n_ell)]
    labels, ell_size = [], {}
    for i, (s, x) in enumerate(zip(subs, operands)):
        if None in s:
            k = s.index(None)
            own = x.ndim - len(s) + 1
            mine = ell[n_ell - own:]
            for lab, size in zip(mine, x.shape[k:k + own]):
                if size != 1:
                    if ell_size.get(lab, 1) not in (1, size):
                        _fail(f"dimension {int(lab) - (n_ell - own)} covered by ellipsis in operand {i} has size "
                              f"{size} which does not broadcast with previously seen ellipsis with size "
                              f"{ell_size[lab]} for the respective dimension")
                    ell_size[lab] = size
            labels.append(s[:k] + mine + s[k + 1:])
        else:
            labels.append(list(s))
    for i, (labs, x) in enumerate(zip(labels, operands)):  # a repeated subscript: one size (a diagonal)
        for lab in set(labs):
            sizes = sorted({size for l2, size in zip(labs, x.shape) if l2 == lab}, reverse=True)
            if len(sizes) > 1:
                _fail(f"subscript {lab} is repeated for operand {i} but the sizes don't match, {sizes[0]} != "
                      f"{sizes[1]}")
    seen = {}  # each subscript's size: size-1 dims broadcast
    for i, (labs, x) in enumerate(zip(labels, operands)):
        for lab, size in zip(labs, x.shape):
            if lab in ell or size == 1:
                seen.setdefault(lab, 1)
                continue
            if seen.get(lab, 1) not in (1, size):
                _fail(f"subscript {lab} has size {size} for operand {i} which does not broadcast with previously "
                      f"seen size {seen[lab]}")
            seen[lab] = size
    counts = {}
    for labs in labels:
        for lab in labs:
            counts[lab] = counts.get(lab, 0) + 1
    if arrow:
        out = _parse_term(rhs, None, None)
        letters = [c for c in out if c is not None]
        for c in letters:
            if c not in counts:
                _fail(f"output subscript {c} does not appear in the equation for any input operand")
            if letters.count(c) > 1:
                _fail(f"output subscript {c} appears more than once in the output")
        k = out.index(None) if None in out else None
        out = letters if k is None else letters[:k] + ell + letters[k:]
    else:
        out = ell + sorted((lab for lab, c in counts.items() if c == 1 and lab not in ell),
                           key=_LETTERS.index)
    # each operand: its diagonals, then the sums over labels no other operand and not the output has
    xs = []
    for i, (x, labs) in enumerate(zip(operands, labels)):
        x, labs = _diagonal(x, labs)
        others = {lab for j, ls in enumerate(labels) if j != i for lab in ls}
        xs.append(_sum_out(x, labs, set(out) | others))
    # contract left to right, keeping the labels the output or a later operand needs
    acc, acc_labels = xs[0]
    for j in range(1, len(xs)):
        keep = set(out) | {lab for _, ls in xs[j + 1:] for lab in ls}
        acc, acc_labels = _contract(acc, acc_labels, xs[j][0], xs[j][1], keep)
    acc, acc_labels = _sum_out(acc, acc_labels, set(out))
    if acc_labels != out:
        acc = permute(acc, [acc_labels.index(lab) for lab in out])
    want = tuple(ell_size.get(lab, 1) if lab in ell else seen.get(lab, 1) for lab in out)
    return expand(acc, want) if tuple(acc.shape) != want else acc

# public names (ops/_public.py)
declare(globals(), "einsum", method=False)
