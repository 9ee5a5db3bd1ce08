/*
 * script.h - requests for the differential test written by hand: the
 * minimal reproductions of disagreements found by the random stream, kept
 * as regression cases in tests/xenstore/cases/.
 *
 * One request per line; '#' starts a comment line:
 *
 *   CONN TYPE[@TX] [ARG...]
 *
 * CONN is the connection: 0..2 dom0's, 3.. the domUs' when the harness
 * has them (diffgen.h DIFF_CONNS, DIFF_MAX_DOMUS). TYPE is a message type name
 * as xs_wire.h spells it without XS_ (READ, WRITE, TRANSACTION_START, ...)
 * or a number. @TX names the transaction: @T<n> is the n-th
 * TRANSACTION_START of the script, counting from 1, @<number> a literal
 * id. Each ARG is sent with its NUL, except the last one of a WRITE (the
 * value). In an ARG, \0, \s (space), \\ and \xHH stand for those bytes, and
 * a lone "-" for the empty string.
 *
 * A last word "!expect=ENAME" marks a request on which Debian's xenstored
 * has a known bug (diffgen.h ref_bug_expect): it is not sent to the
 * reference, and the other daemon must answer ERROR ENAME. Otherwise each
 * request's expectation is the other daemon's reply: a script asserts
 * nothing by itself (see differential.c --script).
 */
#ifndef XPV_TESTS_SCRIPT_H
#define XPV_TESTS_SCRIPT_H

#include <stdio.h>

#include "tests/xenstore/diffgen.h"

struct script;

/* Open the script at path; NULL and errno on failure. */
struct script *script_open(const char *path);
void script_close(struct script *s);

/*
 * The next request into op: 1, or 0 at the end of the script, or -EINVAL
 * on a malformed line (described on stderr with its line number).
 */
int script_next(struct script *s, struct diff_op *op);

#endif /* XPV_TESTS_SCRIPT_H */
