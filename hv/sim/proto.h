/*
 * proto.h - the private request/reply protocol between the hv library
 * (client*.c) and xpv-hv (daemon*.c) over a SOCK_SEQPACKET unix socket.
 *
 * One datagram per request, one per reply, in order. A request is struct
 * sim_req followed by an op-specific tail; a reply is struct sim_rep
 * followed by a tail, with file descriptors passed by SCM_RIGHTS. Who may
 * send what is decided by the connection, never by a field of the message:
 * a dom0 connection came through hv.sock, a domain's connection was handed
 * to it at exec, and clones inherit the domain of the connection they were
 * requested on. Only dom0's hv.sock connections pass files to xpv-hv: the
 * daemon's end of every other refuses them (daemon_conn.c says why).
 */
#ifndef XPV_HV_SIM_PROTO_H
#define XPV_HV_SIM_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "hv/hv.h"

/* Largest datagram either way: a domain list or an exec's argv. */
#define SIM_MSG_MAX (64u * 1024u)
/* Most fds passed with one message. */
#define SIM_MSG_FDS 4

enum sim_op {
	/* -> u32 domid, privileged; fds memory, gnttab, status(ro)
	 *    [, domtable(ro) for dom0]; v[2] nr_pages */
	SIM_OP_HELLO = 1,
	/* -> fd: the client's end of a new connection of the same domain,
	 * a socket pair xpv-hv made. The only op a domain's first connection
	 * (XPV_HV_FD) accepts: processes sharing it may take each other's
	 * replies, but any reply is as good as another. */
	SIM_OP_CLONE,
	SIM_OP_MEM_ALLOC, /* a: npages -> v[0]: first frame */
	SIM_OP_MEM_FREE, /* a: first frame, b: npages */
	/* domid -> v[0] gen, v[1] nr_pages; fds memory, gnttab, active */
	SIM_OP_DOM_FDS,
	/* The event channel ops answer with fds of the port's doorbell and
	 * binding (shared_evtchn.c): "own" its receiving end, "peer" the
	 * peer port's sending end, "page" the binding's page, whose pending
	 * word v[2] is the port's. */
	SIM_OP_EVTCHN_ALLOC, /* domid: remote -> v[0] port, v[1] gen; fd own */
	/* domid: remote, a: remote port -> v[0] port, v[1] gen, v[2] word;
	 * fds own, peer, page */
	SIM_OP_EVTCHN_BIND,
	SIM_OP_EVTCHN_VIRQ, /* a: virq -> v[0] port, v[1] gen; fd own */
	/* a: port -> v[0] port, v[1] gen, v[2] word; fds own[, peer, page] */
	SIM_OP_EVTCHN_ADOPT,
	SIM_OP_EVTCHN_UNBIND, /* a: port */
	/* a: port -> v[0] state, v[1] gen, v[2] word; fds peer, page when
	 * interdomain */
	SIM_OP_EVTCHN_PEER,
	SIM_OP_DOM_CREATE, /* domid, a: memory_kb, b: vcpus -> v[0] domid */
	/* domid; tail struct sim_exec then its strings; fds: the stdio
	 * entries that are passed */
	SIM_OP_DOM_EXEC,
	SIM_OP_DOM_DESTROY, /* domid */
	SIM_OP_DOM_PAUSE, /* domid */
	SIM_OP_DOM_UNPAUSE, /* domid */
	SIM_OP_DOM_SHUTDOWN, /* domid (HV_DOMID_SELF allowed), a: reason */
	SIM_OP_DOM_SET_MAXMEM, /* domid, a: max_kb */
	SIM_OP_DOM_SET_VCPUS, /* domid, a: vcpus */
	SIM_OP_DOM_LIST, /* a: max -> v[0] n; tail struct hv_dominfo[n] */
	SIM_OP_DOM_INFO, /* domid -> tail struct hv_dominfo */
	SIM_OP_DOM_START_INFO, /* domid -> tail struct hv_start_info */
	/* a: count; tail struct sim_copy_seg[count] then the bytes of every
	 * local source; -> tail int16 status[count] then the bytes of every
	 * local destination (unprivileged grant copy, done by xpv-hv) */
	SIM_OP_GRANT_COPY,
	/* dom0 -> fd: this connection's pin log (shared.h), rw */
	SIM_OP_PINLOG,
	/* Devices made for a domain (daemon_handover.c): */
	/* domid, privileged; tail: the namespace's name -> fd */
	SIM_OP_DOM_NS_FD,
	/* domid, privileged; tail: tag; fd: to leave for the domain */
	SIM_OP_DOM_GIVE_FD,
	/* tail: tag -> fd: the oldest left for the caller's domain */
	SIM_OP_TAKE_FD,
	/* Credit scheduler and pinning (daemon_sched.c), privileged: */
	SIM_OP_DOM_SCHED_GET, /* domid -> v[0] weight, v[1] cap */
	SIM_OP_DOM_SCHED_SET, /* domid, a: weight, b: cap */
	SIM_OP_DOM_PIN, /* domid, a: cpumask */
	SIM_OP_MAX,
};

