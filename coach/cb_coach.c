/*  =========================================================================
    cb_coach - the coach: findings on an OKR's wording, outcome not task

    How it reads a key result (cb_coach.h says why it exists):

    1. The text becomes tokens: words (lower case), numbers, years and
       symbols. Words the author puts before the verb ("We will", "To",
       "Successfully") are skipped: what is left starts at the lead word.
    2. The lead word decides most: "continue doing" (CONTINUE_DOING); a
       verb that holds a level ("Keep", "Maintain"), an outcome with a
       measure and business as usual without; a verb of change
       ("Increase", "Reduce"), an outcome with a measure (VERB_LED, only
       advice) and a direction without (VAGUE); an activity verb or its
       -ing form ("Meet", "Preparing"), a task (TASK_VERB, or OUTPUT_COUNT
       when it counts one's own activity, or MILESTONE_KR when it names a
       date), unless the verb's spelling is the start of a metric's name
       ("Support tickets per account", "Share of orders ... reaches 60 %");
       an activity turned noun ("Implementation of"), TASK_NOUN.
    3. Otherwise the text is a noun phrase. A participle of an activity
       verb ("v2 released by June") is a milestone; a count of activities
       ("12 interviews held") is output; a measure (a number, "%", "zero",
       "from weekly to daily", a subject taken whole: "Every team...") or
       a target makes an outcome; so does a state someone else decides
       ("... are approved by the MIS lead", seed 000's worked example).
       Left: words of direction ("better", "improve") are VAGUE, a word
       followed by "the"/"a"/a number is a verb the lists do not know
       (TASK_VERB), and anything else has no measure (NO_MEASURE).

    The rules are the table s_rules; their words are the lists of
    coach.words, loaded at run time (coach_words.c); a text's tokens and
    the matching of the lists against them are coach_text.c's. Nothing
    here allocates per token beyond the text's own copy; a key result is
    at most a few hundred bytes.
    =========================================================================
*/
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "coach_int.h"

//  --------------------------------------------------------------------------
//  The rules

//  One rule: its stable code, its level, the class it gives a key result
//  (S_NONE for a rule on the structure) and why it matters.
#define S_NONE (-1)
typedef struct {
    const char *code;           //  Stable, documented in the README
    cb_coach_level_t level;     //  Its level
    int klass;                  //  cb_coach_class_t, or S_NONE
    const char *why;            //  One sentence, naming the seed
} s_rule_t;

typedef enum {
    R_TASK_VERB, R_TASK_NOUN, R_MILESTONE_KR, R_OUTPUT_COUNT, R_CONTINUE_DOING,
    R_VAGUE, R_NO_MEASURE, R_VERB_LED, R_NO_TARGET, R_NO_BASELINE, R_NO_UNIT,
    R_NO_LEAD, R_KR_COUNT, R_NUMBER_IN_OBJECTIVE, R_COUNT
} s_rule_id_t;

