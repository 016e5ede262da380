/*
 * board — the discharge board (DESIGN §5.4): for a hospital or a neighbourhood, every
 * open episode, longest delayed first, with totals by status, pathway and delay
 * reason, delayed bed days, pathway 2 placements past six weeks and the share of
 * pathway 1 patients still at home at 91 days. Read from the episode indexes
 * (episode.h), never the log; days delayed are computed to now.
 */
#ifndef HUDDLE_BOARD_H
#define HUDDLE_BOARD_H

#include "workflow.h"

/* Query BOARD (workflow.h wf_query_t): a hub its own hospital; a coordinator, MDT
 * member or social care a neighbourhood they serve. */
int board_query(wf_query_t *q, reject_t *r);

#endif
