/*-------------------------------------------------------------------------
 *
 * blob.c
 *	  Model blob: serialisation, validated deserialisation, CRC-32C.
 *
 * Layout (all integers and floats little-endian, IEEE 754; doc/model-format.md
 * has the full table):
 *	  header   magic "MIMGANv\0" (8 bytes), u32 format version (4; 1 to
 *	           3 are still read: they lack the fields marked v2 / v3 / v4),
 *	           u32 flags (0), u64 total length in bytes
 *	  config   every mg_config field in declaration order: int fields as
 *	           i32, int64_t as i64, seed as u64, float as f32, double as f64
 *	           (v2: encoder, rec_weight, resid_norm, resid_agg at the end;
 *	           v3: f64 pot_risk, i32 smooth after them; v4: i32
 *	           attribution after those)
 *	  dims     i32 m, i32 k
 *	  prep     i32 norm, i32 pca_k, f64 shift[m], f64 scale[m], and when
 *	           pca_k > 0: f64 pca_mean[m], f64 pca_comp[pca_k][m]
 *	  nets     gspec then dspec as i32 in, hidden, layers, out, out_act;
 *	           u64 n_g, f32 g_params[n_g], u64 n_d, f32 d_params[n_d]
 *	  v2       when encoder: espec, u64 n_e, f32 e_params[n_e]; then
 *	           u32 n_s (m with resid_norm 'train', 3m with 'zscore', else
 *	           0), f32 resid_scale[n_s]
 *	  v4       u32 n_a (m, or 0 for a model without deviation scales),
 *	           f32 attr_scale[n_a]
 *	  scalars  f64 threshold; mg_train_stats: i32 epochs_run, i64 n_rows,
 *	           i64 n_windows, i32 n_series, f64 loss_d, loss_g, d_real,
 *	           d_fake, train_score_mean, train_score_sd, train_rec_mean
 *	           (v2: f64 loss_rec)
 *	  meta     u32 meta_len, meta_len opaque bytes
 *	  trailer  u32 CRC-32C of every byte before it
 *
 * Deserialisation trusts nothing (blobs come from users through
 * mimgan_import): it checks the magic, version, flags, total length and
 * checksum, then reads through a bounds-checked cursor, checks each count
 * against the bytes left before allocating, validates the configuration
 * (mg_config_validate), dimensions and their consistency with the network
 * specifications (mg_net_nparams), requires every float to be finite and
 * the fields to end exactly at the checksum.  Serialisation runs the same
 * validation on its output, so a blob that is written can be read back.
 *
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78, RFC 3720 appendix
 * B.4), table-driven one byte at a time; check value 0xE3069283 for
 * "123456789".
 *
 * src/core/blob.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <string.h>

#include "mimgan_core.h"

#define MG_BLOB_HEADER 24		/* magic, version, flags, length */
#define MG_BLOB_MIN (MG_BLOB_HEADER + 4)
#define MG_BLOB_MAX_COLS 1600

