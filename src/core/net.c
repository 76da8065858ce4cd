/*-------------------------------------------------------------------------
 *
 * net.c
 *	  Stacked LSTM layers followed by a per-step dense output layer: the
 *	  generator and the discriminator of the GAN.
 *
 * Layer 0 reads spec->in features, later layers read the previous layer's
 * hidden state.  The dense layer Y = act(H_top Wo + bo) is one sgemm over
 * all T * B rows; act is tanh (generator) or the identity (discriminator
 * logits).  Parameters: every LSTM layer in mg_lstm layout, then
 * Wo [H][out], bo [out].
 *
 * Initialisation (ALGORITHM.md sections 2-3): each LSTM layer's stacked
 * [in + H][4H] matrix (Wx rows then Wh rows, exactly the parameter order)
 * is Glorot uniform with limit sqrt(6 / (in + H + 4H)) and its bias is the
 * constant lstm_bias.  The dense layer is truncated normal (sd 1, values
 * beyond 2 resampled, as TensorFlow) for weights and bias under
 * MG_INIT_REF, or Glorot uniform weights and zero bias under
 * MG_INIT_GLOROT.  Draws are taken from the caller's mg_rng in parameter
 * order, so a seed fixes the parameters bit for bit.
 *
 * src/core/net.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <string.h>

#include "mimgan_core.h"

struct mg_net_ws
{
	int			layers;
	int			H;
	int			out;
	int			Tmax;
	int			Bmax;
	mg_lstm_ws **lws;			/* [layers] */
	float	  **hbuf;			/* [layers] outputs [T][B][H] of each layer */
	float	   *y;				/* [T][B][out] activated output (for tanh') */
	float	   *da;				/* [T][B][out] dLoss/d(pre-activation) */
	float	   *dbuf[2];		/* [T][B][H] gradients between layers */
	double	   *dbacc;			/* [out] dbo accumulator */
};

/* Input width of LSTM layer l. */
static int
layer_in(const mg_net_spec *spec, int l)
{
	return l == 0 ? spec->in : spec->hidden;
}

/* Number of floats of all parameters. */
size_t
mg_net_nparams(const mg_net_spec *spec)
{
	size_t		n = 0;
	int			l;

	for (l = 0; l < spec->layers; l++)
		n += mg_lstm_nparams(layer_in(spec, l), spec->hidden);
	return n + (size_t) spec->hidden * spec->out + (size_t) spec->out;
}

/* A N(0, 1) draw truncated to [-2, 2] by resampling. */
static double
trunc_normal(mg_rng *rng)
{
	double		z;

	do
		z = mg_rng_normal(rng);
	while (fabs(z) > 2.0);
	return z;
}

/* Fill x[0..n) with U(-limit, limit). */
static void
fill_uniform(mg_rng *rng, float *x, size_t n, double limit)
{
	size_t		i;

	for (i = 0; i < n; i++)
		x[i] = (float) (limit * (2.0 * mg_rng_uniform(rng) - 1.0));
}

/* Initialise parameters; see the file header. */
void
mg_net_init(const mg_net_spec *spec, float *params, mg_rng *rng, int init,
			float lstm_bias)
{
	int			H = spec->hidden;
	int			out = spec->out;
	float	   *p = params;
	size_t		i;
	int			l;

	for (l = 0; l < spec->layers; l++)
	{
		int			in = layer_in(spec, l);
		size_t		nw = ((size_t) in + H) * 4 * (size_t) H;

		fill_uniform(rng, p, nw, sqrt(6.0 / ((double) in + H + 4.0 * H)));
		p += nw;
		for (i = 0; i < 4 * (size_t) H; i++)
			p[i] = lstm_bias;
		p += 4 * (size_t) H;
	}
	if (init == MG_INIT_GLOROT)
	{
		fill_uniform(rng, p, (size_t) H * out, sqrt(6.0 / ((double) H + out)));
		p += (size_t) H * out;
		for (i = 0; i < (size_t) out; i++)
			p[i] = 0.0f;
	}
	else
	{
		for (i = 0; i < (size_t) H * out + (size_t) out; i++)
			p[i] = (float) trunc_normal(rng);
	}
}

