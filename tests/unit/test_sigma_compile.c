/*
 * test_sigma_compile.c - the compiled Sigma rule set and matcher on rules built by hand as
 * ASTs (no parser, no taxonomy: each Sigma field reads the event key of the same name):
 * globs (equals, contains, startswith, endswith, '?' and '*' inside), case, |all, |neq,
 * keywords, pure negations, regexes (Vectorscan prefilter + PCRE2, lookarounds), cidr,
 * numbers, null, exists, fieldref, empty values, rule order of hits, rejected rules;
 * atoms that are no rule's gate (scanned on demand), globs scanned as their longest
 * literal run, literals with non-ASCII bytes.
 */
#include "test.h"

#include "detect/sigma/compiled.h"
#include "ward/sigma.h"

static struct ward_sigma_rules *set;

static void *xalloc(size_t n)
{
    void *p = ward_arena_alloc(&set->arena, n);
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    memset(p, 0, n);
    return p;
}

static char *xstr(const char *s)
{
    char *p = xalloc(strlen(s) + 1);
    memcpy(p, s, strlen(s) + 1);
    return p;
}

/* A glob from text where '*' and '?' are wildcards (no escapes needed in these tests). */
static void glob(struct ward_sigma_pattern *p, const char *s, unsigned flags)
{
    memset(p, 0, sizeof *p);
    p->kind = WARD_SP_GLOB;
    p->flags = (uint8_t)flags;
    p->text = xstr(s);
    p->len = strlen(s);
    int any = 0;
    uint8_t *w = xalloc(p->len + 1);
    for (size_t i = 0; i < p->len; i++) {
        w[i] = s[i] == '*' ? WARD_GLOB_STAR : s[i] == '?' ? WARD_GLOB_ONE : WARD_GLOB_LIT;
        any |= w[i] != WARD_GLOB_LIT;
    }
    p->wild = any ? w : NULL;
}

static struct ward_sigma_pattern *pat(int kind, const char *text, unsigned flags, double num)
{
    struct ward_sigma_pattern *p = xalloc(sizeof *p);
    if (kind == WARD_SP_GLOB) {
        glob(p, text, flags);
        return p;
    }
    p->kind = (uint8_t)kind;
    p->flags = (uint8_t)flags;
    p->num = num;
    if (text) {
        p->text = xstr(text);
        p->len = strlen(text);
    }
    return p;
}

/* An item over values each with one pattern. */
static struct ward_sigma_item item(const char *field, unsigned flags, size_t n,
                                   struct ward_sigma_pattern **pats)
{
    struct ward_sigma_item it;
    memset(&it, 0, sizeof it);
    it.field = field ? xstr(field) : NULL;
    it.flags = flags;
    it.nvalues = n;
    it.values = xalloc(n * sizeof *it.values);
    for (size_t i = 0; i < n; i++) {
        it.values[i].alts = pats[i];
        it.values[i].nalts = 1;
    }
    return it;
}

static struct ward_sigma_cond *cond(int kind, uint32_t ref, struct ward_sigma_cond *a,
                                    struct ward_sigma_cond *b)
{
    struct ward_sigma_cond *c = xalloc(sizeof *c);
    c->kind = (uint8_t)kind;
    c->ref = ref;
    c->a = a;
    c->b = b;
    return c;
}

#define REF(i) cond(WARD_SC_REF, (i), NULL, NULL)

static struct ward_sigma_rule *rule(const char *title, size_t ndets)
{
    struct ward_sigma_rule *r = xalloc(sizeof *r);
    r->title = xstr(title);
    r->path = xstr("test.yml");
    r->kind = WARD_RULE_DETECTION;
    r->ndets = ndets;
    r->dets = xalloc(ndets * sizeof *r->dets);
    set->rules[set->nrules++] = r;
    return r;
}

/* detection d of r = one group of the given items */
static void det(struct ward_sigma_rule *r, size_t d, size_t nitems, struct ward_sigma_item *items)
{
    r->dets[d].name = xstr("sel");
    r->dets[d].ngroups = 1;
    r->dets[d].groups = xalloc(sizeof *r->dets[d].groups);
    r->dets[d].groups[0].nitems = nitems;
    r->dets[d].groups[0].items = xalloc(nitems * sizeof *items);
    memcpy(r->dets[d].groups[0].items, items, nitems * sizeof *items);
}

