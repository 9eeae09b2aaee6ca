/*
 * ioc_stix.h - the STIX loader's per-file state (internal): marking definitions seen and
 * the indicators whose TLP waits for a marking defined later in the file.
 */
#ifndef WARD_IOC_STIX_H
#define WARD_IOC_STIX_H

#include "ioc_int.h"

struct ioc_stix_ctx {
    struct {
        char *id;
        uint8_t tlp;
    } * markings;
    size_t nmarkings, markings_cap;
    struct {
        struct ward_ioc_meta *meta;
        char *ref;
    } * fix;
    size_t nfix, fix_cap;
    const char *bundle_id;
};

void ioc_stix_ctx_init(struct ioc_stix_ctx *c);
void ioc_stix_ctx_free(struct ioc_stix_ctx *c);
/* Loads the indicators of one JSON record (a bundle, or one object). */
int ioc_stix_record(struct ward_ioc_set *set, struct ioc_stix_ctx *c, struct ward_event *ev,
                    const char *path, const struct ward_ioc_load_opts *opt);
/* Applies the marking definitions of the file to the indicators that reference them. */
void ioc_stix_finish(struct ward_ioc_set *set, struct ioc_stix_ctx *c);

/* Loads the attributes of one JSON record holding MISP events (misp.c). */
int ioc_misp_record(struct ward_ioc_set *set, struct ward_event *ev, const char *path,
                    const struct ward_ioc_load_opts *opt);
/* Adds one value given a MISP-style or ward type name (composites such as
 * "filename|sha256", "domain|ip", "ip-dst|port" give their indicator parts). Returns the
 * number of values loaded (>= 0); when nothing could be loaded, *kind and *why say why. */
int ioc_add_typed(struct ward_ioc_set *set, const char *type, size_t tlen, const char *value,
                  size_t vlen, const struct ward_ioc_meta *meta, int *kind, const char **why,
                  int *nparts);

#endif
