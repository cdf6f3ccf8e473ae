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
    coach.words, loaded at run time. Nothing here allocates per token
    beyond the text's own copy; a key result is at most a few hundred
    bytes.
    =========================================================================
*/
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cb_coach.h"

#define streq(a, b) (strcmp ((a), (b)) == 0)

//  Where cmake --install puts coach.words; CMake sets it from the prefix.
#ifndef CB_COACH_DATADIR
#   define CB_COACH_DATADIR "/usr/local/share/catchball"
#endif

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
//  The word lists

typedef enum {
    L_TASK_VERBS, L_PARTICIPLES, L_TASK_NOUNS, L_RESULT_VERBS, L_GUARDRAIL_VERBS,
    L_CONTINUE, L_VAGUE, L_RESULT_STATES, L_ACTIVITY_NOUNS, L_METRIC_NOUNS, L_FILLERS,
    L_MONTHS, L_DATE_WORDS, L_MEASURE_WORDS, L_NUMBER_WORDS, L_LIGHT_VERBS,
    L_DETERMINERS, L_QUANTIFIERS, L_COUNT
} s_list_id_t;

//  Each list's section name in coach.words, in s_list_id_t's order.
static const char *s_list_names [L_COUNT] = {
    "task_verbs", "participles", "task_nouns", "result_verbs", "guardrail_verbs",
    "continue", "vague", "result_states", "activity_nouns", "metric_nouns", "fillers",
    "months", "date_words", "measure_words", "number_words", "light_verbs", "determiners",
    "quantifiers"
};

#define S_PHRASE_MAX 4          //  Words in one entry, at most
#define S_WORD_MAX 48           //  Bytes in one word, at most

//  An entry of a list: a word or a phrase, and what follows ' => '.
typedef struct {
    char *words [S_PHRASE_MAX]; //  Lower case
    size_t count;               //  How many words
    char *extra;                //  A suggestion template or a verb form; NULL
} s_entry_t;

typedef struct {
    s_entry_t *entries;         //  In the file's order
    size_t size;                //  How many
    size_t capacity;            //  Allocated
    //  The entries by their first word's first byte, each bucket in the
    //  file's order: bucket c is order [start [c]] to order [start [c + 1]].
    //  A word matches an entry only if they share that byte (an exact
    //  match, or an inflection, which keeps all but the base's last
    //  letter: s_inflects), so s_match looks at one bucket, not the list.
    uint32_t *order;
    uint32_t start [257];
} s_list_t;

struct _cb_coach_t {
    s_list_t lists [L_COUNT];   //  The word lists by s_list_id_t
};

static void
s_error (char *error, size_t size, const char *format, ...)
{
    if (!error || !size)
        return;
    va_list args;
    va_start (args, format);
    vsnprintf (error, size, format, args);
    va_end (args);
}

static char *
s_strdup (const char *text, size_t length)
{
    char *copy = malloc (length + 1);
    if (!copy)
        abort ();
    memcpy (copy, text, length);
    copy [length] = 0;
    return copy;
}

static char *
s_dup (const char *text)
{
    return s_strdup (text, strlen (text));
}

//  Adds one line's entry to list: "coordinate with => {rest} is approved".
//  -1 if the line has too many words or too long a word.
static int
s_list_add (s_list_t *list, char *line)
{
    s_entry_t entry = { { 0 }, 0, NULL };
    char *arrow = strstr (line, " => ");
    if (arrow) {
        *arrow = 0;
        entry.extra = s_dup (arrow + 4);
    }
    char *save = NULL;
    for (char *word = strtok_r (line, " \t", &save); word; word = strtok_r (NULL, " \t", &save)) {
        if (entry.count == S_PHRASE_MAX || strlen (word) >= S_WORD_MAX) {
            for (size_t i = 0; i < entry.count; i++)
                free (entry.words [i]);
            free (entry.extra);
            return -1;
        }
        for (char *c = word; *c; c++)
            *c = (char) tolower ((unsigned char) *c);
        entry.words [entry.count++] = s_dup (word);
    }
    if (entry.count == 0) {
        free (entry.extra);
        return 0;
    }
    if (list->size == list->capacity) {
        list->capacity = list->capacity ? list->capacity * 2 : 32;
        list->entries = realloc (list->entries, list->capacity * sizeof (s_entry_t));
        if (!list->entries)
            abort ();
    }
    list->entries [list->size++] = entry;
    return 0;
}

