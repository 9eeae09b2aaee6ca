/* test_decode_json_formats.c - the JSON-based decoders: Suricata EVE (logsource per event
 * type, Sigma aliases), CloudTrail (Records arrays split into events, one-record lines), and
 * detection against the plain json decoder. */
#include "decode_util.h"

static void test_eve(void)
{
    struct trun r;
    CHECK(
        trun_str(&r, NULL,
                 "{\"timestamp\":\"2024-01-02T03:04:05.5+0100\",\"event_type\":\"dns\","
                 "\"src_ip\":\"10.0.0.1\",\"dest_ip\":\"8.8.8.8\",\"dest_port\":53,\"dns\":"
                 "{\"type\":\"query\",\"rrname\":\"ev\\u0069l.example\",\"rrtype\":\"TXT\"}}\n"
                 "{\"timestamp\":\"2024-01-02T03:04:06+0000\",\"event_type\":\"http\",\"http\":"
                 "{\"hostname\":\"h.example\",\"url\":\"/x.php?a=1\",\"http_user_agent\":\"curl\","
                 "\"http_method\":\"POST\",\"status\":200}}\n"
                 "{\"timestamp\":\"2024-01-02T03:04:07+0000\",\"event_type\":\"alert\",\"alert\":"
                 "{\"signature_id\":2001219,\"signature\":\"ET SCAN\"}}\n"
                 "{\"timestamp\":\"2024-01-02T03:04:08+0000\",\"event_type\":\"future_thing\"}\n"
                 "{\"timestamp\": broken}\n") == 0);
    CHECK_STR(r.dec ? r.dec->name : "", "eve");
    CHECK_INT(r.n, 4);
    CHECK_INT(r.errors, 1);
    CHECK_STR(r.ev[0].product, "suricata");
    CHECK_STR(r.ev[0].service, "dns");
    CHECK_STR(r.ev[0].category, "dns");
    CHECK_FIELD(&r, 0, "query", "evil.example");
    CHECK_FIELD(&r, 0, "record_type", "TXT");
    CHECK_FIELD(&r, 0, "dst_ip", "8.8.8.8");
    CHECK_FIELD(&r, 0, "dst_port", "53");
    char t[48];
    ward_time_format(r.ev[0].ts, 3, t, sizeof t);
    CHECK_STR(t, "2024-01-02T02:04:05.500Z");
    CHECK_STR(r.ev[1].category, "proxy");
    CHECK_FIELD(&r, 1, "c-uri", "/x.php?a=1");
    CHECK_FIELD(&r, 1, "cs-host", "h.example");
    CHECK_FIELD(&r, 1, "c-useragent", "curl");
    CHECK_FIELD(&r, 1, "cs-method", "POST");
    CHECK_FIELD(&r, 1, "sc-status", "200");
    CHECK_STR(r.ev[2].service, "alert");
    CHECK(r.ev[2].category == NULL);
    CHECK_FIELD(&r, 2, "alert.signature_id", "2001219");
    CHECK(r.ev[3].service == NULL);
    trun_free(&r);
    /* a pretty-printed array of EVE records is EVE too */
    CHECK_STR(tdetect("[\n  {\n    \"timestamp\": \"2018-03-24T14:37:19-0600\",\n    "
                      "\"event_type\": \"alert\"\n  }\n]\n"),
              "eve");
    CHECK_STR(tdetect("{\"time\":\"x\",\"msg\":\"event_type is not a key here\"}\n"), "json");
}

static void test_cloudtrail(void)
{
    struct trun r;
    CHECK(trun_str(
              &r, NULL,
              "{\n  \"Records\": [\n    {\"eventVersion\":\"1.08\",\"userIdentity\":"
              "{\"type\":\"Root\"},\"eventTime\":\"2023-01-02T03:04:05Z\",\"eventSource\":"
              "\"iam.amazonaws.com\",\"eventName\":\"CreateUser\",\"awsRegion\":\"us-east-1\"},\n"
              "    {\"eventTime\":\"2023-01-02T03:04:06Z\",\"eventSource\":\"s3.amazonaws.com\","
              "\"eventName\":\"GetObject\",\"resources\":[{\"ARN\":\"arn:aws:s3:::b/k\"}]},\n"
              "    {}\n  ]\n}\n"
              "{\"Records\":[]}\n"
              "{\"Records\":[{\"eventSource\":\"sts.amazonaws.com\",\"eventName\":"
              "\"GetCallerIdentity\"}]}\n") == 0);
    CHECK_STR(r.dec ? r.dec->name : "", "cloudtrail");
    CHECK_INT(r.errors, 0);
    CHECK_INT(r.n, 3);
    CHECK_FIELD(&r, 0, "eventName", "CreateUser");
    CHECK_FIELD(&r, 0, "userIdentity.type", "Root");
    CHECK_NOFIELD(&r, 0, "Records.0.eventName");
    CHECK_STR(r.ev[0].product, "aws");
    CHECK_STR(r.ev[0].service, "cloudtrail");
    char t[48];
    ward_time_format(r.ev[0].ts, 0, t, sizeof t);
    CHECK_STR(t, "2023-01-02T03:04:05Z");
    CHECK_FIELD(&r, 1, "eventName", "GetObject");
    CHECK_FIELD(&r, 1, "resources.0.ARN", "arn:aws:s3:::b/k");
    CHECK_NOFIELD(&r, 1, "eventVersion");
    /* the empty element {} and the empty Records array give no event */
    CHECK_FIELD(&r, 2, "eventName", "GetCallerIdentity");
    trun_free(&r);
    /* one record a line */
    CHECK(trun_str(&r, NULL,
                   "{\"eventSource\":\"ec2.amazonaws.com\",\"eventName\":\"RunInstances\","
                   "\"awsRegion\":\"eu-west-1\",\"eventTime\":\"2020-09-14T00:44:23Z\"}\n") == 0);
    CHECK_STR(r.dec ? r.dec->name : "", "cloudtrail");
    CHECK_INT(r.n, 1);
    CHECK_FIELD(&r, 0, "eventName", "RunInstances");
    CHECK_STR(r.ev[0].service, "cloudtrail");
    trun_free(&r);
}

int main(void)
{
    test_eve();
    test_cloudtrail();
    return test_done("test_decode_json_formats");
}
