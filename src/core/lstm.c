/*-------------------------------------------------------------------------
 *
 * lstm.c
 *	  One LSTM layer over a time-major batch: forward pass and
 *	  backpropagation through time.
 *
 * Parameters (mimgan_core.h): Wx [in][4H], Wh [H][4H], b [4H], gate column
 * blocks (i, j, f, o) as in TensorFlow's BasicLSTMCell:
 *	  c_t = sigmoid(f + MG_FORGET_BIAS) * c_{t-1} + sigmoid(i) * tanh(j)
 *	  h_t = sigmoid(o) * tanh(c_t)
 *
 * Wx and Wh are stored one after the other, so [Wx; Wh] is one
 * (in + H) x 4H matrix W.  The workspace keeps every step's [x_t, h_{t-1}]
 * side by side (xh, rows of in + H), so a step's gates are one sgemm
 * [x_t, h_{t-1}] W for all four gates (no separate thin input projection
 * with K = in), followed by a contiguous elementwise pass.  The workspace
 * keeps the gate activations, c_t and tanh(c_t) of every step; h_t goes to
 * the caller's output and, beside x_{t+1}, into xh.  A step's product goes
 * to the rows' slot of dG (free during the forward pass, small enough to
 * stay in cache) and the elementwise pass reads it from there and writes
 * the activations once, so the large activation array is not also cleared
 * and re-read by the sgemm.  The row-range forward (the inversion, no
 * weight gradients) keeps only two xh steps, in turn.
 * Backward: per step the elementwise gate gradients dG_t and one sgemm
 * dG_t W^T giving [dx_t, dh_{t-1}] at once; after the loop dW = xh^T dG is
 * one sgemm for Wx and Wh together and db is a column sum of dG
 * accumulated in double, piece by piece during the loop.  The batch's rows
 * run in pieces (mg_par), each over all steps.  Nothing is allocated
 * outside mg_lstm_ws_create.
 *
 * src/core/lstm.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <string.h>

#include "mimgan_core.h"
#include "vmath.h"

struct mg_lstm_ws
{
	int			in;
	int			H;
	int			Tmax;
	int			Bmax;
	float	   *act;			/* [T][B][4H] gate activations i, j, f, o */
	float	   *dg;				/* [T][B][4H] gate pre-activation gradients;
								 * forward: rows [B][4H] hold a step's product */
	float	   *c;				/* [T+1][B][H] cell states, slot 0 = c0 */
	float	   *tc;				/* [T][B][H] tanh(c_t) */
	float	   *dh;				/* [B][H] dLoss/dh_{t-1} carried back */
	float	   *dc;				/* [B][H] dLoss/dc_{t-1} carried back */
	float	   *xh;				/* [T][B][in + H] x_t and h_{t-1} side by side */
	float	   *dxh;			/* [B][in + H] dx_t and dh_{t-1} of one step */
	float	   *bias;			/* [4H] gs * (b + forget bias on f) */
	float	   *gs;				/* [4H] gate scale: 1, j columns 2 */
	double	   *dbacc;			/* [MG_PAR_MAX_PIECES][4H] db accumulators,
								 * one per piece */
};

/* Number of floats of one layer: Wx, Wh, b. */
size_t
mg_lstm_nparams(int in, int hidden)
{
	size_t		G = 4 * (size_t) hidden;

	return ((size_t) in + (size_t) hidden) * G + G;
}

/* Release a workspace (NULL is fine). */
void
mg_lstm_ws_destroy(const mg_alloc *a, mg_lstm_ws *ws)
{
	if (ws == NULL)
		return;
	mg_free(a, ws->act);
	mg_free(a, ws->dg);
	mg_free(a, ws->c);
	mg_free(a, ws->tc);
	mg_free(a, ws->dh);
	mg_free(a, ws->dc);
	mg_free(a, ws->xh);
	mg_free(a, ws->dxh);
	mg_free(a, ws->bias);
	mg_free(a, ws->gs);
	mg_free(a, ws->dbacc);
	mg_free(a, ws);
}

