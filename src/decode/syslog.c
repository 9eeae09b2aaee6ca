/*
 * syslog.c - syslog files and streams: RFC 3164 (BSD: "<PRI>Mmm dd hh:mm:ss host tag[pid]:
 * msg", PRI optional as in /var/log files) and RFC 5424 ("<PRI>1 TIMESTAMP HOST APP PROCID
 * MSGID [SD] MSG") with structured data and octet-counted framing ("LEN <PRI>1 ..."). Linux
 * authentication messages (sshd, sudo, su, PAM, useradd and friends) are parsed further into
 * user, source address, port, method, command fields. Logsource: product linux, service
 * sshd / auth / cron / syslog ... from the program name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decode/text.h"
#include "decoders.h"

struct syslog_state {
    struct text_lines lines;
    int year;           /* assumed year for RFC 3164 stamps (they have none) */
    ward_time_t now_ns; /* to move stamps that would lie in the future to last year */
    size_t max_record;
};

static const char *const facility_names[24] = {
    "kern",   "user",   "mail",     "daemon", "auth",   "syslog",   "lpr",     "news",
    "uucp",   "cron",   "authpriv", "ftp",    "ntp",    "security", "console", "solaris-cron",
    "local0", "local1", "local2",   "local3", "local4", "local5",   "local6",  "local7",
};
static const char *const severity_names[8] = {"emerg",   "alert",  "crit", "err",
                                              "warning", "notice", "info", "debug"};

/* ---- small scanners ---- */

static int is_ipish(struct ward_str s)
{
    /* an IPv4 or IPv6 literal: digits, hex, dots and colons, at least one dot or colon */
    if (s.len < 2 || s.len > 45) return 0;
    int sep = 0;
    for (size_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];
        if (c == '.' || c == ':') {
            sep = 1;
            continue;
        }
        if (!(text_is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == '%'))
            return 0;
    }
    return sep;
}

/* Finds needle in [p, end); NULL when absent. */
static const char *find(const char *p, const char *end, const char *needle)
{
    size_t n = strlen(needle);
    if ((size_t)(end - p) < n) return NULL;
    const char *last = end - n;
    while (p <= last) {
        const char *q = memchr(p, needle[0], (size_t)(last - p) + 1);
        if (!q) return NULL;
        if (memcmp(q, needle, n) == 0) return q;
        p = q + 1;
    }
    return NULL;
}

static int starts(const char *p, const char *end, const char *prefix)
{
    size_t n = strlen(prefix);
    return (size_t)(end - p) >= n && memcmp(p, prefix, n) == 0;
}

/* The token at p up to a space (or end). */
static struct ward_str token(const char *p, const char *end)
{
    const char *q = p;
    while (q < end && *q != ' ' && *q != '\t') q++;
    return ward_str_make(p, (size_t)(q - p));
}

/* ---- authentication messages ---- */

struct auth_fields {
    struct ward_str action, user, ip, port, method, proto, target, command, tty, pwd, reason;
    struct ward_str uid, gid, home, shell, group, pam_module, pam_service, pam_type, ruser,
        key_info, host_name;
    int invalid_user;
};

/* "from IP[ port N]" anywhere after p. */
static void scan_from(const char *p, const char *end, struct auth_fields *a)
{
    const char *f = p;
    while ((f = find(f, end, "from ")) != NULL) {
        struct ward_str ip = token(f + 5, end);
        if (ip.len && ip.ptr[ip.len - 1] == ':') ip.len--;
        if (is_ipish(ip)) {
            a->ip = ip;
            const char *q = ip.ptr + ip.len;
            if (starts(q, end, " port ")) {
                struct ward_str port = token(q + 6, end);
                const char *pc = memchr(port.ptr, ':', port.len);
                if (pc) port.len = (size_t)(pc - port.ptr);
                if (text_all_digits(port)) a->port = port;
                q = port.ptr + port.len;
                if (q < end && *q == ' ') {
                    struct ward_str proto = token(q + 1, end);
                    if (proto.len >= 3 && memcmp(proto.ptr, "ssh", 3) == 0) {
                        if (proto.ptr[proto.len - 1] == ':') proto.len--;
                        a->proto = proto;
                        const char *k = proto.ptr + proto.len;
                        if (starts(k, end, ": "))
                            a->key_info = text_trim(ward_str_make(k + 2, (size_t)(end - k - 2)));
                    }
                }
            }
            return;
        }
        f += 5;
    }
}

/* Reads "[invalid user ]USER" at p (the user ends at " from " or a space). */
static const char *scan_user(const char *p, const char *end, struct auth_fields *a)
{
    if (starts(p, end, "invalid user ")) {
        a->invalid_user = 1;
        p += 13;
    } else if (starts(p, end, "authenticating user ")) {
        p += 20;
    } else if (starts(p, end, "user ")) {
        p += 5;
    }
    /* a user name may contain spaces in "invalid user" lines; end at " from " when present */
    const char *fr = find(p, end, " from ");
    const char *sp = p;
    while (sp < end && *sp != ' ') sp++;
    const char *ue = (fr && a->invalid_user) ? fr : sp;
    if (ue > p) a->user = ward_str_make(p, (size_t)(ue - p));
    return ue;
}

