/*
 * cmd_access — `huddle access`: prints the access matrix (broker/access.c) as Markdown,
 * the same tables the README shows, so that what the broker enforces and what the
 * documentation says come from one place. Reads no store and needs no broker.
 */
#include <stdio.h>
#include <string.h>

#include "access.h"

/* Called from the command table in huddle.c. */
struct opts;
int cmd_access(const struct opts *o, char **argv);

static void access_usage(FILE *out)
{
    fprintf(out, "usage: huddle access [--help]\n\n"
                 "Prints, as Markdown, which roles may publish and receive each event kind (and with which\n"
                 "relationship to the event's practice, neighbourhood, hospital, provider or area), and which\n"
                 "roles may ask each kind of query.\n");
}

int cmd_access(const struct opts *o, char **argv)
{
    (void)o;
    if (argv[0] && (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h")) && !argv[1]) {
        access_usage(stdout);
        return 0;
    }
    if (argv[0]) {
        fprintf(stderr, "huddle access: unexpected argument '%s'\n\n", argv[0]);
        access_usage(stderr);
        return 2;
    }
    access_print_matrix(stdout);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        perror("huddle access: stdout");
        return 1;
    }
    return 0;
}
