-- mimgan 0.1.0 -> 0.2.0
--
-- Assembled by the Makefile from sql/0.2.0/NN_*.sql into the upgrade script
-- sql/mimgan--0.1.0--0.2.0.sql; the 0.2.0 install script is the frozen
-- sql/mimgan--0.1.0.sql followed by these same parts, so a fresh install
-- and an upgraded one run the same statements (test/t/007_upgrade.pl
-- checks that both end with identical objects).  Every part must therefore
-- work on top of a 0.1.0 schema: CREATE new objects, ALTER or CREATE OR
-- REPLACE existing ones.

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION mimgan UPDATE TO '0.2.0'" to load this file. \quit
