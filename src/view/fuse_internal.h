/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the FUSE view: the agent's view_fuse, an open file, and the
 * handlers and helpers its files share (fuse.c, fuse_dir.c, fuse_read.c,
 * fuse_psi.c, fuse_deny.c). The rest of kava uses view/fuse.h.
 */
#ifndef KAVA_VIEW_FUSE_INTERNAL_H
#define KAVA_VIEW_FUSE_INTERNAL_H

#include <fuse_lowlevel.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/stat.h>

#include "view/budget.h"
#include "view/fuse.h"
#include "view/handles.h"

/* The kernel re-asks after this long: cpuN directories differ per reader. */
#define VIEW_TIMEOUT_S 1.0

struct view_fuse {
	struct view_source *src;
	struct fuse_session *se;
	pthread_t thread;
	int mounted;      /* this agent mounted it (and unmounts it unless handed on) */
	int handed_on;    /* systemd holds the connection for the next agent */
	struct handle_table handles;   /* open files and directories */
	/*
	 * Per inode: the longest text rendered so far (the size reported is
	 * view_size_bound() of it), and the size the kernel was last told or
	 * worked out itself from a short page-cache read (0: unknown).
	 */
	_Atomic uint64_t *longest, *told;
	uint64_t ninodes;
	/* PSI triggers: their kernel files in one epoll set, watched by psi_thread */
	pthread_mutex_t trig_lock;     /* trigger fields of every open file; releases */
	int epfd, stopfd;
	pthread_t psi_thread;
	int psi_running;
	uint32_t trig_serial;
	struct budgets *budgets;       /* per-container budgets (budget.h, fuse_gate.c) */
	char mountpoint[4096];
};

/* An open file: the text its reads are answered from (readrule.h). */
struct open_file {
	pthread_mutex_t lock;      /* reads of one open file may run on several threads */
	char *text;
	size_t len;
	int open_text_unread;      /* text is open()'s, not yet read from offset 0 */
	uint64_t rendered_ns;
	struct kava_owner owner;   /* the opener's container: its budget holds the text */
	size_t charged;            /* bytes charged to it (budget_charge()); 0: none */
	/* a pressure file: its PSI trigger, under view_fuse.trig_lock */
	int pressure;              /* proc/pressure/{cpu,memory,io} */
	int trig_fd;               /* the kernel file the trigger is registered on; -1: none */
	uint32_t trig_serial;      /* tells this trigger's epoll events from a reused handle's */
	int trig_fired, trig_error;
	struct fuse_pollhandle *ph;   /* the reader's latest poll, to notify */
};

struct view_source *vf_source(fuse_req_t req);
int vf_reader_owner(fuse_req_t req, struct kava_owner *owner);
int vf_reader_owner_slot(fuse_req_t req, struct kava_owner *owner, struct kava_slot *slot,
			 int *have_slot);
struct view_fuse *vf_of(fuse_req_t req);
void vf_note_length(fuse_req_t req, fuse_ino_t ino, size_t len);
int vf_is_pressure(enum view_file_id id);
const struct view_file *vf_file_of(fuse_ino_t ino);
int vf_attr_of(fuse_req_t req, const char *path, fuse_ino_t ino, struct stat *st);
void vf_reply_copy(fuse_req_t req, const char *data, size_t size);
void vf_lookup(fuse_req_t req, fuse_ino_t parent, const char *name);
void vf_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
struct handle_table *vf_handles(fuse_req_t req);
void vf_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void vf_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			 struct fuse_file_info *fi);
void vf_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
int vf_render_path(fuse_req_t req, const char *path, char **text, size_t *len);
void vf_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void vf_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		      struct fuse_file_info *fi);
void vf_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void vf_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
		       struct fuse_file_info *fi);
void vf_poll(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
		      struct fuse_pollhandle *ph);
void vf_deny_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
			 struct fuse_file_info *fi);
void vf_deny_entry(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode);
void vf_deny_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		       dev_t rdev);
void vf_deny_unlink(fuse_req_t req, fuse_ino_t parent, const char *name);
void vf_deny_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name);
void vf_deny_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
			const char *newname, unsigned int flags);
void vf_deny_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname);
void vf_deny_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
			struct fuse_file_info *fi);
/*
 * Budgets (fuse_gate.c): the handlers above that do work for a reader are
 * entered through vf_gated_*, which pass the reader's container's budget.
 * While a handler runs for an admitted request, vf_admitted is its owner.
 */
extern _Thread_local const struct kava_owner *vf_admitted;
/* ... and its slot as admission read it, when the request ran at once (not parked); or NULL */
extern _Thread_local const struct kava_slot *vf_admitted_slot;
/* ... whole (1), or only its cgroup_id and gen (0: a kept resolution, view/reader.h) */
extern _Thread_local int vf_admitted_slot_whole;
uint32_t vf_reader_budget(fuse_req_t req, struct kava_owner *owner);
void vf_gated_lookup(fuse_req_t req, fuse_ino_t parent, const char *name);
void vf_gated_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void vf_gated_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void vf_gated_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		      struct fuse_file_info *fi);
void vf_gated_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void vf_gated_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		   struct fuse_file_info *fi);
void vf_gated_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
		    struct fuse_file_info *fi);
int vf_budget_describe(void *arg, const struct kava_owner *owner, pid_t reader,
		       struct budget_desc *out);

int vf_psi_start(struct view_fuse *vf);
void vf_psi_stop(struct view_fuse *vf);

#endif /* KAVA_VIEW_FUSE_INTERNAL_H */