static const s_rule_t s_rules [R_COUNT] = {
    [R_TASK_VERB] = { "TASK_VERB", CB_COACH_ERROR, CB_COACH_TASK,
        "Seed 000: a key result that starts with an activity verb is a task (stage 2); "
        "verbs rarely depict outcomes, so name the result the work should bring." },
    [R_TASK_NOUN] = { "TASK_NOUN", CB_COACH_ERROR, CB_COACH_TASK,
        "Seed 000: an activity turned into a noun is still a task; name the result it "
        "should bring, as a noun with a measure." },
    [R_MILESTONE_KR] = { "MILESTONE_KR", CB_COACH_WARNING, CB_COACH_TASK,
        "Seed 000: delivering something by a date is a milestone of the plan, not an "
        "outcome; say what should be different once it is delivered." },
    [R_OUTPUT_COUNT] = { "OUTPUT_COUNT", CB_COACH_WARNING, CB_COACH_TASK,
        "Seed 002: counting your own activity measures output, not outcome; measure what "
        "the activity should change." },
    [R_CONTINUE_DOING] = { "CONTINUE_DOING", CB_COACH_ERROR, CB_COACH_TASK,
        "Seed 002: an OKR is never 'continue doing X'; business as usual is not a change "
        "to measure." },
    [R_VAGUE] = { "VAGUE", CB_COACH_WARNING, CB_COACH_UNMEASURABLE,
        "Seed 002: a direction ('improve', 'better', 'more') with no number cannot be "
        "scored at the end of the cycle; say from what to what." },
    [R_NO_MEASURE] = { "NO_MEASURE", CB_COACH_WARNING, CB_COACH_UNMEASURABLE,
        "Seed 002: a key result is a measurable outcome, and this one names no number, "
        "target or result state to check." },
    [R_VERB_LED] = { "VERB_LED", CB_COACH_INFO, CB_COACH_OUTCOME,
        "Seed 000: outcomes read best as nouns with a measure ('Churn falls from 8 % to "
        "5 %'); this one is measurable but starts with a verb." },
    [R_NO_TARGET] = { "NO_TARGET", CB_COACH_ERROR, S_NONE,
        "Seed 002 and PROTOCOL.md: every key result has a target, or nothing says when it "
        "is reached (the broker refuses one without)." },
    [R_NO_BASELINE] = { "NO_BASELINE", CB_COACH_WARNING, S_NONE,
        "Seed 002: measurable change is the point, and a change needs its starting point; "
        "without a baseline no check-in can show progress." },
    [R_NO_UNIT] = { "NO_UNIT", CB_COACH_INFO, S_NONE,
        "Seed 003 (step 3.1): key results have clear measures, and a target without a unit "
        "(%, days, tickets) reads differently to each team." },
    [R_NO_LEAD] = { "NO_LEAD", CB_COACH_INFO, S_NONE,
        "Seed 003 (step 2.6): each key result has leads, ideally a pair: shared "
        "accountability with personal responsibility." },
    [R_KR_COUNT] = { "KR_COUNT", CB_COACH_WARNING, S_NONE,
        "Seed 003 (step 2.4): keep the top 3 to 5 key results; more dilutes the focus, "
        "none measures nothing." },
    [R_NUMBER_IN_OBJECTIVE] = { "NUMBER_IN_OBJECTIVE", CB_COACH_WARNING, S_NONE,
        "Seed 002: the objective is qualitative and outcome-oriented; its numbers belong "
        "in its key results." },
};

//  --------------------------------------------------------------------------
//  What a text says

//  Skips what comes before the verb: bullets, "KR1:", "We will", "To".
static void
s_find_lead (const cb_coach_t *self, coach_text_t *text)
{
    size_t i = 0;
    while (i < text->size) {
        const coach_token_t *token = &text->tokens [i];
        if (token->kind == T_SYMBOL) {
            i++;
            continue;
        }
        //  "KR1:", "O2 -"
        const char *word = token->text;
        size_t digit = strncmp (word, "kr", 2) == 0 ? 2 : word [0] == 'o' ? 1 : 0;
        if (token->kind == T_WORD && digit && isdigit ((unsigned char) word [digit])) {
            i++;
            continue;
        }
        coach_match_t filler = coach_match (self, L_FILLERS, text, i, false);
        //  Never the whole text: "Faster" alone is its own lead.
        if (!filler.entry || i + filler.length >= text->size)
            break;
        i += filler.length;
    }
    text->lead = i < text->size ? i : 0;
}

//  True if index is a number, in digits or in words.
static bool
s_is_number (const cb_coach_t *self, const coach_text_t *text, size_t index)
{
    return text->tokens [index].kind == T_NUMBER || coach_is (self, L_NUMBER_WORDS, text, index);
}

//  A measure: a number that is not a year, "%", a word that is one
//  ("zero", "halve"), or a change "from weekly to daily".
static bool
s_has_measure (const cb_coach_t *self, const coach_text_t *text, size_t from)
{
    for (size_t i = from; i < text->size; i++) {
        const coach_token_t *token = &text->tokens [i];
        if (token->kind == T_NUMBER || streq (token->text, "%")
        ||  coach_match (self, L_MEASURE_WORDS, text, i, true).entry
        ||  coach_is (self, L_NUMBER_WORDS, text, i))
            return true;
        if (streq (token->text, "from"))
            for (size_t j = i + 2; j <= i + 3 && j + 1 < text->size; j++)
                if (streq (text->tokens [j].text, "to"))
                    return true;
    }
    return false;
}