static unsigned long long hits_mask;
static size_t hit_order_bad, last_hit;

static void on_hit(void *ctx, size_t ri)
{
    (void)ctx;
    if (hits_mask && ri <= last_hit) hit_order_bad++;
    last_hit = ri;
    hits_mask |= 1ULL << ri;
}

/* Runs the matcher over an event given as "key=value" pairs (value "<null>" for a JSON
 * null) and returns the bit mask of the rules that hit. */
static unsigned long long run(struct ward_matcher *m, const struct ward_ruleset *rs, ...)
{
    struct ward_event ev;
    if (ward_event_init(&ev, ward_ruleset_fields(rs))) exit(1);
    va_list ap;
    va_start(ap, rs);
    const char *kv;
    while ((kv = va_arg(ap, const char *)) != NULL) {
        const char *eq = strchr(kv, '=');
        int isnull = strcmp(eq + 1, "<null>") == 0;
        if (ward_event_add_copy(&ev, kv, (size_t)(eq - kv), isnull ? "" : eq + 1,
                                isnull ? 0 : strlen(eq + 1), isnull ? WARD_V_NULL : WARD_V_STR))
            exit(1);
    }
    va_end(ap);
    hits_mask = 0;
    last_hit = 0;
    int n = ward_matcher_run(m, &ev, on_hit, NULL);
    CHECK(n >= 0);
    CHECK_INT(n, __builtin_popcountll(hits_mask));
    ward_event_free(&ev);
    return hits_mask;
}

#define BIT(i) (1ULL << (i))