//  Reads one words file into the lists. -1 with the reason in error.
static int
s_load (cb_coach_t *self, const char *path, char *error, size_t size)
{
    FILE *file = fopen (path, "r");
    if (!file) {
        s_error (error, size, "cannot read the coach's words %s: %s", path, strerror (errno));
        return -1;
    }
    char line [512];
    int number = 0, rc = 0;
    s_list_t *list = NULL;
    while (rc == 0 && fgets (line, sizeof (line), file)) {
        number++;
        if (!strchr (line, '\n') && !feof (file)) {
            s_error (error, size, "%s:%d: a line longer than %zu bytes", path, number,
                     sizeof (line) - 2);
            rc = -1;
            break;
        }
        char *comment = strchr (line, '#');
        if (comment)
            *comment = 0;
        size_t length = strlen (line);
        while (length && isspace ((unsigned char) line [length - 1]))
            line [--length] = 0;
        char *start = line;
        while (isspace ((unsigned char) *start))
            start++;
        if (!*start)
            continue;
        if (*start == '[') {
            list = NULL;
            for (int l = 0; l < L_COUNT; l++)
                if (strlen (start) == strlen (s_list_names [l]) + 2
                &&  strncmp (start + 1, s_list_names [l], strlen (s_list_names [l])) == 0
                &&  start [strlen (start) - 1] == ']')
                    list = &self->lists [l];
            if (!list) {
                s_error (error, size, "%s:%d: unknown section %s", path, number, start);
                rc = -1;
            }
        }
        else
        if (!list) {
            s_error (error, size, "%s:%d: an entry before any [section]", path, number);
            rc = -1;
        }
        else
        if (s_list_add (list, start)) {
            s_error (error, size, "%s:%d: at most %d words of at most %d bytes", path, number,
                     S_PHRASE_MAX, S_WORD_MAX - 1);
            rc = -1;
        }
    }
    fclose (file);
    return rc;
}

//  --------------------------------------------------------------------------
//  Constructor and destructor

//  The list's buckets by first byte (a counting sort: stable, so each
//  bucket keeps the file's order, and the longest-then-first rule of
//  s_match gives what a scan of the whole list gives). An entry whose first
//  word is empty matches no token and goes in no bucket.
static void
s_index (s_list_t *list)
{
    uint32_t count [257] = { 0 };
    for (size_t e = 0; e < list->size; e++) {
        const char *first = list->entries [e].count ? list->entries [e].words [0] : "";
        if (*first)
            count [(unsigned char) *first + 1]++;
    }
    for (int c = 1; c < 257; c++)
        count [c] += count [c - 1];
    memcpy (list->start, count, sizeof (count));
    list->order = malloc ((list->size ? list->size : 1) * sizeof (uint32_t));
    if (!list->order)
        abort ();
    for (size_t e = 0; e < list->size; e++) {
        const char *first = list->entries [e].count ? list->entries [e].words [0] : "";
        if (*first)
            list->order [count [(unsigned char) *first]++] = (uint32_t) e;
    }
}

cb_coach_t *
cb_coach_new (const char *path, char *error, size_t size)
{
    char *found = path ? s_dup (path) : cb_coach_words_path ();
    if (!found) {
        s_error (error, size, "no coach.words found: set CATCHBALL_COACH_WORDS, or install "
                 "catchball (cmake --install puts it in %s)", CB_COACH_DATADIR);
        return NULL;
    }
    cb_coach_t *self = calloc (1, sizeof (cb_coach_t));
    if (!self)
        abort ();
    int rc = 0;
    char *save = NULL;
    for (char *file = strtok_r (found, ":", &save); file && rc == 0;
         file = strtok_r (NULL, ":", &save))
        rc = s_load (self, file, error, size);
    free (found);
    if (rc)
        cb_coach_destroy (&self);
    for (int l = 0; self && l < L_COUNT; l++)
        s_index (&self->lists [l]);
    return self;
}