/* CRC-32C table for the reflected polynomial 0x82F63B78 */
static const uint32_t crc32c_table[256] = {
	0x00000000, 0xF26B8303, 0xE13B70F7, 0x1350F3F4,
	0xC79A971F, 0x35F1141C, 0x26A1E7E8, 0xD4CA64EB,
	0x8AD958CF, 0x78B2DBCC, 0x6BE22838, 0x9989AB3B,
	0x4D43CFD0, 0xBF284CD3, 0xAC78BF27, 0x5E133C24,
	0x105EC76F, 0xE235446C, 0xF165B798, 0x030E349B,
	0xD7C45070, 0x25AFD373, 0x36FF2087, 0xC494A384,
	0x9A879FA0, 0x68EC1CA3, 0x7BBCEF57, 0x89D76C54,
	0x5D1D08BF, 0xAF768BBC, 0xBC267848, 0x4E4DFB4B,
	0x20BD8EDE, 0xD2D60DDD, 0xC186FE29, 0x33ED7D2A,
	0xE72719C1, 0x154C9AC2, 0x061C6936, 0xF477EA35,
	0xAA64D611, 0x580F5512, 0x4B5FA6E6, 0xB93425E5,
	0x6DFE410E, 0x9F95C20D, 0x8CC531F9, 0x7EAEB2FA,
	0x30E349B1, 0xC288CAB2, 0xD1D83946, 0x23B3BA45,
	0xF779DEAE, 0x05125DAD, 0x1642AE59, 0xE4292D5A,
	0xBA3A117E, 0x4851927D, 0x5B016189, 0xA96AE28A,
	0x7DA08661, 0x8FCB0562, 0x9C9BF696, 0x6EF07595,
	0x417B1DBC, 0xB3109EBF, 0xA0406D4B, 0x522BEE48,
	0x86E18AA3, 0x748A09A0, 0x67DAFA54, 0x95B17957,
	0xCBA24573, 0x39C9C670, 0x2A993584, 0xD8F2B687,
	0x0C38D26C, 0xFE53516F, 0xED03A29B, 0x1F682198,
	0x5125DAD3, 0xA34E59D0, 0xB01EAA24, 0x42752927,
	0x96BF4DCC, 0x64D4CECF, 0x77843D3B, 0x85EFBE38,
	0xDBFC821C, 0x2997011F, 0x3AC7F2EB, 0xC8AC71E8,
	0x1C661503, 0xEE0D9600, 0xFD5D65F4, 0x0F36E6F7,
	0x61C69362, 0x93AD1061, 0x80FDE395, 0x72966096,
	0xA65C047D, 0x5437877E, 0x4767748A, 0xB50CF789,
	0xEB1FCBAD, 0x197448AE, 0x0A24BB5A, 0xF84F3859,
	0x2C855CB2, 0xDEEEDFB1, 0xCDBE2C45, 0x3FD5AF46,
	0x7198540D, 0x83F3D70E, 0x90A324FA, 0x62C8A7F9,
	0xB602C312, 0x44694011, 0x5739B3E5, 0xA55230E6,
	0xFB410CC2, 0x092A8FC1, 0x1A7A7C35, 0xE811FF36,
	0x3CDB9BDD, 0xCEB018DE, 0xDDE0EB2A, 0x2F8B6829,
	0x82F63B78, 0x709DB87B, 0x63CD4B8F, 0x91A6C88C,
	0x456CAC67, 0xB7072F64, 0xA457DC90, 0x563C5F93,
	0x082F63B7, 0xFA44E0B4, 0xE9141340, 0x1B7F9043,
	0xCFB5F4A8, 0x3DDE77AB, 0x2E8E845F, 0xDCE5075C,
	0x92A8FC17, 0x60C37F14, 0x73938CE0, 0x81F80FE3,
	0x55326B08, 0xA759E80B, 0xB4091BFF, 0x466298FC,
	0x1871A4D8, 0xEA1A27DB, 0xF94AD42F, 0x0B21572C,
	0xDFEB33C7, 0x2D80B0C4, 0x3ED04330, 0xCCBBC033,
	0xA24BB5A6, 0x502036A5, 0x4370C551, 0xB11B4652,
	0x65D122B9, 0x97BAA1BA, 0x84EA524E, 0x7681D14D,
	0x2892ED69, 0xDAF96E6A, 0xC9A99D9E, 0x3BC21E9D,
	0xEF087A76, 0x1D63F975, 0x0E330A81, 0xFC588982,
	0xB21572C9, 0x407EF1CA, 0x532E023E, 0xA145813D,
	0x758FE5D6, 0x87E466D5, 0x94B49521, 0x66DF1622,
	0x38CC2A06, 0xCAA7A905, 0xD9F75AF1, 0x2B9CD9F2,
	0xFF56BD19, 0x0D3D3E1A, 0x1E6DCDEE, 0xEC064EED,
	0xC38D26C4, 0x31E6A5C7, 0x22B65633, 0xD0DDD530,
	0x0417B1DB, 0xF67C32D8, 0xE52CC12C, 0x1747422F,
	0x49547E0B, 0xBB3FFD08, 0xA86F0EFC, 0x5A048DFF,
	0x8ECEE914, 0x7CA56A17, 0x6FF599E3, 0x9D9E1AE0,
	0xD3D3E1AB, 0x21B862A8, 0x32E8915C, 0xC083125F,
	0x144976B4, 0xE622F5B7, 0xF5720643, 0x07198540,
	0x590AB964, 0xAB613A67, 0xB831C993, 0x4A5A4A90,
	0x9E902E7B, 0x6CFBAD78, 0x7FAB5E8C, 0x8DC0DD8F,
	0xE330A81A, 0x115B2B19, 0x020BD8ED, 0xF0605BEE,
	0x24AA3F05, 0xD6C1BC06, 0xC5914FF2, 0x37FACCF1,
	0x69E9F0D5, 0x9B8273D6, 0x88D28022, 0x7AB90321,
	0xAE7367CA, 0x5C18E4C9, 0x4F48173D, 0xBD23943E,
	0xF36E6F75, 0x0105EC76, 0x12551F82, 0xE03E9C81,
	0x34F4F86A, 0xC69F7B69, 0xD5CF889D, 0x27A40B9E,
	0x79B737BA, 0x8BDCB4B9, 0x988C474D, 0x6AE7C44E,
	0xBE2DA0A5, 0x4C4623A6, 0x5F16D052, 0xAD7D5351,
};

