/*  =========================================================================
    test_coach - the coach's rules (coach/cb_coach.c), and its measure

    First the rules one by one on key results whose finding is certain
    (the seeds' own examples among them), the structure's rules, the
    suggestions, and an organisation's words file extending the lists.
    Then the measure: every key result of tests/coach/labelled.tsv,
    holdout.tsv, blind.tsv, fresh.tsv and fresh2.tsv classified, precision and recall per class
    printed, and floors asserted, so that a change of the rules or the
    words that makes the coach worse fails here.

    Usage: test_coach [--verbose]   (--verbose lists every miss)
    Needs CATCHBALL_COACH_WORDS (the words) and CB_COACH_DATA (the folder
    of the labelled sets); ctest sets both.
    =========================================================================
*/
#include <math.h>
#include <sys/stat.h>

#include "cb_coach_value.h"
#include "testutil.h"

#ifndef streq
#   define streq(a, b) (strcmp ((a), (b)) == 0)
#endif

static cb_coach_t *coach;

//  The findings' codes on one key result (with a target unless target is
//  NAN), space-separated, in order, without the structure's codes.
static char *
s_codes (const char *text, double target)
{
    cb_coach_kr_t kr = { .text = text, .has_target = !isnan (target), .target = target,
                         .has_baseline = true, .unit = "%", .leads = 2 };
    cb_coach_okr_t okr = { NULL, &kr, 1 };
    cb_coach_findings_t *findings = cb_coach_check (coach, &okr);
    static char codes [256];
    codes [0] = 0;
    for (size_t i = 0; i < cb_coach_findings_size (findings); i++) {
        const cb_coach_finding_t *f = cb_coach_findings_get (findings, i);
        if (streq (f->code, "NO_TARGET") || streq (f->code, "KR_COUNT"))
            continue;
        snprintf (codes + strlen (codes), sizeof (codes) - strlen (codes), "%s%s",
                  *codes ? " " : "", f->code);
    }
    cb_coach_findings_destroy (&findings);
    return codes;
}

//  The first finding's suggestion on one key result (no target).
static char *
s_suggestion (const char *text)
{
    cb_coach_kr_t kr = { .text = text, .leads = 2 };
    cb_coach_okr_t okr = { NULL, &kr, 1 };
    cb_coach_findings_t *findings = cb_coach_check (coach, &okr);
    static char suggestion [512];
    const cb_coach_finding_t *f = cb_coach_findings_get (findings, 0);
    snprintf (suggestion, sizeof (suggestion), "%s", f && f->suggestion ? f->suggestion : "");
    cb_coach_findings_destroy (&findings);
    return suggestion;
}

