-- pg_trickle 0.2.0: stream tables for PostgreSQL.
\echo Use "CREATE EXTENSION pg_trickle" to load this file. \quit

-- The extension lives in schema pgtrickle; change buffers will live in
-- pgtrickle_changes. Both are created here (not by the control file) so that
-- they belong to the extension and DROP EXTENSION removes them.
CREATE SCHEMA pgtrickle;
COMMENT ON SCHEMA pgtrickle IS 'pg_trickle: stream tables API and catalog';
CREATE SCHEMA pgtrickle_changes;
COMMENT ON SCHEMA pgtrickle_changes IS 'pg_trickle change buffers (internal)';

-------------------------------------------------------------------------------
-- Catalog. Readable by everyone for monitoring; written only by the extension
-- (its functions switch to the extension owner for catalog writes).

CREATE TABLE pgtrickle.pgt_stream_tables (
    pgt_id                    bigserial PRIMARY KEY,
    pgt_relid                 oid NOT NULL UNIQUE,
    pgt_schema                text NOT NULL,
    pgt_name                  text NOT NULL,
    original_query            text NOT NULL,
    defining_query            text NOT NULL,
    schedule                  text NOT NULL DEFAULT 'calculated',
    refresh_mode              text NOT NULL DEFAULT 'AUTO'
        CHECK (refresh_mode IN ('AUTO', 'FULL', 'DIFFERENTIAL', 'IMMEDIATE')),
    effective_refresh_mode    text NOT NULL
        CHECK (effective_refresh_mode IN ('FULL', 'DIFFERENTIAL', 'IMMEDIATE')),
    effective_mode_reason     text,
    status                    text NOT NULL DEFAULT 'INITIALIZING'
        CHECK (status IN ('INITIALIZING', 'ACTIVE', 'SUSPENDED', 'ERROR')),
    is_populated              boolean NOT NULL DEFAULT false,
    data_timestamp            timestamptz,
    -- Exact frontier of DIFFERENTIAL stream tables: the snapshot of the last
    -- refresh, plus the changes of its own transaction it had already seen
    -- (transaction id and command id watermark).
    frontier                  pg_catalog.pg_snapshot,
    frontier_own_xid          pg_catalog.xid8,
    frontier_own_cid          bigint,
    -- Generated SQL of DIFFERENTIAL stream tables (derived at create/alter).
    unique_row_ids            boolean NOT NULL DEFAULT false,
    full_refresh_sql          text,
    delta_apply_sql           text,
    pending_changes_sql       text,
    -- How the query is maintained: the maintenance plan's text form (see
    -- pgtrickle.maintenance_plan()).
    maintenance_plan          text,
    last_refresh_at           timestamptz,
    consecutive_errors        integer NOT NULL DEFAULT 0,
    last_error_message        text,
    -- Set when something the maintenance was derived from changed (a view the
    -- query reads was redefined): the next refresh recomputes the table
    -- (history action REINITIALIZE, with this as its reason) and clears it.
    reinitialize_reason       text,
    diamond_consistency       text CHECK (diamond_consistency IN ('atomic', 'none')),
    diamond_schedule_policy   text CHECK (diamond_schedule_policy IN ('fastest', 'slowest')),
    cdc_mode                  text CHECK (cdc_mode IN ('auto', 'trigger', 'wal')),
    append_only               boolean NOT NULL DEFAULT false,
    pooler_compatibility_mode boolean NOT NULL DEFAULT false,
    created_at                timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_at                timestamptz NOT NULL DEFAULT pg_catalog.now(),
    UNIQUE (pgt_schema, pgt_name)
);
COMMENT ON TABLE pgtrickle.pgt_stream_tables IS 'pg_trickle: one row per stream table';
-- pg_dump dumps its rows (what each stream table is); after pg_restore,
-- pgtrickle.restore_stream_tables() links them to the restored tables.
SELECT pg_catalog.pg_extension_config_dump('pgtrickle.pgt_stream_tables', '');
SELECT pg_catalog.pg_extension_config_dump('pgtrickle.pgt_stream_tables_pgt_id_seq', '');