/* CRC-32C of buf continuing from crc (start with 0). */
uint32_t
mg_crc32c(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t	c = ~crc;
	size_t		i;

	for (i = 0; i < len; i++)
		c = crc32c_table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
	return ~c;
}

/* Free a model and everything it owns (NULL is fine). */
void
mg_model_free(const mg_alloc *a, mg_model *model)
{
	if (model == NULL)
		return;
	mg_prep_free(a, model->prep);
	mg_free(a, model->g_params);
	mg_free(a, model->d_params);
	mg_free(a, model->e_params);
	mg_free(a, model->resid_scale);
	mg_free(a, model->attr_scale);
	mg_free(a, model->meta);
	mg_free(a, model);
}

/* ---------------------------------------------------------------------
 * Writer: a cursor over a buffer sized exactly in advance
 * --------------------------------------------------------------------- */
typedef struct blob_writer
{
	uint8_t    *p;
	size_t		pos;
} blob_writer;

/* append a little-endian u32 */
static void
put_u32(blob_writer *w, uint32_t v)
{
	int			i;

	for (i = 0; i < 4; i++)
		w->p[w->pos++] = (uint8_t) (v >> (8 * i));
}

/* append a little-endian u64 */
static void
put_u64(blob_writer *w, uint64_t v)
{
	int			i;

	for (i = 0; i < 8; i++)
		w->p[w->pos++] = (uint8_t) (v >> (8 * i));
}

/* append an i32 (two's complement) */
static void
put_i32(blob_writer *w, int32_t v)
{
	put_u32(w, (uint32_t) v);
}

/* append an i64 (two's complement) */
static void
put_i64(blob_writer *w, int64_t v)
{
	put_u64(w, (uint64_t) v);
}

/* append an IEEE single */
static void
put_f32(blob_writer *w, float v)
{
	uint32_t	u;

	memcpy(&u, &v, 4);
	put_u32(w, u);
}

/* append an IEEE double */
static void
put_f64(blob_writer *w, double v)
{
	uint64_t	u;

	memcpy(&u, &v, 8);
	put_u64(w, u);
}

/* ---------------------------------------------------------------------
 * Reader: bounds-checked cursor; any overrun sets a sticky error and
 * yields zeros
 * --------------------------------------------------------------------- */
typedef struct blob_reader
{
	const uint8_t *p;
	size_t		len;			/* readable bytes (the checksum excluded) */
	size_t		pos;
	int			err;
	uint32_t	version;		/* format version of the blob being read */
} blob_reader;

/* 1 if n more bytes can be read; else sets the error flag */
static int
rd_need(blob_reader *r, size_t n)
{
	if (r->err || n > r->len - r->pos)
	{
		r->err = 1;
		return 0;
	}
	return 1;
}

/* 1 if count items of size bytes can be read (overflow-safe) */
static int
rd_need_n(blob_reader *r, uint64_t count, size_t size)
{
	if (r->err || count > (uint64_t) ((r->len - r->pos) / size))
	{
		r->err = 1;
		return 0;
	}
	return 1;
}

/* read a little-endian u32 */
static uint32_t
get_u32(blob_reader *r)
{
	uint32_t	v = 0;
	int			i;

	if (!rd_need(r, 4))
		return 0;
	for (i = 0; i < 4; i++)
		v |= (uint32_t) r->p[r->pos++] << (8 * i);
	return v;
}

/* read a little-endian u64 */
static uint64_t
get_u64(blob_reader *r)
{
	uint64_t	v = 0;
	int			i;

	if (!rd_need(r, 8))
		return 0;
	for (i = 0; i < 8; i++)
		v |= (uint64_t) r->p[r->pos++] << (8 * i);
	return v;
}

/* read an i32 */
static int32_t
get_i32(blob_reader *r)
{
	return (int32_t) get_u32(r);
}

/* read an i64 */
static int64_t
get_i64(blob_reader *r)
{
	return (int64_t) get_u64(r);
}

/* read an IEEE single */
static float
get_f32(blob_reader *r)
{
	uint32_t	u = get_u32(r);
	float		v;

	memcpy(&v, &u, 4);
	return v;
}

/* read an IEEE double */
static double
get_f64(blob_reader *r)
{
	uint64_t	u = get_u64(r);
	double		v;

	memcpy(&v, &u, 8);
	return v;
}

/* ---------------------------------------------------------------------
 * Field lists shared by size computation, writer and reader
 * --------------------------------------------------------------------- */

/* bytes of the serialised mg_config */
#define CFG_BYTES (37 * 4 + 7 * 8)	/* 27 i32 + 10 f32; 7 eight-byte */

