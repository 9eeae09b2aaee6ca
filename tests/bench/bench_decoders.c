/*
 * bench_decoders.c - throughput of every log decoder of issue 7 (syslog, auditd, cef, leef,
 * zeek, zeek-json, weblog, squid, netflow, eve, cloudtrail): a sample written here is
 * repeated in memory to BENCH_MB megabytes (default 64) and decoded through the decoder
 * row, with every value resolved as output would; the baseline is a memchr line count over
 * the same bytes. Prints MB/s, events/s and the ratio to the baseline, best of ROUNDS.
 *
 * usage: bench_decoders [ROUNDS] [NAME...]      (scripts/bench-decoders.sh runs it)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "ward/decode.h"

static const char s_syslog[] =
    "Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186\n"
    "Dec 10 06:55:46 LabSZ sshd[24200]: pam_unix(sshd:auth): authentication failure; "
    "logname= uid=0 euid=0 tty=ssh ruser= rhost=173.234.31.186 \n"
    "Dec 10 06:55:48 LabSZ sshd[24200]: Failed password for invalid user webmaster from "
    "173.234.31.186 port 38926 ssh2\n"
    "Dec 10 07:02:47 LabSZ sshd[24203]: Connection closed by 212.47.254.145 [preauth]\n"
    "Feb 23 00:08:48 localhost sudo: vagrant : TTY=pts/1 ; PWD=/home/vagrant ; USER=root ; "
    "COMMAND=/bin/cat /var/log/secure\n"
    "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 [exampleSDID@32473 "
    "iut=\"3\" eventSource=\"Application\"] 'su root' failed for lonvick on /dev/pts/8\n"
    "Mar  1 10:00:00 web01 kernel: [12345.678] IPv4: martian source 10.0.0.1 from 10.0.0.2\n";

static const char s_auditd[] =
    "type=SYSCALL msg=audit(1604994496.155:92733): arch=c000003e syscall=59 success=yes exit=0 "
    "a0=558e251634a0 a1=558e25162a50 a2=558e25160800 a3=8 items=2 ppid=29002 pid=1631 "
    "auid=1000 uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 "
    "fsgid=1000 tty=pts0 ses=104 comm=\"arp\" exe=\"/usr/sbin/arp\" key=(null)\n"
    "type=EXECVE msg=audit(1604994496.155:92733): argc=2 a0=\"arp\" a1=\"-a\"\n"
    "type=CWD msg=audit(1604994496.155:92733): cwd=\"/home/wardog\"\n"
    "type=PATH msg=audit(1604994496.155:92733): item=0 name=\"/usr/sbin/arp\" inode=13181 "
    "dev=08:01 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0\n"
    "type=PROCTITLE msg=audit(1604994496.155:92733): proctitle=617270002D61\n"
    "type=EOE msg=audit(1604994496.155:92733): \n";

static const char s_cef[] =
    "Sep 19 08:26:10 host CEF:0|Security|threatmanager|1.0|100|worm successfully stopped|10|"
    "src=10.0.0.1 dst=2.1.2.2 spt=1232 dpt=80 proto=TCP act=blocked msg=Detected a threat. "
    "No action needed cs1Label=Rule cs1=r-17 suser=bob rt=1695111970123\n";

static const char s_leef[] =
    "LEEF:1.0|Microsoft|MSExchange|4.0 SP1|15345|src=10.50.1.1\tdst=2.10.20.20\tspt=1200\t"
    "dpt=25\tusrName=alice\tsev=5\tdevTime=Jan 18 2024 10:00:00\tcat=mail\n"
    "LEEF:2.0|Lancope|StealthWatch|1.0|41|^|src=10.0.1.8^dst=10.0.0.5^sev=5^srcPort=81^"
    "dstPort=21^usrName=joe.black^msg=The host has been doing something\n";

static const char s_zeek_head[] =
    "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n"
    "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\t"
    "orig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\t"
    "orig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents\n"
    "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\t"
    "bool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]\n";
static const char s_zeek[] =
    "1692161622.036086\tCnsu5m395zFmE9ikp4\t192.168.1.41\t52605\t192.168.1.4\t53\tudp\tdns\t-\t"
    "-\t-\tSHR\tT\tT\t0\t^d\t0\t0\t1\t62\t-\n"
    "1692161643.549491\tCX6po61SVaO8po0uh8\t192.168.1.41\t55213\t10.0.5.13\t80\ttcp\t-\t"
    "1.201128\t0\t403\tSHR\tT\tT\t0\t^hadf\t0\t0\t5\t615\t-\n";

static const char s_zeek_json[] =
    "{\"_path\":\"dns\",\"_write_ts\":\"2018-03-24T17:15:20.866586Z\",\"ts\":\"2018-03-24T17:15:"
    "20.865716Z\",\"uid\":\"CqKst53mF3det3eDV9\",\"id.orig_h\":\"10.47.1.100\",\"id.orig_p\":41772,"
    "\"id.resp_h\":\"10.0.0.100\",\"id.resp_p\":53,\"proto\":\"udp\",\"trans_id\":36329,\"rtt\":"
    "0.00087,\"query\":\"ise.wrccdc.org\",\"qclass\":1,\"qclass_name\":\"C_INTERNET\",\"qtype\":1,"
    "\"qtype_name\":\"A\",\"rcode\":0,\"rcode_name\":\"NOERROR\",\"AA\":false,\"TC\":false,"
    "\"RD\":true,\"RA\":true,\"Z\":0,\"answers\":[\"ise.wrccdc.cpp.edu\",\"134.71.3.16\"],"
    "\"TTLs\":[2230.0,41830.0],\"rejected\":false}\n";

static const char s_weblog[] =
    "127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /apache_pb.gif?a=1 HTTP/1.0\" 200 2326 "
    "\"http://www.example.com/start.html\" \"Mozilla/4.08 [en] (Win98; I ;Nav)\"\n"
    "192.0.2.7 - - [01/Jan/2024:00:00:01 +0100] \"POST /wp-login.php HTTP/1.1\" 302 0 \"-\" "
    "\"curl/8.0\"\n";

static const char s_squid[] =
    "1286536309.450 1 192.168.0.68 TCP_MISS/200 507 GET http://www.example.com/path/file.exe?x=1"
    " - DIRECT/93.184.216.34 application/octet-stream\n"
    "1286536310.001 250 192.168.0.68 TCP_TUNNEL/200 4000 CONNECT login.example.net:443 alice "
    "HIER_DIRECT/203.0.113.9 -\n";

static const char s_eve[] =
    "{\"timestamp\":\"2020-06-06T06:36:47.765563+0000\",\"flow_id\":2162169140033972,\"pcap_cnt\":"
    "38,\"event_type\":\"dns\",\"src_ip\":\"192.168.100.121\",\"src_port\":63406,\"dest_ip\":"
    "\"8.8.8.8\",\"dest_port\":53,\"proto\":\"UDP\",\"dns\":{\"type\":\"query\",\"id\":1,"
    "\"rrname\":\"8.8.8.8.in-addr.arpa\",\"rrtype\":\"PTR\",\"tx_id\":0}}\n"
    "{\"timestamp\":\"2018-03-24T14:37:19.037299-0600\",\"flow_id\":928532049924531,"
    "\"event_type\":\"alert\",\"src_ip\":\"10.0.0.1\",\"src_port\":26078,\"dest_ip\":"
    "\"10.47.8.150\",\"dest_port\":22,\"proto\":\"TCP\",\"alert\":{\"action\":\"allowed\","
    "\"gid\":1,\"signature_id\":2001219,\"rev\":20,\"signature\":\"ET SCAN Potential SSH Scan\","
    "\"category\":\"Attempted Information Leak\",\"severity\":2}}\n";

static const char s_cloudtrail[] =
    "{\"eventVersion\":\"1.05\",\"userIdentity\":{\"type\":\"IAMUser\",\"principalId\":"
    "\"AIDAICAK2CN5MGHIIDIHA\",\"arn\":\"arn:aws:iam::123456789123:user/pedro\",\"accountId\":"
    "\"123456789123\",\"userName\":\"pedro\"},\"eventTime\":\"2020-09-14T00:44:23Z\","
    "\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"GetObject\",\"awsRegion\":"
    "\"us-east-1\",\"sourceIPAddress\":\"1.2.3.4\",\"userAgent\":\"aws-cli/2\","
    "\"requestParameters\":{\"bucketName\":\"b\",\"key\":\"secret.txt\"},\"responseElements\":"
    "null,\"requestID\":\"2db6a7b5\",\"eventID\":\"fd4f1042\",\"eventType\":\"AwsApiCall\"}\n";

/* A length-prefixed NetFlow v9 stream: one template datagram, then data datagrams of 20
 * records each (repeated to the wanted size). */
