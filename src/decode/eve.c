/*
 * eve.c - Suricata EVE JSON (one JSON object a line with "event_type": alert, flow, dns,
 * http, tls, fileinfo, anomaly ...), read with the zero-copy JSON reader. Logsource:
 * product suricata, service = the event type. DNS events are also category dns with the
 * Sigma dns names query, record_type, answer; HTTP events are also category proxy with the
 * Sigma proxy names c-uri, cs-host, c-useragent, cs-method, sc-status, cs-referrer. Every
 * event gets dst_ip and dst_port next to Suricata's dest_ip and dest_port.
 */
#include <string.h>

#include "decode/text.h"
#include "decoders.h"
#include "ward/json_reader.h"

static const char *const event_types[] = {
    "alert",   "anomaly",   "dns",  "http",   "tls",      "flow",
    "netflow", "fileinfo",  "smtp", "ssh",    "stats",    "dhcp",
    "krb5",    "smb",       "nfs",  "ftp",    "ftp_data", "tftp",
    "ikev2",   "ike",       "snmp", "sip",    "rfb",      "mqtt",
    "rdp",     "http2",     "quic", "dcerpc", "modbus",   "dnp3",
    "pgsql",   "websocket", "ldap", "drop",   "frame",    "bittorrent-dht",
    "arp",     "pop3",      "doh2", "enip",   "template", NULL,
};

static int eve_probe(const unsigned char *head, size_t n)
{
    static const char *const keys[] = {"\"event_type\"", "\"timestamp\"", NULL};
    return text_json_head_has(head, n, keys) ? 70 : 0;
}

static int eve_open(struct ward_stream *s, const struct ward_decode_opts *o, void **state,
                    struct ward_err *err)
{
    struct ward_json_reader *r;
    int rc = ward_json_reader_open(&r, s, o, err);
    if (rc) return rc;
    *state = r;
    return 0;
}

/* Adds key as another name for the first field found among from[] (same value). */
static int alias(struct ward_event *ev, const char *key, const char *const *from)
{
    for (int i = 0; from[i]; i++) {
        struct ward_field *f = ward_event_find(ev, from[i], strlen(from[i]));
        if (!f) continue;
        return ward_event_add(ev, key, strlen(key), f->val, f->vlen, (enum ward_vtype)f->type,
                              f->flags & (WARD_F_ESCAPED | WARD_F_BADUTF8));
    }
    return 0;
}

static int eve_next(void *state, struct ward_event *ev, struct ward_err *err)
{
    int rc = ward_json_reader_next(state, ev, err);
    if (rc != 1) return rc;
    ev->product = "suricata";
    struct ward_field *f = ward_event_find(ev, "event_type", 10);
    struct ward_str t = {0};
    if (f && ward_event_value(ev, f, &t) == 0) {
        for (int i = 0; event_types[i]; i++)
            if (ward_str_eq_c(t, event_types[i])) {
                ev->service = event_types[i];
                break;
            }
    }
    static const char *const dst_ip[] = {"dest_ip", NULL}, *const dst_port[] = {"dest_port", NULL};
    int arc = alias(ev, "dst_ip", dst_ip);
    if (!arc) arc = alias(ev, "dst_port", dst_port);
    if (!arc && ev->service && strcmp(ev->service, "dns") == 0) {
        static const char *const q[] = {"dns.rrname", "dns.queries.0.rrname", NULL};
        static const char *const rt[] = {"dns.rrtype", "dns.queries.0.rrtype", NULL};
        static const char *const an[] = {"dns.answers.0.rdata", "dns.rdata", NULL};
        ev->category = "dns";
        arc = alias(ev, "query", q);
        if (!arc) arc = alias(ev, "record_type", rt);
        if (!arc) arc = alias(ev, "answer", an);
    } else if (!arc && ev->service && strcmp(ev->service, "http") == 0) {
        static const char *const uri[] = {"http.url", NULL};
        static const char *const host[] = {"http.hostname", NULL};
        static const char *const ua[] = {"http.http_user_agent", NULL};
        static const char *const method[] = {"http.http_method", NULL};
        static const char *const status[] = {"http.status", NULL};
        static const char *const ref[] = {"http.http_refer", NULL};
        ev->category = "proxy";
        arc = alias(ev, "c-uri", uri);
        if (!arc) arc = alias(ev, "cs-host", host);
        if (!arc) arc = alias(ev, "c-useragent", ua);
        if (!arc) arc = alias(ev, "cs-method", method);
        if (!arc) arc = alias(ev, "sc-status", status);
        if (!arc) arc = alias(ev, "cs-referrer", ref);
    }
    if (arc) return ward_err_at(err, arc, NULL, ev->line, 0, "cannot add field aliases");
    return 1;
}

static void eve_close(void *state)
{
    ward_json_reader_free(state);
}

const struct ward_decoder ward_decoder_eve = {
    "eve",     "Suricata EVE JSON (alerts, flows, dns, http, tls, files ...)",
    eve_probe, eve_open,
    eve_next,  eve_close,
};
