"""Rows of the view and shape ops."""
import numpy as np

from ._base import *  # noqa: F401,F403
from ._base import _f  # noqa: F401

X34 = [((3, 4),)]
# ---- shape ops
op("view", lambda m, x: (x.view(-1), x.view(4, 3), x.view(2, 2, 3), x.view(12, 1)), X34, DTYPES,
   np_fn=lambda a: (a.reshape(-1), a.reshape(4, 3), a.reshape(2, 2, 3), a.reshape(12, 1)))
op("view_0d_empty", lambda m, x: (x.view(1), x.view(()), x.view(1, 1)), [(1,)], F32_64)
op("view_empty", lambda m, x: (x.view(3, 0), x.view(-1, 2)), [(2, 0, 3)], F32_64)
op("reshape", lambda m, x: (x.reshape(2, -1), m.reshape(x, (12,)), x.reshape(3, 2, 2), x.reshape(-1, 1, 4)),
   [(3, 4), (2, 6), (2, 3, 2)], DTYPES,
   np_fn=lambda a: (a.reshape(2, -1), a.reshape(12), a.reshape(3, 2, 2), a.reshape(-1, 1, 4)))
op("reshape_0d", lambda m, x: (x.reshape(()), x.reshape(1, 1), x.reshape(-1)), [(), (1,)], F32_64)
op("permute", lambda m, x: (x.permute(2, 0, 1), m.permute(x, (1, 2, 0)), x.permute(-1, -2, -3)), [(2, 3, 4), (2, 0, 3)],
   DTYPES, np_fn=lambda a: (a.transpose(2, 0, 1), a.transpose(1, 2, 0), a.transpose(2, 1, 0)))
op("transpose", lambda m, x: (x.transpose(0, 1), m.transpose(x, -1, 0), x.swapaxes(1, 2)), [(2, 3, 4)], DTYPES,
   np_fn=lambda a: (a.swapaxes(0, 1), a.swapaxes(-1, 0), a.swapaxes(1, 2)))
op("T", lambda m, x: x.T, [(), (5,), (3, 4), (2, 3, 4)], DTYPES, np_fn=lambda a: a.T)
op("t", lambda m, x: (x.t(), m.t(x)), [(), (5,), (3, 4)], DTYPES, np_fn=lambda a: (a.T, a.T))
op("mT", lambda m, x: x.mT, [(3, 4), (2, 3, 4)], F32_64, np_fn=lambda a: np.swapaxes(a, -1, -2))
op("expand", lambda m, x: (x.expand(2, 3, 4), x.expand(-1, 4), x.expand(0, 3, 4), m.broadcast_to(x, (5, 3, 4))),
   [(3, 1)], DTYPES, np_fn=lambda a: (np.broadcast_to(a, (2, 3, 4)), np.broadcast_to(a, (3, 4)),
                                      np.broadcast_to(a, (0, 3, 4)), np.broadcast_to(a, (5, 3, 4))))
op("tile", lambda m, x: (x.tile(2), x.tile(2, 1, 3), m.tile(x, (2, 2)), x.tile(())), [(3,), (2, 3)], DTYPES,
   np_fn=lambda a: (np.tile(a, 2), np.tile(a, (2, 1, 3)), np.tile(a, (2, 2)), np.tile(a, ())))
op("expand_0d", lambda m, x: x.expand(3, 2), [()], F32_64, np_fn=lambda a: np.broadcast_to(a, (3, 2)))
op("squeeze", lambda m, x: (x.squeeze(), x.squeeze(1), x.squeeze(0), x.squeeze(-1), m.squeeze(x, (1, 3))),
   [(2, 1, 3, 1), (1, 1, 1, 1)], DTYPES,
   np_fn=lambda a: (a.squeeze(), a.squeeze(1), a.squeeze(0) if a.shape[0] == 1 else a, a.squeeze(-1),
                    a.squeeze((1, 3))))
op("squeeze_0d", lambda m, x: (x.squeeze(), x.squeeze(0)), [()], F32_64)
op("unsqueeze", lambda m, x: (x.unsqueeze(0), x.unsqueeze(-1), m.unsqueeze(x, 1)), [(), (3,), (2, 3)], DTYPES,
   np_fn=lambda a: (a[None], a[..., None], np.expand_dims(a, 1) if a.ndim else None))
