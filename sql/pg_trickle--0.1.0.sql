-- pg_trickle 0.1.0: stream tables for PostgreSQL.
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
    last_refresh_at           timestamptz,
    consecutive_errors        integer NOT NULL DEFAULT 0,
    last_error_message        text,
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

CREATE TABLE pgtrickle.pgt_refresh_history (
    refresh_id     bigserial PRIMARY KEY,
    pgt_id         bigint NOT NULL REFERENCES pgtrickle.pgt_stream_tables ON DELETE CASCADE,
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
        CHECK (initiated_by IN ('MANUAL', 'SCHEDULER', 'INITIAL', 'ALTER')),
    reason         text,
    error_message  text
);
CREATE INDEX ON pgtrickle.pgt_refresh_history (pgt_id, start_time DESC);
COMMENT ON TABLE pgtrickle.pgt_refresh_history IS 'pg_trickle: one row per refresh';

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
    created_at        timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE pgtrickle.pgt_change_tracking IS 'pg_trickle: change buffers of source tables';

REVOKE ALL ON pgtrickle.pgt_stream_tables, pgtrickle.pgt_dependencies,
              pgtrickle.pgt_refresh_history, pgtrickle.pgt_change_tracking FROM PUBLIC;
GRANT SELECT ON pgtrickle.pgt_stream_tables, pgtrickle.pgt_dependencies,
                pgtrickle.pgt_refresh_history, pgtrickle.pgt_change_tracking TO PUBLIC;
REVOKE ALL ON SCHEMA pgtrickle_changes FROM PUBLIC;
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
    pooler_compatibility_mode boolean DEFAULT NULL
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
           st.data_timestamp, pg_catalog.now() - st.data_timestamp,
           st.effective_refresh_mode, st.last_refresh_at, st.last_error_message
      FROM pgtrickle.pgt_stream_tables st
     ORDER BY st.pgt_schema, st.pgt_name
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
    -- Change capture no stream table needs any more (or of a dropped source).
    PERFORM pgtrickle._drop_unused_change_capture();
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

CREATE FUNCTION pgtrickle._drop_unused_change_capture()
RETURNS void
LANGUAGE c
AS 'MODULE_PATHNAME', 'pgt_drop_unused_change_capture';
REVOKE ALL ON FUNCTION pgtrickle._drop_unused_change_capture() FROM PUBLIC;

-- ALTER TABLE ... RENAME / SET SCHEMA (and ALTER SCHEMA ... RENAME) of a stream
-- table keeps the catalog's names current.
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
    -- Sources: the change must not break a stream table's defining query ...
    PERFORM pgtrickle._check_stream_tables_reading(d.objid)
       FROM (SELECT DISTINCT objid FROM pg_catalog.pg_event_trigger_ddl_commands()
              WHERE classid = 'pg_catalog.pg_class'::pg_catalog.regclass) d
      WHERE EXISTS (SELECT 1 FROM pgtrickle.pgt_dependencies dep WHERE dep.source_relid = d.objid);
    -- ... and the capture function follows renamed or dropped columns.
    PERFORM pgtrickle._sync_change_capture(t.source_relid)
       FROM pgtrickle.pgt_change_tracking t
      WHERE t.source_relid IN (SELECT objid FROM pg_catalog.pg_event_trigger_ddl_commands()
                                WHERE classid = 'pg_catalog.pg_class'::pg_catalog.regclass);
END
$$;
REVOKE ALL ON FUNCTION pgtrickle._on_ddl_command_end() FROM PUBLIC;
CREATE EVENT TRIGGER pgt_ddl_command_end ON ddl_command_end
    WHEN TAG IN ('ALTER TABLE', 'ALTER SCHEMA')
    EXECUTE FUNCTION pgtrickle._on_ddl_command_end();
