/*
 * ioc_pattern.h - the STIX 2.1 pattern parser's result (internal to the ioc module and its
 * tests): the comparisons of a pattern, each either matchable (type >= 0, value) or not
 * (reason says why).
 */
#ifndef WARD_IOC_PATTERN_H
#define WARD_IOC_PATTERN_H

#include "ward/ioc.h"

/* a network-traffic reference: an address (either family) or a domain name */
#define IOC_TYPE_ADDR 100

struct ioc_pattern_leaf {
    int type;          /* enum ward_ioc_type, IOC_TYPE_ADDR, or -1 when not matchable */
    const char *value; /* the string literal, unescaped (NULL for other literals) */
    size_t vlen;
    const char *path;   /* "ipv4-addr:value", "file:hashes.sha-256" (lower-cased) */
    const char *reason; /* why it is not matchable (static text), NULL when it is */
};

struct ioc_pattern {
    struct ioc_pattern_leaf *leaves;
    size_t n, cap;
    struct ward_arena arena;
    char error[256]; /* syntax error text */
    size_t error_pos;
};

/* Parses a pattern. 0, or WARD_ESYNTAX with out->error. Free with ioc_pattern_free in
 * both cases. */
int ioc_pattern_parse(const char *s, size_t n, struct ioc_pattern *out);
void ioc_pattern_free(struct ioc_pattern *p);

#endif