/* Allocate a workspace for T <= Tmax steps and B <= Bmax sequences. */
mg_status
mg_lstm_ws_create(const mg_alloc *a, int in, int hidden, int T, int Bmax,
				  mg_lstm_ws **out)
{
	mg_lstm_ws *ws;
	size_t		bh,
				tbh;

	*out = NULL;
	if (in < 1 || hidden < 1 || T < 1 || Bmax < 1)
		return MG_ERR_ARG;
	/* all sizes below are multiples of (T + 1) * B * 4H: check it once */
	if ((size_t) Bmax * (size_t) hidden > ((size_t) -1) / 16 / ((size_t) T + 1) ||
		(size_t) Bmax * ((size_t) in + hidden) > ((size_t) -1) / 4 / ((size_t) T + 1))
		return MG_ERR_NOMEM;
	bh = (size_t) Bmax * hidden;
	tbh = (size_t) T * bh;

	ws = mg_calloc(a, 1, sizeof(mg_lstm_ws));
	if (ws == NULL)
		return MG_ERR_NOMEM;
	ws->in = in;
	ws->H = hidden;
	ws->Tmax = T;
	ws->Bmax = Bmax;
	ws->act = mg_malloc(a, 4 * tbh, sizeof(float));
	ws->dg = mg_malloc(a, 4 * tbh, sizeof(float));
	ws->c = mg_malloc(a, tbh + bh, sizeof(float));
	ws->tc = mg_malloc(a, tbh, sizeof(float));
	ws->dh = mg_malloc(a, bh, sizeof(float));
	ws->dc = mg_malloc(a, bh, sizeof(float));
	ws->xh = mg_malloc(a, (size_t) T * Bmax * ((size_t) in + hidden), sizeof(float));
	ws->dxh = mg_malloc(a, (size_t) Bmax * ((size_t) in + hidden), sizeof(float));
	ws->bias = mg_malloc(a, 4 * (size_t) hidden, sizeof(float));
	ws->gs = mg_malloc(a, 4 * (size_t) hidden, sizeof(float));
	ws->dbacc = mg_malloc(a, (size_t) MG_PAR_MAX_PIECES * 4 * hidden,
						  sizeof(double));
	if (!ws->act || !ws->dg || !ws->c || !ws->tc || !ws->dh ||
		!ws->dc || !ws->xh || !ws->dxh || !ws->bias || !ws->gs || !ws->dbacc)
	{
		mg_lstm_ws_destroy(a, ws);
		return MG_ERR_NOMEM;
	}
	{
		int			k;

		/* i, f, o: sigmoid(x) = tanh(x / 2) / 2 + 1 / 2; j: tanh(x) */
		for (k = 0; k < 4 * hidden; k++)
			ws->gs[k] = (k >= hidden && k < 2 * hidden) ? 1.0f : 0.5f;
	}
	*out = ws;
	return MG_OK;
}

/* Fill x[0..n) with NaN (outputs of a call that breaks its contract). */
static void
fill_nan(float *x, size_t n)
{
	size_t		i;

	if (x == NULL)
		return;
	for (i = 0; i < n; i++)
		x[i] = NAN;
}

/*
 * One step for all B rows: gate pre-activations gin [B][4H] (X Wx + h Wh)
 * become activations g [B][4H], then c = f c_prev + i j, tc = tanh(c),
 * h = o tc.  Every gate goes through one tanh kernel over whole blocks of
 * the row, y = s tanh(s x + bias) + 1 - s with the per-column scale s = gs
 * (bias already scaled by it): tanh(x) for j (s = 1) and
 * sigmoid(x) = tanh(x / 2) / 2 + 1 / 2 for i, f, o (s = 1/2).  The kernel
 * is the rational tanh_rat_block (absolute error below 4e-7, measured by
 * the unit suite lstm).
 */
