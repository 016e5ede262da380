/*
 * test_csv_record — csv_table, the part the CSV readers share, with made-up columns:
 * a header in any order and case, each unknown, unnamed, repeated or missing column
 * told, a file that is empty, not UTF-8 or too wide, rows with the wrong number of
 * fields. (The records themselves, RFC 4180 and the
 * reasons' form are tested through gp_csv and episode_csv.)
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tu_csv.h"

enum { C_ID, C_COLOUR, C_SIZE, N_COLUMNS };

static const char *column_name(int k)
{
    static const char *const names[N_COLUMNS] = {"id", "colour", "size"};
    return names[k];
}

/* id is needed; colour and size are not. */
static void missing(const csv_table_t *t, csv_problems_t *p)
{
    if (t->field_of[C_ID] < 0)
        csv_problem(p, "header", "no id column");
}

static const csv_columns_t columns = {N_COLUMNS, column_name, "id,colour,size", missing};

typedef struct {
    FILE *fp;
    csv_table_t t;
    csv_problems_t p;
    char err[1024];
} fx_t;

/* Closes what the last open_text opened. */
static void done(fx_t *f)
{
    csv_table_close(&f->t);
    if (f->fp)
        fclose(f->fp);
    f->fp = NULL;
}

static int open_text(fx_t *f, const char *text)
{
    done(f);
    f->fp = tu_csv_file(text, strlen(text));
    return csv_table_open(&f->t, f->fp, "paint.csv", &columns, f->err, sizeof f->err);
}

static void test_columns_in_any_order_and_case(void **state)
{
    (void)state;
    fx_t fx = {0}, *f = &fx;
    assert_int_equal(open_text(f, " SIZE ,Id\nL,7\nM,8,extra\n\nS,9\n"), CSV_TABLE_OK);
    assert_string_equal(f->err, "");
    assert_int_equal(f->t.n_fields, 2);
    assert_int_equal(f->t.field_of[C_SIZE], 0);
    assert_int_equal(f->t.field_of[C_ID], 1);
    assert_int_equal(f->t.field_of[C_COLOUR], -1); /* absent */
    assert_int_equal(csv_table_next(&f->t, &f->p, f->err, sizeof f->err), CSV_TABLE_OK);
    assert_int_equal(f->p.line, 2);
    assert_string_equal(f->err, "");
    assert_string_equal(csv_record_field(f->t.rec, (size_t)f->t.field_of[C_ID]), "7");
    assert_int_equal(csv_table_next(&f->t, &f->p, f->err, sizeof f->err), CSV_TABLE_EROW);
    assert_string_equal(f->err, "paint.csv:3: row: 3 fields where the header has 2");
    assert_int_equal(csv_table_next(&f->t, &f->p, f->err, sizeof f->err), CSV_TABLE_OK); /* reads on */
    assert_int_equal(f->p.line, 5);
    assert_int_equal(csv_table_next(&f->t, &f->p, f->err, sizeof f->err), CSV_TABLE_END);
    assert_int_equal(csv_table_next(&f->t, &f->p, f->err, sizeof f->err), CSV_TABLE_END);
    assert_string_equal(csv_table_strerror(CSV_TABLE_EROW), "bad row");
    assert_string_equal(csv_table_strerror(-99), "unknown error");
    done(f);
}

/* Every problem of a header is told, on the line it starts on; and a file with no
 * header at all is said to be one. */
static void test_header_problems(void **state)
{
    (void)state;
    char wide[400] = "id"; /* one column too many */
    for (int i = 0; i < CSV_RECORD_MAX_FIELDS; i++)
        strcat(wide, ",x");
    const struct {
        const char *text, *err;
    } cases[] = {
        {"colour,,weight,colour,\"Shade\n",
         "paint.csv:1: header: column 2 has no name\n"
         "paint.csv:1: header: column 'colour' appears twice\n"
         "paint.csv:1: header: column 5: quoted field not closed before the end of the file\n"
         "paint.csv:1: header: unknown column 'weight'; the columns are id,colour,size\n"
         "paint.csv:1: header: no id column"},
        {"\n\nid,colour,size,ID\n", "paint.csv:3: header: column 'id' appears twice"},
        {"", "paint.csv:1: header: the file is empty; the first line names the columns: id,colour,size"},
        {"\xef\xbb"
         "id\n",
         "paint.csv:1: header: not UTF-8 text"},
        {wide, "paint.csv:1: header: 65 columns, at most 64"},
    };
    fx_t fx = {0}, *f = &fx;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(open_text(f, cases[i].text), CSV_TABLE_EHEADER);
        assert_string_equal(f->err, cases[i].err);
    }
    done(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_columns_in_any_order_and_case),
        cmocka_unit_test(test_header_problems),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