/* key=value pairs separated by spaces ("logname= uid=0 euid=0 tty=ssh ruser= rhost=h user=u"). */
static void scan_pam_kv(const char *p, const char *end, struct auth_fields *a)
{
    while (p < end) {
        while (p < end && (*p == ' ' || *p == ';')) p++;
        const char *k = p;
        while (p < end && *p != '=' && *p != ' ') p++;
        if (p >= end || *p != '=') {
            while (p < end && *p != ' ') p++;
            continue;
        }
        struct ward_str key = ward_str_make(k, (size_t)(p - k));
        p++;
        const char *v = p;
        while (p < end && *p != ' ') p++;
        struct ward_str val = ward_str_make(v, (size_t)(p - v));
        if (!val.len) continue;
        if (ward_str_eq_c(key, "user"))
            a->user = val;
        else if (ward_str_eq_c(key, "rhost")) {
            if (is_ipish(val))
                a->ip = val;
            else
                a->host_name = val;
        } else if (ward_str_eq_c(key, "ruser"))
            a->ruser = val;
        else if (ward_str_eq_c(key, "tty"))
            a->tty = val;
        else if (ward_str_eq_c(key, "uid"))
            a->uid = val;
    }
}

/* "pam_unix(sshd:auth): ..." */
static void parse_pam_body(const char *m, const char *end, struct auth_fields *a);

static int parse_pam(const char *p, const char *end, struct auth_fields *a)
{
    const char *lp = memchr(p, '(', (size_t)(end - p));
    if (!lp || lp - p > 40) return 0;
    const char *rp = memchr(lp, ')', (size_t)(end - lp));
    if (!rp || rp + 1 >= end || rp[1] != ':') return 0;
    a->pam_module = ward_str_make(p, (size_t)(lp - p));
    const char *colon = memchr(lp, ':', (size_t)(rp - lp));
    if (colon) {
        a->pam_service = ward_str_make(lp + 1, (size_t)(colon - lp - 1));
        a->pam_type = ward_str_make(colon + 1, (size_t)(rp - colon - 1));
    } else {
        a->pam_service = ward_str_make(lp + 1, (size_t)(rp - lp - 1));
    }
    parse_pam_body(rp + 2, end, a);
    return 1;
}

/* The text of a PAM message after "module(service:type): ". */
static void parse_pam_body(const char *m, const char *end, struct auth_fields *a)
{
    while (m < end && *m == ' ') m++;
    if (starts(m, end, "authentication failure")) {
        a->action = WARD_STR("authentication_failure");
        const char *semi = memchr(m, ';', (size_t)(end - m));
        if (semi) scan_pam_kv(semi + 1, end, a);
    } else if (starts(m, end, "session opened for user ")) {
        a->action = WARD_STR("session_opened");
        const char *u = m + 24;
        const char *e = u;
        while (e < end && *e != ' ' && *e != '(') e++;
        a->user = ward_str_make(u, (size_t)(e - u));
        const char *by = find(e, end, " by ");
        if (by) {
            const char *b = by + 4, *be = b;
            while (be < end && *be != '(' && *be != ' ') be++;
            if (be > b) a->ruser = ward_str_make(b, (size_t)(be - b));
        }
    } else if (starts(m, end, "session closed for user ")) {
        a->action = WARD_STR("session_closed");
        a->user = text_trim(token(m + 24, end));
    } else if (starts(m, end, "check pass; user unknown")) {
        a->action = WARD_STR("user_unknown");
    } else if (starts(m, end, "password changed for ")) {
        a->action = WARD_STR("password_changed");
        a->user = token(m + 21, end);
    } else if (starts(m, end, "account ") || starts(m, end, "user ")) {
        a->action = WARD_STR("account");
    } else {
        a->action = WARD_STR("pam");
    }
}

/* Length of a "connection ended" prefix of sshd, 0 when the message has none. */
static size_t disconnect_prefix(const char *p, const char *end)
{
    static const char *const pre[] = {"Connection closed by ",
                                      "Connection reset by ",
                                      "Disconnected from ",
                                      "Received disconnect from ",
                                      "error: Received disconnect from ",
                                      NULL};
    for (int i = 0; pre[i]; i++)
        if (starts(p, end, pre[i])) return strlen(pre[i]);
    return 0;
}

