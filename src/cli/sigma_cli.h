/* sigma_cli.h - helpers shared by the Sigma commands (rules.c, match.c): loading rules and
 * the taxonomy with the common options, and turning a test line into an event. */
#ifndef WARD_SIGMA_CLI_H
#define WARD_SIGMA_CLI_H

#include "ward/event.h"
#include "ward/sigma.h"

/* Loads the taxonomy (path or the built-in one). Returns 0 or an EX_* code after
 * reporting. */
int sigma_cli_taxonomy(const char *path, struct ward_taxonomy **out);
/* Loads rules from paths (files or directories). Returns 0 or an EX_* code. */
int sigma_cli_rules(char *const *paths, size_t n, const char *placeholders,
                    struct ward_sigma_rules **out);
/* For the reference engine: records every detection rule whose logsource the taxonomy does
 * not know as a diagnostic (as the compiler does) and counts the usable ones. Returns 0 or
 * an EX_* code. */
int sigma_cli_reference_check(struct ward_sigma_rules *rules, const struct ward_taxonomy *tax,
                              size_t *usable);
/* Prints one diagnostic as "path:line: [id] reason" to f. */
void sigma_cli_print_diag(FILE *f, const struct ward_sigma_diag *d);
/* Copies the fields of src whose keys start with prefix into dst (reset first), without
 * the prefix; values are borrowed from src. Returns 0 or a negative code. */
int sigma_cli_subevent(struct ward_event *dst, struct ward_event *src, const char *prefix);

#endif