void
cb_coach_destroy (cb_coach_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    cb_coach_t *self = *self_p;
    for (int l = 0; l < L_COUNT; l++) {
        for (size_t e = 0; e < self->lists [l].size; e++) {
            s_entry_t *entry = &self->lists [l].entries [e];
            for (size_t w = 0; w < entry->count; w++)
                free (entry->words [w]);
            free (entry->extra);
        }
        free (self->lists [l].entries);
        free (self->lists [l].order);
    }
    free (self);
    *self_p = NULL;
}

char *
cb_coach_words_path (void)
{
    const char *env = getenv ("CATCHBALL_COACH_WORDS");
    if (env && *env)
        return s_dup (env);
    //  The build tree: cmake copies coach.words next to the programs.
    char self [PATH_MAX];
    ssize_t length = readlink ("/proc/self/exe", self, sizeof (self) - 1);
    if (length > 0) {
        self [length] = 0;
        char *slash = strrchr (self, '/');
        if (slash && (size_t) (slash - self) + sizeof ("/coach.words") < sizeof (self)) {
            strcpy (slash, "/coach.words");
            if (access (self, R_OK) == 0)
                return s_dup (self);
        }
    }
    const char *installed = CB_COACH_DATADIR "/coach.words";
    if (access (installed, R_OK) == 0)
        return s_dup (installed);
    return NULL;
}

//  --------------------------------------------------------------------------
//  Tokens

typedef enum { T_WORD, T_NUMBER, T_YEAR, T_SYMBOL } s_kind_t;

typedef struct {
    s_kind_t kind;              //  What it is
    char text [S_WORD_MAX];     //  Lower case (cut at S_WORD_MAX - 1 bytes)
    size_t start;               //  Its bytes in the source
    size_t end;
} s_token_t;

typedef struct {
    const char *source;         //  The text, lent
    s_token_t *tokens;          //  Its tokens
    size_t size;                //  How many
    size_t lead;                //  The first token after fillers
} s_text_t;

//  Bytes of UTF-8 that start a word: ASCII letters, and every non-ASCII
//  character but punctuation and symbols (s_symbol_size).
static bool
s_is_letter (unsigned char c)
{
    return isalpha (c) || c >= 0x80;
}

//  The size of a punctuation mark or symbol at p, in bytes, or 0: U+0080
//  to U+00BF (no-break space, the pound, guillemets...) and U+2000 to
//  U+2FFF (dashes, curly quotes, bullets, the euro, arrows, "≥"), so that
//  "• Meet with..." starts with its verb.
static size_t
s_symbol_size (const char *p)
{
    unsigned char c = p [0], next = p [1];
    if (c == 0xC2 && next >= 0x80 && next <= 0xBF)
        return 2;
    if (c == 0xE2 && next >= 0x80 && next <= 0xBF && (unsigned char) p [2] >= 0x80)
        return 3;
    return 0;
}

//  True at a curly apostrophe (U+2019) followed by a letter or digit:
//  "we’ll" is "we'll".
static bool
s_is_curly_apostrophe (const char *p)
{
    return (unsigned char) p [0] == 0xE2 && (unsigned char) p [1] == 0x80
        && (unsigned char) p [2] == 0x99 && isalnum ((unsigned char) p [3]);
}

