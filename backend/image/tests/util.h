/*
 * backend/image/tests/util.h - what the image tests share: a scratch
 * directory, qemu-img as the independent judge, a model of the guest
 * disk, patterns that say who wrote each byte, a seeded random source.
 */
#ifndef XPV_BACKEND_IMAGE_TESTS_UTIL_H
#define XPV_BACKEND_IMAGE_TESTS_UTIL_H

#include "backend/image/image.h"

#include <stdbool.h>
#include <stdint.h>

/* A fresh directory, removed at exit; exits 77 when qemu-img is missing
 * and need_qemu_img. Returns its path. */
const char *tu_setup(bool need_qemu_img);

/* Run a shell command (printf format), its output into the test log.
 * Returns its exit status, or -1 if it did not exit. */
int tu_run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Same, capturing up to len-1 bytes of stdout into out. */
int tu_capture(char *out, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* `qemu-img check` exit status: 0 clean, 3 leaks only, 2 corruption. */
int tu_qemu_check(const char *path);

/* The guest disk as the tests believe it is. */
struct tu_model {
	uint8_t *buf;
	uint64_t size;
};

void tu_model_init(struct tu_model *m, uint64_t size);
void tu_model_free(struct tu_model *m);
/* Load a raw file's bytes into the model (up to its size). */
int tu_model_load(struct tu_model *m, const char *raw_path);

/* qemu-img convert to raw, then compare with the model; prints the first
 * difference. */
bool tu_qemu_matches(const char *path, const char *fmt,
		     const struct tu_model *m);
/* Read the whole disk through our layer and compare. */
bool tu_img_matches(struct img *img, const struct tu_model *m);
/* The same in multiples of `align` from an aligned buffer (O_DIRECT). */
bool tu_img_matches_aligned(struct img *img, const struct tu_model *m,
			    unsigned align);

/* Bytes that name their writer: each 8-byte word holds the tag and its
 * own guest offset, so a misplaced or stale byte shows. */
void tu_pattern(uint8_t *buf, uint64_t off, uint64_t len, uint32_t tag);

/* xorshift64*, seeded from $SEED or the given default (printed). */
uint64_t tu_seed(uint64_t dflt);
uint64_t tu_rand(void);
uint64_t tu_rand_below(uint64_t n);

/* Open with the layer, or fail the test with why. */
struct img *tu_open(const char *path, enum img_format fmt, unsigned flags,
		    unsigned l2_cache);

/* Write [off, off+len) with pattern `tag` through the layer and into the
 * model. */
bool tu_write(struct img *img, struct tu_model *m, uint64_t off, uint64_t len,
	      uint32_t tag);

/* Blocks the file occupies (st_blocks * 512). */
uint64_t tu_allocated(const char *path);

#endif
