/*  =========================================================================
    test_validate - what the broker accepts from a client, field by field

    server/validate.c on its own: the field helpers (unknown fields, strings
    counted in Unicode characters, integers, ids) and draft content, at
    every limit of proto/PROTOCOL.md and one past it, the normalised copy
    it returns, and how key result ids are given: kept from the base by
    text, new ones numbered on, never reused, never twice in one content.
    Each refusal must be BAD_FIELD with a message naming the field.
    =========================================================================
*/

#include "records.h"
#include "validate.h"
#include "testjson.h"
#include "testutil.h"

//  A string of n copies of `unit` (a UTF-8 character or more).
static char *
s_repeat (const char *unit, size_t n)
{
    size_t len = strlen (unit);
    char *s = (char *) malloc (len * n + 1);
    for (size_t i = 0; i < n; i++)
        memcpy (s + i * len, unit, len);
    s [len * n] = 0;
    return s;
}

//  Validates content given as JSON; the request's code (0 if accepted),
//  the message in `message` if asked, the normalised copy in *out if asked.
static int
s_content (const char *json, const char *cycle, const char *base_json, int64_t *next_kr,
           char *message, size_t size, cb_value_t **out)
{
    cb_req_t req;
    cb_req_init (&req, NULL, "team-a", "team", 0);
    cb_value_t *content = tj_json (json);
    cb_value_t *base = base_json ? tj_json (base_json) : NULL;
    int64_t next = 1;
    cb_value_t *copy = cb_validate_content (&req, content, cycle, base, next_kr ? next_kr : &next);
    CHECK ((copy == NULL) == (req.code != 0));
    if (message)
        snprintf (message, size, "%s", req.message);
    if (out)
        *out = copy;
    else
        cb_value_destroy (&copy);
    int code = req.code;
    cb_value_destroy (&content);
    cb_value_destroy (&base);
    cb_req_clean (&req);
    return code;
}

#define S_KR "{\"text\":\"Activation\",\"target\":60}"

//  A content whose objective, or one field of its one key result, is `value`.
static int
s_with (const char *field, const char *value, char *message, size_t size)
{
    char *json = (char *) malloc (strlen (value) + 256);
    if (streq (field, "objective") || streq (field, "narrative") || streq (field, "cycle"))
        sprintf (json, "{\"cycle\":\"2027-Q1\",\"objective\":\"O\",\"key_results\":[" S_KR "],"
                 "\"%s\":\"%s\"}", field, value);
    else
        sprintf (json, "{\"cycle\":\"2027-Q1\",\"objective\":\"O\",\"key_results\":"
                 "[{\"text\":\"T\",\"target\":1,\"%s\":\"%s\"}]}", field, value);
    int code = s_content (json, NULL, NULL, NULL, message, size, NULL);
    free (json);
    return code;
}

