/* test_decode_netflow.c - NetFlow v5, v9 and IPFIX on datagrams built here: framing (raw,
 * length-prefixed, several IPFIX messages), templates kept per domain across datagrams,
 * options templates, variable-length and enterprise elements, reverse elements, and bad
 * input that must give errors, not crashes. */
#include "decode_util.h"

struct pkt {
    unsigned char b[4096];
    size_t n;
};

static void u8(struct pkt *p, unsigned v)
{
    p->b[p->n++] = (unsigned char)v;
}
static void u16(struct pkt *p, unsigned v)
{
    u8(p, v >> 8);
    u8(p, v & 255);
}
static void u32(struct pkt *p, uint32_t v)
{
    u16(p, v >> 16);
    u16(p, v & 0xffff);
}
static void bytes(struct pkt *p, const void *d, size_t n)
{
    memcpy(p->b + p->n, d, n);
    p->n += n;
}
/* appends datagram d to stream s with a 4-byte length prefix */
static void frame(struct pkt *s, const struct pkt *d)
{
    u32(s, (uint32_t)d->n);
    bytes(s, d->b, d->n);
}

static void test_v5(void)
{
    struct pkt p = {.n = 0};
    u16(&p, 5), u16(&p, 1), u32(&p, 10000), u32(&p, 1700000000), u32(&p, 500000000);
    u32(&p, 42), u8(&p, 1), u8(&p, 2), u16(&p, (1u << 14) | 100);
    bytes(&p, "\x0a\x00\x00\x01\x0a\x00\x00\x02\x00\x00\x00\x00", 12);
    u16(&p, 3), u16(&p, 4), u32(&p, 7), u32(&p, 1500), u32(&p, 9000), u32(&p, 9500);
    u16(&p, 1234), u16(&p, 443), u8(&p, 0), u8(&p, 0x12), u8(&p, 6), u8(&p, 0);
    u16(&p, 65000), u16(&p, 65001), u8(&p, 24), u8(&p, 16), u16(&p, 0);
    struct trun r;
    CHECK(trun_mem(&r, NULL, p.b, p.n) == 0);
    CHECK_STR(r.dec ? r.dec->name : "", "netflow");
    CHECK_INT(r.n, 1);
    CHECK_FIELD(&r, 0, "ipv4_src_addr", "10.0.0.1");
    CHECK_FIELD(&r, 0, "ipv4_dst_addr", "10.0.0.2");
    CHECK_FIELD(&r, 0, "l4_dst_port", "443");
    CHECK_FIELD(&r, 0, "in_bytes", "1500");
    CHECK_FIELD(&r, 0, "tcp_flags", "18");
    CHECK_FIELD(&r, 0, "sampling_algorithm", "1");
    CHECK_FIELD(&r, 0, "sampling_interval", "100");
    CHECK_FIELD(&r, 0, "src_as", "65000");
    /* first = export time - uptime + 9000 ms = .500 - 1.000 s */
    CHECK_FIELD(&r, 0, "first_switched", "2023-11-14T22:13:19.500Z");
    CHECK_STR(r.ev[0].product, "netflow");
    trun_free(&r);
    /* a bad record count is an error */
    p.b[3] = 40;
    CHECK(trun_mem(&r, "netflow", p.b, p.n) == 0);
    CHECK_INT(r.n, 0);
    CHECK(r.errors >= 1);
    trun_free(&r);
}

