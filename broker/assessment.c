/*
 * assessment — see assessment.h.
 */
#include "assessment.h"

/* No assessment is kept yet, so a discharge has none to close. */
int assessment_episode_discharged(wf_ctx_t *ctx, Huddle__EpisodeRecord *ep)
{
    (void)ctx;
    (void)ep;
    return 0;
}