CREATE TABLE pgtrickle.pgt_dependencies (
    pgt_id        bigint NOT NULL REFERENCES pgtrickle.pgt_stream_tables ON DELETE CASCADE,
    source_relid  oid NOT NULL,
    source_schema text NOT NULL,
    source_name   text NOT NULL,
    source_type   text NOT NULL
        CHECK (source_type IN ('TABLE', 'PARTITIONED_TABLE', 'VIEW', 'MATERIALIZED_VIEW',
                               'FOREIGN_TABLE', 'STREAM_TABLE', 'OTHER')),
    through_view  boolean NOT NULL DEFAULT false,
    columns_used  text[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (pgt_id, source_relid)
);
CREATE INDEX ON pgtrickle.pgt_dependencies (source_relid);
COMMENT ON TABLE pgtrickle.pgt_dependencies IS 'pg_trickle: the relations each stream table reads';

-- pgt_id is not a foreign key: every refresh inserts a row here, and the
-- referential check would cost it a query; rows go with their stream table
-- through the trigger below instead.
CREATE TABLE pgtrickle.pgt_refresh_history (
    refresh_id     bigserial PRIMARY KEY,
    pgt_id         bigint NOT NULL,
    data_timestamp timestamptz,
    start_time     timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    end_time       timestamptz,
    action         text NOT NULL
        CHECK (action IN ('NO_DATA', 'FULL', 'DIFFERENTIAL', 'IMMEDIATE', 'REINITIALIZE')),
    status         text NOT NULL DEFAULT 'RUNNING'
        CHECK (status IN ('RUNNING', 'COMPLETED', 'FAILED', 'SKIPPED')),
    rows_inserted  bigint NOT NULL DEFAULT 0,
    rows_updated   bigint NOT NULL DEFAULT 0,
    rows_deleted   bigint NOT NULL DEFAULT 0,
    initiated_by   text NOT NULL
        CHECK (initiated_by IN ('MANUAL', 'SCHEDULER', 'INITIAL', 'ALTER', 'DDL')),
    reason         text,
    error_message  text
);

CREATE INDEX ON pgtrickle.pgt_refresh_history (pgt_id, start_time DESC);
COMMENT ON TABLE pgtrickle.pgt_refresh_history IS 'pg_trickle: one row per refresh';

CREATE FUNCTION pgtrickle._drop_refresh_history()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    DELETE FROM pgtrickle.pgt_refresh_history h USING gone WHERE h.pgt_id = gone.pgt_id;
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION pgtrickle._drop_refresh_history() FROM PUBLIC;
CREATE TRIGGER pgt_drop_refresh_history AFTER DELETE ON pgtrickle.pgt_stream_tables
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT
    EXECUTE FUNCTION pgtrickle._drop_refresh_history();

-- Change capture: one row per source table with a change buffer
-- (pgtrickle_changes.changes_<relid>) and capture triggers.
CREATE TABLE pgtrickle.pgt_change_tracking (
    source_relid      oid PRIMARY KEY,
    source_schema     text NOT NULL,
    source_name       text NOT NULL,
    buffer_relid      oid NOT NULL,
    captured_columns  text[] NOT NULL,   -- names now (empty: dropped)
    captured_attnums  int2[] NOT NULL,   -- buffer column c<attnum> holds each
    key_columns       text[] NOT NULL,
    -- The partitions / inheritance children whose capture triggers write into
    -- this buffer (every member of the source's hierarchy, at any depth).
    member_relids     oid[] NOT NULL DEFAULT '{}',
    -- Captured row by row (the source is itself a partition or inheritance
    -- child: statements on its ancestors do not fire its statement triggers).
    row_level         boolean NOT NULL DEFAULT false,
    created_at        timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE pgtrickle.pgt_change_tracking IS 'pg_trickle: change buffers of source tables';

REVOKE ALL ON pgtrickle.pgt_stream_tables, pgtrickle.pgt_dependencies,
              pgtrickle.pgt_refresh_history, pgtrickle.pgt_change_tracking FROM PUBLIC;
GRANT SELECT ON pgtrickle.pgt_stream_tables, pgtrickle.pgt_dependencies,
                pgtrickle.pgt_refresh_history, pgtrickle.pgt_change_tracking TO PUBLIC;
-- A stream table's catalog rows (its definition, refresh history and errors,
-- which can quote data) are visible to the roles that may read the stream
-- table itself. Superusers and the catalog's owner (pg_trickle's own work)
-- see every row.
ALTER TABLE pgtrickle.pgt_stream_tables ENABLE ROW LEVEL SECURITY;
CREATE POLICY readers ON pgtrickle.pgt_stream_tables FOR SELECT
    USING (pg_catalog.has_any_column_privilege(pgt_relid, 'SELECT'));
ALTER TABLE pgtrickle.pgt_dependencies ENABLE ROW LEVEL SECURITY;
CREATE POLICY readers ON pgtrickle.pgt_dependencies FOR SELECT
    USING (EXISTS (SELECT 1 FROM pgtrickle.pgt_stream_tables st WHERE st.pgt_id = pgt_dependencies.pgt_id));
ALTER TABLE pgtrickle.pgt_refresh_history ENABLE ROW LEVEL SECURITY;
CREATE POLICY readers ON pgtrickle.pgt_refresh_history FOR SELECT
    USING (EXISTS (SELECT 1 FROM pgtrickle.pgt_stream_tables st WHERE st.pgt_id = pgt_refresh_history.pgt_id));
-- Every role may look into the schema; what it may read there is decided per
-- buffer and column (cdc/buffer_grants.h).
REVOKE ALL ON SCHEMA pgtrickle_changes FROM PUBLIC;
GRANT USAGE ON SCHEMA pgtrickle_changes TO PUBLIC;
GRANT USAGE ON SCHEMA pgtrickle TO PUBLIC;

-------------------------------------------------------------------------------
-- SQL API (C++ in pg_trickle.so). They run as the caller: creating a stream
-- table needs CREATE on its schema and SELECT on its sources; altering,
-- refreshing and dropping need ownership of the stream table.

CREATE FUNCTION pgtrickle.create_stream_table(
    name                      text,
    query                     text,
    schedule                  text    DEFAULT 'calculated',
    refresh_mode              text    DEFAULT 'AUTO',
    initialize                boolean DEFAULT true,
    diamond_consistency       text    DEFAULT NULL,
    diamond_schedule_policy   text    DEFAULT NULL,
    cdc_mode                  text    DEFAULT NULL,
    append_only               boolean DEFAULT false,
    pooler_compatibility_mode boolean DEFAULT false
) RETURNS void
LANGUAGE c CALLED ON NULL INPUT VOLATILE
AS 'MODULE_PATHNAME', 'pgt_create_stream_table';

CREATE FUNCTION pgtrickle.alter_stream_table(
    name                      text,
    query                     text    DEFAULT NULL,
    schedule                  text    DEFAULT NULL,
    refresh_mode              text    DEFAULT NULL,
    status                    text    DEFAULT NULL,
    diamond_consistency       text    DEFAULT NULL,
    diamond_schedule_policy   text    DEFAULT NULL,
    cdc_mode                  text    DEFAULT NULL,
    append_only               boolean DEFAULT NULL,
    pooler_compatibility_mode boolean DEFAULT NULL,
    tier                      text    DEFAULT NULL
) RETURNS void
LANGUAGE c CALLED ON NULL INPUT VOLATILE
AS 'MODULE_PATHNAME', 'pgt_alter_stream_table';

CREATE FUNCTION pgtrickle.drop_stream_table(name text, cascade boolean DEFAULT false)
RETURNS void
LANGUAGE c CALLED ON NULL INPUT VOLATILE
AS 'MODULE_PATHNAME', 'pgt_drop_stream_table';

CREATE FUNCTION pgtrickle.refresh_stream_table(name text)
RETURNS void
LANGUAGE c CALLED ON NULL INPUT VOLATILE
AS 'MODULE_PATHNAME', 'pgt_refresh_stream_table';

-------------------------------------------------------------------------------
-- Monitoring.

-- After pg_restore of a database with stream tables: links the restored
-- catalog rows to the restored tables and makes them maintained again.
CREATE FUNCTION pgtrickle.restore_stream_tables(OUT name text, OUT outcome text)
RETURNS SETOF record
LANGUAGE c
AS 'MODULE_PATHNAME', 'pgt_restore_stream_tables';

-- Whether this database's background scheduler runs; if not, why and what to do.
CREATE FUNCTION pgtrickle.scheduler_status(OUT state text, OUT detail text, OUT hint text)
RETURNS record
LANGUAGE c STABLE
AS 'MODULE_PATHNAME', 'pgt_scheduler_status';

CREATE FUNCTION pgtrickle.pgt_status()
RETURNS TABLE (
    name                   text,
    status                 text,
    refresh_mode           text,
    is_populated           boolean,
    consecutive_errors     integer,
    schedule               text,
    data_timestamp         timestamptz,
    staleness              interval,
    effective_refresh_mode text,
    last_refresh_at        timestamptz,
    last_error_message     text
)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT pg_catalog.quote_ident(st.pgt_schema) || '.' || pg_catalog.quote_ident(st.pgt_name),
           st.status, st.refresh_mode, st.is_populated, st.consecutive_errors, st.schedule,
           st.data_timestamp,
           -- an IMMEDIATE table is current after every statement
           CASE WHEN st.effective_refresh_mode = 'IMMEDIATE' THEN interval '0'
                ELSE pg_catalog.now() - st.data_timestamp END,
           st.effective_refresh_mode, st.last_refresh_at, st.last_error_message
      FROM pgtrickle.pgt_stream_tables st
     ORDER BY st.pgt_schema, st.pgt_name
$$;

-- The last refreshes of one stream table, newest first. (The name is
-- resolved on the caller's search_path, like every other API function.)
CREATE FUNCTION pgtrickle.get_refresh_history(name text, max_rows integer DEFAULT 20)
RETURNS TABLE (
    refresh_id     bigint,
    data_timestamp timestamptz,
    start_time     timestamptz,
    end_time       timestamptz,
    action         text,
    status         text,
    rows_inserted  bigint,
    rows_updated   bigint,
    rows_deleted   bigint,
    duration_ms    float8,
    initiated_by   text,
    reason         text,
    error_message  text
)
LANGUAGE plpgsql STABLE STRICT
AS $$
DECLARE
    target oid := pg_catalog.to_regclass(name);
    id bigint;
BEGIN
    IF max_rows < 0 THEN
        RAISE EXCEPTION 'max_rows must not be negative (got %)', max_rows
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass how many of the latest refreshes to return, e.g. 20.';
    END IF;
    SELECT st.pgt_id INTO id FROM pgtrickle.pgt_stream_tables st WHERE st.pgt_relid = target;
    IF id IS NULL THEN
        RAISE EXCEPTION 'stream table "%" does not exist', name
            USING ERRCODE = 'undefined_table',
                  HINT = 'List stream tables with SELECT name FROM pgtrickle.pgt_status().';
    END IF;
    RETURN QUERY
    SELECT h.refresh_id, h.data_timestamp, h.start_time, h.end_time, h.action, h.status,
           h.rows_inserted, h.rows_updated, h.rows_deleted,
           (pg_catalog.date_part('epoch', h.end_time OPERATOR(pg_catalog.-) h.start_time)
              OPERATOR(pg_catalog.*) 1000)::float8,
           h.initiated_by, h.reason, h.error_message
      FROM pgtrickle.pgt_refresh_history h
     WHERE h.pgt_id OPERATOR(pg_catalog.=) id
     ORDER BY h.refresh_id DESC
     LIMIT max_rows;
END
$$;

-- A dry run of create_stream_table's analysis, creating nothing: the mode
-- AUTO would choose (first row, node 'AUTO'), then one row per node of the
-- maintenance plan (depth 1 and below): how each part of the query would be
-- maintained, or why it cannot be, with the HINT.
CREATE FUNCTION pgtrickle.validate_query(query text, OUT depth integer, OUT node text, OUT detail text,
                                         OUT consumes text, OUT produces text, OUT cost text, OUT hint text)
RETURNS SETOF record
LANGUAGE c CALLED ON NULL INPUT VOLATILE
AS 'MODULE_PATHNAME', 'pgt_validate_query';

-- Why a stream table is refreshed the way it is: the mode it was given, the
-- mode it runs in, why, and what to do about a FULL fallback.
CREATE FUNCTION pgtrickle.explain_refresh_mode(name text, OUT configured_mode text, OUT effective_mode text,
                                               OUT explanation text, OUT hint text)
LANGUAGE plpgsql VOLATILE STRICT
AS $$
DECLARE
    target oid := pg_catalog.to_regclass(name);
    st record;
BEGIN
    SELECT s.refresh_mode, s.effective_refresh_mode, s.effective_mode_reason, s.defining_query, s.append_only
      INTO st FROM pgtrickle.pgt_stream_tables s WHERE s.pgt_relid OPERATOR(pg_catalog.=) target;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'stream table "%" does not exist', name
            USING ERRCODE = 'undefined_table',
                  HINT = 'List stream tables with SELECT name FROM pgtrickle.pgt_status().';
    END IF;
    configured_mode := st.refresh_mode;
    effective_mode := st.effective_refresh_mode;
    IF st.effective_refresh_mode OPERATOR(pg_catalog.=) 'DIFFERENTIAL' THEN
        explanation := 'maintained from the changes of its sources (see pgtrickle.maintenance_plan for how)'
            OPERATOR(pg_catalog.||) CASE WHEN st.append_only THEN '; declared append-only' ELSE '' END;
    ELSIF st.refresh_mode OPERATOR(pg_catalog.=) 'FULL' THEN
        explanation := 'refresh_mode ''FULL'' was requested: every refresh recomputes the query';
        hint := 'pgtrickle.alter_stream_table(name, refresh_mode => ''AUTO'') refreshes it from its changes where '
                'its query allows it.';
    ELSE
        explanation := 'AUTO fell back to FULL: ' OPERATOR(pg_catalog.||) COALESCE(st.effective_mode_reason, '?');
        SELECT v.hint INTO hint FROM pgtrickle.validate_query(st.defining_query) v WHERE v.depth OPERATOR(pg_catalog.=) 0;
    END IF;
    RETURN;
END
$$;

-- The relations a stream table reads, and how their changes reach it.
CREATE FUNCTION pgtrickle.list_sources(name text)
RETURNS TABLE (source text, source_type text, through_view boolean, columns_used text[], change_capture text)
LANGUAGE plpgsql STABLE STRICT
AS $$
DECLARE
    target oid := pg_catalog.to_regclass(name);
    id bigint;
    differential boolean;
BEGIN
    SELECT s.pgt_id, s.effective_refresh_mode OPERATOR(pg_catalog.=) 'DIFFERENTIAL' INTO id, differential
      FROM pgtrickle.pgt_stream_tables s WHERE s.pgt_relid OPERATOR(pg_catalog.=) target;
    IF id IS NULL THEN
        RAISE EXCEPTION 'stream table "%" does not exist', name
            USING ERRCODE = 'undefined_table',
                  HINT = 'List stream tables with SELECT name FROM pgtrickle.pgt_status().';
    END IF;
    RETURN QUERY
    SELECT pg_catalog.quote_ident(d.source_schema) OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||)
               pg_catalog.quote_ident(d.source_name),
           d.source_type, d.through_view, d.columns_used,
           CASE WHEN t.source_relid IS NULL THEN
                    CASE WHEN d.source_type OPERATOR(pg_catalog.=) 'VIEW' THEN 'none (expanded: its tables are listed)'
                         ELSE 'none (read by FULL refreshes)' END
                WHEN t.row_level THEN 'row-level triggers (a partition or child read alone)'
                WHEN pg_catalog.cardinality(t.member_relids) OPERATOR(pg_catalog.>) 0 THEN
                    'statement triggers on it and its ' OPERATOR(pg_catalog.||)
                    pg_catalog.cardinality(t.member_relids) OPERATOR(pg_catalog.||) ' partitions / children'
                ELSE 'statement triggers' END
      FROM pgtrickle.pgt_dependencies d
      LEFT JOIN pgtrickle.pgt_change_tracking t
        ON differential AND t.source_relid OPERATOR(pg_catalog.=) d.source_relid
     WHERE d.pgt_id OPERATOR(pg_catalog.=) id
     ORDER BY 1;
END
$$;

-- How a stream table is maintained: one line per node of its maintenance
-- plan (operator, strategy, what it consumes and produces, cost class, the
-- tables it reads), or why it is refreshed FULL.
CREATE FUNCTION pgtrickle.maintenance_plan(name text)
RETURNS text
LANGUAGE plpgsql STABLE STRICT
AS $$
DECLARE
    target oid := pg_catalog.to_regclass(name);
    found boolean;
    plan text;
BEGIN
    SELECT true, st.maintenance_plan INTO found, plan
      FROM pgtrickle.pgt_stream_tables st WHERE st.pgt_relid OPERATOR(pg_catalog.=) target;
    IF found IS NULL THEN
        RAISE EXCEPTION 'stream table "%" does not exist', name
            USING ERRCODE = 'undefined_table',
                  HINT = 'List stream tables with SELECT name FROM pgtrickle.pgt_status().';
    END IF;
    RETURN plan;
END
$$;

-- Every stream table with what it reads, as an indented tree: roots are the
-- stream tables no other stream table reads; plain sources are leaves.
CREATE FUNCTION pgtrickle.dependency_tree()
RETURNS TABLE (
    tree_line    text,
    node         text,
    node_type    text,
    depth        integer,
    status       text,
    refresh_mode text
)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    root record;
BEGIN
    FOR root IN
        SELECT st.pgt_relid FROM pgtrickle.pgt_stream_tables st
         WHERE NOT EXISTS (SELECT 1 FROM pgtrickle.pgt_dependencies d WHERE d.source_relid = st.pgt_relid)
         ORDER BY st.pgt_schema, st.pgt_name
    LOOP
        RETURN QUERY SELECT * FROM pgtrickle._dependency_subtree(root.pgt_relid, '', '', 0);
    END LOOP;
END
$$;

CREATE FUNCTION pgtrickle._dependency_subtree(relid oid, line_prefix text, child_prefix text,
                                              level integer)
RETURNS TABLE (tree_line text, node text, node_type text, depth integer, status text,
               refresh_mode text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    st record;
    child record;
    n integer;
    i integer := 0;
BEGIN
    SELECT s.pgt_id, s.status, s.effective_refresh_mode INTO st
      FROM pgtrickle.pgt_stream_tables s WHERE s.pgt_relid = relid;
    tree_line := line_prefix || relid::regclass::text || CASE WHEN st.pgt_id IS NULL THEN ' [src]' ELSE '' END;
    node := relid::regclass::text;
    node_type := CASE WHEN st.pgt_id IS NULL THEN 'source_table' ELSE 'stream_table' END;
    depth := level;
    status := st.status;
    refresh_mode := st.effective_refresh_mode;
    RETURN NEXT;
    IF st.pgt_id IS NULL OR level > 100 THEN
        RETURN;
    END IF;
    SELECT count(*) INTO n FROM pgtrickle.pgt_dependencies d WHERE d.pgt_id = st.pgt_id;
    FOR child IN
        SELECT d.source_relid FROM pgtrickle.pgt_dependencies d
         WHERE d.pgt_id = st.pgt_id ORDER BY d.source_schema, d.source_name
    LOOP
        i := i + 1;
        RETURN QUERY SELECT * FROM pgtrickle._dependency_subtree(
            child.source_relid,
            child_prefix || CASE WHEN i = n THEN '└── ' ELSE '├── ' END,
            child_prefix || CASE WHEN i = n THEN '    ' ELSE '│   ' END,
            level + 1);
    END LOOP;
END
$$;

-------------------------------------------------------------------------------
-- Internal: the trigger that refuses direct DML on stream tables (the
-- extension's own refreshes are let through), and DDL bookkeeping.

-- EXECUTE stays granted to PUBLIC: whoever creates a stream table creates its
-- guard triggers, and the function does nothing unless called as a trigger.
CREATE FUNCTION pgtrickle._guard_stream_table_dml()
RETURNS trigger
LANGUAGE c
AS 'MODULE_PATHNAME', 'pgt_guard_stream_table_dml';

-- DROP TABLE of a stream table (directly, by drop_stream_table, or by CASCADE
-- from a source) removes its catalog rows.
CREATE FUNCTION pgtrickle._on_sql_drop()
RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- DROP EXTENSION drops the catalog itself: nothing to maintain.
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_event_trigger_dropped_objects()
                WHERE object_type = 'extension' AND object_identity = 'pg_trickle') THEN
        RETURN;
    END IF;
    DELETE FROM pgtrickle.pgt_stream_tables st
     USING pg_catalog.pg_event_trigger_dropped_objects() d
     WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
       AND d.objsubid = 0
       AND st.pgt_relid = d.objid;
    -- A dropped partition or child of a captured table: its rows left
    -- without a trigger seeing them (its readers' next refresh is FULL).
    PERFORM pgtrickle._sync_change_capture(t.source_relid)
       FROM pgtrickle.pgt_change_tracking t
      WHERE t.member_relids OPERATOR(pg_catalog.&&) ARRAY(
                SELECT d.objid FROM pg_catalog.pg_event_trigger_dropped_objects() d
                 WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objsubid = 0)
        AND EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = t.source_relid);
    -- Change capture no stream table needs any more (or of a dropped source).
    PERFORM pgtrickle._drop_unused_change_capture();
    IF EXISTS (SELECT 1 FROM pgtrickle.pgt_stream_tables WHERE effective_refresh_mode = 'IMMEDIATE') THEN
        PERFORM pgtrickle._sync_immediate_triggers();
    END IF;
END
$$;
REVOKE ALL ON FUNCTION pgtrickle._on_sql_drop() FROM PUBLIC;
CREATE EVENT TRIGGER pgt_sql_drop ON sql_drop
    EXECUTE FUNCTION pgtrickle._on_sql_drop();

CREATE FUNCTION pgtrickle._check_stream_tables_reading(source oid)
RETURNS void
LANGUAGE c STRICT
AS 'MODULE_PATHNAME', 'pgt_check_stream_tables_reading';
REVOKE ALL ON FUNCTION pgtrickle._check_stream_tables_reading(oid) FROM PUBLIC;

CREATE FUNCTION pgtrickle._sync_change_capture(source oid)
RETURNS void
LANGUAGE c STRICT
AS 'MODULE_PATHNAME', 'pgt_sync_change_capture';
REVOKE ALL ON FUNCTION pgtrickle._sync_change_capture(oid) FROM PUBLIC;

CREATE FUNCTION pgtrickle._sync_buffer_grants(source oid)
RETURNS void
LANGUAGE c
AS 'MODULE_PATHNAME', 'pgt_sync_buffer_grants';
REVOKE ALL ON FUNCTION pgtrickle._sync_buffer_grants(oid) FROM PUBLIC;

CREATE FUNCTION pgtrickle._drop_unused_change_capture()
RETURNS void
LANGUAGE c
AS 'MODULE_PATHNAME', 'pgt_drop_unused_change_capture';
REVOKE ALL ON FUNCTION pgtrickle._drop_unused_change_capture() FROM PUBLIC;

-- ALTER TABLE ... RENAME / SET SCHEMA (and ALTER SCHEMA ... RENAME) of a stream
-- table keeps the catalog's names current. DDL on a source (ALTER TABLE,
-- CREATE OR REPLACE VIEW, ALTER VIEW, CREATE RULE) is checked against every
-- stream table reading it, and those whose maintenance it changes are
-- reinitialized at their next refresh.
CREATE FUNCTION pgtrickle._on_ddl_command_end()
RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    UPDATE pgtrickle.pgt_stream_tables st
       SET pgt_schema = n.nspname, pgt_name = c.relname, updated_at = pg_catalog.clock_timestamp()
      FROM pg_catalog.pg_class c
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE c.oid = st.pgt_relid
       AND (st.pgt_schema, st.pgt_name) IS DISTINCT FROM (n.nspname::text, c.relname::text);
    -- Sources: the capture function follows renamed, retyped or dropped
    -- columns, and the capture of a partitioned table or inheritance parent
    -- follows partitions and children created, attached, detached (the
    -- function finds the captured table a changed relation belongs to) ...
    PERFORM pgtrickle._sync_change_capture(d.objid)
       FROM (SELECT DISTINCT objid FROM pg_catalog.pg_event_trigger_ddl_commands()
              WHERE classid = 'pg_catalog.pg_class'::pg_catalog.regclass) d
      WHERE EXISTS (SELECT 1 FROM pgtrickle.pgt_change_tracking);
    -- ... the change must not break a stream table's defining query, and the
    -- stream tables whose maintenance it changes follow it.
    PERFORM pgtrickle._check_stream_tables_reading(d.objid)
       FROM (SELECT DISTINCT objid FROM pg_catalog.pg_event_trigger_ddl_commands()
              WHERE classid = 'pg_catalog.pg_class'::pg_catalog.regclass) d
      WHERE EXISTS (SELECT 1 FROM pgtrickle.pgt_dependencies dep WHERE dep.source_relid = d.objid);
    -- A source of a DIFFERENTIAL stream table that joined a hierarchy by DDL
    -- on another table (ATTACH PARTITION, CREATE TABLE ... INHERITS /
    -- PARTITION OF): statements aimed at the other end bypass its capture,
    -- so its readers follow too. (Only DIFFERENTIAL readers: a FULL one has
    -- nothing to follow, and partitions created under sources read FULL,
    -- pg_partman-style, cost no re-derivation.)
    PERFORM pgtrickle._check_stream_tables_reading(s.source_relid)
       FROM (SELECT DISTINCT dep.source_relid FROM pgtrickle.pgt_dependencies dep
               JOIN pgtrickle.pgt_stream_tables st ON st.pgt_id = dep.pgt_id
              WHERE st.effective_refresh_mode = 'DIFFERENTIAL'
                AND EXISTS (SELECT 1 FROM pg_catalog.pg_inherits i
                             WHERE i.inhrelid = dep.source_relid OR i.inhparent = dep.source_relid)) s
      WHERE s.source_relid NOT IN (SELECT objid FROM pg_catalog.pg_event_trigger_ddl_commands()
                                    WHERE classid = 'pg_catalog.pg_class'::pg_catalog.regclass);
    -- IMMEDIATE stream tables: their triggers follow the partitions and
    -- children of their sources (created, attached, detached).
    IF EXISTS (SELECT 1 FROM pgtrickle.pgt_stream_tables WHERE effective_refresh_mode = 'IMMEDIATE') THEN
        PERFORM pgtrickle._sync_immediate_triggers();
    END IF;
    -- Privileges on sources, or a stream table's owner, may have changed:
    -- the buffers' readers follow.
    IF TG_TAG IN ('GRANT', 'REVOKE', 'ALTER TABLE') THEN
        PERFORM pgtrickle._sync_buffer_grants(NULL);
    END IF;
END
$$;
REVOKE ALL ON FUNCTION pgtrickle._on_ddl_command_end() FROM PUBLIC;
CREATE EVENT TRIGGER pgt_ddl_command_end ON ddl_command_end
    WHEN TAG IN ('ALTER TABLE', 'ALTER SCHEMA', 'CREATE TABLE', 'CREATE VIEW', 'ALTER VIEW', 'CREATE RULE',
                 'GRANT', 'REVOKE')
    EXECUTE FUNCTION pgtrickle._on_ddl_command_end();

-- The triggers of IMMEDIATE stream tables (BEFORE and AFTER each statement
-- on a table they read; see src/refresh/immediate_maintenance.h). Arguments:
-- the stream table's oid and the source table's. Not SECURITY DEFINER: it
-- runs the maintenance as the stream table's owner itself.
CREATE FUNCTION pgtrickle._immediate_maintenance()
RETURNS trigger
LANGUAGE c
AS 'MODULE_PATHNAME', 'pgt_immediate_maintenance';
REVOKE ALL ON FUNCTION pgtrickle._immediate_maintenance() FROM PUBLIC;

CREATE FUNCTION pgtrickle._sync_immediate_triggers()
RETURNS void
LANGUAGE c
AS 'MODULE_PATHNAME', 'pgt_sync_immediate_triggers';
REVOKE ALL ON FUNCTION pgtrickle._sync_immediate_triggers() FROM PUBLIC;

-- The changes of a table in the statement being maintained, as rows
-- (__pgt_w, c<attnum>...): what the delta statements of an IMMEDIATE stream
-- table read (with a column definition list). Callable only while that
-- maintenance runs, as the stream table's owner, for the tables it reads,
-- and only for the columns that role may read.
CREATE FUNCTION pgtrickle._statement_changes(source oid)
RETURNS SETOF record
LANGUAGE c STRICT ROWS 100
AS 'MODULE_PATHNAME', 'pgt_statement_changes';

-- Called once per statement by the capture triggers: the scheduler of this
-- database is woken when the transaction commits (a no-op without one).
CREATE FUNCTION pgtrickle._signal_scheduler(source oid)
RETURNS void
LANGUAGE c STRICT
AS 'MODULE_PATHNAME', 'pgt_signal_scheduler';
REVOKE ALL ON FUNCTION pgtrickle._signal_scheduler(oid) FROM PUBLIC;

-- The filter of every statement that reads a change buffer: the change is
-- not consumed by a reader with this frontier (not visible in its snapshot,
-- not one of its own earlier commands). Its support function tells the
-- planner that it keeps nearly every row (see src/cdc/unconsumed.h).
CREATE FUNCTION pgtrickle._unconsumed_support(internal)
RETURNS internal
LANGUAGE c STRICT
AS 'MODULE_PATHNAME', 'pgt_unconsumed_support';
REVOKE ALL ON FUNCTION pgtrickle._unconsumed_support(internal) FROM PUBLIC;

CREATE FUNCTION pgtrickle._unconsumed(xid pg_catalog.xid8, cmin pg_catalog.cid, frontier pg_catalog.pg_snapshot,
                                      own_xid pg_catalog.xid8, own_cid bigint)
RETURNS boolean
LANGUAGE c IMMUTABLE PARALLEL SAFE
SUPPORT pgtrickle._unconsumed_support
AS 'MODULE_PATHNAME', 'pgt_unconsumed';

-------------------------------------------------------------------------------
-- Diagnostics (issue 18, second part): hidden columns, change buffers,
-- exporting a definition, health checks, the dependency graph, idempotent
-- creation, failed refreshes explained. They run as the caller and see only
-- the stream tables the caller may read (the catalog's row-level security);
-- a function taking a name resolves it on the caller's search_path and hands
-- the relation to an internal function whose search_path is pinned.

-- What a source's change buffer holds, counted as the extension's owner after
-- checking, as the caller, that the caller may know (src/api/change_buffer_counts.cpp).
CREATE FUNCTION pgtrickle._change_buffer_counts(source oid, reader oid DEFAULT 0, max_rows bigint DEFAULT 100000,
                                                OUT buffered bigint, OUT unconsumed bigint)
RETURNS record
LANGUAGE c VOLATILE
AS 'MODULE_PATHNAME', 'pgt_change_buffer_counts';

-- A query and a schedule as the catalog would store them (src/api/normalize_definition.cpp).
CREATE FUNCTION pgtrickle._normalize_definition(query text, schedule text,
                                                OUT defining_query text, OUT canonical_schedule text)
RETURNS record
LANGUAGE c CALLED ON NULL INPUT VOLATILE
AS 'MODULE_PATHNAME', 'pgt_normalize_definition';

-- The hidden columns of a stream table's storage: name, type, what it is for.
CREATE FUNCTION pgtrickle._list_auxiliary_columns(target oid, name text)
RETURNS TABLE (column_name text, data_type text, purpose text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    st record;
    row_id text;
BEGIN
    SELECT s.effective_refresh_mode, s.unique_row_ids, COALESCE(s.maintenance_plan, '') AS plan INTO st
      FROM pgtrickle.pgt_stream_tables s WHERE s.pgt_relid = target;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'stream table "%" does not exist', name
            USING ERRCODE = 'undefined_table',
                  HINT = 'List stream tables with SELECT name FROM pgtrickle.pgt_status().';
    END IF;
    row_id := CASE
        WHEN st.effective_refresh_mode <> 'DIFFERENTIAL' THEN
            'row identity: the row''s number in the last FULL refresh (renumbered by every refresh)'
        WHEN st.plan LIKE 'PartitionRescan:%' THEN
            'row identity: the partition the row belongs to (the partition column''s value as text; shared by '
            'the partition''s rows: a refresh replaces the rows of the partitions its changes touch)'
        WHEN st.plan ~ '^(Grouping|SetOperation): [^\n]*multiplicity' THEN
            'row identity: the group''s key values as text, then #n for the n-th copy of the row'
        WHEN st.plan ~ '^(Grouping|SetOperation):' THEN
            'row identity: the group''s key values as text (one row per group)'
        ELSE
            'row identity: the keys of the source rows the row comes from (their values where a source has no '
            'key), as text'
        END || CASE WHEN st.unique_row_ids THEN '; unique index' ELSE '; indexed' END;
    RETURN QUERY
    SELECT a.attname::text, format_type(a.atttypid, a.atttypmod),
           CASE
               WHEN a.attname = '__pgt_row_id' THEN row_id
               WHEN a.attname = '__pgt_count' THEN
                   'rows of the query''s input in the group (the group''s row is deleted when it reaches 0)'
               WHEN a.attname ~ '^__pgt_n[0-9]+$' THEN
                   'non-NULL values of the argument of aggregate ' || (substr(a.attname, 8)::int + 1) ||
                   ' of the SELECT list in the group (its SUM or AVG is NULL when this is 0)'
               WHEN a.attname ~ '^__pgt_s[0-9]+$' THEN
                   'sum of the argument of aggregate ' || (substr(a.attname, 8)::int + 1) ||
                   ' of the SELECT list (an AVG) in the group; the average is this divided by __pgt_n' ||
                   substr(a.attname, 8)
               WHEN a.attname = '__pgt_group' THEN
                   'the group shared by the copies of a row (INTERSECT ALL / EXCEPT ALL keep as many copies as '
                   'the group''s counts give), indexed'
               ELSE 'pg_trickle bookkeeping'
           END
      FROM pg_attribute a
     WHERE a.attrelid = target AND a.attnum > 0 AND NOT a.attisdropped AND a.attname LIKE '\_\_pgt\_%'
     ORDER BY a.attnum;
END
$$;

CREATE FUNCTION pgtrickle.list_auxiliary_columns(name text)
RETURNS TABLE (column_name text, data_type text, purpose text)
LANGUAGE sql STABLE STRICT
AS $$ SELECT * FROM pgtrickle._list_auxiliary_columns(pg_catalog.to_regclass(name), name) $$;

-- One row per change buffer the caller may know about (a DIFFERENTIAL reader
-- it may read, or a source it may SELECT): its size, its changes (counted
-- exactly up to 100,000 rows, estimated above), the changes some reader has
-- not consumed yet (counted up to 100,000, NULL above), and its readers.
CREATE FUNCTION pgtrickle.change_buffer_sizes()
RETURNS TABLE (
    source_table  text,
    source_oid    bigint,
    buffer_table  text,
    cdc_mode      text,
    buffered_rows bigint,
    rows_exact    boolean,
    pending_rows  bigint,
    buffer_bytes  bigint,
    stream_tables text[]
)
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH b AS (
        SELECT t.source_relid, t.source_schema, t.source_name, t.buffer_relid,
               (SELECT array_agg(format('%I.%I', st.pgt_schema, st.pgt_name) ORDER BY st.pgt_schema, st.pgt_name)
                  FROM pgtrickle.pgt_dependencies d JOIN pgtrickle.pgt_stream_tables st ON st.pgt_id = d.pgt_id
                 WHERE d.source_relid = t.source_relid AND st.effective_refresh_mode = 'DIFFERENTIAL') AS readers
          FROM pgtrickle.pgt_change_tracking t
    )
    SELECT format('%I.%I', b.source_schema, b.source_name), b.source_relid::bigint,
           format('%I.%I', n.nspname, c.relname), 'trigger',
           COALESCE(k.buffered,
                    greatest(100001, CASE WHEN c.relpages > 0 AND c.reltuples > 0 THEN
                        (c.reltuples / c.relpages * (pg_relation_size(c.oid) / current_setting('block_size')::int))::bigint
                    END)),
           k.buffered IS NOT NULL, k.unconsumed,
           pg_total_relation_size(c.oid), COALESCE(b.readers, '{}')
      FROM b
      JOIN pg_class c ON c.oid = b.buffer_relid
      JOIN pg_namespace n ON n.oid = c.relnamespace
     CROSS JOIN LATERAL pgtrickle._change_buffer_counts(b.source_relid, 0, 100000) k
     WHERE b.readers IS NOT NULL OR has_any_column_privilege(b.source_relid, 'SELECT')
     ORDER BY b.source_schema, b.source_name
$$;

-- The SQL that creates the stream table again: create_stream_table with every
-- option that differs from its default (names and texts quoted as literals),
-- and the ALTER that suspends it when it is suspended.
CREATE FUNCTION pgtrickle._export_definition(target oid, name text)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    st pgtrickle.pgt_stream_tables;
    qualified text;
    sql text;
BEGIN
    SELECT * INTO st FROM pgtrickle.pgt_stream_tables s WHERE s.pgt_relid = target;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'stream table "%" does not exist', name
            USING ERRCODE = 'undefined_table',
                  HINT = 'List stream tables with SELECT name FROM pgtrickle.pgt_status().';
    END IF;
    qualified := format('%I.%I', st.pgt_schema, st.pgt_name);
    sql := format(E'SELECT pgtrickle.create_stream_table(\n    name => %L,\n    query => %L', qualified,
                  st.defining_query);
    IF st.schedule <> 'calculated' THEN
        sql := sql || format(E',\n    schedule => %L', st.schedule);
    END IF;
    IF st.refresh_mode <> 'AUTO' THEN
        sql := sql || format(E',\n    refresh_mode => %L', st.refresh_mode);
    END IF;
    IF NOT st.is_populated THEN
        sql := sql || E',\n    initialize => false';
    END IF;
    IF st.diamond_consistency IS NOT NULL THEN
        sql := sql || format(E',\n    diamond_consistency => %L', st.diamond_consistency);
    END IF;
    IF st.diamond_schedule_policy IS NOT NULL THEN
        sql := sql || format(E',\n    diamond_schedule_policy => %L', st.diamond_schedule_policy);
    END IF;
    IF st.cdc_mode IS NOT NULL THEN
        sql := sql || format(E',\n    cdc_mode => %L', st.cdc_mode);
    END IF;
    IF st.append_only THEN
        sql := sql || E',\n    append_only => true';
    END IF;
    IF st.pooler_compatibility_mode THEN
        sql := sql || E',\n    pooler_compatibility_mode => true';
    END IF;
    sql := sql || E'\n);\n';
    IF st.refresh_tier <> 'hot' THEN  -- a tier is set by alter_stream_table only
        sql := sql || format(E'SELECT pgtrickle.alter_stream_table(name => %L, tier => %L);\n', qualified,
                             st.refresh_tier);
    END IF;
    IF st.status = 'SUSPENDED' THEN
        sql := sql || format(E'SELECT pgtrickle.alter_stream_table(name => %L, status => %L);\n', qualified,
                             'SUSPENDED');
    END IF;
    RETURN sql;
END
$$;

CREATE FUNCTION pgtrickle.export_definition(st_name text)
RETURNS text
LANGUAGE sql STABLE STRICT
AS $$ SELECT pgtrickle._export_definition(pg_catalog.to_regclass(st_name), st_name) $$;

-- A readable list of at most five names, "and n more" after.
CREATE FUNCTION pgtrickle._name_list(names text[])
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT array_to_string(names[1:5], ', ') ||
           CASE WHEN cardinality(names) > 5 THEN ' and ' || (cardinality(names) - 5) || ' more' ELSE '' END
$$;

-- One row per check: OK, WARN or ERROR, and what was found. With no stream
-- table (that the caller may read) every check is OK.
CREATE FUNCTION pgtrickle.health_check()
RETURNS TABLE (check_name text, severity text, detail text)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    tables integer;
    sched record;
    names text[];
    failed integer;
    used integer;
    slots integer := current_setting('max_worker_processes')::int;
BEGIN
    SELECT count(*) INTO tables FROM pgtrickle.pgt_stream_tables;
    SELECT * INTO sched FROM pgtrickle.scheduler_status();

    check_name := 'scheduler_running';
    severity := CASE WHEN tables = 0 OR sched.state IN ('RUNNING', 'STARTING') THEN 'OK'
                     WHEN sched.state = 'DISABLED' THEN 'WARN' ELSE 'ERROR' END;
    detail := sched.state || ': ' || sched.detail || COALESCE(' ' || sched.hint, '');
    IF tables = 0 AND sched.state NOT IN ('RUNNING', 'STARTING') THEN
        detail := 'no stream tables here to refresh (scheduler ' || detail || ')';
    END IF;
    RETURN NEXT;

    check_name := 'suspended_tables';
    SELECT array_agg(format('%I.%I', st.pgt_schema, st.pgt_name) ORDER BY st.pgt_schema, st.pgt_name),
           count(*) FILTER (WHERE st.status = 'ERROR' OR st.consecutive_errors > 0)
      INTO names, failed
      FROM pgtrickle.pgt_stream_tables st WHERE st.status IN ('SUSPENDED', 'ERROR');
    IF names IS NULL THEN
        severity := 'OK';
        detail := 'no stream table is suspended';
    ELSE
        severity := CASE WHEN failed > 0 THEN 'ERROR' ELSE 'WARN' END;
        detail := cardinality(names) || ' stream table(s) not refreshed: ' || pgtrickle._name_list(names) ||
                  CASE WHEN failed > 0 THEN ' (' || failed || ' after failed refreshes: see pgtrickle.diagnose_errors(name))'
                       ELSE ' (suspended by hand)' END ||
                  '; resume with pgtrickle.alter_stream_table(name, status => ''ACTIVE'')';
    END IF;
    RETURN NEXT;

    check_name := 'failing_tables';
    SELECT array_agg(format('%I.%I', st.pgt_schema, st.pgt_name) ORDER BY st.pgt_schema, st.pgt_name) INTO names
      FROM pgtrickle.pgt_stream_tables st WHERE st.status NOT IN ('SUSPENDED', 'ERROR') AND st.consecutive_errors > 0;
    IF names IS NULL THEN
        severity := 'OK';
        detail := 'no active stream table has failed its last refresh';
    ELSE
        severity := 'WARN';
        detail := cardinality(names) || ' stream table(s) failed their last refresh: ' || pgtrickle._name_list(names) ||
                  ' (a stream table is suspended after pg_trickle.max_consecutive_errors failures in a row; see '
                  'pgtrickle.diagnose_errors(name))';
    END IF;
    RETURN NEXT;

    -- Stale: behind its schedule by more than twice it (_behind_schedule).
    check_name := 'stale_tables';
    SELECT array_agg(format('%I.%I', st.pgt_schema, st.pgt_name) || ' (schedule ' || st.schedule || ', last refreshed ' ||
                     COALESCE((extract(epoch FROM now() - st.data_timestamp)::bigint / 60) || ' min ago', 'never') || ')'
                     ORDER BY st.pgt_schema, st.pgt_name) INTO names
      FROM pgtrickle.pgt_stream_tables st
     WHERE pgtrickle._behind_schedule(st.pgt_id);
    IF names IS NULL THEN
        severity := 'OK';
        detail := 'no stream table is behind its schedule';
    ELSE
        severity := 'WARN';
        detail := cardinality(names) || ' stream table(s) behind their schedule by more than twice it: ' ||
                  pgtrickle._name_list(names);
    END IF;
    RETURN NEXT;

    -- Change buffers: more than 10,000 changes waiting, or changes whose
    -- readers are all suspended (nothing will consume them).
    check_name := 'buffer_growth';
    SELECT array_agg(b.source_table || ' (' ||
                     CASE WHEN b.pending_rows IS NULL THEN 'more than 100000 changes'
                          ELSE b.pending_rows || ' unconsumed changes' END ||
                     CASE WHEN NOT EXISTS (SELECT 1 FROM pgtrickle.pgt_stream_tables st
                                            WHERE format('%I.%I', st.pgt_schema, st.pgt_name) = ANY (b.stream_tables)
                                              AND st.status IN ('ACTIVE', 'INITIALIZING'))
                          THEN ', every reader suspended' ELSE '' END || ')'
                     ORDER BY b.source_table) INTO names
      FROM pgtrickle.change_buffer_sizes() b
     WHERE COALESCE(b.pending_rows, b.buffered_rows) > 10000
        OR (b.pending_rows > 0 AND NOT EXISTS (
                SELECT 1 FROM pgtrickle.pgt_stream_tables st
                 WHERE format('%I.%I', st.pgt_schema, st.pgt_name) = ANY (b.stream_tables)
                   AND st.status IN ('ACTIVE', 'INITIALIZING')));
    IF names IS NULL THEN
        severity := 'OK';
        detail := 'no change buffer is growing unconsumed';
    ELSE
        severity := 'WARN';
        detail := cardinality(names) || ' change buffer(s) not being consumed: ' || pgtrickle._name_list(names) ||
                  '; see pgtrickle.change_buffer_sizes()';
    END IF;
    RETURN NEXT;

    -- Background worker slots: the scheduler needs one, refresh workers one each.
    check_name := 'worker_slots';
    SELECT count(*) INTO used FROM pg_stat_activity a
     WHERE a.backend_type NOT IN ('client backend', 'autovacuum launcher', 'autovacuum worker', 'background writer',
                                  'checkpointer', 'walwriter', 'startup', 'walreceiver', 'walsender', 'archiver',
                                  'logger', 'standalone backend');
    IF tables > 0 AND sched.state = 'NO_WORKER_SLOT' THEN
        severity := 'ERROR';
        detail := 'no background worker slot was free for this database''s scheduler (max_worker_processes = ' ||
                  slots || '); raise max_worker_processes and restart the server';
    ELSIF tables > 0 AND used >= slots THEN
        severity := 'WARN';
        detail := 'all ' || slots || ' background worker slots are in use: refresh workers cannot start, the '
                  'scheduler refreshes one stream table at a time; raise max_worker_processes';
    ELSE
        severity := 'OK';
        detail := used || ' of ' || slots || ' background worker slots in use';
    END IF;
    RETURN NEXT;
END
$$;

-- Quoting for the two graph formats: a DOT double-quoted string (backslash
-- and double quote escaped, line breaks as \n), a Mermaid quoted label
-- (entity codes for the characters Mermaid or HTML would interpret).
CREATE FUNCTION pgtrickle._dot_string(s text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT '"' || replace(replace(replace(replace(replace(s, E'\\', E'\\\\'), '"', E'\\"'), E'\r\n', E'\\n'),
                                  E'\n', E'\\n'), E'\r', E'\\n') || '"'
$$;

CREATE FUNCTION pgtrickle._mermaid_string(s text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT '"' || replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(
               s, '#', '#35;'), '&', '#38;'), '"', '#34;'), '<', '#60;'), '>', '#62;'), '`', '#96;'),
               E'\r\n', '<br>'), E'\n', '<br>'), E'\r', '<br>'), '|', '#124;') || '"'
