/* test_decode_weblog.c - web server access logs (common, combined, vhost) and Squid's
 * native access.log, with Sigma webserver / proxy field names. */
#include "decode_util.h"

static void test_combined(void)
{
    struct trun r;
    CHECK(trun_str(&r, NULL,
                   "203.0.113.5 - admin [10/Oct/2000:13:55:36 -0700] \"GET /cgi-bin/x.cgi?cmd=id"
                   "&a=%27 HTTP/1.1\" 404 512 \"http://ref/\" \"sqlmap/1.4 \\\"x\\\"\"\n"
                   "203.0.113.6 - - [10/Oct/2000:13:55:37 +0000] \"-\" 408 - \"-\" \"-\"\n"
                   "203.0.113.7 - - [10/Oct/2000:13:55:38 +0000] \"HEAD / HTTP/1.0\" 200 0\n"
                   "garbage line\n") == 0);
    CHECK_STR(r.dec ? r.dec->name : "", "weblog");
    CHECK_INT(r.n, 3);
    CHECK_INT(r.errors, 1);
    CHECK_FIELD(&r, 0, "c-ip", "203.0.113.5");
    CHECK_FIELD(&r, 0, "cs-username", "admin");
    CHECK_FIELD(&r, 0, "cs-method", "GET");
    CHECK_FIELD(&r, 0, "cs-uri-stem", "/cgi-bin/x.cgi");
    CHECK_FIELD(&r, 0, "cs-uri-query", "cmd=id&a=%27");
    CHECK_FIELD(&r, 0, "sc-status", "404");
    CHECK_FIELD(&r, 0, "sc-bytes", "512");
    CHECK_FIELD(&r, 0, "cs-referer", "http://ref/");
    CHECK_FIELD(&r, 0, "cs-user-agent", "sqlmap/1.4 \"x\"");
    CHECK_FIELD(&r, 0, "c-useragent", "sqlmap/1.4 \"x\"");
    CHECK_STR(r.ev[0].category, "webserver");
    char t[48];
    ward_time_format(r.ev[0].ts, 0, t, sizeof t);
    CHECK_STR(t, "2000-10-10T20:55:36Z");
    CHECK_NOFIELD(&r, 1, "cs-method");
    CHECK_NOFIELD(&r, 1, "sc-bytes");
    CHECK_FIELD(&r, 2, "cs-method", "HEAD");
    CHECK_NOFIELD(&r, 2, "cs-referer");
    trun_free(&r);
}

static void test_squid(void)
{
    struct trun r;
    CHECK(trun_str(&r, NULL,
                   "1286536309.450    12 192.168.0.68 TCP_MISS/200 507 GET "
                   "http://user:pw@dl.example.com:8080/a/b/setup.EXE?x=1 - "
                   "HIER_DIRECT/93.184.216.34 application/octet-stream\n"
                   "1286536309.999 0 192.168.0.69 TCP_DENIED/403 0 CONNECT evil.example:443 carol "
                   "HIER_NONE/- -\n") == 0);
    CHECK_STR(r.dec ? r.dec->name : "", "squid");
    CHECK_INT(r.n, 2);
    CHECK_INT(r.errors, 0);
    CHECK_FIELD(&r, 0, "time-taken", "12");
    CHECK_FIELD(&r, 0, "s-action", "TCP_MISS");
    CHECK_FIELD(&r, 0, "sc-status", "200");
    CHECK_FIELD(&r, 0, "cs-host", "dl.example.com");
    CHECK_FIELD(&r, 0, "c-uri-stem", "/a/b/setup.EXE");
    CHECK_FIELD(&r, 0, "c-uri-query", "x=1");
    CHECK_FIELD(&r, 0, "c-uri-extension", "EXE");
    CHECK_FIELD(&r, 0, "dst_ip", "93.184.216.34");
    CHECK_STR(r.ev[0].category, "proxy");
    CHECK_FIELD(&r, 1, "cs-method", "CONNECT");
    CHECK_FIELD(&r, 1, "cs-host", "evil.example");
    CHECK_FIELD(&r, 1, "cs-username", "carol");
    CHECK_NOFIELD(&r, 1, "dst_ip");
    trun_free(&r);
}

static void test_w3c(void)
{
    struct trun r;
    CHECK(trun_str(&r, NULL,
                   "#Software: Microsoft Internet Information Services 10.0\n#Version: 1.0\n"
                   "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port c-ip "
                   "cs(User-Agent) cs(Referer) sc-status time-taken\n"
                   "2024-01-02 03:04:05 10.0.0.1 GET /owa/x.aspx a=1 443 203.0.113.5 "
                   "Mozilla/5.0+(X11) - 200 15\n"
                   "2024-01-02 03:04:06 10.0.0.1 GET / - 443 203.0.113.5 curl - 200\n"
                   "#Fields: date time c-ip sc-status s-action cs-method cs-uri-scheme cs-host "
                   "cs-uri-port cs-uri-path cs-uri-query cs(User-Agent)\n"
                   "2024-01-02 03:04:07 10.1.1.1 200 TCP_MISS GET https dl.example 8443 "
                   "/p/run.ps1 x=1 \"Mozilla/5.0 (Windows NT 10.0)\"\n") == 0);
    CHECK_STR(r.dec ? r.dec->name : "", "w3c");
    CHECK_INT(r.n, 2);
    CHECK_INT(r.errors, 1);
    CHECK(strstr(r.first_error, "has 11 values") != NULL);
    CHECK_FIELD(&r, 0, "cs-uri-stem", "/owa/x.aspx");
    CHECK_FIELD(&r, 0, "cs-uri-query", "a=1");
    CHECK_FIELD(&r, 0, "c-useragent", "Mozilla/5.0+(X11)");
    CHECK_FIELD(&r, 0, "cs-user-agent", "Mozilla/5.0+(X11)");
    CHECK_NOFIELD(&r, 0, "cs-referer");
    CHECK_FIELD(&r, 0, "sc-status", "200");
    CHECK_STR(r.ev[0].category, "webserver");
    char t[48];
    ward_time_format(r.ev[0].ts, 0, t, sizeof t);
    CHECK_STR(t, "2024-01-02T03:04:05Z");
    CHECK_STR(r.ev[1].category, "proxy");
    CHECK_FIELD(&r, 1, "c-uri", "https://dl.example:8443/p/run.ps1?x=1");
    CHECK_FIELD(&r, 1, "c-uri-extension", "ps1");
    CHECK_FIELD(&r, 1, "c-useragent", "Mozilla/5.0 (Windows NT 10.0)");
    trun_free(&r);
}

int main(void)
{
    test_combined();
    test_squid();
    test_w3c();
    return test_done("test_decode_weblog");
}