//  A date after "by", "before", "until" (within three words) or "in"
//  (right after): "by Q3", "by the end of March", "in April".
static bool
s_has_date (const cb_coach_t *self, const coach_text_t *text)
{
    for (size_t i = 0; i + 1 < text->size; i++) {
        const char *word = text->tokens [i].text;
        bool in = streq (word, "in");
        if (!in && !streq (word, "by") && !streq (word, "before") && !streq (word, "until"))
            continue;
        for (size_t j = i + 1; j < text->size && j <= i + (in ? 1 : 3); j++)
            if (text->tokens [j].kind == T_YEAR || coach_is (self, L_MONTHS, text, j)
            ||  (!in && coach_is (self, L_DATE_WORDS, text, j)))
                return true;
    }
    return false;
}

//  A count of one's own activity: a number, then within three words an
//  activity ("12 customer interviews", "three conferences").
static bool
s_has_output_count (const cb_coach_t *self, const coach_text_t *text, size_t from)
{
    //  After a preposition a number is a condition, not a count: "finish
    //  signup in one session", "resolved within 2 calls".
    static const char *const conditions [] = { "in", "within", "per", "after", "under",
        "over", "than", "at", "of", "by", "on", "from", "to", NULL };
    for (size_t i = from; i < text->size; i++) {
        if (!s_is_number (self, text, i)
        ||  (i > 0 && coach_one_of (text->tokens [i - 1].text, conditions)))
            continue;
        for (size_t j = i + 1; j < text->size && j <= i + 3; j++) {
            coach_match_t activity = coach_match (self, L_ACTIVITY_NOUNS, text, j, true);
            if (activity.entry && (activity.form == 'b' || activity.form == 's'))
                return true;
        }
    }
    return false;
}

//  A verb of change after the lead, said of a subject: "Share of orders
//  ... reaches 60 %", "readmissions fall to 12 %" (not "to increase").
static bool
s_has_later_result_verb (const cb_coach_t *self, const coach_text_t *text, size_t from)
{
    for (size_t i = from; i < text->size; i++) {
        coach_match_t verb = coach_match (self, L_RESULT_VERBS, text, i, true);
        if (!verb.entry)
            verb = coach_match (self, L_GUARDRAIL_VERBS, text, i, true);
        if (!verb.entry)
            continue;
        if (verb.form == 's')
            return true;
        if (verb.form == 'b' && i > from && !streq (text->tokens [i - 1].text, "to"))
            return true;
    }
    return false;
}

//  A state someone else decides, anywhere: "approved", "signed off".
static bool
s_has_result_state (const cb_coach_t *self, const coach_text_t *text, size_t from)
{
    for (size_t i = from; i < text->size; i++) {
        coach_match_t state = coach_match (self, L_RESULT_STATES, text, i, true);
        if (state.entry && state.form != 'g')
            return true;
    }
    return false;
}

//  The index of a past participle of an activity verb after the lead
//  ("launched", "built"), or 0 if none. Only a participle said of its
//  subject counts: after "is", "are"..., or before a preposition or the
//  end ("v2 released by June"); before a noun it is an adjective ("more
//  engaged employees", "qualified leads").
static size_t
s_find_participle (const cb_coach_t *self, const coach_text_t *text)
{
    static const char *const before [] = { "is", "are", "was", "were", "be", "been",
        "being", "has", "have", "had", NULL };
    static const char *const after [] = { "by", "before", "until", "in", "on", "to", "for",
        "at", "across", "within", "and", "with", "as", NULL };
    for (size_t i = text->lead + 1; i < text->size; i++) {
        coach_match_t verb = coach_match (self, L_TASK_VERBS, text, i, true);
        coach_match_t irregular = coach_match (self, L_PARTICIPLES, text, i, false);
        size_t length = verb.entry && verb.form == 'd' ? verb.length : irregular.length;
        if (!length)
            continue;
        if (i + length >= text->size || text->tokens [i + length].kind == T_SYMBOL
        ||  coach_one_of (text->tokens [i - 1].text, before)
        ||  coach_one_of (text->tokens [i + length].text, after))
            return i;
    }
    return 0;
}

static bool
s_has_any (const cb_coach_t *self, coach_list_id_t list, const coach_text_t *text, size_t from)
{
    for (size_t i = from; i < text->size; i++)
        if (coach_match (self, list, text, i, true).entry)
            return true;
    return false;
}