struct sim_req {
	uint32_t op;
	uint32_t domid;
	uint64_t a, b;
};

/*
 * SIM_OP_DOM_EXEC's tail (hv.h struct hv_exec): this header, then
 * NUL-terminated strings: path, root (when has_root), argc arguments, envc
 * environment entries, nro read-only directories. The fds that come with
 * it are stdin, stdout, stderr in that order, those whose bit (1 << i) is
 * set in stdio; the others are the guest's /dev/null.
 */
struct sim_exec {
	uint16_t argc, envc;
	uint8_t nro, has_root, stdio, flags; /* flags: SIM_EXEC_* */
};
#define SIM_EXEC_FUSE 0x01u /* hv_exec.fuse */
#define SIM_EXEC_FLAGS SIM_EXEC_FUSE
/* Most environment entries an exec may name. */
#define SIM_EXEC_MAX_ENV 1024u

struct sim_rep {
	int32_t err; /* 0 or -errno */
	uint32_t pad;
	uint64_t v[3];
};

/*
 * What one SIM_OP_GRANT_COPY may make xpv-hv do (daemon_copy.c says why):
 * at most SIM_COPY_MAX_SEGS segments, moving SIM_COPY_MAX_BYTES bytes in
 * all (the sum of their lengths, whichever sides are foreign); more is
 * -E2BIG. The library splits a larger batch into as many requests.
 */
#define SIM_COPY_MAX_SEGS 32u
#define SIM_COPY_MAX_BYTES (32u * 1024u)

/* One segment of SIM_OP_GRANT_COPY: a side with foreign=0 is the caller's
 * buffer, carried in the message. */
struct sim_copy_side {
	uint8_t foreign;
	uint8_t pad;
	uint16_t domid;
	uint32_t ref;
	uint16_t offset;
	uint16_t pad2;
};

struct sim_copy_seg {
	struct sim_copy_side src, dst;
	uint16_t len;
	uint16_t pad[3];
};

/* --- message transport (shared_msg.c) --- */

/* Send one datagram of hdr+tail with nfds fds (negative fds are skipped;
 * more than SIM_MSG_FDS others: -E2BIG, nothing sent). Never blocks when
 * nonblock; -errno on failure. */
int sim_msg_send(int sock, const void *hdr, size_t hdr_len, const void *tail,
		 size_t tail_len, const int *fds, int nfds, bool nonblock);
/*
 * Receive one datagram into buf (at most len bytes) and up to SIM_MSG_FDS
 * fds into fds[] (the rest -1; each received fd is the caller's, with
 * O_CLOEXEC). Returns the byte count, 0 at end of stream, or -errno;
 * -EMSGSIZE for a truncated datagram, -E2BIG for one that carried more
 * than SIM_MSG_FDS fds (its fds are closed either way).
 */
ssize_t sim_msg_recv(int sock, void *buf, size_t len, int *fds, bool nonblock);
/* Close every fd >= 0 of fds[0..n). */
void sim_close_fds(int *fds, int n);
/* Make sock refuse SCM_RIGHTS (SO_PASSRIGHTS off, Linux 6.16): a sender's
 * sendmsg with files then fails with EPERM. 0 or -errno (-ENOPROTOOPT on
 * an older kernel). */
int sim_msg_refuse_fds(int sock);

#endif /* XPV_HV_SIM_PROTO_H */