static void parse_sshd(const char *p, const char *end, struct auth_fields *a)
{
    if (starts(p, end, "Accepted ") || starts(p, end, "Failed ")) {
        int ok = *p == 'A';
        a->action = ok ? WARD_STR("accepted") : WARD_STR("failed");
        const char *m = p + (ok ? 9 : 7);
        struct ward_str method = token(m, end);
        a->method = method;
        const char *q = method.ptr + method.len;
        if (starts(q, end, " for ")) scan_user(q + 5, end, a);
        scan_from(q, end, a);
    } else if (starts(p, end, "Invalid user ") || starts(p, end, "invalid user ")) {
        a->action = WARD_STR("invalid_user");
        a->invalid_user = 1;
        scan_user(p + 8, end, a);
        scan_from(p, end, a);
    } else if (starts(p, end, "input_userauth_request: invalid user ")) {
        a->action = WARD_STR("invalid_user");
        a->invalid_user = 1;
        const char *u = p + 37;
        const char *e = find(u, end, " [preauth]");
        a->user = ward_str_make(u, (size_t)((e ? e : end) - u));
    } else if (disconnect_prefix(p, end) > 0) {
        size_t plen = disconnect_prefix(p, end);
        a->action = (p[0] == 'C') ? WARD_STR("connection_closed") : WARD_STR("disconnected");
        const char *q = p + plen;
        if (starts(q, end, "invalid user ") || starts(q, end, "authenticating user ") ||
            starts(q, end, "user ")) {
            const char *ue = scan_user(q, end, a);
            q = ue < end ? ue + 1 : ue;
        }
        struct ward_str ip = token(q, end);
        if (ip.len && ip.ptr[ip.len - 1] == ':') ip.len--;
        if (is_ipish(ip)) {
            a->ip = ip;
            const char *r = ip.ptr + ip.len;
            if (starts(r, end, " port ")) {
                struct ward_str port = token(r + 6, end);
                const char *pc = memchr(port.ptr, ':', port.len);
                if (pc) port.len = (size_t)(pc - port.ptr);
                if (text_all_digits(port)) a->port = port;
            }
        }
    } else if (starts(p, end, "reverse mapping checking getaddrinfo for ")) {
        a->action = WARD_STR("reverse_mapping_failed");
        const char *lb = memchr(p, '[', (size_t)(end - p));
        const char *rb = lb ? memchr(lb, ']', (size_t)(end - lb)) : NULL;
        if (rb) a->ip = ward_str_make(lb + 1, (size_t)(rb - lb - 1));
        a->host_name = token(p + 41, end);
    } else if (starts(p, end, "Did not receive identification string from ")) {
        a->action = WARD_STR("no_identification");
        scan_from(p, end, a);
    } else if (starts(p, end, "error: maximum authentication attempts exceeded for ") ||
               starts(p, end, "maximum authentication attempts exceeded for ")) {
        a->action = WARD_STR("max_attempts_exceeded");
        const char *q = find(p, end, "exceeded for ") + 13;
        scan_user(q, end, a);
        scan_from(q, end, a);
    } else if (starts(p, end, "PAM ") && find(p, end, "more authentication failure")) {
        a->action = WARD_STR("authentication_failure");
        const char *semi = memchr(p, ';', (size_t)(end - p));
        if (semi) scan_pam_kv(semi + 1, end, a);
    } else if (starts(p, end, "pam_")) {
        parse_pam(p, end, a);
    } else if (starts(p, end, "Bad protocol version identification ") ||
               starts(p, end, "Unable to negotiate with ") ||
               starts(p, end, "Protocol major versions differ")) {
        a->action = WARD_STR("protocol_error");
        scan_from(p, end, a);
        if (!a->ip.len && starts(p, end, "Unable to negotiate with ")) {
            struct ward_str ip = token(p + 25, end);
            if (is_ipish(ip)) a->ip = ip;
        }
    } else if (starts(p, end, "Disconnecting: Too many authentication failures")) {
        a->action = WARD_STR("too_many_failures");
        const char *f = find(p, end, " for ");
        if (f) scan_user(f + 5, end, a);
    } else if (starts(p, end, "Server listening on ")) {
        a->action = WARD_STR("listening");
    } else {
        scan_from(p, end, a);
    }
}

/* "  user : TTY=pts/0 ; PWD=/home/u ; USER=root ; COMMAND=/bin/ls" */
static void parse_sudo(const char *p, const char *end, struct auth_fields *a)
{
    while (p < end && *p == ' ') p++;
    if (starts(p, end, "pam_")) {
        parse_pam(p, end, a);
        return;
    }
    const char *sep = find(p, end, " : ");
    if (!sep) return;
    a->user = text_trim(ward_str_make(p, (size_t)(sep - p)));
    a->action = WARD_STR("sudo");
    const char *q = sep + 3;
    while (q < end) {
        const char *e = find(q, end, " ; ");
        /* COMMAND runs to the end of the line: it may contain " ; " itself */
        if (starts(q, end, "COMMAND=")) e = NULL;
        const char *pe = e ? e : end;
        struct ward_str part = text_trim(ward_str_make(q, (size_t)(pe - q)));
        if (starts(part.ptr, part.ptr + part.len, "TTY="))
            a->tty = ward_str_make(part.ptr + 4, part.len - 4);
        else if (starts(part.ptr, part.ptr + part.len, "PWD="))
            a->pwd = ward_str_make(part.ptr + 4, part.len - 4);
        else if (starts(part.ptr, part.ptr + part.len, "USER="))
            a->target = ward_str_make(part.ptr + 5, part.len - 5);
        else if (starts(part.ptr, part.ptr + part.len, "COMMAND="))
            a->command = ward_str_make(part.ptr + 8, part.len - 8);
        else if (part.len && !memchr(part.ptr, '=', part.len)) {
            a->reason = part;
            a->action = WARD_STR("sudo_denied");
        }
        q = e ? e + 3 : end;
    }
}

