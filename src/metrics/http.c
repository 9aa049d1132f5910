// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's Prometheus endpoint on libmicrohttpd. One internal thread
 * serves every connection: scrapes are rare and cheap, and a client that
 * stalls only holds up other scrapes, never the view (its FUSE threads and
 * the tmpfs loop are elsewhere). Connections are capped in number, time and
 * memory (a header larger than the limit gets 431 from libmicrohttpd).
 */
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/kbuf.h"
#include "common/util.h"
#include "metrics/collect.h"
#include "metrics/http.h"
#include "sched/registry.h"

#define MAX_CONNECTIONS 16
#define CONNECTION_TIMEOUT_S 10
#define CONNECTION_MEMORY 16384        /* request line and headers must fit */
/*
 * The endpoint's CPU budget: renders at least this far apart, and apart by
 * RENDER_SHARE times the last render's CPU time (at most about 1/RENDER_SHARE
 * of a CPU however often it is scraped); a scrape that comes sooner waits,
 * then gets fresh figures. Never longer than MAX_WAIT_NS.
 */
#define MIN_GAP_NS 100000000ull
#define RENDER_SHARE 10
#define MAX_WAIT_NS 1000000000ull
/*
 * Reading ahead (metrics_limits_ahead()): the limits of containers enabled
 * since, or of every one after the agent started, AHEAD_BATCH at a time
 * every AHEAD_BUSY_MS while some are left (1,000 containers in about 2 s,
 * spread), then a look every AHEAD_IDLE_MS: one read of kava_config's
 * epoch, and a walk of the table only when it moved (an enable or disable
 * since the last walk).
 */
#define AHEAD_BATCH 50u
#define AHEAD_BUSY_MS 100
#define AHEAD_IDLE_MS 500

/*
 * The text of the last response is rendered again into its buffer once
 * libmicrohttpd is done with it (take_back()): at 1,000 containers the text
 * is 5 MB, and writing it into new memory at each scrape faulted in ~1,300
 * pages, most of a warm render's CPU on a VM (a 8 MB memcpy into new pages
 * ~50 ms, into touched ones ~0.5 ms, on the development VM). Kept while it
 * is at most KEEP_SLACK times the text it last held (so a fleet that shrank
 * does not hold a large one for ever).
 */
#define KEEP_SLACK 4u

struct metrics_http;

/* A response's text on loan to libmicrohttpd, with what take_back() needs. */
struct lent {
	struct metrics_http *h;
	char *data;
	size_t cap, len;
};

struct metrics_http {
	struct MHD_Daemon *d;
	const struct view_source *src;
	int fd;
	char unix_path[108];
	double last_scrape_cpu_s;      /* only the daemon's thread touches it */
	uint64_t next_render_ns;       /* the budget: no render before (monotonic) */
	pthread_t ahead;
	int ahead_started;
	int stop;                      /* under lock: the read-ahead thread ends */
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_mutex_t keep_lock;     /* the kept buffer: taken back by libmicrohttpd's thread */
	struct kbuf kept;              /* data NULL: none */
};

/* libmicrohttpd is done with a response: its buffer is kept for the next render, or freed. */
static void take_back(void *cls)
{
	struct lent *l = cls;
	struct metrics_http *h = l->h;

	pthread_mutex_lock(&h->keep_lock);
	if (!h->kept.data && l->cap <= KEEP_SLACK * l->len + 65536) {
		h->kept.data = l->data;
		h->kept.cap = l->cap;
		l->data = NULL;
	}
	pthread_mutex_unlock(&h->keep_lock);
	free(l->data);
	free(l);
}

/* The kept buffer (or none) to render into. */
static struct kbuf take_kept(struct metrics_http *h)
{
	struct kbuf b;

	pthread_mutex_lock(&h->keep_lock);
	b = h->kept;
	memset(&h->kept, 0, sizeof(h->kept));
	pthread_mutex_unlock(&h->keep_lock);
	b.len = 0;
	b.failed = 0;
	return b;
}