//  Splits source into tokens; the caller frees text->tokens.
static void
s_tokenize (s_text_t *text, const char *source)
{
    size_t length = strlen (source);
    text->source = source;
    text->tokens = calloc (length + 1, sizeof (s_token_t));
    if (!text->tokens)
        abort ();
    text->size = 0;
    text->lead = 0;
    size_t i = 0;
    while (i < length) {
        unsigned char c = source [i];
        size_t symbol = s_symbol_size (source + i);
        if (isspace (c) || (symbol == 2 && (unsigned char) source [i + 1] == 0xA0)) {
            i += symbol ? symbol : 1;
            continue;
        }
        s_token_t *token = &text->tokens [text->size++];
        token->start = i;
        if (symbol) {
            token->kind = T_SYMBOL;
            i += symbol;
        }
        else
        if (s_is_letter (c)) {
            token->kind = T_WORD;
            //  Inner apostrophes and hyphens stay: "we'll", "set-up".
            while (i < length) {
                if (s_is_curly_apostrophe (source + i))
                    i += 3;
                else
                if ((source [i] == '\'' || source [i] == '-')
                &&  isalnum ((unsigned char) source [i + 1]))
                    i++;
                else
                if ((isalnum ((unsigned char) source [i]) || s_is_letter (source [i]))
                &&  !s_symbol_size (source + i))
                    i++;
                else
                    break;
            }
        }
        else
        if (isdigit (c)) {
            token->kind = T_NUMBER;
            while (i < length && (isdigit ((unsigned char) source [i])
                                  || ((source [i] == '.' || source [i] == ',')
                                      && i + 1 < length
                                      && isdigit ((unsigned char) source [i + 1]))))
                i++;
            //  A year is a date, not a measure: "the 2028 budget".
            size_t digits = i - token->start;
            long value = strtol (source + token->start, NULL, 10);
            if (digits == 4 && value >= 1900 && value <= 2100
            &&  !(i < length && (s_is_letter (source [i]) || source [i] == '%')))
                token->kind = T_YEAR;
            //  "24h", "10k", "3rd": the letters stay with their number.
            while (i < length && s_is_letter (source [i]))
                i++;
        }
        else {
            token->kind = T_SYMBOL;
            i++;
        }
        token->end = i;
        //  Lower case, the curly apostrophe straight: what the lists hold.
        size_t out = 0;
        for (size_t k = token->start; k < token->end && out < S_WORD_MAX - 1; k++) {
            if (token->kind == T_WORD && s_is_curly_apostrophe (source + k)) {
                token->text [out++] = '\'';
                k += 2;
            }
            else
                token->text [out++] = (char) tolower ((unsigned char) source [k]);
        }
    }
}

//  --------------------------------------------------------------------------
//  Matching words

//  How a word inflects a base form: 'b' the base, 's' -s/-es, 'd' -ed/-d,
//  'g' -ing; 0 if it does not. "prepared", "preparing", "shipped",
//  "studies" all match their base.
static char
s_inflects (const char *word, const char *base)
{
    size_t w = strlen (word), b = strlen (base);
    if (streq (word, base))
        return 'b';
    if (b < 2 || w <= b - 1)
        return 0;
    char last = base [b - 1];
    //  Forms that change the base's end: prepare -> preparing, study -> studied.
    if (strncmp (word, base, b - 1) == 0) {
        const char *rest = word + b - 1;
        if (last == 'e' && streq (rest, "ing"))
            return 'g';
        if (last == 'y' && streq (rest, "ies"))
            return 's';
        if (last == 'y' && streq (rest, "ied"))
            return 'd';
    }
    if (w <= b || strncmp (word, base, b) != 0)
        return 0;
    const char *suffix = word + b;
    if (streq (suffix, "s") || streq (suffix, "es"))
        return 's';
    if (streq (suffix, "ed") || (last == 'e' && streq (suffix, "d")))
        return 'd';
    if (streq (suffix, "ing"))
        return 'g';
    //  A doubled final consonant: ship -> shipped, run -> running.
    if (suffix [0] == last && !strchr ("aeiouy", last)) {
        if (streq (suffix + 1, "ed"))
            return 'd';
        if (streq (suffix + 1, "ing"))
            return 'g';
    }
    return 0;
}

//  How many tokens of text from index the entry covers (its first word in
//  any form if inflect, else exactly; the others exactly), 0 if none.
//  *form is the first word's form.
static size_t
s_match_entry (const s_entry_t *entry, const s_text_t *text, size_t index, bool inflect,
               char *form)
{
    if (index + entry->count > text->size)
        return 0;
    for (size_t w = 0; w < entry->count; w++) {
        const s_token_t *token = &text->tokens [index + w];
        if (token->kind != T_WORD && token->kind != T_NUMBER)
            return 0;
        if (w == 0 && inflect) {
            *form = s_inflects (token->text, entry->words [0]);
            if (!*form)
                return 0;
        }
        else
        if (!streq (token->text, entry->words [w]))
            return 0;
        else
        if (w == 0)
            *form = 'b';
    }
    return entry->count;
}

//  A match of a list at a token: the entry, how many tokens, the form.
typedef struct {
    const s_entry_t *entry;     //  NULL if none matched
    size_t length;              //  Tokens covered
    char form;                  //  The first word's form
} s_match_t;

