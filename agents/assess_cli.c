/*
 * assess_cli — see assess_cli.h.
 */
#include "assess_cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_cli.h"
#include "assess_fmt.h"
#include "event_fmt.h"

int assess_cli_publish(hd_client_t *c, const char *program, const Huddle__Event *ev, hd_publish_result_t *res)
{
    int rc = hd_client_publish(c, ev, res);
    if (rc == HD_CLIENT_OK)
        return 0;
    if (rc == HD_CLIENT_EREJECTED) {
        char why[512];
        agent_cli_refusal(&res->rejection, why, sizeof why);
        fprintf(stderr, "%s: %s\n", program, why);
        return AGENT_CLI_REFUSED;
    }
    fprintf(stderr, "%s: not confirmed: %s; running the same command again is safe (it is stored once)\n", program,
            hd_client_strerror(rc));
    return AGENT_CLI_USAGE;
}

void assess_cli_list_free(assess_cli_list_t *l)
{
    for (size_t i = 0; i < l->n_pages; i++)
        hd_client_answer_free(&l->pages[i]);
    free(l->pages);
    free(l->list.assessments);
    memset(l, 0, sizeof *l);
}

int assess_cli_read(hd_client_t *c, const char *program, Huddle__Query *q, size_t limit, assess_cli_list_t *out)
{
    memset(out, 0, sizeof *out);
    huddle__assessment_list__init(&out->list);
    uint32_t page = hd_client_welcome(c)->max_query_limit;
    q->kind = HUDDLE__QUERY_KIND__QUERY_KIND_ASSESSMENTS;
    for (;;) {
        size_t want = limit ? limit - out->list.n_assessments : 0;
        q->limit = want && (!page || want < page) ? (uint32_t)want : page;
        Huddle__Answer *ans = NULL;
        int rc = hd_client_query(c, q, &ans);
        if (rc == HD_CLIENT_EREJECTED) {
            char why[512];
            agent_cli_refusal(hd_client_last_rejection(c), why, sizeof why);
            fprintf(stderr, "%s: %s\n", program, why);
            return AGENT_CLI_REFUSED;
        }
        if (rc) {
            fprintf(stderr, "%s: no answer: %s\n", program, hd_client_strerror(rc));
            return AGENT_CLI_USAGE;
        }
        if (ans->result_case != HUDDLE__ANSWER__RESULT_ASSESSMENTS) {
            hd_client_answer_free(&ans);
            fprintf(stderr, "%s: the broker answered with something else than assessments\n", program);
            return AGENT_CLI_USAGE;
        }
        const Huddle__AssessmentList *pg = ans->assessments;
        Huddle__Answer **pages = realloc(out->pages, (out->n_pages + 1) * sizeof *pages);
        if (pages)
            out->pages = pages;
        Huddle__AssessmentRecord **recs =
            pages ? realloc(out->list.assessments, (out->list.n_assessments + pg->n_assessments + 1) * sizeof *recs)
                  : NULL;
        if (!recs) {
            hd_client_answer_free(&ans);
            fprintf(stderr, "%s: out of memory\n", program);
            return AGENT_CLI_USAGE;
        }
        out->list.assessments = recs;
        out->pages[out->n_pages++] = ans;
        for (size_t i = 0; i < pg->n_assessments && (!limit || out->list.n_assessments < limit); i++)
            out->list.assessments[out->list.n_assessments++] = pg->assessments[i];
        if (!ans->truncated || !ans->next_after || (limit && out->list.n_assessments >= limit))
            return 0;
        q->after = ans->next_after;
    }
}

void assess_cli_filter(assess_cli_list_t *l, bool (*keep)(const Huddle__AssessmentRecord *r))
{
    size_t n = 0;
    for (size_t i = 0; i < l->list.n_assessments; i++)
        if (keep(l->list.assessments[i]))
            l->list.assessments[n++] = l->list.assessments[i];
    l->list.n_assessments = n;
}

int assess_cli_listen(hd_client_t *c, const char *program, const char *name, const Huddle__Filter *filter,
                      bool new_only, bool once, bool json, unsigned flags)
{
    hd_subscribed_t sd;
    int rc = hd_client_subscribe(c, name, filter, 0, !new_only, &sd);
    if (rc) {
        char why[512] = "";
        if (rc == HD_CLIENT_EREJECTED)
            agent_cli_refusal(hd_client_last_rejection(c), why, sizeof why);
        fprintf(stderr, "%s: cannot subscribe as %s: %s\n", program, name,
                rc == HD_CLIENT_EREJECTED ? why
                : rc == HD_CLIENT_EINVAL  ? "a name is 1-64 of A-Z a-z 0-9 . _ -"
                                          : hd_client_strerror(rc));
        return rc == HD_CLIENT_EREJECTED ? AGENT_CLI_REFUSED : AGENT_CLI_USAGE;
    }
    fprintf(stderr, "%s: %s subscription %s after seq %" PRIu64 "%s\n", program, sd.created ? "created" : "resumed",
            name, sd.resume_from_seq, once ? "" : "; Ctrl-C stops");
    while (!agent_cli_interrupted()) {
        hd_delivery_t d;
        rc = hd_client_next(c, 1000, &d);
        if (rc == HD_CLIENT_ETIMEOUT && once)
            break;
        if (rc == HD_CLIENT_ETIMEOUT || rc == HD_CLIENT_EINTR)
            continue;
        if (rc) {
            fprintf(stderr, "%s: the subscription stopped: %s\n", program, hd_client_strerror(rc));
            return AGENT_CLI_USAGE;
        }
        if (json) {
            event_fmt_json(stdout, &d.event->base, flags);
            putchar('\n');
        } else {
            assess_fmt_line(stdout, d.event, flags);
        }
        fflush(stdout); /* printed before it is acknowledged */
        hd_client_ack(c, d.subscription, d.seq);
        hd_delivery_release(&d);
    }
    return AGENT_CLI_OK;
}