$$;

-- Creation that may be run again (deployment scripts, migrations). The name
-- is looked up where create_stream_table would create it: in its schema, or
-- in the first existing schema on search_path.
CREATE FUNCTION pgtrickle._creation_target(name text)
RETURNS oid
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    parts text[];
BEGIN
    BEGIN
        parts := pg_catalog.parse_ident(name);
    EXCEPTION WHEN OTHERS THEN
        RETURN NULL;  -- create_stream_table says what is wrong with it
    END;
    IF pg_catalog.cardinality(parts) OPERATOR(pg_catalog.=) 1 THEN
        RETURN pg_catalog.to_regclass(pg_catalog.format('%I.%I', pg_catalog.current_schema(), parts[1]));
    ELSIF pg_catalog.cardinality(parts) OPERATOR(pg_catalog.=) 2 THEN
        RETURN pg_catalog.to_regclass(pg_catalog.format('%I.%I', parts[1], parts[2]));
    END IF;
    RETURN NULL;
END
$$;

-- create_stream_table unless a stream table of that name exists (then a
-- NOTICE, and the existing definition is kept as it is).
CREATE FUNCTION pgtrickle.create_stream_table_if_not_exists(
    name                      text,
    query                     text,
    schedule                  text    DEFAULT 'calculated',
    refresh_mode              text    DEFAULT 'AUTO',
    initialize                boolean DEFAULT true,
    diamond_consistency       text    DEFAULT NULL,
    diamond_schedule_policy   text    DEFAULT NULL,
    cdc_mode                  text    DEFAULT NULL,
    append_only               boolean DEFAULT false,
    pooler_compatibility_mode boolean DEFAULT false
) RETURNS void
LANGUAGE plpgsql CALLED ON NULL INPUT VOLATILE
AS $$
DECLARE
    target oid := pgtrickle._creation_target($1);
