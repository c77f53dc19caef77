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
           st.data_timestamp, pg_catalog.now() - st.data_timestamp,
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

-- Refresh statistics per stream table, from the history.
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
    staleness_secs       float8
)
LANGUAGE sql STABLE
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
           extract(epoch FROM now() - st.data_timestamp)::float8
      FROM pgtrickle.pgt_stream_tables st
      LEFT JOIN pgtrickle.pgt_refresh_history h USING (pgt_id)
     GROUP BY st.pgt_id
     ORDER BY st.pgt_schema, st.pgt_name
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