MG_VEC_CLONES
static void
step_forward(int H, int B, const float *restrict gin, float *restrict g,
			 const float *restrict gs, const float *restrict bias,
			 const float *restrict cprev, float *restrict c,
			 float *restrict tc, float *restrict h)
{
	int			G = 4 * H;
	int			r,
				k,
				k0;
	float		x[MG_VBLK],
				y[MG_VBLK];

	for (r = 0; r < B; r++)
	{
		const float *gi = gin + (size_t) r * G;
		float	   *gr = g + (size_t) r * G;
		const float *cp = cprev + (size_t) r * H;
		float	   *cr = c + (size_t) r * H;
		float	   *tr = tc + (size_t) r * H;
		float	   *hr = h + (size_t) r * H;

		for (k0 = 0; k0 + MG_VBLK <= G; k0 += MG_VBLK)
		{
			for (k = 0; k < MG_VBLK; k++)
				x[k] = gs[k0 + k] * gi[k0 + k] + bias[k0 + k];
			tanh_rat_block(y, x);
			for (k = 0; k < MG_VBLK; k++)
				gr[k0 + k] = gs[k0 + k] * y[k] + (1.0f - gs[k0 + k]);
		}
		if (k0 < G)
		{
			for (k = 0; k < MG_VBLK; k++)
				x[k] = k0 + k < G ? gs[k0 + k] * gi[k0 + k] + bias[k0 + k] : 0.0f;
			tanh_rat_block(y, x);
			for (k = 0; k < G - k0; k++)
				gr[k0 + k] = gs[k0 + k] * y[k] + (1.0f - gs[k0 + k]);
		}
		for (k = 0; k < H; k++)
			cr[k] = gr[2 * H + k] * cp[k] + gr[k] * gr[H + k];
		for (k0 = 0; k0 + MG_VBLK <= H; k0 += MG_VBLK)
			tanh_rat_block(tr + k0, cr + k0);
		if (k0 < H)
		{
			int			n = H - k0;

			for (k = 0; k < MG_VBLK; k++)
				x[k] = k < n ? cr[k0 + k] : 0.0f;
			tanh_rat_block(y, x);
			for (k = 0; k < n; k++)
				tr[k0 + k] = y[k];
		}
		for (k = 0; k < H; k++)
			hr[k] = gr[3 * H + k] * tr[k];
	}
}

/*
 * One step backwards for all B rows: from the activations a [B][4H],
 * c_{t-1}, tanh(c_t), dLoss/dh_t (direct dhout plus dhcarry from step
 * t+1) and dc (dLoss/dc_t from step t+1, replaced by dLoss/dc_{t-1}),
 * write the gate pre-activation gradients dg [B][4H].
 */
MG_VEC_CLONES
static void
step_backward(int H, int B, const float *restrict a,
			  const float *restrict cprev, const float *restrict tc,
			  const float *restrict dhout, const float *restrict dhcarry,
			  float *restrict dc, float *restrict dg)
{
	size_t		G = 4 * (size_t) H;
	int			r,
				k;

	for (r = 0; r < B; r++)
	{
		const float *ar = a + r * G;
		const float *cp = cprev + (size_t) r * H;
		const float *tr = tc + (size_t) r * H;
		const float *dho = dhout + (size_t) r * H;
		const float *dhc = dhcarry + (size_t) r * H;
		float	   *dcr = dc + (size_t) r * H;
		float	   *dgr = dg + r * G;

		for (k = 0; k < H; k++)
		{
			float		i = ar[k];
			float		j = ar[H + k];
			float		f = ar[2 * H + k];
			float		o = ar[3 * H + k];
			float		dh = dho[k] + dhc[k];
			float		dct = dcr[k] + dh * o * (1.0f - tr[k] * tr[k]);

			dgr[k] = dct * j * i * (1.0f - i);
			dgr[H + k] = dct * i * (1.0f - j * j);
			dgr[2 * H + k] = dct * cp[k] * f * (1.0f - f);
			dgr[3 * H + k] = dh * tr[k] * o * (1.0f - o);
			dcr[k] = dct * f;
		}
	}
}

/*
 * acc[c] += dg[q][c] over rows q in order, for all G columns, in double
 * (vectorised across columns).
 */
MG_VEC_CLONES
static void
add_rows(const float *restrict dg, int rows, int G, double *restrict acc)
{
	int			q,
				c,
				j;

	for (q = 0; q < rows; q++)
	{
		const float *restrict row = dg + (size_t) q * G;

		/* blocks of a known trip count, which gcc -O2 vectorises */
		for (c = 0; c + 16 <= G; c += 16)
			for (j = 0; j < 16; j++)
				acc[c + j] += (double) row[c + j];
		for (; c < G; c++)
			acc[c] += (double) row[c];
	}
}

/*
 * The recurrence of one LSTM call in pieces of the batch's rows
 * (mg_par_pieces(B), cut by mg_par_bounds): a row's steps depend on that
 * row alone, so each piece runs all T steps without waiting for the
 * others.  The bias gradient is summed by each piece over its rows while
 * a step's dG is still in cache (one double accumulator per piece, added
 * in piece order afterwards: the pieces depend on B alone, so the sum is
 * the same for every thread count); dW sums over all rows afterwards
 * (sgemm cut by columns).
 */
