-- mimgan: MIM-GAN anomaly detection for multivariate time series
--
-- This install script is assembled from sql/install/NN_*.sql by the
-- Makefile; edit the parts, not sql/mimgan--X.Y.Z.sql.

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION mimgan" to load this file. \quit