static void
test_limits (void)
{
    char message [256];
    struct { const char *field; size_t max; } limits [] = {
        { "objective", CB_MAX_OBJECTIVE }, { "narrative", CB_MAX_NARRATIVE },
        { "text", CB_MAX_KR_TEXT }, { "unit", CB_MAX_UNIT }, { "cycle", CB_MAX_CYCLE },
    };
    for (size_t i = 0; i < sizeof (limits) / sizeof (limits [0]); i++) {
        //  Counted in characters: "é" is two bytes, one character; the
        //  cycle takes letters and digits only.
        const char *unit = streq (limits [i].field, "cycle") ? "Q" : "é";
        char *at = s_repeat (unit, limits [i].max);
        char *past = s_repeat (unit, limits [i].max + 1);
        CHECK_INT (s_with (limits [i].field, at, message, sizeof (message)), 0);
        CHECK_INT (s_with (limits [i].field, past, message, sizeof (message)), CB_E_BAD_FIELD);
        CHECK (strstr (message, limits [i].field) != NULL);
        free (at);
        free (past);
    }
    //  Empty where one character is the least.
    CHECK_INT (s_with ("objective", "", message, sizeof (message)), CB_E_BAD_FIELD);
    CHECK (strstr (message, "objective") && strstr (message, "empty"));
    CHECK_INT (s_with ("cycle", "2027 Q1", message, sizeof (message)), CB_E_BAD_FIELD);

    //  Key results: 1 to 7.
    const char *none = "{\"cycle\":\"c\",\"objective\":\"O\",\"key_results\":[]}";
    CHECK_INT (s_content (none, NULL, NULL, NULL, message, sizeof (message), NULL), CB_E_BAD_FIELD);
    char json [2048] = "{\"cycle\":\"c\",\"objective\":\"O\",\"key_results\":[";
    for (int k = 0; k < CB_MAX_KRS + 1; k++) {
        char kr [64];
        snprintf (kr, sizeof (kr), "%s{\"text\":\"kr %d\",\"target\":%d}", k ? "," : "", k, k);
        strcat (json, kr);
        if (k == CB_MAX_KRS - 1) {
            char seven [2048];
            snprintf (seven, sizeof (seven), "%s]}", json);
            CHECK_INT (s_content (seven, NULL, NULL, NULL, NULL, 0, NULL), 0);
        }
    }
    strcat (json, "]}");
    CHECK_INT (s_content (json, NULL, NULL, NULL, message, sizeof (message), NULL), CB_E_BAD_FIELD);

    //  Numbers: finite, within CB_MAX_NUMBER, a target required.
    const char *cases [] = {
        "{\"text\":\"T\",\"target\":1e16}", "{\"text\":\"T\",\"target\":\"60\"}",
        "{\"text\":\"T\"}", "{\"text\":\"T\",\"target\":1,\"baseline\":-1e16}",
        "{\"text\":\"T\",\"target\":1,\"tagret\":2}", "{\"text\":\"T\",\"target\":1,\"leads\":"
        "[\"a\",\"b\",\"c\",\"d\",\"e\"]}", "{\"text\":\"T\",\"target\":1,\"leads\":[\"\"]}",
        "{\"text\":\"T\",\"target\":1,\"id\":\"x1\"}",
        "{\"text\":\"T\",\"target\":1,\"shared_with\":{\"draft\":\"d1\"}}",
        "[1]", NULL
    };
    for (int c = 0; cases [c]; c++) {
        snprintf (json, sizeof (json), "{\"cycle\":\"c\",\"objective\":\"O\",\"key_results\":[%s]}",
                  cases [c]);
        CHECK_INT (s_content (json, NULL, NULL, NULL, message, sizeof (message), NULL),
                   CB_E_BAD_FIELD);
        CHECK (strstr (message, "key_results[0]") != NULL);
    }
    snprintf (json, sizeof (json), "{\"cycle\":\"c\",\"objective\":\"O\",\"key_results\":"
              "[{\"text\":\"T\",\"target\":-1e15,\"baseline\":1e15,\"leads\":[\"a\",\"b\",\"c\",\"d\"]}]}");
    CHECK_INT (s_content (json, NULL, NULL, NULL, NULL, 0, NULL), 0);

    //  Unknown fields anywhere, a content that is not a map.
    CHECK_INT (s_content ("{\"cycle\":\"c\",\"objective\":\"O\",\"key_results\":[" S_KR "],"
                          "\"objectiv\":\"x\"}", NULL, NULL, NULL, message, sizeof (message),
                          NULL), CB_E_BAD_FIELD);
    CHECK (strstr (message, "unknown field 'objectiv'") != NULL);
    CHECK_INT (s_content ("[]", NULL, NULL, NULL, NULL, 0, NULL), CB_E_BAD_FIELD);
    CHECK_INT (s_content ("{\"cycle\":\"c\",\"objective\":\"O\",\"key_results\":[" S_KR "],"
                          "\"aligned_to\":{\"draft\":\"x\"}}", NULL, NULL, NULL, NULL, 0, NULL),
               CB_E_BAD_FIELD);
}

