/* test_decode_syslog.c - the syslog decoder: RFC 3164 and 5424 shapes, octet counting,
 * Linux authentication messages, logsource, errors and limits. */
#include "decode_util.h"

static void test_rfc3164(void)
{
    struct trun r;
    setenv("WARD_SYSLOG_YEAR", "2021", 1);
    CHECK(trun_str(&r, "syslog",
                   "<38>Mar  3 04:05:06 web01 sshd[77]: Accepted password for alice from "
                   "2001:db8::5 port 4242 ssh2\r\n"
                   "Mar 13 14:15:16 web01 kernel: [ 1.0] eth0 up\n"
                   "Mar 13 14:15:17 web01 CRON[12]: pam_unix(cron:session): session opened for "
                   "user root(uid=0) by (uid=0)\n") == 0);
    CHECK_INT(r.n, 3);
    CHECK_INT(r.errors, 0);
    CHECK_FIELD(&r, 0, "facility", "auth");
    CHECK_FIELD(&r, 0, "severity", "info");
    CHECK_FIELD(&r, 0, "hostname", "web01");
    CHECK_FIELD(&r, 0, "program", "sshd");
    CHECK_FIELD(&r, 0, "pid", "77");
    CHECK_INT(ttype(&r, 0, "pid"), WARD_V_NUM);
    CHECK_FIELD(&r, 0, "action", "accepted");
    CHECK_FIELD(&r, 0, "user", "alice");
    CHECK_FIELD(&r, 0, "src_ip", "2001:db8::5");
    CHECK_FIELD(&r, 0, "src_port", "4242");
    CHECK_FIELD(&r, 0, "auth_method", "password");
    CHECK_STR(r.ev[0].product, "linux");
    CHECK_STR(r.ev[0].service, "sshd");
    char t[48];
    ward_time_format(r.ev[0].ts, 0, t, sizeof t);
    CHECK_STR(t, "2021-03-03T04:05:06Z");
    CHECK_FIELD(&r, 1, "program", "kernel");
    CHECK_FIELD(&r, 1, "message", "[ 1.0] eth0 up");
    CHECK_STR(r.ev[1].service, "syslog");
    CHECK_FIELD(&r, 2, "action", "session_opened");
    CHECK_FIELD(&r, 2, "user", "root");
    CHECK_STR(r.ev[2].service, "cron");
    CHECK_INT(r.ev[2].line, 3);
    trun_free(&r);
    unsetenv("WARD_SYSLOG_YEAR");
}

static void test_rfc5424(void)
{
    struct trun r;
    CHECK(trun_str(&r, "syslog",
                   "<86>1 2024-05-06T07:08:09.123+02:00 h1 sudo 999 - [meta x=\"1\"][origin "
                   "ip=\"10.0.0.1\" note=\"a\\]b\"] \xEF\xBB\xBF  alice : TTY=pts/0 ; "
                   "PWD=/root ; USER=root ; COMMAND=/usr/bin/id -u ; echo x\n"
                   "<13>1 - - - - - -\n"
                   "<13>1 2024-05-06T07:08:09Z h p - - [broken\n") == 0);
    CHECK_INT(r.n, 2);
    CHECK_INT(r.errors, 1);
    CHECK(strstr(r.first_error, "structured data") != NULL);
    CHECK_FIELD(&r, 0, "facility", "authpriv");
    CHECK_FIELD(&r, 0, "program", "sudo");
    CHECK_FIELD(&r, 0, "sd.meta.x", "1");
    CHECK_FIELD(&r, 0, "sd.origin.ip", "10.0.0.1");
    CHECK_FIELD(&r, 0, "sd.origin.note", "a]b");
    CHECK_FIELD(&r, 0, "user", "alice");
    CHECK_FIELD(&r, 0, "target_user", "root");
    CHECK_FIELD(&r, 0, "command", "/usr/bin/id -u ; echo x");
    CHECK_STR(r.ev[0].service, "auth");
    char t[48];
    ward_time_format(r.ev[0].ts, 3, t, sizeof t);
    CHECK_STR(t, "2024-05-06T05:08:09.123Z");
    CHECK_NOFIELD(&r, 1, "hostname");
    CHECK(r.ev[1].ts == WARD_TIME_NONE);
    trun_free(&r);
}

