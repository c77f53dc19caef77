-- Source gating (pgtrickle.gate_source / ungate_source / source_gates); the
-- scheduler's side is tested end to end in test/e2e (SchedulerGate).
\set SHOW_CONTEXT never
CREATE TABLE gate_src (id int PRIMARY KEY, v int);
INSERT INTO gate_src SELECT g, g FROM generate_series(1, 10) g;
SELECT pgtrickle.create_stream_table('gate_imm', 'SELECT id, v FROM gate_src', refresh_mode => 'IMMEDIATE');

-- Gates persist in an extension configuration table (pg_dump dumps its rows).
SELECT c.relname FROM pg_extension e, unnest(e.extconfig) x JOIN pg_class c ON c.oid = x
 WHERE e.extname = 'pg_trickle' AND c.relname = 'pgt_source_gates';

-- Only a role that owns the source or may write it gates it.
CREATE ROLE gate_reader;
CREATE ROLE gate_loader;
GRANT SELECT ON gate_src TO gate_reader;
GRANT INSERT ON gate_src TO gate_loader;
SET ROLE gate_reader;
SELECT pgtrickle.gate_source('gate_src');
SELECT pgtrickle.ungate_source('gate_src');
SET ROLE gate_loader;
SELECT pgtrickle.gate_source('gate_src');
RESET ROLE;
SELECT source_table, schema_name, gated, gated_at IS NOT NULL AS has_gated_at, ungated_at, gated_by
  FROM pgtrickle.source_gates();
-- Nobody writes the catalog directly.
SET ROLE gate_loader;
UPDATE pgtrickle.pgt_source_gates SET gated = false;
RESET ROLE;

-- IMMEDIATE stream tables are not affected by gates: maintained in the
-- writing statement as always.
INSERT INTO gate_src VALUES (11, 11);
SELECT count(*) FROM gate_imm;

-- Gating again is harmless; ungating twice says so.
SELECT pgtrickle.gate_source('gate_src');
SELECT pgtrickle.ungate_source('gate_src');
SELECT pgtrickle.ungate_source('gate_src');
SELECT source_table, gated, ungated_at IS NOT NULL AS has_ungated_at FROM pgtrickle.source_gates();
SELECT pgtrickle.gate_source('no_such_table');

SELECT pgtrickle.drop_stream_table('gate_imm');
DROP TABLE gate_src;
DROP ROLE gate_reader;
DROP ROLE gate_loader;
