/*
 * taxonomy.c - the Sigma logsource taxonomy: loads config/taxonomy.yml (or the copy built
 * into the binary), classifies events into (product, service, categories) and maps Sigma
 * field names to event keys for a rule's logsource. The file format is described at the
 * top of config/taxonomy.yml and in docs/sigma.md.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "detect/sigma/sigma_int.h"

extern const char ward_taxonomy_yaml[];
extern const size_t ward_taxonomy_yaml_len;

#define TX_MAX_NAMES 65000
#define TX_MAX_KEYS 32

struct tx_cond {
    char *field;
    char **vals; /* NULL-terminated; empty = "*" (present) */
    size_t nvals;
    uint8_t *glob; /* per value: has * or ? */
};

struct tx_sel {
    struct tx_cond *conds;
    size_t n;
};

struct tx_fmap {
    char *name; /* Sigma field, or "*" */
    char **keys;
    size_t nkeys;
};

struct tx_entry {
    uint16_t id; /* service or category id */
    struct tx_sel *sels;
    size_t nsels;
    struct tx_fmap *fields; /* category renames: Sigma -> Sigma names */
    size_t nfields;
};

struct tx_product {
    char *name; /* "" for generic */
    struct tx_sel *recognise;
    size_t nrecognise;
    char **refines; /* decoder products whose events recognise may claim */
    size_t nrefines;
    struct tx_fmap *fields;
    size_t nfields;
    struct tx_entry *services, *cats;
    size_t nservices, ncats;
};

struct ward_taxonomy {
    struct ward_arena arena;
    struct tx_product *products; /* [0] = generic, id = index */
    size_t nproducts;
    struct ward_intern product_names; /* product id = intern id + 1 */
    struct ward_intern service_names; /* id = intern id + 1 */
    struct ward_intern cat_names;
    /* cache of field key lists: combo "p/c/field" -> list of interned keys */
    pthread_mutex_t lock;
    struct ward_intern combos;
    struct ward_intern keys;
    const char ***combo_keys;
    uint8_t *combo_nkeys;
    size_t combo_cap;
};

/* ---- loading --------------------------------------------------------------------------- */

struct tload {
    struct ward_taxonomy *t;
    yaml_document_t *doc;
    const char *path;
    struct ward_err *err;
};

static int terr(struct tload *l, const yaml_node_t *n, const char *what)
{
    return ward_err_at(l->err, WARD_ESYNTAX, l->path, n ? n->start_mark.line + 1 : 0,
                       n ? n->start_mark.column + 1 : 0, "taxonomy: %s", what);
}

static yaml_node_t *node(struct tload *l, int id)
{
    return yaml_document_get_node(l->doc, id);
}

static const char *sc(const yaml_node_t *n)
{
    return (n && n->type == YAML_SCALAR_NODE) ? (const char *)n->data.scalar.value : NULL;
}

static size_t map_len(const yaml_node_t *n)
{
    return n->type == YAML_MAPPING_NODE
               ? (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start)
               : 0;
}

static size_t seq_len(const yaml_node_t *n)
{
    return n->type == YAML_SEQUENCE_NODE
               ? (size_t)(n->data.sequence.items.top - n->data.sequence.items.start)
               : 0;
}

static char *tdup(struct tload *l, const char *s)
{
    return ward_arena_strdup(&l->t->arena, s);
}

/* scalar or list of scalars -> NULL-terminated array */
static int str_list(struct tload *l, const yaml_node_t *n, char ***out, size_t *count)
{
    size_t k = n->type == YAML_SEQUENCE_NODE ? seq_len(n) : 1;
    *out = ward_arena_alloc(&l->t->arena, (k + 1) * sizeof **out);
    if (!*out) return WARD_ENOMEM;
    for (size_t i = 0; i < k; i++) {
        const yaml_node_t *it =
            n->type == YAML_SEQUENCE_NODE ? node(l, n->data.sequence.items.start[i]) : n;
        const char *s = sc(it);
        if (!s) return terr(l, it, "expected text or a list of text");
        if (!((*out)[i] = tdup(l, s))) return WARD_ENOMEM;
    }
    (*out)[k] = NULL;
    *count = k;
    return 0;
}

