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
/* Sets the logsource of a test event (sub) from the test line's "logsource" object (the
 * product, service and category its decoder would give it), when the line has one. */
int sigma_cli_test_logsource(struct ward_event *sub, struct ward_event *line);

/* The field lookup of correlations (ward hunt and the sequence tests): the Sigma field as
 * detection reads it for the base rule's logsource (the taxonomy's field map), else
 * ward_corr_field_default. ctx is a struct sigma_cli_field_ctx. */
struct sigma_cli_field_ctx {
    const struct ward_taxonomy *tax;
    const struct ward_ls_ids *ls;
};
int sigma_cli_corr_field(void *ctx, struct ward_event *ev, const char *name, struct ward_str *out);

/* Sequence tests of correlations and filters (rules_seq.c, docs/rules.md): the detection,
 * correlation and filter rules of paths, set up once for every test file. */
struct seq_ctx;
int sigma_cli_seq_new(struct seq_ctx **out, const struct ward_taxonomy *tax, int reference,
                      char *const *paths, size_t npaths, const char *placeholders);
void sigma_cli_seq_free(struct seq_ctx *x);
/* Runs the test file of the correlation or filter file rule_path: fail gets the first
 * failure (empty when it passed), *ncases the cases and *nexpect the expectations checked.
 * Returns 0 or an EX_* code for an error that is not a test failure. */
int sigma_cli_seq_test(struct seq_ctx *x, const char *rule_path, const char *test_path,
                       const char *placeholders, char *fail, size_t fsz, size_t *ncases,
                       size_t *nexpect);

#endif