/* write every mg_config field in declaration order */
static void
put_config(blob_writer *w, const mg_config *c)
{
	put_i32(w, c->seq_len);
	put_i32(w, c->step);
	put_i64(w, c->max_train_windows);
	put_i32(w, c->latent_dim);
	put_i32(w, c->hidden_g);
	put_i32(w, c->hidden_d);
	put_i32(w, c->layers_g);
	put_i32(w, c->layers_d);
	put_i32(w, c->init);
	put_i32(w, c->epochs);
	put_i32(w, c->batch_size);
	put_i32(w, c->d_rounds);
	put_i32(w, c->g_rounds);
	put_i32(w, c->loss);
	put_f32(w, c->lr_d);
	put_f32(w, c->lr_g);
	put_f32(w, c->weight_decay);
	put_i32(w, c->wd_mode);
	put_f32(w, c->beta1);
	put_f32(w, c->beta2);
	put_f32(w, c->adam_eps);
	put_f32(w, c->clip_norm);
	put_i32(w, c->reference_batching);
	put_u64(w, c->seed);
	put_i32(w, c->normalize);
	put_i32(w, c->pca_components);
	put_f64(w, c->lambda);
	put_i32(w, c->score_step);
	put_i32(w, c->invert_iters);
	put_f32(w, c->invert_lr);
	put_f32(w, c->invert_tol);
	put_i32(w, c->invert_optim);
	put_i32(w, c->warm_start);
	put_i32(w, c->threshold_auto);
	put_f64(w, c->threshold);
	put_f64(w, c->threshold_quantile);
	put_i64(w, c->threshold_windows);
	/* version 2 */
	put_i32(w, c->encoder);
	put_f32(w, c->rec_weight);
	put_i32(w, c->resid_norm);
	put_i32(w, c->resid_agg);
	/* version 3 */
	put_f64(w, c->pot_risk);
	put_i32(w, c->smooth);
	/* version 4 */
	put_i32(w, c->attribution);
}

/* read every mg_config field in declaration order */
static void
get_config(blob_reader *r, mg_config *c)
{
	memset(c, 0, sizeof(*c));
	c->seq_len = get_i32(r);
	c->step = get_i32(r);
	c->max_train_windows = get_i64(r);
	c->latent_dim = get_i32(r);
	c->hidden_g = get_i32(r);
	c->hidden_d = get_i32(r);
	c->layers_g = get_i32(r);
	c->layers_d = get_i32(r);
	c->init = get_i32(r);
	c->epochs = get_i32(r);
	c->batch_size = get_i32(r);
	c->d_rounds = get_i32(r);
	c->g_rounds = get_i32(r);
	c->loss = get_i32(r);
	c->lr_d = get_f32(r);
	c->lr_g = get_f32(r);
	c->weight_decay = get_f32(r);
	c->wd_mode = get_i32(r);
	c->beta1 = get_f32(r);
	c->beta2 = get_f32(r);
	c->adam_eps = get_f32(r);
	c->clip_norm = get_f32(r);
	c->reference_batching = get_i32(r);
	c->seed = get_u64(r);
	c->normalize = get_i32(r);
	c->pca_components = get_i32(r);
	c->lambda = get_f64(r);
	c->score_step = get_i32(r);
	c->invert_iters = get_i32(r);
	c->invert_lr = get_f32(r);
	c->invert_tol = get_f32(r);
	c->invert_optim = get_i32(r);
	c->warm_start = get_i32(r);
	c->threshold_auto = get_i32(r);
	c->threshold = get_f64(r);
	c->threshold_quantile = get_f64(r);
	c->threshold_windows = get_i64(r);
	if (r->version >= 2)
	{
		c->encoder = get_i32(r);
		c->rec_weight = get_f32(r);
		c->resid_norm = get_i32(r);
		c->resid_agg = get_i32(r);
	}
	/* version 1: no encoder, no residual scaling (memset above) */
	if (r->version >= 3)
	{
		c->pot_risk = get_f64(r);
		c->smooth = get_i32(r);
	}
	else
	{
		c->pot_risk = MG_DEFAULT_POT_RISK;
		c->smooth = 1;
	}
	/* before version 4: top_cols by residual (memset above) */
	if (r->version >= 4)
		c->attribution = get_i32(r);
}

/* bytes of the serialised mg_train_stats */
#define STATS_BYTES (2 * 4 + 2 * 8 + 8 * 8)

/* write the training statistics */
static void
put_stats(blob_writer *w, const mg_train_stats *s)
{
	put_i32(w, s->epochs_run);
	put_i64(w, s->n_rows);
	put_i64(w, s->n_windows);
	put_i32(w, s->n_series);
	put_f64(w, s->loss_d);
	put_f64(w, s->loss_g);
	put_f64(w, s->d_real);
	put_f64(w, s->d_fake);
	put_f64(w, s->train_score_mean);
	put_f64(w, s->train_score_sd);
	put_f64(w, s->train_rec_mean);
	put_f64(w, s->loss_rec);
}

