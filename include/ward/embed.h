/* embed.h - files of the source tree built into the binary (the rule pack, the taxonomy). */
#ifndef WARD_EMBED_H
#define WARD_EMBED_H

#include <stddef.h>

struct ward_embedded {
    const char *path; /* relative to the source tree, e.g. "rules/windows/x.yml" */
    const char *data; /* NUL-terminated */
    size_t len;
};

/* ward's own Sigma rule pack (rules/ ** .yml), sorted by path, ended by {NULL}. */
extern const struct ward_embedded ward_rule_pack[];
/* config/taxonomy.yml, the built-in Sigma logsource taxonomy (one entry, then {NULL}). */
extern const struct ward_embedded ward_taxonomy_files[];

#endif