static int parse_sel(struct tload *l, const yaml_node_t *m, struct tx_sel *sel)
{
    if (m->type != YAML_MAPPING_NODE) return terr(l, m, "a selector must be a map field: values");
    size_t n = map_len(m);
    sel->conds = ward_arena_alloc(&l->t->arena, (n + 1) * sizeof *sel->conds);
    if (!sel->conds) return WARD_ENOMEM;
    sel->n = n;
    for (size_t i = 0; i < n; i++) {
        yaml_node_pair_t *p = &m->data.mapping.pairs.start[i];
        const char *k = sc(node(l, p->key));
        if (!k) return terr(l, m, "a selector field must be text");
        struct tx_cond *c = &sel->conds[i];
        if (!(c->field = tdup(l, k))) return WARD_ENOMEM;
        int rc = str_list(l, node(l, p->value), &c->vals, &c->nvals);
        if (rc) return rc;
        if (c->nvals == 1 && strcmp(c->vals[0], "*") == 0) c->nvals = 0;
        c->glob = ward_arena_alloc(&l->t->arena, c->nvals + 1);
        if (!c->glob) return WARD_ENOMEM;
        for (size_t j = 0; j < c->nvals; j++) c->glob[j] = strpbrk(c->vals[j], "*?") != NULL;
    }
    return 0;
}

static int parse_sels(struct tload *l, const yaml_node_t *s, struct tx_sel **out, size_t *count)
{
    *count = 0;
    *out = NULL;
    if (s->type == YAML_SCALAR_NODE &&
        (s->data.scalar.length == 0 || !strcmp(sc(s), "~") || !strcmp(sc(s), "null")))
        return 0;
    if (s->type != YAML_SEQUENCE_NODE) return terr(l, s, "expected a list of selectors");
    size_t n = seq_len(s);
    *out = ward_arena_alloc(&l->t->arena, (n + 1) * sizeof **out);
    if (!*out) return WARD_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        int rc = parse_sel(l, node(l, s->data.sequence.items.start[i]), &(*out)[i]);
        if (rc) return rc;
    }
    *count = n;
    return 0;
}

static int parse_fmap(struct tload *l, const yaml_node_t *m, struct tx_fmap **out, size_t *count)
{
    if (m->type != YAML_MAPPING_NODE) return terr(l, m, "'fields' must be a map");
    size_t n = map_len(m);
    *out = ward_arena_alloc(&l->t->arena, (n + 1) * sizeof **out);
    if (!*out) return WARD_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        yaml_node_pair_t *p = &m->data.mapping.pairs.start[i];
        const char *k = sc(node(l, p->key));
        if (!k) return terr(l, m, "a field name must be text");
        struct tx_fmap *f = &(*out)[i];
        if (!(f->name = tdup(l, k))) return WARD_ENOMEM;
        int rc = str_list(l, node(l, p->value), &f->keys, &f->nkeys);
        if (rc) return rc;
        if (f->nkeys > TX_MAX_KEYS) return terr(l, node(l, p->value), "more than 32 keys");
    }
    *count = n;
    return 0;
}

static int parse_entries(struct tload *l, const yaml_node_t *m, struct ward_intern *names,
                         struct tx_entry **out, size_t *count)
{
    *count = 0;
    if (m->type == YAML_SEQUENCE_NODE) { /* a plain list of names */
        size_t n = seq_len(m);
        *out = ward_arena_alloc(&l->t->arena, (n + 1) * sizeof **out);
        if (!*out) return WARD_ENOMEM;
        for (size_t i = 0; i < n; i++) {
            const char *k = sc(node(l, m->data.sequence.items.start[i]));
            if (!k) return terr(l, m, "expected names");
            int64_t id = ward_intern_add(names, k, strlen(k));
            if (id < 0) return WARD_ENOMEM;
            if (id >= TX_MAX_NAMES) return terr(l, m, "too many names");
            memset(&(*out)[i], 0, sizeof **out);
            (*out)[i].id = (uint16_t)(id + 1);
        }
        *count = n;
        return 0;
    }
    if (m->type != YAML_MAPPING_NODE) return terr(l, m, "expected a map of names");
    size_t n = map_len(m);
    *out = ward_arena_alloc(&l->t->arena, (n + 1) * sizeof **out);
    if (!*out) return WARD_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        yaml_node_pair_t *p = &m->data.mapping.pairs.start[i];
        const char *k = sc(node(l, p->key));
        if (!k) return terr(l, m, "a name must be text");
        struct tx_entry *e = &(*out)[i];
        memset(e, 0, sizeof *e);
        int64_t id = ward_intern_add(names, k, strlen(k));
        if (id < 0) return WARD_ENOMEM;
        if (id >= TX_MAX_NAMES) return terr(l, m, "too many names");
        e->id = (uint16_t)(id + 1);
        yaml_node_t *v = node(l, p->value);
        int rc = 0;
        if (v->type == YAML_MAPPING_NODE) {
            for (size_t j = 0; j < map_len(v) && rc == 0; j++) {
                yaml_node_pair_t *q = &v->data.mapping.pairs.start[j];
                const char *kk = sc(node(l, q->key));
                if (kk && !strcmp(kk, "select"))
                    rc = parse_sels(l, node(l, q->value), &e->sels, &e->nsels);
                else if (kk && !strcmp(kk, "fields"))
                    rc = parse_fmap(l, node(l, q->value), &e->fields, &e->nfields);
                else
                    rc = terr(l, node(l, q->key), "expected 'select' or 'fields'");
            }
        } else {
            rc = parse_sels(l, v, &e->sels, &e->nsels);
        }
        if (rc) return rc;
    }
    *count = n;
    return 0;
}