/* Release a workspace (NULL is fine). */
void
mg_net_ws_destroy(const mg_alloc *a, mg_net_ws *ws)
{
	int			l;

	if (ws == NULL)
		return;
	if (ws->lws)
		for (l = 0; l < ws->layers; l++)
			mg_lstm_ws_destroy(a, ws->lws[l]);
	if (ws->hbuf)
		for (l = 0; l < ws->layers; l++)
			mg_free(a, ws->hbuf[l]);
	mg_free(a, ws->lws);
	mg_free(a, ws->hbuf);
	mg_free(a, ws->y);
	mg_free(a, ws->da);
	mg_free(a, ws->dbuf[0]);
	mg_free(a, ws->dbuf[1]);
	mg_free(a, ws->dbacc);
	mg_free(a, ws);
}

/* Allocate a workspace for T <= Tmax steps and B <= Bmax sequences. */
mg_status
mg_net_ws_create(const mg_alloc *a, const mg_net_spec *spec, int T, int Bmax,
				 mg_net_ws **out)
{
	mg_net_ws  *ws;
	size_t		tb;
	int			l;
	mg_status	st;

	*out = NULL;
	if (spec->in < 1 || spec->hidden < 1 || spec->layers < 1 ||
		spec->out < 1 || T < 1 || Bmax < 1 ||
		(spec->out_act != MG_ACT_NONE && spec->out_act != MG_ACT_TANH))
		return MG_ERR_ARG;
	tb = (size_t) T * (size_t) Bmax;
	if (tb > ((size_t) -1) / 16 / ((size_t) spec->hidden + spec->out))
		return MG_ERR_NOMEM;

	ws = mg_calloc(a, 1, sizeof(mg_net_ws));
	if (ws == NULL)
		return MG_ERR_NOMEM;
	ws->layers = spec->layers;
	ws->H = spec->hidden;
	ws->out = spec->out;
	ws->Tmax = T;
	ws->Bmax = Bmax;
	ws->lws = mg_calloc(a, spec->layers, sizeof(mg_lstm_ws *));
	ws->hbuf = mg_calloc(a, spec->layers, sizeof(float *));
	if (ws->lws == NULL || ws->hbuf == NULL)
	{
		mg_net_ws_destroy(a, ws);
		return MG_ERR_NOMEM;
	}
	for (l = 0; l < spec->layers; l++)
	{
		st = mg_lstm_ws_create(a, layer_in(spec, l), spec->hidden, T, Bmax,
							   &ws->lws[l]);
		if (st != MG_OK)
		{
			mg_net_ws_destroy(a, ws);
			return st;
		}
		ws->hbuf[l] = mg_malloc(a, tb * spec->hidden, sizeof(float));
		if (ws->hbuf[l] == NULL)
		{
			mg_net_ws_destroy(a, ws);
			return MG_ERR_NOMEM;
		}
	}
	ws->y = mg_malloc(a, tb * spec->out, sizeof(float));
	ws->da = mg_malloc(a, tb * spec->out, sizeof(float));
	ws->dbuf[0] = mg_malloc(a, tb * spec->hidden, sizeof(float));
	ws->dbuf[1] = mg_malloc(a, tb * spec->hidden, sizeof(float));
	ws->dbacc = mg_malloc(a, spec->out, sizeof(double));
	if (!ws->y || !ws->da || !ws->dbuf[0] || !ws->dbuf[1] || !ws->dbacc)
	{
		mg_net_ws_destroy(a, ws);
		return MG_ERR_NOMEM;
	}
	*out = ws;
	return MG_OK;
}

/*
 * The output layer's bias, activation and copy out for the rows of piece p
 * (rows cut as the LSTM's batch pieces); elementwise, so the same whatever
 * the pieces.
 */
typedef struct net_task
{
	const mg_net_spec *spec;
	mg_net_ws  *ws;
	const float *bo;
	size_t		rows;
	int			np;
	float	   *Y;
} net_task;

/* Offset of the dense layer's parameters. */
static size_t
dense_offset(const mg_net_spec *spec)
{
	size_t		lp = 0;
	int			l;

	for (l = 0; l < spec->layers; l++)
		lp += mg_lstm_nparams(layer_in(spec, l), spec->hidden);
	return lp;
}

/*
 * n consecutive rows y of the dense layer's product: add the bias, apply
 * the activation in place and copy them to Y.
 */
static void
out_rows(const mg_net_spec *spec, const float *bo, float *y, size_t n,
		 float *Y)
{
	int			out = spec->out;
	size_t		q;
	int			k;

	for (q = 0; q < n; q++)
		for (k = 0; k < out; k++)
			y[q * out + k] += bo[k];
	if (spec->out_act == MG_ACT_TANH)
		mg_vtanh(y, y, n * out);
	memcpy(Y, y, n * out * sizeof(float));
}

