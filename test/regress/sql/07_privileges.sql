-- Privileges: no one reads data through a stream table or the catalog that
-- they could not read themselves, and only owners manage a stream table.
\set VERBOSITY default
CREATE ROLE pgt_alice LOGIN;
CREATE ROLE pgt_bob LOGIN;
CREATE SCHEMA alice_s AUTHORIZATION pgt_alice;
CREATE TABLE secret (id int, payload text);
INSERT INTO secret VALUES (1, 'classified');
CREATE TABLE open_data (id int, v int);
INSERT INTO open_data VALUES (1, 10), (2, 20);
GRANT SELECT ON open_data TO pgt_alice, pgt_bob;

SET ROLE pgt_alice;
-- No SELECT on the source: refused, with or without initialize.
SELECT pgtrickle.create_stream_table('alice_s.leak', 'SELECT * FROM secret', refresh_mode => 'FULL');
SELECT pgtrickle.create_stream_table('alice_s.leak', 'SELECT * FROM secret', refresh_mode => 'FULL', initialize => false);
-- No CREATE on the target schema: refused.
SELECT pgtrickle.create_stream_table('public.mine', 'SELECT * FROM open_data', refresh_mode => 'FULL');
-- Allowed: her schema, a table she can read.
SELECT pgtrickle.create_stream_table('alice_s.mine', 'SELECT id, v FROM open_data', refresh_mode => 'FULL');
SELECT id, v FROM alice_s.mine ORDER BY id;
-- The catalog is readable, not writable.
SELECT pgt_name FROM pgtrickle.pgt_stream_tables WHERE pgt_schema = 'alice_s';
UPDATE pgtrickle.pgt_stream_tables SET status = 'ACTIVE';
DELETE FROM pgtrickle.pgt_refresh_history;
INSERT INTO pgtrickle.pgt_dependencies VALUES (1, 1, 'x', 'y', 'TABLE');
RESET ROLE;
SELECT tableowner FROM pg_tables WHERE schemaname = 'alice_s' AND tablename = 'mine';

-- Bob does not own it: he may not refresh, alter or drop it.
GRANT USAGE ON SCHEMA alice_s TO pgt_bob;
SET ROLE pgt_bob;
SELECT pgtrickle.refresh_stream_table('alice_s.mine');
SELECT pgtrickle.alter_stream_table('alice_s.mine', schedule => '1m');
SELECT pgtrickle.drop_stream_table('alice_s.mine');
-- Nor read it without a grant.
SELECT * FROM alice_s.mine;
RESET ROLE;

-- A superuser's refresh runs the query as the owner: if the owner loses
-- access to a source, the refresh fails instead of leaking data.
REVOKE SELECT ON open_data FROM pgt_alice;
SELECT pgtrickle.refresh_stream_table('alice_s.mine');
GRANT SELECT ON open_data TO pgt_alice;
SELECT pgtrickle.refresh_stream_table('alice_s.mine');

SET ROLE pgt_alice;
SELECT pgtrickle.drop_stream_table('alice_s.mine');
RESET ROLE;
DROP SCHEMA alice_s;
DROP TABLE secret;
DROP TABLE open_data;
DROP ROLE pgt_alice;
DROP ROLE pgt_bob;
