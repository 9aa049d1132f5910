// SPDX-License-Identifier: GPL-2.0
/* Reading the OCI state and config.json (see ocistate.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>

#include "deploy/ocistate.h"

static struct json_object *parse(const char *text, size_t len, char *why, size_t why_size)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o = NULL;

	if (!tok) {
		snprintf(why, why_size, "out of memory");
		return NULL;
	}
	if (len <= (size_t)0x7fffffff)
		o = json_tokener_parse_ex(tok, text, (int)len);
	if (!o || json_tokener_get_error(tok) != json_tokener_success ||
	    !json_object_is_type(o, json_type_object)) {
		enum json_tokener_error e = json_tokener_get_error(tok);

		snprintf(why, why_size, "not a JSON object (%s)", e == json_tokener_continue ?
			 "incomplete" : json_tokener_error_desc(e));
		json_object_put(o);
		o = NULL;
	}
	if (o) {	/* one object and nothing after it but white space */
		size_t end = json_tokener_get_parse_end(tok);

		while (end < len && strchr(" \t\r\n", text[end]) && text[end])
			end++;
		if (end != len) {
			snprintf(why, why_size, "not a JSON object (text after it)");
			json_object_put(o);
			o = NULL;
		}
	}
	json_tokener_free(tok);
	return o;
}

/* A string member copied into out; 0, 1 when absent, -1 when not a string or too long. */
static int get_string(struct json_object *o, const char *key, char *out, size_t size)
{
	struct json_object *v;
	const char *s;

	out[0] = '\0';
	if (!json_object_object_get_ex(o, key, &v))
		return 1;
	if (!json_object_is_type(v, json_type_string))
		return -1;
	s = json_object_get_string(v);
	/* too long, or a NUL inside ("\u0000") */
	if (strlen(s) >= size || strlen(s) != (size_t)json_object_get_string_len(v))
		return -1;
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

int oci_state_parse(const char *text, size_t len, struct oci_state *out, char *why,
		    size_t why_size)
{
	struct json_object *o, *v, *ann;
	char mount[16];
	int64_t pid;
	int err = -EINVAL;

	memset(out, 0, sizeof(*out));
	o = parse(text, len, why, why_size);
	if (!o)
		return -EINVAL;
	if (!json_object_object_get_ex(o, "pid", &v) || !json_object_is_type(v, json_type_int) ||
	    (pid = json_object_get_int64(v)) <= 0 || pid > 0x3fffffff) {
		snprintf(why, why_size, "the state has no \"pid\" of a running container");
		goto out;
	}
	out->pid = (pid_t)pid;
	if (get_string(o, "id", out->id, sizeof(out->id)) < 0 ||
	    get_string(o, "status", out->status, sizeof(out->status)) < 0 ||
	    get_string(o, "bundle", out->bundle, sizeof(out->bundle)) < 0) {
		snprintf(why, why_size, "\"id\", \"status\" and \"bundle\" must be strings");
		goto out;
	}
	if (json_object_object_get_ex(o, "annotations", &ann)) {
		if (!json_object_is_type(ann, json_type_object) ||
		    get_string(ann, OCI_ANNOTATION_POLICY, out->policy, sizeof(out->policy)) < 0 ||
		    get_string(ann, OCI_ANNOTATION_MOUNT, mount, sizeof(mount)) < 0) {
			snprintf(why, why_size, "annotations %s and %s must be strings",
				 OCI_ANNOTATION_POLICY, OCI_ANNOTATION_MOUNT);
			goto out;
		}
		out->no_mount = !strcmp(mount, "false");
	}
	err = 0;
out:
	json_object_put(o);
	return err;
}

int oci_config_root(const char *text, size_t len, const char *bundle, char *out, size_t size,
		    char *why, size_t why_size)
{
	struct json_object *o, *root;
	char path[4096];
	int err = -EINVAL, n;

	o = parse(text, len, why, why_size);
	if (!o)
		return -EINVAL;
	if (!json_object_object_get_ex(o, "root", &root) ||
	    !json_object_is_type(root, json_type_object) ||
	    get_string(root, "path", path, sizeof(path)) != 0 || !path[0]) {
		snprintf(why, why_size, "config.json has no root.path");
		goto out;
	}
	n = path[0] == '/' ? snprintf(out, size, "%s", path)
			   : snprintf(out, size, "%s/%s", bundle, path);
	if (n < 0 || (size_t)n >= size) {
		snprintf(why, why_size, "root.path is too long");
		goto out;
	}
	err = 0;
out:
	json_object_put(o);
	return err;
}