//  --------------------------------------------------------------------------
//  Suggestions

//  The source from byte start to the end, trimmed, without a final '.'.
static char *
s_rest (const coach_text_t *text, size_t start)
{
    const char *from = text->source + start;
    while (isspace ((unsigned char) *from))
        from++;
    size_t length = strlen (from);
    while (length && (isspace ((unsigned char) from [length - 1]) || from [length - 1] == '.'))
        length--;
    return coach_strdup (from, length);
}

//  template with each {rest} replaced by rest, first letter upper case.
static char *
s_fill (const char *template, const char *rest)
{
    size_t size = strlen (template) + 1;
    for (const char *p = strstr (template, "{rest}"); p; p = strstr (p + 6, "{rest}"))
        size += strlen (rest);
    char *out = malloc (size);
    if (!out)
        abort ();
    char *o = out;
    for (const char *p = template; *p; ) {
        if (strncmp (p, "{rest}", 6) == 0) {
            o += sprintf (o, "%s", rest);
            p += 6;
        }
        else
            *o++ = *p++;
    }
    *o = 0;
    if (islower ((unsigned char) out [0]))
        out [0] = (char) toupper ((unsigned char) out [0]);
    return out;
}

static char *
s_format (const char *format, ...)
{
    va_list args;
    va_start (args, format);
    int size = vsnprintf (NULL, 0, format, args);
    va_end (args);
    char *out = malloc ((size_t) size + 1);
    if (!out)
        abort ();
    va_start (args, format);
    vsnprintf (out, (size_t) size + 1, format, args);
    va_end (args);
    return out;
}

//  "Increase NPS from 32 to 45" -> "NPS rises from 32 to 45": the text
//  after the verb split at its first "from", "to", "by", "below"... and
//  the verb said of it. With no such word, the target's fields.
static char *
s_noun_first (const coach_text_t *text, size_t after, const char *verb, const cb_coach_kr_t *kr)
{
    static const char *const splits [] = { "from", "to", "by", "below", "above", "under",
        "over", "at", "within", NULL };
    for (size_t i = after + 1; i < text->size; i++) {
        if (!coach_one_of (text->tokens [i].text, splits))
            continue;
        char *subject = s_rest (text, text->tokens [after].start);
        subject [text->tokens [i].start - text->tokens [after].start] = 0;
        char *tail = s_rest (text, text->tokens [i].start);
        size_t length = strlen (subject);
        while (length && isspace ((unsigned char) subject [length - 1]))
            subject [--length] = 0;
        char *out = s_format ("%s %s %s", subject, verb, tail);
        free (subject);
        free (tail);
        out [0] = (char) toupper ((unsigned char) out [0]);
        return out;
    }
    if (!kr->has_target || after >= text->size)
        return NULL;
    char *subject = s_rest (text, text->tokens [after].start);
    const char *unit = kr->unit && *kr->unit ? kr->unit : "";
    char *out = kr->has_baseline
        ? s_format ("%s goes from %g to %g%s%s", subject, kr->baseline, kr->target,
                    *unit ? " " : "", unit)
        : s_format ("%s reaches %g%s%s", subject, kr->target, *unit ? " " : "", unit);
    free (subject);
    out [0] = (char) toupper ((unsigned char) out [0]);
    return out;
}

//  --------------------------------------------------------------------------
//  Reading one key result

//  The coach's reading of a key result's wording: one rule (or none) and
//  what it saw. evidence and suggestion are the caller's.
typedef struct {
    int rule;                   //  s_rule_id_t, or S_NONE: a clean outcome
    char *evidence;             //  What it saw
    char *suggestion;           //  An outcome phrasing, or NULL
} s_reading_t;

static s_reading_t
s_reading (int rule, char *evidence, char *suggestion)
{
    s_reading_t reading = { rule, evidence, suggestion };
    return reading;
}

//  The lead word as the author wrote it, for the evidence.
static char *
s_lead_words (const coach_text_t *text, size_t length)
{
    size_t start = text->tokens [text->lead].start;
    size_t end = text->tokens [text->lead + length - 1].end;
    return coach_strdup (text->source + start, end - start);
}

