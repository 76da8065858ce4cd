/*-------------------------------------------------------------------------
 *
 * fuzz_blob.c
 *	  libFuzzer target for the model blob loader (mg_model_deserialize),
 *	  and, built with -DMG_FUZZ_SEEDS, the program that writes its seed
 *	  corpus (blobs of small trained models).
 *
 * Every input is tried twice:
 *	  as it is        the checksum and length checks must refuse almost all
 *	                  mutations, and nothing may crash;
 *	  fixed up        the header's total length set to the input's length
 *	                  and the CRC-32C trailer recomputed, so that mutations
 *	                  reach the field-by-field validation behind the
 *	                  checksum.
 * When a blob loads, it must serialise again and the result must load
 * (the loader and the writer agree on what is valid).  AddressSanitizer
 * and UBSan (the build flags in the Makefile) turn any out-of-bounds read,
 * leak or undefined behaviour into a failure.
 *
 *   make fuzz [FUZZ_SECONDS=60]
 *
 * test/fuzz/fuzz_blob.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mimgan_core.h"

#define HDR_LEN_OFFSET 16		/* u64 total length in the header */
#define MIN_FIXUP 28			/* header (24) + trailer (4) */

/* Load buf; if it loads, it must serialise and load again. */
static void
try_load(const uint8_t *buf, size_t n)
{
	mg_model   *m = NULL;
	mg_model   *m2 = NULL;
	uint8_t    *out = NULL;
	size_t		len = 0;

	if (mg_model_deserialize(buf, n, &mg_alloc_std, &m) != MG_OK)
		return;
	if (mg_model_serialize(m, &mg_alloc_std, &out, &len) != MG_OK ||
		mg_model_deserialize(out, len, &mg_alloc_std, &m2) != MG_OK)
	{
		fprintf(stderr, "fuzz_blob: a loaded blob did not round-trip\n");
		abort();
	}
	mg_model_free(&mg_alloc_std, m2);
	mg_free(&mg_alloc_std, out);
	mg_model_free(&mg_alloc_std, m);
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	uint8_t    *fix;
	uint64_t	total = n;
	uint32_t	crc;
	int			i;

	try_load(data, n);
	if (n < MIN_FIXUP)
		return 0;
	fix = malloc(n);
	if (fix == NULL)
		return 0;
	memcpy(fix, data, n);
	for (i = 0; i < 8; i++)
		fix[HDR_LEN_OFFSET + i] = (uint8_t) (total >> (8 * i));
	crc = mg_crc32c(0, fix, n - 4);
	for (i = 0; i < 4; i++)
		fix[n - 4 + i] = (uint8_t) (crc >> (8 * i));
	try_load(fix, n);
	free(fix);
	return 0;
}

#ifdef MG_FUZZ_SEEDS
/* ---------------------------------------------------------------------
 * Seed corpus: blobs of tiny models covering the optional sections
 * (encoder, residual scales, PCA, two layers, BCE, paper settings).
 * --------------------------------------------------------------------- */
static int
write_seed(const char *dir, const char *name, const mg_config *c,
		   const mg_data *d)
{
	mg_model   *m = NULL;
	uint8_t    *buf = NULL;
	size_t		len = 0;
	char		path[1024];
	FILE	   *f;

	if (mg_fit(&mg_alloc_std, c, d, NULL, &m) != MG_OK ||
		mg_model_serialize(m, &mg_alloc_std, &buf, &len) != MG_OK)
	{
		fprintf(stderr, "make_seeds: %s: training failed\n", name);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/%s.blob", dir, name);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(buf, 1, len, f) != len || fclose(f) != 0)
	{
		fprintf(stderr, "make_seeds: cannot write %s\n", path);
		return 1;
	}
	printf("  %s: %zu bytes\n", path, len);
	mg_free(&mg_alloc_std, buf);
	mg_model_free(&mg_alloc_std, m);
	return 0;
}

int
main(int argc, char **argv)
{
	enum
	{
		N = 160, M = 4
	};
	static double X[N * M];
	int64_t		ss[2] = {0, N};
	mg_data		d = {X, N, M, ss, 1};
	mg_config	c;
	int			i,
				bad = 0;

	if (argc != 2)
	{
		fprintf(stderr, "usage: make_seeds DIR\n");
		return 2;
	}
	for (i = 0; i < N * M; i++)
		X[i] = (i % M) + 0.5 * ((i * 7919) % 101) / 101.0;

	mg_config_default(&c);
	c.seq_len = 8;
	c.step = 4;
	c.epochs = 1;
	c.batch_size = 8;
	c.hidden_g = 3;
	c.hidden_d = 3;
	c.latent_dim = 2;
	c.d_rounds = 1;
	c.g_rounds = 1;
	c.threshold_windows = 8;
	c.seed = 1;
	bad |= write_seed(argv[1], "default", &c, &d);

	c.encoder = 0;
	c.resid_norm = MG_RESID_NONE;
	c.invert_iters = 2;
	bad |= write_seed(argv[1], "no_encoder", &c, &d);

	c.pca_components = 2;
	c.layers_g = 2;
	c.layers_d = 2;
	c.loss = MG_LOSS_BCE;
	bad |= write_seed(argv[1], "pca_layers_bce", &c, &d);
	return bad;
}
#endif