BEGIN
    IF EXISTS (SELECT 1 FROM pgtrickle.pgt_stream_tables st WHERE st.pgt_relid OPERATOR(pg_catalog.=) target) THEN
        RAISE NOTICE 'stream table "%" already exists, skipping', $1 USING ERRCODE = 'duplicate_table';
        RETURN;
    END IF;
    PERFORM pgtrickle.create_stream_table($1, $2, $3, $4, $5, $6, $7, $8, $9, $10);
END
$$;

-- Declarative creation: creates the stream table, or brings an existing one
-- to this definition: nothing when the query (compared in its normalized,
-- schema-qualified form) and the options are unchanged; otherwise
-- alter_stream_table with what changed, in place (a new query keeps the
-- table, its grants and its readers, and repopulates it). `initialize` counts
-- on creation only; a NULL diamond_consistency, diamond_schedule_policy or
-- cdc_mode keeps the current value (alter_stream_table cannot unset them).
CREATE FUNCTION pgtrickle.create_or_replace_stream_table(
    name                      text,
    query                     text,
    schedule                  text    DEFAULT 'calculated',
    refresh_mode              text    DEFAULT 'AUTO',
    initialize                boolean DEFAULT true,
    diamond_consistency       text    DEFAULT NULL,
    diamond_schedule_policy   text    DEFAULT NULL,
    cdc_mode                  text    DEFAULT NULL,
    append_only               boolean DEFAULT false,
    pooler_compatibility_mode boolean DEFAULT false
) RETURNS void
LANGUAGE plpgsql CALLED ON NULL INPUT VOLATILE
AS $$
DECLARE
    target oid := pgtrickle._creation_target($1);
    st record;
    wanted record;
    new_query boolean;
    new_schedule boolean;
    new_mode boolean;
    new_diamond boolean;
    new_policy boolean;
    new_cdc boolean;
    new_append boolean;
    new_pooler boolean;
BEGIN
    SELECT s.defining_query, s.schedule, s.refresh_mode, s.diamond_consistency, s.diamond_schedule_policy,
           s.cdc_mode, s.append_only, s.pooler_compatibility_mode
      INTO st FROM pgtrickle.pgt_stream_tables s WHERE s.pgt_relid OPERATOR(pg_catalog.=) target;
    IF NOT FOUND THEN
        PERFORM pgtrickle.create_stream_table($1, $2, $3, $4, $5, $6, $7, $8, $9, $10);
        RETURN;
    END IF;
    SELECT * INTO wanted FROM pgtrickle._normalize_definition($2, $3);
    new_query := wanted.defining_query OPERATOR(pg_catalog.<>) st.defining_query;
    new_schedule := wanted.canonical_schedule OPERATOR(pg_catalog.<>) st.schedule;
    new_mode := pg_catalog.upper(COALESCE($4, 'AUTO')) OPERATOR(pg_catalog.<>) st.refresh_mode;
    new_diamond := $6 IS NOT NULL AND pg_catalog.lower($6) IS DISTINCT FROM st.diamond_consistency;
    new_policy := $7 IS NOT NULL AND pg_catalog.lower($7) IS DISTINCT FROM st.diamond_schedule_policy;
    new_cdc := $8 IS NOT NULL AND pg_catalog.lower($8) IS DISTINCT FROM st.cdc_mode;
    new_append := COALESCE($9, false) OPERATOR(pg_catalog.<>) st.append_only;
    new_pooler := COALESCE($10, false) OPERATOR(pg_catalog.<>) st.pooler_compatibility_mode;
    IF NOT (new_query OR new_schedule OR new_mode OR new_diamond OR new_policy OR new_cdc OR new_append
            OR new_pooler) THEN
        RAISE NOTICE 'stream table "%" is unchanged, skipping', $1;
        RETURN;
    END IF;
    PERFORM pgtrickle.alter_stream_table(
        $1,
        query => CASE WHEN new_query THEN $2 END,
        schedule => CASE WHEN new_schedule THEN wanted.canonical_schedule END,
        refresh_mode => CASE WHEN new_mode THEN COALESCE($4, 'AUTO') END,
        diamond_consistency => CASE WHEN new_diamond THEN $6 END,
        diamond_schedule_policy => CASE WHEN new_policy THEN $7 END,
        cdc_mode => CASE WHEN new_cdc THEN $8 END,
        append_only => CASE WHEN new_append THEN COALESCE($9, false) END,
        pooler_compatibility_mode => CASE WHEN new_pooler THEN COALESCE($10, false) END);
END
$$;

-- The last failed refreshes of a stream table, newest first, each classified
-- from its message (the history keeps the message, not the SQLSTATE: the
-- SQLSTATE shown is the one PostgreSQL gives that message): retryable (a
-- later refresh may succeed as it is) or not, user / schema / system, and
-- what to do.
CREATE FUNCTION pgtrickle._classify_refresh_error(message text, OUT sqlstate text, OUT error_type text,
                                                  OUT retryable boolean, OUT remediation text)
RETURNS record
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m text := COALESCE(message, '');
BEGIN
    -- A consistency group's failure names the member that failed first.
    m := regexp_replace(m, '^consistency group rolled back: refresh of .* failed: ', '');
    SELECT c.state, c.kind, c.retry, c.fix INTO sqlstate, error_type, retryable, remediation
      FROM (VALUES
        (1, '^interrupted: the scheduler stopped', NULL, 'system', true,
         'Nothing of that refresh was applied; the next one retries it. If it recurs, look in the server log for '
         'crashes, restarts or terminated workers.'),
        (2, 'could not serialize access', '40001', 'system', true,
         'A concurrent transaction conflicted; the next refresh retries. Frequent ones: refresh the tables of a '
         'consistency group less often, or shorten the transactions writing their sources.'),
        (3, 'deadlock detected', '40P01', 'system', true,
         'The refresh deadlocked with another transaction; the next refresh retries. Frequent ones: look for '
         'transactions locking the stream table or its sources in another order.'),
        (4, 'lock timeout|could not obtain lock', '55P03', 'system', true,
         'A lock on the stream table or a source was held for too long (DDL, a long transaction, a manual refresh); '
         'the next refresh retries. Look for long transactions in pg_stat_activity.'),
        (5, 'statement timeout', '57014', 'system', true,
         'The refresh took longer than statement_timeout: raise it for the stream table''s owner '
         '(ALTER ROLE ... SET statement_timeout), or look at pgtrickle.maintenance_plan(name) for the cost.'),
        (6, 'canceling statement due to user request|terminating connection', '57014', 'system', true,
         'The refresh was cancelled or its process terminated; the next refresh retries.'),
        (7, 'permission denied', '42501', 'user', false,
         'The stream table''s owner lost a privilege the query needs: GRANT it SELECT on the sources again '
         '(pgtrickle.list_sources(name) lists them), then resume it.'),
        (8, 'column .* does not exist', '42703', 'schema', false,
         'A column the query reads is gone: change the query (pgtrickle.alter_stream_table(name, query => ...)) or '
         'restore the column, then resume it.'),
        (9, '(relation|table|view) .* does not exist', '42P01', 'schema', false,
         'A relation the query reads is gone: restore it, or recreate the stream table with a query that does not '
         'read it (pgtrickle.export_definition(name) shows its definition).'),
        (10, 'function .* does not exist|operator does not exist', '42883', 'schema', false,
         'A function or operator the query uses is gone or changed its arguments: restore it or change the query.'),
        (11, 'cannot cast|is of type|type .* does not exist', '42804', 'schema', false,
         'A column the query reads changed its type: change the query (pgtrickle.alter_stream_table(name, '
         'query => ...)), then resume it.'),
        (12, 'division by zero', '22012', 'user', false,
         'The query fails on the sources'' current data (division by zero): guard it (NULLIF(x, 0)) and alter the '
         'query, or correct the data, then resume it.'),
        (13, 'out of range|overflow', '22003', 'user', false,
         'A value of the current data overflows its type in the query: widen the type (a cast to bigint or '
         'numeric) and alter the query, then resume it.'),
        (14, 'invalid input syntax|invalid input value', '22P02', 'user', false,
         'A value of the current data cannot be converted by a cast in the query: correct the data or the query, '
         'then resume it.'),
        (15, 'duplicate key value', '23505', 'user', false,
         'A unique index added to the stream table does not hold for the query''s result: drop the index or make '
         'the query return unique values, then resume it.'),
        (16, 'violates (not-null|check|foreign key) constraint', '23000', 'user', false,
         'A constraint added to the stream table does not hold for the query''s result: drop it, then resume it.'),
        (17, 'out of shared memory', '53200', 'system', false,
         'The refresh needed more locks than the lock table holds: raise max_locks_per_transaction (restart).'),
        (18, 'out of memory', '53200', 'system', false,
         'The refresh ran out of memory: lower work_mem for the stream table''s owner, or refresh more often so '
         'that each refresh has fewer changes.'),
        (19, 'could not extend file|no space left on device|disk full', '53100', 'system', true,
         'The disk is full: free space; the scheduler retries (a SUSPENDED table needs resuming).')
      ) AS c(ord, pattern, state, kind, retry, fix)
     WHERE m ~* c.pattern
     ORDER BY c.ord
     LIMIT 1;
    IF NOT FOUND THEN
        error_type := 'unknown';
        retryable := false;
        remediation := 'Not a known failure: look in the server log around the refresh''s time, and try '
                       'pgtrickle.refresh_stream_table(name) by hand to see the full error.';
    END IF;
END
$$;

CREATE FUNCTION pgtrickle._diagnose_errors(target oid, name text, max_rows integer)
RETURNS TABLE (event_time timestamptz, error_type text, error_message text, remediation text, sqlstate text,
               retryable boolean)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    id bigint;
BEGIN
    SELECT st.pgt_id INTO id FROM pgtrickle.pgt_stream_tables st WHERE st.pgt_relid = target;
    IF id IS NULL THEN
        RAISE EXCEPTION 'stream table "%" does not exist', name
            USING ERRCODE = 'undefined_table',
                  HINT = 'List stream tables with SELECT name FROM pgtrickle.pgt_status().';
    END IF;
    RETURN QUERY
    SELECT h.start_time, c.error_type, h.error_message, c.remediation, c.sqlstate, c.retryable
      FROM pgtrickle.pgt_refresh_history h
     CROSS JOIN LATERAL pgtrickle._classify_refresh_error(h.error_message) c
     WHERE h.pgt_id = id AND h.status = 'FAILED'
     ORDER BY h.refresh_id DESC
     LIMIT max_rows;
END
$$;

CREATE FUNCTION pgtrickle.diagnose_errors(name text)
RETURNS TABLE (event_time timestamptz, error_type text, error_message text, remediation text, sqlstate text,
               retryable boolean)
LANGUAGE sql STABLE STRICT
AS $$ SELECT * FROM pgtrickle._diagnose_errors(pg_catalog.to_regclass(name), name, 5) $$;

-------------------------------------------------------------------------------
-- Operations (issue 18: explain_stream_table, metrics; see docs/MONITORING.md
-- and contrib/prometheus/pg_trickle_queries.yaml).

