// SPDX-License-Identifier: GPL-2.0
/* Small helpers: whole-file reads and string decoding. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"

int read_file_at(int dirfd, const char *name, char **out, size_t *len)
{
	size_t cap = 4096, used = 0;
	char *buf, *bigger;
	int fd, err = 0;
	ssize_t n;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = malloc(cap);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		if (used + 1 >= cap) {
			bigger = realloc(buf, cap * 2);
			if (!bigger) {
				err = -ENOMEM;
				break;
			}
			buf = bigger;
			cap *= 2;
		}
		n = read(fd, buf + used, cap - used - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	close(fd);
	if (err < 0) {
		free(buf);
		return err;
	}
	buf[used] = '\0';
	*out = buf;
	if (len)
		*len = used;
	return 0;
}

int read_file(const char *path, char **out, size_t *len)
{
	return read_file_at(AT_FDCWD, path, out, len);
}

int make_dirs(const char *path, unsigned int mode)
{
	char buf[4096];
	size_t len = strlen(path);
	char *slash;
	struct stat st;

	if (len == 0)
		return -ENOENT;
	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	/* Each parent in turn, then the path itself: the step at the end of the loop. */
	for (slash = strchr(buf + 1, '/');; slash = strchr(slash + 1, '/')) {
		if (slash)
			*slash = '\0';
		if (buf[0] && mkdir(buf, (mode_t)mode) < 0 && errno != EEXIST)
			return -errno;
		if (!slash)
			break;
		*slash = '/';
	}
	if (stat(path, &st) < 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

uint64_t hash64(uint64_t h, const void *p, size_t len)
{
	const char *b = p;
	uint64_t w;
	size_t i;

	h ^= len;
	for (i = 0; i + sizeof(w) <= len; i += sizeof(w)) {
		memcpy(&w, b + i, sizeof(w));
		h = (h ^ w) * 0x9e3779b97f4a7c15ull;
		h ^= h >> 32;
	}
	w = 0;
	if (i < len)
		memcpy(&w, b + i, len - i);
	h = (h ^ w) * 0x9e3779b97f4a7c15ull;
	return h ^ (h >> 32);
}

/*
 * Reading /dev/zero into the block has the kernel fault every page in
 * (read_zero() clears it through clear_user()); the writes after it, one
 * per page, do the same for the process. Both, because on the development
 * VM (a paravirtualized guest) the first access to a page is slow once for
 * the process and once more for the kernel, fault or no fault: a 5 MB
 * response only written by the process cost ~20 ms more in the send()
 * that copies it (_copy_from_iter()), and only read into, as much more in
 * the rendering that fills it. On other machines the read costs ~1 ms.
 */
void *alloc_resident(size_t n)
{
	volatile char *p = malloc(n);	/* volatile: writes the compiler keeps */
	long page = sysconf(_SC_PAGESIZE);
	size_t i, step = page > 0 ? (size_t)page : 4096;
	int fd;

	if (!p)
		return NULL;
	fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	for (i = 0; fd >= 0 && i < n;) {
		ssize_t r = read(fd, (char *)p + i, n - i);

		if (r <= 0)
			break;
		i += (size_t)r;
	}
	if (fd >= 0)
		close(fd);
	for (i = 0; i < n; i += step)
		p[i] = 0;
	if (n)
		p[n - 1] = 0;
	return (void *)p;
}

uint64_t dec_u64(const char *s, char **end)
{
	const char *p = s;
	uint64_t v = 0;
	int i;

	/* isspace() in the C locale, as strtoull() skips them */
	while (*p == ' ' || (*p >= '\t' && *p <= '\r'))
		p++;
	if (*p < '0' || *p > '9')
		return strtoull(s, end, 10);	/* a sign, or no number: its rules */
	/* 19 digits never overflow 64 bits (10^19 - 1 < 2^64) */
	for (i = 0; i < 19 && *p >= '0' && *p <= '9'; i++, p++)
		v = v * 10 + (uint64_t)(*p - '0');
	if (*p >= '0' && *p <= '9')
		return strtoull(s, end, 10);	/* 20 digits or more: may overflow */
	if (end)
		*end = (char *)p;
	return v;
}