/*
 * The memory of a scrape that has not happened yet: after a restart (or a
 * first start with containers enabled already) the first scrape at 1,000
 * containers rendered 5 MB into new pages and filled a new container array:
 * ~1,500 faults (~25 us each on the development VM) and a slow first send
 * of the new pages (alloc_resident()), 56-64 ms of agent CPU against 20 for
 * a cold scrape. Once the read-ahead has read every container, its thread
 * makes both resident: a response buffer sized for the enabled containers
 * (metrics_text_estimate()), left as the kept one, and the container array
 * (metrics_collect_prefault()). What a scrape that came first kept stays.
 */
static void prefault_scrape(struct metrics_http *h)
{
	long cpus = sysconf(_SC_NPROCESSORS_CONF);
	uint32_t n = 0;
	size_t want;
	char *p;

	metrics_collect_prefault();
	if (registry_count(h->src->st, &n) < 0 || !n)
		return;
	want = metrics_text_estimate(n, cpus > 0 ? (unsigned int)cpus : 1u);
	p = alloc_resident(want);
	if (!p)
		return;
	pthread_mutex_lock(&h->keep_lock);
	if (!h->kept.data) {
		h->kept.data = p;
		h->kept.cap = want;
		p = NULL;
	}
	pthread_mutex_unlock(&h->keep_lock);
	free(p);
}

/* The read-ahead thread: until metrics_http_stop(). */
static void *ahead_main(void *arg)
{
	struct metrics_http *h = arg;
	struct timespec until;
	unsigned int read;
	int more = 1, stop, prefaulted = 0;

	pthread_mutex_lock(&h->lock);
	stop = h->stop;
	pthread_mutex_unlock(&h->lock);
	while (!stop) {
		more = metrics_limits_ahead(h->src, AHEAD_BATCH, &read) > 0;
		if (!more && !prefaulted) {
			prefault_scrape(h);
			prefaulted = 1;
		}
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += (long)(more ? AHEAD_BUSY_MS : AHEAD_IDLE_MS) * 1000000L;
		until.tv_sec += until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		pthread_mutex_lock(&h->lock);
		while (!h->stop && pthread_cond_timedwait(&h->wake, &h->lock, &until) != ETIMEDOUT)
			;
		stop = h->stop;
		pthread_mutex_unlock(&h->lock);
	}
	return NULL;
}

/* The read-ahead thread's lock and clock, and the kept buffer's lock; 0 or a negative errno. */
static int ahead_init(struct metrics_http *h)
{
	pthread_condattr_t ca;
	int err;

	if (pthread_mutex_init(&h->keep_lock, NULL))
		return -ENOMEM;
	if (pthread_mutex_init(&h->lock, NULL)) {
		pthread_mutex_destroy(&h->keep_lock);
		return -ENOMEM;
	}
	err = pthread_condattr_init(&ca);
	if (!err)
		err = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	if (!err)
		err = pthread_cond_init(&h->wake, &ca);
	pthread_condattr_destroy(&ca);
	if (err) {
		pthread_mutex_destroy(&h->lock);
		pthread_mutex_destroy(&h->keep_lock);
		return -err;
	}
	return 0;
}

static const char index_page[] =
	"<html><head><title>kava</title></head><body><h1>kava</h1>"
	"<p><a href=\"/metrics\">metrics</a></p></body></html>\n";

int metrics_parse_listen(const char *spec, char *host, size_t host_size, char *port,
			 size_t port_size, int *is_unix)
{
	const char *colon;
	size_t n;

	*is_unix = !strncmp(spec, "unix:", 5);
	if (*is_unix) {
		if (!spec[5] || strlen(spec + 5) >= sizeof(((struct sockaddr_un *)0)->sun_path))
			return -EINVAL;
		snprintf(host, host_size, "%s", spec + 5);
		port[0] = '\0';
		return 0;
	}
	if (spec[0] == '[') {	/* [v6]:port */
		const char *close = strchr(spec, ']');

		if (!close || close[1] != ':')
			return -EINVAL;
		n = (size_t)(close - spec - 1);
		colon = close + 1;
		spec++;
	} else {
		colon = strrchr(spec, ':');
		if (!colon)
			return -EINVAL;
		n = (size_t)(colon - spec);
		if (memchr(spec, ':', n))
			return -EINVAL;	/* a bare v6 address needs brackets */
	}
	if (n >= host_size || !colon[1] || strlen(colon + 1) >= port_size ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1) || atoi(colon + 1) > 65535)
		return -EINVAL;
	memcpy(host, spec, n);
	host[n] = '\0';
	snprintf(port, port_size, "%s", colon + 1);
	return 0;
}