static int parse_product(struct tload *l, const char *name, const yaml_node_t *m,
                         struct tx_product *p)
{
    memset(p, 0, sizeof *p);
    if (!(p->name = tdup(l, name))) return WARD_ENOMEM;
    if (m->type == YAML_SCALAR_NODE) return 0; /* product with nothing else */
    if (m->type != YAML_MAPPING_NODE) return terr(l, m, "a product must be a map");
    for (size_t i = 0; i < map_len(m); i++) {
        yaml_node_pair_t *q = &m->data.mapping.pairs.start[i];
        const char *k = sc(node(l, q->key));
        yaml_node_t *v = node(l, q->value);
        int rc;
        if (k && !strcmp(k, "recognise"))
            rc = parse_sels(l, v, &p->recognise, &p->nrecognise);
        else if (k && !strcmp(k, "fields"))
            rc = parse_fmap(l, v, &p->fields, &p->nfields);
        else if (k && !strcmp(k, "refines"))
            rc = str_list(l, v, &p->refines, &p->nrefines);
        else if (k && !strcmp(k, "services"))
            rc = parse_entries(l, v, &l->t->service_names, &p->services, &p->nservices);
        else if (k && !strcmp(k, "categories"))
            rc = parse_entries(l, v, &l->t->cat_names, &p->cats, &p->ncats);
        else
            rc = terr(l, node(l, q->key),
                      "expected 'recognise', 'refines', 'fields', 'services' or 'categories'");
        if (rc) return rc;
    }
    return 0;
}

static int load_text(const char *text, size_t len, const char *path, struct ward_taxonomy **out,
                     struct ward_err *err)
{
    struct ward_taxonomy *t = calloc(1, sizeof *t);
    if (!t) return ward_err_set(err, WARD_ENOMEM, "out of memory");
    ward_arena_init(&t->arena, 1 << 15, 0);
    ward_intern_init(&t->product_names);
    ward_intern_init(&t->service_names);
    ward_intern_init(&t->cat_names);
    ward_intern_init(&t->combos);
    ward_intern_init(&t->keys);
    pthread_mutex_init(&t->lock, NULL);
    yaml_parser_t parser;
    yaml_document_t doc;
    int rc = 0, have_doc = 0;
    if (!yaml_parser_initialize(&parser)) {
        ward_taxonomy_free(t);
        return ward_err_set(err, WARD_ENOMEM, "out of memory");
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    struct tload l = {t, &doc, path, err};
    if (!yaml_parser_load(&parser, &doc)) {
        rc = ward_err_at(err, WARD_ESYNTAX, path, parser.problem_mark.line + 1,
                         parser.problem_mark.column + 1, "taxonomy: YAML: %s",
                         parser.problem ? parser.problem : "error");
        goto done;
    }
    have_doc = 1;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!root || root->type != YAML_MAPPING_NODE) {
        rc = terr(&l, root, "expected a map with 'products' and 'generic'");
        goto done;
    }
    const yaml_node_t *products = NULL, *generic = NULL;
    for (size_t i = 0; i < map_len(root); i++) {
        yaml_node_pair_t *q = &root->data.mapping.pairs.start[i];
        const char *k = sc(node(&l, q->key));
        if (k && !strcmp(k, "products")) products = node(&l, q->value);
        if (k && !strcmp(k, "generic")) generic = node(&l, q->value);
    }
    if (!products || products->type != YAML_MAPPING_NODE) {
        rc = terr(&l, root, "'products' map missing");
        goto done;
    }
    size_t np = map_len(products);
    t->products = ward_arena_alloc(&t->arena, (np + 1) * sizeof *t->products);
    if (!t->products) {
        rc = ward_err_set(err, WARD_ENOMEM, "out of memory");
        goto done;
    }
    if (generic) {
        rc = parse_product(&l, "", generic, &t->products[0]);
    } else {
        memset(&t->products[0], 0, sizeof t->products[0]);
        t->products[0].name = "";
    }
    t->nproducts = 1;
    for (size_t i = 0; i < np && rc == 0; i++) {
        yaml_node_pair_t *q = &products->data.mapping.pairs.start[i];
        const char *k = sc(node(&l, q->key));
        if (!k || !*k) {
            rc = terr(&l, node(&l, q->key), "a product name must be text");
            break;
        }
        if (ward_intern_find(&t->product_names, k, strlen(k)) >= 0) {
            rc = terr(&l, node(&l, q->key), "product listed twice");
            break;
        }
        rc = parse_product(&l, k, node(&l, q->value), &t->products[t->nproducts]);
        if (rc == 0 &&
            ward_intern_add(&t->product_names, k, strlen(k)) != (int64_t)t->nproducts - 1)
            rc = ward_err_set(err, WARD_ENOMEM, "out of memory");
        if (rc == 0) t->nproducts++;
    }
    if (rc == WARD_ENOMEM) ward_err_set(err, rc, "out of memory");
done:
    if (have_doc) yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    if (rc) {
        ward_taxonomy_free(t);
        return rc;
    }
    *out = t;
    return 0;
}

