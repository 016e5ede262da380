/*
 * test_cmd_agreement — `huddle agreement add|list|revoke` as an operator runs them: the
 * real binary on a store `huddle init` made, its exit codes and messages ("huddle:
 * FIELD: REASON" for a refusal), the listing and its filters, the derived events left
 * in the log, and the lock that keeps them off a running broker's store.
 */
#include <sys/file.h>

#include "tu_cmd.h"

/* huddle --store <the fixture's store> ARGS... */
#define RUN(f, ...) TU_CMD_RUN(f, "huddle", "--store", (f)->store, __VA_ARGS__)

/* Adds an agreement that must be recorded. */
static void add_ok(tu_cmd_t *f, const char *id, const char *provider, const char *services, const char *from,
                   const char *to)
{
    int rc = to ? RUN(f, "agreement", "add", "--id", id, "--assessor", "RXH", "--provider", provider, "--services",
                      services, "--from", from, "--to", to)
                : RUN(f, "agreement", "add", "--id", id, "--assessor", "RXH", "--provider", provider, "--services",
                      services, "--from", from);
    if (rc != 0)
        fail_msg("agreement add %s failed:\n%s", id, f->out);
}

static void test_add_list_revoke(void **state)
{
    tu_cmd_t *f = *state;
    init_store(f);
    assert_int_equal(RUN(f, "agreement", "add", "--id", "TA-VN", "--assessor", "RXH", "--provider", "VN123",
                         "--services", "residential,nursing", "--from", "2026-01-01"),
                     0);
    assert_output_has(f, "recorded trust agreement TA-VN: RXH may assess for VN123 (residential,nursing) from "
                         "2026-01-01, open-ended");
    add_ok(f, "TA-HC-OLD", "HC456", "home-care", "2020-01-01", "2020-12-31");
    add_ok(f, "TA-HC-NEW", "HC456", "home-care,reablement", "2999-01-01", NULL);

    assert_int_equal(RUN(f, "agreement", "list"), 0);
    assert_output_has(f, "TA-VN ");
    assert_output_has(f, "residential,nursing");
    assert_output_has(f, "in force");
    assert_output_has(f, "TA-HC-NEW");
    assert_output_has(f, "not yet in force");
    assert_output_lacks(f, "TA-HC-OLD");
    assert_output_has(f, "2 agreements in force or to come");
    assert_int_equal(RUN(f, "agreement", "list", "--all", "--provider", "HC456"), 0);
    assert_output_has(f, "TA-HC-OLD");
    assert_output_has(f, "2020-12-31 ended");
    assert_output_lacks(f, "TA-VN ");
    assert_output_has(f, "2 agreements\n");
    assert_int_equal(RUN(f, "agreement", "list", "--assessor", "RYJ"), 0);
    assert_output_has(f, "0 agreements");

    assert_int_equal(RUN(f, "agreement", "revoke", "TA-VN", "--reason", "Home closed to admissions"), 0);
    assert_output_has(f, "revoked trust agreement TA-VN");
    assert_int_equal(RUN(f, "agreement", "list"), 0);
    assert_output_lacks(f, "TA-VN ");
    assert_int_equal(RUN(f, "agreement", "list", "--all"), 0);
    assert_output_has(f, "revoked");
    assert_output_has(f, "3 agreements");
    /* each change left its derived event in the log, for subscribers to hear */
    assert_int_equal(RUN(f, "stat"), 0);
    assert_output_has(f, "last seq       4\n");
}

