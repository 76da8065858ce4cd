# mimgan: MIM-GAN anomaly detection for multivariate time series in PostgreSQL
#
#   make && make install     build and install (PGXS; pg_config on PATH)
#   make demo                install what is missing, then a throwaway demo
#   make test                every test suite (unit, valgrind, regress, pgTAP, TAP)
#   make unit                numerical-core unit tests only (no server)

EXTENSION = mimgan
EXTVERSION = 0.2.0

MODULE_big = mimgan
CORE_SRCS = $(sort $(wildcard src/core/*.c))
PG_SRCS = $(sort $(wildcard src/pg/*.c))
OBJS = $(CORE_SRCS:.c=.o) $(PG_SRCS:.c=.o)

# Released install scripts are frozen (sql/mimgan--0.1.0.sql).  The changes
# of the release in progress are parts sql/$(EXTVERSION)/NN_*.sql: the
# upgrade script is those parts, the new install script is the previous
# release's followed by the same parts (test/t/007_upgrade.pl compares them).
PREVVERSION = 0.1.0
UPGRADE_PARTS = $(sort $(wildcard sql/$(EXTVERSION)/*.sql))
DATA_built = sql/mimgan--$(EXTVERSION).sql sql/mimgan--$(PREVVERSION)--$(EXTVERSION).sql
DATA = sql/mimgan--$(PREVVERSION).sql
PGFILEDESC = "mimgan - MIM-GAN anomaly detection for time series"

REGRESS = $(basename $(notdir $(wildcard sql/[0-9]*_*.sql)))
REGRESS_OPTS = --inputdir=. --load-extension=mimgan

PG_CPPFLAGS = -Iinclude
PG_CFLAGS = -std=gnu99 -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -fno-math-errno
# OpenBLAS is dlopen()ed at first use (src/core/blasload.c), not linked
SHLIB_LINK = -ldl -lpthread -lm

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# every object depends on the shared headers (struct layouts)
$(OBJS): $(wildcard include/*.h) $(wildcard src/core/*.h)

# The numerical core does not rely on wrapping signed overflow, and
# PostgreSQL's -fwrapv keeps gcc from vectorising its loops (the core built
# with the server's flags ran 15-25 % slower; make bench-speed).
$(CORE_SRCS:.c=.o): CFLAGS += -fno-wrapv $(CORE_VECT)

# -O2's "very cheap" vectoriser cost model leaves every loop whose trip
# count is not a known multiple of the vector width scalar (the LSTM cell
# update over H = 100 columns, say); the dynamic model vectorises them with
# an epilogue.  Same arithmetic, same results (bench_core sqlmatch prints
# identical figures), scoring 6-14 % faster (doc/benchmarks.md).
# (gcc only: each compiler is asked whether it takes the flag.)
vect_flag = $(shell $(1) -fvect-cost-model=dynamic -Werror -E -x c /dev/null >/dev/null 2>&1 && echo -fvect-cost-model=dynamic)
CORE_VECT := $(call vect_flag,$(CC))

sql/mimgan--$(PREVVERSION)--$(EXTVERSION).sql: $(UPGRADE_PARTS)
	cat $^ > $@
sql/mimgan--$(EXTVERSION).sql: sql/mimgan--$(PREVVERSION).sql $(UPGRADE_PARTS)
	cat $^ > $@

# ---------------------------------------------------------------------------
# numerical-core unit tests (no server)
# ---------------------------------------------------------------------------
UNIT_CC ?= gcc
UNIT_VECT := $(call vect_flag,$(UNIT_CC))
UNIT_CFLAGS = -std=gnu99 -O2 -g -Wall -Wextra -Wno-unused-parameter -Werror \
	-fno-math-errno $(UNIT_VECT) -Iinclude
UNIT_SRCS = $(sort $(wildcard test/unit/*.c))
UNIT_BIN = test/unit/run_unit

$(UNIT_BIN): $(CORE_SRCS) $(UNIT_SRCS) $(wildcard include/*.h) $(wildcard src/core/*.h) test/unit/unit.h
	$(UNIT_CC) $(UNIT_CFLAGS) -o $@ $(CORE_SRCS) $(UNIT_SRCS) -ldl -lpthread -lm

.PHONY: unit unit-valgrind test fuzz soak demo bench-core bench-accuracy bench-speed bench-scaleout
unit: $(UNIT_BIN)
	./$(UNIT_BIN)

unit-valgrind: $(UNIT_BIN)
	MIMGAN_UNIT_QUICK=1 OPENBLAS_NUM_THREADS=1 valgrind --error-exitcode=3 --leak-check=full \
		--errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
		./$(UNIT_BIN)

test:
	bash test/run_all.sh

# concurrent load: the TAP suite with the 8-client soak (test/t/006_soak.pl)
# run for SOAK_SECONDS instead of make test's 20
SOAK_SECONDS ?= 300
soak:
	MIMGAN_SUITES=tap MIMGAN_SOAK_SECONDS=$(SOAK_SECONDS) bash test/run_all.sh

# libFuzzer on the model blob loader (clang-14 + libclang-rt-14-dev), bounded
# in time; the seed corpus is generated (blobs of tiny trained models)
FUZZ_CC ?= clang-14
FUZZ_SECONDS ?= 60
test/fuzz/fuzz_blob: $(CORE_SRCS) test/fuzz/fuzz_blob.c $(wildcard include/*.h) $(wildcard src/core/*.h)
	$(FUZZ_CC) -std=gnu99 -g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined -Iinclude \
		-o $@ $(CORE_SRCS) test/fuzz/fuzz_blob.c -ldl -lpthread -lm
test/fuzz/make_seeds: $(CORE_SRCS) test/fuzz/fuzz_blob.c $(wildcard include/*.h) $(wildcard src/core/*.h)
	$(UNIT_CC) $(UNIT_CFLAGS) -DMG_FUZZ_SEEDS -o $@ $(CORE_SRCS) test/fuzz/fuzz_blob.c -ldl -lpthread -lm

fuzz: test/fuzz/fuzz_blob test/fuzz/make_seeds
	rm -rf test/fuzz/corpus && mkdir -p test/fuzz/corpus
	./test/fuzz/make_seeds test/fuzz/corpus
	./test/fuzz/fuzz_blob -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 \
		-max_len=65536 -print_final_stats=1 test/fuzz/corpus

demo:
	bash test/demo.sh

EXTRA_CLEAN = $(UNIT_BIN) test/fuzz/fuzz_blob test/fuzz/make_seeds test/fuzz/corpus crash-* leak-* timeout-* test/bench/bench_core results regression.diffs regression.out tmp_check .demo .demo-out .bench .bench-speed

# ---------------------------------------------------------------------------
# benchmarks (never part of make test)
# ---------------------------------------------------------------------------
BENCH_ARGS ?=
test/bench/bench_core: $(CORE_SRCS) test/bench/bench_core.c $(wildcard include/*.h) $(wildcard src/core/*.h)
	$(UNIT_CC) -std=gnu99 -O2 -Wall -fno-math-errno $(UNIT_VECT) -Iinclude \
		-o $@ $(CORE_SRCS) test/bench/bench_core.c -ldl -lpthread -lm

bench-core: test/bench/bench_core
	OPENBLAS_NUM_THREADS=1 ./test/bench/bench_core $(BENCH_ARGS)

# accuracy vs the classic detectors on ../shared/datasets, through SQL (private
# cluster in .bench/, port 54340; budget 45 min on 2 cores)
bench-accuracy:
	bash test/bench/accuracy.sh

# speed vs torch_reference.py, the GEMM bound, SQL vs core (test/bench/speed.sh,
# private cluster in .bench-speed/, port 54341), then speed and best F1 of the
# scoring modes on SMD (test/bench/scoring_modes.sh, .bench/, port 54342)
bench-speed: test/bench/bench_core
	bash test/bench/speed.sh
	bash test/bench/scoring_modes.sh

# one node vs two PL/Proxy shards on the same data: rows/s and bytes that
# reach the coordinator (test/bench/scaleout.sh; needs postgresql-15-plproxy)
bench-scaleout:
	bash test/bench/scaleout.sh
