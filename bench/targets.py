"""The issue's performance targets, shown beside each figure: informational, nothing ever fails on a timing."""


class Target:
    """All of its conditions: met when every one holds, missed when one fails, n/a when one cannot be judged (a
    peer or a machine limit is absent) and none fails."""

    def __init__(self, *conditions):
        self.conditions = conditions
        self.text = ", ".join(text for text, _ in conditions)

    def met(self, figure, limits):
        results = [check(figure, limits) for _, check in self.conditions]
        if False in results:
            return False
        return None if None in results else True


def best_peer():
    return (">= best peer", lambda f, limits: None if f.ratio() is None else f.ratio() >= 1)


def peer(lib, factor=1.0, *, time=False):
    """tinytorch's throughput at least factor times lib's, or (time=True) its time at most factor times lib's."""
    def check(f, limits):
        tt, other = f.median("tinytorch"), f.median(lib)
        if tt is None or other is None:
            return None
        return tt <= factor * other if time else tt >= factor * other
    scale = "" if factor == 1 else f"{factor:g}x "
    return (f"<= {scale}{lib}'s" if time else f">= {scale}{lib}", check)


def of_limit(fraction):
    def check(f, limits):
        frac = f.fraction(limits)
        return None if frac is None else frac >= fraction
    return (f">= {fraction:.0%} of limit", check)
