-- ---------------------------------------------------------------------------
-- mimgan_score_window(blob, frame): one window scored with a model given as
-- its blob (src/pg/score_blob.c).  IMMUTABLE: the result depends on the
-- arguments only, so postgres_fdw can ship it (doc/scale-out.md).
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.mimgan_score_window(blob bytea, frame float8[])
RETURNS float8
AS 'MODULE_PATHNAME', 'mimgan_score_window'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.mimgan_score_window(bytea, float8[]) IS
'Score one window with the model whose blob (mimgan_export) is given: '
'frame holds seq_len rows of the model''s columns, oldest first, as a 2-D '
'array [seq_len][m] or seq_len * m values row after row. Returns the DIRE '
'score of the last step, as mimgan_window_score does for a frame; NULL '
'when the frame has fewer than seq_len rows or a value is NULL, NaN or '
'infinite. IMMUTABLE (no catalog is read), '
'so postgres_fdw can ship it to a server that lists mimgan in its '
'"extensions" option.';
