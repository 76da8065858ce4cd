/*-------------------------------------------------------------------------
 *
 * test_smooth.c
 *	  Score smoothing (mg_score_opts.smooth): the trailing mean over the
 *	  last k scored rows of a series, checked against a direct computation
 *	  from the unsmoothed scores.
 *
 * test/unit/test_smooth.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mimgan_core.h"
#include "unit.h"

/* Smoothing against its definition; series boundaries; rows without score. */
void
suite_smooth(void)
{
	const mg_alloc *a = &mg_alloc_std;
	int			m = 3,
				k = 5;
	int64_t		n = 300,
				ss[4] = {0, 170, 295, 300},	/* the last series is shorter than L */
				i;
	double	   *X = malloc(sizeof(double) * n * m);
	double	   *s1 = malloc(sizeof(double) * n),
			   *s5 = malloc(sizeof(double) * n),
			   *d1 = malloc(sizeof(double) * n),
			   *d5 = malloc(sizeof(double) * n);
	mg_data		d = {X, n, m, ss, 3};
	mg_config	c;
	mg_model   *mdl = NULL;
	mg_score_opts o;
	mg_rng		r;
	double		worst = 0.0;
	int			nan_ok = 1,
				changed = 0,
				unscored = 0;

	unit_suite = "smooth";
	mg_rng_seed(&r, 3);
	for (i = 0; i < n * m; i++)
		X[i] = sin(0.1 * (double) i) + 0.1 * mg_rng_normal(&r);
	mg_config_default(&c);
	c.seq_len = 8;
	c.epochs = 1;
	c.batch_size = 16;
	c.hidden_g = c.hidden_d = 4;
	c.latent_dim = 2;
	c.threshold_windows = 16;
	c.seed = 9;
	CHECK(mg_fit(a, &c, &d, NULL, &mdl) == MG_OK && mdl, "fit");
	if (mdl == NULL)
		goto done;
	CHECK(mdl->cfg.smooth == 1, "default smooth is 1 (off)");

	mg_score_opts_from_model(mdl, &o);
	o.step = 3;
	CHECK(mg_score_series(mdl, a, &d, &o, NULL, s1, d1, NULL, NULL) == MG_OK, "score, smooth 1");
	o.smooth = k;
	CHECK(mg_score_series(mdl, a, &d, &o, NULL, s5, d5, NULL, NULL) == MG_OK, "score, smooth 5");

	for (int s = 0; s < 3; s++)
	{
		int64_t		q = 0;

		for (i = ss[s]; i < ss[s + 1]; i++)
		{
			double		want = 0.0,
						wd = 0.0;
			int64_t		j,
						got = 0;

			if (isnan(s1[i]))
			{
				nan_ok &= isnan(s5[i]);
				unscored++;
				continue;
			}
			/* the last k scored rows of this series, this one included */
			for (j = i; j >= ss[s] && got < k; j--)
				if (!isnan(s1[j]))
				{
					want += s1[j];
					wd += d1[j];
					got++;
				}
			want /= (double) got;
			wd /= (double) got;
			worst = fmax(worst, fabs(s5[i] - want));
			worst = fmax(worst, fabs(d5[i] - wd));
			changed += (s5[i] != s1[i]);
			q++;
		}
		/* the first row of a series is its own mean: boundaries respected */
		for (i = ss[s]; i < ss[s + 1] && isnan(s1[i]); i++)
			;
		if (s < 2)
			CHECK(i < ss[s + 1] && s5[i] == s1[i], "series %d starts unsmoothed", s);
	}
	CHECK(worst < 1e-12, "smoothed = trailing mean of the unsmoothed scores (max |diff| %g)", worst);
	CHECK(nan_ok && unscored == 5, "rows without a score (%d) stay without one", unscored);
	CHECK(changed > 100, "smoothing changed %d scores", changed);

	/* the setting travels in the blob and is validated */
	{
		uint8_t    *b = NULL;
		size_t		len = 0;
		mg_model   *m2 = NULL;

		mdl->cfg.smooth = 7;
		CHECK(mg_model_serialize(mdl, a, &b, &len) == MG_OK &&
			  mg_model_deserialize(b, len, a, &m2) == MG_OK && m2 && m2->cfg.smooth == 7,
			  "smooth round trip");
		mg_model_free(a, m2);
		free(b);
		b = NULL;
		mdl->cfg.smooth = 0;
		CHECK(mg_model_serialize(mdl, a, &b, &len) == MG_ERR_ARG, "smooth 0 refused");
		mdl->cfg.smooth = MG_MAX_SMOOTH + 1;
		CHECK(mg_model_serialize(mdl, a, &b, &len) == MG_ERR_ARG, "smooth too large refused");
		mdl->cfg.smooth = 1;
	}
done:
	mg_model_free(a, mdl);
	free(X);
	free(s1);
	free(s5);
	free(d1);
	free(d5);
}