int ward_taxonomy_load(const char *path, struct ward_taxonomy **out, struct ward_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) return ward_err_at(err, WARD_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
    struct ward_buf b;
    ward_buf_init(&b, 4u << 20);
    char chunk[16384];
    size_t n;
    int rc = 0;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if ((rc = ward_buf_append(&b, chunk, n))) break;
    fclose(f);
    if (rc) {
        ward_buf_free(&b);
        return ward_err_at(err, rc, path, 0, 0, "cannot read (larger than 4 MiB?)");
    }
    rc = load_text(b.data ? b.data : "", b.len, path, out, err);
    ward_buf_free(&b);
    return rc;
}

int ward_taxonomy_default(struct ward_taxonomy **out, struct ward_err *err)
{
    return load_text(ward_taxonomy_yaml, ward_taxonomy_yaml_len, "(built-in taxonomy)", out, err);
}

void ward_taxonomy_free(struct ward_taxonomy *t)
{
    if (!t) return;
    for (size_t i = 0; i < t->combo_cap; i++) free(t->combo_keys[i]);
    ward_intern_free(&t->product_names);
    ward_intern_free(&t->service_names);
    ward_intern_free(&t->cat_names);
    ward_intern_free(&t->combos);
    ward_intern_free(&t->keys);
    free(t->combo_keys);
    free(t->combo_nkeys);
    pthread_mutex_destroy(&t->lock);
    ward_arena_free(&t->arena);
    free(t);
}

/* ---- lookups --------------------------------------------------------------------------- */

static const struct tx_product *product_by_id(const struct ward_taxonomy *t, uint16_t id)
{
    return id < t->nproducts ? &t->products[id] : &t->products[0];
}

static const struct tx_entry *find_entry(const struct tx_entry *v, size_t n, uint16_t id)
{
    for (size_t i = 0; i < n; i++)
        if (v[i].id == id) return &v[i];
    return NULL;
}

static uint16_t name_id(const struct ward_intern *names, const char *s)
{
    int64_t id = ward_intern_find(names, s, strlen(s));
    return id < 0 ? 0 : (uint16_t)(id + 1);
}

static uint16_t product_id(const struct ward_taxonomy *t, const char *s)
{
    int64_t id = ward_intern_find(&t->product_names, s, strlen(s));
    if (id >= 0) return (uint16_t)(id + 1);
    for (size_t i = 1; i < t->nproducts; i++) /* names are lower case; accept any case */
        if (strcasecmp(t->products[i].name, s) == 0) return (uint16_t)i;
    return 0;
}

