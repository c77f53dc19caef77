-- pg_trickle 0.1.0 -> 0.2.0: brings a 0.1.0 installation to exactly what a
-- fresh CREATE EXTENSION pg_trickle (0.2.0) creates (see docs/UPGRADING.md;
-- test/e2e/edge/extension_upgrade_test.cpp compares the two catalogs).
--
-- 0.2.0 adds IMMEDIATE mode (three internal functions; pgt_status() shows an
-- IMMEDIATE table as never stale; the event triggers keep IMMEDIATE triggers
-- on the partitions and children of their sources), the diagnostics
-- functions of issue 18, explain_stream_table and the metrics views, and
-- source gating (issue 23: a new catalog table, pgt_source_gates, and three
-- functions), and tiered scheduling (issue 23: columns of pgt_stream_tables
-- and pgt_refresh_history, alter_stream_table's tier, effective_schedule()).
-- Every other function kept from 0.1.0 keeps its signature: CREATE OR
-- REPLACE keeps its grants, its comment and the event triggers that call it.
\echo Use "ALTER EXTENSION pg_trickle UPDATE TO '0.2.0'" to load this file. \quit

-------------------------------------------------------------------------------
-- Changed: pgt_status() (staleness 0 for IMMEDIATE tables).

CREATE OR REPLACE FUNCTION pgtrickle.pgt_status()
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

-------------------------------------------------------------------------------
-- New: IMMEDIATE mode's trigger function, the synchronisation of its
-- triggers, and the statement's changes its delta statements read.

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

-------------------------------------------------------------------------------
-- Changed: the event triggers' functions keep IMMEDIATE triggers in step with
-- dropped, created, attached and detached partitions and children.

-- DROP TABLE of a stream table (directly, by drop_stream_table, or by CASCADE
-- from a source) removes its catalog rows.
CREATE OR REPLACE FUNCTION pgtrickle._on_sql_drop()
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

-- ALTER TABLE ... RENAME / SET SCHEMA (and ALTER SCHEMA ... RENAME) of a stream
-- table keeps the catalog's names current. DDL on a source (ALTER TABLE,
-- CREATE OR REPLACE VIEW, ALTER VIEW, CREATE RULE) is checked against every
-- stream table reading it, and those whose maintenance it changes are
-- reinitialized at their next refresh.
CREATE OR REPLACE FUNCTION pgtrickle._on_ddl_command_end()
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

    -- Stale: an active table with a duration schedule (not IMMEDIATE: always
    -- current), not refreshed for more
    -- than twice its schedule while it has something to refresh (a FULL one
    -- always has; a DIFFERENTIAL one without pending changes is up to date).
    check_name := 'stale_tables';
    SELECT array_agg(format('%I.%I', st.pgt_schema, st.pgt_name) || ' (schedule ' || st.schedule || ', last refreshed ' ||
                     COALESCE((extract(epoch FROM now() - st.data_timestamp)::bigint / 60) || ' min ago', 'never') || ')'
                     ORDER BY st.pgt_schema, st.pgt_name) INTO names
      FROM pgtrickle.pgt_stream_tables st
     WHERE st.status = 'ACTIVE' AND st.schedule ~ '^([0-9]+[wdhms])+$' AND st.effective_refresh_mode <> 'IMMEDIATE'
       AND now() - COALESCE(st.data_timestamp, st.created_at) >
           2 * regexp_replace(st.schedule, '([0-9]+)([wdhms])', '\1\2 ', 'g')::interval
       AND (st.effective_refresh_mode <> 'DIFFERENTIAL' OR st.frontier IS NULL
            OR EXISTS (SELECT 1 FROM pgtrickle.pgt_dependencies d
                        JOIN pgtrickle.pgt_change_tracking t ON t.source_relid = d.source_relid
                       WHERE d.pgt_id = st.pgt_id
                         AND (pgtrickle._change_buffer_counts(d.source_relid, st.pgt_relid, 0)).unconsumed
                             IS DISTINCT FROM 0));
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

-- The graph of source tables and stream tables (the stream tables the caller
-- may read, and what they read), as Graphviz DOT or a Mermaid flowchart;
-- edges point the way data flows.
CREATE FUNCTION pgtrickle.dependency_graph(format text DEFAULT 'dot')
RETURNS text
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT
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
        WITH nodes AS (
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
        (19, 'could not extend file|no space left on device|disk full', '53100', 'system', false,
         'The disk is full: free space, then resume the stream table.')
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
CREATE FUNCTION pgtrickle.gate_source(source regclass) RETURNS void
LANGUAGE c STRICT
AS 'MODULE_PATHNAME', 'pgt_gate_source';

CREATE FUNCTION pgtrickle.ungate_source(source regclass) RETURNS void
LANGUAGE c STRICT
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
-- Changed: alter_stream_table gains tier (a new parameter: the function is
-- created anew; nothing in the extension depends on it).
DROP FUNCTION pgtrickle.alter_stream_table(text, text, text, text, text, text, text, text, boolean, boolean);
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
