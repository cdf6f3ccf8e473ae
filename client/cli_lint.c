/*  =========================================================================
    cli_lint - catchball lint: the coach's findings on a draft

    catchball lint FILE|DRAFT [--rev N] [--fail-on LEVEL]

    FILE is a draft file as `draft new` takes it ("-" for stdin), read
    offline; DRAFT (d1) is a stored revision, read with draft.show through
    libcatchball (the head, or --rev N). The rules are the coach's
    (coach/cb_coach.c), run here, client-side, on the content: one finding
    per line, or one JSON object with --json. The exit status is 4 when a
    finding is at or above --fail-on (default error), so that a script or
    a CI job can stop on it; 0 otherwise; 1, 2 and 3 as for every command.
    =========================================================================
*/
#include <unistd.h>

#include "cli_cmd.h"
#include "cb_coach_value.h"

//  The exit status when a finding is at or above --fail-on.
#define S_FOUND 4

//  A draft id ("d12") that is not also a file's name.
static bool
s_is_draft_id (const char *arg)
{
    if (arg [0] != 'd' || !arg [1] || access (arg, F_OK) == 0)
        return false;
    for (const char *c = arg + 1; *c; c++)
        if (*c < '0' || *c > '9')
            return false;
    return true;
}

//  The findings as one JSON object: {source, rev?, findings: [...]}, the
//  findings in the shape the broker's replies will carry them.
static void
s_print_json (const cb_coach_findings_t *findings, const char *source, int64_t rev)
{
    cb_value_t *out = cb_value_new_map ();
    cb_value_set_str (out, "source", source);
    if (rev >= 0)
        cb_value_set_int (out, "rev", rev);
    cb_value_t *list = cb_coach_findings_value (findings);
    cb_value_set (out, "findings", &list);
    cli_json_print (stdout, out, true);
    cb_value_destroy (&out);
}

//  One line per finding: "kr1: error TASK_VERB: evidence. why Try: ...".
static void
s_print_lines (const cb_coach_findings_t *findings)
{
    size_t count = cb_coach_findings_size (findings);
    if (count == 0)
        printf ("no findings\n");
    for (size_t i = 0; i < count; i++) {
        const cb_coach_finding_t *f = cb_coach_findings_get (findings, i);
        printf ("%s: %s %s: %s. %s", f->about, cb_coach_level_name (f->level), f->code,
                f->evidence, f->why);
        if (f->suggestion)
            printf (" Try: \"%s\"", f->suggestion);
        printf ("\n");
    }
}

//  The content of a stored revision (the caller's), or NULL with *status.
static cb_value_t *
s_fetch (cli_t *cli, const char *draft, const char *rev_text, int *status)
{
    int64_t rev = 0;
    if (rev_text && cli_int_arg (rev_text, &rev)) {
        *status = cli_fail_usage ("--rev takes a number, not '%s'", rev_text);
        return NULL;
    }
    //  lint is local for a file: for a stored draft it settles who we are
    //  here, as cli.c does before any other command that talks to the broker.
    *status = cli_identify (cli);
    if (*status)
        return NULL;
    cb_value_t *body = cli_body ("draft", draft);
    if (rev_text)
        cb_value_set_int (body, "rev", rev);
    cb_value_t *reply = cli_request (cli, "draft.show", &body, status);
    if (!reply)
        return NULL;
    cb_value_t *content = cb_value_dup (cb_value_get (cb_value_get (reply, "revision"),
                                                      "content"));
    cb_value_destroy (&reply);
    return content;
}

int
cli_lint (cli_t *cli, cli_args_t *a)
{
    const char *source = a->argv [0];
    const char *fail_text = a->o [CLI_O_FAIL_ON] ? a->o [CLI_O_FAIL_ON] : "error";
    int fail_on = streq (fail_text, "never") ? CB_COACH_ERROR + 1
                                             : cb_coach_level_parse (fail_text);
    if (fail_on < 0)
        return cli_fail_usage ("--fail-on takes info, warning, error or never, not '%s'",
                               fail_text);
    bool draft = s_is_draft_id (source);
    if (a->o [CLI_O_REV] && !draft)
        return cli_fail_usage ("--rev is for a stored draft (d1), not the file '%s'", source);
    char error [512] = "";
    cb_coach_t *coach = cb_coach_new (NULL, error, sizeof (error));
    if (!coach) {
        fprintf (stderr, "catchball: %s\n", error);
        return 2;
    }
    int status = 0;
    cb_value_t *content = draft ? s_fetch (cli, source, a->o [CLI_O_REV], &status)
                                : cli_json_load (source);
    if (!content) {
        cb_coach_destroy (&coach);
        return status ? status : 2;
    }
    cb_coach_findings_t *findings = cb_coach_check_content (coach, content);
    int64_t rev = -1;
    if (draft && a->o [CLI_O_REV])
        cli_int_arg (a->o [CLI_O_REV], &rev);
    if (cli->json)
        s_print_json (findings, source, rev);
    else
        s_print_lines (findings);
    status = cb_coach_findings_max_level (findings) >= fail_on ? S_FOUND : 0;
    cb_coach_findings_destroy (&findings);
    cb_value_destroy (&content);
    cb_coach_destroy (&coach);
    return status;
}