//  An activity verb at the lead: a task, said three ways.
static s_reading_t
s_read_task (const cb_coach_t *self, const coach_text_t *text, coach_match_t verb)
{
    size_t after = text->lead + verb.length;
    char *rest = s_rest (text, after < text->size ? text->tokens [after].start
                                                : strlen (text->source));
    char *suggestion = verb.entry->extra && *rest ? s_fill (verb.entry->extra, rest) : NULL;
    if (!suggestion && *rest)
        suggestion = s_fill ("<what {rest} should change> goes from <A> to <B>", rest);
    free (rest);
    char *lead = s_lead_words (text, verb.length);
    int rule = s_has_output_count (self, text, after) ? R_OUTPUT_COUNT
             : s_has_date (self, text) ? R_MILESTONE_KR : R_TASK_VERB;
    char *evidence = rule == R_OUTPUT_COUNT
        ? s_format ("starts with '%s' and counts the activity", lead)
        : rule == R_MILESTONE_KR ? s_format ("starts with '%s' and names a date", lead)
        : s_format ("starts with the activity '%s'", lead);
    free (lead);
    return s_reading (rule, evidence, suggestion);
}

//  What every step of the reading needs.
typedef struct {
    const cb_coach_t *self;     //  The words
    const coach_text_t *text;       //  The key result's tokens
    const cb_coach_kr_t *kr;    //  Its fields
    bool measure;               //  A measure in the text
    bool measured;              //  A measure in the text, or a target
} s_ctx_t;

//  The text from token index on ("" past the end), the caller's.
static char *
s_rest_at (const coach_text_t *text, size_t index)
{
    return s_rest (text, index < text->size ? text->tokens [index].start : strlen (text->source));
}

//  "Continue doing X"; "Maintain X" without a level to hold. A level held
//  ("Keep uptime at 99.95 %") is an outcome.
static bool
s_read_as_usual (const s_ctx_t *c, s_reading_t *out)
{
    size_t lead = c->text->lead;
    coach_match_t verb = coach_match (c->self, L_CONTINUE, c->text, lead, true);
    coach_match_t guard = coach_match (c->self, L_GUARDRAIL_VERBS, c->text, lead, true);
    bool continues = verb.entry && (verb.form == 'b' || verb.form == 'g');
    bool guards = guard.entry && guard.form != 'd';
    if (!continues && guards && c->measured)
        *out = s_reading (S_NONE, NULL, NULL);
    else
    if (continues || guards) {
        size_t length = continues ? verb.length : guard.length;
        char *rest = s_rest_at (c->text, lead + length);
        char *words = s_lead_words (c->text, length);
        *out = s_reading (R_CONTINUE_DOING, s_format ("starts with '%s'", words),
            *rest ? s_fill ("<what {rest} should change> goes from <A> to <B>", rest) : NULL);
        free (words);
        free (rest);
    }
    return continues || guards;
}

//  A verb of change at the lead: an outcome with a measure (said better
//  noun first), a direction without; unless an activity's longer phrase
//  starts there ("Reach out to"), or the verb's spelling starts a subject
//  that a later verb of change is said of ("Win rate ... increases").
static bool
s_read_change (const s_ctx_t *c, s_reading_t *out)
{
    size_t lead = c->text->lead;
    coach_match_t verb = coach_match (c->self, L_RESULT_VERBS, c->text, lead, true);
    coach_match_t task = coach_match (c->self, L_TASK_VERBS, c->text, lead, true);
    if (!verb.entry || verb.form == 'd' || verb.form == 's' || task.length > verb.length
    ||  s_has_later_result_verb (c->self, c->text, lead + verb.length))
        return false;
    size_t after = lead + verb.length;
    char *words = s_lead_words (c->text, verb.length);
    if (c->measured)
        *out = s_reading (R_VERB_LED, s_format ("starts with '%s'", words),
            s_noun_first (c->text, after, verb.entry->extra ? verb.entry->extra : "changes",
                          c->kr));
    else {
        char *rest = s_rest_at (c->text, after);
        *out = s_reading (R_VAGUE, s_format ("'%s' with no number", words),
                          *rest ? s_fill ("{rest} goes from <A> to <B>", rest) : NULL);
        free (rest);
    }
    free (words);
    return true;
}