static void parse_su(const char *p, const char *end, struct auth_fields *a)
{
    if (starts(p, end, "pam_")) {
        parse_pam(p, end, a);
        return;
    }
    /* "Successful su for root by user" / "FAILED su for root by user" / "(to root) user on pts/0"
     */
    const char *f = find(p, end, "su for ");
    if (f) {
        a->action = (*p == 'F') ? WARD_STR("su_failed") : WARD_STR("su");
        a->target = token(f + 7, end);
        const char *by = find(f, end, " by ");
        if (by) a->user = token(by + 4, end);
        return;
    }
    if (starts(p, end, "(to ")) {
        const char *rp = memchr(p, ')', (size_t)(end - p));
        if (rp) {
            a->action = WARD_STR("su");
            a->target = ward_str_make(p + 4, (size_t)(rp - p - 4));
            a->user = token(rp + 2 < end ? rp + 2 : end, end);
            const char *on = find(rp, end, " on ");
            if (on) a->tty = token(on + 4, end);
        }
    }
}

/* "new user: name=apache, UID=48, GID=48, home=/usr/share/httpd, shell=/sbin/nologin" */
static void parse_account(const char *p, const char *end, struct ward_str prog,
                          struct auth_fields *a)
{
    if (starts(p, end, "new user: "))
        a->action = WARD_STR("user_added");
    else if (starts(p, end, "new group: ") || starts(p, end, "group added to "))
        a->action = WARD_STR("group_added");
    else if (starts(p, end, "New session ") || starts(p, end, "Removed session ")) {
        /* systemd-logind: "New session 5 of user alice." */
        a->action = p[0] == 'N' ? WARD_STR("session_new") : WARD_STR("session_removed");
        const char *of = find(p, end, " of user ");
        if (of) {
            struct ward_str u = token(of + 9, end);
            if (u.len && u.ptr[u.len - 1] == '.') u.len--;
            a->user = u;
        }
        return;
    } else if (starts(p, end, "delete user "))
        a->action = WARD_STR("user_deleted");
    else if (starts(p, end, "delete group ") || starts(p, end, "group '"))
        a->action = WARD_STR("group_deleted");
    else if (starts(p, end, "change user "))
        a->action = WARD_STR("user_changed");
    else if (starts(p, end, "add '") || starts(p, end, "add member"))
        a->action = WARD_STR("group_member_added");
    else if (starts(p, end, "pam_")) {
        parse_pam(p, end, a);
        return;
    } else
        a->action = WARD_STR("account");
    (void)prog;
    /* quoted user: delete user 'bob' */
    const char *q1 = memchr(p, '\'', (size_t)(end - p));
    if (q1) {
        const char *q2 = memchr(q1 + 1, '\'', (size_t)(end - q1 - 1));
        if (q2) {
            if (a->action.ptr[0] == 'g' && !starts(p, end, "add"))
                a->group = ward_str_make(q1 + 1, (size_t)(q2 - q1 - 1));
            else
                a->user = ward_str_make(q1 + 1, (size_t)(q2 - q1 - 1));
            if (starts(p, end, "add '")) {
                const char *to = find(q2, end, "to group '");
                if (to) {
                    const char *g2 = memchr(to + 10, '\'', (size_t)(end - to - 10));
                    if (g2) a->group = ward_str_make(to + 10, (size_t)(g2 - to - 10));
                }
            }
        }
    }
    const char *c = memchr(p, ':', (size_t)(end - p));
    if (!c) return;
    const char *q = c + 1;
    while (q < end) {
        while (q < end && (*q == ' ' || *q == ',')) q++;
        const char *k = q;
        while (q < end && *q != '=' && *q != ',') q++;
        if (q >= end || *q != '=') break;
        struct ward_str key = ward_str_make(k, (size_t)(q - k));
        const char *v = ++q;
        while (q < end && *q != ',') q++;
        struct ward_str val = ward_str_make(v, (size_t)(q - v));
        if (ward_str_eq_c(key, "name")) {
            if (a->action.ptr[0] == 'g' && a->action.ptr[1] == 'r')
                a->group = val;
            else
                a->user = val;
        } else if (ward_str_ieq_c(key, "UID"))
            a->uid = val;
        else if (ward_str_ieq_c(key, "GID"))
            a->gid = val;
        else if (ward_str_eq_c(key, "home"))
            a->home = val;
        else if (ward_str_eq_c(key, "shell"))
            a->shell = val;
    }
}

