/*
 * care_codes — the national code lists the discharge workflow speaks, as the project's
 * own copy (NHS Data Dictionary criteria to reside, the retired delayed-transfer-of-care
 * reason categories used as default delay reasons, the discharge-to-assess pathways),
 * with their labels for people.
 *
 * Pure lookups over constant tables: no allocation, no state. Which delay reasons a
 * broker accepts is its configuration (config.h delay_reasons); this module only
 * knows the national defaults' labels.
 */
#ifndef HUDDLE_CARE_CODES_H
#define HUDDLE_CARE_CODES_H

#include <stdbool.h>

#include "event.pb-c.h"

/* Whether code is a criterion to reside, "01" to "12". */
bool care_is_criterion(const char *code);

/* The criterion's description ("Requiring intravenous fluids"), or NULL. */
const char *care_criterion_label(const char *code);

/* The delayed-transfer-of-care category's description ("Awaiting nursing home
 * placement or availability" for D2), or NULL for a code outside that list (a site's
 * own code). */
const char *care_delay_label(const char *code);

/* The pathway as people write it: "0".."3", or "-" when not decided. */
const char *care_pathway_short(Huddle__Pathway p);

/* The pathway's description, or "not decided". */
const char *care_pathway_label(Huddle__Pathway p);

/* The episode status in a few words ("awaiting placement"), or "?". */
const char *care_status_label(Huddle__EpisodeStatus s);

/* The service type in a word or two ("nursing home"), or "?". */
const char *care_service_label(Huddle__ServiceType t);

#endif