int ward_taxonomy_rule_ls(const struct ward_taxonomy *t, const struct ward_sigma_logsource *ls,
                          struct ward_ls_ids *out, char *reason, size_t reason_sz)
{
    memset(out, 0, sizeof *out);
    const struct tx_product *p = &t->products[0];
    if (ls->product) {
        out->product = product_id(t, ls->product);
        if (!out->product) {
            snprintf(reason, reason_sz, "product '%s' is not in the taxonomy", ls->product);
            return 0;
        }
        p = &t->products[out->product];
    }
    if (ls->service) {
        out->service = name_id(&t->service_names, ls->service);
        if (!out->service || !find_entry(p->services, p->nservices, out->service)) {
            snprintf(reason, reason_sz, "service '%s'%s%s is not in the taxonomy", ls->service,
                     ls->product ? " of product " : "", ls->product ? ls->product : "");
            return 0;
        }
    }
    if (ls->category) {
        uint16_t c = name_id(&t->cat_names, ls->category);
        if (!c || !find_entry(p->cats, p->ncats, c)) {
            snprintf(reason, reason_sz, "category '%s'%s%s is not in the taxonomy", ls->category,
                     ls->product ? " of product " : "", ls->product ? ls->product : "");
            return 0;
        }
        out->categories[0] = c;
        out->ncategories = 1;
    }
    return 1;
}

int ward_taxonomy_selects(const struct ward_ls_ids *rule_ls, const struct ward_ls_ids *ev_ls)
{
    if (rule_ls->product && rule_ls->product != ev_ls->product) return 0;
    if (rule_ls->service && rule_ls->service != ev_ls->service) return 0;
    for (uint8_t i = 0; i < rule_ls->ncategories; i++) {
        int found = 0;
        for (uint8_t j = 0; j < ev_ls->ncategories; j++)
            if (ev_ls->categories[j] == rule_ls->categories[i]) found = 1;
        if (!found) return 0;
    }
    return 1;
}

/* Whether one pattern segment matches one key segment: "*" matches any segment, "~name"
 * a segment equal to name once its spaces are removed ("Threat Name" for ~ThreatName). */
static int seg_match(const char *p, size_t pl, const char *k, size_t kl)
{
    if (pl == 1 && p[0] == '*') return 1;
    if (pl && p[0] == '~') {
        size_t j = 1;
        for (size_t i = 0; i < kl; i++) {
            if (k[i] == ' ') continue;
            if (j >= pl || p[j] != k[i]) return 0;
            j++;
        }
        return j == pl;
    }
    return pl == kl && memcmp(p, k, kl) == 0;
}

/* Whether a key pattern (with "*" or "~" segments) matches a key. */
int ward_taxonomy_key_match(const char *pat, const char *key, size_t klen)
{
    const char *k = key, *kend = key + klen;
    for (;;) {
        const char *pdot = strchr(pat, '.');
        size_t plen = pdot ? (size_t)(pdot - pat) : strlen(pat);
        const char *kdot = memchr(k, '.', (size_t)(kend - k));
        size_t kl = kdot ? (size_t)(kdot - k) : (size_t)(kend - k);
        if (!pdot) return !kdot && seg_match(pat, plen, k, kl);
        if (!kdot || !seg_match(pat, plen, k, kl)) return 0;
        pat = pdot + 1;
        k = kdot + 1;
    }
}

/* Whether a key holds pattern segments ("*" or "~name"). */
static int key_is_pattern(const char *key)
{
    for (const char *s = key; *s; s++) {
        if (s != key && s[-1] != '.') continue;
        if (*s == '~' || (*s == '*' && (s[1] == '.' || s[1] == 0))) return 1;
    }
    return 0;
}

static const struct tx_fmap *fmap_find(const struct tx_fmap *v, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].name, name) == 0) return &v[i];
    return NULL;
}

/* Expands the product templates of one Sigma name into keys (appended, unique). */
static int add_keys(struct ward_taxonomy *t, const struct tx_product *p, const char *name,
                    const char **keys, size_t *n, size_t max)
{
    const struct tx_fmap *m = fmap_find(p->fields, p->nfields, name);
    if (!m) m = fmap_find(p->fields, p->nfields, "*");
    static char *const plain[] = {"{}", NULL};
    char *const *tmpl = m ? m->keys : plain;
    size_t ntmpl = m ? m->nkeys : 1;
    for (size_t i = 0; i < ntmpl && *n < max; i++) {
        char buf[1024];
        size_t bl = 0;
        const char *s = tmpl[i];
        while (*s && bl < sizeof buf - 1) {
            if (s[0] == '{' && s[1] == '}') {
                size_t nl = strlen(name);
                if (bl + nl >= sizeof buf) return WARD_ELIMIT;
                memcpy(buf + bl, name, nl);
                bl += nl;
                s += 2;
            } else {
                buf[bl++] = *s++;
            }
        }
        buf[bl] = 0;
        int64_t id = ward_intern_add(&t->keys, buf, bl);
        if (id < 0) return WARD_ENOMEM;
        const char *k = ward_intern_name(&t->keys, (uint32_t)id);
        int dup = 0;
        for (size_t j = 0; j < *n; j++)
            if (keys[j] == k) dup = 1;
        if (!dup) keys[(*n)++] = k;
    }
    return 0;
}