static int add_auth(struct ward_event *ev, const struct auth_fields *a)
{
    int rc = 0;
#define ADD(name, v, t)                                                                            \
    if (!rc && (v).len) rc = text_add(ev, name, (v), t)
    ADD("action", a->action, WARD_V_STR);
    ADD("user", a->user, WARD_V_STR);
    if (!rc && a->invalid_user) rc = text_add(ev, "invalid_user", WARD_STR("true"), WARD_V_BOOL);
    ADD("src_ip", a->ip, WARD_V_STR);
    ADD("src_port", a->port, WARD_V_NUM);
    ADD("src_host", a->host_name, WARD_V_STR);
    ADD("auth_method", a->method, WARD_V_STR);
    ADD("protocol", a->proto, WARD_V_STR);
    ADD("key_info", a->key_info, WARD_V_STR);
    ADD("target_user", a->target, WARD_V_STR);
    ADD("command", a->command, WARD_V_STR);
    ADD("tty", a->tty, WARD_V_STR);
    ADD("pwd", a->pwd, WARD_V_STR);
    ADD("reason", a->reason, WARD_V_STR);
    ADD("uid", a->uid, WARD_V_NUM);
    ADD("gid", a->gid, WARD_V_NUM);
    ADD("home", a->home, WARD_V_STR);
    ADD("shell", a->shell, WARD_V_STR);
    ADD("group", a->group, WARD_V_STR);
    ADD("ruser", a->ruser, WARD_V_STR);
    ADD("pam_module", a->pam_module, WARD_V_STR);
    ADD("pam_service", a->pam_service, WARD_V_STR);
    ADD("pam_type", a->pam_type, WARD_V_STR);
#undef ADD
    return rc;
}

/* The Sigma service for a program name; sets *auth when its messages are parsed further. */
static const char *service_of(struct ward_str prog, int *auth)
{
    static const struct {
        const char *prog, *service;
        int auth;
    } map[] = {
        {"sshd", "sshd", 1},        {"sudo", "auth", 1},       {"su", "auth", 1},
        {"useradd", "auth", 1},     {"userdel", "auth", 1},    {"usermod", "auth", 1},
        {"groupadd", "auth", 1},    {"groupdel", "auth", 1},   {"groupmod", "auth", 1},
        {"gpasswd", "auth", 1},     {"passwd", "auth", 1},     {"chpasswd", "auth", 1},
        {"chage", "auth", 1},       {"login", "auth", 1},      {"systemd-logind", "auth", 1},
        {"polkitd", "auth", 1},     {"pkexec", "auth", 1},     {"unix_chkpwd", "auth", 1},
        {"CRON", "cron", 0},        {"cron", "cron", 0},       {"crond", "cron", 0},
        {"anacron", "cron", 0},     {"vsftpd", "vsftpd", 0},   {"clamd", "clamav", 0},
        {"freshclam", "clamav", 0}, {"guacd", "guacamole", 0},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (ward_str_eq_c(prog, map[i].prog)) {
            *auth = map[i].auth;
            return map[i].service;
        }
    }
    *auth = 0;
    return "syslog";
}

/* ---- time stamps ---- */

/* "Mmm dd hh:mm:ss" (day space-padded or not); returns bytes used or 0. */
static size_t parse_bsd_time(const char *p, const char *end, int year, ward_time_t now,
                             ward_time_t *out)
{
    if (end - p < 15) return 0;
    int mon = text_month(p);
    if (!mon || p[3] != ' ') return 0;
    const char *q = p + 4;
    if (*q == ' ') q++;
    long long day = text_uint(&q, end, 2);
    if (day < 1 || day > 31 || q >= end || *q != ' ') return 0;
    q++;
    if (end - q < 8 || q[2] != ':' || q[5] != ':') return 0;
    const char *r = q;
    long long hh = text_uint(&r, end, 2);
    r++;
    long long mm = text_uint(&r, end, 2);
    r++;
    long long ss = text_uint(&r, end, 2);
    if (hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 60) return 0;
    long long frac_ns = 0;
    if (r < end && *r == '.') {
        r++;
        int digits = 0;
        while (r < end && text_is_digit(*r)) {
            if (digits < 9) frac_ns = frac_ns * 10 + (*r - '0');
            digits++;
            r++;
        }
        for (; digits < 9; digits++) frac_ns *= 10;
    }
    int64_t days = ward_days_from_civil(year, (unsigned)mon, (unsigned)day);
    ward_time_t t = ((days * 86400 + hh * 3600 + mm * 60 + ss) * 1000000000LL) + frac_ns;
    if (now != WARD_TIME_NONE && t > now + 2LL * 86400 * 1000000000LL) {
        days = ward_days_from_civil(year - 1, (unsigned)mon, (unsigned)day);
        t = ((days * 86400 + hh * 3600 + mm * 60 + ss) * 1000000000LL) + frac_ns;
    }
    *out = t;
    return (size_t)(r - p);
}