static int listen_unix(const char *path, char *why, size_t why_size)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;

	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path) >= (int)sizeof(sa.sun_path)) {
		snprintf(why, why_size, "unix socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	/* a socket left by an earlier agent goes; anything else stays and fails bind() */
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, 0600) < 0 ||
	    listen(fd, 64) < 0) {
		int err = -errno;

		snprintf(why, why_size, "cannot listen on unix:%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return err;
	}
	return fd;
}

static int listen_tcp(const char *host, const char *port, char *why, size_t why_size)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE };
	struct addrinfo *res = NULL, *ai;
	int fd = -1, err, one = 1;

	hints.ai_family = host[0] ? AF_UNSPEC : AF_INET6;	/* ":PORT": every v4 and v6 address */
	err = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
	if (err) {
		snprintf(why, why_size, "cannot resolve '%s': %s", host, gai_strerror(err));
		return -EINVAL;
	}
	err = -EADDRNOTAVAIL;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			err = -errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 64) == 0)
			break;
		err = -errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		snprintf(why, why_size, "cannot listen on %s:%s: %s", host[0] ? host : "*", port,
			 strerror(-err));
	return fd < 0 ? err : fd;
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int status, const char *type,
			     char *body, size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result ret;

	if (!r) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;	/* closes the connection */
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* 200 with the text in `b`, lent to libmicrohttpd and taken back after (take_back()). */
static enum MHD_Result lend_reply(struct metrics_http *h, struct MHD_Connection *conn,
				  struct kbuf *b)
{
	struct lent *l = malloc(sizeof(*l));
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (!l) {
		kbuf_free(b);
		return MHD_NO;	/* closes the connection */
	}
	*l = (struct lent){ .h = h, .data = b->data, .cap = b->cap, .len = b->len };
	r = MHD_create_response_from_buffer_with_free_callback_cls(b->len, b->data, take_back, l);
	if (!r) {
		take_back(l);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, METRICS_CT);
	ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);	/* the buffer is taken back when the connection is done with it */
	return ret;
}

static enum MHD_Result text_reply(struct MHD_Connection *conn, unsigned int status,
				  const char *msg)
{
	return reply(conn, status, "text/plain; charset=utf-8", (char *)msg, strlen(msg),
		     MHD_RESPMEM_PERSISTENT);
}

/*
 * This thread's CPU time to the nanosecond: CLOCK_THREAD_CPUTIME_ID reads
 * task_sched_runtime(), which adds the slice running now. getrusage()'s
 * RUSAGE_THREAD does not (sum_exec_runtime as of the last tick or switch),
 * so a scrape shorter than a tick read as 0.
 */
