/*
 * util.c - helpers the image tests share (contract in util.h).
 */
#include "backend/image/tests/util.h"

#include "tests/lib/check.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char scratch[64];
static pid_t scratch_owner;

static void remove_scratch(void)
{
	if (scratch[0] && getpid() == scratch_owner)
		tu_run("rm -rf '%s'", scratch);
}

const char *tu_setup(bool need_qemu_img)
{
	const char *tmp = getenv("TMPDIR");

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (need_qemu_img && tu_run("qemu-img --version >/dev/null 2>&1")) {
		printf("SKIP: qemu-img not installed (make deps)\n");
		exit(77);
	}
	snprintf(scratch, sizeof(scratch), "%s/xpv-image-XXXXXX",
		 tmp && strlen(tmp) < 40 ? tmp : "/tmp");
	if (!mkdtemp(scratch))
		check_fatal("mkdtemp", errno);
	scratch_owner = getpid();
	atexit(remove_scratch);
	return scratch;
}

static int wait_status(int st)
{
	return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int tu_run(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	fflush(stdout);
	return wait_status(system(cmd));
}

int tu_capture(char *out, size_t len, const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	size_t n = 0, r;
	FILE *p;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	fflush(stdout);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (n + 1 < len && (r = fread(out + n, 1, len - 1 - n, p)) > 0)
		n += r;
	out[n] = '\0';
	return wait_status(pclose(p));
}

int tu_qemu_check(const char *path)
{
	return tu_run("qemu-img check -f qcow2 '%s'", path);
}

void tu_model_init(struct tu_model *m, uint64_t size)
{
	m->size = size;
	m->buf = calloc(1, size);
	if (!m->buf)
		check_fatal("model", ENOMEM);
}

void tu_model_free(struct tu_model *m)
{
	free(m->buf);
	m->buf = NULL;
}

static int read_file(const char *path, uint8_t *buf, uint64_t len,
		     uint64_t *got)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	*got = 0;
	if (fd < 0)
		return -errno;
	while (*got < len && (r = read(fd, buf + *got, len - *got)) > 0)
		*got += r;
	close(fd);
	return 0;
}

int tu_model_load(struct tu_model *m, const char *raw_path)
{
	uint64_t got;

	return read_file(raw_path, m->buf, m->size, &got);
}

static bool compare(const char *what, const uint8_t *got, uint64_t got_len,
		    const struct tu_model *m)
{
	uint64_t i;

	if (got_len != m->size) {
		printf("%s: %llu bytes, model has %llu\n", what,
		       (unsigned long long)got_len,
		       (unsigned long long)m->size);
		return false;
	}
	if (!memcmp(got, m->buf, m->size))
		return true;
	for (i = 0; got[i] == m->buf[i]; i++)
		;
	printf("%s: first difference at byte %llu (got 0x%02x, want 0x%02x)\n",
	       what, (unsigned long long)i, got[i], m->buf[i]);
	return false;
}

bool tu_qemu_matches(const char *path, const char *fmt,
		     const struct tu_model *m)
{
	char out[256];
	uint8_t *buf = malloc(m->size + 1);
	uint64_t got = 0;
	bool ok = false;

	snprintf(out, sizeof(out), "%s.converted.raw", path);
	if (buf &&
	    !tu_run("qemu-img convert -f %s -O raw '%s' '%s'", fmt, path,
		    out) &&
	    !read_file(out, buf, m->size + 1, &got))
		ok = compare("qemu-img convert", buf, got, m);
	unlink(out);
	free(buf);
	return ok;
}

bool tu_img_matches_aligned(struct img *img, const struct tu_model *m,
			    unsigned align)
{
	uint8_t *buf = NULL;
	uint64_t off, len;
	bool ok = !posix_memalign((void **)&buf, 4096, m->size ? m->size : 1);
	int err;

	/* In pieces of varying size, so requests cross clusters. */
	for (off = 0; ok && off < m->size; off += len) {
		len = (1 + tu_rand_below((3 << 20) / align)) * align;
		if (len > m->size - off)
			len = m->size - off;
		err = img_pread(img, buf + off, off, len);
		if (err) {
			printf("img_pread(%llu, %llu): %s\n",
			       (unsigned long long)off, (unsigned long long)len,
			       strerror(-err));
			ok = false;
		}
	}
	ok = ok && compare("img_pread", buf, m->size, m);
	free(buf);
	return ok;
}

bool tu_img_matches(struct img *img, const struct tu_model *m)
{
	return tu_img_matches_aligned(img, m, 1);
}

void tu_pattern(uint8_t *buf, uint64_t off, uint64_t len, uint32_t tag)
{
	uint64_t i;

	for (i = 0; i < len; i++) {
		uint64_t at = off + i;
		uint64_t word = ((uint64_t)tag << 40) ^ (at & ~7ull);

		buf[i] = (uint8_t)(word >> ((at & 7) * 8)) ^ 0x5a;
	}
}

static uint64_t rng_state;

uint64_t tu_seed(uint64_t dflt)
{
	const char *s = getenv("SEED");

	rng_state = s ? strtoull(s, NULL, 0) : dflt;
	if (!rng_state)
		rng_state = 1;
	printf("seed %llu (set SEED= to repeat)\n",
	       (unsigned long long)rng_state);
	return rng_state;
}

uint64_t tu_rand(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

uint64_t tu_rand_below(uint64_t n)
{
	return n ? tu_rand() % n : 0;
}

struct img *tu_open(const char *path, enum img_format fmt, unsigned flags,
		    unsigned l2_cache)
{
	struct img_open_args args = {
		.format = fmt,
		.flags = flags,
		.l2_cache = l2_cache,
		.rb_cache = l2_cache,
	};
	char why[512];
	struct img *img = img_open(path, &args, why, sizeof(why));

	if (!img)
		printf("img_open %s: %s (%s)\n", path, strerror(errno), why);
	return img;
}

bool tu_write(struct img *img, struct tu_model *m, uint64_t off, uint64_t len,
	      uint32_t tag)
{
	uint8_t *buf = malloc(len);
	int err;

	if (!buf)
		check_fatal("tu_write", ENOMEM);
	tu_pattern(buf, off, len, tag);
	err = img_pwrite(img, buf, off, len);
	if (!err)
		memcpy(m->buf + off, buf, len);
	else
		printf("img_pwrite(%llu, %llu): %s\n", (unsigned long long)off,
		       (unsigned long long)len, strerror(-err));
	free(buf);
	return !err;
}

uint64_t tu_allocated(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0 : (uint64_t)st.st_blocks * 512;
}
