/*-------------------------------------------------------------------------
 *
 * unit.h
 *	  Minimal unit-test harness for the numerical core (no server needed).
 *
 * Each test file defines one or more suites "void suite_NAME(void)" which
 * main.c declares weak and runs when linked.  CHECK counts one assertion;
 * the run ends with the line "N passed, M failed".
 *
 * test/unit/unit.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIMGAN_UNIT_H
#define MIMGAN_UNIT_H

#include <math.h>
#include <stdio.h>

extern int	unit_passed;
extern int	unit_failed;
extern const char *unit_suite;

#define CHECK(cond, ...) \
	do { \
		if (cond) \
			unit_passed++; \
		else \
		{ \
			unit_failed++; \
			fprintf(stderr, "FAIL [%s] %s:%d: %s: ", unit_suite, __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__); \
			fputc('\n', stderr); \
		} \
	} while (0)

/* |a - b| <= atol + rtol * |b| */
#define CHECK_CLOSE(a, b, atol, rtol, what) \
	do { \
		double _a = (double) (a), _b = (double) (b); \
		CHECK(fabs(_a - _b) <= (atol) + (rtol) * fabs(_b), "%s: got %.9g expected %.9g", (what), _a, _b); \
	} while (0)

#endif