typedef struct
{
	mg_lstm_ws *ws;
	const float *W;				/* [Wx; Wh], (in + H) x 4H */
	const float *X;				/* forward: the input */
	float	   *Hout;			/* forward: the output h_t of every step */
	const float *dH;
	float	   *dX;				/* backward: NULL when not wanted */
	int			T;
	int			B;
	int			np;
	int			h0;				/* forward: h0 given; backward: dh0 wanted */
	int			keep_dg;		/* backward: keep every step's dG (for dW),
								 * and sum db into dbacc */
	int			roll_xh;		/* forward: no dW follows, two xh slots */
	int			backward;		/* rows_piece: which pass */
} lstm_task;

/* Rows [*r0, *r0 + n) of piece p; returns n. */
static int
piece_rows(const lstm_task *k, int p, int64_t *r0)
{
	int64_t		r1;

	mg_par_bounds(k->B, k->np, p, r0, &r1);
	return (int) (r1 - *r0);
}

/* Row of xh holding [x_t, h_{t-1}] of batch row r: two slots in turn
 * with roll_xh, else one per step. */
static size_t
xh_row(const lstm_task *k, int t, int64_t r)
{
	return (k->roll_xh ? (size_t) (t & 1) : (size_t) t) * k->B + r;
}

/* All T steps of rows [r0, r0 + n) of the batch. */
static void
forward_rows(const lstm_task *k, int64_t r0, int n)
{
	mg_lstm_ws *ws = k->ws;
	int			in = ws->in;
	int			H = ws->H;
	int			G = 4 * H;
	int			K = in + H;
	size_t		bh = (size_t) k->B * H;
	int			t,
				r;

	if (n <= 0)
		return;
	for (t = 0; t < k->T; t++)
	{
		size_t		row0 = (size_t) t * k->B + r0;
		/* without weight gradients two xh slots take turns */
		float	   *xt = ws->xh + xh_row(k, t, r0) * K;
		/* the product lands in the piece's dG slot, which stays in cache */
		float	   *pg = ws->dg + (size_t) r0 * G;
		float	   *gt = ws->act + row0 * G;
		const float *cprev = ws->c + (size_t) t * bh + r0 * H;
		float	   *ct = ws->c + (size_t) (t + 1) * bh + r0 * H;
		float	   *tct = ws->tc + (size_t) t * bh + r0 * H;
		float	   *ht = k->Hout + row0 * H;

		/* x_t beside h_{t-1} (h_{-1} = h0, put there by the caller) */
		for (r = 0; r < n; r++)
			memcpy(xt + (size_t) r * K, k->X + (row0 + r) * in,
				   (size_t) in * sizeof(float));
		/* all four gates at once; the zero initial state adds nothing */
		mg_sgemm(0, 0, n, G, (t > 0 || k->h0) ? K : in, 1.0f, xt, K, k->W, G,
				 0.0f, pg, G);
		step_forward(H, n, pg, gt, ws->gs, ws->bias, cprev, ct, tct, ht);
		/* h_t beside x_{t+1} */
		if (t + 1 < k->T)
		{
			float	   *xn = ws->xh + xh_row(k, t + 1, r0) * K;

			for (r = 0; r < n; r++)
				memcpy(xn + (size_t) r * K + in, ht + (size_t) r * H,
					   (size_t) H * sizeof(float));
		}
	}
}

/*
 * Backward through all T steps for rows [r0, r0 + n) of the batch; with
 * weight gradients, acc [4H] gets the column sums of the rows' dG.
 */
