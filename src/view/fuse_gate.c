// SPDX-License-Identifier: GPL-2.0
/*
 * The FUSE view's per-container budgets at the door: every request that
 * makes the agent work for a reader passes its container's budget
 * (view/budget.h) before its handler (fuse_dir.c, fuse_read.c, fuse_psi.c)
 * runs, on this worker thread or later.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "view/content.h"
#include "view/fuse_internal.h"
#include "view/reader.h"

/* The container a request was admitted for, while its handler runs on this thread. */
_Thread_local const struct kava_owner *vf_admitted;
_Thread_local const struct kava_slot *vf_admitted_slot;
_Thread_local int vf_admitted_slot_whole;

/* The budget index of the reader of `req` (the host's when it cannot be told). */
uint32_t vf_reader_budget(fuse_req_t req, struct kava_owner *owner)
{
	if (vf_reader_owner(req, owner) < 0)
		owner->slot = KAVA_NO_SLOT;
	return budget_index(owner);
}

/*
 * Every request that makes the agent work for a reader passes its
 * container's budget (budget.h): served now on this thread, or parked, the
 * thread going back for the next request, and served later by the budget's
 * dispatcher or one of the container's own workers. A parked request keeps
 * what its handler needs; its reader waits in the kernel meanwhile.
 */
enum call_op { CALL_LOOKUP, CALL_GETATTR, CALL_OPENDIR, CALL_READDIR, CALL_OPEN, CALL_READ,
	       CALL_WRITE };

struct view_call {
	struct budget_call base;   /* first: budget.c hands this back */
	fuse_req_t req;
	enum call_op op;
	fuse_ino_t ino;
	struct fuse_file_info fi;
	int has_fi, has_owner, has_slot;
	struct kava_owner owner;   /* resolved at admission (has_owner) */
	struct kava_slot slot;     /* the owner's slot as resolving it read it (has_slot: VIEW_SLOT_*) */
	size_t size, len;
	off_t off;
	char data[];               /* a looked-up name (NUL-terminated) or the bytes written */
};

static void call_run(struct budget_call *bc)
{
	struct view_call *c = (struct view_call *)bc;
	struct fuse_file_info *fi = c->has_fi ? &c->fi : NULL;

	vf_admitted = c->has_owner ? &c->owner : NULL;
	/*
	 * The slot read microseconds ago at admission serves the render (one
	 * map lookup less per open); a request that was parked reads it anew.
	 */
	vf_admitted_slot = c->has_owner && c->has_slot && !c->base.parked_ns ? &c->slot : NULL;
	vf_admitted_slot_whole = c->has_slot == VIEW_SLOT_WHOLE;
	switch (c->op) {
	case CALL_LOOKUP:
		vf_lookup(c->req, c->ino, c->data);
		break;
	case CALL_GETATTR:
		vf_getattr(c->req, c->ino, fi);
		break;
	case CALL_OPENDIR:
		vf_opendir(c->req, c->ino, &c->fi);
		break;
	case CALL_READDIR:
		vf_readdir(c->req, c->ino, c->size, c->off, &c->fi);
		break;
	case CALL_OPEN:
		vf_open(c->req, c->ino, &c->fi);
		break;
	case CALL_READ:
		vf_read(c->req, c->ino, c->size, c->off, &c->fi);
		break;
	case CALL_WRITE:
		vf_write(c->req, c->ino, c->data, c->len, c->off, &c->fi);
		break;
	}
	vf_admitted = NULL;
	vf_admitted_slot = NULL;
	free(c);
}

/* The agent stops with the request still parked: the reader gets EINTR. */
static void call_drop(struct budget_call *bc)
{
	struct view_call *c = (struct view_call *)bc;

	fuse_reply_err(c->req, EINTR);
	free(c);
}

static void gate(fuse_req_t req, enum call_op op, fuse_ino_t ino, const struct fuse_file_info *fi,
		 size_t size, off_t off, const char *data, size_t len)
{
	struct view_fuse *vf = vf_of(req);
	struct view_call *c = malloc(sizeof(*c) + len + 1);
	const struct open_file *of;
	struct kava_owner holder;
	const struct kava_owner *owner = NULL;

	if (!c) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	memset(c, 0, sizeof(*c));
	c->base.run = call_run;
	c->base.drop = call_drop;
	c->req = req;
	c->op = op;
	c->ino = ino;
	if (fi) {
		c->fi = *fi;
		c->has_fi = 1;
	}
	c->size = size;
	c->off = off;
	c->len = len;
	if (len)
		memcpy(c->data, data, len);
	c->data[len] = '\0';
	if (op == CALL_READ && fi && (of = handles_get(&vf->handles, fi->fh)) != NULL) {
		/*
		 * A read is charged to the container that holds the file, known
		 * without asking the kernel (no release comes while a read is in
		 * flight); a re-render still resolves the reader.
		 */
		holder = of->owner;
		owner = &holder;
	} else if (vf_reader_owner_slot(req, &c->owner, &c->slot, &c->has_slot) == 0) {
		c->has_owner = 1;
		owner = &c->owner;
	}
	budget_submit(vf->budgets, owner, fuse_req_ctx(req)->pid, &c->base);
}

void vf_gated_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	gate(req, CALL_LOOKUP, parent, NULL, 0, 0, name, strlen(name));
}

void vf_gated_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	gate(req, CALL_GETATTR, ino, fi, 0, 0, NULL, 0);
}

void vf_gated_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	gate(req, CALL_OPENDIR, ino, fi, 0, 0, NULL, 0);
}

void vf_gated_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		      struct fuse_file_info *fi)
{
	gate(req, CALL_READDIR, ino, fi, size, off, NULL, 0);
}

void vf_gated_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	gate(req, CALL_OPEN, ino, fi, 0, 0, NULL, 0);
}

/*
 * A page-cache read (no lock owner: readahead behind sendfile, splice or
 * mmap; see fuse_read.c) is never parked: the kernel holds the page
 * locked until it is answered, and an open of the same file waits for that
 * lock in grow_size() (fuse_read.c) (fuse_notify_store() locks the page): parked behind
 * that open, the read would never come. They cost little: open() drops the
 * file's cached pages, so each open is followed by at most one text's worth.
 */
void vf_gated_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		   struct fuse_file_info *fi)
{
	if (!fi->lock_owner)
		vf_read(req, ino, size, off, fi);
	else
		gate(req, CALL_READ, ino, fi, size, off, NULL, 0);
}

void vf_gated_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	gate(req, CALL_WRITE, ino, fi, size, off, buf, size);
}

/* The describe hook of the budgets: the container's name and CPU limit. */
int vf_budget_describe(void *arg, const struct kava_owner *owner, pid_t reader,
		       struct budget_desc *out)
{
	const struct view_fuse *vf = arg;

	return view_container_cpu(vf->src, owner, reader, out->name, sizeof(out->name),
				  &out->cpus);
}