size_t ward_taxonomy_field_keys(const struct ward_taxonomy *tc, const struct ward_ls_ids *rule_ls,
                                const char *sigma_field, const char **keys, size_t max)
{
    struct ward_taxonomy *t = (struct ward_taxonomy *)(uintptr_t)tc; /* the cache only */
    /* the cache key: product and category ids (4 bytes) then the field name */
    char combo[600];
    size_t fl = strlen(sigma_field);
    if (fl + 4 >= sizeof combo) return 0;
    uint16_t cat_id = rule_ls->ncategories ? rule_ls->categories[0] : 0;
    memcpy(combo, &rule_ls->product, 2);
    memcpy(combo + 2, &cat_id, 2);
    memcpy(combo + 4, sigma_field, fl);
    int cl = (int)(fl + 4);
    pthread_mutex_lock(&t->lock);
    size_t n = 0;
    int64_t cid = ward_intern_find(&t->combos, combo, (size_t)cl);
    if (cid < 0) {
        const char *list[TX_MAX_KEYS];
        const struct tx_product *p = product_by_id(t, rule_ls->product);
        const struct tx_entry *cat =
            rule_ls->ncategories ? find_entry(p->cats, p->ncats, rule_ls->categories[0]) : NULL;
        const struct tx_fmap *ren = cat ? fmap_find(cat->fields, cat->nfields, sigma_field) : NULL;
        int rc = 0;
        if (ren)
            for (size_t i = 0; i < ren->nkeys && rc == 0; i++)
                rc = add_keys(t, p, ren->keys[i], list, &n, TX_MAX_KEYS);
        else
            rc = add_keys(t, p, sigma_field, list, &n, TX_MAX_KEYS);
        if (rc == 0) {
            cid = ward_intern_add(&t->combos, combo, (size_t)cl);
            if (cid >= 0 && (size_t)cid >= t->combo_cap) {
                size_t cap = t->combo_cap ? t->combo_cap * 2 : 256;
                while (cap <= (size_t)cid) cap *= 2;
                const char ***ck = realloc(t->combo_keys, cap * sizeof *ck);
                if (ck) t->combo_keys = ck;
                uint8_t *cn = realloc(t->combo_nkeys, cap);
                if (cn) t->combo_nkeys = cn;
                if (ck && cn) {
                    for (size_t i = t->combo_cap; i < cap; i++) ck[i] = NULL, cn[i] = 0;
                    t->combo_cap = cap;
                }
            }
            if (cid >= 0 && (size_t)cid < t->combo_cap) {
                t->combo_keys[cid] = malloc((n + 1) * sizeof(char *));
                if (t->combo_keys[cid]) {
                    memcpy(t->combo_keys[cid], list, n * sizeof(char *));
                    t->combo_nkeys[cid] = (uint8_t)n;
                }
            }
        }
        size_t k = n < max ? n : max;
        memcpy(keys, list, k * sizeof *keys);
        pthread_mutex_unlock(&t->lock);
        return k;
    }
    n = (size_t)cid < t->combo_cap && t->combo_keys[cid] ? t->combo_nkeys[cid] : 0;
    size_t k = n < max ? n : max;
    if (k) memcpy(keys, t->combo_keys[cid], k * sizeof *keys);
    pthread_mutex_unlock(&t->lock);
    return k;
}

/* ---- field values ---------------------------------------------------------------------- */