static size_t netflow_unit(unsigned char *b, int with_template)
{
    size_t n = 0;
#define U8(v) (b[n++] = (unsigned char)(v))
#define U16(v) (U8((v) >> 8), U8((v)&255))
#define U32(v) (U16(((uint32_t)(v)) >> 16), U16((v)&0xffff))
    size_t start = n;
    U32(0);
    U16(9), U16(20), U32(100000), U32(1700000000), U32(1), U32(7);
    if (with_template) {
        U16(0), U16(4 + 4 + 10 * 4);
        U16(300), U16(10);
        U16(8), U16(4), U16(12), U16(4), U16(7), U16(2), U16(11), U16(2), U16(4), U16(1);
        U16(1), U16(4), U16(2), U16(4), U16(21), U16(4), U16(22), U16(4), U16(6), U16(1);
    } else {
        U16(300), U16(4 + 20 * 30);
        for (int i = 0; i < 20; i++) {
            U32(0x0a000001 + i), U32(0xc0a80001), U16(40000 + i), U16(443), U8(6);
            U32(1500 + i), U32(10), U32(99000), U32(98000), U8(0x1b);
        }
    }
    size_t len = n - start - 4;
    b[start] = 0, b[start + 1] = 0, b[start + 2] = (unsigned char)(len >> 8),
    b[start + 3] = (unsigned char)len;
    return n;
#undef U8
#undef U16
#undef U32
}