static double thread_cpu_s(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) < 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static enum MHD_Result serve_metrics(struct metrics_http *h, struct MHD_Connection *conn)
{
	struct kava_owner host = { .slot = KAVA_NO_SLOT };
	double t0 = thread_cpu_s();
	struct kbuf b;
	int err;

	uint64_t now = monotonic_ns(), gap;
	struct timespec ts;

	if (now < h->next_render_ns) {
		gap = h->next_render_ns - now;
		if (gap > MAX_WAIT_NS)
			gap = MAX_WAIT_NS;
		ts.tv_sec = (time_t)(gap / 1000000000ull);
		ts.tv_nsec = (long)(gap % 1000000000ull);
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
	b = take_kept(h);
	err = metrics_text_buf(h->src, &host, 0, h->last_scrape_cpu_s, &b);
	h->last_scrape_cpu_s = thread_cpu_s() - t0;
	gap = (uint64_t)(h->last_scrape_cpu_s * 1e9) * RENDER_SHARE;
	h->next_render_ns = monotonic_ns() + (gap > MIN_GAP_NS ? gap : MIN_GAP_NS);
	if (err < 0) {
		kbuf_free(&b);
		return text_reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot read kava's figures\n");
	}
	return lend_reply(h, conn, &b);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **con_cls)
{
	static int seen;
	int get = !strcmp(method, MHD_HTTP_METHOD_GET) || !strcmp(method, MHD_HTTP_METHOD_HEAD);

	(void)version;
	(void)upload_data;
	if (!*con_cls) {
		*con_cls = &seen;	/* headers are in: answer on the next call */
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0;	/* a body is read and dropped; answer once it is all in */
		return MHD_YES;
	}
	if (strcmp(url, "/metrics") && strcmp(url, "/"))
		return text_reply(conn, MHD_HTTP_NOT_FOUND, "not found: kava serves /metrics\n");
	if (!get)
		return text_reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n");
	if (!strcmp(url, "/"))
		return reply(conn, MHD_HTTP_OK, "text/html; charset=utf-8", (char *)index_page,
			     sizeof(index_page) - 1, MHD_RESPMEM_PERSISTENT);
	return serve_metrics(cls, conn);
}

int metrics_http_start(const char *spec, const struct view_source *src, struct metrics_http **out,
		       char *why, size_t why_size)
{
	char host[256], port[16];
	struct metrics_http *h;
	int is_unix, fd;

	if (metrics_parse_listen(spec, host, sizeof(host), port, sizeof(port), &is_unix) < 0) {
		snprintf(why, why_size, "--metrics takes ADDR:PORT, [ADDR]:PORT, :PORT or unix:PATH, "
			 "not '%s'", spec);
		return -EINVAL;
	}
	fd = is_unix ? listen_unix(host, why, why_size) : listen_tcp(host, port, why, why_size);
	if (fd < 0)
		return fd;
	h = calloc(1, sizeof(*h));
	if (!h) {
		close(fd);
		return -ENOMEM;
	}
	h->src = src;
	h->fd = fd;
	h->last_scrape_cpu_s = -1;
	if (ahead_init(h) < 0) {
		snprintf(why, why_size, "cannot set up the metrics read-ahead");
		close(fd);
		free(h);
		return -ENOMEM;
	}
	if (is_unix && snprintf(h->unix_path, sizeof(h->unix_path), "%s", host) < 0)
		h->unix_path[0] = '\0';
	h->d = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD, 0, NULL, NULL, handle, h,
				MHD_OPTION_LISTEN_SOCKET, fd,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned int)MAX_CONNECTIONS,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)CONNECTION_TIMEOUT_S,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY,
				MHD_OPTION_END);
	if (!h->d) {
		snprintf(why, why_size, "cannot start the metrics HTTP server on %s", spec);
		close(fd);
		if (is_unix)
			unlink(host);
		pthread_cond_destroy(&h->wake);
		pthread_mutex_destroy(&h->lock);
		pthread_mutex_destroy(&h->keep_lock);
		free(h);
		return -EIO;
	}
	/* without it, scrapes read what it would have: a note, not a failure */
	h->ahead_started = pthread_create(&h->ahead, NULL, ahead_main, h) == 0;
	if (!h->ahead_started)
		fprintf(stderr, "kava: run: note: no metrics read-ahead thread; the first scrape "
			"reads every container's limits\n");
	*out = h;
	return 0;
}

void metrics_http_stop(struct metrics_http *h)
{
	if (!h)
		return;
	if (h->ahead_started) {
		pthread_mutex_lock(&h->lock);
		h->stop = 1;
		pthread_cond_signal(&h->wake);
		pthread_mutex_unlock(&h->lock);
		pthread_join(h->ahead, NULL);
	}
	pthread_cond_destroy(&h->wake);
	pthread_mutex_destroy(&h->lock);
	MHD_stop_daemon(h->d);	/* joins its thread; the listen socket stays ours */
	pthread_mutex_destroy(&h->keep_lock);	/* every response was taken back */
	kbuf_free(&h->kept);
	close(h->fd);
	if (h->unix_path[0])
		unlink(h->unix_path);
	free(h);
}