-- The statements a refresh would run now for the pending changes, with their
-- EXPLAIN (with_analyze => true: EXPLAIN ANALYZE in a subtransaction that is rolled
-- back; ANALYZE is a reserved word, hence the parameter's name). Needs ownership,
-- as refresh_stream_table does (src/api/explain_stream_table.cpp).
CREATE FUNCTION pgtrickle.explain_stream_table(name text, with_analyze boolean DEFAULT false,
                                               OUT step integer, OUT operation text, OUT detail text,
                                               OUT statement text, OUT plan text)
RETURNS SETOF record
LANGUAGE c CALLED ON NULL INPUT VOLATILE
AS 'MODULE_PATHNAME', 'pgt_explain_stream_table';

-- Refreshes by stream table and action, from the refresh history: counts,
-- durations, rows applied. Views with security_invoker: the caller's rights
-- apply, so a role sees the stream tables it may read (the catalog's
-- row-level security) and nothing else; no superuser needed.
CREATE VIEW pgtrickle.metrics WITH (security_invoker = true) AS
SELECT pg_catalog.format('%I.%I', st.pgt_schema, st.pgt_name) AS stream_table,
       h.action,
       pg_catalog.count(*) FILTER (WHERE h.status OPERATOR(pg_catalog.=) 'COMPLETED') AS refreshes,
       pg_catalog.count(*) FILTER (WHERE h.status OPERATOR(pg_catalog.=) 'FAILED') AS failures,
       COALESCE(pg_catalog.sum(pg_catalog.date_part('epoch', h.end_time OPERATOR(pg_catalog.-) h.start_time))
                FILTER (WHERE h.status OPERATOR(pg_catalog.=) 'COMPLETED'), 0)::float8 AS duration_seconds_total,
       COALESCE(pg_catalog.max(pg_catalog.date_part('epoch', h.end_time OPERATOR(pg_catalog.-) h.start_time))
                FILTER (WHERE h.status OPERATOR(pg_catalog.=) 'COMPLETED'), 0)::float8 AS duration_seconds_max,
       COALESCE(pg_catalog.sum(h.rows_inserted) FILTER (WHERE h.status OPERATOR(pg_catalog.=) 'COMPLETED'),
                0)::bigint AS rows_inserted,
       COALESCE(pg_catalog.sum(h.rows_updated) FILTER (WHERE h.status OPERATOR(pg_catalog.=) 'COMPLETED'),
                0)::bigint AS rows_updated,
       COALESCE(pg_catalog.sum(h.rows_deleted) FILTER (WHERE h.status OPERATOR(pg_catalog.=) 'COMPLETED'),
                0)::bigint AS rows_deleted,
       pg_catalog.max(h.end_time) AS last_end_time
  FROM pgtrickle.pgt_stream_tables st
  JOIN pgtrickle.pgt_refresh_history h ON h.pgt_id OPERATOR(pg_catalog.=) st.pgt_id
 WHERE h.status OPERATOR(pg_catalog.<>) 'RUNNING'
 GROUP BY st.pgt_schema, st.pgt_name, h.action;
COMMENT ON VIEW pgtrickle.metrics IS 'pg_trickle: refreshes by stream table and action (counts, durations, rows)';

-- One row per stream table: its state as gauges (staleness, errors, pending
-- changes, the size of the buffers it reads) and its totals over all actions.
CREATE VIEW pgtrickle.stream_table_metrics WITH (security_invoker = true) AS
SELECT pg_catalog.format('%I.%I', st.pgt_schema, st.pgt_name) AS stream_table,
       st.effective_refresh_mode AS refresh_mode,
       st.status,
       st.is_populated,
       -- an IMMEDIATE table is current after every statement; NULL: never refreshed
       CASE WHEN st.effective_refresh_mode OPERATOR(pg_catalog.=) 'IMMEDIATE' THEN 0::float8
            ELSE pg_catalog.date_part('epoch', pg_catalog.now() OPERATOR(pg_catalog.-) st.data_timestamp)::float8
       END AS staleness_seconds,
       st.consecutive_errors,
       COALESCE(h.refreshes, 0) AS refreshes,
       COALESCE(h.failures, 0) AS failures,
       -- changes this (DIFFERENTIAL) table has not consumed yet, counted up to
       -- 100,000 per source; NULL when more
       CASE WHEN st.effective_refresh_mode OPERATOR(pg_catalog.=) 'DIFFERENTIAL' THEN b.pending ELSE 0 END
           AS pending_changes,
       COALESCE(b.bytes, 0) AS buffer_bytes,
       st.last_refresh_at
  FROM pgtrickle.pgt_stream_tables st
  LEFT JOIN LATERAL (
        SELECT pg_catalog.count(*) FILTER (WHERE x.status OPERATOR(pg_catalog.=) 'COMPLETED') AS refreshes,
               pg_catalog.count(*) FILTER (WHERE x.status OPERATOR(pg_catalog.=) 'FAILED') AS failures
          FROM pgtrickle.pgt_refresh_history x WHERE x.pgt_id OPERATOR(pg_catalog.=) st.pgt_id) h ON true
  LEFT JOIN LATERAL (
        SELECT CASE WHEN pg_catalog.bool_or(c.n IS NULL) THEN NULL ELSE COALESCE(pg_catalog.sum(c.n), 0)::bigint END AS pending,
               pg_catalog.sum(c.bytes)::bigint AS bytes
          FROM (SELECT (pgtrickle._change_buffer_counts(d.source_relid, st.pgt_relid, 100000)).unconsumed AS n,
                       pg_catalog.pg_total_relation_size(t.buffer_relid) AS bytes
                  FROM pgtrickle.pgt_dependencies d
                  JOIN pgtrickle.pgt_change_tracking t ON t.source_relid OPERATOR(pg_catalog.=) d.source_relid
                 WHERE d.pgt_id OPERATOR(pg_catalog.=) st.pgt_id
                   AND st.effective_refresh_mode OPERATOR(pg_catalog.=) 'DIFFERENTIAL') c) b ON true;
COMMENT ON VIEW pgtrickle.stream_table_metrics IS 'pg_trickle: per stream table state and totals, for monitoring';

GRANT SELECT ON pgtrickle.metrics, pgtrickle.stream_table_metrics TO PUBLIC;

-------------------------------------------------------------------------------
-- Source gating (issue 23): while a source is gated, the scheduler leaves
-- every stream table reading it (directly or through other stream tables)
-- alone; its changes wait in the change buffers, and the first tick after
-- ungate_source() refreshes once. Manual refreshes and IMMEDIATE stream
-- tables are not affected. One row per source ever gated (as the reference).

CREATE TABLE pgtrickle.pgt_source_gates (
    source_relid  oid PRIMARY KEY,
    -- The source's name when it was gated: restore_stream_tables() relinks
    -- the rows of a dump to the restored tables by it (oids change).
    source_schema text NOT NULL,
    source_name   text NOT NULL,
    gated         boolean NOT NULL DEFAULT true,
    gated_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    ungated_at    timestamptz,
    gated_by      text NOT NULL DEFAULT 'gate_source'
);
COMMENT ON TABLE pgtrickle.pgt_source_gates IS 'pg_trickle: sources whose stream tables the scheduler leaves alone';
SELECT pg_catalog.pg_extension_config_dump('pgtrickle.pgt_source_gates', '');
REVOKE ALL ON pgtrickle.pgt_source_gates FROM PUBLIC;
GRANT SELECT ON pgtrickle.pgt_source_gates TO PUBLIC;

-- Only a role that owns the source or may INSERT, UPDATE or DELETE it may
-- gate or ungate it (42501 otherwise, with a HINT).
CREATE FUNCTION pgtrickle.gate_source(source text) RETURNS void
LANGUAGE c
AS 'MODULE_PATHNAME', 'pgt_gate_source';

CREATE FUNCTION pgtrickle.ungate_source(source text) RETURNS void
LANGUAGE c
AS 'MODULE_PATHNAME', 'pgt_ungate_source';

CREATE FUNCTION pgtrickle.source_gates()
RETURNS TABLE (source_table text, schema_name text, gated boolean, gated_at timestamptz,
               ungated_at timestamptz, gated_by text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT COALESCE(c.relname::text, g.source_name), COALESCE(n.nspname::text, g.source_schema),
           g.gated, g.gated_at, g.ungated_at, g.gated_by
      FROM pgtrickle.pgt_source_gates g
      LEFT JOIN pg_catalog.pg_class c ON c.oid = g.source_relid
      LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     ORDER BY g.gated DESC, 2, 1
$$;

-------------------------------------------------------------------------------
-- Watermarks (issue 23): an ETL job declares "source S is complete through
-- time T" (advance_watermark, in the transaction that loads S); a watermark
-- group says its sources must be aligned (within tolerance_secs) before the
-- scheduler refreshes any stream table reading one of them (directly or
-- through other stream tables). Unlike the reference, a group whose source
-- has no watermark yet is not aligned: a half-loaded batch is never published.
-- With pg_trickle.watermark_holdback_timeout > 0, a source not advanced for
-- that long is "stuck": its groups hold too, with a SKIPPED history row and a
-- watermark_stuck alert (watermark_resumed when it advances again).
-- Sources are kept by oid, and by name so that restore_stream_tables() can
-- relink them after pg_restore; a dropped source leaves both tables.

CREATE TABLE pgtrickle.pgt_watermarks (
    source_relid       oid PRIMARY KEY,
    source_schema      text NOT NULL,
    source_name        text NOT NULL,
    watermark          timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL DEFAULT pg_catalog.now(),
    advanced_by        text,
    wal_lsn_at_advance text
);
COMMENT ON TABLE pgtrickle.pgt_watermarks IS 'pg_trickle: how far each source is known complete (advance_watermark)';
SELECT pg_catalog.pg_extension_config_dump('pgtrickle.pgt_watermarks', '');
REVOKE ALL ON pgtrickle.pgt_watermarks FROM PUBLIC;
GRANT SELECT ON pgtrickle.pgt_watermarks TO PUBLIC;

CREATE TABLE pgtrickle.pgt_watermark_groups (
    group_id       serial PRIMARY KEY,
    group_name     text NOT NULL UNIQUE,
    source_relids  oid[] NOT NULL,
    -- source_relids' qualified names, in the same order (for the relink).
    source_names   text[] NOT NULL,
    tolerance_secs float8 NOT NULL DEFAULT 0 CHECK (tolerance_secs >= 0),
    created_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by     text
);
COMMENT ON TABLE pgtrickle.pgt_watermark_groups IS 'pg_trickle: sources whose watermarks must be aligned before their stream tables refresh';
SELECT pg_catalog.pg_extension_config_dump('pgtrickle.pgt_watermark_groups', '');
SELECT pg_catalog.pg_extension_config_dump('pgtrickle.pgt_watermark_groups_group_id_seq', '');
REVOKE ALL ON pgtrickle.pgt_watermark_groups FROM PUBLIC;
GRANT SELECT ON pgtrickle.pgt_watermark_groups TO PUBLIC;

-- Only a role that owns the source or may INSERT, UPDATE or DELETE it
-- advances its watermark or puts it in (or drops) a group: 42501 otherwise.
CREATE FUNCTION pgtrickle.advance_watermark(source text, watermark timestamptz) RETURNS void
LANGUAGE c
AS 'MODULE_PATHNAME', 'pgt_advance_watermark';

CREATE FUNCTION pgtrickle.create_watermark_group(group_name text, sources text[],
                                                 tolerance_secs double precision DEFAULT 0)
RETURNS integer
LANGUAGE c
AS 'MODULE_PATHNAME', 'pgt_create_watermark_group';

CREATE FUNCTION pgtrickle.drop_watermark_group(group_name text) RETURNS void
LANGUAGE c
AS 'MODULE_PATHNAME', 'pgt_drop_watermark_group';

-- Seconds after which a watermark not advanced is stuck (0: never).
CREATE FUNCTION pgtrickle._watermark_holdback_secs()
RETURNS integer
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT COALESCE((SELECT setting::integer FROM pg_catalog.pg_settings
                      WHERE name = 'pg_trickle.watermark_holdback_timeout'), 0)
$$;

-- The one definition of alignment and of stuck, per group: watermark_status()
-- shows it, the scheduler holds the readers of a group where holding is true.
CREATE FUNCTION pgtrickle._watermark_group_state(
    OUT group_id integer, OUT group_name text, OUT source_relids oid[],
    OUT min_watermark timestamptz, OUT max_watermark timestamptz, OUT lag_secs double precision,
    OUT aligned boolean, OUT sources_with_watermark integer, OUT sources_total integer,
    OUT stuck_relids oid[], OUT holding boolean)
RETURNS SETOF record
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH member AS (
        SELECT g.group_id, g.group_name, g.tolerance_secs, g.created_at, s.relid,
               w.watermark, w.updated_at
          FROM pgtrickle.pgt_watermark_groups g
         CROSS JOIN LATERAL pg_catalog.unnest(g.source_relids) AS s(relid)
          LEFT JOIN pgtrickle.pgt_watermarks w ON w.source_relid = s.relid
    ), per_group AS (
        SELECT m.group_id, m.group_name, m.tolerance_secs,
               pg_catalog.array_agg(m.relid ORDER BY m.relid) AS source_relids,
               min(m.watermark) AS min_watermark, max(m.watermark) AS max_watermark,
               count(m.watermark)::integer AS sources_with_watermark,
               count(*)::integer AS sources_total,
               pg_catalog.array_agg(m.relid ORDER BY m.relid) FILTER (
                   WHERE pgtrickle._watermark_holdback_secs() > 0
                     AND COALESCE(m.updated_at, m.created_at)
                         < pg_catalog.now() - pg_catalog.make_interval(secs => pgtrickle._watermark_holdback_secs())
               ) AS stuck_relids
          FROM member m
         GROUP BY m.group_id, m.group_name, m.tolerance_secs
    )
    SELECT p.group_id, p.group_name, p.source_relids, p.min_watermark, p.max_watermark,
           EXTRACT(EPOCH FROM p.max_watermark - p.min_watermark)::double precision,
           al.aligned, p.sources_with_watermark, p.sources_total,
           COALESCE(p.stuck_relids, '{}'), NOT al.aligned OR p.stuck_relids IS NOT NULL
      FROM per_group p
     CROSS JOIN LATERAL (SELECT p.sources_with_watermark = p.sources_total
                                AND EXTRACT(EPOCH FROM p.max_watermark - p.min_watermark) <= p.tolerance_secs
                                AS aligned) al
$$;

-- Every source of a group and every stream table reading one, directly or
-- through other stream tables (IMMEDIATE ones too), with whether the group
-- holds them now and why: what the scheduler plans with and what a scheduled
-- refresh checks again under its own snapshot.
CREATE FUNCTION pgtrickle._watermark_readers(OUT relid oid, OUT group_name text, OUT holding boolean,
                                             OUT stuck boolean)
RETURNS SETOF record
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH RECURSIVE r(relid, group_name, holding, stuck) AS (
        SELECT u.relid, s.group_name, s.holding, pg_catalog.cardinality(s.stuck_relids) > 0
          FROM pgtrickle._watermark_group_state() s, pg_catalog.unnest(s.source_relids) AS u(relid)
        UNION
        SELECT st.pgt_relid, r.group_name, r.holding, r.stuck
          FROM r
          JOIN pgtrickle.pgt_dependencies d ON d.source_relid = r.relid
          JOIN pgtrickle.pgt_stream_tables st ON st.pgt_id = d.pgt_id
    )
    SELECT relid, group_name, holding, stuck FROM r
$$;

CREATE FUNCTION pgtrickle.watermarks()
RETURNS TABLE (source_table text, schema_name text, watermark timestamptz, updated_at timestamptz,
               advanced_by text, wal_lsn text, age_secs double precision, stuck boolean)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT COALESCE(c.relname::text, w.source_name), COALESCE(n.nspname::text, w.source_schema),
           w.watermark, w.updated_at, w.advanced_by, w.wal_lsn_at_advance,
           EXTRACT(EPOCH FROM pg_catalog.now() - w.updated_at)::double precision,
           pgtrickle._watermark_holdback_secs() > 0
             AND w.updated_at < pg_catalog.now() - pg_catalog.make_interval(secs => pgtrickle._watermark_holdback_secs())
      FROM pgtrickle.pgt_watermarks w
      LEFT JOIN pg_catalog.pg_class c ON c.oid = w.source_relid
      LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     ORDER BY 2, 1
$$;

CREATE FUNCTION pgtrickle.watermark_groups()
RETURNS TABLE (group_name text, source_count integer, tolerance_secs double precision,
               created_at timestamptz, sources text[])
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT g.group_name, pg_catalog.cardinality(g.source_relids), g.tolerance_secs, g.created_at,
           ARRAY(SELECT COALESCE(s.oid::pg_catalog.regclass::text, u.name)
                   FROM ROWS FROM (pg_catalog.unnest(g.source_relids), pg_catalog.unnest(g.source_names)) WITH ORDINALITY AS u(relid, name, i)
                   LEFT JOIN pg_catalog.pg_class s ON s.oid = u.relid
                  ORDER BY u.i)
      FROM pgtrickle.pgt_watermark_groups g
     ORDER BY g.group_name
$$;

CREATE FUNCTION pgtrickle.watermark_status()
RETURNS TABLE (group_name text, min_watermark timestamptz, max_watermark timestamptz,
               lag_secs double precision, aligned boolean, sources_with_watermark integer,
               sources_total integer, stuck_sources text[], holding boolean)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT s.group_name, s.min_watermark, s.max_watermark, s.lag_secs, s.aligned,
           s.sources_with_watermark, s.sources_total,
           ARRAY(SELECT r::pg_catalog.regclass::text FROM pg_catalog.unnest(s.stuck_relids) r ORDER BY 1),
           s.holding
      FROM pgtrickle._watermark_group_state() s
     ORDER BY s.group_name
$$;

-- A dropped source leaves the watermarks and the groups.
CREATE FUNCTION pgtrickle._forget_dropped_watermark_sources()
RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    dropped oid[];
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_event_trigger_dropped_objects()
                WHERE object_type = 'extension' AND object_identity = 'pg_trickle') THEN
        RETURN;
    END IF;
    dropped := ARRAY(SELECT d.objid FROM pg_catalog.pg_event_trigger_dropped_objects() d
                      WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objsubid = 0);
    DELETE FROM pgtrickle.pgt_watermarks WHERE source_relid = ANY (dropped);
    UPDATE pgtrickle.pgt_watermark_groups g
       SET source_relids = ARRAY(SELECT u.relid FROM ROWS FROM (pg_catalog.unnest(g.source_relids), pg_catalog.unnest(g.source_names))
                                        WITH ORDINALITY AS u(relid, name, i)
                                  WHERE u.relid <> ALL (dropped) ORDER BY u.i),
           source_names = ARRAY(SELECT u.name FROM ROWS FROM (pg_catalog.unnest(g.source_relids), pg_catalog.unnest(g.source_names))
                                       WITH ORDINALITY AS u(relid, name, i)
                                 WHERE u.relid <> ALL (dropped) ORDER BY u.i)
     WHERE g.source_relids OPERATOR(pg_catalog.&&) dropped;
END
$$;
REVOKE ALL ON FUNCTION pgtrickle._forget_dropped_watermark_sources() FROM PUBLIC;
CREATE EVENT TRIGGER pgt_sql_drop_watermarks ON sql_drop
    EXECUTE FUNCTION pgtrickle._forget_dropped_watermark_sources();

-------------------------------------------------------------------------------
-- Monitoring functions under the reference's names (issue 23 item 6; see
-- docs/SQL_REFERENCE.md, "Monitoring functions (reference names)"): the
-- reference's signatures and columns, filled from this design's catalog.
-- Like the other diagnostics they run as the caller and see what the caller
-- may read (the catalog's row-level security); a function taking a name
-- resolves it on the caller's search_path and hands the relation to an
-- internal function whose search_path is pinned.

-- The one "does not exist" of the named forms: the stream table, if the
-- caller may read it.
CREATE FUNCTION pgtrickle._readable_stream_table(target oid, name text)
RETURNS oid
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF target IS NULL OR NOT EXISTS (SELECT 1 FROM pgtrickle.pgt_stream_tables st WHERE st.pgt_relid = target) THEN
        RAISE EXCEPTION 'stream table "%" does not exist', name
            USING ERRCODE = 'undefined_table',
                  HINT = 'List stream tables with SELECT name FROM pgtrickle.pgt_status().';
    END IF;
    RETURN target;
END
$$;

-- Behind its schedule (health_check's stale_tables, st_refresh_stats' stale):
-- active, a duration schedule, not IMMEDIATE (always current), not refreshed
-- for more than twice its schedule while it has something to refresh (a FULL
-- one always has; a DIFFERENTIAL one without pending changes is up to date).
-- (Redefined by the tiers block at the end of this script: the effective period.)
CREATE FUNCTION pgtrickle._behind_schedule(id bigint)
RETURNS boolean
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT COALESCE(bool_or(
               st.status = 'ACTIVE' AND st.schedule ~ '^([0-9]+[wdhms])+$' AND st.effective_refresh_mode <> 'IMMEDIATE'
               AND now() - COALESCE(st.data_timestamp, st.created_at) >
                   2 * regexp_replace(st.schedule, '([0-9]+)([wdhms])', '\1\2 ', 'g')::interval
               AND (st.effective_refresh_mode <> 'DIFFERENTIAL' OR st.frontier IS NULL
                    OR EXISTS (SELECT 1 FROM pgtrickle.pgt_dependencies d
                                JOIN pgtrickle.pgt_change_tracking t ON t.source_relid = d.source_relid
                               WHERE d.pgt_id = st.pgt_id
                                 AND (pgtrickle._change_buffer_counts(d.source_relid, st.pgt_relid, 0)).unconsumed
                                     IS DISTINCT FROM 0))), false)
      FROM pgtrickle.pgt_stream_tables st WHERE st.pgt_id = id
$$;

-- Refresh statistics per stream table (all, or one: target), from the
-- history; the reference's columns, with total_rows_updated (ours) before
-- avg_duration_ms.
CREATE FUNCTION pgtrickle._st_refresh_stats(target oid)
RETURNS TABLE (
    pgt_name             text,
    pgt_schema           text,
    status               text,
    refresh_mode         text,
    is_populated         boolean,
    total_refreshes      bigint,
    successful_refreshes bigint,
    failed_refreshes     bigint,
    total_rows_inserted  bigint,
    total_rows_updated   bigint,
    total_rows_deleted   bigint,
    avg_duration_ms      float8,
    last_refresh_action  text,
    last_refresh_status  text,
    last_refresh_at      timestamptz,
    staleness_secs       float8,
    stale                boolean
)
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT st.pgt_name, st.pgt_schema, st.status, st.effective_refresh_mode, st.is_populated,
           count(h.refresh_id),
           count(h.refresh_id) FILTER (WHERE h.status = 'COMPLETED'),
           count(h.refresh_id) FILTER (WHERE h.status = 'FAILED'),
           COALESCE(sum(h.rows_inserted), 0)::bigint,
           COALESCE(sum(h.rows_updated), 0)::bigint,
           COALESCE(sum(h.rows_deleted), 0)::bigint,
           avg(extract(epoch FROM h.end_time - h.start_time) * 1000)::float8,
           (array_agg(h.action ORDER BY h.refresh_id DESC))[1],
           (array_agg(h.status ORDER BY h.refresh_id DESC))[1],
           st.last_refresh_at,
           extract(epoch FROM now() - st.data_timestamp)::float8,
           pgtrickle._behind_schedule(st.pgt_id)
      FROM pgtrickle.pgt_stream_tables st
      LEFT JOIN pgtrickle.pgt_refresh_history h USING (pgt_id)
     WHERE target IS NULL OR st.pgt_relid = target
     GROUP BY st.pgt_id
     ORDER BY st.pgt_schema, st.pgt_name
$$;

CREATE FUNCTION pgtrickle.st_refresh_stats()
RETURNS TABLE (
    pgt_name             text,
    pgt_schema           text,
    status               text,
    refresh_mode         text,
    is_populated         boolean,
    total_refreshes      bigint,
    successful_refreshes bigint,
    failed_refreshes     bigint,
    total_rows_inserted  bigint,
    total_rows_updated   bigint,
    total_rows_deleted   bigint,
    avg_duration_ms      float8,
    last_refresh_action  text,
    last_refresh_status  text,
    last_refresh_at      timestamptz,
    staleness_secs       float8,
    stale                boolean
)
LANGUAGE sql VOLATILE
AS $$ SELECT * FROM pgtrickle._st_refresh_stats(NULL) $$;

CREATE FUNCTION pgtrickle.st_refresh_stats(name text)
RETURNS TABLE (
    pgt_name             text,
    pgt_schema           text,
    status               text,
    refresh_mode         text,
    is_populated         boolean,
    total_refreshes      bigint,
    successful_refreshes bigint,
    failed_refreshes     bigint,
    total_rows_inserted  bigint,
    total_rows_updated   bigint,
    total_rows_deleted   bigint,
    avg_duration_ms      float8,
    last_refresh_action  text,
    last_refresh_status  text,
    last_refresh_at      timestamptz,
    staleness_secs       float8,
    stale                boolean
)
LANGUAGE sql VOLATILE STRICT
AS $$ SELECT * FROM pgtrickle._st_refresh_stats(pgtrickle._readable_stream_table(pg_catalog.to_regclass(name), name)) $$;

-- The subtree of one stream table: it, what it reads, and so on down.
CREATE FUNCTION pgtrickle.dependency_tree(name text)
RETURNS TABLE (
    tree_line    text,
    node         text,
    node_type    text,
    depth        integer,
    status       text,
    refresh_mode text
)
LANGUAGE sql STABLE STRICT
AS $$
    SELECT * FROM pgtrickle._dependency_subtree(
        pgtrickle._readable_stream_table(pg_catalog.to_regclass(name), name), '', '', 0)
$$;

-- The last refreshes of every stream table (target NULL) or of one, newest
-- first; status as the history records it (COMPLETED, FAILED, RUNNING, SKIPPED).
CREATE FUNCTION pgtrickle._refresh_timeline(target oid, max_rows integer)
RETURNS TABLE (
    start_time    timestamptz,
    stream_table  text,
    action        text,
    status        text,
    rows_inserted bigint,
    rows_deleted  bigint,
    duration_ms   float8,
    error_message text
)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT h.start_time, format('%I.%I', st.pgt_schema, st.pgt_name), h.action, h.status,
           h.rows_inserted, h.rows_deleted,
           (extract(epoch FROM h.end_time - h.start_time) * 1000)::float8, h.error_message
      FROM pgtrickle.pgt_refresh_history h
      JOIN pgtrickle.pgt_stream_tables st ON st.pgt_id = h.pgt_id
     WHERE target IS NULL OR st.pgt_relid = target
     ORDER BY h.start_time DESC, h.refresh_id DESC
     LIMIT greatest(max_rows, 0)
$$;

CREATE FUNCTION pgtrickle.refresh_timeline(max_rows integer DEFAULT 50)
RETURNS TABLE (
    start_time    timestamptz,
    stream_table  text,
    action        text,
    status        text,
    rows_inserted bigint,
    rows_deleted  bigint,
    duration_ms   float8,
    error_message text
)
LANGUAGE sql STABLE STRICT
AS $$ SELECT * FROM pgtrickle._refresh_timeline(NULL, max_rows) $$;

CREATE FUNCTION pgtrickle.refresh_timeline(name text, max_rows integer DEFAULT 50)
RETURNS TABLE (
    start_time    timestamptz,
    stream_table  text,
    action        text,
    status        text,
    rows_inserted bigint,
    rows_deleted  bigint,
    duration_ms   float8,
    error_message text
)
LANGUAGE sql STABLE STRICT
AS $$
    SELECT * FROM pgtrickle._refresh_timeline(pgtrickle._readable_stream_table(pg_catalog.to_regclass(name), name),
                                              max_rows)
$$;

-- Every trigger pg_trickle should have installed, and whether it is there
-- and not disabled. Capture triggers (cdc/capture_triggers.h): pgt_cdc_<op>
-- on a captured source, pgt_cdc_<op>_<source oid> on each of its partitions /
-- children, ops ins, upd, del, trunc (only trunc on a partitioned member of
-- a row-level capture). IMMEDIATE triggers (cdc/immediate_triggers.h):
-- pgt_ivm_<pgt_id>_{before,ins,upd,del,trunc} on each table an IMMEDIATE
-- stream table reads and its partitions / children. The names are made in
-- C++; regress 16_reference_monitoring checks every expected one is found.
-- Rows: the sources the caller may know about (as change_buffer_sizes: a
-- DIFFERENTIAL reader it may read, or a source it may SELECT) and the
-- IMMEDIATE stream tables it may read.
CREATE FUNCTION pgtrickle.trigger_inventory()
RETURNS TABLE (
    source_table  text,
    source_oid    bigint,
    trigger_name  text,
    trigger_type  text,
    present       boolean,
    enabled       boolean,
    trigger_table text,
    stream_table  text
)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH RECURSIVE members(root, relid) AS (
        SELECT r.relid, r.relid
          FROM (SELECT t.source_relid AS relid FROM pgtrickle.pgt_change_tracking t
                UNION
                SELECT d.source_relid FROM pgtrickle.pgt_dependencies d
                  JOIN pgtrickle.pgt_stream_tables st ON st.pgt_id = d.pgt_id
                 WHERE st.effective_refresh_mode = 'IMMEDIATE') r
        UNION
        SELECT m.root, i.inhrelid FROM members m JOIN pg_inherits i ON i.inhparent = m.relid
    ), expected AS (
        SELECT t.source_relid AS source, m.relid AS on_table, NULL::oid AS stream,
               'pgt_cdc_' || op || CASE WHEN m.relid = t.source_relid THEN '' ELSE '_' || t.source_relid END AS name,
               CASE WHEN op = 'trunc' THEN 'TRUNCATE' ELSE 'DML' END AS kind, op AS ord
          FROM pgtrickle.pgt_change_tracking t
          JOIN members m ON m.root = t.source_relid
          JOIN pg_class c ON c.oid = m.relid
         CROSS JOIN unnest(ARRAY['ins', 'upd', 'del', 'trunc']) op
         WHERE (op = 'trunc' OR NOT (t.row_level AND c.relkind = 'p'))
           AND (has_any_column_privilege(t.source_relid, 'SELECT')
                OR EXISTS (SELECT 1 FROM pgtrickle.pgt_dependencies d
                             JOIN pgtrickle.pgt_stream_tables st ON st.pgt_id = d.pgt_id
                            WHERE d.source_relid = t.source_relid AND st.effective_refresh_mode = 'DIFFERENTIAL'))
        UNION ALL
        SELECT d.source_relid, m.relid, st.pgt_relid, 'pgt_ivm_' || st.pgt_id || '_' || op,
               CASE WHEN op = 'trunc' THEN 'TRUNCATE' ELSE 'DML' END, op
          FROM pgtrickle.pgt_stream_tables st
          JOIN pgtrickle.pgt_dependencies d ON d.pgt_id = st.pgt_id
          JOIN pg_class s ON s.oid = d.source_relid AND s.relkind IN ('r', 'p')
          JOIN members m ON m.root = d.source_relid
         CROSS JOIN unnest(ARRAY['before', 'ins', 'upd', 'del', 'trunc']) op
         WHERE st.effective_refresh_mode = 'IMMEDIATE'
    )
    SELECT e.source::regclass::text, e.source::bigint, e.name, e.kind, tg.oid IS NOT NULL,
           COALESCE(tg.tgenabled <> 'D', false), e.on_table::regclass::text, e.stream::regclass::text
      FROM expected e
      LEFT JOIN pg_trigger tg ON tg.tgrelid = e.on_table AND tg.tgname = e.name
     ORDER BY e.stream IS NOT NULL, 1, e.stream::regclass::text, e.on_table <> e.source, 7,
              array_position(ARRAY['before', 'ins', 'upd', 'del', 'trunc'], e.ord)
$$;

-- Change capture per tracked source, in the reference's shape: capture here
-- is by triggers (cdc_mode TRIGGER; no replication slot, so slot_name,
-- lag_bytes and confirmed_lsn are NULL). alert, when something is wrong:
-- capture_trigger_missing / capture_trigger_disabled (see trigger_inventory()),
-- buffer_exceeds_threshold (the change buffer holds more rows than
-- pg_trickle.buffer_alert_threshold, the scheduler's buffer_growth_warning);
-- several are joined with ', '.
CREATE FUNCTION pgtrickle.check_cdc_health()
RETURNS TABLE (
    source_relid  bigint,
    source_table  text,
    cdc_mode      text,
    slot_name     text,
    lag_bytes     bigint,
    confirmed_lsn text,
    alert         text
)
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH triggers AS (
        SELECT i.source_oid, bool_or(NOT i.present) AS missing, bool_or(i.present AND NOT i.enabled) AS disabled
          FROM pgtrickle.trigger_inventory() i WHERE i.stream_table IS NULL GROUP BY i.source_oid
    )
    SELECT b.source_oid, b.source_table, 'TRIGGER', NULL::text, NULL::bigint, NULL::text,
           NULLIF(concat_ws(', ',
                            CASE WHEN tr.missing THEN 'capture_trigger_missing' END,
                            CASE WHEN tr.disabled THEN 'capture_trigger_disabled' END,
                            CASE WHEN b.buffered_rows > current_setting('pg_trickle.buffer_alert_threshold')::bigint
                                 THEN 'buffer_exceeds_threshold' END), '')
      FROM pgtrickle.change_buffer_sizes() b
      LEFT JOIN triggers tr ON tr.source_oid = b.source_oid
     ORDER BY b.source_table
$$;

-- The refreshes of this database running in refresh workers now (src/api/worker_pool_status.cpp).
CREATE FUNCTION pgtrickle._active_refresh_workers()
RETURNS integer
LANGUAGE c VOLATILE
AS 'MODULE_PATHNAME', 'pgt_active_refresh_workers';

-- The refresh worker pool of this database's scheduler: workers running now,
-- the settings that bound them (the scheduler runs at most the smaller of the
-- two at once, when parallel_mode is 'on').
CREATE FUNCTION pgtrickle.worker_pool_status()
RETURNS TABLE (active_workers integer, max_workers integer, per_db_cap integer, parallel_mode text)
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT pgtrickle._active_refresh_workers(),
           current_setting('pg_trickle.max_dynamic_refresh_workers')::integer,
           current_setting('pg_trickle.max_concurrent_refreshes')::integer,
           current_setting('pg_trickle.parallel_refresh_mode')
$$;

-- The change ratio above which a DIFFERENTIAL refresh of the stream table
-- recomputes it FULL instead: pg_trickle.differential_max_change_ratio as
-- this session has it (there is no per-table threshold here; 0: never).
-- NULL for a stream table that is not refreshed DIFFERENTIAL (no such choice
-- is made for it).
CREATE FUNCTION pgtrickle._st_auto_threshold(target oid, name text)
RETURNS double precision
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN st.effective_refresh_mode = 'DIFFERENTIAL'
                THEN current_setting('pg_trickle.differential_max_change_ratio')::double precision END
      FROM pgtrickle.pgt_stream_tables st
     WHERE st.pgt_relid = target
$$;

CREATE FUNCTION pgtrickle.st_auto_threshold(name text)
RETURNS double precision
LANGUAGE sql STABLE STRICT
AS $$ SELECT pgtrickle._st_auto_threshold(pgtrickle._readable_stream_table(pg_catalog.to_regclass(name), name), name) $$;

-- The graph of source tables and stream tables (those the caller may read,
-- and what they read), as Graphviz DOT or a Mermaid flowchart; edges point
-- the way data flows. With focus: only the part connected to that relation
-- upstream and downstream (explain_st's dependency_graph_dot).
CREATE FUNCTION pgtrickle._dependency_graph(format text, focus oid)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    fmt text := lower(btrim(format));
    dot boolean := fmt = 'dot';
BEGIN
    IF fmt IS NULL OR fmt NOT IN ('dot', 'mermaid') THEN
        RAISE EXCEPTION 'unknown graph format "%"', format
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use format => ''dot'' (Graphviz) or format => ''mermaid''.';
    END IF;
    RETURN (
        WITH RECURSIVE upstream(relid) AS (
            SELECT focus WHERE focus IS NOT NULL
            UNION
            SELECT d.source_relid FROM upstream u
              JOIN pgtrickle.pgt_stream_tables st ON st.pgt_relid = u.relid
              JOIN pgtrickle.pgt_dependencies d ON d.pgt_id = st.pgt_id
        ), downstream(relid) AS (
            SELECT focus WHERE focus IS NOT NULL
            UNION
            SELECT st.pgt_relid FROM downstream w
              JOIN pgtrickle.pgt_dependencies d ON d.source_relid = w.relid
              JOIN pgtrickle.pgt_stream_tables st ON st.pgt_id = d.pgt_id
        ), nodes AS (
            SELECT row_number() OVER (ORDER BY n.schema, n.name, n.relid) AS ord, n.relid, n.label, n.stream
              FROM (SELECT st.pgt_relid AS relid, st.pgt_schema AS schema, st.pgt_name AS name, true AS stream,
                           format('%I.%I', st.pgt_schema, st.pgt_name) || E'\n' || st.effective_refresh_mode ||
                           CASE WHEN st.refresh_mode <> st.effective_refresh_mode
                                THEN ' (' || st.refresh_mode || ')' ELSE '' END ||
                           CASE WHEN st.effective_refresh_mode = 'IMMEDIATE' THEN ', every statement'
                                ELSE ', schedule ' || st.schedule END || ', ' || st.status AS label
                      FROM pgtrickle.pgt_stream_tables st
                    UNION ALL
                    SELECT DISTINCT ON (d.source_relid) d.source_relid, d.source_schema, d.source_name, false,
                           format('%I.%I', d.source_schema, d.source_name) || E'\n' ||
                           lower(replace(d.source_type, '_', ' '))
                      FROM pgtrickle.pgt_dependencies d
                     WHERE NOT EXISTS (SELECT 1 FROM pgtrickle.pgt_stream_tables st
                                        WHERE st.pgt_relid = d.source_relid)) n
             WHERE focus IS NULL OR n.relid IN (SELECT relid FROM upstream UNION SELECT relid FROM downstream)
        ), edges AS (
            SELECT s.ord AS src, t.ord AS dst
              FROM pgtrickle.pgt_dependencies d
              JOIN pgtrickle.pgt_stream_tables st ON st.pgt_id = d.pgt_id
              JOIN nodes t ON t.relid = st.pgt_relid
              JOIN nodes s ON s.relid = d.source_relid
        )
        SELECT CASE WHEN dot THEN E'digraph pg_trickle {\n    rankdir=LR;\n' ELSE E'flowchart LR\n' END ||
               COALESCE((SELECT string_agg('    n' || n.ord ||
                                           CASE WHEN dot THEN ' [label=' || pgtrickle._dot_string(n.label) ||
                                                              CASE WHEN n.stream THEN ', shape=box];'
                                                                   ELSE ', shape=ellipse];' END
                                                WHEN n.stream THEN '[' || pgtrickle._mermaid_string(n.label) || ']'
                                                ELSE '([' || pgtrickle._mermaid_string(n.label) || '])' END || E'\n',
                                           '' ORDER BY n.ord) FROM nodes n), '') ||
               COALESCE((SELECT string_agg('    n' || e.src || CASE WHEN dot THEN ' -> n' ELSE ' --> n' END || e.dst ||
                                           CASE WHEN dot THEN ';' ELSE '' END || E'\n', '' ORDER BY e.dst, e.src)
                           FROM edges e), '') ||
               CASE WHEN dot THEN E'}\n' ELSE '' END);
END
$$;

CREATE FUNCTION pgtrickle.dependency_graph(format text DEFAULT 'dot')
RETURNS text
LANGUAGE sql STABLE CALLED ON NULL INPUT
SET search_path = pg_catalog, pg_temp
AS $$ SELECT pgtrickle._dependency_graph(format, NULL) $$;

-- What the reference's explain_st shows, from this design's catalog and
-- history: one row per property there is data for.
CREATE FUNCTION pgtrickle._explain_st(target oid, name text)
RETURNS TABLE (property text, value text)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    st pgtrickle.pgt_stream_tables;
BEGIN
    -- Checked first: inside the WHERE it would not run at all when the
    -- caller can read no catalog row (a plan without an index scan).
    target := pgtrickle._readable_stream_table(target, name);
    SELECT * INTO st FROM pgtrickle.pgt_stream_tables s WHERE s.pgt_relid = target;
    RETURN QUERY
    SELECT p.property, p.value
      FROM (VALUES
        (1, 'pgt_name', format('%I.%I', st.pgt_schema, st.pgt_name)),
        (2, 'defining_query', st.defining_query),
        (3, 'refresh_mode', st.effective_refresh_mode),
        (4, 'configured_refresh_mode', st.refresh_mode),
        (5, 'effective_mode_reason', st.effective_mode_reason),
        (6, 'schedule', CASE WHEN st.effective_refresh_mode <> 'IMMEDIATE' THEN st.schedule END),
        (7, 'status', st.status),
        (8, 'is_populated', st.is_populated::text),
        -- maintained from its changes (by the maintenance plan) rather than recomputed
        (9, 'dvm_supported', (st.effective_refresh_mode <> 'FULL')::text),
        (10, 'operator_tree', st.maintenance_plan),
        (11, 'output_columns',
             (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) FROM pg_attribute a
               WHERE a.attrelid = st.pgt_relid AND a.attnum > 0 AND NOT a.attisdropped
                 AND a.attname NOT LIKE '\_\_pgt\_%')),
        (12, 'source_oids',
             (SELECT string_agg(d.source_relid::text, ', ' ORDER BY d.source_schema, d.source_name)
                FROM pgtrickle.pgt_dependencies d WHERE d.pgt_id = st.pgt_id)),
        (13, 'delta_query', st.delta_apply_sql),
        (14, 'frontier', st.frontier::text),
        (15, 'auto_threshold', pgtrickle._st_auto_threshold(st.pgt_relid, name)::text),
        (16, 'refresh_timing_stats',
             (SELECT json_build_object('samples', count(*),
                                       'min_ms', round(min(x.ms)::numeric, 3),
                                       'max_ms', round(max(x.ms)::numeric, 3),
                                       'avg_ms', round(avg(x.ms)::numeric, 3),
                                       'p95_ms', round((percentile_cont(0.95) WITHIN GROUP (ORDER BY x.ms))::numeric, 3),
                                       'last_ms', round((array_agg(x.ms ORDER BY x.refresh_id DESC))[1]::numeric, 3))::text
                FROM (SELECT h.refresh_id, extract(epoch FROM h.end_time - h.start_time)::float8 * 1000 AS ms
                        FROM pgtrickle.pgt_refresh_history h
                       WHERE h.pgt_id = st.pgt_id AND h.status = 'COMPLETED'
                       ORDER BY h.refresh_id DESC LIMIT 100) x
              HAVING count(*) > 0)),
        (17, 'source_partitions',
             (SELECT json_agg(json_build_object('source', format('%I.%I', d.source_schema, d.source_name),
                                                'partitioned', c.relkind = 'p', 'members', m.n)
                              ORDER BY d.source_schema, d.source_name)::text
                FROM pgtrickle.pgt_dependencies d
                JOIN pg_class c ON c.oid = d.source_relid
               CROSS JOIN LATERAL (
                     WITH RECURSIVE tree(relid) AS (
                         SELECT d.source_relid
                         UNION
                         SELECT i.inhrelid FROM tree JOIN pg_inherits i ON i.inhparent = tree.relid)
                     SELECT count(*) - 1 AS n FROM tree) m
               WHERE d.pgt_id = st.pgt_id AND m.n > 0)),
        (18, 'dependency_graph_dot', pgtrickle._dependency_graph('dot', st.pgt_relid))
      ) AS p(ord, property, value)
     WHERE p.value IS NOT NULL
     ORDER BY p.ord;
END
$$;

CREATE FUNCTION pgtrickle.explain_st(name text)
RETURNS TABLE (property text, value text)
LANGUAGE sql VOLATILE STRICT
AS $$ SELECT * FROM pgtrickle._explain_st(pg_catalog.to_regclass(name), name) $$;

-------------------------------------------------------------------------------
-- More of the reference's API under its names, over this design's pieces
-- (docs/SQL_REFERENCE.md, "Monitoring functions (reference names)"): scripts
-- written for the reference that call them run unchanged.

-- Seconds since the stream table's data was last refreshed (its snapshot);
-- NULL if never; 0 for IMMEDIATE (current in every transaction). The name
-- is resolved on the caller's search_path, the rest with a pinned one.
CREATE FUNCTION pgtrickle._get_staleness(target oid)
RETURNS double precision
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN st.effective_refresh_mode = 'IMMEDIATE' THEN 0::float8
                ELSE EXTRACT(EPOCH FROM now() - st.data_timestamp)::float8 END
      FROM pgtrickle.pgt_stream_tables st WHERE st.pgt_relid = target
$$;

CREATE FUNCTION pgtrickle.get_staleness(name text)
RETURNS double precision
LANGUAGE sql STABLE STRICT
AS $$ SELECT pgtrickle._get_staleness(pgtrickle._readable_stream_table(pg_catalog.to_regclass(name), name)) $$;

-- A SUSPENDED stream table back to ACTIVE (errors reset, the resumed alert):
-- alter_stream_table(status => 'ACTIVE'), refused for any other status.
CREATE FUNCTION pgtrickle._resume_stream_table(target oid, name text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    current text;
    qualified text;
BEGIN
    SELECT st.status, format('%I.%I', st.pgt_schema, st.pgt_name) INTO current, qualified
      FROM pgtrickle.pgt_stream_tables st WHERE st.pgt_relid = target;
    IF current IS DISTINCT FROM 'SUSPENDED' THEN
        RAISE EXCEPTION 'stream table "%" is not suspended (it is %)', name, current
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Only a SUSPENDED stream table is resumed; see pgtrickle.pgt_status().';
    END IF;
    PERFORM pgtrickle.alter_stream_table(qualified, status => 'ACTIVE');
END
$$;

CREATE FUNCTION pgtrickle.resume_stream_table(name text)
RETURNS void
LANGUAGE sql STRICT
AS $$ SELECT pgtrickle._resume_stream_table(pgtrickle._readable_stream_table(pg_catalog.to_regclass(name), name), name) $$;

-- One row for dashboards: counts by status, behind schedule (the rule of
-- health_check), waiting for a recomputation, the stalest table, the
-- scheduler. cache_hit_rate is NULL: there is no cross-session template
-- cache here (each session keeps its prepared statements).
CREATE FUNCTION pgtrickle.health_summary(
    OUT total_stream_tables integer, OUT active_count integer, OUT error_count integer,
    OUT suspended_count integer, OUT stale_count integer, OUT reinit_pending integer,
    OUT max_staleness_seconds double precision, OUT scheduler_status text, OUT cache_hit_rate double precision)
RETURNS SETOF record
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT count(*)::int,
           count(*) FILTER (WHERE st.status = 'ACTIVE')::int,
           count(*) FILTER (WHERE st.status = 'ERROR')::int,
           count(*) FILTER (WHERE st.status = 'SUSPENDED')::int,
           count(*) FILTER (WHERE pgtrickle._behind_schedule(st.pgt_id))::int,
           count(*) FILTER (WHERE st.reinitialize_reason IS NOT NULL)::int,
           max(CASE WHEN st.effective_refresh_mode = 'IMMEDIATE' THEN 0
                    ELSE EXTRACT(EPOCH FROM now() - st.data_timestamp) END)::float8,
           (SELECT CASE s.state WHEN 'RUNNING' THEN 'ACTIVE' WHEN 'NOT_LOADED' THEN 'NOT_LOADED' ELSE 'STOPPED' END
              FROM pgtrickle.scheduler_status() s),
           NULL::float8
      FROM pgtrickle.pgt_stream_tables st
$$;

-- The same at a glance, as the reference's view.
CREATE VIEW pgtrickle.quick_health WITH (security_invoker = true) AS
SELECT count(*) AS total_stream_tables,
       count(*) FILTER (WHERE st.status = 'ERROR' OR st.consecutive_errors > 0) AS error_tables,
       count(*) FILTER (WHERE pgtrickle._behind_schedule(st.pgt_id)) AS stale_tables,
       (SELECT s.state = 'RUNNING' FROM pgtrickle.scheduler_status() s) AS scheduler_running,
       CASE WHEN count(*) = 0 THEN 'EMPTY'
            WHEN count(*) FILTER (WHERE st.status = 'SUSPENDED') > 0 THEN 'CRITICAL'
            WHEN count(*) FILTER (WHERE st.status = 'ERROR' OR st.consecutive_errors > 0
                                     OR pgtrickle._behind_schedule(st.pgt_id)) > 0 THEN 'WARNING'
            ELSE 'OK' END AS status
  FROM pgtrickle.pgt_stream_tables st;
GRANT SELECT ON pgtrickle.quick_health TO PUBLIC;

-- Replication slots of pg_trickle: capture is by triggers, so it creates
-- none and this lists none unless one named pg_trickle* exists.
CREATE FUNCTION pgtrickle.slot_health(OUT slot_name text, OUT source_relid bigint, OUT active boolean,
                                      OUT retained_wal_bytes bigint, OUT wal_status text)
RETURNS SETOF record
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT s.slot_name::text, NULL::bigint, s.active,
           CASE WHEN s.restart_lsn IS NOT NULL
                THEN pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_receive_lsn()
                                          ELSE pg_current_wal_lsn() END, s.restart_lsn)::bigint END,
           s.wal_status
      FROM pg_catalog.pg_replication_slots s
     WHERE s.slot_name LIKE 'pg\_trickle%'
     ORDER BY 1
$$;

-- Cycles of stream tables (issue 23): with pg_trickle.allow_circular on, a
-- cycle of stream tables whose queries are monotone and DIFFERENTIAL is
-- accepted and refreshed to its fixed point (docs/SQL_REFERENCE.md,
-- "Circular dependencies"). One row per member of a cycle that reached a
-- fixed point: the rounds it took and when.

CREATE TABLE pgtrickle.pgt_fixpoint_state (
    pgt_id                   bigint PRIMARY KEY,
    last_fixpoint_iterations int NOT NULL,
    -- The cycle started from empty (a source had deletes or updates, a
    -- member was new or redefined) rather than iterating inserts.
    last_recomputed          boolean NOT NULL,
    last_converged_at        timestamptz NOT NULL
);
COMMENT ON TABLE pgtrickle.pgt_fixpoint_state IS 'pg_trickle: the last fixed point of each member of a cycle of stream tables';
SELECT pg_catalog.pg_extension_config_dump('pgtrickle.pgt_fixpoint_state', '');
REVOKE ALL ON pgtrickle.pgt_fixpoint_state FROM PUBLIC;
GRANT SELECT ON pgtrickle.pgt_fixpoint_state TO PUBLIC;
ALTER TABLE pgtrickle.pgt_fixpoint_state ENABLE ROW LEVEL SECURITY;
CREATE POLICY readers ON pgtrickle.pgt_fixpoint_state FOR SELECT
    USING (EXISTS (SELECT 1 FROM pgtrickle.pgt_stream_tables st WHERE st.pgt_id = pgt_fixpoint_state.pgt_id));

CREATE FUNCTION pgtrickle._drop_fixpoint_state()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    DELETE FROM pgtrickle.pgt_fixpoint_state f USING gone WHERE f.pgt_id = gone.pgt_id;
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION pgtrickle._drop_fixpoint_state() FROM PUBLIC;
CREATE TRIGGER pgt_drop_fixpoint_state AFTER DELETE ON pgtrickle.pgt_stream_tables
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT
    EXECUTE FUNCTION pgtrickle._drop_fixpoint_state();

-- The cycles (strongly connected components) whose every member the caller
-- may read, numbered from 1: (scc_id, pgt_id) per member.
CREATE FUNCTION pgtrickle._stream_table_cycles(OUT scc_id int4, OUT pgt_id bigint)
RETURNS SETOF record
LANGUAGE c STRICT
AS 'MODULE_PATHNAME', 'pgt_stream_table_cycles';

CREATE FUNCTION pgtrickle.pgt_scc_status()
RETURNS TABLE (scc_id int4, member_count int4, members text[], last_iterations int4,
               last_converged_at timestamptz)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT c.scc_id, pg_catalog.count(*)::int4,
           pg_catalog.array_agg(st.pgt_schema OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) st.pgt_name
                                ORDER BY st.pgt_id),
           pg_catalog.max(f.last_fixpoint_iterations)::int4, pg_catalog.max(f.last_converged_at)
      FROM pgtrickle._stream_table_cycles() c
      JOIN pgtrickle.pgt_stream_tables st ON st.pgt_id OPERATOR(pg_catalog.=) c.pgt_id
      LEFT JOIN pgtrickle.pgt_fixpoint_state f ON f.pgt_id OPERATOR(pg_catalog.=) c.pgt_id
     GROUP BY c.scc_id
     ORDER BY c.scc_id
$$;

-------------------------------------------------------------------------------
-- Tiered scheduling and the effective schedule (issue 23, scheduler controls).
--
-- refresh_tier is what the owner chose (alter_stream_table(tier => ...)):
-- 'hot' (the default, so existing stream tables refresh as before) runs the
-- schedule as written, 'warm' / 'cold' stretch its period 2x / 10x, 'frozen'
-- stops scheduled refreshes, 'auto' lets the scheduler pick hot / warm / cold
-- from how often the table is read. The sched_* columns are the scheduler's
-- own account of how it schedules the table, written by it when they change
-- (NULL until it has seen the table): the tier in force ('auto' resolved),
-- the pg_trickle.auto_backoff factor, and the period before (the schedule, or
-- the one 'calculated' resolved to) and after both. NULL periods: a cron
-- schedule (firing times, not a period) or, for sched_period_ms, frozen.
ALTER TABLE pgtrickle.pgt_stream_tables
    ADD COLUMN refresh_tier text NOT NULL DEFAULT 'hot'
        CHECK (refresh_tier IN ('hot', 'warm', 'cold', 'frozen', 'auto')),
    ADD COLUMN sched_tier text CHECK (sched_tier IN ('hot', 'warm', 'cold', 'frozen')),
    ADD COLUMN sched_backoff integer,
    ADD COLUMN sched_base_period_ms bigint,
    ADD COLUMN sched_period_ms bigint;

-- A scheduled refresh that ran on a stretched period (tier or auto_backoff)
-- says so here, e.g. 'tier cold: period 10 s (schedule 1 s x 10)'.
ALTER TABLE pgtrickle.pgt_refresh_history ADD COLUMN schedule_note text;

-- How the scheduler schedules each stream table the caller may read (the
-- catalog's row policy): configured schedule and tier, the tier and backoff
-- in force, the period they give, and when the table is next due if changes
-- are pending (NULL: cron schedule, frozen, or not yet seen by the scheduler).
CREATE FUNCTION pgtrickle.effective_schedule()
RETURNS TABLE (
    name             text,
    schedule         text,
    refresh_tier     text,
    effective_tier   text,
    backoff_factor   integer,
    base_period      interval,
    effective_period interval,
    data_timestamp   timestamptz,
    next_due         timestamptz
)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT pg_catalog.quote_ident(st.pgt_schema) || '.' || pg_catalog.quote_ident(st.pgt_name),
           st.schedule, st.refresh_tier, st.sched_tier, st.sched_backoff,
           st.sched_base_period_ms * interval '1 millisecond',
           st.sched_period_ms * interval '1 millisecond',
           st.data_timestamp,
           st.data_timestamp + st.sched_period_ms * interval '1 millisecond'
      FROM pgtrickle.pgt_stream_tables st
     WHERE st.effective_refresh_mode <> 'IMMEDIATE'
     ORDER BY st.pgt_schema, st.pgt_name
$$;

-- Behind schedule (health_check, st_refresh_stats' stale): measured against
-- the period the scheduler runs the table at (its tier and backoff, as it
-- recorded them; the schedule until it has), as its stale_data alert is;
-- a frozen table is not refreshed on purpose.
CREATE OR REPLACE FUNCTION pgtrickle._behind_schedule(id bigint)
RETURNS boolean
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT COALESCE(bool_or(
               st.status = 'ACTIVE' AND st.schedule ~ '^([0-9]+[wdhms])+$' AND st.effective_refresh_mode <> 'IMMEDIATE'
               -- frozen: not refreshed on purpose
               AND st.sched_tier IS DISTINCT FROM 'frozen'
               AND now() - COALESCE(st.data_timestamp, st.created_at) >
                   2 * COALESCE(st.sched_period_ms * interval '1 millisecond',
                                regexp_replace(st.schedule, '([0-9]+)([wdhms])', '\1\2 ', 'g')::interval)
               AND (st.effective_refresh_mode <> 'DIFFERENTIAL' OR st.frontier IS NULL
                    OR EXISTS (SELECT 1 FROM pgtrickle.pgt_dependencies d
                                JOIN pgtrickle.pgt_change_tracking t ON t.source_relid = d.source_relid
                               WHERE d.pgt_id = st.pgt_id
                                 AND (pgtrickle._change_buffer_counts(d.source_relid, st.pgt_relid, 0)).unconsumed
                                     IS DISTINCT FROM 0))), false)
      FROM pgtrickle.pgt_stream_tables st WHERE st.pgt_id = id
$$;

-------------------------------------------------------------------------------
-- ON COMMIT timing of IMMEDIATE stream tables (issue 16, "Beyond the peers";
-- src/refresh/commit_maintenance.h). 'statement': maintained after every
-- statement on a source; 'commit': once, when the writing transaction
-- commits, from the change buffers (as a DIFFERENTIAL refresh).
ALTER TABLE pgtrickle.pgt_stream_tables
    ADD COLUMN immediate_timing text NOT NULL DEFAULT 'statement'
        CHECK (immediate_timing IN ('statement', 'commit'));

-- The WHEN of the deferred row trigger pgt_ivc_<pgt_id>_row on each table an
-- ON COMMIT stream table reads: true the first time in a transaction (per
-- stream table), so one event is queued per transaction. Evaluated as the
-- writer (a WHEN is), hence callable by PUBLIC; it only marks the stream
-- table as to be maintained at commit (a transaction that marks one without
-- a queued event is refused at commit).
CREATE FUNCTION pgtrickle._commit_event_wanted(stream_table oid)
RETURNS boolean
LANGUAGE c STRICT VOLATILE
AS 'MODULE_PATHNAME', 'pgt_commit_event_wanted';

-- The deferred trigger itself (and the AFTER TRUNCATE one): maintains the
-- ON COMMIT stream tables the transaction changed. Argument: the stream
-- table's oid. Not SECURITY DEFINER: it maintains as the stream table's owner.
CREATE FUNCTION pgtrickle._commit_maintenance()
RETURNS trigger
LANGUAGE c
AS 'MODULE_PATHNAME', 'pgt_commit_maintenance';
REVOKE ALL ON FUNCTION pgtrickle._commit_maintenance() FROM PUBLIC;

-- alter_stream_table gains immediate_timing (a new parameter: the function
-- is created anew; nothing in the extension depends on it).
DROP FUNCTION pgtrickle.alter_stream_table(text, text, text, text, text, text, text, text, boolean, boolean, text);
CREATE FUNCTION pgtrickle.alter_stream_table(
    name                      text,
    query                     text    DEFAULT NULL,
    schedule                  text    DEFAULT NULL,
    refresh_mode              text    DEFAULT NULL,
    status                    text    DEFAULT NULL,
    diamond_consistency       text    DEFAULT NULL,
    diamond_schedule_policy   text    DEFAULT NULL,
    cdc_mode                  text    DEFAULT NULL,
    append_only               boolean DEFAULT NULL,
    pooler_compatibility_mode boolean DEFAULT NULL,
    tier                      text    DEFAULT NULL,
    immediate_timing          text    DEFAULT NULL
) RETURNS void
LANGUAGE c CALLED ON NULL INPUT VOLATILE
AS 'MODULE_PATHNAME', 'pgt_alter_stream_table';

-- pgt_status() gains immediate_timing ('statement' / 'commit' for IMMEDIATE
-- tables, NULL otherwise): its result type changes, so it is created anew.
DROP FUNCTION pgtrickle.pgt_status();
CREATE FUNCTION pgtrickle.pgt_status()
RETURNS TABLE (
    name                   text,
    status                 text,
    refresh_mode           text,
    is_populated           boolean,
    consecutive_errors     integer,
    schedule               text,
    data_timestamp         timestamptz,
    staleness              interval,
    effective_refresh_mode text,
    last_refresh_at        timestamptz,
    last_error_message     text,
    immediate_timing       text
)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT pg_catalog.quote_ident(st.pgt_schema) || '.' || pg_catalog.quote_ident(st.pgt_name),
           st.status, st.refresh_mode, st.is_populated, st.consecutive_errors, st.schedule,
           st.data_timestamp,
           -- an IMMEDIATE table is current after every statement (or commit)
           CASE WHEN st.effective_refresh_mode = 'IMMEDIATE' THEN interval '0'
                ELSE pg_catalog.now() - st.data_timestamp END,
           st.effective_refresh_mode, st.last_refresh_at, st.last_error_message,
           CASE WHEN st.effective_refresh_mode = 'IMMEDIATE' THEN st.immediate_timing END
      FROM pgtrickle.pgt_stream_tables st
     ORDER BY st.pgt_schema, st.pgt_name
$$;

-- export_definition() sets immediate_timing again.
CREATE OR REPLACE FUNCTION pgtrickle._export_definition(target oid, name text)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    st pgtrickle.pgt_stream_tables;
    qualified text;
    sql text;
BEGIN
    SELECT * INTO st FROM pgtrickle.pgt_stream_tables s WHERE s.pgt_relid = target;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'stream table "%" does not exist', name
            USING ERRCODE = 'undefined_table',
                  HINT = 'List stream tables with SELECT name FROM pgtrickle.pgt_status().';
    END IF;
    qualified := format('%I.%I', st.pgt_schema, st.pgt_name);
    sql := format(E'SELECT pgtrickle.create_stream_table(\n    name => %L,\n    query => %L', qualified,
                  st.defining_query);
    IF st.schedule <> 'calculated' THEN
        sql := sql || format(E',\n    schedule => %L', st.schedule);
    END IF;
    IF st.refresh_mode <> 'AUTO' THEN
        sql := sql || format(E',\n    refresh_mode => %L', st.refresh_mode);
    END IF;
    IF NOT st.is_populated THEN
        sql := sql || E',\n    initialize => false';
    END IF;
    IF st.diamond_consistency IS NOT NULL THEN
        sql := sql || format(E',\n    diamond_consistency => %L', st.diamond_consistency);
    END IF;
    IF st.diamond_schedule_policy IS NOT NULL THEN
        sql := sql || format(E',\n    diamond_schedule_policy => %L', st.diamond_schedule_policy);
    END IF;
    IF st.cdc_mode IS NOT NULL THEN
        sql := sql || format(E',\n    cdc_mode => %L', st.cdc_mode);
    END IF;
    IF st.append_only THEN
        sql := sql || E',\n    append_only => true';
    END IF;
    IF st.pooler_compatibility_mode THEN
        sql := sql || E',\n    pooler_compatibility_mode => true';
    END IF;
    sql := sql || E'\n);\n';
    IF st.refresh_tier <> 'hot' THEN  -- a tier is set by alter_stream_table only
        sql := sql || format(E'SELECT pgtrickle.alter_stream_table(name => %L, tier => %L);\n', qualified,
                             st.refresh_tier);
    END IF;
    IF st.immediate_timing <> 'statement' THEN  -- set by alter_stream_table only
        sql := sql || format(E'SELECT pgtrickle.alter_stream_table(name => %L, immediate_timing => %L);\n',
                             qualified, st.immediate_timing);
    END IF;
    IF st.status = 'SUSPENDED' THEN
        sql := sql || format(E'SELECT pgtrickle.alter_stream_table(name => %L, status => %L);\n', qualified,
                             'SUSPENDED');
    END IF;
    RETURN sql;
END
$$;

