/*
 * test_codec — the v1 schema and the Frame codec: every message of the schema round
 * trips byte for byte, the schema never nests itself, golden frames in tests/data keep
 * the wire format fixed, and malformed, truncated, over-size, wrong-version,
 * unknown-body, bad-UTF-8 and unknown-enum frames are refused with the right code
 * and field.
 *
 * HD_WRITE_TEST_DATA=1 rewrites the .bin files in tests/data from the builders below (only when
 * the wire format changes on purpose).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "frame.pb-c.h"
#include "state.pb-c.h"

#define DATA_DIR "tests/data/"

/* protobuf-c declares strings char *; these literals are never written through. */
#define S(literal) ((char *)(literal))

/* ---- a message of any type with every field set, through the descriptors ---- */

/* Members of one oneof share its quantifier offset; which member is chosen rotates
 * with the variant, so that over enough variants every member is exercised. */
static bool oneof_chosen(const ProtobufCMessageDescriptor *d, const ProtobufCFieldDescriptor *f,
                         unsigned variant)
{
    unsigned count = 0, rank = 0;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *g = &d->fields[i];
        if (!(g->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) || g->quantifier_offset != f->quantifier_offset)
            continue;
        if (g == f)
            rank = count;
        count++;
    }
    return rank == variant % count;
}

static ProtobufCMessage *fill(const ProtobufCMessageDescriptor *d, unsigned variant, int depth);

static void fill_value(const ProtobufCFieldDescriptor *f, void *slot, unsigned variant, int depth, size_t k)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING: {
        char *s = malloc(32);
        assert_non_null(s);
        snprintf(s, 32, "%s-%zu-é", f->name, k); /* non-ASCII UTF-8 too */
        *(char **)slot = s;
        break;
    }
    case PROTOBUF_C_TYPE_BYTES: {
        ProtobufCBinaryData *b = slot;
        b->len = 3;
        b->data = malloc(3);
        assert_non_null(b->data);
        memcpy(b->data, "\0\1\2", 3);
        break;
    }
    case PROTOBUF_C_TYPE_ENUM: {
        const ProtobufCEnumDescriptor *e = f->descriptor;
        *(int *)slot = e->values[(variant + k + 1) % e->n_values].value;
        break;
    }
    case PROTOBUF_C_TYPE_MESSAGE:
        *(ProtobufCMessage **)slot = fill(f->descriptor, variant, depth + 1);
        break;
    case PROTOBUF_C_TYPE_BOOL: *(protobuf_c_boolean *)slot = 1; break;
    case PROTOBUF_C_TYPE_DOUBLE: *(double *)slot = 0.25 + (double)k; break;
    case PROTOBUF_C_TYPE_FLOAT: *(float *)slot = 0.5f; break;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64: *(int64_t *)slot = -1700000000000 - (int64_t)k; break;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64: *(uint64_t *)slot = 1 + k + ((uint64_t)1 << 40); break;
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32: *(int32_t *)slot = -7 - (int32_t)k; break;
    default: *(uint32_t *)slot = 1 + (uint32_t)k; break; /* uint32, fixed32 */
    }
}

static size_t value_size(const ProtobufCFieldDescriptor *f)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING: return sizeof(char *);
    case PROTOBUF_C_TYPE_MESSAGE: return sizeof(ProtobufCMessage *);
    case PROTOBUF_C_TYPE_BYTES: return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_DOUBLE:
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64: return 8;
    case PROTOBUF_C_TYPE_BOOL: return sizeof(protobuf_c_boolean);
    default: return 4;
    }
}

static ProtobufCMessage *fill(const ProtobufCMessageDescriptor *d, unsigned variant, int depth)
{
    assert_true(depth < CODEC_MAX_DEPTH);
    ProtobufCMessage *m = calloc(1, d->sizeof_message);
    assert_non_null(m);
    d->message_init(m);
    char *base = (char *)m;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
            if (!oneof_chosen(d, f, variant))
                continue;
            *(uint32_t *)(void *)(base + f->quantifier_offset) = f->id;
        }
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = 2, sz = value_size(f);
            char *arr = calloc(n, sz);
            assert_non_null(arr);
            for (size_t k = 0; k < n; k++)
                fill_value(f, arr + k * sz, variant, depth, k);
            *(size_t *)(void *)(base + f->quantifier_offset) = n;
            *(void **)(void *)(base + f->offset) = arr;
        } else {
            fill_value(f, base + f->offset, variant, depth, 0);
        }
    }
    return m;
}