//  An activity verb at the lead, or its -ing form before what it acts on.
//  Not when the verb's spelling starts a metric's name ("Support tickets
//  per account", "Share of orders ... reaches 60 %"), nor an activity
//  turned noun ("Review of", read next); a light verb with a direction
//  ("Make onboarding more delightful") is vague, not a task.
static bool
s_read_activity (const s_ctx_t *c, s_reading_t *out)
{
    const coach_text_t *text = c->text;
    size_t lead = text->lead;
    coach_match_t verb = coach_match (c->self, L_TASK_VERBS, text, lead, true);
    if (!verb.entry || (verb.form != 'b' && verb.form != 'g'))
        return false;
    size_t after = lead + verb.length;
    bool object = after < text->size
        && (coach_is (c->self, L_DETERMINERS, text, after) || s_is_number (c->self, text, after)
            || text->tokens [after].kind == T_SYMBOL);
    bool of = after < text->size && streq (text->tokens [after].text, "of");
    bool metric = after < text->size && c->measured
        && (coach_match (c->self, L_METRIC_NOUNS, text, after, true).entry
            || s_has_later_result_verb (c->self, text, after));
    if (coach_is (c->self, L_LIGHT_VERBS, text, lead) && !c->measure
    &&  s_has_any (c->self, L_VAGUE, text, after)) {
        *out = s_reading (R_VAGUE, s_format ("a direction with no number"),
                          coach_dup ("<the metric that shows it> goes from <A> to <B>"));
        return true;
    }
    //  A light verb says nothing of an activity: with a measure, what it
    //  measures decides ("Get 100 new paying customers").
    if (of || metric || (verb.form == 'g' && !object && verb.length == 1)
    ||  (coach_is (c->self, L_LIGHT_VERBS, text, lead) && c->measure))
        return false;
    *out = s_read_task (c->self, text, verb);
    return true;
}

//  An activity turned into a noun: "Implementation of the new ERP".
static bool
s_read_task_noun (const s_ctx_t *c, s_reading_t *out)
{
    const coach_text_t *text = c->text;
    size_t lead = text->lead;
    if (lead + 1 >= text->size || !coach_is (c->self, L_TASK_NOUNS, text, lead)
    ||  (!streq (text->tokens [lead + 1].text, "of")
         && !streq (text->tokens [lead + 1].text, "for")))
        return false;
    char *rest = s_rest_at (text, lead + 2);
    char *words = s_lead_words (text, 2);
    *out = s_reading (R_TASK_NOUN, s_format ("starts with the activity '%s'", words),
        *rest ? s_fill ("<metric changed by {rest}> goes from <A> to <B>", rest) : NULL);
    free (words);
    free (rest);
    return true;
}

//  A noun phrase: a delivery with nothing measured is a milestone, a
//  count of activities is output, a measure or a result state an outcome,
//  words of direction vague; a word the lists do not know before what it
//  acts on ("Facilitate a sprint") is a verb; anything else names nothing
//  to measure.
static s_reading_t
s_read_noun_phrase (const s_ctx_t *c)
{
    const coach_text_t *text = c->text;
    size_t lead = text->lead;
    size_t participle = s_find_participle (c->self, text);
    if (participle && !c->measure) {
        char *subject = coach_strdup (text->source + text->tokens [lead].start,
                                  text->tokens [participle].start - text->tokens [lead].start);
        size_t length = strlen (subject);
        while (length && isspace ((unsigned char) subject [length - 1]))
            subject [--length] = 0;
        s_reading_t reading = s_reading (R_MILESTONE_KR,
            s_format ("'%s' is a delivery, not a change", text->tokens [participle].text),
            *subject ? s_format ("<users> use %s: <metric> goes from <A> to <B>", subject)
                     : NULL);
        free (subject);
        return reading;
    }
    if (s_has_output_count (c->self, text, lead))
        return s_reading (R_OUTPUT_COUNT, s_format ("counts an activity"),
                          coach_dup ("<what the activity should change> goes from <A> to <B>"));
    //  A subject taken whole is a measure: "All employees complete...",
    //  "Every new hire has..." (100 % of them).
    if (c->measured || s_has_result_state (c->self, text, lead)
    ||  coach_is (c->self, L_QUANTIFIERS, text, lead))
        return s_reading (S_NONE, NULL, NULL);
    char *rest = s_rest_at (text, lead);
    s_reading_t reading;
    if (s_has_any (c->self, L_VAGUE, text, lead))
        reading = s_reading (R_VAGUE, s_format ("a direction with no number"),
            s_fill ("<the metric that shows '{rest}'> goes from <A> to <B>", rest));
    else
    if (lead + 1 < text->size && text->tokens [lead].kind == T_WORD
    &&  !coach_is (c->self, L_DETERMINERS, text, lead)
    &&  !coach_match (c->self, L_METRIC_NOUNS, text, lead, true).entry
    &&  (coach_is (c->self, L_DETERMINERS, text, lead + 1)
         || s_is_number (c->self, text, lead + 1))) {
        coach_entry_t generic = { { NULL }, 1, NULL };
        coach_match_t unknown = { &generic, 1, 'b' };
        reading = s_read_task (c->self, text, unknown);
    }
    else
        reading = s_reading (R_NO_MEASURE, s_format ("no number, target or result state"),
                             s_fill ("{rest}: <metric> goes from <A> to <B>", rest));
    free (rest);
    return reading;
}