static void test_octet_counting(void)
{
    struct trun r;
    const char *a = "<13>1 2024-01-01T00:00:00Z h app - - - line one\nstill one";
    const char *b = "<14>1 2024-01-01T00:00:01Z h app - - - two";
    char buf[256];
    snprintf(buf, sizeof buf, "%zu %s%zu %s\n", strlen(a), a, strlen(b), b);
    if (trun_str(&r, NULL, buf) != 0) {
        CHECK(!"octet-counted input not detected");
        return;
    }
    CHECK_STR(r.dec->name, "syslog");
    CHECK_INT(r.n, 2);
    CHECK_FIELD(&r, 0, "message", "line one\nstill one");
    CHECK_FIELD(&r, 1, "message", "two");
    trun_free(&r);
    /* a frame longer than the input is an error, not a crash */
    CHECK(trun_str(&r, "syslog", "99 <13>1 - - - - - - short") == 0);
    CHECK_INT(r.n, 0);
    CHECK_INT(r.errors, 1);
    trun_free(&r);
}

static void test_auth_messages(void)
{
    struct trun r;
    CHECK(trun_str(&r, "syslog",
                   "Jan  1 00:00:01 h su[5]: FAILED su for root by bob\n"
                   "Jan  1 00:00:02 h userdel[6]: delete user 'mallory'\n"
                   "Jan  1 00:00:03 h sshd[7]: Connection closed by authenticating user root "
                   "192.0.2.9 port 5555 [preauth]\n"
                   "Jan  1 00:00:04 h sshd[8]: Failed password for invalid user  x y from "
                   "192.0.2.10 port 1 ssh2\n"
                   "Jan  1 00:00:05 h passwd[9]: pam_unix(passwd:chauthtok): password changed "
                   "for carol\n"
                   "Jan  1 00:00:06 h sshd[10]: message repeated 3 times: [ Failed password for "
                   "root from 192.0.2.11 port 22 ssh2]\n"
                   "Jan  1 00:00:07 h usermod[11]: add 'dave' to group 'sudo'\n") == 0);
    CHECK_INT(r.n, 7);
    CHECK_FIELD(&r, 0, "action", "su_failed");
    CHECK_FIELD(&r, 0, "target_user", "root");
    CHECK_FIELD(&r, 0, "user", "bob");
    CHECK_FIELD(&r, 1, "action", "user_deleted");
    CHECK_FIELD(&r, 1, "user", "mallory");
    CHECK_FIELD(&r, 2, "action", "connection_closed");
    CHECK_FIELD(&r, 2, "user", "root");
    CHECK_FIELD(&r, 2, "src_ip", "192.0.2.9");
    CHECK_FIELD(&r, 2, "src_port", "5555");
    CHECK_FIELD(&r, 3, "user", " x y");
    CHECK_FIELD(&r, 3, "invalid_user", "true");
    CHECK_FIELD(&r, 4, "action", "password_changed");
    CHECK_FIELD(&r, 4, "user", "carol");
    CHECK_FIELD(&r, 5, "repeated", "3");
    CHECK_FIELD(&r, 5, "action", "failed");
    CHECK_FIELD(&r, 5, "src_ip", "192.0.2.11");
    CHECK_FIELD(&r, 6, "action", "group_member_added");
    CHECK_FIELD(&r, 6, "user", "dave");
    CHECK_FIELD(&r, 6, "group", "sudo");
    trun_free(&r);
}