/* read the training statistics */
static void
get_stats(blob_reader *r, mg_train_stats *s)
{
	s->epochs_run = get_i32(r);
	s->n_rows = get_i64(r);
	s->n_windows = get_i64(r);
	s->n_series = get_i32(r);
	s->loss_d = get_f64(r);
	s->loss_g = get_f64(r);
	s->d_real = get_f64(r);
	s->d_fake = get_f64(r);
	s->train_score_mean = get_f64(r);
	s->train_score_sd = get_f64(r);
	s->train_rec_mean = get_f64(r);
	s->loss_rec = r->version >= 2 ? get_f64(r) : 0.0;
}

/* write a network specification */
static void
put_spec(blob_writer *w, const mg_net_spec *s)
{
	put_i32(w, s->in);
	put_i32(w, s->hidden);
	put_i32(w, s->layers);
	put_i32(w, s->out);
	put_i32(w, s->out_act);
}

/* read a network specification */
static void
get_spec(blob_reader *r, mg_net_spec *s)
{
	s->in = get_i32(r);
	s->hidden = get_i32(r);
	s->layers = get_i32(r);
	s->out = get_i32(r);
	s->out_act = get_i32(r);
}

/* read n doubles, all finite; 0 on overrun or non-finite value */
static int
get_f64_array(blob_reader *r, double *dst, size_t n)
{
	size_t		i;

	if (!rd_need_n(r, n, 8))
		return 0;
	for (i = 0; i < n; i++)
	{
		dst[i] = get_f64(r);
		if (!isfinite(dst[i]))
			return 0;
	}
	return 1;
}

/* read n floats, all finite; 0 on overrun or non-finite value */
static int
get_f32_array(blob_reader *r, float *dst, size_t n)
{
	size_t		i;

	if (!rd_need_n(r, n, 4))
		return 0;
	for (i = 0; i < n; i++)
	{
		dst[i] = get_f32(r);
		if (!isfinite(dst[i]))
			return 0;
	}
	return 1;
}

/*
 * Read n per-column scales into a new array *out: all finite, positive
 * except the last n0, which may be 0; n 0 leaves *out NULL.
 */
static mg_status
get_scales(blob_reader *r, const mg_alloc *a, uint32_t n, uint32_t n0,
		   float **out)
{
	uint32_t	j;

	if (n == 0)
		return MG_OK;
	*out = mg_malloc(a, n, sizeof(float));
	if (*out == NULL)
		return MG_ERR_NOMEM;
	if (!get_f32_array(r, *out, n))
		return MG_ERR_BLOB_INVALID;
	for (j = 0; j < n; j++)
		if (!((*out)[j] > 0.0f || (j >= n - n0 && (*out)[j] == 0.0f)))
			return MG_ERR_BLOB_INVALID;
	return MG_OK;
}

/* 1 if spec is exactly what mg_fit builds for this configuration */
static int
spec_ok(const mg_net_spec *s, int in, int hidden, int layers, int out, int act)
{
	return s->in == in && s->hidden == hidden && s->layers == layers &&
		s->out == out && s->out_act == act;
}

/* ---------------------------------------------------------------------
 * Deserialisation
 * --------------------------------------------------------------------- */