/* ---- structured data (RFC 5424) ---- */

static int add_sd(struct ward_event *ev, const char *p, const char *end, const char **after)
{
    /* p at '[' */
    char key[256];
    int rc = 0;
    while (p < end && *p == '[') {
        p++;
        const char *id = p;
        while (p < end && *p != ' ' && *p != ']') p++;
        size_t idlen = (size_t)(p - id);
        if (idlen > 100) idlen = 100;
        while (p < end && *p != ']') {
            while (p < end && *p == ' ') p++;
            const char *pn = p;
            while (p < end && *p != '=' && *p != ']' && *p != ' ') p++;
            if (p >= end || *p != '=') break;
            size_t pnlen = (size_t)(p - pn);
            if (pnlen > 100) pnlen = 100;
            p++;
            if (p >= end || *p != '"') return WARD_ESYNTAX;
            p++;
            /* value with escapes \" \\ \] */
            const char *v = p;
            int esc = 0;
            while (p < end && *p != '"') {
                if (*p == '\\' && p + 1 < end) {
                    esc = 1;
                    p++;
                }
                p++;
            }
            if (p >= end) return WARD_ESYNTAX;
            size_t vlen = (size_t)(p - v);
            p++;
            int kl = snprintf(key, sizeof key, "sd.%.*s.%.*s", (int)idlen, id, (int)pnlen, pn);
            if (!esc) {
                rc = ward_event_add(ev, key, (size_t)kl, v, vlen, WARD_V_STR, 0);
            } else {
                char *buf = ward_event_alloc(ev, vlen + 1);
                if (!buf) return WARD_ENOMEM;
                size_t o = 0;
                for (size_t i = 0; i < vlen; i++) {
                    if (v[i] == '\\' && i + 1 < vlen &&
                        (v[i + 1] == '"' || v[i + 1] == '\\' || v[i + 1] == ']'))
                        i++;
                    buf[o++] = v[i];
                }
                buf[o] = 0;
                rc = ward_event_add(ev, key, (size_t)kl, buf, o, WARD_V_STR, 0);
            }
            if (rc) return rc;
        }
        if (p >= end || *p != ']') return WARD_ESYNTAX;
        p++;
    }
    *after = p;
    return 0;
}

/* ---- one message ---- */

static int nil(struct ward_str s)
{
    return s.len == 1 && s.ptr[0] == '-';
}

