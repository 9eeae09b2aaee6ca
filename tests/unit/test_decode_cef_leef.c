/* test_decode_cef_leef.c - the CEF and LEEF decoders: headers with escapes, extensions,
 * labels, syslog prefixes, LEEF 2.0 delimiters, times and bad records. */
#include "decode_util.h"

static void test_cef(void)
{
    struct trun r;
    CHECK(trun_str(&r, NULL,
                   "<13>Sep 19 08:26:10 fw CEF:0|Sec\\|Co|IDS\\\\X|1.0|100|Port scan|7|"
                   "src=10.0.0.1 dst=10.0.0.2 dpt=22 msg=two words \\= eq\\nnext "
                   "cs1Label=Rule cs1=r-17 rt=1695111970123 suser=bob\n"
                   "CEF:0|only|three\n") == 0);
    CHECK_STR(r.dec ? r.dec->name : "", "cef");
    CHECK_INT(r.n, 1);
    CHECK_INT(r.errors, 1);
    CHECK_FIELD(&r, 0, "syslog_header", "<13>Sep 19 08:26:10 fw");
    CHECK_FIELD(&r, 0, "deviceVendor", "Sec|Co");
    CHECK_FIELD(&r, 0, "deviceProduct", "IDS\\X");
    CHECK_FIELD(&r, 0, "deviceEventClassId", "100");
    CHECK_FIELD(&r, 0, "name", "Port scan");
    CHECK_FIELD(&r, 0, "severity", "7");
    CHECK_FIELD(&r, 0, "src", "10.0.0.1");
    CHECK_FIELD(&r, 0, "dpt", "22");
    CHECK_INT(ttype(&r, 0, "dpt"), WARD_V_NUM);
    CHECK_FIELD(&r, 0, "msg", "two words = eq\nnext");
    CHECK_FIELD(&r, 0, "cs1", "r-17");
    CHECK_FIELD(&r, 0, "Rule", "r-17");
    CHECK_FIELD(&r, 0, "suser", "bob");
    char t[48];
    ward_time_format(r.ev[0].ts, 3, t, sizeof t);
    CHECK_STR(t, "2023-09-19T08:26:10.123Z");
    trun_free(&r);
}

static void test_leef(void)
{
    struct trun r;
    CHECK(trun_str(&r, NULL,
                   "LEEF:1.0|IBM|QRadar|7.0|Login|src=192.0.2.1\tusrName=al ice\tsev=3\t"
                   "devTime=Jan 18 2024 10:00:00.250\n"
                   "LEEF:2.0|Lancope|SW|1.0|41|x5E|src=10.0.1.8^msg=a\\^b^cat=c\n"
                   "LEEF:2.0|V|P|1|E|zz|a=b\n") == 0);
    CHECK_STR(r.dec ? r.dec->name : "", "leef");
    CHECK_INT(r.n, 2);
    CHECK_INT(r.errors, 1);
    CHECK(strstr(r.first_error, "delimiter") != NULL);
    CHECK_FIELD(&r, 0, "vendor", "IBM");
    CHECK_FIELD(&r, 0, "eventId", "Login");
    CHECK_FIELD(&r, 0, "usrName", "al ice");
    CHECK_FIELD(&r, 0, "sev", "3");
    char t[48];
    ward_time_format(r.ev[0].ts, 3, t, sizeof t);
    CHECK_STR(t, "2024-01-18T10:00:00.250Z");
    CHECK_FIELD(&r, 1, "delimiter", "x5E");
    CHECK_FIELD(&r, 1, "msg", "a^b");
    CHECK_FIELD(&r, 1, "cat", "c");
    trun_free(&r);
}

int main(void)
{
    test_cef();
    test_leef();
    return test_done("test_decode_cef_leef");
}