/* Parse and validate the fields after the header into a fresh model. */
static mg_status
parse_body(blob_reader *r, const mg_alloc *a, mg_model *mdl)
{
	mg_prep    *p;
	const mg_config *c = &mdl->cfg;
	const char *field;
	uint64_t	ng,
				nd;
	uint32_t	meta_len;
	int			m,
				k;
	mg_status	st;

	get_config(r, &mdl->cfg);
	if (r->err)
		return MG_ERR_BLOB_INVALID;
	if (mg_config_validate(c, &field) != MG_OK)
		return MG_ERR_BLOB_INVALID;

	m = mdl->m = get_i32(r);
	k = mdl->k = get_i32(r);
	if (r->err || m < 1 || m > MG_BLOB_MAX_COLS || k < 1 || k > m)
		return MG_ERR_BLOB_INVALID;

	/* preprocessing */
	p = mdl->prep = mg_calloc(a, 1, sizeof(mg_prep));
	if (p == NULL)
		return MG_ERR_NOMEM;
	p->m = m;
	p->norm = get_i32(r);
	p->pca_k = get_i32(r);
	if (r->err ||
		(p->norm != MG_NORM_MINMAX && p->norm != MG_NORM_ZSCORE &&
		 p->norm != MG_NORM_NONE) ||
		p->pca_k < 0 || p->pca_k > m ||
		k != (p->pca_k > 0 ? p->pca_k : m))
		return MG_ERR_BLOB_INVALID;
	p->k = k;
	p->shift = mg_malloc(a, (size_t) m, sizeof(double));
	p->scale = mg_malloc(a, (size_t) m, sizeof(double));
	if (p->shift == NULL || p->scale == NULL)
		return MG_ERR_NOMEM;
	if (!get_f64_array(r, p->shift, m) || !get_f64_array(r, p->scale, m))
		return MG_ERR_BLOB_INVALID;
	if (p->pca_k > 0)
	{
		if (!rd_need_n(r, (uint64_t) (p->pca_k + 1) * m, 8))
			return MG_ERR_BLOB_INVALID;
		p->pca_mean = mg_malloc(a, (size_t) m, sizeof(double));
		p->pca_comp = mg_malloc(a, (size_t) p->pca_k * m, sizeof(double));
		if (p->pca_mean == NULL || p->pca_comp == NULL)
			return MG_ERR_NOMEM;
		if (!get_f64_array(r, p->pca_mean, m) ||
			!get_f64_array(r, p->pca_comp, (size_t) p->pca_k * m))
			return MG_ERR_BLOB_INVALID;
	}

	/* networks: specifications must be what the configuration implies */
	get_spec(r, &mdl->gspec);
	get_spec(r, &mdl->dspec);
	if (r->err ||
		!spec_ok(&mdl->gspec, c->latent_dim, c->hidden_g, c->layers_g, k,
				 MG_ACT_TANH) ||
		!spec_ok(&mdl->dspec, k, c->hidden_d, c->layers_d, 1, MG_ACT_NONE))
		return MG_ERR_BLOB_INVALID;
	ng = get_u64(r);
	if (r->err || ng != (uint64_t) mg_net_nparams(&mdl->gspec) ||
		!rd_need_n(r, ng, 4))
		return MG_ERR_BLOB_INVALID;
	mdl->g_params = mg_malloc(a, (size_t) ng, sizeof(float));
	if (mdl->g_params == NULL)
		return MG_ERR_NOMEM;
	if (!get_f32_array(r, mdl->g_params, (size_t) ng))
		return MG_ERR_BLOB_INVALID;
	nd = get_u64(r);
	if (r->err || nd != (uint64_t) mg_net_nparams(&mdl->dspec) ||
		!rd_need_n(r, nd, 4))
		return MG_ERR_BLOB_INVALID;
	mdl->d_params = mg_malloc(a, (size_t) nd, sizeof(float));
	if (mdl->d_params == NULL)
		return MG_ERR_NOMEM;
	if (!get_f32_array(r, mdl->d_params, (size_t) nd))
		return MG_ERR_BLOB_INVALID;

	/* version 2: encoder and residual scales */
	if (r->version >= 2)
	{
		uint64_t	ne;
		uint32_t	nsc;

		if (c->encoder)
		{
			get_spec(r, &mdl->espec);
			if (r->err ||
				!spec_ok(&mdl->espec, k, c->hidden_g, c->layers_g,
						 c->latent_dim, MG_ACT_NONE))
				return MG_ERR_BLOB_INVALID;
			ne = get_u64(r);
			if (r->err || ne != (uint64_t) mg_net_nparams(&mdl->espec) ||
				!rd_need_n(r, ne, 4))
				return MG_ERR_BLOB_INVALID;
			mdl->e_params = mg_malloc(a, (size_t) ne, sizeof(float));
			if (mdl->e_params == NULL)
				return MG_ERR_NOMEM;
			if (!get_f32_array(r, mdl->e_params, (size_t) ne))
				return MG_ERR_BLOB_INVALID;
		}
		nsc = get_u32(r);
		if (r->err ||
			nsc != (uint32_t) MG_RESID_NSCALES(c->resid_norm, m) ||
			!rd_need_n(r, nsc, 4))
			return MG_ERR_BLOB_INVALID;
		/* zscore: scale[m], spread[m], then centre[m] >= 0 */
		st = get_scales(r, a, nsc,
						c->resid_norm == MG_RESID_ZSCORE ? (uint32_t) m : 0,
						&mdl->resid_scale);
		if (st != MG_OK)
			return st;
	}

	/* version 4: deviation scales, required by attribution 'deviation' */
	if (r->version >= 4)
	{
		uint32_t	na = get_u32(r);

		if (r->err || (na != 0 && na != (uint32_t) m) ||
			(na == 0 && c->attribution == MG_ATTR_DEVIATION) ||
			!rd_need_n(r, na, 4))
			return MG_ERR_BLOB_INVALID;
		st = get_scales(r, a, na, 0, &mdl->attr_scale);
		if (st != MG_OK)
			return st;
	}

	/* scalars */
	mdl->threshold = get_f64(r);
	get_stats(r, &mdl->stats);
	if (r->err || !isfinite(mdl->threshold) ||
		mdl->stats.epochs_run < 0 || mdl->stats.epochs_run > c->epochs ||
		mdl->stats.n_rows < 0 || mdl->stats.n_windows < 0 ||
		mdl->stats.n_series < 0 ||
		!isfinite(mdl->stats.loss_d) || !isfinite(mdl->stats.loss_g) ||
		!isfinite(mdl->stats.d_real) || !isfinite(mdl->stats.d_fake) ||
		!isfinite(mdl->stats.train_score_mean) ||
		!isfinite(mdl->stats.train_score_sd) ||
		!isfinite(mdl->stats.train_rec_mean) ||
		!isfinite(mdl->stats.loss_rec))
		return MG_ERR_BLOB_INVALID;

	/* opaque metadata, kept NUL-terminated for the glue's convenience */
	meta_len = get_u32(r);
	if (r->err || !rd_need(r, meta_len))
		return MG_ERR_BLOB_INVALID;
	if (meta_len > 0)
	{
		mdl->meta = mg_malloc(a, (size_t) meta_len + 1, 1);
		if (mdl->meta == NULL)
			return MG_ERR_NOMEM;
		memcpy(mdl->meta, r->p + r->pos, meta_len);
		mdl->meta[meta_len] = '\0';
		mdl->meta_len = meta_len;
		r->pos += meta_len;
	}

	/* the fields must end exactly at the checksum */
	if (r->pos != r->len)
		return MG_ERR_BLOB_INVALID;
	return MG_OK;
}

