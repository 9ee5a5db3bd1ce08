#!/usr/bin/env python3
"""reduce.py SEED OPS [--domu]: shrink a seeded disagreement to a small case.

Replays the first OPS requests of SEED against two references to get the
stream in script form (tests/xenstore/script.h), then removes requests as
long as our daemon and the reference still disagree somewhere (delta
debugging over everything but TRANSACTION_START, whose order names the
transactions). Prints the reduced script; write it under
tests/xenstore/cases[-domu]/ with a comment saying what it shows.

A developer's tool, not a test: each attempt starts two daemons, so it takes
a minute or two.
"""
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
DIFF = os.path.join(HERE, "differential.sh")
# What script.c can name (a number would do too, but unknown types only
# ever get errors, of no use in a reduced case).
NAMES = {"CONTROL", "DIRECTORY", "READ", "GET_PERMS", "WATCH", "UNWATCH",
         "TRANSACTION_START", "TRANSACTION_END", "INTRODUCE", "RELEASE",
         "GET_DOMAIN_PATH", "WRITE", "MKDIR", "RM", "SET_PERMS",
         "IS_DOMAIN_INTRODUCED", "RESUME", "SET_TARGET", "RESET_WATCHES",
         "DIRECTORY_PART"}
LINE = re.compile(r"^#\d+ conn (\d): (type=\d+|[A-Z_]+)"
                  r"(?: tx=(<T\d+>|0x[0-9a-f]+))?(?: header-len=\d+)? \"")


def unescape(s):
    """The C literal body (after the opening quote) as bytes."""
    out, i = bytearray(), 0
    while s[i] != '"':
        c = s[i]
        if c != "\\":
            out += c.encode("latin-1")
            i += 1
            continue
        n = s[i + 1]
        if n == "0":
            out.append(0)
            i += 2
        elif n == "x":
            out.append(int(s[i + 2:i + 4], 16))
            i += 4
        else:
            out += n.encode("latin-1")
            i += 2
    return bytes(out)


def arg(b):
    if not b:
        return "-"
    text = ""
    for x in b:
        ch = chr(x)
        if ch == " ":
            text += "\\s"
        elif ch == "\\":
            text += "\\\\"
        elif 0x20 < x < 0x7f and ch != "-":
            text += ch
        else:
            text += "\\x%02x" % x
    return text


def to_script(trace):
    """Script lines for the requests of a --full trace that a script can
    express (not header lies, not payloads missing their NUL), with the
    !expect= of those the reference is spared."""
    lines = []
    for raw in trace.splitlines():
        m = LINE.match(raw)
        if not m or "header-len=" in raw:
            continue
        conn, typ, tx = m.groups()
        payload = unescape(raw[m.end():])
        typ = typ[5:] if typ.startswith("type=") else typ
        if typ == "WRITE":
            args = payload.split(b"\0")
        elif not payload:
            args = []
        elif payload.endswith(b"\0"):
            args = payload[:-1].split(b"\0")
        else:
            continue
        if typ not in NAMES:
            continue
        at = ""
        if tx:
            at = "@T" + tx[2:-1] if tx.startswith("<T") else "@" + tx
        expect = re.search(r'" !expect=([A-Z0-9]+)$', raw)
        tail = [expect.group(0)[2:]] if expect else []
        lines.append(" ".join([conn, typ + at] + [arg(a) for a in args] +
                              tail))
    return lines


def run(lines, domu, ref_only=False):
    with tempfile.NamedTemporaryFile("w", suffix=".xs", delete=False) as f:
        f.write("\n".join(lines) + "\n")
    env = dict(os.environ, XS_DOMU="1" if domu else "0")
    if ref_only:
        env["XS_A"] = "ref"
    r = subprocess.run([DIFF, f.name], env=env, capture_output=True,
                       text=True)
    os.unlink(f.name)
    return r.returncode


def reduce(lines, domu):
    """ddmin: drop chunks of requests while the disagreement stays."""
    fixed = [l.split()[1].startswith("TRANSACTION_START") for l in lines]
    n = 2
    while True:
        idx = [i for i in range(len(lines)) if not fixed[i]]
        if len(idx) < 2 or n > len(idx):
            return lines
        size = (len(idx) + n - 1) // n
        for k in range(0, len(idx), size):
            drop = set(idx[k:k + size])
            cand = [l for i, l in enumerate(lines) if i not in drop]
            if run(cand, domu) == 1:
                lines = cand
                fixed = [l.split()[1].startswith("TRANSACTION_START")
                         for l in lines]
                n = max(n - 1, 2)
                print("reduce: %d requests" % len(lines), file=sys.stderr)
                break
        else:
            if size == 1:
                return lines
            n = min(n * 2, len(idx))


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    seed, ops = sys.argv[1], int(sys.argv[2])
    domu = "--domu" in sys.argv[3:]
    with tempfile.NamedTemporaryFile("r", suffix=".trace") as t:
        env = dict(os.environ, XS_A="ref", XS_DOMU="1" if domu else "0",
                   XS_DIFF_ARGS="--full --trace " + t.name)
        subprocess.run([DIFF, seed, str(ops)], env=env,
                       capture_output=True)
        lines = to_script(t.read())
    if run(lines, domu) != 1:
        sys.exit("reduce: the script of seed %s does not disagree "
                 "(a request it cannot express mattered?)" % seed)
    lines = reduce(lines, domu)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
