"""Sequence padding helpers."""
from ...ops.creation import full


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    seqs = list(sequences)
    longest = max(s.shape[0] for s in seqs)
    rest = tuple(seqs[0].shape[1:])
    out = full((len(seqs), longest) + rest, padding_value, dtype=seqs[0].dtype, device=seqs[0].device)
    for i, s in enumerate(seqs):
        n = s.shape[0]
        if padding_side == "right":
            out[i, :n] = s
        else:
            out[i, longest - n:] = s
    return out if batch_first else out.transpose(0, 1)
