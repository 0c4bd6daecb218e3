import numpy as np
import pytest

import tinytorch as tt
from tinytorch.utils.data import (BatchSampler, ConcatDataset, DataLoader, Dataset, RandomSampler,
                                  SequentialSampler, Subset, TensorDataset, WeightedRandomSampler, default_collate,
                                  random_split)


def test_tensor_dataset_loader_batches_and_shuffle():
    x = tt.arange(10).reshape(10, 1).float()
    y = tt.arange(10)
    ds = TensorDataset(x, y)
    batches = list(DataLoader(ds, batch_size=4))
    assert [b[1].tolist() for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert len(DataLoader(ds, batch_size=4, drop_last=True)) == 2
    order1 = [b[1].tolist() for b in DataLoader(ds, batch_size=5, shuffle=True, generator=tt.Generator().manual_seed(1))]
    order2 = [b[1].tolist() for b in DataLoader(ds, batch_size=5, shuffle=True, generator=tt.Generator().manual_seed(1))]
    assert order1 == order2 and sorted(sum(order1, [])) == list(range(10)) and sum(order1, []) != list(range(10))
    for xb, yb in DataLoader(ds, batch_size=3, shuffle=True):
        np.testing.assert_array_equal(xb.numpy()[:, 0], yb.numpy())


class Squares(Dataset):
    def __len__(self):
        return 5

    def __getitem__(self, i):
        if i >= 5:
            raise IndexError(i)
        return {"x": np.array([i, i * i], dtype=np.float32), "label": i, "name": f"n{i}"}


def test_collate_dicts_arrays_numbers_strings():
    batch = next(iter(DataLoader(Squares(), batch_size=3)))
    assert batch["x"].shape == tt.Size([3, 2]) and batch["label"].tolist() == [0, 1, 2]
    assert batch["name"] == ["n0", "n1", "n2"]
    out = default_collate([(1.0, tt.ones(2)), (2.0, tt.zeros(2))])
    assert out[0].dtype is tt.float64 and out[1].shape == tt.Size([2, 2])
    custom = next(iter(DataLoader(Squares(), batch_size=2, collate_fn=lambda b: len(b))))
    assert custom == 2


def test_samplers_subset_split_concat():
    ds = TensorDataset(tt.arange(20))
    assert list(SequentialSampler(ds)) == list(range(20))
    assert sorted(RandomSampler(ds, generator=tt.Generator().manual_seed(0))) == list(range(20))
    assert list(BatchSampler(range(5), 2, drop_last=False)) == [[0, 1], [2, 3], [4]]
    a, b = random_split(ds, [15, 5], generator=tt.Generator().manual_seed(0))
    assert len(a) == 15 and len(b) == 5
    assert sorted([int(a[i][0]) for i in range(15)] + [int(b[i][0]) for i in range(5)]) == list(range(20))
    assert int(Subset(ds, [3, 7])[1][0]) == 7
    cat = ConcatDataset([ds, ds])
    assert len(cat) == 40 and int(cat[25][0]) == 5
    w = list(WeightedRandomSampler([0.0, 1.0, 0.0], 10, generator=tt.Generator().manual_seed(0)))
    assert w == [1] * 10
    with pytest.raises(ValueError, match="size mismatch"):
        TensorDataset(tt.zeros(3), tt.zeros(4))
    loader = DataLoader(ds, batch_sampler=BatchSampler(SequentialSampler(ds), 6, True))
    assert len(list(loader)) == 3