//  The longest entry of list that matches text at index.
static s_match_t
s_match (const cb_coach_t *self, s_list_id_t list, const s_text_t *text, size_t index,
         bool inflect)
{
    s_match_t best = { NULL, 0, 0 };
    const s_list_t *l = &self->lists [list];
    if (index >= text->size)
        return best;
    unsigned char first = (unsigned char) text->tokens [index].text [0];
    for (uint32_t i = l->start [first]; i < l->start [first + 1]; i++) {
        const s_entry_t *entry = &l->entries [l->order [i]];
        char form = 0;
        size_t length = s_match_entry (entry, text, index, inflect, &form);
        if (length > best.length) {
            best.entry = entry;
            best.length = length;
            best.form = form;
        }
    }
    return best;
}

static bool
s_is (const cb_coach_t *self, s_list_id_t list, const s_text_t *text, size_t index)
{
    return s_match (self, list, text, index, false).entry != NULL;
}

//  True if word is one of words (NULL-terminated): the few grammar words
//  the rules name themselves, not for an organisation to change.
static bool
s_one_of (const char *word, const char *const *words)
{
    for (; *words; words++)
        if (streq (word, *words))
            return true;
    return false;
}

//  --------------------------------------------------------------------------
//  What a text says

//  Skips what comes before the verb: bullets, "KR1:", "We will", "To".
static void
s_find_lead (const cb_coach_t *self, s_text_t *text)
{
    size_t i = 0;
    while (i < text->size) {
        const s_token_t *token = &text->tokens [i];
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
        s_match_t filler = s_match (self, L_FILLERS, text, i, false);
        //  Never the whole text: "Faster" alone is its own lead.
        if (!filler.entry || i + filler.length >= text->size)
            break;
        i += filler.length;
    }
    text->lead = i < text->size ? i : 0;
}

//  True if index is a number, in digits or in words.
static bool
s_is_number (const cb_coach_t *self, const s_text_t *text, size_t index)
{
    return text->tokens [index].kind == T_NUMBER || s_is (self, L_NUMBER_WORDS, text, index);
}

