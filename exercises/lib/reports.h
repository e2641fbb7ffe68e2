/* What a guest reported through PORT_REPORT, read back from its console output. */
#ifndef EXERCISE_REPORTS_H
#define EXERCISE_REPORTS_H

#include <check.h>
#include <stdlib.h>
#include <string.h>

#define REPORTS_MAX 16

/*
 * Fills values with the numbers of the "guest reported N (0x...)" lines the VMM
 * printed for PORT_REPORT, in order; returns how many there were.
 */
static inline unsigned reports_in(const char *output, unsigned long long values[REPORTS_MAX])
{
	static const char prefix[] = "guest reported ";
	unsigned n = 0;

	for (const char *at = strstr(output, prefix); at && n < REPORTS_MAX;
	     at = strstr(at + 1, prefix))
		values[n++] = strtoull(at + strlen(prefix), NULL, 10);
	return n;
}

#endif
