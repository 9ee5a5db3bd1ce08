#!/usr/bin/env python3
"""cycles.py - bench-blk's cycle breakdown (BENCH_BLK_TRACE=1), from the
text of `perf script -F cpu,time,event,trace --show-lost-events` over a
recording of block:block_rq_issue, block:block_rq_complete,
sched:sched_switch, sched:sched_wakeup and irq:irq_handler_entry.

Why cycles: the VM's virtual disk completes a whole batch of requests (at
iodepth 32, about 32) with ONE interrupt, so a 4 KiB run is a sequence of
cycles, each from one disk interrupt to the next:

    interrupt --turnaround--> last issue of the next batch --disk--> interrupt

The turnaround is the CPU's work (reap, answer, wake, queue, submit); the
disk part is the disk's own time for the batch. A cycle is counted only
when requests were issued in it (an interrupt that completes stragglers
ends the cycle before it and starts a new one); the trace's last cycle
has no end and is dropped. Per cycle, turnaround + disk = cycle.

With early submission (a request goes to the disk at once while the disk
holds few) the disk may answer the first requests of a batch with an
interrupt of their own: such cycles issue FEW_REQUESTS or fewer, and
their share is printed.

A cycle is "other CPU" when one of the given threads (the fio job) ran,
at any time during the cycle, on a CPU other than the one that took the
cycle's interrupt: its wake-up then crossed vCPUs.

  cycles.py [--irq NAME,...] [--dev MAJ,MIN] JOB:COLUMN:TIDS:FILE...

--irq names the disk's interrupts (as in /proc/interrupts); when none of
them is in a trace, the irq most block completions follow is taken (and
the row says so). --dev keeps only that disk's block events. TIDS is a
comma list of the fio job's thread ids ("-" for none). Prints one row per
trace (times in us) and, for a job traced in columns a and b, the
derived "b/a at equal disk time" (see equal_disk_ratio).
"""
import re
import statistics
import sys
from collections import Counter, namedtuple

Event = namedtuple("Event", "cpu t name args")
Cycle = namedtuple("Cycle", "start end first last issued other_cpu")

LINE = re.compile(r"\s*\[(\d+)\]\s+(\d+\.\d+):\s+(\S+):\s?(.*)")
LOST = re.compile(r"PERF_RECORD_LOST lost (\d+)")
IRQ_NAME = re.compile(r"\bname=(\S+)")
NEXT_PID = re.compile(r"==>.*\bnext_pid=(\d+)")
# a completion is the interrupt's when it comes this soon after it (us)
COMPLETION_WINDOW = 100.0
# a cycle that issues this many requests or fewer is not a whole batch
FEW_REQUESTS = 4


def parse(lines):
    """The events (time in us, in time order) and the events perf lost."""
    events, lost = [], 0
    for line in lines:
        m = LOST.search(line)
        if m:
            lost += int(m.group(1))
            continue
        m = LINE.match(line)
        if m:
            cpu, t, name, args = m.groups()
            events.append(Event(int(cpu), float(t) * 1e6, name, args))
    events.sort(key=lambda e: e.t)
    return events, lost


def block_dev(ev):
    """The "MAJ,MIN" a block event names (its first field)."""
    return ev.args.split(" ", 1)[0]


def is_block(ev, name, dev):
    return ev.name == name and (dev is None or block_dev(ev) == dev)


def irq_name(ev):
    m = IRQ_NAME.search(ev.args)
    return m.group(1) if m else None


def busiest_irq(events, dev):
    """The irq name most block completions follow within
    COMPLETION_WINDOW us (each completion goes to the latest interrupt
    before it, on any CPU: the disk's or an IPI's), or None."""
    votes, last = Counter(), None
    for ev in events:
        if ev.name == "irq:irq_handler_entry":
            last = ev
        elif is_block(ev, "block:block_rq_complete", dev) and last \
                and ev.t - last.t <= COMPLETION_WINDOW:
            votes[irq_name(last)] += 1
    return votes.most_common(1)[0][0] if votes else None


def disk_irqs(events, names, dev):
    """The set of the disk's irq names present in the trace, and whether
    it was found by the fallback."""
    seen = {irq_name(e) for e in events if e.name == "irq:irq_handler_entry"}
    found = seen & set(names)
    if found:
        return found, False
    guess = busiest_irq(events, dev)
    return ({guess} if guess else set()), True


def cycles(events, irqs, dev, tids):
    """The cycles between consecutive interrupts named in irqs."""
    out, running, cur = [], {}, None
    for ev in events:
        if ev.name == "irq:irq_handler_entry" and irq_name(ev) in irqs:
            if cur and cur["issues"]:
                out.append(close(cur, ev.t))
            elsewhere = any(tid in tids for cpu, tid in running.items()
                            if cpu != ev.cpu)
            cur = {"start": ev.t, "cpu": ev.cpu, "issues": [],
                   "other": elsewhere}
        elif ev.name == "sched:sched_switch":
            m = NEXT_PID.search(ev.args)
            running[ev.cpu] = int(m.group(1)) if m else None
            if cur and ev.cpu != cur["cpu"] and running[ev.cpu] in tids:
                cur["other"] = True
        elif cur and is_block(ev, "block:block_rq_issue", dev):
            cur["issues"].append(ev.t)
    return out


