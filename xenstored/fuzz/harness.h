/*
 * harness.h - what the xenstored fuzz targets share: bring the daemon's
 * core up with a fresh store for one input, and take it all down again,
 * so that each input runs alone and a crash replays from it.
 */
#ifndef XPV_XENSTORED_FUZZ_HARNESS_H
#define XPV_XENSTORED_FUZZ_HARNESS_H

/* A fresh store (Xen's initial nodes), no connections. 0 or -errno. */
int fuzz_core_setup(void);
/* Destroy every connection and domain, and the store. */
void fuzz_core_teardown(void);

#endif /* XPV_XENSTORED_FUZZ_HARNESS_H */