/* Validate a blob and load it into a new model; see the file header. */
mg_status
mg_model_deserialize(const uint8_t *buf, size_t len, const mg_alloc *a,
					 mg_model **out)
{
	blob_reader r;
	mg_model   *mdl;
	uint32_t	crc;
	uint64_t	total;
	mg_status	rc;

	*out = NULL;
	if (buf == NULL)
		return MG_ERR_BLOB_SHORT;
	if (len >= 8 && memcmp(buf, MG_BLOB_MAGIC, 8) != 0)
		return MG_ERR_BLOB_MAGIC;
	if (len < MG_BLOB_MIN)
		return MG_ERR_BLOB_SHORT;

	r.p = buf;
	r.len = len - 4;
	r.pos = 8;
	r.err = 0;
	r.version = get_u32(&r);
	if (r.version < 1 || r.version > MG_BLOB_FORMAT_VERSION)
		return MG_ERR_BLOB_VERSION;
	if (get_u32(&r) != 0)
		return MG_ERR_BLOB_INVALID;	/* no flags defined in versions 1-2 */
	total = get_u64(&r);
	if (total != (uint64_t) len)
		return MG_ERR_BLOB_SHORT;
	crc = (uint32_t) buf[len - 4] | (uint32_t) buf[len - 3] << 8 |
		(uint32_t) buf[len - 2] << 16 | (uint32_t) buf[len - 1] << 24;
	if (crc != mg_crc32c(0, buf, len - 4))
		return MG_ERR_BLOB_CHECKSUM;

	mdl = mg_calloc(a, 1, sizeof(mg_model));
	if (mdl == NULL)
		return MG_ERR_NOMEM;
	rc = parse_body(&r, a, mdl);
	if (rc != MG_OK)
	{
		mg_model_free(a, mdl);
		return rc;
	}
	*out = mdl;
	return MG_OK;
}

/* ---------------------------------------------------------------------
 * Serialisation
 * --------------------------------------------------------------------- */