struct input {
    const char *name;
    char *data;
    size_t n;
};

static int make_input(const char *name, size_t want, struct input *in)
{
    const char *head = "", *unit = NULL;
    unsigned char nf[2048];
    size_t head_n = 0, unit_n = 0;
    if (!strcmp(name, "syslog"))
        unit = s_syslog;
    else if (!strcmp(name, "auditd"))
        unit = s_auditd;
    else if (!strcmp(name, "cef"))
        unit = s_cef;
    else if (!strcmp(name, "leef"))
        unit = s_leef;
    else if (!strcmp(name, "zeek"))
        head = s_zeek_head, unit = s_zeek;
    else if (!strcmp(name, "zeek-json"))
        unit = s_zeek_json;
    else if (!strcmp(name, "weblog"))
        unit = s_weblog;
    else if (!strcmp(name, "squid"))
        unit = s_squid;
    else if (!strcmp(name, "eve"))
        unit = s_eve;
    else if (!strcmp(name, "cloudtrail"))
        unit = s_cloudtrail;
    else if (strcmp(name, "netflow") != 0)
        return -1;
    if (unit) {
        head_n = strlen(head);
        unit_n = strlen(unit);
    }
    char *buf = malloc(want + 65536);
    if (!buf) return -1;
    size_t n = 0;
    if (!unit) {
        n = netflow_unit((unsigned char *)buf, 1);
        unit_n = netflow_unit(nf, 0);
        unit = (const char *)nf;
    } else {
        memcpy(buf, head, head_n);
        n = head_n;
    }
    while (n + unit_n <= want) {
        memcpy(buf + n, unit, unit_n);
        n += unit_n;
    }
    in->name = name;
    in->data = buf;
    in->n = n;
    return 0;
}