def close(cur, end):
    issues = cur["issues"]
    return Cycle(cur["start"], end, issues[0], issues[-1], len(issues),
                 cur["other"])


def mean(xs):
    return sum(xs) / len(xs) if xs else None


def share(part, whole):
    return len(part) / len(whole) if whole else None


def summary(cs):
    """The figures of a list of cycles (None where there is nothing)."""
    other = [c.end - c.start for c in cs if c.other_cpu]
    same = [c.end - c.start for c in cs if not c.other_cpu]
    length = [c.end - c.start for c in cs]
    return {
        "cycles": len(cs),
        "mean": mean(length),
        "p50": statistics.median(length) if cs else None,
        "turnaround": mean([c.last - c.start for c in cs]),
        "disk": mean([c.end - c.last for c in cs]),
        "first": mean([c.first - c.start for c in cs]),
        "requests": mean([c.issued for c in cs]),
        "few_share": share([c for c in cs if c.issued <= FEW_REQUESTS], cs),
        "other_share": share(other, cs),
        "other_mean": mean(other),
        "same_mean": mean(same),
    }


def analyse(lines, names=(), dev=None, tids=frozenset()):
    """summary() of one trace, with what identified it: "irqs", "guessed"
    (the fallback chose the irq) and "lost" (events perf lost)."""
    events, lost = parse(lines)
    irqs, guessed = disk_irqs(events, names, dev)
    s = summary(cycles(events, irqs, dev, tids))
    s.update(irqs=sorted(irqs), guessed=guessed, lost=lost)
    return s


def per_request(s, key):
    return s[key] / s["requests"]


def equal_disk(a, b):
    """The disk's time per request both runs are compared at: the mean of
    their disk parts, per request issued."""
    return (per_request(a, "disk") + per_request(b, "disk")) / 2


def equal_disk_ratio(a, b):
    """b/a as it would be if both runs' disk had taken the same time per
    request (equal_disk): a cycle is turnaround + disk, IOPS goes as
    requests / cycle, so per request (turn_a + disk) / (turn_b + disk),
    which at equal requests per cycle is the same ratio of whole cycles.
    Derived, not measured: it removes the disk's drift between the runs."""
    disk = equal_disk(a, b)
    return (per_request(a, "turnaround") + disk) / \
        (per_request(b, "turnaround") + disk)


HEADER = ("%-9s %-3s %6s %6s %6s %6s %6s %6s %5s %5s %6s %7s %7s" % (
    "job", "col", "cycles", "mean", "p50", "turn", "disk", "first",
    "req", "few", "other", "c-other", "c-same"))


def fmt(x, spec="%.0f"):
    return spec % x if x is not None else "-"


def percent(x):
    return fmt(x if x is None else 100 * x, "%.0f%%")


def row(job, col, s):
    line = "%-9s %-3s %6d %6s %6s %6s %6s %6s %5s %5s %6s %7s %7s" % (
        job, col, s["cycles"], fmt(s["mean"]), fmt(s["p50"]),
        fmt(s["turnaround"]), fmt(s["disk"]), fmt(s["first"]),
        fmt(s["requests"], "%.1f"), percent(s["few_share"]),
        percent(s["other_share"]),
        fmt(s["other_mean"]), fmt(s["same_mean"]))
    notes = []
    if s["guessed"]:
        notes.append("irq %s guessed from completions" %
                     (",".join(s["irqs"]) or "none"))
    if s["lost"]:
        notes.append("perf LOST %d events" % s["lost"])
    return line + ("  (" + "; ".join(notes) + ")" if notes else "")


USAGE = "usage: cycles.py [--irq NAME,...] [--dev MAJ,MIN] JOB:COLUMN:TIDS:FILE..."


def parse_trace_arg(arg):
    job, col, tids, path = arg.split(":", 3)
    ids = frozenset(int(t) for t in tids.split(",") if t not in ("", "-"))
    return job, col, ids, path


def main(argv):
    names, dev, traces = [], None, []
    args = iter(argv)
    for a in args:
        if a == "--irq":
            names = [n for n in next(args).split(",") if n]
        elif a == "--dev":
            dev = next(args)
        else:
            traces.append(parse_trace_arg(a))
    if not traces:
        print(USAGE, file=sys.stderr)
        return 2
    print(HEADER)
    by_job = {}
    for job, col, tids, path in traces:
        with open(path, errors="replace") as f:
            s = analyse(f, names, dev, tids)
        print(row(job, col, s))
        by_job.setdefault(job, {})[col] = s
    for job, cols in by_job.items():
        a, b = cols.get("a"), cols.get("b")
        if a and b and a["cycles"] and b["cycles"]:
            print("%s: b/a at equal disk time (derived, per request: "
                  "(turn_a + disk) / (turn_b + disk), disk = %.1f us, the "
                  "mean of both): %.2f" % (job, equal_disk(a, b),
                                           equal_disk_ratio(a, b)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