static void
test_rules (void)
{
    //  Seed 000's stage-2 examples, and its worked example both ways.
    CHECK_STR (s_codes ("Meet with Vendor-A to understand their features", NAN), "TASK_VERB");
    CHECK_STR (s_codes ("Prepare a Marketing program for the product launch", NAN), "TASK_VERB");
    CHECK_STR (s_codes ("Ensure the collaboration between x and y is good", NAN), "TASK_VERB");
    CHECK_STR (s_codes ("Coordinate with team a to agree the plan", NAN), "TASK_VERB");
    CHECK_STR (s_codes ("Coordinate with BI and MIS to build a financial dashboard", NAN),
               "TASK_VERB");
    CHECK_STR (s_codes ("The requirements from BI for the financial dashboard are approved "
                        "by the MIS lead", NAN), "");
    //  Gerunds, fillers, nominalisations, milestones, counts of output.
    CHECK_STR (s_codes ("Preparing the annual budget", NAN), "TASK_VERB");
    CHECK_STR (s_codes ("KR2: We will organise a partner summit", NAN), "TASK_VERB");
    CHECK_STR (s_codes ("Implementation of the new ERP", NAN), "TASK_NOUN");
    CHECK_STR (s_codes ("Launch v2 by Q3", NAN), "MILESTONE_KR");
    CHECK_STR (s_codes ("New website launched by end of March", NAN), "MILESTONE_KR");
    CHECK_STR (s_codes ("Hold 12 customer interviews", NAN), "OUTPUT_COUNT");
    CHECK_STR (s_codes ("Continue doing weekly reviews", NAN), "CONTINUE_DOING");
    CHECK_STR (s_codes ("Maintain the roadmap page", NAN), "CONTINUE_DOING");
    //  A verb the lists do not know, before what it acts on.
    CHECK_STR (s_codes ("Reticulate the splines", NAN), "TASK_VERB");
    //  Outcomes: a noun and a measure; a verb of change with numbers.
    CHECK_STR (s_codes ("Churn falls from 8% to 5%", NAN), "");
    CHECK_STR (s_codes ("NPS rises to 40", NAN), "");
    CHECK_STR (s_codes ("Increase NPS from 32 to 45", NAN), "VERB_LED");
    CHECK_STR (s_codes ("Keep uptime at or above 99.95%", NAN), "");
    CHECK_STR (s_codes ("Deployment frequency goes from weekly to daily", NAN), "");
    //  A metric's name that starts with a verb's spelling, with a target.
    CHECK_STR (s_codes ("Support tickets per new account in week one", 1.0), "");
    CHECK_STR (s_codes ("Activation rate of new accounts", 60), "");
    //  Unmeasurable: a direction with no number, a name with no target.
    CHECK_STR (s_codes ("Improve customer satisfaction", NAN), "VAGUE");
    CHECK_STR (s_codes ("Better collaboration between teams", NAN), "VAGUE");
    CHECK_STR (s_codes ("Activation rate of new accounts", NAN), "NO_MEASURE");
    //  A light verb with a measure; a subject taken whole; a verb of
    //  direction; a phrasal activity longer than a verb of change.
    CHECK_STR (s_codes ("Get 100 new paying customers", NAN), "");
    CHECK_STR (s_codes ("Make 50 cold calls per week", NAN), "OUTPUT_COUNT");
    CHECK_STR (s_codes ("All employees complete the security training", NAN), "");
    CHECK_STR (s_codes ("Simplify our product portfolio", NAN), "VAGUE");
    CHECK_STR (s_codes ("Reach out to 200 dormant accounts", NAN), "TASK_VERB");
    CHECK_STR (s_codes ("Carbon emissions from business travel halved", NAN), "");
    //  Pasted text: bullets, curly apostrophes, dashes, no-break spaces, "≥".
    CHECK_STR (s_codes ("\u2022 Meet with Vendor-A", NAN), "TASK_VERB");
    CHECK_STR (s_codes ("\u2013 We\u2019ll prepare the plan", NAN), "TASK_VERB");
    CHECK_STR (s_codes ("NPS\u00a0\u2265\u00a040", NAN), "");
    CHECK_STR (s_codes ("Am\u00e9liorer la satisfaction", NAN), "NO_MEASURE");
    //  A year is not a measure; "the 2028 budget" approved is a result state.
    CHECK_STR (s_codes ("Finance signs off the 2028 budget", NAN), "");
    CHECK_STR (s_codes ("Develop the 2028 budget", NAN), "TASK_VERB");

    //  Suggestions: seed 000's direction, a noun first, a measure asked for.
    CHECK_STR (s_suggestion ("Prepare the Q3 marketing plan"),
               "The Q3 marketing plan is approved by <whom>");
    CHECK_STR (s_suggestion ("Increase NPS from 32 to 45"), "NPS rises from 32 to 45");
    CHECK_STR (s_suggestion ("Improve customer satisfaction."),
               "Customer satisfaction goes from <A> to <B>");
    CHECK (strstr (s_suggestion ("Coordinate with BI and MIS to build a financial dashboard"),
                   "is approved by <whom>"));
}

