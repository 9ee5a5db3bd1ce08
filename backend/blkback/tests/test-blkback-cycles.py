#!/usr/bin/env python3
"""test-blkback-cycles.py - bench-blk's cycle breakdown
(backend/blkback/bench/cycles.py) on two hand-written `perf script`
traces whose numbers are worked out below (no perf needed).

cycles/b.perf.txt, the disk's irq virtio1-req.0 on CPU 1, times in us
from 100 s, the guest's fio is tid 500:
  cycle 1: irq 0 -> issues 100, 150, 200 -> irq 500 (fio on CPU 1 only;
           a 253,0 issue at 250 belongs to another disk, an irq
           virtio3-rx at 300 to another device)
  cycle 2: irq 500 -> issues 600, 700 -> irq 1100 (fio runs on CPU 0)
  irq 1100 -> irq 1150: nothing issued, not a cycle
  cycle 3: irq 1150 -> issues 1200, 1250, 1300, 1400 -> irq 1550 (tid
           777, another fio, on CPU 0: not ours)
  an issue at 1600 with no interrupt after it: not a cycle
  so: cycles 500, 600, 400 (mean 500, p50 500); turnaround 200, 200, 250
  (216.7); disk 300, 400, 150 (283.3); first issue 100, 100, 50 (83.3);
  requests 3, 2, 4 (3.0); other CPU 1 of 3 (600 against 450).
cycles/a.perf.txt (tid 42, times from 200 s): cycles 0-400 (turn 150,
  disk 250), 400-700 (120, 180), 700-1000 (130, 170): mean 333.3, p50
  300, turnaround 133.3, disk 200, first 53.3, requests 8/3; perf lost 5.
b/a at equal disk time, per request: turnaround a 133.3 / 2.667 = 50,
  b 216.7 / 3 = 72.2; disk a 200 / 2.667 = 75, b 283.3 / 3 = 94.4, both
  84.7: (50 + 84.7) / (72.2 + 84.7) = 0.858. Cycles of 2 requests or
  fewer (FEW_REQUESTS set to 2): 1 of 3 in each.
"""
import contextlib
import io
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "bench"))
import cycles  # noqa: E402

A = os.path.join(here, "cycles", "a.perf.txt")
B = os.path.join(here, "cycles", "b.perf.txt")
IRQ = ("virtio1-req.0",)
failures = 0


def check(name, ok, why=""):
    global failures
    print("ok   %s" % name if ok else "FAIL %s: %s" % (name, why), flush=True)
    failures += not ok


def near(got, want):
    return got is not None and abs(got - want) < 0.01


def expect(name, s, want):
    bad = ["%s %s, want %s" % (k, s[k], v) for k, v in want.items()
           if not (near(s[k], v) if isinstance(v, float) else s[k] == v)]
    check(name, not bad, "; ".join(bad))


def analyse(path, **kw):
    with open(path) as f:
        return cycles.analyse(f, **kw)


def main():
    cycles.FEW_REQUESTS = 2
    b = analyse(B, names=IRQ, dev="254,0", tids={500})
    expect("b: cycles and their parts", b, {
        "cycles": 3, "mean": 500.0, "p50": 500.0, "turnaround": 650 / 3,
        "disk": 850 / 3, "first": 250 / 3, "requests": 3.0,
        "few_share": 1 / 3,
        "guessed": False, "irqs": ["virtio1-req.0"], "lost": 0})
    expect("b: fio on the other CPU", b, {
        "other_share": 1 / 3, "other_mean": 600.0, "same_mean": 450.0})

    a = analyse(A, names=IRQ, dev="254,0", tids={42})
    expect("a: cycles and their parts, lost events", a, {
        "cycles": 3, "mean": 1000 / 3, "p50": 300.0, "turnaround": 400 / 3,
        "disk": 200.0, "first": 160 / 3, "requests": 8 / 3,
        "few_share": 1 / 3,
        "other_share": 0.0, "other_mean": None, "lost": 5})

    disk = (75 + 850 / 9) / 2
    check("b/a at equal disk time, per request",
          near(cycles.equal_disk_ratio(a, b), (50 + disk) / (650 / 9 + disk)),
          "%.4f" % cycles.equal_disk_ratio(a, b))

    g = analyse(B, names=("virtio9-req.0",), dev="254,0", tids={500})
    expect("an irq name not in the trace: the one completions follow", g, {
        "guessed": True, "irqs": ["virtio1-req.0"], "cycles": 3,
        "turnaround": 650 / 3})

    n = analyse(B, names=IRQ, dev=None, tids={500})
    expect("without --dev the other disk's issue counts", n, {
        "requests": 10 / 3, "turnaround": 700 / 3})

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = cycles.main(["--irq", "virtio1-req.0", "--dev", "254,0",
                          "randread:a:42:" + A, "randread:b:500:" + B])
    text = out.getvalue()
    check("the command: one row per trace and the derived line", rc == 0
          and "perf LOST 5 events" in text
          and "randread: b/a at equal disk time" in text
          and "disk = 84.7 us" in text
          and text.rstrip().endswith(": 0.86")
          and "  33%" in text, text)

    print("%d failed" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
