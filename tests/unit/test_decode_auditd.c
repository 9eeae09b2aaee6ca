/* test_decode_auditd.c - the auditd decoder: records joined by serial, plain and qualified
 * names, hex decoding, nested msg='...', EOE, node= prefixes and bad lines. */
#include "decode_util.h"

int main(void)
{
    struct trun r;
    const char *log =
        "type=SYSCALL msg=audit(1604994496.155:100): arch=c000003e syscall=59 success=yes "
        "exit=0 a0=558e a1=559f items=2 ppid=1 pid=2 uid=0 comm=\"sh\" exe=\"/bin/sh\" "
        "key=(null)\n"
        "type=EXECVE msg=audit(1604994496.155:100): argc=3 a0=\"sh\" a1=\"-c\" "
        "a2=6563686F20612062\n"
        "type=PATH msg=audit(1604994496.155:100): item=0 name=\"/bin/sh\" mode=0100755\n"
        "type=PATH msg=audit(1604994496.155:100): item=1 name=2F746D702F6120622063\n"
        "type=PROCTITLE msg=audit(1604994496.155:100): proctitle=7368002D63006563686F\n"
        "type=EOE msg=audit(1604994496.155:100): \n"
        "node=n1 type=USER_LOGIN msg=audit(1604994497.000:101): pid=3 uid=0 "
        "msg='op=login acct=\"bob\" exe=\"/usr/sbin/sshd\" addr=192.0.2.1 res=failed'\x1d"
        "UID=\"root\"\n"
        "this is not an audit line\n"
        "type=CWD msg=audit(1604994498.000:102): cwd=\"/root\"\n";
    CHECK(trun_str(&r, NULL, log) == 0);
    CHECK_STR(r.dec ? r.dec->name : "", "auditd");
    CHECK_INT(r.n, 3);
    CHECK_INT(r.errors, 1);
    CHECK(strstr(r.first_error, "not an audit record") != NULL);
    /* event 1: five records joined */
    /* plain names several records carry become arrays, in the order EXECVE, SYSCALL,
     * PATH, others */
    CHECK_NOFIELD(&r, 0, "type");
    CHECK_FIELD(&r, 0, "type.0", "EXECVE");
    CHECK_FIELD(&r, 0, "type.1", "SYSCALL");
    CHECK_FIELD(&r, 0, "type.2", "PATH");
    CHECK_FIELD(&r, 0, "type.3", "PATH");
    CHECK_FIELD(&r, 0, "type.4", "PROCTITLE");
    CHECK_INT(tcount(&r, 0, "type.0"), 1);
    CHECK_FIELD(&r, 0, "record_types", "SYSCALL,EXECVE,PATH,PATH,PROCTITLE");
    CHECK_FIELD(&r, 0, "a0", "sh");
    CHECK_FIELD(&r, 0, "a2", "echo a b");
    CHECK_FIELD(&r, 0, "SYSCALL.a0", "558e");
    CHECK_FIELD(&r, 0, "EXECVE.a2", "echo a b");
    CHECK_FIELD(&r, 0, "exe", "/bin/sh");
    CHECK_FIELD(&r, 0, "name.0", "/bin/sh");
    CHECK_FIELD(&r, 0, "name.1", "/tmp/a b c");
    CHECK_FIELD(&r, 0, "PATH.1.name", "/tmp/a b c");
    CHECK_FIELD(&r, 0, "mode", "0100755");
    CHECK_INT(ttype(&r, 0, "mode"), WARD_V_STR);
    CHECK_NOFIELD(&r, 0, "a0.0"); /* SYSCALL's a0 is qualified only when EXECVE is there */
    CHECK_INT(ttype(&r, 0, "pid"), WARD_V_NUM);
    CHECK_FIELD(&r, 0, "proctitle", "sh -c echo");
    CHECK_FIELD(&r, 0, "serial", "100");
    CHECK_STR(r.ev[0].product, "linux");
    CHECK_STR(r.ev[0].service, "auditd");
    char t[48];
    ward_time_format(r.ev[0].ts, 3, t, sizeof t);
    CHECK_STR(t, "2020-11-10T07:48:16.155Z");
    CHECK_INT(r.ev[0].line, 1);
    /* event 2: nested msg and enriched fields */
    CHECK_FIELD(&r, 1, "type", "USER_LOGIN");
    CHECK_FIELD(&r, 1, "acct", "bob");
    CHECK_FIELD(&r, 1, "res", "failed");
    CHECK_FIELD(&r, 1, "UID", "root");
    CHECK_FIELD(&r, 1, "node", "n1");
    CHECK_FIELD(&r, 2, "cwd", "/root");
    trun_free(&r);
    return test_done("test_decode_auditd");
}
