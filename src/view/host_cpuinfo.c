// SPDX-License-Identifier: GPL-2.0
/*
 * The host's /proc/cpuinfo text, kept while it cannot have changed. It is
 * the costliest input of any view file: x86's show_cpuinfo() formats every
 * online CPU's flags and bugs word by word, ~10 us a read for two CPUs on
 * this VM, against ~3 us for /proc/meminfo.
 *
 * What in it moves: the "cpu MHz" line, from arch_freq_get_on_cpu()
 * (arch/x86/kernel/cpu/aperfmperf.c): APERF/MPERF samples on CPUs flagged
 * "aperfmperf", else cpufreq_quick_get() where a cpufreq policy covers the
 * CPU, else cpu_khz, set at boot. On a machine with neither (most VMs:
 * this one), the text changes only when CPUs come or go (c_start() walks
 * cpu_online_mask) or a late microcode load changes "microcode". There a
 * text is reused while it holds the block of every CPU the reader may see
 * (a CPU brought online is in no kept text: read afresh) and is younger
 * than HOST_CPUINFO_KEEP_NS; elsewhere it is read for every render.
 * render_cpuinfo_has_blocks() answers only on x86, so other architectures
 * read it every time, as before.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/fdcache.h"
#include "view/host_cpuinfo.h"
#include "view/render/render.h"

#define DEFAULT_CPUINFO "/proc/cpuinfo"
#define DEFAULT_CPUFREQ "/sys/devices/system/cpu/cpufreq"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char *kept;                 /* the last text read, if fixed; else NULL */
static size_t kept_len;
static uint64_t kept_at_ns;        /* when it was read */
static int cpufreq_seen;           /* cpufreq_present() as last checked, */
static uint64_t cpufreq_at_ns;     /*   at this time (0: never) */
static const char *cpuinfo_path = DEFAULT_CPUINFO;
static const char *cpufreq_path = DEFAULT_CPUFREQ;

/* Is `word` one of the blank-separated words of the text's first "flags" line? */
static int has_flag(const char *text, const char *word)
{
	const char *line = strstr(text, "\nflags");
	size_t n = strlen(word);
	const char *eol, *p;

	if (!line)
		return 0;
	eol = strchr(line + 1, '\n');
	for (p = strchr(line, ':'); p && (!eol || p < eol); p = strchr(p + 1, ' ')) {
		const char *w = p + 1;

		if (!strncmp(w, word, n) && (w[n] == ' ' || w[n] == '\n' || w[n] == '\0'))
			return 1;
	}
	return 0;
}

int host_cpuinfo_fixed(const char *text, int has_cpufreq)
{
	return text && !has_cpufreq && !has_flag(text, "aperfmperf");
}

int host_cpuinfo_reusable(int fixed, uint64_t age_ns, int has_blocks)
{
	return fixed && has_blocks && age_ns < HOST_CPUINFO_KEEP_NS;
}

/* Does a cpufreq policy exist (cpufreq_policy_online() makes policyN)? */
static int cpufreq_present(void)
{
	DIR *d = opendir(cpufreq_path);
	struct dirent *e;
	int found = 0;

	if (!d)
		return 0;	/* no cpufreq core at all */
	while (!found && (e = readdir(d)) != NULL)
		found = !strncmp(e->d_name, "policy", 6);
	closedir(d);
	return found;
}

/* cpufreq_present(), checked at most once a HOST_CPUINFO_KEEP_NS (a driver loaded shows after it); lock held */
static int cpufreq_recent(uint64_t now)
{
	if (!cpufreq_at_ns || now - cpufreq_at_ns >= HOST_CPUINFO_KEEP_NS) {
		cpufreq_seen = cpufreq_present();
		cpufreq_at_ns = now;
	}
	return cpufreq_seen;
}

/* fdcache_read_until()'s test: the blocks render_cpuinfo() shows are in (`arg`: the visible CPUs) */
static int enough(const char *text, size_t len, void *arg)
{
	return render_cpuinfo_has_blocks(text, len, arg);
}

/* Render from the kept text if it may be reused: 1 when done (err in *err). */
static int render_kept(const struct cpuset *visible, char **out, size_t *len, int *err)
{
	int done = 0;

	pthread_mutex_lock(&lock);
	/* only fixed texts are kept */
	if (kept && host_cpuinfo_reusable(1, monotonic_ns() - kept_at_ns,
					  render_cpuinfo_has_blocks(kept, kept_len, visible))) {
		*err = render_cpuinfo(kept, visible, out, len);
		done = 1;
	}
	pthread_mutex_unlock(&lock);
	return done;
}

int host_cpuinfo_render(const struct cpuset *visible, char **out, size_t *len)
{
	struct cpuset want = *visible;
	char *text = NULL;
	size_t text_len = 0;
	uint64_t now;
	int err, fixed, whole;

	if (render_kept(visible, out, len, &err))
		return err;
	pthread_mutex_lock(&lock);
	whole = kept != NULL;
	pthread_mutex_unlock(&lock);
	/* a text to keep is read whole: the next reader may see other CPUs */
	err = whole ? fdcache_read(cpuinfo_path, 0, &text, &text_len)
		    : fdcache_read_until(cpuinfo_path, enough, &want, &text, &text_len);
	if (err < 0)
		return err;
	err = render_cpuinfo(text, visible, out, len);
	now = monotonic_ns();
	pthread_mutex_lock(&lock);
	fixed = host_cpuinfo_fixed(text, cpufreq_recent(now));
	/* a text that is not fixed is not kept, and the one kept before goes */
	free(kept);
	kept = fixed ? text : NULL;
	kept_len = fixed ? text_len : 0;
	kept_at_ns = now;
	if (fixed)
		text = NULL;
	pthread_mutex_unlock(&lock);
	free(text);
	return err;
}

void host_cpuinfo_reset(const char *cpuinfo, const char *cpufreq_dir)
{
	pthread_mutex_lock(&lock);
	free(kept);
	kept = NULL;
	kept_len = 0;
	cpufreq_at_ns = 0;
	cpuinfo_path = cpuinfo ? cpuinfo : DEFAULT_CPUINFO;
	cpufreq_path = cpufreq_dir ? cpufreq_dir : DEFAULT_CPUFREQ;
	pthread_mutex_unlock(&lock);
}