/* d = dY tanh'(a) = dY (1 - y^2) for n values (y = tanh(a)). */
static void
tanh_grad(float *d, const float *dY, const float *y, size_t n)
{
	size_t		q;

	for (q = 0; q < n; q++)
		d[q] = dY[q] * (1.0f - y[q] * y[q]);
}

static void
out_piece(void *arg, int p)
{
	const net_task *t = arg;
	int			out = t->spec->out;
	int64_t		r0,
				r1;

	mg_par_bounds((int64_t) t->rows, t->np, p, &r0, &r1);
	out_rows(t->spec, t->bo, t->ws->y + r0 * out, (size_t) (r1 - r0),
			 t->Y + r0 * out);
}

/* Forward pass X [T][B][in] -> Y [T][B][out]; see mimgan_core.h. */
void
mg_net_forward(const mg_net_spec *spec, const float *params, mg_net_ws *ws,
			   int T, int B, const float *X, float *Y)
{
	int			H = spec->hidden;
	int			out = spec->out;
	const float *p = params;
	const float *x = X;
	const float *Wo;
	const float *bo;
	size_t		rows = (size_t) T * B;
	size_t		q;
	net_task	task;
	int			l;

	if (T < 1 || B < 1 || T > ws->Tmax || B > ws->Bmax)
	{
		if (T > 0 && B > 0)
			for (q = 0; q < rows * out; q++)
				Y[q] = NAN;
		return;
	}
	for (l = 0; l < spec->layers; l++)
	{
		mg_lstm_forward(ws->lws[l], p, T, B, x, NULL, NULL, ws->hbuf[l]);
		p += mg_lstm_nparams(layer_in(spec, l), H);
		x = ws->hbuf[l];
	}
	Wo = p;
	bo = p + (size_t) H * out;
	mg_par_sgemm(mg_par_pieces(B), 0, 0, (int) rows, out, H, 1.0f, x, H, Wo,
				 out, 0.0f, ws->y, out);
	task.spec = spec;
	task.ws = ws;
	task.bo = bo;
	task.rows = rows;
	task.np = mg_par_pieces(B);
	task.Y = Y;
	mg_par_run(task.np, out_piece, &task);
}

/* Backward pass; see mimgan_core.h. */
void
mg_net_backward(const mg_net_spec *spec, const float *params, mg_net_ws *ws,
				int T, int B, const float *X, const float *dY,
				float *dparams, float *dX)
{
	int			H = spec->hidden;
	int			out = spec->out;
	int			L = spec->layers;
	size_t		rows = (size_t) T * B;
	size_t		lp;
	const float *Wo;
	const float *da;
	float	   *dcur;
	size_t		q;
	int			l,
				k,
				cur = 0;

	if (T < 1 || B < 1 || T > ws->Tmax || B > ws->Bmax)
	{
		if (dX && T > 0 && B > 0)
			for (q = 0; q < rows * spec->in; q++)
				dX[q] = NAN;
		return;
	}
	lp = dense_offset(spec);
	Wo = params + lp;

	/* through the output activation */
	if (spec->out_act == MG_ACT_TANH)
	{
		tanh_grad(ws->da, dY, ws->y, rows * out);
		da = ws->da;
	}
	else
		da = dY;

	if (dparams)
	{
		float	   *dWo = dparams + lp;
		float	   *dbo = dWo + (size_t) H * out;
		double	   *acc = ws->dbacc;

		mg_par_sgemm(mg_par_pieces(B), 1, 0, H, out, (int) rows, 1.0f,
					 ws->hbuf[L - 1], H, da, out, 1.0f, dWo, out);
		for (k = 0; k < out; k++)
			acc[k] = 0.0;
		for (q = 0; q < rows; q++)
		{
			const float *dr = da + q * out;

			for (k = 0; k < out; k++)
				acc[k] += dr[k];
		}
		for (k = 0; k < out; k++)
			dbo[k] += (float) acc[k];
	}

	/* into the top LSTM layer's output, then down the stack */
	dcur = ws->dbuf[cur];
	mg_par_sgemm(mg_par_pieces(B), 0, 1, (int) rows, H, out, 1.0f, da, out,
				 Wo, out, 0.0f, dcur, H);
	for (l = L - 1; l >= 0; l--)
	{
		const float *xin = l == 0 ? X : ws->hbuf[l - 1];
		float	   *dxin = l == 0 ? dX : ws->dbuf[1 - cur];

		lp -= mg_lstm_nparams(layer_in(spec, l), H);	/* layer l's offset */
		mg_lstm_backward(ws->lws[l], params + lp, T, B, xin, dcur,
						 dparams ? dparams + lp : NULL, dxin, NULL, NULL);
		cur = 1 - cur;
		dcur = ws->dbuf[cur];
	}
}