static void
backward_rows(const lstm_task *k, int64_t r0, int n, double *acc)
{
	mg_lstm_ws *ws = k->ws;
	int			in = ws->in;
	int			H = ws->H;
	int			G = 4 * H;
	int			K = in + H;
	size_t		bh = (size_t) k->B * H;
	int			t,
				r;

	if (acc)
		memset(acc, 0, (size_t) G * sizeof(double));
	if (n <= 0)
		return;
	for (t = k->T - 1; t >= 0; t--)
	{
		size_t		row0 = (size_t) t * k->B + r0;

		/*
		 * Without weight gradients a step's dG is used by this step's
		 * product only: every step reuses the first step's slot, which
		 * stays in cache.
		 */
		float	   *dgt = ws->dg + (k->keep_dg ? row0 : (size_t) r0) * G;
		const float *cprev = ws->c + (size_t) t * bh + r0 * H;
		const float *tct = ws->tc + (size_t) t * bh + r0 * H;
		const float *dHt = k->dH + (size_t) t * bh + r0 * H;
		float	   *dh = ws->dh + r0 * H;
		int			want_dh = t > 0 || k->h0;

		step_backward(H, n, ws->act + row0 * G, cprev, tct, dHt, dh,
					  ws->dc + r0 * H, dgt);
		if (acc)
			add_rows(dgt, n, G, acc);
		if (k->dX && want_dh)
		{
			/* [dx_t, dh_{t-1}] = dG_t W^T in one product */
			float	   *d = ws->dxh + r0 * K;

			mg_sgemm(0, 1, n, K, G, 1.0f, dgt, G, k->W, G, 0.0f, d, K);
			for (r = 0; r < n; r++)
			{
				memcpy(k->dX + (row0 + r) * in, d + (size_t) r * K,
					   (size_t) in * sizeof(float));
				memcpy(dh + (size_t) r * H, d + (size_t) r * K + in,
					   (size_t) H * sizeof(float));
			}
		}
		else if (want_dh)		/* dh_{t-1} = dG_t Wh^T */
			mg_sgemm(0, 1, n, H, G, 1.0f, dgt, G, k->W + (size_t) in * G, G,
					 0.0f, dh, H);
		else if (k->dX)			/* dx_0 = dG_0 Wx^T */
			mg_sgemm(0, 1, n, in, G, 1.0f, dgt, G, k->W, G, 0.0f,
					 k->dX + row0 * in, in);
	}
}

/* Piece p of a forward or a backward call. */
static void
rows_piece(void *arg, int p)
{
	const lstm_task *k = arg;
	int64_t		r0;
	int			n = piece_rows(k, p, &r0);

	if (k->backward)
		backward_rows(k, r0, n, k->keep_dg ?
					  k->ws->dbacc + (size_t) p * 4 * k->ws->H : NULL);
	else
		forward_rows(k, r0, n);
}

/* A task with everything unset but the layer, its parameters and shape. */
static void
task_init(lstm_task *task, mg_lstm_ws *ws, const float *params, int T, int B)
{
	memset(task, 0, sizeof(*task));
	task->ws = ws;
	task->W = params;
	task->T = T;
	task->B = B;
}

/* The scaled gate biases the steps add; see mimgan_core.h. */
void
mg_lstm_set_bias(mg_lstm_ws *ws, const float *params)
{
	int			H = ws->H;
	int			G = 4 * H;
	const float *b = params + ((size_t) ws->in + H) * G;
	int			k;

	for (k = 0; k < G; k++)
		ws->bias[k] = ws->gs[k] * (b[k] + (k >= 2 * H && k < 3 * H ?
										   MG_FORGET_BIAS : 0.0f));
}

/*
 * Forward pass; see mimgan_core.h.  T > Tmax or B > Bmax is a contract
 * violation: Hout is filled with NaN so the caller's finiteness checks
 * catch it.
 */
void
mg_lstm_forward(mg_lstm_ws *ws, const float *params, int T, int B,
				const float *X, const float *h0, const float *c0,
				float *Hout)
{
	int			in = ws->in;
	int			H = ws->H;
	size_t		bh = (size_t) B * H;
	lstm_task	task;
	int			r;

	if (T < 1 || B < 1 || T > ws->Tmax || B > ws->Bmax)
	{
		if (T > 0 && B > 0)
			fill_nan(Hout, (size_t) T * B * H);
		return;
	}

	mg_lstm_set_bias(ws, params);

	/* initial state (h0 lives beside x_0 in xh only) */
	if (c0)
		memcpy(ws->c, c0, bh * sizeof(float));
	else
		memset(ws->c, 0, bh * sizeof(float));
	for (r = 0; r < B; r++)
	{
		float	   *h = ws->xh + (size_t) r * (in + H) + in;

		if (h0)
			memcpy(h, h0 + (size_t) r * H, (size_t) H * sizeof(float));
		else
			memset(h, 0, (size_t) H * sizeof(float));
	}

	/* the recurrence, rows of the batch in pieces */
	task_init(&task, ws, params, T, B);
	task.X = X;
	task.Hout = Hout;
	task.np = mg_par_pieces(B);
	task.h0 = h0 != NULL;
	mg_par_run(task.np, rows_piece, &task);
}