static uint8_t *pack(const ProtobufCMessage *m, size_t *len)
{
    *len = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = malloc(*len ? *len : 1);
    assert_non_null(buf);
    assert_int_equal(protobuf_c_message_pack(m, buf), *len);
    return buf;
}

/* Packs, unpacks and packs again: the two encodings must be the same bytes. */
static void assert_round_trip(const ProtobufCMessageDescriptor *d, unsigned variant)
{
    ProtobufCMessage *m = fill(d, variant, 0);
    size_t len1, len2;
    uint8_t *b1 = pack(m, &len1);
    ProtobufCMessage *u = protobuf_c_message_unpack(d, NULL, len1, b1);
    if (!u)
        fail_msg("%s: does not unpack its own encoding", d->name);
    uint8_t *b2 = pack(u, &len2);
    assert_int_equal(len1, len2);
    assert_memory_equal(b1, b2, len1);
    codec_error_t err;
    if (codec_check_message(u, d->short_name, &err) != CODEC_OK)
        fail_msg("%s variant %u: %s at %s", d->name, variant, err.reason, err.field);
    protobuf_c_message_free_unpacked(u, NULL);
    protobuf_c_message_free_unpacked(m, NULL);
    free(b1);
    free(b2);
}

/* The stored records: what the store keeps is part of the schema too. */
static const ProtobufCMessageDescriptor *const records[] = {
    &huddle__frame__descriptor,
    &huddle__event__descriptor,
    &huddle__referral_record__descriptor,
    &huddle__session_record__descriptor,
    &huddle__assessment_record__descriptor,
    &huddle__episode_record__descriptor,
    &huddle__subscription_record__descriptor,
    &huddle__agent_record__descriptor,
    &huddle__practice_record__descriptor,
    &huddle__neighbourhood_record__descriptor,
    &huddle__trust_agreement_record__descriptor,
    &huddle__decline_counter__descriptor,
    &huddle__timer_record__descriptor,
    &huddle__audit_record__descriptor,
    &huddle__dedup_record__descriptor,
};
#define N_RECORDS (sizeof records / sizeof records[0])

static void test_every_message_round_trips(void **state)
{
    (void)state;
    /* 24 variants reach every member of the largest oneof (Event.payload). */
    for (size_t r = 0; r < N_RECORDS; r++)
        for (unsigned v = 0; v < 24; v++)
            assert_round_trip(records[r], v);
}