static void
test_cycle_and_ids (void)
{
    char message [256];
    //  A new draft needs its cycle; a revision may leave it out, not change it.
    const char *no_cycle = "{\"objective\":\"O\",\"key_results\":[" S_KR "]}";
    CHECK_INT (s_content (no_cycle, NULL, NULL, NULL, NULL, 0, NULL), CB_E_BAD_FIELD);
    cb_value_t *out = NULL;
    CHECK_INT (s_content (no_cycle, "2027-Q1", NULL, NULL, NULL, 0, &out), 0);
    CHECK_STR (cb_value_get_str (out, "cycle"), "2027-Q1");
    cb_value_destroy (&out);
    CHECK_INT (s_content ("{\"cycle\":\"2027-Q2\",\"objective\":\"O\",\"key_results\":[" S_KR "]}",
                          "2027-Q1", NULL, NULL, message, sizeof (message), NULL), CB_E_BAD_FIELD);
    CHECK (strstr (message, "cannot change") != NULL);

    //  Ids: new ones numbered from *next_kr on.
    int64_t next = 1;
    CHECK_INT (s_content ("{\"cycle\":\"c\",\"objective\":\"O\",\"key_results\":["
                          "{\"text\":\"A\",\"target\":1},{\"text\":\"B\",\"target\":2}]}",
                          NULL, NULL, &next, NULL, 0, &out), 0);
    CHECK_INT (next, 3);
    cb_value_t *krs = cb_value_get (out, "key_results");
    CHECK_STR (cb_value_get_str (cb_value_at (krs, 0), "id"), "kr1");
    CHECK_STR (cb_value_get_str (cb_value_at (krs, 1), "id"), "kr2");
    cb_value_destroy (&out);
    //  A revision: B keeps kr2 by its text, C is new (kr3), A's kr1 is
    //  gone and never given again.
    const char *base = "{\"cycle\":\"c\",\"objective\":\"O\",\"key_results\":["
                       "{\"id\":\"kr1\",\"text\":\"A\",\"target\":1},"
                       "{\"id\":\"kr2\",\"text\":\"B\",\"target\":2}]}";
    CHECK_INT (s_content ("{\"objective\":\"O\",\"key_results\":["
                          "{\"text\":\"C\",\"target\":3},{\"text\":\"B\",\"target\":20}]}",
                          "c", base, &next, NULL, 0, &out), 0);
    krs = cb_value_get (out, "key_results");
    CHECK_STR (cb_value_get_str (cb_value_at (krs, 0), "id"), "kr3");
    CHECK_STR (cb_value_get_str (cb_value_at (krs, 1), "id"), "kr2");
    CHECK_INT (next, 4);
    cb_value_destroy (&out);
    //  An id the draft never had, and one id twice, are refused.
    CHECK_INT (s_content ("{\"objective\":\"O\",\"key_results\":[{\"id\":\"kr9\",\"text\":\"X\","
                          "\"target\":1}]}", "c", base, &next, message, sizeof (message), NULL),
               CB_E_BAD_FIELD);
    CHECK (strstr (message, "kr9") != NULL);
    //  One rule (issue 12): an id is kept only from the revision built on;
    //  kr3, given above and not in this base, never comes back, even
    //  though the draft once had it. Without its id it is a new key result.
    CHECK_INT (next, 4);
    CHECK_INT (s_content ("{\"objective\":\"O\",\"key_results\":[{\"id\":\"kr3\",\"text\":\"C\","
                          "\"target\":3}]}", "c", base, &next, message, sizeof (message), NULL),
               CB_E_BAD_FIELD);
    CHECK (strstr (message, "never reused") != NULL);
    CHECK_INT (s_content ("{\"objective\":\"O\",\"key_results\":["
                          "{\"id\":\"kr1\",\"text\":\"X\",\"target\":1},"
                          "{\"id\":\"kr1\",\"text\":\"Y\",\"target\":1}]}",
                          "c", base, &next, message, sizeof (message), NULL), CB_E_BAD_FIELD);
    CHECK (strstr (message, "twice") != NULL);
    //  A KR naming kr2 itself keeps it from the one with B's text.
    CHECK_INT (s_content ("{\"objective\":\"O\",\"key_results\":["
                          "{\"text\":\"B\",\"target\":1},{\"id\":\"kr2\",\"text\":\"Z\",\"target\":1}]}",
                          "c", base, &next, NULL, 0, &out), 0);
    krs = cb_value_get (out, "key_results");
    CHECK_STR (cb_value_get_str (cb_value_at (krs, 0), "id"), "kr4");
    CHECK_STR (cb_value_get_str (cb_value_at (krs, 1), "id"), "kr2");
    cb_value_destroy (&out);
}

