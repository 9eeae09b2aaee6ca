/* test_decode_zeek.c - Zeek TSV (headers, unset/empty, sets, escapes, repeated headers,
 * bad records) and Zeek JSON (service from _path). */
#include "decode_util.h"

int main(void)
{
    struct trun r;
    const char *tsv = "#separator \\x09\n"
                      "#set_separator\t,\n"
                      "#empty_field\t(empty)\n"
                      "#unset_field\t-\n"
                      "#path\tdns\n"
                      "#fields\tts\tuid\tid.orig_h\tid.orig_p\tquery\tanswers\tAA\trtt\n"
                      "#types\ttime\tstring\taddr\tport\tstring\tvector[string]\tbool\tinterval\n"
                      "1692161622.5\tC1\t10.0.0.1\t53000\tev\\x09il.com\ta.b,1.2.3.4\tT\t-\n"
                      "1692161623.0\tC2\t10.0.0.2\t53001\t(empty)\t(empty)\tF\t0.5\n"
                      "1692161624.0\tC3\tonly three\n"
                      "#path\tconn\n"
                      "#fields\tts\tuid\tproto\n"
                      "#types\ttime\tstring\tenum\n"
                      "1692161625.0\tC4\ttcp\n";
    CHECK(trun_str(&r, NULL, tsv) == 0);
    CHECK_STR(r.dec ? r.dec->name : "", "zeek");
    CHECK_INT(r.n, 3);
    CHECK_INT(r.errors, 1);
    CHECK(strstr(r.first_error, "#fields lists") != NULL);
    CHECK_FIELD(&r, 0, "query", "ev\til.com");
    CHECK_FIELD(&r, 0, "answers.0", "a.b");
    CHECK_FIELD(&r, 0, "answers.1", "1.2.3.4");
    CHECK_FIELD(&r, 0, "AA", "true");
    CHECK_INT(ttype(&r, 0, "AA"), WARD_V_BOOL);
    CHECK_INT(ttype(&r, 0, "id.orig_p"), WARD_V_NUM);
    CHECK_NOFIELD(&r, 0, "rtt");
    CHECK_STR(r.ev[0].product, "zeek");
    CHECK_STR(r.ev[0].service, "dns");
    CHECK_STR(r.ev[0].category, "dns");
    char t[48];
    ward_time_format(r.ev[0].ts, 3, t, sizeof t);
    CHECK_STR(t, "2023-08-16T04:53:42.500Z");
    CHECK_FIELD(&r, 1, "query", "");
    CHECK_NOFIELD(&r, 1, "answers.0");
    CHECK_FIELD(&r, 2, "proto", "tcp");
    CHECK_STR(r.ev[2].service, "conn");
    trun_free(&r);

    CHECK(trun_str(&r, NULL,
                   "{\"_path\":\"http\",\"ts\":\"2018-03-24T17:15:20.865716Z\",\"uid\":\"C1\","
                   "\"id.orig_h\":\"10.0.0.1\",\"uri\":\"/a\",\"tags\":[]}\n"
                   "{\"_path\":\"custom_thing\",\"ts\":1.5}\n") == 0);
    CHECK_STR(r.dec ? r.dec->name : "", "zeek-json");
    CHECK_INT(r.n, 2);
    CHECK_FIELD(&r, 0, "uri", "/a");
    CHECK_STR(r.ev[0].product, "zeek");
    CHECK_STR(r.ev[0].service, "http");
    CHECK(r.ev[1].service == NULL);
    trun_free(&r);
    CHECK_STR(tdetect("{\"ts\":1.5,\"uid\":\"C1\",\"id.orig_h\":\"10.0.0.1\"}\n"), "zeek-json");
    return test_done("test_decode_zeek");
}