/* A message type reachable from itself would let a small frame nest without bound. */
static bool reaches(const ProtobufCMessageDescriptor *from, const ProtobufCMessageDescriptor *target,
                    int depth)
{
    if (depth > CODEC_MAX_DEPTH)
        return true; /* deeper than the codec allows: treat as a cycle */
    for (unsigned i = 0; i < from->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &from->fields[i];
        if (f->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        if (f->descriptor == target || reaches(f->descriptor, target, depth + 1))
            return true;
    }
    return false;
}

static void check_no_cycle(const ProtobufCMessageDescriptor *d, int depth)
{
    if (reaches(d, d, 0))
        fail_msg("%s can contain itself", d->name);
    for (unsigned i = 0; i < d->n_fields; i++)
        if (d->fields[i].type == PROTOBUF_C_TYPE_MESSAGE && depth < CODEC_MAX_DEPTH)
            check_no_cycle(d->fields[i].descriptor, depth + 1);
}

static void test_schema_is_not_recursive(void **state)
{
    (void)state;
    for (size_t r = 0; r < N_RECORDS; r++)
        check_no_cycle(records[r], 0);
}

/* ---- golden frames: the wire format of v1, fixed ---- */

static const char *const golden_nhs = "9434765919";

/* A GP practice publishes a referral: the frame every later version must still read. */
static size_t build_golden_referral(uint8_t *buf, size_t cap)
{
    Huddle__Frame f;
    Huddle__Publish pub = HUDDLE__PUBLISH__INIT;
    Huddle__Event ev = HUDDLE__EVENT__INIT;
    Huddle__Subject subj = HUDDLE__SUBJECT__INIT;
    Huddle__ReferralSubmit rs = HUDDLE__REFERRAL_SUBMIT__INIT;
    codec_frame_init(&f, 42);
    f.body_case = HUDDLE__FRAME__BODY_PUBLISH;
    f.publish = &pub;
    pub.event = &ev;
    ev.message_id = S("a81001-0001");
    ev.correlation_id = S("journey-0001");
    ev.kind = HUDDLE__EVENT_KIND__EVENT_KIND_REFERRAL_SUBMITTED;
    ev.subject = &subj;
    ev.occurred_at_ms = 1795000000000;
    subj.nhs_number = (char *)golden_nhs;
    ev.payload_case = HUDDLE__EVENT__PAYLOAD_REFERRAL_SUBMIT;
    ev.referral_submit = &rs;
    rs.nhs_number = (char *)golden_nhs;
    rs.practice_ods = S("A81001");
    rs.age_case = HUDDLE__REFERRAL_SUBMIT__AGE_AGE_YEARS;
    rs.age_years = 84;
    rs.long_term_conditions = 6;
    rs.frailty_case = HUDDLE__REFERRAL_SUBMIT__FRAILTY_EFI_SCORE;
    rs.efi_score = 0.31;
    rs.cost_ratio = 3.5;
    rs.emergency_admissions_12m = 2;
    rs.lives_alone = 1;
    rs.consent_recorded = 1;
    rs.reason = S("Two falls since August; carer struggling");
    size_t len = 0;
    assert_int_equal(codec_encode_frame(&f, buf, cap, &len), CODEC_OK);
    return len;
}

static size_t read_file(const char *name, uint8_t *buf, size_t cap)
{
    char path[256];
    snprintf(path, sizeof path, DATA_DIR "%s", name);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        fail_msg("cannot open %s", path);
    size_t n = fread(buf, 1, cap, fp);
    fclose(fp);
    return n;
}

static void write_file(const char *name, const uint8_t *buf, size_t len)
{
    char path[256];
    snprintf(path, sizeof path, DATA_DIR "%s", name);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(buf, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
}

static void test_golden_referral_frame(void **state)
{
    (void)state;
    uint8_t built[1024], file[1024];
    size_t n = build_golden_referral(built, sizeof built);
    const char *w = getenv("HD_WRITE_TEST_DATA");
    if (w && *w == '1') {
        write_file("publish_referral.bin", built, n);
        write_file("publish_referral_truncated.bin", built, n - 7);
    }
    size_t fn = read_file("publish_referral.bin", file, sizeof file);
    assert_int_equal(fn, n);
    assert_memory_equal(file, built, n); /* encoding unchanged */

    Huddle__Frame *f;
    codec_error_t err;
    assert_int_equal(codec_decode_frame(file, fn, CODEC_FRAME_MAX_DEFAULT, &f, &err), CODEC_OK);
    assert_int_equal(f->version, 1);
    assert_int_equal(f->corr, 42);
    assert_int_equal(f->body_case, HUDDLE__FRAME__BODY_PUBLISH);
    const Huddle__Event *ev = f->publish->event;
    assert_string_equal(ev->message_id, "a81001-0001");
    assert_int_equal(ev->kind, HUDDLE__EVENT_KIND__EVENT_KIND_REFERRAL_SUBMITTED);
    assert_string_equal(ev->subject->nhs_number, golden_nhs);
    assert_int_equal(ev->payload_case, HUDDLE__EVENT__PAYLOAD_REFERRAL_SUBMIT);
    const Huddle__ReferralSubmit *rs = ev->referral_submit;
    assert_string_equal(rs->practice_ods, "A81001");
    assert_int_equal(rs->age_case, HUDDLE__REFERRAL_SUBMIT__AGE_AGE_YEARS);
    assert_int_equal(rs->age_years, 84);
    assert_int_equal(rs->frailty_case, HUDDLE__REFERRAL_SUBMIT__FRAILTY_EFI_SCORE);
    assert_true(rs->efi_score == 0.31);
    assert_true(rs->cost_ratio == 3.5);
    assert_true(rs->lives_alone && rs->consent_recorded && !rs->urgent);
    codec_frame_free(&f);
    assert_null(f);
    codec_frame_free(&f); /* safe on NULL */

    fn = read_file("publish_referral_truncated.bin", file, sizeof file);
    assert_int_equal(fn, n - 7);
    assert_int_equal(codec_decode_frame(file, fn, CODEC_FRAME_MAX_DEFAULT, &f, &err), CODEC_EMALFORMED);
    assert_null(f);
}

/* ---- refusals ---- */

static void expect_refused(const void *buf, size_t len, size_t max, int code, const char *field)
{
    Huddle__Frame *f = (Huddle__Frame *)1;
    codec_error_t err;
    int rc = codec_decode_frame(buf, len, max, &f, &err);
    assert_int_equal(rc, code);
    assert_int_equal(err.code, code);
    assert_null(f);
    assert_true(err.reason[0] != '\0');
    if (field)
        assert_string_equal(err.field, field);
}

static void test_every_truncation_refused_or_whole(void **state)
{
    (void)state;
    uint8_t buf[1024];
    size_t n = build_golden_referral(buf, sizeof buf);
    for (size_t cut = 0; cut < n; cut++) {
        Huddle__Frame *f;
        codec_error_t err;
        int rc = codec_decode_frame(buf, cut, CODEC_FRAME_MAX_DEFAULT, &f, &err);
        /* a cut at a field boundary can leave a shorter valid frame, never a broken one */
        if (rc == CODEC_OK) {
            codec_check_message(&f->base, "", &err);
            codec_frame_free(&f);
        } else {
            assert_true(rc == CODEC_EMALFORMED || rc == CODEC_ENOBODY || rc == CODEC_EVERSION);
        }
    }
    /* the publish body is the last field: any cut inside it is malformed */
    expect_refused(buf, n - 1, CODEC_FRAME_MAX_DEFAULT, CODEC_EMALFORMED, "");
    expect_refused(buf, 0, CODEC_FRAME_MAX_DEFAULT, CODEC_EMALFORMED, "");
}

static void test_random_bytes_never_crash(void **state)
{
    (void)state;
    uint8_t buf[512];
    srand(20261122);
    int ok = 0, refused = 0;
    for (int i = 0; i < 20000; i++) {
        size_t len = 1 + (size_t)rand() % sizeof buf;
        for (size_t k = 0; k < len; k++)
            buf[k] = (uint8_t)rand();
        if (i % 3 == 0) { /* a valid envelope in front makes the body parse deeper */
            buf[0] = 0x08, buf[1] = 0x01, buf[2] = 0x62; /* version 1, field 12 (publish) */
        }
        Huddle__Frame *f;
        codec_error_t err;
        int rc = codec_decode_frame(buf, len, sizeof buf, &f, &err);
        if (rc == CODEC_OK) {
            ok++;
            codec_frame_free(&f);
        } else {
            refused++;
            assert_null(f);
            assert_true(rc >= CODEC_EFIELD && rc <= CODEC_EMALFORMED);
        }
    }
    assert_true(refused > 19000);
}

static void test_oversize_refused_unread(void **state)
{
    (void)state;
    uint8_t buf[1024];
    size_t n = build_golden_referral(buf, sizeof buf);
    expect_refused(buf, n, n - 1, CODEC_ETOOLARGE, "");
    Huddle__Frame *f;
    codec_error_t err;
    assert_int_equal(codec_decode_frame(buf, n, n, &f, &err), CODEC_OK); /* the limit itself is fine */
    codec_frame_free(&f);
    /* a length far past the limit is refused without reading a byte of it */
    expect_refused(buf, (size_t)1 << 40, CODEC_FRAME_MAX_DEFAULT, CODEC_ETOOLARGE, "");
}

static void test_wrong_version_refused(void **state)
{
    (void)state;
    Huddle__Frame f;
    Huddle__Ping ping = HUDDLE__PING__INIT;
    uint8_t buf[64];
    size_t n;
    for (unsigned v = 0; v <= 3; v++) {
        codec_frame_init(&f, 1);
        f.version = v;
        f.body_case = HUDDLE__FRAME__BODY_PING;
        f.ping = &ping;
        assert_int_equal(codec_encode_frame(&f, buf, sizeof buf, &n), CODEC_OK);
        if (v == CODEC_PROTOCOL_VERSION) {
            Huddle__Frame *d;
            codec_error_t err;
            assert_int_equal(codec_decode_frame(buf, n, sizeof buf, &d, &err), CODEC_OK);
            codec_frame_free(&d);
        } else {
            expect_refused(buf, n, sizeof buf, CODEC_EVERSION, "version");
        }
    }
}

static void test_missing_or_unknown_body_refused(void **state)
{
    (void)state;
    const uint8_t version_only[] = {0x08, 0x01, 0x10, 0x07};               /* version 1, corr 7 */
    const uint8_t unknown_body[] = {0x08, 0x01, 0x9a, 0x06, 0x02, 0x08, 0x01}; /* field 99 */
    expect_refused(version_only, sizeof version_only, 64, CODEC_ENOBODY, "body");
    expect_refused(unknown_body, sizeof unknown_body, 64, CODEC_ENOBODY, "body");
}

static size_t build_publish(uint8_t *buf, size_t cap, const char *message_id, int kind, const char *attendee)
{
    Huddle__Frame f;
    Huddle__Publish pub = HUDDLE__PUBLISH__INIT;
    Huddle__Event ev = HUDDLE__EVENT__INIT;
    Huddle__MdtSessionCreate mc = HUDDLE__MDT_SESSION_CREATE__INIT;
    Huddle__Attendee a0 = HUDDLE__ATTENDEE__INIT, a1 = HUDDLE__ATTENDEE__INIT;
    Huddle__Attendee *as[] = {&a0, &a1};
    codec_frame_init(&f, 9);
    f.body_case = HUDDLE__FRAME__BODY_PUBLISH;
    f.publish = &pub;
    pub.event = &ev;
    ev.message_id = (char *)message_id;
    ev.kind = kind;
    ev.payload_case = HUDDLE__EVENT__PAYLOAD_MDT_SESSION_CREATE;
    ev.mdt_session_create = &mc;
    mc.n_attendees = 2;
    mc.attendees = as;
    a0.name = S("District nurse");
    a1.name = (char *)attendee;
    size_t n = 0;
    assert_int_equal(codec_encode_frame(&f, buf, cap, &n), CODEC_OK);
    return n;
}

static void test_bad_utf8_names_the_field(void **state)
{
    (void)state;
    uint8_t buf[512];
    const int kind = HUDDLE__EVENT_KIND__EVENT_KIND_MDT_SESSION_CREATED;
    const char *bad[] = {"\xc3\x28", "\xe0\x80\xaf" /* overlong '/' */, "\xed\xa0\x80" /* surrogate */,
                         "\xf4\x90\x80\x80" /* above U+10FFFF */, "ok\xff"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t n = build_publish(buf, sizeof buf, bad[i], kind, "Social worker");
        expect_refused(buf, n, sizeof buf, CODEC_EFIELD, "publish.event.message_id");
    }
    size_t n = build_publish(buf, sizeof buf, "m-1", kind, "Soci\xc3" "al");
    expect_refused(buf, n, sizeof buf, CODEC_EFIELD, "publish.event.mdt_session_create.attendees[1].name");
    /* well-formed multi-byte text passes */
    n = build_publish(buf, sizeof buf, "m-1", kind, "Siân Ó Briain \xf0\x9f\x8f\xa5");
    Huddle__Frame *f;
    codec_error_t err;
    assert_int_equal(codec_decode_frame(buf, n, sizeof buf, &f, &err), CODEC_OK);
    assert_string_equal(f->publish->event->mdt_session_create->attendees[1]->name, "Siân Ó Briain \xf0\x9f\x8f\xa5");
    codec_frame_free(&f);
}

static void test_unknown_enum_names_the_field(void **state)
{
    (void)state;
    uint8_t buf[512];
    size_t n = build_publish(buf, sizeof buf, "m-1", 9999, "x");
    expect_refused(buf, n, sizeof buf, CODEC_EFIELD, "publish.event.kind");
    n = build_publish(buf, sizeof buf, "m-1", -1, "x");
    expect_refused(buf, n, sizeof buf, CODEC_EFIELD, "publish.event.kind");
}

static void test_encode_into_short_buffer(void **state)
{
    (void)state;
    uint8_t buf[1024];
    size_t n = build_golden_referral(buf, sizeof buf);
    Huddle__Frame *f;
    codec_error_t err;
    assert_int_equal(codec_decode_frame(buf, n, sizeof buf, &f, &err), CODEC_OK);
    size_t m = 0;
    assert_int_equal(codec_encode_frame(f, buf, n - 1, &m), CODEC_ESPACE);
    assert_int_equal(codec_encode_frame(f, buf, n, &m), CODEC_OK);
    assert_int_equal(m, n);
    codec_frame_free(&f);
}

static void test_reject_codes(void **state)
{
    (void)state;
    assert_int_equal(codec_reject_code(CODEC_ETOOLARGE), HUDDLE__REJECT_CODE__REJECT_CODE_TOO_LARGE);
    assert_int_equal(codec_reject_code(CODEC_EVERSION), HUDDLE__REJECT_CODE__REJECT_CODE_UNSUPPORTED_VERSION);
    assert_int_equal(codec_reject_code(CODEC_EMALFORMED), HUDDLE__REJECT_CODE__REJECT_CODE_MALFORMED);
    assert_int_equal(codec_reject_code(CODEC_ENOBODY), HUDDLE__REJECT_CODE__REJECT_CODE_MALFORMED);
    assert_int_equal(codec_reject_code(CODEC_EFIELD), HUDDLE__REJECT_CODE__REJECT_CODE_MALFORMED);
    assert_false(codec_is_transient(CODEC_EMALFORMED));
    assert_false(codec_is_transient(CODEC_ETOOLARGE));
    assert_string_equal(codec_strerror(CODEC_ETOOLARGE), "frame too large");
}

static void test_enum_names_and_words(void **state)
{
    (void)state;
    char buf[64];
    const ProtobufCEnumDescriptor *d = &huddle__assessment_state__descriptor;
    assert_string_equal(codec_enum_name(d, HUDDLE__ASSESSMENT_STATE__ASSESSMENT_STATE_AWAITING_RESPONSE, "?"),
                        "ASSESSMENT_STATE_AWAITING_RESPONSE");
    assert_string_equal(codec_enum_name(d, 99, "ASSESSMENT_STATE_UNSPECIFIED"), "ASSESSMENT_STATE_UNSPECIFIED");
    assert_string_equal(codec_enum_words(d, HUDDLE__ASSESSMENT_STATE__ASSESSMENT_STATE_AWAITING_RESPONSE,
                                         "ASSESSMENT_STATE_", ' ', buf, sizeof buf),
                        "awaiting response");
    assert_string_equal(codec_enum_words(&huddle__event_kind__descriptor, HUDDLE__EVENT_KIND__EVENT_KIND_EPISODE_UPDATED,
                                         "EVENT_KIND_", '_', buf, sizeof buf),
                        "episode_updated");
    assert_string_equal(codec_enum_words(d, 99, "ASSESSMENT_STATE_", ' ', buf, sizeof buf), "kind 99");
    /* a prefix the name lacks is kept; a short buffer is cut, terminated */
    assert_string_equal(codec_enum_words(d, HUDDLE__ASSESSMENT_STATE__ASSESSMENT_STATE_ACCEPTED, "EVENT_KIND_", ' ',
                                         buf, sizeof buf),
                        "assessment state accepted");
    assert_string_equal(codec_enum_words(d, HUDDLE__ASSESSMENT_STATE__ASSESSMENT_STATE_ACCEPTED, "ASSESSMENT_STATE_",
                                         ' ', buf, 4),
                        "acc");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_message_round_trips),
        cmocka_unit_test(test_schema_is_not_recursive),
        cmocka_unit_test(test_golden_referral_frame),
        cmocka_unit_test(test_every_truncation_refused_or_whole),
        cmocka_unit_test(test_random_bytes_never_crash),
        cmocka_unit_test(test_oversize_refused_unread),
        cmocka_unit_test(test_wrong_version_refused),
        cmocka_unit_test(test_missing_or_unknown_body_refused),
        cmocka_unit_test(test_bad_utf8_names_the_field),
        cmocka_unit_test(test_unknown_enum_names_the_field),
        cmocka_unit_test(test_encode_into_short_buffer),
        cmocka_unit_test(test_reject_codes),
        cmocka_unit_test(test_enum_names_and_words),
    };
    return cmocka_run_group_tests_name("codec", tests, NULL, NULL);
}