//  The reading of a key result: the first step that decides, in order.
static s_reading_t
s_read (const cb_coach_t *self, const coach_text_t *text, const cb_coach_kr_t *kr)
{
    if (text->size == 0)
        return s_reading (R_NO_MEASURE, s_format ("has no words"), NULL);
    s_ctx_t c = { self, text, kr, s_has_measure (self, text, 0), false };
    c.measured = c.measure || kr->has_target;
    s_reading_t reading;
    if (s_read_as_usual (&c, &reading) || s_read_change (&c, &reading)
    ||  s_read_activity (&c, &reading) || s_read_task_noun (&c, &reading))
        return reading;
    return s_read_noun_phrase (&c);
}

//  The reading of one key result's text (and target).
static s_reading_t
s_read_kr (const cb_coach_t *self, const cb_coach_kr_t *kr)
{
    coach_text_t text;
    coach_tokenize (&text, kr->text ? kr->text : "");
    s_find_lead (self, &text);
    s_reading_t reading = s_read (self, &text, kr);
    free (text.tokens);
    return reading;
}

cb_coach_class_t
cb_coach_classify (cb_coach_t *self, const cb_coach_kr_t *kr)
{
    s_reading_t reading = s_read_kr (self, kr);
    free (reading.evidence);
    free (reading.suggestion);
    if (reading.rule == S_NONE || s_rules [reading.rule].klass == S_NONE)
        return CB_COACH_OUTCOME;
    return (cb_coach_class_t) s_rules [reading.rule].klass;
}

//  --------------------------------------------------------------------------
//  Findings

typedef struct {
    cb_coach_finding_t public;  //  What the caller reads
    char *about;                //  Owned strings behind public
    char *evidence;
    char *suggestion;
} s_finding_t;

struct _cb_coach_findings_t {
    s_finding_t *items;         //  In order
    size_t size;                //  How many
    size_t capacity;            //  Allocated
};

//  Adds a finding; takes evidence and suggestion (either may be NULL).
static void
s_add (cb_coach_findings_t *self, int rule, int kr, const char *about, char *evidence,
       char *suggestion)
{
    if (self->size == self->capacity) {
        self->capacity = self->capacity ? self->capacity * 2 : 8;
        self->items = realloc (self->items, self->capacity * sizeof (s_finding_t));
        if (!self->items)
            abort ();
    }
    s_finding_t *item = &self->items [self->size++];
    item->about = coach_dup (about);
    item->evidence = evidence;
    item->suggestion = suggestion;
    item->public = (cb_coach_finding_t) {
        s_rules [rule].code, s_rules [rule].level, item->about, kr, evidence,
        s_rules [rule].why, suggestion
    };
}