static size_t key_values(struct ward_event *ev, const char *key, struct ward_field **out,
                         size_t max)
{
    size_t klen = strlen(key);
    if (key_is_pattern(key)) {
        size_t n = 0;
        for (uint32_t i = 0; i < ev->nfields && n < max; i++) {
            struct ward_field *f = &ev->fields[i];
            if (ward_taxonomy_key_match(key, ward_field_key(ev, f), f->klen)) out[n++] = f;
        }
        return n;
    }
    struct ward_field *f = ward_event_find(ev, key, klen);
    if (f) {
        out[0] = f;
        return max ? 1 : 0;
    }
    /* an array: key.0, key.1 ... */
    size_t n = 0;
    char buf[1100];
    if (klen + 12 >= sizeof buf) return 0;
    memcpy(buf, key, klen);
    for (size_t i = 0; n < max; i++) {
        int l = snprintf(buf + klen, sizeof buf - klen, ".%zu", i);
        f = ward_event_find(ev, buf, klen + (size_t)l);
        if (!f) break;
        out[n++] = f;
    }
    return n;
}

size_t ward_sigma_field_values(const struct ward_taxonomy *t, const struct ward_ls_ids *rule_ls,
                               const char *sigma_field, struct ward_event *ev,
                               struct ward_field **out, size_t max)
{
    const char *keys[TX_MAX_KEYS];
    size_t nk = ward_taxonomy_field_keys(t, rule_ls, sigma_field, keys, TX_MAX_KEYS);
    for (size_t i = 0; i < nk; i++) {
        size_t n = key_values(ev, keys[i], out, max);
        if (n) return n;
    }
    return 0;
}

/* ---- classification -------------------------------------------------------------------- */

/* Case-insensitive glob ('*' any run, '?' one byte) over the whole value. */
static int sel_glob(const char *pat, struct ward_str v)
{
    size_t pi = 0, si = 0, star = SIZE_MAX, mark = 0, plen = strlen(pat);
    while (si < v.len) {
        if (pi < plen && pat[pi] == '*') {
            star = pi++;
            mark = si;
        } else if (pi < plen && (pat[pi] == '?' || ward_lower((unsigned char)pat[pi]) ==
                                                       ward_lower((unsigned char)v.ptr[si]))) {
            pi++;
            si++;
        } else if (star != SIZE_MAX) {
            pi = star + 1;
            si = ++mark;
        } else {
            return 0;
        }
    }
    while (pi < plen && pat[pi] == '*') pi++;
    return pi == plen;
}

/* The values selectors read during one classification, looked up once each. */
#define MEMO_MAX 16
struct memo {
    uint16_t pid;
    size_t n;
    const char *field[MEMO_MAX];
    int present[MEMO_MAX];
    struct ward_str val[MEMO_MAX];
};

/* The first value of a Sigma field for product pid (0: absent, 1: present, <0 error). */
static int memo_get(const struct ward_taxonomy *t, struct memo *m, uint16_t pid, const char *field,
                    struct ward_event *ev, struct ward_str *out)
{
    if (m->pid != pid) {
        m->pid = pid;
        m->n = 0;
    }
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->field[i], field) == 0) {
            *out = m->val[i];
            return m->present[i];
        }
    struct ward_ls_ids ls;
    memset(&ls, 0, sizeof ls);
    ls.product = pid;
    struct ward_field *f[1];
    int present = ward_sigma_field_values(t, &ls, field, ev, f, 1) > 0;
    struct ward_str v = {"", 0};
    if (present && ward_event_value(ev, f[0], &v)) return -1;
    if (m->n < MEMO_MAX) {
        m->field[m->n] = field;
        m->present[m->n] = present;
        m->val[m->n] = v;
        m->n++;
    }
    *out = v;
    return present;
}

static int sel_holds(const struct ward_taxonomy *t, struct memo *m, uint16_t pid,
                     const struct tx_sel *s, struct ward_event *ev)
{
    for (size_t i = 0; i < s->n; i++) {
        const struct tx_cond *c = &s->conds[i];
        struct ward_str v;
        if (memo_get(t, m, pid, c->field, ev, &v) <= 0) return 0;
        if (c->nvals == 0) continue;
        int ok = 0;
        for (size_t j = 0; j < c->nvals && !ok; j++)
            ok = c->glob[j] ? sel_glob(c->vals[j], v) : ward_str_ieq_c(v, c->vals[j]);
        if (!ok) return 0;
    }
    return 1;
}

static int any_sel(const struct ward_taxonomy *t, struct memo *m, uint16_t pid,
                   const struct tx_sel *v, size_t n, struct ward_event *ev)
{
    for (size_t i = 0; i < n; i++)
        if (sel_holds(t, m, pid, &v[i], ev)) return 1;
    return 0;
}

