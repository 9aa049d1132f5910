"""Statistics shared by the benches: medians, spreads and a distribution-free
confidence interval of a median, and a verdict against a target that says
"not resolved" when the interval straddles it."""
import math
import statistics


def median(xs):
    return statistics.median(xs)


def spread(xs):
    """(min, max) as a +/- percentage around the median: the run-to-run spread."""
    m = statistics.median(xs)
    if not m:
        return 0.0, 0.0
    return (min(xs) / m - 1) * 100, (max(xs) / m - 1) * 100


def median_ci(xs, conf=0.95):
    """Confidence interval of the median from order statistics (the sign
    test's interval: no assumption about the distribution). With too few
    values for `conf`, the whole range (and its real coverage, lower)."""
    s = sorted(xs)
    n = len(s)
    if n == 0:
        return float("nan"), float("nan"), 0.0
    best = (s[0], s[-1], 1 - 2 * 0.5 ** n)
    for k in range(1, n // 2 + 1):
        # P(X_(k) <= median <= X_(n-k+1)) = 1 - 2 P(Bin(n, 1/2) <= k-1)
        tail = sum(math.comb(n, i) for i in range(k)) / 2 ** n
        cover = 1 - 2 * tail
        if cover < conf:
            break
        best = (s[k - 1], s[n - k], cover)
    return best


def verdict(lo, hi, target, cover=1.0):
    """A ratio's interval against an upper bound `target`; an interval of
    less than 95% coverage (too few rounds) resolves nothing."""
    if cover < 0.95:
        return "not resolved (too few rounds)"
    if hi < 1:
        # kava cannot make a workload faster than without it, nor a read
        # cheaper than FUSE's floor: the rounds were disturbed
        return "not resolved (below 1: disturbed rounds)"
    if hi <= target:
        return "met"
    if lo > target:
        return "MISSED"
    return "not resolved"


def ratio_line(label, ratios, target, unit="x"):
    """One line: median ratio, its spread, its CI, and the verdict against
    `target` (None: no target, no verdict)."""
    m = median(ratios)
    lo, hi, cover = median_ci(ratios)
    sp_lo, sp_hi = spread(ratios)
    if target is None:   # a reference figure, no target to meet
        return ("%s %.3f%s (spread %+.1f%%..%+.1f%%, %.0f%% CI %.3f-%.3f, n=%d)"
                % (label, m, unit, sp_lo, sp_hi, cover * 100, lo, hi, len(ratios)))
    return ("%s %.3f%s (spread %+.1f%%..%+.1f%%, %.0f%% CI %.3f-%.3f, n=%d; target <= %.2f%s: %s)"
            % (label, m, unit, sp_lo, sp_hi, cover * 100, lo, hi, len(ratios), target, unit,
               verdict(lo, hi, target, cover)))