cb_coach_findings_t *
cb_coach_check (cb_coach_t *self, const cb_coach_okr_t *okr)
{
    cb_coach_findings_t *findings = calloc (1, sizeof (cb_coach_findings_t));
    if (!findings)
        abort ();
    for (size_t k = 0; k < okr->kr_count; k++) {
        const cb_coach_kr_t *kr = &okr->krs [k];
        char about [32];
        if (kr->id && *kr->id)
            snprintf (about, sizeof (about), "%.30s", kr->id);
        else
            snprintf (about, sizeof (about), "kr%zu", k + 1);
        s_reading_t reading = s_read_kr (self, kr);
        if (reading.rule != S_NONE)
            s_add (findings, reading.rule, (int) k, about, reading.evidence, reading.suggestion);
        if (!kr->has_target)
            s_add (findings, R_NO_TARGET, (int) k, about, s_format ("no target"), NULL);
        else {
            if (!kr->has_baseline)
                s_add (findings, R_NO_BASELINE, (int) k, about,
                       s_format ("a target of %g and no baseline", kr->target),
                       coach_dup ("add a baseline: where it stands today"));
            if (!kr->unit || !*kr->unit)
                s_add (findings, R_NO_UNIT, (int) k, about,
                       s_format ("a target of %g and no unit", kr->target), NULL);
        }
        if (kr->leads == 0)
            s_add (findings, R_NO_LEAD, (int) k, about, s_format ("no leads"),
                   coach_dup ("add leads: a pair, one of them the owner"));
    }
    if (okr->objective) {
        coach_text_t text;
        coach_tokenize (&text, okr->objective);
        s_find_lead (self, &text);
        coach_match_t verb = coach_match (self, L_CONTINUE, &text, text.lead, true);
        if (verb.entry) {
            char *words = s_lead_words (&text, verb.length);
            s_add (findings, R_CONTINUE_DOING, -1, "objective",
                   s_format ("starts with '%s'", words),
                   coach_dup ("<what will be different at the end of the cycle>"));
            free (words);
        }
        for (size_t i = 0; i < text.size; i++)
            if (text.tokens [i].kind == T_NUMBER || streq (text.tokens [i].text, "%")) {
                s_add (findings, R_NUMBER_IN_OBJECTIVE, -1, "objective",
                       s_format ("'%s' in the objective", text.tokens [i].text), NULL);
                break;
            }
        free (text.tokens);
    }
    if (okr->kr_count == 0 || okr->kr_count > 5)
        s_add (findings, R_KR_COUNT, -1, "draft", s_format ("%zu key results", okr->kr_count),
               NULL);
    return findings;
}

size_t
cb_coach_findings_size (const cb_coach_findings_t *self)
{
    return self ? self->size : 0;
}

const cb_coach_finding_t *
cb_coach_findings_get (const cb_coach_findings_t *self, size_t index)
{
    return self && index < self->size ? &self->items [index].public : NULL;
}

int
cb_coach_findings_max_level (const cb_coach_findings_t *self)
{
    int max = -1;
    for (size_t i = 0; self && i < self->size; i++)
        if ((int) self->items [i].public.level > max)
            max = (int) self->items [i].public.level;
    return max;
}

void
cb_coach_findings_destroy (cb_coach_findings_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    cb_coach_findings_t *self = *self_p;
    for (size_t i = 0; i < self->size; i++) {
        free (self->items [i].about);
        free (self->items [i].evidence);
        free (self->items [i].suggestion);
    }
    free (self->items);
    free (self);
    *self_p = NULL;
}

//  --------------------------------------------------------------------------
//  Names

static const char *s_level_names [] = { "info", "warning", "error" };
static const char *s_class_names [] = { "outcome", "task", "unmeasurable" };

const char *
cb_coach_level_name (cb_coach_level_t level)
{
    return level <= CB_COACH_ERROR ? s_level_names [level] : "?";
}

int
cb_coach_level_parse (const char *name)
{
    for (int l = 0; l <= CB_COACH_ERROR; l++)
        if (name && streq (name, s_level_names [l]))
            return l;
    return -1;
}

const char *
cb_coach_class_name (cb_coach_class_t klass)
{
    return klass <= CB_COACH_UNMEASURABLE ? s_class_names [klass] : "?";
}

bool
cb_coach_rule (size_t index, const char **code, cb_coach_level_t *level, int *klass,
               const char **why)
{
    if (index >= R_COUNT)
        return false;
    *code = s_rules [index].code;
    *level = s_rules [index].level;
    *klass = s_rules [index].klass;
    *why = s_rules [index].why;
    return true;
}