//  The structure: target, baseline, unit, leads, how many key results,
//  the objective.
static void
test_structure (void)
{
    cb_coach_kr_t krs [6] = {
        { .id = "kr1", .text = "Churn falls to 5%", .has_target = true, .target = 5 },
        { .id = "kr2", .text = "NPS rises to 40", .has_target = true, .target = 40,
          .has_baseline = true, .baseline = 30, .unit = "points", .leads = 2 },
        { .id = "kr3", .text = "Meet the vendor", .leads = 1 },
    };
    for (int k = 3; k < 6; k++)
        krs [k] = krs [1];
    cb_coach_okr_t okr = { "Continue doing great work for 90% of customers", krs, 6 };
    cb_coach_findings_t *findings = cb_coach_check (coach, &okr);
    const char *expected [][3] = {
        { "kr1", "NO_BASELINE", "warning" }, { "kr1", "NO_UNIT", "info" },
        { "kr1", "NO_LEAD", "info" }, { "kr3", "TASK_VERB", "error" },
        { "kr3", "NO_TARGET", "error" }, { "objective", "CONTINUE_DOING", "error" },
        { "objective", "NUMBER_IN_OBJECTIVE", "warning" }, { "draft", "KR_COUNT", "warning" },
    };
    size_t count = sizeof (expected) / sizeof (expected [0]);
    CHECK_INT (cb_coach_findings_size (findings), count);
    for (size_t i = 0; i < count && i < cb_coach_findings_size (findings); i++) {
        const cb_coach_finding_t *f = cb_coach_findings_get (findings, i);
        CHECK_STR (f->about, expected [i][0]);
        CHECK_STR (f->code, expected [i][1]);
        CHECK_STR (cb_coach_level_name (f->level), expected [i][2]);
        CHECK (f->why && strstr (f->why, "Seed"));      //  Points at a seed
        CHECK (f->evidence && *f->evidence);
    }
    CHECK_INT (cb_coach_findings_max_level (findings), CB_COACH_ERROR);
    cb_coach_findings_destroy (&findings);
    CHECK (findings == NULL);
    cb_coach_findings_destroy (&findings);

    //  Three clean key results and a plain objective: nothing to say.
    for (int k = 0; k < 3; k++)
        krs [k] = krs [1];
    okr = (cb_coach_okr_t) { "Make onboarding so good that customers succeed", krs, 3 };
    findings = cb_coach_check (coach, &okr);
    CHECK_INT (cb_coach_findings_size (findings), 0);
    CHECK_INT (cb_coach_findings_max_level (findings), -1);
    cb_coach_findings_destroy (&findings);

    CHECK_INT (cb_coach_level_parse ("warning"), CB_COACH_WARNING);
    CHECK_INT (cb_coach_level_parse ("fatal"), -1);
    const char *code, *why;
    cb_coach_level_t level;
    int klass;
    size_t rules = 0;
    while (cb_coach_rule (rules, &code, &level, &klass, &why))
        rules++;
    CHECK_INT (rules, 14);
}

//  An organisation's own words, added by a second file; a bad file refused.
static void
test_words_files (const char *tmp)
{
    const char *words = getenv ("CATCHBALL_COACH_WORDS");
    char extra [512], both [1100], error [256];
    snprintf (extra, sizeof (extra), "%s/coach-extra.words", tmp);
    FILE *file = fopen (extra, "w");
    REQUIRE (file);
    fprintf (file, "# our jargon\n[task_verbs]\nsocialise => {rest} is known to <whom>\n");
    fclose (file);
    CHECK_STR (s_codes ("Socialise roadmap with sales", NAN), "NO_MEASURE");
    snprintf (both, sizeof (both), "%s:%s", words, extra);
    cb_coach_t *org = cb_coach_new (both, error, sizeof (error));
    REQUIRE (org);
    cb_coach_kr_t kr = { .text = "Socialise roadmap with sales" };
    CHECK_INT (cb_coach_classify (org, &kr), CB_COACH_TASK);
    CHECK_INT (cb_coach_classify (coach, &kr), CB_COACH_UNMEASURABLE);
    cb_coach_destroy (&org);
    CHECK (org == NULL);

    file = fopen (extra, "w");
    REQUIRE (file);
    fprintf (file, "[task_verbs]\nsocialise\n[verbs_we_like]\nfoo\n");
    fclose (file);
    error [0] = 0;
    CHECK (cb_coach_new (extra, error, sizeof (error)) == NULL);
    CHECK (strstr (error, ":3: unknown section [verbs_we_like]"));
    file = fopen (extra, "w");
    REQUIRE (file);
    fprintf (file, "[task_verbs]\n%0600d\n", 0);
    fclose (file);
    CHECK (cb_coach_new (extra, error, sizeof (error)) == NULL);
    CHECK (strstr (error, ":2: a line longer than 510 bytes"));
    snprintf (both, sizeof (both), "%s/none.words", tmp);
    CHECK (cb_coach_new (both, error, sizeof (error)) == NULL);
    CHECK (strstr (error, "cannot read"));
    remove (extra);
}