int main(void)
{
    if (ward_sigma_rules_new(&set)) return 1;
    set->rules = calloc(64, sizeof *set->rules); /* the set frees it */
    struct ward_sigma_pattern *p[8];

    /* 0: Image|endswith cmd.exe and CommandLine|contains whoami */
    struct ward_sigma_rule *r = rule("endswith+contains", 1);
    struct ward_sigma_item its[4];
    p[0] = pat(WARD_SP_GLOB, "*\\cmd.exe", 0, 0);
    its[0] = item("Image", 0, 1, p);
    p[0] = pat(WARD_SP_GLOB, "*whoami*", 0, 0);
    its[1] = item("CommandLine", 0, 1, p);
    det(r, 0, 2, its);
    r->cond = REF(0);

    /* 1: CommandLine|contains|all [net, user] and not User: SYSTEM */
    r = rule("all and not filter", 2);
    p[0] = pat(WARD_SP_GLOB, "*net *", 0, 0);
    p[1] = pat(WARD_SP_GLOB, "*user*", 0, 0);
    its[0] = item("CommandLine", WARD_SI_ALL, 2, p);
    det(r, 0, 1, its);
    p[0] = pat(WARD_SP_GLOB, "SYSTEM", 0, 0);
    its[0] = item("User", 0, 1, p);
    det(r, 1, 1, its);
    r->cond = cond(WARD_SC_AND, 0, REF(0), cond(WARD_SC_NOT, 0, REF(1), NULL));

    /* 2: keywords mimikatz or sekurlsa */
    r = rule("keywords", 1);
    p[0] = pat(WARD_SP_GLOB, "*mimikatz*", 0, 0);
    p[1] = pat(WARD_SP_GLOB, "*sekurlsa::*", 0, 0);
    its[0] = item(NULL, 0, 2, p);
    det(r, 0, 1, its);
    r->cond = REF(0);

    /* 3: pure negation: not Image|endswith explorer.exe */
    r = rule("not explorer", 1);
    p[0] = pat(WARD_SP_GLOB, "*explorer.exe", 0, 0);
    its[0] = item("Image", 0, 1, p);
    det(r, 0, 1, its);
    r->cond = cond(WARD_SC_NOT, 0, REF(0), NULL);

    /* 4: regexes, one with a lookahead Vectorscan cannot run exactly */
    r = rule("regex", 1);
    p[0] = pat(WARD_SP_RE, "invoke-\\w+expression", WARD_SP_RE_I, 0);
    p[1] = pat(WARD_SP_RE, "foo(?=bar)\\d?", 0, 0);
    its[0] = item("CommandLine", 0, 2, p);
    det(r, 0, 1, its);
    r->cond = REF(0);

    /* 5: cidr and a number */
    r = rule("cidr and gt", 1);
    p[0] = pat(WARD_SP_CIDR, "10.0.0.0/8", 0, 0);
    p[0]->family = 4;
    p[0]->prefix = 8;
    p[0]->addr[0] = 10;
    its[0] = item("DestinationIp", 0, 1, p);
    p[0] = pat(WARD_SP_GT, NULL, 0, 1000);
    its[1] = item("DestinationPort", 0, 1, p);
    det(r, 0, 2, its);
    r->cond = REF(0);

    /* 6: null or empty */
    r = rule("null", 1);
    p[0] = pat(WARD_SP_NULL, NULL, 0, 0);
    its[0] = item("ParentImage", 0, 1, p);
    det(r, 0, 1, its);
    r->cond = REF(0);

    /* 7: '?' inside, exact case */
    r = rule("one char, cased", 1);
    p[0] = pat(WARD_SP_GLOB, "C?D.exe", WARD_SP_CASED, 0);
    its[0] = item("OriginalFileName", 0, 1, p);
    det(r, 0, 1, its);
    r->cond = REF(0);

    /* 8: '*' (field present), empty value '', exists: false */
    r = rule("any, empty, not exists", 3);
    p[0] = pat(WARD_SP_GLOB, "*", 0, 0);
    its[0] = item("Hashes", 0, 1, p);
    det(r, 0, 1, its);
    p[0] = pat(WARD_SP_GLOB, "", 0, 0);
    its[0] = item("Description", 0, 1, p);
    det(r, 1, 1, its);
    p[0] = pat(WARD_SP_EXISTS, NULL, 0, 0);
    its[0] = item("Signed", 0, 1, p);
    det(r, 2, 1, its);
    r->cond = cond(WARD_SC_AND, 0, cond(WARD_SC_AND, 0, REF(0), REF(1)), REF(2));

    /* 9: fieldref and neq */
    r = rule("fieldref, neq", 1);
    p[0] = pat(WARD_SP_FIELDREF, "TargetUser", 0, 0);
    its[0] = item("SubjectUser", 0, 1, p);
    p[0] = pat(WARD_SP_GLOB, "admin", 0, 0);
    p[1] = pat(WARD_SP_GLOB, "root", 0, 0);
    its[1] = item("SubjectUser", WARD_SI_NEQ, 2, p);
    det(r, 0, 2, its);
    r->cond = REF(0);

    /* 10: middle wildcard, equality of a number-like value */
    r = rule("middle star", 1);
    p[0] = pat(WARD_SP_GLOB, "c:\\windows\\*\\rundll32.exe", 0, 0);
    its[0] = item("Image", 0, 1, p);
    p[0] = pat(WARD_SP_GLOB, "4688", 0, 0);
    its[1] = item("EventID", 0, 1, p);
    det(r, 0, 2, its);
    r->cond = REF(0);

    /* 11: rejected: a regex that does not compile */
    r = rule("bad regex", 1);
    p[0] = pat(WARD_SP_RE, "(unclosed", 0, 0);
    its[0] = item("CommandLine", 0, 1, p);
    det(r, 0, 1, its);
    r->cond = REF(0);

    /* 12: rejected: condition refers to a missing detection */
    r = rule("bad ref", 1);
    p[0] = pat(WARD_SP_GLOB, "x", 0, 0);
    its[0] = item("CommandLine", 0, 1, p);
    det(r, 0, 1, its);
    r->cond = REF(5);

    /* 13 (compiled index 11): startswith, and equality of a repeated value */
    r = rule("startswith, equals", 2);
    p[0] = pat(WARD_SP_GLOB, "c:\\temp\\*", 0, 0);
    its[0] = item("CurrentDirectory", 0, 1, p);
    det(r, 0, 1, its);
    p[0] = pat(WARD_SP_GLOB, "abab", 0, 0);
    its[0] = item("Tag", 0, 1, p);
    det(r, 1, 1, its);
    r->cond = cond(WARD_SC_OR, 0, REF(0), REF(1));

    /* 14 (compiled index 12): a cheap gate (Image) with the rest deferred: an OR of a
     * literal, a glob with an inner star (scanned as "frombase64") and a non-ASCII literal,
     * and a filter */
    r = rule("deferred", 3);
    p[0] = pat(WARD_SP_GLOB, "*\\powershell.exe", 0, 0);
    its[0] = item("Image", 0, 1, p);
    det(r, 0, 1, its);
    p[0] = pat(WARD_SP_GLOB, "*-enc *", 0, 0);
    p[1] = pat(WARD_SP_GLOB, "*frombase64*string*", 0, 0);
    p[2] = pat(WARD_SP_GLOB,
               "*\xc3\xbcn\xc3\xaf"
               "code*",
               0, 0);
    its[0] = item("CommandLine", 0, 3, p);
    det(r, 1, 1, its);
    p[0] = pat(WARD_SP_GLOB, "c:\\program files\\*", 0, 0);
    its[0] = item("ParentImage", 0, 1, p);
    det(r, 2, 1, its);
    r->cond = cond(WARD_SC_AND, 0, cond(WARD_SC_AND, 0, REF(0), REF(1)),
                   cond(WARD_SC_NOT, 0, REF(2), NULL));

    /* 15 (compiled index 13): short endswith literals, deferred behind a gate */
    r = rule("endswith behind a gate", 2);
    p[0] = pat(WARD_SP_GLOB, "*\\startup\\*", 0, 0);
    its[0] = item("TargetFilename", 0, 1, p);
    det(r, 0, 1, its);
    p[0] = pat(WARD_SP_GLOB, "*.exe", 0, 0);
    p[1] = pat(WARD_SP_GLOB, "*.dll", 0, 0);
    p[2] = pat(WARD_SP_GLOB, "*.bat", 0, 0);
    p[3] = pat(WARD_SP_GLOB, "*.lnk", 0, 0);
    p[4] = pat(WARD_SP_GLOB, "*.vbs", 0, 0);
    p[5] = pat(WARD_SP_GLOB, "*.hta", 0, 0);
    p[6] = pat(WARD_SP_GLOB, "*.scr", 0, 0);
    p[7] = pat(WARD_SP_GLOB, "*.ps1", 0, 0); /* more than WARD_DIRECT_MAX: a database */
    its[0] = item("TargetFilename", 0, 8, p);
    det(r, 1, 1, its);
    r->cond = cond(WARD_SC_AND, 0, REF(0), REF(1));

    /* 16 (compiled index 14): "TAG=..." contains literals (more than WARD_DIRECT_MAX, with
     * four tag lengths): the slot's tag table instead of a Vectorscan database */
    r = rule("hash tags", 1);
    p[0] = pat(WARD_SP_GLOB, "*SHA256=0123456789ABCDEF*", 0, 0);
    p[1] = pat(WARD_SP_GLOB, "*MD5=FEDCBA9876543210*", 0, 0);
    p[2] = pat(WARD_SP_GLOB, "*IMPHASH=00112233445566778899*", 0, 0);
    p[3] = pat(WARD_SP_GLOB, "*SHA1=AAAABBBBCCCC*", 0, 0);
    p[4] = pat(WARD_SP_GLOB, "*SHA1=AAAABBBBCCCD*", 0, 0);
    p[5] = pat(WARD_SP_GLOB, "*MD5=1111111122222222*", 0, 0);
    p[6] = pat(WARD_SP_GLOB, "*=9999999988888888*", 0, 0);
    p[7] = pat(WARD_SP_GLOB, "*SHA1=A=B=C=D=E=F=G*", WARD_SP_CASED, 0);
    its[0] = item("Hashes", 0, 8, p);
    det(r, 0, 1, its);
    r->cond = REF(0);

    /* 17 (compiled index 15): regexes of literals joined by ".*", matched in C */
    r = rule("regex sequence", 2);
    p[0] = pat(WARD_SP_RE, "\\+.*\\+.*\\+.*Xy", 0, 0);
    its[0] = item("Payload", 0, 1, p);
    det(r, 0, 1, its);
    p[0] = pat(WARD_SP_RE, "ab.*\\..*cd", WARD_SP_RE_I | WARD_SP_RE_S, 0);
    its[0] = item("Payload2", 0, 1, p);
    det(r, 1, 1, its);
    r->cond = cond(WARD_SC_OR, 0, REF(0), REF(1));

    /* 18 (compiled index 16): regexes scanned as their factor (a run of bytes every match
     * holds) and confirmed with PCRE2; the last one has none (an alternation at the top) */
    r = rule("regex factors", 6);
    const char *res[6] = {"net\\s+user\\s+", "(Copy-Item|cpi) .{2,8} -Dest", "https?://x\\.y",
                          "xy\\{2\\}zz",     "Qq[a-c]{2}wxyz\\tend",         "zq+|wwww"};
    for (int i = 0; i < 6; i++) {
        p[0] = pat(WARD_SP_RE, res[i], 0, 0);
        its[0] = item("Cmd", 0, 1, p);
        det(r, (size_t)i, 1, its);
    }
    r->cond = cond(WARD_SC_OR, 0, cond(WARD_SC_OR, 0, REF(0), REF(1)),
                   cond(WARD_SC_OR, 0, cond(WARD_SC_OR, 0, REF(2), REF(3)),
                        cond(WARD_SC_OR, 0, REF(4), REF(5))));

    struct ward_ruleset *rs = NULL;
    struct ward_err err;
    ward_err_clear(&err);
    CHECK_INT(ward_ruleset_compile(set, NULL, &rs, &err), 0);
    if (!rs) return test_done("test_sigma_compile");
    CHECK_INT(ward_ruleset_count(rs), 17);
    CHECK(rs->n_deferred >= 3); /* rule 12's CommandLine atoms and filter */
    CHECK_INT(set->ndiags, 2);
    if (set->ndiags == 2) {
        CHECK(strstr(set->diags[0].reason, "does not compile") != NULL);
        CHECK(strstr(set->diags[1].reason, "detection 5") != NULL);
        CHECK_STR(set->diags[0].title, "bad regex");
    }
    CHECK_STR(ward_ruleset_rule(rs, 4)->title, "regex");
    CHECK(ward_intern_find(ward_ruleset_fields(rs), "CommandLine", 11) >= 0);
    CHECK(rs->n_exact > 5);
    CHECK(rs->n_confirm == 10);

    struct ward_matcher *m = NULL;
    CHECK_INT(ward_matcher_new(rs, &m), 0);
    if (!m) return test_done("test_sigma_compile");

    /* rule 3 (not explorer) and 9 (neq, fieldref absent -> false) interplay: with Image
     * explorer.exe, 3 is off */
    unsigned long long base = BIT(3) | BIT(6); /* without ParentImage, rule 6 (null) holds */
    CHECK_INT(
        run(m, rs, "Image=C:\\Windows\\System32\\CMD.EXE", "CommandLine=cmd /c WhoAmI /all", NULL),
        BIT(0) | base);
    CHECK_INT(run(m, rs, "Image=C:\\Windows\\System32\\cmd.exe.bak", "CommandLine=whoami", NULL),
              base);
    CHECK_INT(run(m, rs, "Image=C:\\Windows\\explorer.exe", "CommandLine=whoami", NULL), BIT(6));
    /* |all and not filter */
    CHECK_INT(run(m, rs, "CommandLine=NET USER bob /add", NULL), BIT(1) | base);
    CHECK_INT(run(m, rs, "CommandLine=net user bob", "User=system", NULL), base);
    CHECK_INT(run(m, rs, "CommandLine=net view", NULL), base);
    /* keywords in any field */
    CHECK_INT(run(m, rs, "Foo=bar", "Payload=run MimiKatz now", NULL), BIT(2) | base);
    CHECK_INT(run(m, rs, "X=sekurlsa::logonpasswords", NULL), BIT(2) | base);
    CHECK_INT(run(m, rs, "X=sekurlsa:logonpasswords", NULL), base);
    /* regexes */
    CHECK_INT(run(m, rs, "CommandLine=IEX; Invoke-WebExpression", NULL), BIT(4) | base);
    CHECK_INT(run(m, rs, "CommandLine=invoke-expression", NULL), base);
    CHECK_INT(run(m, rs, "CommandLine=xfoobar", NULL), BIT(4) | base);
    CHECK_INT(run(m, rs, "CommandLine=xfoobaz", NULL), base);
    CHECK_INT(run(m, rs, "CommandLine=FOOBAR", NULL), base);
    /* cidr and number */
    CHECK_INT(run(m, rs, "DestinationIp=10.1.2.3", "DestinationPort=4444", NULL), BIT(5) | base);
    CHECK_INT(run(m, rs, "DestinationIp=11.1.2.3", "DestinationPort=4444", NULL), base);
    CHECK_INT(run(m, rs, "DestinationIp=10.1.2.3", "DestinationPort=80", NULL), base);
    CHECK_INT(run(m, rs, "DestinationIp=10.1.2.3", "DestinationPort=abc", NULL), base);
    /* null */
    base = BIT(3);
    CHECK_INT(run(m, rs, "ParentImage=<null>", NULL), BIT(6) | base);
    CHECK_INT(run(m, rs, "ParentImage=", NULL), BIT(6) | base);
    CHECK_INT(run(m, rs, "Other=1", NULL), BIT(6) | base);
    CHECK_INT(run(m, rs, "ParentImage=x", NULL), base);
    /* '?' and case */
    CHECK_INT(run(m, rs, "OriginalFileName=CMD.exe", "ParentImage=x", NULL), BIT(7) | base);
    CHECK_INT(run(m, rs, "OriginalFileName=cmd.exe", "ParentImage=x", NULL), base);
    CHECK_INT(run(m, rs, "OriginalFileName=CMMD.exe", "ParentImage=x", NULL), base);
    /* '*', '' and exists: false */
    CHECK_INT(run(m, rs, "Hashes=", "Description=", "ParentImage=x", NULL), BIT(8) | base);
    CHECK_INT(run(m, rs, "Hashes=a", "Description=", "Signed=true", "ParentImage=x", NULL), base);
    CHECK_INT(run(m, rs, "Description=", "ParentImage=x", NULL), base);
    /* fieldref + neq */
    CHECK_INT(run(m, rs, "SubjectUser=Bob", "TargetUser=bob", "ParentImage=x", NULL),
              BIT(9) | base);
    CHECK_INT(run(m, rs, "SubjectUser=Admin", "TargetUser=admin", "ParentImage=x", NULL), base);
    CHECK_INT(run(m, rs, "SubjectUser=Bob", "TargetUser=alice", "ParentImage=x", NULL), base);
    /* middle star + EventID */
    CHECK_INT(run(m, rs, "Image=C:\\Windows\\System32\\rundll32.exe", "EventID=4688",
                  "ParentImage=x", NULL),
              BIT(10) | base);
    CHECK_INT(run(m, rs, "Image=C:\\Windows\\rundll32.exe", "EventID=4688", "ParentImage=x", NULL),
              base);
    CHECK_INT(run(m, rs, "Image=C:\\Windows\\System32\\rundll32.exe", "EventID=46880",
                  "ParentImage=x", NULL),
              base);
    /* positions of bare literals: repeated occurrences, start, end, whole */
    CHECK_INT(run(m, rs, "Image=C:\\cmd.exe\\x\\cmd.exe", "ParentImage=x", NULL), base);
    CHECK_INT(
        run(m, rs, "Image=C:\\cmd.exe\\x\\cmd.exe", "CommandLine=whoami", "ParentImage=x", NULL),
        BIT(0) | base);
    CHECK_INT(run(m, rs, "CurrentDirectory=C:\\Temp\\x", "ParentImage=x", NULL), BIT(11) | base);
    CHECK_INT(run(m, rs, "CurrentDirectory=C:\\Temp\\", "ParentImage=x", NULL), BIT(11) | base);
    CHECK_INT(run(m, rs, "CurrentDirectory=d:\\c:\\temp\\x", "ParentImage=x", NULL), base);
    CHECK_INT(run(m, rs, "Tag=ABAB", "ParentImage=x", NULL), BIT(11) | base);
    CHECK_INT(run(m, rs, "Tag=ababab", "ParentImage=x", NULL), base);
    CHECK_INT(run(m, rs, "Tag=aba", "ParentImage=x", NULL), base);

    /* deferred atoms, evaluated for the candidate only */
    const char *ps = "Image=C:\\Windows\\PowerShell.EXE";
    CHECK_INT(run(m, rs, ps, "CommandLine=powershell -ENC abc", "ParentImage=x", NULL),
              BIT(12) | base);
    CHECK_INT(run(m, rs, ps, "CommandLine=powershell -encabc", "ParentImage=x", NULL), base);
    CHECK_INT(run(m, rs, ps, "CommandLine=[x]::FromBase64XString(y)", "ParentImage=x", NULL),
              BIT(12) | base);
    CHECK_INT(run(m, rs, ps, "CommandLine=[x]::FromBase64(y)", "ParentImage=x", NULL), base);
    /* matches in the last bytes of values longer than 64 bytes (Vectorscan 5.4.9's AVX-512
     * literal matcher misses them without the padding of scan()) */
    CHECK_INT(run(m, rs, ps,
                  "CommandLine=powershell.exe -NoProfile -ExecutionPolicy Bypass -Command "
                  "[x]::FromBase64XString",
                  "ParentImage=x", NULL),
              BIT(12) | base);
    CHECK_INT(run(m, rs, ps,
                  "CommandLine=powershell.exe -NoProfile -ExecutionPolicy Bypass -WindowStyle "
                  "Hidden -enc ",
                  "ParentImage=x", NULL),
              BIT(12) | base);
    CHECK_INT(run(m, rs, ps, "CommandLine=string frombase64", "ParentImage=x", NULL), base);
    CHECK_INT(run(m, rs, ps,
                  "CommandLine=a \xc3\xbcN\xc3\xaf"
                  "CODE b",
                  "ParentImage=x", NULL),
              BIT(12) | base);
    CHECK_INT(run(m, rs, ps,
                  "CommandLine=a \xc3\x9cN\xc3\xaf"
                  "CODE b",
                  "ParentImage=x", NULL),
              base); /* no folding of non-ASCII letters */
    CHECK_INT(run(m, rs, ps, "CommandLine=powershell -enc abc",
                  "ParentImage=C:\\Program Files\\x.exe", NULL),
              base);
    CHECK_INT(
        run(m, rs, "Image=C:\\cmd.exe", "CommandLine=powershell -enc abc", "ParentImage=x", NULL),
        base);

    CHECK_INT(run(m, rs,
                  "TargetFilename=C:\\Users\\administrator\\AppData\\Roaming\\Microsoft\\"
                  "Windows\\Start Menu\\Programs\\Startup\\cmd.exe",
                  "ParentImage=x", NULL),
              BIT(13) | base);
    CHECK_INT(run(m, rs, "TargetFilename=C:\\Startup\\cmd.exe", "ParentImage=x", NULL),
              BIT(13) | base);
    CHECK_INT(run(m, rs,
                  "TargetFilename=C:\\Users\\administrator\\AppData\\Roaming\\Microsoft\\"
                  "Windows\\Start Menu\\Programs\\Startup\\desktop.ini",
                  "ParentImage=x", NULL),
              base);

    /* the tag table: a match puts the literal's first '=' on one of the value's */
    int tagged = 0;
    for (uint32_t s = 0; s < rs->nslots; s++)
        if (strcmp(rs->slots[s].keys[0].name, "Hashes") == 0)
            tagged = rs->slots[s].now.tag != NULL && !rs->slots[s].now.db;
    CHECK(tagged);
    CHECK_INT(run(m, rs, "Hashes=SHA1=AAAABBBBCCCC,MD5=00", "ParentImage=x", NULL), BIT(14) | base);
    CHECK_INT(run(m, rs, "Hashes=SHA1=AAAABBBBCCCE,MD5=00", "ParentImage=x", NULL), base);
    CHECK_INT(run(m, rs, "Hashes=XSHA1=aaaabbbbcccdX", "ParentImage=x", NULL), BIT(14) | base);
    CHECK_INT(run(m, rs, "Hashes=a=b,sha256=0123456789abcdef0", "ParentImage=x", NULL),
              BIT(14) | base);
    CHECK_INT(run(m, rs, "Hashes=SHA256=0123456789abcde", "ParentImage=x", NULL), base);
    CHECK_INT(run(m, rs, "Hashes=MD5=FEDCBA9876543210", "ParentImage=x", NULL), BIT(14) | base);
    CHECK_INT(run(m, rs, "Hashes=MD5 FEDCBA9876543210", "ParentImage=x", NULL), base);
    CHECK_INT(run(m, rs, "Hashes=IMPHASH==00112233445566778899", "ParentImage=x", NULL), base);
    CHECK_INT(run(m, rs, "Hashes=x,IMPHASH=00112233445566778899", "ParentImage=x", NULL),
              BIT(14) | base);
    CHECK_INT(run(m, rs, "Hashes==9999999988888888", "ParentImage=x", NULL), BIT(14) | base);
    CHECK_INT(run(m, rs, "Hashes=9999999988888888", "ParentImage=x", NULL), base);
    CHECK_INT(run(m, rs, "Hashes=xSHA1=A=B=C=D=E=F=G", "ParentImage=x", NULL), BIT(14) | base);
    CHECK_INT(run(m, rs, "Hashes=xSHA1=A=B=C=D=E=F=g", "ParentImage=x", NULL), base);

    /* regexes of literals joined by ".*": without flag s, all on one line */
    int seqs = 0;
    for (uint32_t a = 0; a < rs->natoms; a++) seqs += rs->atoms[a].seq != NULL;
    CHECK_INT(seqs, 3); /* and rule 18's xy\\{2\\}zz */
    CHECK_INT(run(m, rs, "Payload=a+b+c+dXy", "ParentImage=x", NULL), BIT(15) | base);
    CHECK_INT(run(m, rs, "Payload=+++Xy", "ParentImage=x", NULL), BIT(15) | base);
    CHECK_INT(run(m, rs, "Payload=a+b+c+dxy", "ParentImage=x", NULL), base);
    CHECK_INT(run(m, rs, "Payload=a+b+Xy+", "ParentImage=x", NULL), base);
    CHECK_INT(run(m, rs, "Payload=+\n++Xy", "ParentImage=x", NULL), base);
    CHECK_INT(run(m, rs, "Payload=+\n+++Xy\n", "ParentImage=x", NULL), BIT(15) | base);
    CHECK_INT(run(m, rs, "Payload2=xAB\n.\nCdx", "ParentImage=x", NULL), BIT(15) | base);
    CHECK_INT(run(m, rs, "Payload2=xAB\nCd.", "ParentImage=x", NULL), base);

    /* regex factors: the factor is found without case, PCRE2 decides */
    int facs = 0;
    const char *want[5] = {"user", " -Dest", "://x.y", "xy{2}zz", "wxyz\tend"};
    for (uint32_t a = 0; a < rs->natoms; a++) {
        const struct atom *at = &rs->atoms[a];
        if (!at->fac || at->slot == WARD_KW_SLOT || strcmp(at->pat->text, "zq+|wwww") == 0)
            continue;
        for (int i = 0; i < 5; i++) facs += strcmp(at->fac, want[i]) == 0;
    }
    CHECK_INT(facs, 5);
    CHECK_INT(run(m, rs, "Cmd=a net  user  b", "ParentImage=x", NULL), BIT(16) | base);
    CHECK_INT(run(m, rs, "Cmd=a NET  USER  b", "ParentImage=x", NULL), base);
    CHECK_INT(run(m, rs, "Cmd=cpi abc -Dest", "ParentImage=x", NULL), BIT(16) | base);
    CHECK_INT(run(m, rs, "Cmd=cpi abc -dest", "ParentImage=x", NULL), base);
    CHECK_INT(run(m, rs, "Cmd=cpi abcdefghijk -Dest", "ParentImage=x", NULL), base);
    CHECK_INT(run(m, rs, "Cmd=https://x.y", "ParentImage=x", NULL), BIT(16) | base);
    CHECK_INT(run(m, rs, "Cmd=http://xzy", "ParentImage=x", NULL), base);
    CHECK_INT(run(m, rs, "Cmd=xy{2}zz", "ParentImage=x", NULL), BIT(16) | base);
    CHECK_INT(run(m, rs, "Cmd=xyyzz", "ParentImage=x", NULL), base);
    CHECK_INT(run(m, rs, "Cmd=Qqabwxyz\tend", "ParentImage=x", NULL), BIT(16) | base);
    CHECK_INT(run(m, rs, "Cmd=Qqabwxyz end", "ParentImage=x", NULL), base);
    CHECK_INT(run(m, rs, "Cmd=zqqq", "ParentImage=x", NULL), BIT(16) | base);
    CHECK_INT(run(m, rs, "Cmd=wwww", "ParentImage=x", NULL), BIT(16) | base);
    CHECK_INT(run(m, rs, "Cmd=z www", "ParentImage=x", NULL), base);

    /* several hits come in rule order */
    hit_order_bad = 0;
    CHECK_INT(run(m, rs, "Image=C:\\x\\cmd.exe", "CommandLine=whoami mimikatz foobar", NULL),
              BIT(0) | BIT(2) | BIT(3) | BIT(4) | BIT(6));
    CHECK_INT(hit_order_bad, 0);

    /* a second matcher on the same rule set gives the same answers */
    struct ward_matcher *m2 = NULL;
    CHECK_INT(ward_matcher_new(rs, &m2), 0);
    if (m2) CHECK_INT(run(m2, rs, "CommandLine=net user", "ParentImage=x", NULL), BIT(1) | base);
    ward_matcher_free(m2);

    ward_matcher_free(m);
    ward_ruleset_free(rs);
    ward_sigma_rules_free(set);
    return test_done("test_sigma_compile");
}