static int run(const struct input *in, uint64_t *events, uint64_t *errors, uint64_t *ns)
{
    const struct ward_decoder *d = ward_decoder_find(in->name);
    if (!d) return -1;
    struct ward_err err;
    ward_err_clear(&err);
    struct ward_stream *s;
    if (ward_stream_open_mem(&s, in->data, in->n, in->name, &err)) return -1;
    struct ward_decode_opts o;
    ward_decode_opts_default(&o);
    void *state;
    uint64_t t0 = ward_clock_ns();
    if (d->open(s, &o, &state, &err)) {
        ward_stream_close(s);
        return -1;
    }
    struct ward_event ev;
    if (ward_event_init(&ev, NULL)) return -1;
    *events = *errors = 0;
    for (;;) {
        ward_event_reset(&ev);
        int rc = d->next(state, &ev, &err);
        if (rc == 0) break;
        if (rc < 0) {
            (*errors)++;
            if (err.code == WARD_EIO || err.code == WARD_ENOMEM) break;
            continue;
        }
        for (uint32_t i = 0; i < ev.nfields; i++) {
            struct ward_str v;
            if (ward_event_value(&ev, &ev.fields[i], &v)) return -1;
        }
        (*events)++;
    }
    *ns = ward_clock_ns() - t0;
    ward_event_free(&ev);
    d->close(state);
    ward_stream_close(s);
    return 0;
}

static uint64_t baseline(const struct input *in)
{
    uint64_t t0 = ward_clock_ns();
    size_t lines = 0;
    const char *p = in->data, *end = in->data + in->n;
    while ((p = memchr(p, '\n', (size_t)(end - p)))) lines++, p++;
    uint64_t ns = ward_clock_ns() - t0;
    if (lines == (size_t)-1) puts("");
    return ns ? ns : 1;
}

int main(int argc, char **argv)
{
    static const char *const all[] = {"syslog",  "auditd",    "cef",        "leef",
                                      "zeek",    "zeek-json", "weblog",     "squid",
                                      "netflow", "eve",       "cloudtrail", NULL};
    int rounds = argc > 1 ? atoi(argv[1]) : 3;
    if (rounds < 1) rounds = 1;
    const char *mbs = getenv("BENCH_MB");
    size_t mb = mbs && atoi(mbs) > 0 ? (size_t)atoi(mbs) : 64;
    const char *const *names = argc > 2 ? (const char *const *)(argv + 2) : all;
    printf("%-11s %8s %10s %12s %9s %9s\n", "decoder", "MB", "MB/s", "events/s", "vs memchr",
           "errors");
    int status = 0;
    for (int i = 0; names[i]; i++) {
        struct input in;
        if (make_input(names[i], mb << 20, &in)) {
            fprintf(stderr, "bench_decoders: unknown decoder %s\n", names[i]);
            status = 1;
            continue;
        }
        uint64_t best = UINT64_MAX, events = 0, errors = 0;
        for (int r = 0; r < rounds; r++) {
            uint64_t ns;
            if (run(&in, &events, &errors, &ns)) {
                fprintf(stderr, "bench_decoders: %s failed\n", names[i]);
                status = 1;
                break;
            }
            if (ns < best) best = ns;
        }
        uint64_t base = baseline(&in);
        double secs = (double)best / 1e9;
        printf("%-11s %8.1f %10.1f %12.0f %8.1f%% %9llu\n", names[i], (double)in.n / 1e6,
               (double)in.n / 1e6 / secs, (double)events / secs,
               100.0 * (double)base / (double)best, (unsigned long long)errors);
        if (errors) status = 1;
        free(in.data);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("peak RSS %.1f MB\n", (double)ru.ru_maxrss / 1024.0);
    return status;
}