static void
test_fields (void)
{
    cb_req_t req;
    cb_req_init (&req, NULL, "team-a", "team", 0);
    cb_value_t *body = tj_json ("{\"draft\":\"d12\",\"n\":5,\"s\":\"ab\",\"bad\":\"x12\"}");
    const char *const allowed [] = { "draft", "n", "s", "bad", NULL };
    const char *const fewer [] = { "draft", NULL };
    CHECK_INT (cb_check_fields (&req, body, "body", allowed), 0);
    CHECK_INT (cb_field_id (&req, body, "draft", 'd'), 12);
    int64_t n = 0;
    CHECK_INT (cb_field_int (&req, body, "n", 1, 5, true, &n), 1);
    CHECK_INT (n, 5);
    CHECK_INT (cb_field_int (&req, body, "missing", 1, 5, false, &n), 0);
    CHECK_STR (cb_field_str (&req, body, "s", 1, 2, true), "ab");
    CHECK (cb_field_str (&req, body, "missing", 1, 2, false) == NULL);
    CHECK_INT (req.code, 0);
    CHECK_INT (cb_field_int (&req, body, "n", 6, 9, true, &n), -1);
    CHECK_INT (req.code, CB_E_BAD_FIELD);
    CHECK_STR (req.message, "'n' is out of range (6..9)");
    cb_req_clean (&req);

    //  A number past the field's range, however large, is named out of
    //  range with the range, not "must be at least" (issue 12)
    cb_value_t *big = tj_json ("{\"rev\":4294967296,\"low\":0}");
    cb_req_init (&req, NULL, "team-a", "team", 0);
    CHECK_INT (cb_field_int (&req, big, "rev", 1, UINT32_MAX, true, &n), -1);
    CHECK_INT (req.code, CB_E_BAD_FIELD);
    CHECK_STR (req.message, "'rev' is out of range (1..4294967295)");
    cb_req_clean (&req);
    cb_req_init (&req, NULL, "team-a", "team", 0);
    CHECK_INT (cb_field_int (&req, big, "low", 1, UINT32_MAX, true, &n), -1);
    CHECK_STR (req.message, "'low' is out of range (1..4294967295)");
    cb_req_clean (&req);
    cb_value_destroy (&big);

    cb_req_init (&req, NULL, "team-a", "team", 0);
    CHECK_INT (cb_field_id (&req, body, "bad", 'd'), 0);
    CHECK_INT (req.code, CB_E_BAD_FIELD);
    cb_req_clean (&req);
    cb_req_init (&req, NULL, "team-a", "team", 0);
    CHECK (cb_field_str (&req, body, "n", 1, 9, true) == NULL);      //  Not a string
    CHECK_INT (req.code, CB_E_BAD_FIELD);
    cb_req_clean (&req);
    cb_req_init (&req, NULL, "team-a", "team", 0);
    CHECK_INT (cb_check_fields (&req, body, "body", fewer), -1);
    CHECK_INT (req.code, CB_E_BAD_FIELD);
    cb_req_clean (&req);
    cb_value_destroy (&body);

    CHECK_INT (cb_utf8_length ("héllo"), 5);
    CHECK_INT (cb_utf8_length (""), 0);
    CHECK_INT (cb_utf8_length ("日本"), 2);
}

int
main (void)
{
    test_limits ();
    test_cycle_and_ids ();
    test_fields ();
    return TEST_DONE ();
}