//  A Content value in, findings as values out: the ids a stored draft
//  gives, fields of the wrong type taken as absent.
static void
test_content (void)
{
    cb_value_t *content = cb_value_new_map ();
    cb_value_set_str (content, "objective", "Make onboarding great");
    cb_value_t *krs = cb_value_new_array ();
    cb_value_t *kr = cb_value_new_map ();
    cb_value_set_str (kr, "id", "kr7");
    cb_value_set_str (kr, "text", "Prepare the Q3 marketing plan");
    cb_value_set_int (kr, "target", 1);
    cb_value_set_int (kr, "baseline", 0);
    cb_value_set_str (kr, "unit", "plan");
    cb_value_t *leads = cb_value_new_array ();
    cb_value_t *lead = cb_value_new_str ("ana");
    cb_value_push (leads, &lead);
    cb_value_set (kr, "leads", &leads);
    cb_value_push (krs, &kr);
    kr = cb_value_new_map ();
    cb_value_set_str (kr, "text", "Churn falls from 8% to 5%");
    cb_value_set_str (kr, "target", "5");       //  Not a number: no target
    cb_value_push (krs, &kr);
    cb_value_set (content, "key_results", &krs);

    cb_coach_findings_t *findings = cb_coach_check_content (coach, content);
    cb_value_destroy (&content);                //  The findings own their strings
    cb_value_t *list = cb_coach_findings_value (findings);
    REQUIRE (cb_value_size (list) == 3);
    const cb_value_t *first = cb_value_at (list, 0);
    CHECK_STR (cb_value_get_str (first, "about"), "kr7");
    CHECK_STR (cb_value_get_str (first, "code"), "TASK_VERB");
    CHECK_STR (cb_value_get_str (first, "level"), "error");
    CHECK_STR (cb_value_get_str (first, "suggestion"),
               "The Q3 marketing plan is approved by <whom>");
    CHECK (strstr (cb_value_get_str (first, "why"), "Seed 000"));
    CHECK_STR (cb_value_get_str (cb_value_at (list, 1), "about"), "kr2");
    CHECK_STR (cb_value_get_str (cb_value_at (list, 1), "code"), "NO_TARGET");
    CHECK (cb_value_type (cb_value_get (cb_value_at (list, 1), "suggestion")) == CB_NIL);
    CHECK_STR (cb_value_get_str (cb_value_at (list, 2), "code"), "NO_LEAD");
    cb_value_destroy (&list);
    cb_coach_findings_destroy (&findings);
}

//  Random bytes, and random runs of the bytes the tokenizer treats apart
//  (UTF-8 lead bytes, apostrophes, hyphens, digits, separators): every
//  text gets a class and findings whose strings are whole. A fixed seed,
//  so a failure is the same on every run; under AddressSanitizer
//  (make test-asan) a read past a text fails here.
static void
test_random_texts (void)
{
    static const char alphabet [] = "aZ9 .,-'%$\xc2\xa0\xe2\x80\x99\x93\xc3\xa9\tfrom to by";
    unsigned int seed = 13;
    char text [301];
    for (int round = 0; round < 3000; round++) {
        size_t length = (size_t) (rand_r (&seed) % 300);
        for (size_t i = 0; i < length; i++)
            text [i] = round % 2 ? (char) (rand_r (&seed) % 255 + 1)
                                 : alphabet [rand_r (&seed) % (sizeof (alphabet) - 1)];
        text [length] = 0;
        cb_coach_kr_t kr = { .text = text, .has_target = round % 3 == 0, .target = 1 };
        cb_coach_okr_t okr = { text, &kr, 1 };
        CHECK (cb_coach_classify (coach, &kr) <= CB_COACH_UNMEASURABLE);
        cb_coach_findings_t *findings = cb_coach_check (coach, &okr);
        for (size_t i = 0; i < cb_coach_findings_size (findings); i++) {
            const cb_coach_finding_t *f = cb_coach_findings_get (findings, i);
            CHECK (f->code && f->about && f->evidence && f->why);
            CHECK (!f->suggestion || strlen (f->suggestion) < 2 * sizeof (text) + 200);
        }
        cb_coach_findings_destroy (&findings);
    }
}

//  --------------------------------------------------------------------------
//  The measure

typedef struct {
    int matrix [3][3];          //  [label][predicted]
    int rows;                   //  Key results read
} s_measure_t;

//  Classifies every row of a labelled set into measure.
static void
s_measure (const char *path, s_measure_t *measure, bool verbose)
{
    FILE *file = fopen (path, "r");
    REQUIRE (file);
    char line [1024];
    while (fgets (line, sizeof (line), file)) {
        if (line [0] == '#' || line [0] == '\n')
            continue;
        line [strcspn (line, "\n")] = 0;
        char *field [6] = { 0 };
        char *p = line;
        for (int f = 0; f < 6; f++) {
            field [f] = p;
            p = p ? strchr (p, '\t') : NULL;
            if (p)
                *p++ = 0;
        }
        REQUIRE (field [5]);            //  Six columns, always
        int label = streq (field [0], "outcome") ? CB_COACH_OUTCOME
                  : streq (field [0], "task") ? CB_COACH_TASK
                  : streq (field [0], "unmeasurable") ? CB_COACH_UNMEASURABLE : -1;
        REQUIRE (label >= 0);
        cb_coach_kr_t kr = { .text = field [1], .has_baseline = *field [2],
                             .baseline = atof (field [2]), .has_target = *field [3],
                             .target = atof (field [3]), .unit = field [4] };
        cb_coach_class_t predicted = cb_coach_classify (coach, &kr);
        measure->matrix [label][predicted]++;
        measure->rows++;
        if (verbose && (int) predicted != label)
            printf ("  miss: %s labelled %s, read %s\n", field [1],
                    cb_coach_class_name (label), cb_coach_class_name (predicted));
    }
    fclose (file);
}

