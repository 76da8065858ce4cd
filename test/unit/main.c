/*-------------------------------------------------------------------------
 *
 * main.c
 *	  Runs every unit-test suite linked in and prints "N passed, M failed".
 *
 * test/unit/main.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <string.h>

#include "unit.h"

int			unit_passed = 0;
int			unit_failed = 0;
const char *unit_suite = "";

#define SUITES(X) \
	X(rng) X(blas) X(lstm) X(net) X(loss) X(optim) X(prep) X(metrics) \
	X(blob) X(train) X(warm) X(threads) X(par) X(pool) X(invert) X(score) X(smooth) X(threshold) X(mad) X(attr) X(e2e) \
	X(svg)

#define DECLARE(name) extern void suite_##name(void) __attribute__((weak));
SUITES(DECLARE)

int
main(int argc, char **argv)
{
	int			ran = 0;

#define RUN(name) \
	if (suite_##name && (argc < 2 || strcmp(argv[1], #name) == 0)) \
	{ \
		int p0 = unit_passed, f0 = unit_failed; \
		unit_suite = #name; \
		suite_##name(); \
		ran++; \
		printf("suite %-8s %d passed, %d failed\n", #name, \
			   unit_passed - p0, unit_failed - f0); \
		fflush(stdout); \
	}
	SUITES(RUN)

	if (ran == 0)
		unit_failed++;
	printf("%d passed, %d failed\n", unit_passed, unit_failed);
	return unit_failed == 0 ? 0 : 1;
}
