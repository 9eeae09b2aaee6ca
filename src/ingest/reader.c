/* reader.c - open a path, detect its format, decode events; and expand input paths. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ward/decode.h"

/* The head read at open by ward_reader_open: enough for any magic number; 12 KiB so that
 * an EVTX file's header and the start of its first chunk come in one read. Grown to
 * WARD_STREAM_HEAD when detection needs more. */
#define WARD_READER_HEAD 12288

static int reader_start(struct ward_reader *r, const char *path, const char *format,
                        const struct ward_decode_opts *o, struct ward_err *err)
{
    struct ward_decode_opts def;
    if (!o) {
        ward_decode_opts_default(&def);
        o = &def;
    }
    int rc;
    if (format) {
        r->dec = ward_decoder_find(format);
        if (!r->dec) {
            ward_reader_close(r);
            return ward_err_at(err, WARD_ENOTFOUND, path, 0, 0, "unknown format '%s'", format);
        }
    } else {
        const unsigned char *head;
        size_t n;
        ward_stream_peek(r->stream, &head, &n);
        if (n == 0) {
            /* an empty file holds no events: not an error */
            r->dec = NULL;
            return 0;
        }
        r->dec = ward_decoder_detect(head, n);
        if (!r->dec || r->dec->probe(head, n) < 100) {
            /* not certain from the short head: detect on the full head */
            rc = ward_stream_head_fill(r->stream, err);
            if (rc) {
                ward_reader_close(r);
                return rc;
            }
            ward_stream_peek(r->stream, &head, &n);
            r->dec = ward_decoder_detect(head, n);
        }
        if (!r->dec) {
            ward_reader_close(r);
            return ward_err_at(err, WARD_EUNSUPPORTED, path, 0, 0,
                               "format not recognised (use --format to name it)");
        }
    }
    rc = r->dec->open(r->stream, o, &r->state, err);
    if (rc) {
        if (!err->path[0]) ward_strlcpy(err->path, path, sizeof err->path);
        r->state = NULL;
        ward_reader_close(r);
        return rc;
    }
    return 0;
}

int ward_reader_open(struct ward_reader *r, const char *path, const char *format,
                     const struct ward_decode_opts *o, struct ward_err *err)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    /* a short head first: a magic number (probe score 100) decides from it alone */
    int rc = ward_stream_open_file_head(&r->stream, path, WARD_READER_HEAD, err);
    if (rc) return rc;
    return reader_start(r, path, format, o, err);
}

int ward_reader_open_range(struct ward_reader *r, const char *path, uint64_t offset,
                           uint64_t length, uint64_t line_base, const char *format,
                           const struct ward_decode_opts *o, struct ward_err *err)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    r->base_offset = offset;
    r->base_line = line_base;
    int rc = ward_stream_open_range(&r->stream, path, offset, length, err);
    if (rc) return rc;
    return reader_start(r, path, format, o, err);
}

int ward_reader_next(struct ward_reader *r, struct ward_event *ev, struct ward_err *err)
{
    if (!r->dec) return 0;
    ward_event_reset(ev);
    ev->path = r->path;
    ev->format = r->dec->name;
    int rc = r->dec->next(r->state, ev, err);
    if (rc == 1) {
        ev->path = r->path;
        ev->offset += r->base_offset;
        if (ev->line) ev->line += r->base_line;
        r->events++;
        if (!ev->record) ev->record = r->events + r->errors;
        if (ev->ts == WARD_TIME_NONE) ward_event_find_time(ev);
    } else if (rc < 0) {
        r->errors++;
        if (err->line) err->line += r->base_line;
        if (err->offset) err->offset += r->base_offset;
        if (!err->path[0]) ward_strlcpy(err->path, r->path, sizeof err->path);
    }
    return rc;
}

void ward_reader_close(struct ward_reader *r)
{
    if (r->dec && r->state) r->dec->close(r->state);
    ward_stream_close(r->stream);
    memset(r, 0, sizeof *r);
}

/* ---- path expansion ---- */

struct pathlist {
    char **v;
    size_t n, cap;
};

static int push(struct pathlist *l, const char *p)
{
    if (l->n + 2 > l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        char **v = realloc(l->v, cap * sizeof *v);
        if (!v) return WARD_ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n] = strdup(p);
    if (!l->v[l->n]) return WARD_ENOMEM;
    l->n++;
    l->v[l->n] = NULL;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

#define MAX_WALK_DEPTH 64

static int walk(struct pathlist *l, const char *dir, int depth, ward_path_err_fn cb, void *ctx)
{
    struct ward_err e;
    ward_err_clear(&e);
    if (depth > MAX_WALK_DEPTH) {
        ward_err_at(&e, WARD_ELIMIT, dir, 0, 0, "directories nested too deeply; skipped");
        if (cb) cb(ctx, &e);
        return 0;
    }
    DIR *d = opendir(dir);
    if (!d) {
        ward_err_at(&e, WARD_EIO, dir, 0, 0, "cannot open directory: %s", strerror(errno));
        if (cb) cb(ctx, &e);
        return 0;
    }
    struct pathlist names = {0};
    struct dirent *de;
    int rc = 0;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        if ((rc = push(&names, de->d_name))) break;
    }
    closedir(d);
    if (names.n) qsort(names.v, names.n, sizeof *names.v, cmp_str);
    for (size_t i = 0; !rc && i < names.n; i++) {
        size_t need = strlen(dir) + strlen(names.v[i]) + 2;
        char *full = malloc(need);
        if (!full) {
            rc = WARD_ENOMEM;
            break;
        }
        size_t dl = strlen(dir);
        snprintf(full, need, "%s%s%s", dir, dl && dir[dl - 1] == '/' ? "" : "/", names.v[i]);
        struct stat st;
        if (lstat(full, &st) != 0) {
            ward_err_at(&e, WARD_EIO, full, 0, 0, "cannot stat: %s", strerror(errno));
            if (cb) cb(ctx, &e);
        } else if (S_ISDIR(st.st_mode)) {
            rc = walk(l, full, depth + 1, cb, ctx);
        } else if (S_ISREG(st.st_mode)) {
            rc = push(l, full);
        }
        free(full);
    }
    for (size_t i = 0; i < names.n; i++) free(names.v[i]);
    free(names.v);
    return rc;
}

int ward_paths_expand(char *const *inputs, size_t ninputs, char ***out, size_t *count,
                      ward_path_err_fn cb, void *ctx)
{
    struct pathlist l = {0};
    int rc = 0;
    for (size_t i = 0; !rc && i < ninputs; i++) {
        struct stat st;
        struct ward_err e;
        ward_err_clear(&e);
        if (strcmp(inputs[i], "-") == 0) {
            rc = push(&l, "-");
        } else if (stat(inputs[i], &st) != 0) {
            ward_err_at(&e, WARD_EIO, inputs[i], 0, 0, "cannot open: %s", strerror(errno));
            if (cb) cb(ctx, &e);
        } else if (S_ISDIR(st.st_mode)) {
            rc = walk(&l, inputs[i], 0, cb, ctx);
        } else {
            rc = push(&l, inputs[i]);
        }
    }
    if (rc) {
        ward_paths_free(l.v);
        return rc;
    }
    if (!l.v) {
        l.v = calloc(1, sizeof *l.v);
        if (!l.v) return WARD_ENOMEM;
    }
    *out = l.v;
    *count = l.n;
    return 0;
}

void ward_paths_free(char **paths)
{
    if (!paths) return;
    for (size_t i = 0; paths[i]; i++) free(paths[i]);
    free(paths);
}