static void test_v9_templates_across_datagrams(void)
{
    struct pkt s = {.n = 0}, d = {.n = 0};
    /* datagram 1, domain 7: template 300 (src addr, dst port, if_desc varlen in v9? no:
     * v9 has no varlen; use a 6-byte MAC and a 16-byte IPv6) */
    u16(&d, 9), u16(&d, 1), u32(&d, 5000), u32(&d, 1700000000), u32(&d, 1), u32(&d, 7);
    u16(&d, 0), u16(&d, 4 + 4 + 4 * 4);
    u16(&d, 300), u16(&d, 4);
    u16(&d, 8), u16(&d, 4), u16(&d, 11), u16(&d, 2), u16(&d, 56), u16(&d, 6), u16(&d, 27),
        u16(&d, 16);
    frame(&s, &d);
    /* datagram 2, domain 8: data for template 300 must be skipped (other domain) */
    d.n = 0;
    u16(&d, 9), u16(&d, 1), u32(&d, 5000), u32(&d, 1700000000), u32(&d, 2), u32(&d, 8);
    u16(&d, 300), u16(&d, 4 + 28);
    bytes(&d, "\xc0\x00\x02\x01\x00\x35\x00\x11\x22\x33\x44\x55", 12);
    bytes(&d, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
    frame(&s, &d);
    /* datagram 3, domain 7: two records and padding */
    d.n = 0;
    u16(&d, 9), u16(&d, 2), u32(&d, 5000), u32(&d, 1700000000), u32(&d, 3), u32(&d, 7);
    u16(&d, 300), u16(&d, 4 + 2 * 28 + 2);
    for (int i = 0; i < 2; i++) {
        bytes(&d, "\xc0\x00\x02\x01", 4);
        u16(&d, 53 + i);
        bytes(&d, "\x00\x11\x22\x33\x44\x55", 6);
        bytes(&d, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
    }
    u16(&d, 0);
    frame(&s, &d);
    struct trun r;
    CHECK(trun_mem(&r, NULL, s.b, s.n) == 0);
    CHECK_STR(r.dec ? r.dec->name : "", "netflow");
    CHECK_INT(r.errors, 0);
    CHECK_INT(r.n, 2);
    CHECK_FIELD(&r, 0, "ipv4_src_addr", "192.0.2.1");
    CHECK_FIELD(&r, 0, "l4_dst_port", "53");
    CHECK_FIELD(&r, 1, "l4_dst_port", "54");
    CHECK_FIELD(&r, 0, "in_src_mac", "00:11:22:33:44:55");
    CHECK_FIELD(&r, 0, "ipv6_src_addr", "2001:db8::1");
    CHECK_FIELD(&r, 0, "flow_seq_num", "3");
    CHECK_FIELD(&r, 0, "flowset_id", "300");
    trun_free(&r);
}

static void test_ipfix(void)
{
    struct pkt d = {.n = 0}, m2 = {.n = 0};
    size_t lenpos;
    u16(&d, 10), lenpos = d.n, u16(&d, 0), u32(&d, 1700000000), u32(&d, 9), u32(&d, 1);
    /* template 400: sourceIPv4Address, applicationName (varlen), an unknown enterprise
     * element (skipped), reverse octetDeltaCount, flowStartMilliseconds */
    u16(&d, 2), u16(&d, 4 + 4 + 3 * 4 + 2 * 8);
    u16(&d, 400), u16(&d, 5);
    u16(&d, 8), u16(&d, 4);
    u16(&d, 96), u16(&d, 65535);
    u16(&d, 0x8000 | 77), u16(&d, 2), u32(&d, 99999);
    u16(&d, 0x8000 | 1), u16(&d, 8), u32(&d, 29305);
    u16(&d, 152), u16(&d, 8);
    /* options template 401: scope observationDomainId, then samplingInterval */
    u16(&d, 3), u16(&d, 4 + 6 + 8 + 2);
    u16(&d, 401), u16(&d, 2), u16(&d, 1);
    u16(&d, 149), u16(&d, 4), u16(&d, 34), u16(&d, 4);
    u16(&d, 0);
    /* data: one record of 400 with a 3-byte name, one with a 300-byte name (long form) */
    size_t setpos = d.n;
    u16(&d, 400), u16(&d, 0);
    bytes(&d, "\x0a\x01\x02\x03", 4), u8(&d, 3), bytes(&d, "ssh", 3), u16(&d, 0xbeef);
    u32(&d, 0), u32(&d, 4096), u32(&d, 0x0000018b), u32(&d, 0xcfe56800);
    bytes(&d, "\x0a\x01\x02\x04", 4), u8(&d, 255), u16(&d, 300);
    for (int i = 0; i < 300; i++) u8(&d, 'a' + i % 26);
    u16(&d, 1), u32(&d, 0), u32(&d, 1), u32(&d, 0), u32(&d, 0);
    d.b[setpos + 2] = (unsigned char)((d.n - setpos) >> 8);
    d.b[setpos + 3] = (unsigned char)((d.n - setpos) & 255);
    /* options data */
    u16(&d, 401), u16(&d, 12), u32(&d, 1), u32(&d, 1000);
    d.b[lenpos] = (unsigned char)(d.n >> 8);
    d.b[lenpos + 1] = (unsigned char)(d.n & 255);
    /* a second message in the same datagram, domain 2: data for 400 is unknown there */
    u16(&m2, 10), u16(&m2, 16 + 4 + 4), u32(&m2, 1700000001), u32(&m2, 10), u32(&m2, 2);
    u16(&m2, 400), u16(&m2, 8), u32(&m2, 0);
    bytes(&d, m2.b, m2.n);
    struct trun r;
    CHECK(trun_mem(&r, NULL, d.b, d.n) == 0);
    CHECK_STR(r.dec ? r.dec->name : "", "netflow");
    if (r.errors) fprintf(stderr, "ipfix: %s\n", r.first_error);
    CHECK_INT(r.errors, 0);
    CHECK_INT(r.n, 3);
    CHECK_FIELD(&r, 0, "sourceIPv4Address", "10.1.2.3");
    CHECK_FIELD(&r, 0, "applicationName", "ssh");
    CHECK_FIELD(&r, 0, "reverseOctetDeltaCount", "4096");
    CHECK_FIELD(&r, 0, "flowStartMilliseconds", "2023-11-14T22:13:20.000Z");
    CHECK_INT(r.ev[0].n, 3 + 4); /* version, flow_seq_num, flowset_id + 4 elements */
    CHECK(tget(&r, 1, "applicationName") && strlen(tget(&r, 1, "applicationName")) == 300);
    CHECK_FIELD(&r, 1, "reverseOctetDeltaCount", "1");
    CHECK_FIELD(&r, 2, "observationDomainId", "1");
    CHECK_FIELD(&r, 2, "samplingInterval", "1000");
    trun_free(&r);
    /* truncation anywhere: errors or fewer records, never a crash (ASan checks) */
    for (size_t cut = 1; cut < d.n; cut += 7) {
        CHECK(trun_mem(&r, "netflow", d.b, cut) == 0);
        CHECK(r.n <= 3);
        trun_free(&r);
    }
}

int main(void)
{
    test_v5();
    test_v9_templates_across_datagrams();
    test_ipfix();
    return test_done("test_decode_netflow");
}
