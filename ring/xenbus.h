/*
 * xenbus.h - the device handshake states of xen/io/xenbus.h.
 *
 * Each end of a split device publishes its state in its xenstore
 * directory ("state" key, the decimal value) and watches the other's.
 * The values are Xen's; the legal transitions are the drivers' business.
 */
#ifndef XPV_RING_XENBUS_H
#define XPV_RING_XENBUS_H

#include <errno.h>
#include <stddef.h>

enum xpv_xenbus_state {
	XPV_XENBUS_STATE_UNKNOWN = 0,
	XPV_XENBUS_STATE_INITIALISING = 1,
	/* early setup done; waiting for the peer or the hotplug script */
	XPV_XENBUS_STATE_INIT_WAIT = 2,
	/* set up; waiting for the peer to connect */
	XPV_XENBUS_STATE_INITIALISED = 3,
	XPV_XENBUS_STATE_CONNECTED = 4,
	/* closing on an error or an unplug */
	XPV_XENBUS_STATE_CLOSING = 5,
	XPV_XENBUS_STATE_CLOSED = 6,
	XPV_XENBUS_STATE_RECONFIGURING = 7,
	XPV_XENBUS_STATE_RECONFIGURED = 8,
};

/* The highest defined state, for range checks on values read from
 * xenstore. */
#define XPV_XENBUS_STATE_MAX XPV_XENBUS_STATE_RECONFIGURED

/* Xen's name of a state ("Connected"), or NULL for a value out of range. */
static inline const char *xpv_xenbus_state_name(unsigned int state)
{
	static const char *const names[] = {
		"Unknown",     "Initialising",	"InitWait",
		"Initialised", "Connected",	"Closing",
		"Closed",      "Reconfiguring", "Reconfigured",
	};

	if (state > XPV_XENBUS_STATE_MAX)
		return NULL;
	return names[state];
}

/*
 * A number as either end writes it into xenstore ("state", "ring-ref",
 * "event-channel"), parsed strictly, since the other end may be hostile:
 * decimal digits only, no sign, no blanks, no leading zero, at most max.
 * 0, -EINVAL (not such a decimal) or -ERANGE (above max).
 */
static inline int xpv_xenbus_parse_uint(const char *s, unsigned long max,
					unsigned long *value)
{
	unsigned long v = 0;

	if (!*s || (s[0] == '0' && s[1]))
		return -EINVAL;
	for (; *s; s++) {
		unsigned int digit = (unsigned int)(*s - '0');

		if (digit > 9)
			return -EINVAL;
		if (digit > max || v > (max - digit) / 10)
			return -ERANGE;
		v = v * 10 + digit;
	}
	*value = v;
	return 0;
}

#endif /* XPV_RING_XENBUS_H */