static int decode_message(struct syslog_state *st, struct ward_event *ev, struct ward_str m,
                          struct ward_err *err)
{
    const char *p = m.ptr, *end = m.ptr + m.len;
    int rc = 0;
    int pri = -1;
    if (p < end && *p == '<') {
        const char *q = p + 1;
        long long v = text_uint(&q, end, 3);
        if (v >= 0 && v <= 191 && q < end && *q == '>') {
            pri = (int)v;
            p = q + 1;
        }
    }
    if (pri >= 0) {
        if ((rc = text_add(ev, "facility", ward_str_c(facility_names[pri >> 3]), WARD_V_STR)) ||
            (rc = text_add(ev, "severity", ward_str_c(severity_names[pri & 7]), WARD_V_STR)))
            return rc;
    }
    struct ward_str host = {0}, prog = {0}, pid = {0}, msgid = {0};
    ward_time_t ts = WARD_TIME_NONE;
    const char *msg = p;
    if (pri >= 0 && end - p >= 2 && text_is_digit(p[0]) && p[1] == ' ') {
        /* RFC 5424 */
        p += 2;
        struct ward_str f[5];
        for (int i = 0; i < 5; i++) {
            f[i] = token(p, end);
            p = f[i].ptr + f[i].len;
            if (p < end) p++;
        }
        if (!nil(f[0]) && ward_time_parse(f[0].ptr, f[0].len, &ts) != 0)
            return ward_err_at(err, WARD_ESYNTAX, NULL, 0, 0,
                               "RFC 5424 message with a bad timestamp '%.*s'",
                               (int)(f[0].len > 40 ? 40 : f[0].len), f[0].ptr);
        if (!nil(f[1])) host = f[1];
        if (!nil(f[2])) prog = f[2];
        if (!nil(f[3])) pid = f[3];
        if (!nil(f[4])) msgid = f[4];
        if (p < end && *p == '[') {
            const char *after;
            rc = add_sd(ev, p, end, &after);
            if (rc == WARD_ESYNTAX)
                return ward_err_at(err, WARD_ESYNTAX, NULL, 0, (uint64_t)(p - m.ptr) + 1,
                                   "bad RFC 5424 structured data");
            if (rc) return rc;
            p = after;
        } else if (p < end && *p == '-') {
            p++;
        }
        if (p < end && *p == ' ') p++;
        if (end - p >= 3 && (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB &&
            (unsigned char)p[2] == 0xBF)
            p += 3;
        msg = p;
    } else {
        /* RFC 3164 / files: optional stamp, optional host, tag */
        size_t used = parse_bsd_time(p, end, st->year, st->now_ns, &ts);
        if (!used) {
            struct ward_str t = token(p, end);
            if (t.len >= 19 && text_is_digit(t.ptr[0]) && t.ptr[4] == '-' &&
                ward_time_parse(t.ptr, t.len, &ts) == 0)
                used = t.len;
        }
        p += used;
        while (p < end && *p == ' ') p++;
        if (used) {
            /* host: a token not ending with ':' and not containing '[' */
            struct ward_str t = token(p, end);
            if (t.len && t.ptr[t.len - 1] != ':' && !memchr(t.ptr, '[', t.len) &&
                t.ptr + t.len < end) {
                host = t;
                p = t.ptr + t.len + 1;
            }
        }
        /* tag: program[pid]: or program: */
        const char *q = p;
        while (q < end && *q != '[' && *q != ':' && *q != ' ' && q - p < 64) q++;
        if (q > p && q < end && (*q == '[' || *q == ':')) {
            prog = ward_str_make(p, (size_t)(q - p));
            if (*q == '[') {
                const char *rb = memchr(q, ']', (size_t)(end - q));
                if (rb && rb - q < 24) {
                    pid = ward_str_make(q + 1, (size_t)(rb - q - 1));
                    q = rb + 1;
                }
            }
            if (q < end && *q == ':') {
                q++;
                p = q;
            } else if (*q != ':' && pid.len) {
                p = q;
            } else {
                prog.len = 0;
                pid.len = 0;
            }
        }
        while (p < end && *p == ' ') p++;
        msg = p;
    }
    ev->ts = ts;
    if (host.len && (rc = text_add(ev, "hostname", host, WARD_V_STR))) return rc;
    if (prog.len && (rc = text_add(ev, "program", prog, WARD_V_STR))) return rc;
    if (pid.len && (rc = text_add(ev, "pid", pid, text_all_digits(pid) ? WARD_V_NUM : WARD_V_STR)))
        return rc;
    if (msgid.len && (rc = text_add(ev, "msgid", msgid, WARD_V_STR))) return rc;
    struct ward_str message = ward_str_make(msg, (size_t)(end - msg));
    if ((rc = text_add(ev, "message", message, WARD_V_STR))) return rc;

    int auth = 0;
    ev->product = "linux";
    /* "sshd(pam_unix)[pid]:" (older PAM): the program is sshd, the message PAM's */
    struct ward_str pam_mod = {0};
    const char *lpar = prog.len ? memchr(prog.ptr, '(', prog.len) : NULL;
    if (lpar && prog.ptr[prog.len - 1] == ')') {
        pam_mod = ward_str_make(lpar + 1, (size_t)(prog.ptr + prog.len - lpar - 2));
        prog.len = (size_t)(lpar - prog.ptr);
    }
    ev->service = service_of(prog, &auth);
    if (pam_mod.len && strcmp(ev->service, "syslog") == 0) ev->service = "auth";
    const char *mp = msg;
    /* "message repeated N times: [ inner ]" carries a real message inside */
    if (starts(mp, end, "message repeated ")) {
        const char *lb = find(mp, end, ": [");
        if (lb) {
            const char *n = mp + 17;
            struct ward_str cnt = token(n, end);
            if (text_all_digits(cnt) && (rc = text_add(ev, "repeated", cnt, WARD_V_NUM))) return rc;
            mp = lb + 3;
            while (mp < end && *mp == ' ') mp++;
            if (end > mp && end[-1] == ']') end--;
        }
    }
    struct auth_fields a;
    memset(&a, 0, sizeof a);
    if (pam_mod.len) {
        a.pam_module = pam_mod;
        a.pam_service = prog;
        parse_pam_body(mp, end, &a);
    } else if (auth) {
        if (ward_str_eq_c(prog, "sshd"))
            parse_sshd(mp, end, &a);
        else if (ward_str_eq_c(prog, "sudo"))
            parse_sudo(mp, end, &a);
        else if (ward_str_eq_c(prog, "su"))
            parse_su(mp, end, &a);
        else if (starts(mp, end, "pam_"))
            parse_pam(mp, end, &a);
        else
            parse_account(mp, end, prog, &a);
    } else if (starts(mp, end, "pam_")) {
        /* PAM lines of any program (cron sessions, login ...) are authentication events */
        if (parse_pam(mp, end, &a) && !ward_str_eq_c(prog, "CRON")) ev->service = "auth";
    }
    return add_auth(ev, &a);
}

/* ---- decoder rows ---- */

static int probe_line(struct ward_str l)
{
    const char *p = l.ptr, *end = l.ptr + l.len;
    if (p < end && *p == '<') {
        const char *q = p + 1;
        long long v = text_uint(&q, end, 3);
        if (v >= 0 && v <= 191 && q < end && *q == '>') return 1;
        return 0;
    }
    /* octet counting */
    if (p < end && text_is_digit(*p)) {
        const char *q = p;
        long long v = text_uint(&q, end, 9);
        if (v > 0 && q + 1 < end && *q == ' ' && q[1] == '<') return 1;
    }
    ward_time_t t;
    if (parse_bsd_time(p, end, 2000, WARD_TIME_NONE, &t)) return 1;
    struct ward_str tok = token(p, end);
    if (tok.len >= 19 && text_is_digit(p[0]) && p[4] == '-' && p[10] == 'T' &&
        ward_time_parse(tok.ptr, tok.len, &t) == 0) {
        /* "2024-01-02T03:04:05Z host prog[pid]: msg" (rsyslog high precision) */
        const char *q = tok.ptr + tok.len;
        return q < end && memchr(q, ':', (size_t)(end - q)) != NULL;
    }
    return 0;
}

static int syslog_probe(const unsigned char *head, size_t n)
{
    if (n == 0 || head[0] == '{' || head[0] == '[') return 0;
    /* octet-counted frames need not end lines: the first frame decides */
    if (text_is_digit((char)head[0])) {
        const char *p = (const char *)head, *e = p + (n < 16 ? n : 16);
        long long len = text_uint(&p, e, 9);
        if (len > 0 && p + 1 < e && *p == ' ' && p[1] == '<' &&
            probe_line(text_first_line(head, n)))
            return 60;
    }
    int total = 0;
    int good = text_probe_lines(head, n, 20, probe_line, &total);
    if (total == 0 || good == 0) return 0;
    if (good == total) return 60;
    if (good * 10 >= total * 8) return 40;
    return 0;
}

static int syslog_open(struct ward_stream *s, const struct ward_decode_opts *o, void **state,
                       struct ward_err *err)
{
    struct syslog_state *st = calloc(1, sizeof *st);
    if (!st) return ward_err_set(err, WARD_ENOMEM, "out of memory");
    if (text_lines_init(&st->lines, s, o->max_record)) {
        free(st);
        return ward_err_set(err, WARD_ENOMEM, "out of memory");
    }
    st->max_record = o->max_record;
    const char *fixed = getenv("WARD_SYSLOG_YEAR");
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    st->year = tm.tm_year + 1900;
    st->now_ns = (ward_time_t)now * 1000000000LL;
    if (fixed && atoi(fixed) > 1970 && atoi(fixed) < 3000) {
        st->year = atoi(fixed);
        st->now_ns = WARD_TIME_NONE;
    }
    *state = st;
    return 0;
}

static int syslog_next(void *state, struct ward_event *ev, struct ward_err *err)
{
    struct syslog_state *st = state;
    struct ward_str m;
    for (;;) {
        const char *p;
        size_t n;
        int rc = text_lines_peek(&st->lines, &p, &n, err);
        if (rc) return rc;
        /* octet counting: "LEN SP MSG" with LEN the byte count of MSG */
        if (n > 2 && text_is_digit(p[0]) && p[0] != '0') {
            const char *q = p, *e = p + (n < 16 ? n : 16);
            long long len = text_uint(&q, e, 9);
            if (len > 0 && q + 1 < e && *q == ' ' && q[1] == '<') {
                struct ward_str pre;
                rc = text_lines_take(&st->lines, (size_t)(q - p) + 1, &pre, err);
                if (rc <= 0) return rc;
                st->lines.lineno--;
                rc = text_lines_take(&st->lines, (size_t)len, &m, err);
                if (rc <= 0) return rc;
                /* a trailing newline after the frame is tolerated */
                if (text_lines_peek(&st->lines, &p, &n, err) == 0 && n && p[0] == '\n') {
                    struct ward_str nl;
                    if (text_lines_take(&st->lines, 1, &nl, err) == 1) st->lines.lineno--;
                }
                while (m.len && (m.ptr[m.len - 1] == '\n' || m.ptr[m.len - 1] == '\r')) m.len--;
                break;
            }
        }
        rc = text_lines_next(&st->lines, &m, err);
        if (rc <= 0) return rc;
        if (m.len == 0) continue;
        break;
    }
    ev->line = st->lines.lineno;
    ev->offset = st->lines.offset;
    ev->raw = m.ptr;
    ev->raw_len = m.len;
    int rc = decode_message(st, ev, m, err);
    if (rc < 0) {
        err->line = st->lines.lineno;
        if (!err->msg[0]) ward_err_set(err, rc, "cannot decode syslog message");
        return rc;
    }
    return 1;
}

static void syslog_close(void *state)
{
    struct syslog_state *st = state;
    if (!st) return;
    text_lines_free(&st->lines);
    free(st);
}

const struct ward_decoder ward_decoder_syslog = {
    "syslog",     "syslog RFC 3164 / RFC 5424 (octet counting), Linux auth messages parsed",
    syslog_probe, syslog_open,
    syslog_next,  syslog_close,
};