/* newer OpenSSH, PAM, logind and shadow-utils wordings, with ISO (rsyslog) stamps */
static void test_auth_variants(void)
{
    struct trun r;
    CHECK(trun_str(&r, NULL,
                   "2024-01-02T03:04:05.123456+00:00 srv sshd[2]: Invalid user oracle from "
                   "198.51.100.8 port 4444\n"
                   "2024-01-02T03:04:06+00:00 srv sudo: pam_unix(sudo:session): session opened "
                   "for user root(uid=0) by alice(uid=1000)\n"
                   "2024-01-02T03:04:07+00:00 srv groupadd[10]: group added to /etc/group: "
                   "name=devs, GID=1001\n"
                   "2024-01-02T03:04:08+00:00 srv systemd-logind[14]: New session 5 of user "
                   "alice.\n"
                   "2024-01-02T03:04:09+00:00 srv sshd[15]: Received disconnect from "
                   "198.51.100.12 port 5000:11: disconnected by user\n"
                   "2024-01-02T03:04:10+00:00 srv sudo:    alice : 3 incorrect password "
                   "attempts ; TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/bash\n") ==
          0);
    CHECK_STR(r.dec ? r.dec->name : "", "syslog");
    CHECK_INT(r.n, 6);
    CHECK_FIELD(&r, 0, "user", "oracle");
    CHECK_FIELD(&r, 0, "src_port", "4444");
    CHECK_FIELD(&r, 0, "hostname", "srv");
    CHECK_FIELD(&r, 1, "action", "session_opened");
    CHECK_FIELD(&r, 1, "user", "root");
    CHECK_FIELD(&r, 1, "ruser", "alice");
    CHECK_FIELD(&r, 2, "action", "group_added");
    CHECK_FIELD(&r, 2, "group", "devs");
    CHECK_FIELD(&r, 2, "gid", "1001");
    CHECK_FIELD(&r, 3, "action", "session_new");
    CHECK_FIELD(&r, 3, "user", "alice");
    CHECK_STR(r.ev[3].service, "auth");
    CHECK_FIELD(&r, 4, "src_port", "5000");
    CHECK_FIELD(&r, 5, "action", "sudo_denied");
    CHECK_FIELD(&r, 5, "reason", "3 incorrect password attempts");
    char t[48];
    ward_time_format(r.ev[0].ts, 6, t, sizeof t);
    CHECK_STR(t, "2024-01-02T03:04:05.123456Z");
    trun_free(&r);
}

/* the older "program(pam_module)[pid]:" tag */
static void test_old_pam_tag(void)
{
    struct trun r;
    CHECK(trun_str(&r, "syslog",
                   "Jun 15 02:04:59 combo sshd(pam_unix)[20882]: authentication failure; "
                   "logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=218.188.2.4  user=root\n"
                   "Jun 15 04:06:18 combo su(pam_unix)[21416]: session opened for user cyrus by "
                   "(uid=0)\n") == 0);
    CHECK_INT(r.n, 2);
    CHECK_FIELD(&r, 0, "program", "sshd(pam_unix)");
    CHECK_FIELD(&r, 0, "action", "authentication_failure");
    CHECK_FIELD(&r, 0, "user", "root");
    CHECK_FIELD(&r, 0, "src_ip", "218.188.2.4");
    CHECK_FIELD(&r, 0, "pam_module", "pam_unix");
    CHECK_STR(r.ev[0].service, "sshd");
    CHECK_FIELD(&r, 1, "action", "session_opened");
    CHECK_FIELD(&r, 1, "user", "cyrus");
    CHECK_STR(r.ev[1].service, "auth");
    trun_free(&r);
}

static void test_probe(void)
{
    CHECK_STR(tdetect("<34>Oct 11 22:14:15 mymachine su: 'su root' failed\n"), "syslog");
    CHECK_STR(tdetect("Oct 11 22:14:15 mymachine su: x\nOct 11 22:14:16 mymachine su: y\n"),
              "syslog");
    CHECK_STR(tdetect("{\"message\": \"Oct 11 22:14:15 h su: x\"}\n"), "json");
    CHECK_STR(tdetect("hello world\nthis is not a log\n"), "(none)");
}

int main(void)
{
    test_rfc3164();
    test_rfc5424();
    test_octet_counting();
    test_auth_messages();
    test_auth_variants();
    test_old_pam_tag();
    test_probe();
    return test_done("test_decode_syslog");
}