static void add_cat(struct ward_ls_ids *out, uint16_t c)
{
    if (!c) return;
    for (uint8_t i = 0; i < out->ncategories; i++)
        if (out->categories[i] == c) return;
    if (out->ncategories < WARD_LS_MAX_CATEGORIES) out->categories[out->ncategories++] = c;
}

void ward_taxonomy_classify(const struct ward_taxonomy *t, struct ward_event *ev,
                            struct ward_ls_ids *out)
{
    memset(out, 0, sizeof *out);
    struct memo memo;
    memo.pid = UINT16_MAX;
    memo.n = 0;
    struct memo *m = &memo;
    int refined = 0;
    if (ev->product) {
        out->product = product_id(t, ev->product);
        /* a product may claim events a decoder gave a generic product (syslog: linux) */
        for (size_t i = 1; i < t->nproducts && !refined; i++) {
            const struct tx_product *q = &t->products[i];
            for (size_t j = 0; j < q->nrefines && !refined; j++)
                if (strcasecmp(q->refines[j], ev->product) == 0 &&
                    any_sel(t, m, (uint16_t)i, q->recognise, q->nrecognise, ev)) {
                    out->product = (uint16_t)i;
                    refined = 1;
                }
        }
    } else {
        for (size_t i = 1; i < t->nproducts && !out->product; i++)
            if (any_sel(t, m, (uint16_t)i, t->products[i].recognise, t->products[i].nrecognise, ev))
                out->product = (uint16_t)i;
    }
    const struct tx_product *p = product_by_id(t, out->product);
    /* the taxonomy's selectors first (so EVTX and JSON renderings of one event agree),
     * then the service the decoder named */
    for (size_t i = 0; i < p->nservices && !out->service; i++)
        if (p->services[i].nsels &&
            any_sel(t, m, out->product, p->services[i].sels, p->services[i].nsels, ev))
            out->service = p->services[i].id;
    if (!out->service && ev->service && !refined)
        out->service = name_id(&t->service_names, ev->service);
    if (ev->category && !refined) add_cat(out, name_id(&t->cat_names, ev->category));
    for (size_t i = 0; i < p->ncats; i++)
        if (p->cats[i].nsels && any_sel(t, m, out->product, p->cats[i].sels, p->cats[i].nsels, ev))
            add_cat(out, p->cats[i].id);
}

const char *ward_taxonomy_product_name(const struct ward_taxonomy *t, uint16_t id)
{
    return id && id < t->nproducts ? t->products[id].name : NULL;
}

const char *ward_taxonomy_service_name(const struct ward_taxonomy *t, uint16_t id)
{
    return id ? ward_intern_name(&t->service_names, (uint32_t)id - 1) : NULL;
}

const char *ward_taxonomy_category_name(const struct ward_taxonomy *t, uint16_t id)
{
    return id ? ward_intern_name(&t->cat_names, (uint32_t)id - 1) : NULL;
}

/* ---- the keys classification reads (added for the compiled matcher's memo) -------------- */

static size_t add_class_keys(const struct ward_taxonomy *t, uint16_t pid, const struct tx_sel *v,
                             size_t nv, const char **out, size_t n, size_t max)
{
    struct ward_ls_ids ls;
    memset(&ls, 0, sizeof ls);
    ls.product = pid;
    for (size_t i = 0; i < nv; i++) {
        for (size_t c = 0; c < v[i].n; c++) {
            const char *keys[TX_MAX_KEYS];
            size_t nk = ward_taxonomy_field_keys(t, &ls, v[i].conds[c].field, keys, TX_MAX_KEYS);
            for (size_t k = 0; k < nk; k++) {
                size_t j = 0;
                while (j < n && j < max && strcmp(out[j], keys[k]) != 0) j++;
                if (j < n && j < max) continue;
                if (n < max) out[n] = keys[k];
                n++;
            }
        }
    }
    return n;
}

size_t ward_taxonomy_classify_keys(const struct ward_taxonomy *t, const char **keys, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < t->nproducts; i++) {
        const struct tx_product *p = &t->products[i];
        n = add_class_keys(t, (uint16_t)i, p->recognise, p->nrecognise, keys, n, max);
        for (size_t s = 0; s < p->nservices; s++)
            n = add_class_keys(t, (uint16_t)i, p->services[s].sels, p->services[s].nsels, keys, n,
                               max);
        for (size_t c = 0; c < p->ncats; c++)
            n = add_class_keys(t, (uint16_t)i, p->cats[c].sels, p->cats[c].nsels, keys, n, max);
    }
    return n;
}