/*
 * Backward through time; see mimgan_core.h.  A call breaking the contract
 * (sizes beyond the workspace) fills dX, dh0 and dc0 with NaN and leaves
 * dparams alone.
 */
void
mg_lstm_backward(mg_lstm_ws *ws, const float *params, int T, int B,
				 const float *X, const float *dH, float *dparams,
				 float *dX, float *dh0, float *dc0)
{
	int			in = ws->in;
	int			H = ws->H;
	int			G = 4 * H;
	size_t		bh = (size_t) B * H;
	size_t		rows = (size_t) T * B;
	lstm_task	task;
	int			c,
				p;

	if (T < 1 || B < 1 || T > ws->Tmax || B > ws->Bmax)
	{
		if (T > 0 && B > 0)
			fill_nan(dX, (size_t) T * B * in);
		if (B > 0)
		{
			fill_nan(dh0, (size_t) B * H);
			fill_nan(dc0, (size_t) B * H);
		}
		return;
	}

	memset(ws->dh, 0, bh * sizeof(float));
	memset(ws->dc, 0, bh * sizeof(float));

	task_init(&task, ws, params, T, B);
	task.np = mg_par_pieces(B);
	task.h0 = dh0 != NULL;
	task.dH = dH;
	task.dX = dX;
	task.keep_dg = dparams != NULL;
	task.backward = 1;
	mg_par_run(task.np, rows_piece, &task);
	if (dh0)
		memcpy(dh0, ws->dh, bh * sizeof(float));
	if (dc0)
		memcpy(dc0, ws->dc, bh * sizeof(float));

	if (dparams)
	{
		float	   *dWx = dparams;
		float	   *dWh = dparams + (size_t) in * G;
		float	   *db = dWh + (size_t) H * G;

		/* [dWx; dWh] += xh^T dG: one product for both */
		mg_par_sgemm(task.np, 1, 0, in + H, G, (int) rows, 1.0f, ws->xh, in + H,
					 ws->dg, G, 1.0f, dWx, G);
		/* db += the pieces' column sums, in piece order */
		for (c = 0; c < G; c++)
		{
			double		sum = 0.0;

			for (p = 0; p < task.np; p++)
				sum += ws->dbacc[(size_t) p * G + c];
			db[c] += (float) sum;
		}
	}
}

/* Whether rows [r0, r1) of a batch of B over T steps fit the workspace. */
static int
rows_fit(const mg_lstm_ws *ws, int T, int B, int r0, int r1)
{
	return T >= 1 && B >= 1 && T <= ws->Tmax && B <= ws->Bmax && r0 >= 0 &&
		r1 <= B && r0 < r1;
}

/*
 * Forward pass over rows [r0, r1) of a batch of B, zero initial state, in
 * the calling thread; see mimgan_core.h.  Rows are independent, so the
 * result for a row is the one mg_lstm_forward computes for it.
 */
void
mg_lstm_forward_rows(mg_lstm_ws *ws, const float *params, int T, int B,
					 int r0, int r1, const float *X, float *Hout)
{
	int			H = ws->H;
	lstm_task	task;

	if (!rows_fit(ws, T, B, r0, r1))
		return;
	/* c_0 = 0; h_0 = 0 is never read: step 0's product uses x_0 alone */
	memset(ws->c + (size_t) r0 * H, 0, (size_t) (r1 - r0) * H * sizeof(float));
	task_init(&task, ws, params, T, B);
	task.X = X;
	task.Hout = Hout;
	task.roll_xh = 1;
	forward_rows(&task, r0, r1 - r0);
}

/*
 * Backward over rows [r0, r1) after mg_lstm_forward_rows on them, without
 * parameter gradients, in the calling thread; see mimgan_core.h.
 */
void
mg_lstm_backward_rows(mg_lstm_ws *ws, const float *params, int T, int B,
					  int r0, int r1, const float *dH, float *dX)
{
	int			H = ws->H;
	lstm_task	task;

	if (!rows_fit(ws, T, B, r0, r1))
		return;
	memset(ws->dh + (size_t) r0 * H, 0, (size_t) (r1 - r0) * H * sizeof(float));
	memset(ws->dc + (size_t) r0 * H, 0, (size_t) (r1 - r0) * H * sizeof(float));
	task_init(&task, ws, params, T, B);
	task.dH = dH;
	task.dX = dX;
	backward_rows(&task, r0, r1 - r0, NULL);
}
