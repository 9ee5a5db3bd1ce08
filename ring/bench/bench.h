/*
 * bench.h - what the ring benchmark's parts share: the request format,
 * the back end's waiting modes and the control requests that switch them,
 * the figures measured, and small helpers.
 *
 * Both transports (ring_run.c: a blkif ring and an event channel;
 * pipe_run.c: two pipes) run the same measurements in the same way, so
 * that their figures can be divided.
 */
#ifndef XPV_RING_BENCH_BENCH_H
#define XPV_RING_BENCH_BENCH_H

#include <stdbool.h>
#include <stdint.h>

#include "ring/blkif.h"

typedef struct xpv_blkif_request req_t;
typedef struct xpv_blkif_response rsp_t;

/*
 * How an end waits when it has nothing to do: asleep (in poll() on the
 * event channel or a blocking read), busy-polling, or busy-polling for
 * POLL_US and then asleep. The front end switches the back end with a
 * request whose operation is the mode; blkif leaves 0xf0.. unused.
 */
enum wait_mode {
	WAIT_SLEEP = 0xf0,
	WAIT_SPIN = 0xf1,
	WAIT_POLL = 0xf2,
};
#define OP_QUIT 0xf3 /* the back end answers, then exits */
#define POLL_US 50

#define BATCH 32
#define MAX_INFLIGHT 512 /* a blkif ring of 16 pages */
#define WAIT_MS 10000 /* a peer silent this long is dead or broken */
#define RUNS 3 /* each figure is the median of this many runs */
/* A run stops after this long even if short of its count, so that a
 * loaded machine gives fewer samples rather than a stalled benchmark. */
#define RUN_SECONDS 1.0

struct counts {
	uint64_t batched; /* requests per batched run */
	uint64_t rtt_sleep, rtt_spin; /* round trips per run */
};

struct figures {
	double batched_sleep, batched_poll; /* req+rsp pairs per second */
	double rtt_sleep, rtt_spin; /* microseconds per round trip */
};

/*
 * ring_run.c: measure a ring of 2^order pages, raw or via hv, against a
 * back end reached on sock (setup messages, see chan.h), or, sock < 0, one
 * started here in a child process. Closes sock.
 */
struct figures run_ring(bool raw, unsigned int order, int sock,
			const struct counts *n);
/* Serve as the back end of a front end reached on sock until it says
 * quit (the front end chooses the ring's size); 0 or -errno. */
int ring_back_end(bool raw, int sock);
/* pipe_run.c: the same over two pipes, up to inflight requests
 * outstanding (the ring's slot count, at most MAX_INFLIGHT). */
struct figures run_pipe(const struct counts *n, unsigned int inflight);

/* Where the two ends run: front on CPU 0 and back on CPU 1 (the default;
 * a wake-up then crosses CPUs), both on CPU 0, or wherever the scheduler
 * puts them. Pinning needs two allowed CPUs; pin_* say whether it did. */
enum pin_mode { PIN_APART, PIN_SAME, PIN_NONE };

/* guest.c: run with the front end in a guest domain, the back end here. */
int guest_run(unsigned int order, bool quick, enum pin_mode pin);

/* helpers.c */
void pin_init(enum pin_mode mode);
bool pin_front(void);
bool pin_back(void);
const char *pin_name(enum pin_mode mode);
double now(void);
void cpu_relax(void);
void die(const char *what, int err) __attribute__((noreturn));

pid_t spawn_back(int (*run)(void *), void *arg);
void reap(pid_t pid, const char *what);
double median(double *v);
void fill_request(req_t *req, uint64_t id, uint8_t op);
void answer(const req_t *req, rsp_t *rsp);
/* In mode, an end that found nothing to do: true after one turn of busy
 * polling (look again), false when it should go to sleep. *idle_since is
 * when it became idle, 0 while busy. */
bool keep_polling(int mode, double *idle_since);
/* Whether a request is a control request; if so its mode in *mode. */
bool control(const req_t *req, int *mode);

#endif /* XPV_RING_BENCH_BENCH_H */