//  A measure: a number that is not a year, "%", a word that is one
//  ("zero", "halve"), or a change "from weekly to daily".
static bool
s_has_measure (const cb_coach_t *self, const s_text_t *text, size_t from)
{
    for (size_t i = from; i < text->size; i++) {
        const s_token_t *token = &text->tokens [i];
        if (token->kind == T_NUMBER || streq (token->text, "%")
        ||  s_match (self, L_MEASURE_WORDS, text, i, true).entry
        ||  s_is (self, L_NUMBER_WORDS, text, i))
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
s_has_date (const cb_coach_t *self, const s_text_t *text)
{
    for (size_t i = 0; i + 1 < text->size; i++) {
        const char *word = text->tokens [i].text;
        bool in = streq (word, "in");
        if (!in && !streq (word, "by") && !streq (word, "before") && !streq (word, "until"))
            continue;
        for (size_t j = i + 1; j < text->size && j <= i + (in ? 1 : 3); j++)
            if (text->tokens [j].kind == T_YEAR || s_is (self, L_MONTHS, text, j)
            ||  (!in && s_is (self, L_DATE_WORDS, text, j)))
                return true;
    }
    return false;
}

//  A count of one's own activity: a number, then within three words an
//  activity ("12 customer interviews", "three conferences").
static bool
s_has_output_count (const cb_coach_t *self, const s_text_t *text, size_t from)
{
    //  After a preposition a number is a condition, not a count: "finish
    //  signup in one session", "resolved within 2 calls".
    static const char *const conditions [] = { "in", "within", "per", "after", "under",
        "over", "than", "at", "of", "by", "on", "from", "to", NULL };
    for (size_t i = from; i < text->size; i++) {
        if (!s_is_number (self, text, i)
        ||  (i > 0 && s_one_of (text->tokens [i - 1].text, conditions)))
            continue;
        for (size_t j = i + 1; j < text->size && j <= i + 3; j++) {
            s_match_t activity = s_match (self, L_ACTIVITY_NOUNS, text, j, true);
            if (activity.entry && (activity.form == 'b' || activity.form == 's'))
                return true;
        }
    }
    return false;
}

//  A verb of change after the lead, said of a subject: "Share of orders
//  ... reaches 60 %", "readmissions fall to 12 %" (not "to increase").
static bool
s_has_later_result_verb (const cb_coach_t *self, const s_text_t *text, size_t from)
{
    for (size_t i = from; i < text->size; i++) {
        s_match_t verb = s_match (self, L_RESULT_VERBS, text, i, true);
        if (!verb.entry)
            verb = s_match (self, L_GUARDRAIL_VERBS, text, i, true);
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
s_has_result_state (const cb_coach_t *self, const s_text_t *text, size_t from)
{
    for (size_t i = from; i < text->size; i++) {
        s_match_t state = s_match (self, L_RESULT_STATES, text, i, true);
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
s_find_participle (const cb_coach_t *self, const s_text_t *text)
{
    static const char *const before [] = { "is", "are", "was", "were", "be", "been",
        "being", "has", "have", "had", NULL };
    static const char *const after [] = { "by", "before", "until", "in", "on", "to", "for",
        "at", "across", "within", "and", "with", "as", NULL };
    for (size_t i = text->lead + 1; i < text->size; i++) {
        s_match_t verb = s_match (self, L_TASK_VERBS, text, i, true);
        s_match_t irregular = s_match (self, L_PARTICIPLES, text, i, false);
        size_t length = verb.entry && verb.form == 'd' ? verb.length : irregular.length;
        if (!length)
            continue;
        if (i + length >= text->size || text->tokens [i + length].kind == T_SYMBOL
        ||  s_one_of (text->tokens [i - 1].text, before)
        ||  s_one_of (text->tokens [i + length].text, after))
            return i;
    }
    return 0;
}

static bool
s_has_any (const cb_coach_t *self, s_list_id_t list, const s_text_t *text, size_t from)
{
    for (size_t i = from; i < text->size; i++)
        if (s_match (self, list, text, i, true).entry)
            return true;
    return false;
}

//  --------------------------------------------------------------------------
//  Suggestions

//  The source from byte start to the end, trimmed, without a final '.'.
static char *
s_rest (const s_text_t *text, size_t start)
{
    const char *from = text->source + start;
    while (isspace ((unsigned char) *from))
        from++;
    size_t length = strlen (from);
    while (length && (isspace ((unsigned char) from [length - 1]) || from [length - 1] == '.'))
        length--;
    return s_strdup (from, length);
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
s_noun_first (const s_text_t *text, size_t after, const char *verb, const cb_coach_kr_t *kr)
{
    static const char *const splits [] = { "from", "to", "by", "below", "above", "under",
        "over", "at", "within", NULL };
    for (size_t i = after + 1; i < text->size; i++) {
        if (!s_one_of (text->tokens [i].text, splits))
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
s_lead_words (const s_text_t *text, size_t length)
{
    size_t start = text->tokens [text->lead].start;
    size_t end = text->tokens [text->lead + length - 1].end;
    return s_strdup (text->source + start, end - start);
}

//  An activity verb at the lead: a task, said three ways.
static s_reading_t
s_read_task (const cb_coach_t *self, const s_text_t *text, s_match_t verb)
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
    const s_text_t *text;       //  The key result's tokens
    const cb_coach_kr_t *kr;    //  Its fields
    bool measure;               //  A measure in the text
    bool measured;              //  A measure in the text, or a target
} s_ctx_t;

//  The text from token index on ("" past the end), the caller's.
static char *
s_rest_at (const s_text_t *text, size_t index)
{
    return s_rest (text, index < text->size ? text->tokens [index].start : strlen (text->source));
}

//  "Continue doing X"; "Maintain X" without a level to hold. A level held
//  ("Keep uptime at 99.95 %") is an outcome.
static bool
s_read_as_usual (const s_ctx_t *c, s_reading_t *out)
{
    size_t lead = c->text->lead;
    s_match_t verb = s_match (c->self, L_CONTINUE, c->text, lead, true);
    s_match_t guard = s_match (c->self, L_GUARDRAIL_VERBS, c->text, lead, true);
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
    s_match_t verb = s_match (c->self, L_RESULT_VERBS, c->text, lead, true);
    s_match_t task = s_match (c->self, L_TASK_VERBS, c->text, lead, true);
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
    const s_text_t *text = c->text;
    size_t lead = text->lead;
    s_match_t verb = s_match (c->self, L_TASK_VERBS, text, lead, true);
    if (!verb.entry || (verb.form != 'b' && verb.form != 'g'))
        return false;
    size_t after = lead + verb.length;
    bool object = after < text->size
        && (s_is (c->self, L_DETERMINERS, text, after) || s_is_number (c->self, text, after)
            || text->tokens [after].kind == T_SYMBOL);
    bool of = after < text->size && streq (text->tokens [after].text, "of");
    bool metric = after < text->size && c->measured
        && (s_match (c->self, L_METRIC_NOUNS, text, after, true).entry
            || s_has_later_result_verb (c->self, text, after));
    if (s_is (c->self, L_LIGHT_VERBS, text, lead) && !c->measure
    &&  s_has_any (c->self, L_VAGUE, text, after)) {
        *out = s_reading (R_VAGUE, s_format ("a direction with no number"),
                          s_dup ("<the metric that shows it> goes from <A> to <B>"));
        return true;
    }
    //  A light verb says nothing of an activity: with a measure, what it
    //  measures decides ("Get 100 new paying customers").
    if (of || metric || (verb.form == 'g' && !object && verb.length == 1)
    ||  (s_is (c->self, L_LIGHT_VERBS, text, lead) && c->measure))
        return false;
    *out = s_read_task (c->self, text, verb);
    return true;
}

//  An activity turned into a noun: "Implementation of the new ERP".
static bool
s_read_task_noun (const s_ctx_t *c, s_reading_t *out)
{
    const s_text_t *text = c->text;
    size_t lead = text->lead;
    if (lead + 1 >= text->size || !s_is (c->self, L_TASK_NOUNS, text, lead)
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
    const s_text_t *text = c->text;
    size_t lead = text->lead;
    size_t participle = s_find_participle (c->self, text);
    if (participle && !c->measure) {
        char *subject = s_strdup (text->source + text->tokens [lead].start,
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
                          s_dup ("<what the activity should change> goes from <A> to <B>"));
    //  A subject taken whole is a measure: "All employees complete...",
    //  "Every new hire has..." (100 % of them).
    if (c->measured || s_has_result_state (c->self, text, lead)
    ||  s_is (c->self, L_QUANTIFIERS, text, lead))
        return s_reading (S_NONE, NULL, NULL);
    char *rest = s_rest_at (text, lead);
    s_reading_t reading;
    if (s_has_any (c->self, L_VAGUE, text, lead))
        reading = s_reading (R_VAGUE, s_format ("a direction with no number"),
            s_fill ("<the metric that shows '{rest}'> goes from <A> to <B>", rest));
    else
    if (lead + 1 < text->size && text->tokens [lead].kind == T_WORD
    &&  !s_is (c->self, L_DETERMINERS, text, lead)
    &&  !s_match (c->self, L_METRIC_NOUNS, text, lead, true).entry
    &&  (s_is (c->self, L_DETERMINERS, text, lead + 1) || s_is_number (c->self, text, lead + 1))) {
        s_entry_t generic = { { NULL }, 1, NULL };
        s_match_t unknown = { &generic, 1, 'b' };
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
s_read (const cb_coach_t *self, const s_text_t *text, const cb_coach_kr_t *kr)
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
    s_text_t text;
    s_tokenize (&text, kr->text ? kr->text : "");
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
    item->about = s_dup (about);
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
                       s_dup ("add a baseline: where it stands today"));
            if (!kr->unit || !*kr->unit)
                s_add (findings, R_NO_UNIT, (int) k, about,
                       s_format ("a target of %g and no unit", kr->target), NULL);
        }
        if (kr->leads == 0)
            s_add (findings, R_NO_LEAD, (int) k, about, s_format ("no leads"),
                   s_dup ("add leads: a pair, one of them the owner"));
    }
    if (okr->objective) {
        s_text_t text;
        s_tokenize (&text, okr->objective);
        s_find_lead (self, &text);
        s_match_t verb = s_match (self, L_CONTINUE, &text, text.lead, true);
        if (verb.entry) {
            char *words = s_lead_words (&text, verb.length);
            s_add (findings, R_CONTINUE_DOING, -1, "objective",
                   s_format ("starts with '%s'", words),
                   s_dup ("<what will be different at the end of the cycle>"));
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