static double
s_precision (const s_measure_t *m, int c)
{
    int predicted = m->matrix [0][c] + m->matrix [1][c] + m->matrix [2][c];
    return predicted ? (double) m->matrix [c][c] / predicted : 0;
}

static double
s_recall (const s_measure_t *m, int c)
{
    int labelled = m->matrix [c][0] + m->matrix [c][1] + m->matrix [c][2];
    return labelled ? (double) m->matrix [c][c] / labelled : 0;
}

//  Prints the table (as tests/coach/README.md shows it) and checks floors:
//  floors [c] = { precision, recall }.
static void
s_report (const char *name, const s_measure_t *m, const double floors [3][2])
{
    printf ("%s: %d key results\n| class | labelled | precision | recall |\n"
            "| --- | --- | --- | --- |\n", name, m->rows);
    for (int c = 0; c < 3; c++) {
        printf ("| %s | %d | %.2f | %.2f |\n", cb_coach_class_name (c),
                m->matrix [c][0] + m->matrix [c][1] + m->matrix [c][2],
                s_precision (m, c), s_recall (m, c));
        if (s_precision (m, c) < floors [c][0] || s_recall (m, c) < floors [c][1]) {
            tu_failures++;
            fprintf (stderr, "%s: %s below its floor (precision %.2f, recall %.2f)\n",
                     name, cb_coach_class_name (c), floors [c][0], floors [c][1]);
        }
        tu_checks++;
    }
}

int
main (int argc, char *argv [])
{
    bool verbose = argc > 1 && streq (argv [1], "--verbose");
    const char *data = getenv ("CB_COACH_DATA");
    const char *tmp = getenv ("CB_TEST_TMP") ? getenv ("CB_TEST_TMP") : "/tmp";
    REQUIRE (data && getenv ("CATCHBALL_COACH_WORDS"));
    mkdir (tmp, 0700);          //  ctest's folder, made by the first test to need it
    char error [256] = "";
    coach = cb_coach_new (NULL, error, sizeof (error));
    if (!coach)
        fprintf (stderr, "%s\n", error);
    REQUIRE (coach);

    test_rules ();
    test_structure ();
    test_words_files (tmp);
    test_content ();
    test_random_texts ();

    //  The sets and their floors ({precision, recall} for outcome, task,
    //  unmeasurable). Task-like key results at 0.9 or better both ways
    //  everywhere (the aim); the rest a little below where they
    //  stand, so that only a change for the worse fails. labelled.tsv was
    //  tuned on; holdout.tsv (written with it) never was; blind.tsv was
    //  written after the rules, read once, then its general gaps closed;
    //  so was fresh.tsv, written after that; fresh2.tsv was written after
    //  the last rule change and never tuned on. One miss in 30
    //  moves a figure by 0.03 to 0.2: the small sets' floors are lower.
    static const struct {
        const char *file;       //  In $CB_COACH_DATA
        int rows;               //  At least
        double floors [3][2];   //  By class
    } sets [] = {
        { "labelled.tsv", 120, { { 0.95, 0.95 }, { 0.95, 0.95 }, { 0.90, 0.90 } } },
        { "holdout.tsv", 30, { { 0.80, 0.80 }, { 0.90, 0.90 }, { 0.70, 0.70 } } },
        { "blind.tsv", 60, { { 0.90, 0.90 }, { 0.90, 0.90 }, { 0.90, 0.90 } } },
        { "fresh.tsv", 50, { { 0.90, 0.90 }, { 0.90, 0.90 }, { 0.90, 0.90 } } },
        { "fresh2.tsv", 50, { { 0.85, 0.85 }, { 0.90, 0.90 }, { 0.90, 0.90 } } },
    };
    for (size_t i = 0; i < sizeof (sets) / sizeof (sets [0]); i++) {
        char path [1024];
        s_measure_t measure = { { { 0 } }, 0 };
        snprintf (path, sizeof (path), "%s/%s", data, sets [i].file);
        s_measure (path, &measure, verbose);
        CHECK (measure.rows >= sets [i].rows);
        s_report (sets [i].file, &measure, sets [i].floors);
    }

    cb_coach_destroy (&coach);
    cb_coach_destroy (&coach);
    printf ("test_coach: %d checks, %d failed\n", tu_checks, tu_failures);
    return tu_failures ? 1 : 0;
}