/* Write model into a fresh buffer; the result is re-read as a check. */
mg_status
mg_model_serialize(const mg_model *model, const mg_alloc *a,
				   uint8_t **out, size_t *len)
{
	const mg_prep *p = model->prep;
	blob_writer w;
	size_t		ng,
				nd,
				ne = 0,
				nsc = 0,
				na = 0,
				size,
				i;
	int			m = model->m;
	mg_model   *check;
	mg_status	rc;
	const mg_config *c = &model->cfg;
	const char *field;

	*out = NULL;
	*len = 0;
	/* refuse inconsistent models before reading any array */
	if (p == NULL || m < 1 || m > MG_BLOB_MAX_COLS || p->m != m ||
		p->pca_k < 0 || p->pca_k > m || p->k != model->k ||
		model->k != (p->pca_k > 0 ? p->pca_k : m) ||
		p->shift == NULL || p->scale == NULL ||
		model->g_params == NULL || model->d_params == NULL ||
		(model->meta_len > 0 && model->meta == NULL) ||
		(p->pca_k > 0 && (p->pca_mean == NULL || p->pca_comp == NULL)) ||
		mg_config_validate(c, &field) != MG_OK ||
		!spec_ok(&model->gspec, c->latent_dim, c->hidden_g, c->layers_g,
				 model->k, MG_ACT_TANH) ||
		!spec_ok(&model->dspec, model->k, c->hidden_d, c->layers_d, 1,
				 MG_ACT_NONE) ||
		(c->encoder &&
		 (model->e_params == NULL ||
		  !spec_ok(&model->espec, model->k, c->hidden_g, c->layers_g,
				   c->latent_dim, MG_ACT_NONE))) ||
		(c->resid_norm != MG_RESID_NONE && model->resid_scale == NULL) ||
		(c->attribution == MG_ATTR_DEVIATION && model->attr_scale == NULL))
		return MG_ERR_ARG;
	ng = mg_net_nparams(&model->gspec);
	nd = mg_net_nparams(&model->dspec);
	if (c->encoder)
		ne = mg_net_nparams(&model->espec);
	nsc = (size_t) MG_RESID_NSCALES(c->resid_norm, m);
	if (model->attr_scale != NULL)
		na = (size_t) m;

	size = MG_BLOB_HEADER + CFG_BYTES + 2 * 4 + 2 * 4 +
		(size_t) 2 * m * 8 + 2 * 5 * 4 + 8 + 8 + 8 + STATS_BYTES + 4 +
		(size_t) model->meta_len + 4;
	if (p->pca_k > 0)
		size += (size_t) (p->pca_k + 1) * m * 8;
	size += 4 + 4 * nsc + 4 + 4 * na;
	if (c->encoder)
		size += 5 * 4 + 8;
	if (nd > ((size_t) -1 - size) / 4 ||
		ng > ((size_t) -1 - size) / 4 - nd ||
		ne > ((size_t) -1 - size) / 4 - nd - ng)
		return MG_ERR_NOMEM;
	size += 4 * (ng + nd + ne);

	w.p = mg_malloc(a, size, 1);
	if (w.p == NULL)
		return MG_ERR_NOMEM;
	w.pos = 0;
	memcpy(w.p, MG_BLOB_MAGIC, 8);
	w.pos = 8;
	put_u32(&w, MG_BLOB_FORMAT_VERSION);
	put_u32(&w, 0);
	put_u64(&w, (uint64_t) size);
	put_config(&w, &model->cfg);
	put_i32(&w, m);
	put_i32(&w, model->k);
	put_i32(&w, p->norm);
	put_i32(&w, p->pca_k);
	for (i = 0; i < (size_t) m; i++)
		put_f64(&w, p->shift[i]);
	for (i = 0; i < (size_t) m; i++)
		put_f64(&w, p->scale[i]);
	if (p->pca_k > 0)
	{
		for (i = 0; i < (size_t) m; i++)
			put_f64(&w, p->pca_mean[i]);
		for (i = 0; i < (size_t) p->pca_k * m; i++)
			put_f64(&w, p->pca_comp[i]);
	}
	put_spec(&w, &model->gspec);
	put_spec(&w, &model->dspec);
	put_u64(&w, ng);
	for (i = 0; i < ng; i++)
		put_f32(&w, model->g_params[i]);
	put_u64(&w, nd);
	for (i = 0; i < nd; i++)
		put_f32(&w, model->d_params[i]);
	if (c->encoder)
	{
		put_spec(&w, &model->espec);
		put_u64(&w, ne);
		for (i = 0; i < ne; i++)
			put_f32(&w, model->e_params[i]);
	}
	put_u32(&w, (uint32_t) nsc);
	for (i = 0; i < nsc; i++)
		put_f32(&w, model->resid_scale[i]);
	put_u32(&w, (uint32_t) na);
	for (i = 0; i < na; i++)
		put_f32(&w, model->attr_scale[i]);
	put_f64(&w, model->threshold);
	put_stats(&w, &model->stats);
	put_u32(&w, model->meta_len);
	if (model->meta_len > 0)
	{
		memcpy(w.p + w.pos, model->meta, model->meta_len);
		w.pos += model->meta_len;
	}
	put_u32(&w, mg_crc32c(0, w.p, w.pos));

	/* never hand out a blob that would be refused on load */
	rc = (w.pos == size) ?
		mg_model_deserialize(w.p, size, a, &check) : MG_ERR_BLOB_INVALID;
	if (rc != MG_OK)
	{
		mg_free(a, w.p);
		return rc == MG_ERR_NOMEM ? rc : MG_ERR_ARG;
	}
	mg_model_free(a, check);
	*out = w.p;
	*len = size;
	return MG_OK;
}