op("flatten", lambda m, x: (x.flatten(), x.flatten(1), m.flatten(x, 0, 1), x.flatten(-2, -1)), [(2, 3, 4), (2, 0, 3)],
   DTYPES, np_fn=lambda a: (a.reshape(-1), a.reshape(a.shape[0], -1), a.reshape(-1, a.shape[2]),
                            a.reshape(a.shape[0], -1)))
op("flatten_0d", lambda m, x: x.flatten(), [()], F32_64)
op("unflatten", lambda m, x: (x.unflatten(1, (2, 2)), m.unflatten(x, 1, (-1, 2)), x.unflatten(-1, (4, 1))),
   [(3, 4)], DTYPES, np_fn=lambda a: (a.reshape(3, 2, 2), a.reshape(3, 2, 2), a.reshape(3, 4, 1)))
op("narrow", lambda m, x: (x.narrow(0, 1, 2), m.narrow(x, 1, 1, 3), x.narrow(-1, -3, 2), x.narrow(0, 3, 0)),
   [(3, 4)], DTYPES, np_fn=lambda a: (a[1:3], a[:, 1:4], a[:, 1:3], a[3:3]))
op("split", lambda m, x: (x.split(2), m.split(x, [1, 3], dim=1), x.split(3, -1)), [(5, 4), (0, 4)], DTYPES)
op("chunk", lambda m, x: (x.chunk(3), m.chunk(x, 2, 1), x.chunk(6, 0), x.chunk(4, 1)), [(5, 4), (6, 3)], DTYPES)
op("unbind", lambda m, x: (x.unbind(), m.unbind(x, 1), x.unbind(-1)), [(2, 3, 4), (3, 0)], DTYPES,
   np_fn=lambda a: (tuple(a), tuple(np.moveaxis(a, 1, 0)), tuple(np.moveaxis(a, -1, 0))))
op("movedim", lambda m, x: (m.movedim(x, 0, -1), x.movedim((0, 1), (2, 0))), [(2, 3, 4)], F32_64,
   np_fn=lambda a: (np.moveaxis(a, 0, -1), np.moveaxis(a, (0, 1), (2, 0))))
op("select", lambda m, x: (x.select(0, 1), m.select(x, -1, -2)), [(3, 4)], DTYPES,
   np_fn=lambda a: (a[1], a[:, -2]))
op("getitem_basic", lambda m, x: (x[1], x[-1, 2], x[:, 1:3], x[::2, 1::2], x[None, ..., 1],
                                  x[..., None], x[1:, None, :2]), [(3, 4)], DTYPES,
   np_fn=lambda a: (a[1], a[-1, 2], a[:, 1:3], a[::2, 1::2], a[None, ..., 1], a[..., None], a[1:, None, :2]))
op("getitem_adv", lambda m, x: (x[m.tensor([2, 0, -1])], x[:, m.tensor([[0, 1], [3, 3]])],
                                x[m.tensor([0, 2]), m.tensor([1, 3])], x[x > 0], x[m.tensor([1, 0]), 1:]),
   [(3, 4)], DTYPES, domain="halves")

differentiable([r.name for r in OPS if r.fn.__module__ == __name__ and r.name != "getitem_adv"])  # every view op
differentiable(["getitem_adv"], grad="torch")  # x[x > 0] on "halves" values: finite differences cross 0

op("diag", lambda m, x: (m.diag(x), m.diag(x, 1), x.diag(-2), m.diag(x, 5)), [(3,), (1,), (0,), (3, 4), (4, 3), (0, 3)],
   DTYPES, np_fn=lambda a: (np.diag(a), np.diag(a, 1), np.diag(a, -2), np.diag(a, 5)), special=True, grad=True,
   errors=(lambda m: m.diag(m.ones(2, 2, 2)),))
op("contiguous", lambda m, x: x.T.contiguous() + 0, [(3, 4), (2, 3, 4)], F32_64, np_fn=lambda a: a.T + 0, grad=True)
op("getitem_index", lambda m, x: (x[m.tensor([0, 2, 2, -1])], x[:, m.tensor([[0, 1], [3, 3]])]), [(5, 4)], F32_64,
   np_fn=lambda a: (a[[0, 2, 2, -1]], a[:, [[0, 1], [3, 3]]]), grad=True, op="getitem")