static void test_refusals_name_the_field(void **state)
{
    tu_cmd_t *f = *state;
    init_store(f);
    add_ok(f, "TA-1", "VN123", "nursing", "2026-01-01", "2026-12-31");
#define ADD(...) RUN(f, "agreement", "add", "--assessor", "RXH", "--provider", "VN123", __VA_ARGS__)
    assert_int_equal(ADD("--id", "TA-1", "--services", "nursing", "--from", "2027-01-01"), 1);
    assert_output_has(f, "huddle: admin.agreement_add.agreement.agreement_id: agreement TA-1 is already recorded");
    assert_int_equal(ADD("--id", "TA 2", "--services", "nursing", "--from", "2027-01-01"), 1);
    assert_output_has(f, "huddle: admin.agreement_add.agreement.agreement_id: ");
    assert_int_equal(ADD("--id", "TA-2", "--services", "nursing,bedsit", "--from", "2027-01-01"), 1);
    assert_output_has(f, "huddle: admin.agreement_add.agreement.service_types: unknown service 'bedsit'");
    assert_int_equal(ADD("--id", "TA-2", "--services", "nursing,nursing", "--from", "2027-01-01"), 1);
    assert_output_has(f, "huddle: admin.agreement_add.agreement.service_types: nursing home is listed twice");
    assert_int_equal(ADD("--id", "TA-2", "--services", "nursing", "--from", "2027-02-30"), 1);
    assert_output_has(f, "huddle: admin.agreement_add.agreement.valid_from_date: ");
    assert_int_equal(ADD("--id", "TA-2", "--services", "nursing", "--from", "2027-02-01", "--to", "2027-01-31"), 1);
    assert_output_has(f, "huddle: admin.agreement_add.agreement.valid_to_date: must not be before valid_from_date");
#undef ADD
    assert_int_equal(RUN(f, "agreement", "add", "--id", "TA-2", "--assessor", "rxh", "--provider", "VN123",
                         "--services", "nursing", "--from", "2027-01-01"),
                     1);
    assert_output_has(f, "huddle: admin.agreement_add.agreement.assessor_ods: ");
    assert_int_equal(RUN(f, "agreement", "list", "--all"), 0);
    assert_output_has(f, "1 agreement\n"); /* nothing refused was kept */

    assert_int_equal(RUN(f, "agreement", "revoke", "TA-9", "--reason", "no such"), 1);
    assert_output_has(f, "huddle: admin.agreement_revoke.agreement_id: no trust agreement with this id");
    static char reason[1002];
    memset(reason, 'x', 1001);
    assert_int_equal(RUN(f, "agreement", "revoke", "TA-1", "--reason", reason), 1);
    assert_output_has(f, "huddle: admin.agreement_revoke.reason: ");
    assert_int_equal(RUN(f, "agreement", "revoke", "TA-1", "--reason", "ended early"), 0);
    assert_int_equal(RUN(f, "agreement", "revoke", "TA-1", "--reason", "again"), 1);
    assert_output_has(f, "huddle: admin.agreement_revoke.agreement_id: agreement TA-1 is already revoked");
}

static void test_usage_help_lock_and_store(void **state)
{
    tu_cmd_t *f = *state;
    assert_int_equal(RUN(f, "agreement", "list"), 1); /* no store yet */
    assert_int_equal(RUN(f, "agreement", "add", "--id", "TA-1", "--assessor", "RXH", "--provider", "VN123",
                         "--services", "nursing", "--from", "2027-01-01"),
                     1);
    assert_output_has(f, "no store at");
    init_store(f);
    assert_int_equal(RUN(f, "agreement", "--help"), 0);
    assert_output_has(f, "usage: huddle [--store DIR] agreement COMMAND");
    assert_output_has(f, "revoke ID");
    assert_int_equal(RUN(f, "agreement"), 2);
    assert_int_equal(RUN(f, "agreement", "sign"), 2);
    assert_output_has(f, "unknown agreement command 'sign'");
    assert_int_equal(RUN(f, "agreement", "add", "--help"), 0);
    assert_output_has(f, "--services LIST");
    assert_output_has(f, "residential, nursing, home-care, reablement");
    assert_int_equal(RUN(f, "agreement", "add", "--assessor", "RXH"), 2);
    assert_output_has(f, "--id is required");
    assert_int_equal(RUN(f, "agreement", "revoke", "--reason", "why"), 2);
    assert_output_has(f, "takes one argument");
    assert_int_equal(RUN(f, "agreement", "list", "extra"), 2);
    assert_int_equal(RUN(f, "help"), 0);
    assert_output_has(f, "agreement COMMAND");

    /* a running broker holds the lock: changes are refused, listing still works */
    char path[512];
    snprintf(path, sizeof path, "%s/huddled.lock", f->store);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
    assert_int_equal(RUN(f, "agreement", "add", "--id", "TA-1", "--assessor", "RXH", "--provider", "VN123",
                         "--services", "nursing", "--from", "2027-01-01"),
                     1);
    assert_output_has(f, "a broker is running on");
    assert_int_equal(RUN(f, "agreement", "list", "--all"), 0);
    assert_output_has(f, "0 agreements");
    close(fd);
    add_ok(f, "TA-1", "VN123", "nursing", "2027-01-01", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_add_list_revoke, tu_cmd_setup, tu_cmd_teardown),
        cmocka_unit_test_setup_teardown(test_refusals_name_the_field, tu_cmd_setup, tu_cmd_teardown),
        cmocka_unit_test_setup_teardown(test_usage_help_lock_and_store, tu_cmd_setup, tu_cmd_teardown),
    };
    return cmocka_run_group_tests_name("cmd_agreement", tests, NULL, NULL);
}
