// SPDX-License-Identifier: GPL-2.0
/* The service manager's file descriptor store, shared by every part of the agent. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>

#include "common/fdstore.h"

static struct passed {
	int fd;
	char *name;
} *passed;
static int n_passed, collected;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

void fdstore_collect(void)
{
	char **names = NULL;
	int n, i;

	pthread_mutex_lock(&lock);
	if (collected++) {
		pthread_mutex_unlock(&lock);
		return;
	}
	n = sd_listen_fds_with_names(1, &names);
	if (n > 0)
		passed = calloc((size_t)n, sizeof(*passed));
	for (i = 0; i < n; i++) {
		int fd = SD_LISTEN_FDS_START + i;

		if (!passed) {
			close(fd);
			continue;
		}
		passed[n_passed].fd = fd;
		passed[n_passed].name = names && names[i] ? names[i] : NULL;
		if (names)
			names[i] = NULL;
		n_passed++;
	}
	for (i = 0; names && names[i]; i++)
		free(names[i]);
	free(names);
	pthread_mutex_unlock(&lock);
}

/* Hand out entry i (called with the lock held). */
static int take_entry(int i, char *name, size_t size)
{
	int fd = passed[i].fd;

	if (name)
		snprintf(name, size, "%s", passed[i].name);
	free(passed[i].name);
	passed[i] = passed[--n_passed];
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int fdstore_take(const char *name)
{
	int i, fd = -1;

	fdstore_collect();
	pthread_mutex_lock(&lock);
	for (i = 0; i < n_passed; i++) {
		if (passed[i].name && !strcmp(passed[i].name, name)) {
			fd = take_entry(i, NULL, 0);
			break;
		}
	}
	pthread_mutex_unlock(&lock);
	return fd;
}

int fdstore_take_prefix(const char *prefix, char *name, size_t size)
{
	size_t len = strlen(prefix);
	int i, fd = -1;

	fdstore_collect();
	pthread_mutex_lock(&lock);
	for (i = 0; i < n_passed; i++) {
		if (passed[i].name && !strncmp(passed[i].name, prefix, len)) {
			fd = take_entry(i, name, size);
			break;
		}
	}
	pthread_mutex_unlock(&lock);
	return fd;
}

void fdstore_close_rest(void)
{
	int i;

	pthread_mutex_lock(&lock);
	for (i = 0; i < n_passed; i++) {
		close(passed[i].fd);
		free(passed[i].name);
	}
	n_passed = 0;
	free(passed);
	passed = NULL;
	pthread_mutex_unlock(&lock);
}

int fdstore_available(void)
{
	return getenv("NOTIFY_SOCKET") != NULL;
}

int fdstore_put(int fd, const char *name)
{
	char msg[300];
	int fds[1] = { fd }, r;

	if (!fdstore_available())
		return 0;
	/* systemd watches stored fds and drops one on POLLHUP/POLLERR: a seccomp
	 * listener whose container exited, a connection its peer closed */
	snprintf(msg, sizeof(msg), "FDSTORE=1\nFDNAME=%s", name);
	r = sd_pid_notify_with_fds(0, 0, msg, fds, 1);
	return r > 0 ? 1 : r < 0 ? r : -EIO;
}

void fdstore_remove(const char *name)
{
	char msg[300];

	if (!fdstore_available())
		return;
	snprintf(msg, sizeof(msg), "FDSTOREREMOVE=1\nFDNAME=%s", name);
	sd_notify(0, msg);
}
