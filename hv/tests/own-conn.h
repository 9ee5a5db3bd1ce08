/*
 * own-conn.h - for sim test guests that speak xpv-hv's wire protocol
 * themselves (hv/sim/proto.h), past what hv.c would check: a fresh
 * connection of the guest's own domain.
 */
#ifndef XPV_HV_TESTS_OWN_CONN_H
#define XPV_HV_TESTS_OWN_CONN_H

/*
 * SIM_OP_CLONE on the domain's first connection ($XPV_HV_FD), whose reply
 * carries the new one. Returns its fd (the caller closes it) or -errno:
 * xpv-hv's refusal, or -EPROTO for a reply without an fd.
 */
int hv_test_own_conn(void);

#endif /* XPV_HV_TESTS_OWN_CONN_H */
