/*  =========================================================================
    cb_coach - the coach: findings on an OKR's wording, outcome not task

    Seed 000 describes organisations stuck at stage 2, where key results
    are written as tasks ("Meet with Vendor-A...", "Prepare a marketing
    program..."); seed 002 wants measurable outcomes and objectives that
    never read "continue doing X"; seed 003 keeps 3 to 5 key results, each
    with a pair of leads. The coach reads an objective and its key results
    and says, for each thing it notices, a stable code, a level, the key
    result it is about, why it matters (pointing at the seed) and, where it
    can, an outcome phrasing to start from.

    The rules are one table in cb_coach.c; the words they look for are a
    plain text file (coach/coach.words) read at run time, so that an
    organisation extends them for its own language without rebuilding.
    Deterministic: the same words and the same OKR give the same findings.
    No network, no model, no msgpack, no LMDB: the broker and the command
    line both link it.
    =========================================================================
*/
#ifndef CB_COACH_H_INCLUDED
#define CB_COACH_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

typedef struct _cb_coach_t cb_coach_t;
typedef struct _cb_coach_findings_t cb_coach_findings_t;

//  How much a finding matters. Ordered: a level is "at or above" another.
typedef enum {
    CB_COACH_INFO,              //  Worth knowing; nothing wrong
    CB_COACH_WARNING,           //  Weakens the OKR
    CB_COACH_ERROR              //  Not a key result as the seeds mean one
} cb_coach_level_t;

//  What the coach makes of a key result's wording.
typedef enum {
    CB_COACH_OUTCOME,           //  A measurable result, or a result state
    CB_COACH_TASK,              //  An activity, an output count, a milestone
    CB_COACH_UNMEASURABLE       //  A direction with no measure
} cb_coach_class_t;

//  A key result as the coach reads it: its text and structured fields.
typedef struct {
    const char *id;             //  "kr1", or NULL (then "kr" and its position)
    const char *text;           //  Its wording, UTF-8
    bool has_baseline;          //  baseline given
    double baseline;            //  Where it starts
    bool has_target;            //  target given
    double target;              //  Where it should get to
    const char *unit;           //  "%", "days", or NULL
    size_t leads;               //  How many leads it names
} cb_coach_kr_t;

//  An objective and its key results.
typedef struct {
    const char *objective;      //  NULL if absent
    const cb_coach_kr_t *krs;   //  The key results, in order
    size_t kr_count;            //  How many
} cb_coach_okr_t;

//  One finding. Every string is lent by the findings it came from and
//  lives until they are destroyed.
typedef struct {
    const char *code;           //  Stable: "TASK_VERB", "VAGUE"...
    cb_coach_level_t level;     //  Its level
    const char *about;          //  "kr2", "objective" or "draft"
    int kr;                     //  The key result's index, -1 if none
    const char *evidence;       //  What the coach saw: "starts with 'meet'"
    const char *why;            //  Why it matters, one sentence naming the seed
    const char *suggestion;     //  An outcome phrasing to start from, or NULL
} cb_coach_finding_t;

//  Loads the word lists. path: a file, or several separated by ':', each
//  adding to the lists; NULL looks them up (cb_coach_words_path). Returns
//  NULL, with the reason in error (size bytes), if none reads or a line is
//  malformed.
cb_coach_t *cb_coach_new (const char *path, char *error, size_t size);

//  Destroys the coach; safe twice, nulls the caller's pointer.
void cb_coach_destroy (cb_coach_t **self_p);

//  Where the word lists are: $CATCHBALL_COACH_WORDS if set; else
//  coach.words in the running program's directory (the build tree); else
//  CB_COACH_DATADIR/coach.words (the install prefix). The first that
//  exists, as a string the caller frees; NULL if none does.
char *cb_coach_words_path (void);

//  The findings on okr, the caller's (cb_coach_findings_destroy). Key
//  results first (in order), then the objective and the draft as a whole.
cb_coach_findings_t *cb_coach_check (cb_coach_t *self, const cb_coach_okr_t *okr);

//  What the coach makes of one key result's wording (and target).
cb_coach_class_t cb_coach_classify (cb_coach_t *self, const cb_coach_kr_t *kr);

size_t cb_coach_findings_size (const cb_coach_findings_t *self);
//  The index'th finding, lent; NULL past the end.
const cb_coach_finding_t *cb_coach_findings_get (const cb_coach_findings_t *self, size_t index);
//  The highest level found, or -1 if there is no finding.
int cb_coach_findings_max_level (const cb_coach_findings_t *self);
void cb_coach_findings_destroy (cb_coach_findings_t **self_p);

//  "info", "warning", "error"; and back (-1 if not a level).
const char *cb_coach_level_name (cb_coach_level_t level);
int cb_coach_level_parse (const char *name);
//  "outcome", "task", "unmeasurable".
const char *cb_coach_class_name (cb_coach_class_t klass);

//  The rules' table, for documentation and tests: the index'th rule's
//  code, level, the class it gives a key result (-1 for a rule on the
//  structure) and why it matters. Returns false past the end.
bool cb_coach_rule (size_t index, const char **code, cb_coach_level_t *level, int *klass,
                    const char **why);

#endif