/* Whether rows [r0, r1) of a batch of B over T steps fit the workspace. */
static int
rows_fit(const mg_net_ws *ws, int T, int B, int r0, int r1)
{
	return T >= 1 && B >= 1 && T <= ws->Tmax && B <= ws->Bmax && r0 >= 0 &&
		r1 <= B && r0 < r1;
}

/* Set up what every row-range call shares; see mimgan_core.h. */
void
mg_net_prepare(const mg_net_spec *spec, const float *params, mg_net_ws *ws)
{
	const float *p = params;
	int			l;

	for (l = 0; l < spec->layers; l++)
	{
		mg_lstm_set_bias(ws->lws[l], p);
		p += mg_lstm_nparams(layer_in(spec, l), spec->hidden);
	}
}

/*
 * Forward pass over rows [r0, r1) of X [T][B][in] into the same rows of
 * Y; see mimgan_core.h.  The dense layer is one product per step over the
 * range's rows (contiguous within a step).
 */
void
mg_net_forward_rows(const mg_net_spec *spec, const float *params,
					mg_net_ws *ws, int T, int B, int r0, int r1,
					const float *X, float *Y)
{
	int			H = spec->hidden;
	int			out = spec->out;
	int			n = r1 - r0;
	const float *p = params;
	const float *x = X;
	const float *Wo;
	const float *bo;
	int			l,
				t;

	if (!rows_fit(ws, T, B, r0, r1))
		return;
	for (l = 0; l < spec->layers; l++)
	{
		mg_lstm_forward_rows(ws->lws[l], p, T, B, r0, r1, x, ws->hbuf[l]);
		p += mg_lstm_nparams(layer_in(spec, l), H);
		x = ws->hbuf[l];
	}
	Wo = p;
	bo = p + (size_t) H * out;
	for (t = 0; t < T; t++)
	{
		size_t		row0 = (size_t) t * B + r0;
		float	   *y = ws->y + row0 * out;

		mg_sgemm(0, 0, n, out, H, 1.0f, x + row0 * H, H, Wo, out, 0.0f, y, out);
		out_rows(spec, bo, y, (size_t) n, Y + row0 * out);
	}
}

/*
 * Backward over rows [r0, r1) after mg_net_forward_rows on them: dX gets
 * those rows of dLoss/dX; no parameter gradients.  See mimgan_core.h.
 */
void
mg_net_backward_rows(const mg_net_spec *spec, const float *params,
					 mg_net_ws *ws, int T, int B, int r0, int r1,
					 const float *dY, float *dX)
{
	int			H = spec->hidden;
	int			out = spec->out;
	int			n = r1 - r0;
	size_t		lp = dense_offset(spec);
	const float *Wo = params + lp;
	float	   *dcur;
	int			l,
				t,
				cur = 0;

	if (!rows_fit(ws, T, B, r0, r1))
		return;
	dcur = ws->dbuf[cur];
	for (t = 0; t < T; t++)
	{
		size_t		row0 = (size_t) t * B + r0;
		const float *da = dY + row0 * out;

		/* through the output activation */
		if (spec->out_act == MG_ACT_TANH)
		{
			tanh_grad(ws->da + row0 * out, da, ws->y + row0 * out,
					  (size_t) n * out);
			da = ws->da + row0 * out;
		}
		mg_sgemm(0, 1, n, H, out, 1.0f, da, out, Wo, out, 0.0f,
				 dcur + row0 * H, H);
	}
	for (l = spec->layers - 1; l >= 0; l--)
	{
		float	   *dxin = l == 0 ? dX : ws->dbuf[1 - cur];

		lp -= mg_lstm_nparams(layer_in(spec, l), H);	/* layer l's offset */
		mg_lstm_backward_rows(ws->lws[l], params + lp, T, B, r0, r1, dcur,
							  dxin);
		cur = 1 - cur;
		dcur = ws->dbuf[cur];
	}
}
