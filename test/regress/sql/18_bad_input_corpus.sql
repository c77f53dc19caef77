-- The bad input corpus (issue 19): hostile or malformed calls of every
-- function of the API (names, queries, schedules, modes, options, states,
-- privileges). Each must fail cleanly: a SQLSTATE that is not an internal
-- error, a message, and a HINT saying what to do; and together they must
-- leave nothing behind. The calls run one by one in subtransactions; the
-- output lists each outcome, then the checks.
\set SHOW_CONTEXT never
SET client_min_messages = error;
CREATE TABLE bi_src (id int PRIMARY KEY, v int);
CREATE TABLE bi_src2 (id int PRIMARY KEY, v int);
INSERT INTO bi_src SELECT g, g FROM generate_series(1, 5) g;
CREATE VIEW bi_view AS SELECT id, v FROM bi_src;
CREATE VIEW bi_view_volatile AS SELECT id, random() AS r FROM bi_src;
CREATE TABLE bi_foreign_like (id int);
CREATE SEQUENCE bi_seq;
CREATE TEMP TABLE bi_temp (id int);
SELECT pgtrickle.create_stream_table('bi_st', 'SELECT id, v FROM bi_src', refresh_mode => 'DIFFERENTIAL');
SELECT pgtrickle.create_stream_table('bi_st2', 'SELECT count(*) AS n FROM bi_st', refresh_mode => 'DIFFERENTIAL');

-- What exists before (compared at the end).
CREATE TEMP TABLE bi_state_before AS
SELECT (SELECT string_agg(pgt_name, ',' ORDER BY pgt_name) FROM pgtrickle.pgt_stream_tables) AS stream_tables,
       (SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'pgt\_%') AS triggers,
       (SELECT count(*) FROM pg_class WHERE relnamespace = 'pgtrickle_changes'::regnamespace) AS buffer_relations,
       (SELECT count(*) FROM pgtrickle.pgt_change_tracking) AS tracked,
       (SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace) AS public_relations;

-- who: NULL for the owner of everything (a superuser), or the role the call
-- runs as.
CREATE ROLE bi_stranger;
CREATE TEMP TABLE bi_calls (n int PRIMARY KEY, who text, call text NOT NULL);
INSERT INTO bi_calls VALUES
(1, NULL, 'SELECT pgtrickle.create_stream_table(NULL, ''SELECT id FROM bi_src'')'),
(2, NULL, 'SELECT pgtrickle.create_stream_table('''', ''SELECT id FROM bi_src'')'),
(3, NULL, 'SELECT pgtrickle.create_stream_table(''   '', ''SELECT id FROM bi_src'')'),
(4, NULL, 'SELECT pgtrickle.create_stream_table(''a.b.c'', ''SELECT id FROM bi_src'')'),
(5, NULL, 'SELECT pgtrickle.create_stream_table(''"unterminated'', ''SELECT id FROM bi_src'')'),
(6, NULL, 'SELECT pgtrickle.create_stream_table(''xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'', ''SELECT id FROM bi_src'')'),
(7, NULL, 'SELECT pgtrickle.create_stream_table(''pg_catalog.bi_x'', ''SELECT id FROM bi_src'')'),
(8, NULL, 'SELECT pgtrickle.create_stream_table(''information_schema.bi_x'', ''SELECT id FROM bi_src'')'),
(9, NULL, 'SELECT pgtrickle.create_stream_table(''nosuchschema.bi_x'', ''SELECT id FROM bi_src'')'),
(10, NULL, 'SELECT pgtrickle.create_stream_table(''bi_src'', ''SELECT id FROM bi_src'')'),
(11, NULL, 'SELECT pgtrickle.create_stream_table(''bi_st'', ''SELECT id FROM bi_src'')'),
(12, NULL, 'SELECT pgtrickle.create_stream_table(''bi_view'', ''SELECT id FROM bi_src'')'),
(13, NULL, 'SELECT pgtrickle.create_stream_table(''""'', ''SELECT id FROM bi_src'')'),
(14, NULL, 'SELECT pgtrickle.create_stream_table(''bi_seq'', ''SELECT id FROM bi_src'')'),
(15, NULL, 'SELECT pgtrickle.create_stream_table(''pg_temp.bi_x'', ''SELECT id FROM bi_src'')'),
(16, NULL, 'SELECT pgtrickle.create_stream_table(''pgtrickle.bi_x'', ''SELECT id FROM bi_src'')'),
(17, NULL, 'SELECT pgtrickle.create_stream_table(''pgtrickle_changes.bi_x'', ''SELECT id FROM bi_src'')'),
(18, NULL, 'SELECT pgtrickle.create_stream_table(''.bi_x'', ''SELECT id FROM bi_src'')'),
(19, NULL, 'SELECT pgtrickle.create_stream_table(''bi_x.'', ''SELECT id FROM bi_src'')'),
(20, NULL, 'SELECT pgtrickle.create_stream_table(''bi x'', ''SELECT id FROM bi_src'')'),
(21, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', NULL)'),
(22, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', '''')'),
(23, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''   '')'),
(24, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''-- only a comment'')'),
(25, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''/* unterminated'')'),
(26, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''SELECT'')'),
(27, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''SELEC id FROM bi_src'')'),
(28, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''SELECT id FROM bi_src; SELECT 1'')'),
(29, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''SELECT id FROM bi_src;;'')'),
(30, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''INSERT INTO bi_src VALUES (1)'')'),
(31, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''UPDATE bi_src SET v = 1'')'),
(32, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''DELETE FROM bi_src'')'),
(33, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''TRUNCATE bi_src'')'),
(34, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''DROP TABLE bi_src'')'),
(35, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''CREATE TABLE bi_y (a int)'')'),
(36, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''COPY bi_src TO STDOUT'')'),
(37, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''EXPLAIN SELECT id FROM bi_src'')'),
(38, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''SHOW work_mem'')'),
(39, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''SET work_mem = 1'')'),
(40, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''BEGIN'')'),
(41, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''VACUUM bi_src'')'),
(42, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''LOCK bi_src'')'),
(43, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''SELECT * INTO bi_new FROM bi_src'')'),
(44, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''SELECT id FROM bi_src FOR UPDATE'')'),
(45, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''SELECT id FROM bi_src FOR SHARE'')'),
(46, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''WITH d AS (DELETE FROM bi_src RETURNING *) SELECT * FROM d'')'),
(47, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''SELECT * FROM no_such_table'')'),
(48, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''SELECT no_such_column FROM bi_src'')'),
(49, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''SELECT id FROM bi_src WHERE v = $1'')'),
(50, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''SELECT id, id FROM bi_src'')'),
(51, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''SELECT id AS __pgt_row_id FROM bi_src'')'),
(52, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''SELECT id AS __pgt_count FROM bi_src'')'),
(53, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''SELECT id AS ctid FROM bi_src'')'),
(54, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''SELECT id AS "" FROM bi_src'')'),
(55, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''SELECT 1/0 AS boom FROM bi_src'')'),
(56, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''SELECT id::text::int AS x FROM (SELECT ''''x''''::text AS id) s'')'),
(57, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''SELECT nextval(''''bi_seq'''') AS n FROM bi_src'')'),
(58, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''SELECT * FROM bi_seq'')'),
(59, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''SELECT * FROM bi_temp'')'),
(60, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''SELECT id FROM bi_src UNION SELECT ''''a'''''')'),
(61, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''SELECT id FROM bi_src ORDER BY no_such'')'),
(62, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''SELECT count(*) FROM bi_src GROUP BY no_such'')'),
(63, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''SELECT pg_sleep(0) FROM bi_src WHERE false; SELECT 1'')'),
(64, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''(SELECT id FROM bi_src'')'),
(65, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''SELECT id FROM bi_src) x'')'),
(66, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''VALUES'')'),
(67, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''TABLE no_such_table'')'),
(68, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''SELECT * FROM bi_st'')'),
(69, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''SELECT * FROM pgtrickle.pgt_stream_tables'')'),
(70, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''SELECT * FROM pgtrickle_changes.no_such'')'),
(71, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', repeat(''SELECT id FROM bi_src UNION ALL '', 2000) || ''SELECT id FROM bi_src'')'),
(72, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''SELECT '' || repeat(''('', 10000) || ''1'' || repeat('')'', 10000))'),
(73, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''SELECT id FROM bi_src WHERE id IN ('' || repeat(''('', 5000) || ''1'' || repeat('')'', 5000) || '')'')'),
(74, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', E''SELECT id FROM bi_src\\'')'),
(75, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''SELECT id FROM bi_src WHERE v = ''''unterminated'')'),
(76, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''SELECT "unterminated FROM bi_src'')'),
(77, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''SELECT id FROM "BI_SRC"'')'),
(78, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''SELECT id FROM bi_src x(a, b, c, d)'')'),
(79, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''SELECT generate_series(1, 0) FROM bi_src LIMIT -1'')'),
(80, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''SELECT id FROM bi_src OFFSET -1'')'),
(81, NULL, 'SELECT pgtrickle.create_stream_table(''bi_q'', ''SELECT id FROM bi_src LIMIT ''''x'''''')'),
(82, NULL, 'SELECT pgtrickle.create_stream_table(''bi_m'', ''SELECT id, random() AS r FROM bi_src'', refresh_mode => ''DIFFERENTIAL'')'),
(83, NULL, 'SELECT pgtrickle.create_stream_table(''bi_m'', ''SELECT id, random() AS r FROM bi_src'', refresh_mode => ''IMMEDIATE'')'),
(84, NULL, 'SELECT pgtrickle.create_stream_table(''bi_m'', ''SELECT s.id, x.c AS r FROM bi_src s, LATERAL (SELECT count(*) AS c FROM bi_src b WHERE b.id < s.id) x'', refresh_mode => ''DIFFERENTIAL'')'),
(85, NULL, 'SELECT pgtrickle.create_stream_table(''bi_m'', ''SELECT id FROM bi_src TABLESAMPLE SYSTEM (10)'', refresh_mode => ''DIFFERENTIAL'')'),
(86, NULL, 'SELECT pgtrickle.create_stream_table(''bi_m'', ''WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT n FROM r'', refresh_mode => ''IMMEDIATE'')'),
(87, NULL, 'SELECT pgtrickle.create_stream_table(''bi_m'', ''SELECT id FROM bi_src'', refresh_mode => ''fast'')'),
(88, NULL, 'SELECT pgtrickle.create_stream_table(''bi_m'', ''SELECT id FROM bi_src'', refresh_mode => '''')'),
(89, NULL, 'SELECT pgtrickle.create_stream_table(''bi_m'', ''SELECT id FROM bi_src'', refresh_mode => ''FULL; DROP TABLE bi_src'')'),
(90, NULL, 'SELECT pgtrickle.create_stream_table(''bi_m'', ''SELECT 1 AS x'', refresh_mode => ''IMMEDIATE'')'),
(91, NULL, 'SELECT pgtrickle.create_stream_table(''bi_m'', ''SELECT id FROM bi_view_volatile'', refresh_mode => ''DIFFERENTIAL'')'),
(92, NULL, 'SELECT pgtrickle.create_stream_table(''bi_m'', ''SELECT id FROM bi_foreign_like'', refresh_mode => ''DIFFERENTIAL'')'),
(93, NULL, 'SELECT pgtrickle.create_stream_table(''bi_m'', ''SELECT id FROM bi_src'', refresh_mode => NULL)'),
(94, NULL, 'SELECT pgtrickle.create_stream_table(''bi_s'', ''SELECT id FROM bi_src'', schedule => '''')'),
(95, NULL, 'SELECT pgtrickle.create_stream_table(''bi_s'', ''SELECT id FROM bi_src'', schedule => ''   '')'),
(96, NULL, 'SELECT pgtrickle.create_stream_table(''bi_s'', ''SELECT id FROM bi_src'', schedule => ''abc'')'),
(97, NULL, 'SELECT pgtrickle.create_stream_table(''bi_s'', ''SELECT id FROM bi_src'', schedule => ''0s'')'),
(98, NULL, 'SELECT pgtrickle.create_stream_table(''bi_s'', ''SELECT id FROM bi_src'', schedule => ''-5s'')'),
(99, NULL, 'SELECT pgtrickle.create_stream_table(''bi_s'', ''SELECT id FROM bi_src'', schedule => ''1x'')'),
(100, NULL, 'SELECT pgtrickle.create_stream_table(''bi_s'', ''SELECT id FROM bi_src'', schedule => ''999999999999h'')'),
(101, NULL, 'SELECT pgtrickle.create_stream_table(''bi_s'', ''SELECT id FROM bi_src'', schedule => ''99999999999999999999999s'')'),
(102, NULL, 'SELECT pgtrickle.create_stream_table(''bi_s'', ''SELECT id FROM bi_src'', schedule => ''1.5s'')'),
(103, NULL, 'SELECT pgtrickle.create_stream_table(''bi_s'', ''SELECT id FROM bi_src'', schedule => ''* * * *'')'),
(104, NULL, 'SELECT pgtrickle.create_stream_table(''bi_s'', ''SELECT id FROM bi_src'', schedule => ''61 * * * *'')'),
(105, NULL, 'SELECT pgtrickle.create_stream_table(''bi_s'', ''SELECT id FROM bi_src'', schedule => ''* * * * * * *'')'),
(106, NULL, 'SELECT pgtrickle.create_stream_table(''bi_s'', ''SELECT id FROM bi_src'', schedule => ''@reboot'')'),
(107, NULL, 'SELECT pgtrickle.create_stream_table(''bi_s'', ''SELECT id FROM bi_src'', schedule => ''@every 5s'')'),
(108, NULL, 'SELECT pgtrickle.create_stream_table(''bi_s'', ''SELECT id FROM bi_src'', schedule => ''every minute'')'),
(109, NULL, 'SELECT pgtrickle.create_stream_table(''bi_s'', ''SELECT id FROM bi_src'', schedule => ''5 s'')'),
(110, NULL, 'SELECT pgtrickle.create_stream_table(''bi_s'', ''SELECT id FROM bi_src'', schedule => ''5m 3s'')'),
(111, NULL, 'SELECT pgtrickle.create_stream_table(''bi_s'', ''SELECT id FROM bi_src'', schedule => ''1d'')'),
(112, NULL, 'SELECT pgtrickle.create_stream_table(''bi_s'', ''SELECT id FROM bi_src'', schedule => ''0 0 31 2 *'')'),
(113, NULL, 'SELECT pgtrickle.create_stream_table(''bi_s'', ''SELECT id FROM bi_src'', schedule => ''*/0 * * * *'')'),
(114, NULL, 'SELECT pgtrickle.create_stream_table(''bi_s'', ''SELECT id FROM bi_src'', schedule => ''1-0 * * * *'')'),
(115, NULL, 'SELECT pgtrickle.create_stream_table(''bi_s'', ''SELECT id FROM bi_src'', schedule => NULL)'),
(116, NULL, 'SELECT pgtrickle.create_stream_table(''bi_o'', ''SELECT id FROM bi_src'', initialize => NULL)'),
(117, NULL, 'SELECT pgtrickle.create_stream_table(''bi_o'', ''SELECT id FROM bi_src'', diamond_consistency => ''maybe'')'),
(118, NULL, 'SELECT pgtrickle.create_stream_table(''bi_o'', ''SELECT id FROM bi_src'', diamond_schedule_policy => ''sometimes'')'),
(119, NULL, 'SELECT pgtrickle.create_stream_table(''bi_o'', ''SELECT id FROM bi_src'', cdc_mode => ''logical'')'),
(120, NULL, 'SELECT pgtrickle.create_stream_table(''bi_o'', ''SELECT id FROM bi_src'', cdc_mode => '''')'),
(121, NULL, 'SELECT pgtrickle.create_stream_table(''bi_o'', ''SELECT id FROM bi_src'', append_only => NULL)'),
(122, NULL, 'SELECT pgtrickle.create_stream_table(''bi_o'', ''SELECT id FROM bi_src'', pooler_compatibility_mode => NULL)'),
(123, NULL, 'SELECT pgtrickle.create_stream_table(''bi_o'', ''SELECT id FROM bi_src'', diamond_consistency => '''')'),
(124, NULL, 'SELECT pgtrickle.create_stream_table(''bi_o'', ''SELECT id FROM bi_src'', refresh_mode => ''FULL'', append_only => true)'),
(125, NULL, 'SELECT pgtrickle.create_stream_table(''bi_o'', ''SELECT id FROM bi_src'', refresh_mode => ''IMMEDIATE'', schedule => ''5s'')'),
(126, NULL, 'SELECT pgtrickle.create_stream_table(''bi_o'', ''SELECT id FROM bi_src'', refresh_mode => ''IMMEDIATE'', initialize => false)'),
(127, NULL, 'SELECT pgtrickle.alter_stream_table(NULL, schedule => ''5m'')'),
(128, NULL, 'SELECT pgtrickle.alter_stream_table(''no_such_st'', schedule => ''5m'')'),
(129, NULL, 'SELECT pgtrickle.alter_stream_table('''', schedule => ''5m'')'),
(130, NULL, 'SELECT pgtrickle.alter_stream_table(''bi_src'', schedule => ''5m'')'),
(131, NULL, 'SELECT pgtrickle.alter_stream_table(''bi_view'', schedule => ''5m'')'),
(132, NULL, 'SELECT pgtrickle.alter_stream_table(''bi_seq'', schedule => ''5m'')'),
(133, NULL, 'SELECT pgtrickle.alter_stream_table(''a.b.c'', schedule => ''5m'')'),
(134, NULL, 'SELECT pgtrickle.alter_stream_table(''bi_st'', schedule => '''')'),
(135, NULL, 'SELECT pgtrickle.alter_stream_table(''bi_st'', schedule => ''soon'')'),
(136, NULL, 'SELECT pgtrickle.alter_stream_table(''bi_st'', schedule => ''0s'')'),
(137, NULL, 'SELECT pgtrickle.alter_stream_table(''bi_st'', refresh_mode => ''fast'')'),
(138, NULL, 'SELECT pgtrickle.alter_stream_table(''bi_st'', refresh_mode => '''')'),
(139, NULL, 'SELECT pgtrickle.alter_stream_table(''bi_st'', status => ''PAUSED'')'),
(140, NULL, 'SELECT pgtrickle.alter_stream_table(''bi_st'', status => '''')'),
(141, NULL, 'SELECT pgtrickle.alter_stream_table(''bi_st'', status => ''ERROR'')'),
(142, NULL, 'SELECT pgtrickle.alter_stream_table(''bi_st'', status => ''SUSPENDED; DROP TABLE bi_src'')'),
(143, NULL, 'SELECT pgtrickle.alter_stream_table(''bi_st'', query => '''')'),
(144, NULL, 'SELECT pgtrickle.alter_stream_table(''bi_st'', query => ''SELECT no_such FROM bi_src'')'),
(145, NULL, 'SELECT pgtrickle.alter_stream_table(''bi_st'', query => ''DELETE FROM bi_src'')'),
(146, NULL, 'SELECT pgtrickle.alter_stream_table(''bi_st'', query => ''SELECT id FROM bi_src; SELECT 1'')'),
(147, NULL, 'SELECT pgtrickle.alter_stream_table(''bi_st'', query => ''SELECT id, random() AS r FROM bi_src'', refresh_mode => ''DIFFERENTIAL'')'),
(148, NULL, 'SELECT pgtrickle.alter_stream_table(''bi_st'', query => ''SELECT * FROM bi_st'')'),
(149, NULL, 'SELECT pgtrickle.alter_stream_table(''bi_st'', diamond_consistency => ''maybe'')'),
(150, NULL, 'SELECT pgtrickle.alter_stream_table(''bi_st'', diamond_schedule_policy => ''x'')'),
(151, NULL, 'SELECT pgtrickle.alter_stream_table(''bi_st'', cdc_mode => ''logical'')'),
(152, NULL, 'SELECT pgtrickle.alter_stream_table(''bi_st'', refresh_mode => ''IMMEDIATE'', query => ''SELECT id, random() AS r FROM bi_src'')'),
(153, NULL, 'SELECT pgtrickle.drop_stream_table(NULL)'),
(154, NULL, 'SELECT pgtrickle.refresh_stream_table(NULL)'),
(155, NULL, 'SELECT pgtrickle.drop_stream_table('''')'),
(156, NULL, 'SELECT pgtrickle.refresh_stream_table('''')'),
(157, NULL, 'SELECT pgtrickle.drop_stream_table(''no_such_st'')'),
(158, NULL, 'SELECT pgtrickle.refresh_stream_table(''no_such_st'')'),
(159, NULL, 'SELECT pgtrickle.drop_stream_table(''bi_src'')'),
(160, NULL, 'SELECT pgtrickle.refresh_stream_table(''bi_src'')'),
(161, NULL, 'SELECT pgtrickle.drop_stream_table(''bi_view'')'),
(162, NULL, 'SELECT pgtrickle.refresh_stream_table(''bi_view'')'),
(163, NULL, 'SELECT pgtrickle.drop_stream_table(''bi_seq'')'),
(164, NULL, 'SELECT pgtrickle.refresh_stream_table(''bi_seq'')'),
(165, NULL, 'SELECT pgtrickle.drop_stream_table(''a.b.c'')'),
(166, NULL, 'SELECT pgtrickle.refresh_stream_table(''a.b.c'')'),
(167, NULL, 'SELECT pgtrickle.drop_stream_table(''pg_catalog.pg_class'')'),
(168, NULL, 'SELECT pgtrickle.refresh_stream_table(''pg_catalog.pg_class'')'),
(169, NULL, 'SELECT pgtrickle.drop_stream_table(''bi_st'', NULL)'),
(170, NULL, 'SELECT pgtrickle.drop_stream_table(''bi_st'')'),
(171, NULL, 'SELECT * FROM pgtrickle.list_sources(NULL)'),
(172, NULL, 'SELECT * FROM pgtrickle.list_sources(''no_such_st'')'),
(173, NULL, 'SELECT * FROM pgtrickle.list_sources(''bi_src'')'),
(174, NULL, 'SELECT * FROM pgtrickle.maintenance_plan(NULL)'),
(175, NULL, 'SELECT * FROM pgtrickle.maintenance_plan(''no_such_st'')'),
(176, NULL, 'SELECT * FROM pgtrickle.maintenance_plan(''bi_src'')'),
(177, NULL, 'SELECT * FROM pgtrickle.explain_refresh_mode(NULL)'),
(178, NULL, 'SELECT * FROM pgtrickle.explain_refresh_mode(''no_such_st'')'),
(179, NULL, 'SELECT * FROM pgtrickle.explain_refresh_mode(''bi_src'')'),
(180, NULL, 'SELECT * FROM pgtrickle.diagnose_errors(NULL)'),
(181, NULL, 'SELECT * FROM pgtrickle.diagnose_errors(''no_such_st'')'),
(182, NULL, 'SELECT * FROM pgtrickle.diagnose_errors(''bi_src'')'),
(183, NULL, 'SELECT * FROM pgtrickle.export_definition(NULL)'),
(184, NULL, 'SELECT * FROM pgtrickle.export_definition(''no_such_st'')'),
(185, NULL, 'SELECT * FROM pgtrickle.export_definition(''bi_src'')'),
(186, NULL, 'SELECT * FROM pgtrickle.list_auxiliary_columns(NULL)'),
(187, NULL, 'SELECT * FROM pgtrickle.list_auxiliary_columns(''no_such_st'')'),
(188, NULL, 'SELECT * FROM pgtrickle.list_auxiliary_columns(''bi_src'')'),
(189, NULL, 'SELECT * FROM pgtrickle.explain_stream_table(NULL)'),
(190, NULL, 'SELECT * FROM pgtrickle.explain_stream_table(''no_such_st'')'),
(191, NULL, 'SELECT * FROM pgtrickle.explain_stream_table(''bi_src'')'),
(192, NULL, 'SELECT * FROM pgtrickle.get_refresh_history(NULL)'),
(193, NULL, 'SELECT * FROM pgtrickle.get_refresh_history(''no_such_st'')'),
(194, NULL, 'SELECT * FROM pgtrickle.get_refresh_history(''bi_src'')'),
(195, NULL, 'SELECT * FROM pgtrickle.get_refresh_history(''bi_st'', -1)'),
(196, NULL, 'SELECT * FROM pgtrickle.get_refresh_history(''bi_st'', NULL)'),
(197, NULL, 'SELECT * FROM pgtrickle.explain_stream_table(''bi_st'', NULL)'),
(198, NULL, 'SELECT pgtrickle.dependency_graph(''svg'')'),
(199, NULL, 'SELECT pgtrickle.dependency_graph(NULL)'),
(200, NULL, 'SELECT pgtrickle.dependency_graph('''')'),
(201, NULL, 'SELECT * FROM pgtrickle.validate_query(NULL)'),
(202, NULL, 'SELECT * FROM pgtrickle.validate_query('''')'),
(203, NULL, 'SELECT * FROM pgtrickle.validate_query(''DROP TABLE bi_src'')'),
(204, NULL, 'SELECT * FROM pgtrickle.validate_query(''SELEC 1'')'),
(205, NULL, 'SELECT * FROM pgtrickle.validate_query(''SELECT * FROM no_such_table'')'),
(206, NULL, 'SELECT pgtrickle.gate_source(NULL)'),
(207, NULL, 'SELECT pgtrickle.gate_source(''no_such_table'')'),
(208, NULL, 'SELECT pgtrickle.gate_source(0)'),
(209, NULL, 'SELECT pgtrickle.gate_source(''bi_seq'')'),
(210, NULL, 'SELECT pgtrickle.ungate_source(NULL)'),
(211, NULL, 'SELECT pgtrickle.ungate_source(''no_such_table'')'),
(212, NULL, 'SELECT pgtrickle.ungate_source(0)'),
(213, NULL, 'SELECT pgtrickle.ungate_source(''bi_seq'')'),
(214, NULL, 'SELECT pgtrickle.advance_watermark(NULL, now())'),
(215, NULL, 'SELECT pgtrickle.advance_watermark(''bi_src'', NULL)'),
(216, NULL, 'SELECT pgtrickle.advance_watermark(''no_such'', now())'),
(217, NULL, 'SELECT pgtrickle.advance_watermark(''bi_seq'', now())'),
(218, NULL, 'SELECT pgtrickle.advance_watermark(''bi_src'', ''infinity'')'),
(219, NULL, 'SELECT pgtrickle.advance_watermark(''bi_src'', ''-infinity'')'),
(220, NULL, 'SELECT pgtrickle.advance_watermark('''', now())'),
(221, NULL, 'SELECT pgtrickle.advance_watermark(''a.b.c'', now())'),
(222, NULL, 'SELECT pgtrickle.create_watermark_group(NULL, ARRAY[''bi_src'', ''bi_src2''])'),
(223, NULL, 'SELECT pgtrickle.create_watermark_group(''g'', NULL)'),
(224, NULL, 'SELECT pgtrickle.create_watermark_group(''g'', ARRAY[]::text[])'),
(225, NULL, 'SELECT pgtrickle.create_watermark_group(''g'', ARRAY[''bi_src''])'),
(226, NULL, 'SELECT pgtrickle.create_watermark_group(''g'', ARRAY[''bi_src'', ''bi_src''])'),
(227, NULL, 'SELECT pgtrickle.create_watermark_group(''g'', ARRAY[''bi_src'', NULL])'),
(228, NULL, 'SELECT pgtrickle.create_watermark_group(''g'', ARRAY[''bi_src'', ''bi_src2''], -1)'),
(229, NULL, 'SELECT pgtrickle.create_watermark_group(''g'', ARRAY[''bi_src'', ''bi_src2''], ''infinity'')'),
(230, NULL, 'SELECT pgtrickle.create_watermark_group(''g'', ARRAY[''bi_src'', ''bi_src2''], NULL)'),
(231, NULL, 'SELECT pgtrickle.create_watermark_group('''', ARRAY[''bi_src'', ''bi_src2''])'),
(232, NULL, 'SELECT pgtrickle.create_watermark_group(''g'', ARRAY[''bi_src'', ''bi_seq''])'),
(233, NULL, 'SELECT pgtrickle.drop_watermark_group(NULL)'),
(234, NULL, 'SELECT pgtrickle.drop_watermark_group(''no such'')'),
(235, 'bi_stranger', 'SELECT pgtrickle.alter_stream_table(''bi_st'', schedule => ''5m'')'),
(236, 'bi_stranger', 'SELECT pgtrickle.alter_stream_table(''bi_st'', status => ''SUSPENDED'')'),
(237, 'bi_stranger', 'SELECT pgtrickle.alter_stream_table(''bi_st'', query => ''SELECT id, v FROM bi_src WHERE v > 1'')'),
(238, 'bi_stranger', 'SELECT pgtrickle.drop_stream_table(''bi_st'')'),
(239, 'bi_stranger', 'SELECT pgtrickle.refresh_stream_table(''bi_st'')'),
(240, 'bi_stranger', 'SELECT pgtrickle.create_stream_table(''bi_mine'', ''SELECT id FROM bi_src'')'),
(241, 'bi_stranger', 'SELECT pgtrickle.create_stream_table(''bi_mine'', ''SELECT id FROM bi_st'')'),
(242, 'bi_stranger', 'SELECT pgtrickle.create_stream_table(''public.bi_mine'', ''SELECT 1 AS x'')'),
(243, 'bi_stranger', 'SELECT pgtrickle.create_or_replace_stream_table(''bi_st'', ''SELECT 1 AS x'')'),
(244, 'bi_stranger', 'SELECT pgtrickle.create_stream_table_if_not_exists(''bi_st'', ''SELECT 1 AS x'')'),
(245, 'bi_stranger', 'SELECT * FROM pgtrickle.get_refresh_history(''bi_st'')'),
(246, 'bi_stranger', 'SELECT * FROM pgtrickle.list_sources(''bi_st'')'),
(247, 'bi_stranger', 'SELECT * FROM pgtrickle.maintenance_plan(''bi_st'')'),
(248, 'bi_stranger', 'SELECT * FROM pgtrickle.explain_refresh_mode(''bi_st'')'),
(249, 'bi_stranger', 'SELECT * FROM pgtrickle.diagnose_errors(''bi_st'')'),
(250, 'bi_stranger', 'SELECT * FROM pgtrickle.export_definition(''bi_st'')'),
(251, 'bi_stranger', 'SELECT * FROM pgtrickle.list_auxiliary_columns(''bi_st'')'),
(252, 'bi_stranger', 'SELECT * FROM pgtrickle.explain_stream_table(''bi_st'')'),
(253, 'bi_stranger', 'SELECT * FROM pgtrickle.explain_stream_table(''bi_st'', true)'),
(254, 'bi_stranger', 'SELECT * FROM pgtrickle.restore_stream_tables()'),
(255, 'bi_stranger', 'SELECT pgtrickle.gate_source(''bi_src'')'),
(256, 'bi_stranger', 'SELECT pgtrickle.ungate_source(''bi_src'')'),
(257, 'bi_stranger', 'SELECT pgtrickle.advance_watermark(''bi_src'', now())'),
(258, 'bi_stranger', 'SELECT pgtrickle.create_watermark_group(''bi_g'', ARRAY[''bi_src'', ''bi_src2''])'),
(259, 'bi_stranger', 'SELECT * FROM bi_st'),
(260, 'bi_stranger', 'INSERT INTO bi_st VALUES (99, 99)'),
(261, 'bi_stranger', 'DELETE FROM pgtrickle.pgt_stream_tables'),
(262, 'bi_stranger', 'UPDATE pgtrickle.pgt_change_tracking SET source_relid = 0'),
(263, 'bi_stranger', 'SELECT count(*) FROM pgtrickle._statement_changes(''bi_src''::regclass) AS t(id int, v int)'),
(264, 'bi_stranger', 'SELECT pgtrickle._signal_scheduler(''bi_src''::regclass)'),
(265, 'bi_stranger', 'SELECT pgtrickle._sync_change_capture(''bi_src''::regclass)'),
(266, 'bi_stranger', 'SELECT pgtrickle._drop_unused_change_capture()');

CREATE TEMP TABLE bi_outcomes (n int, sqlstate text, message text, hint text);
CREATE FUNCTION pg_temp.bi_run() RETURNS void LANGUAGE plpgsql AS $run$
DECLARE
  c record;
  st text; msg text; hnt text;
BEGIN
  FOR c IN SELECT * FROM bi_calls ORDER BY n LOOP
    -- A call that succeeds is rolled back too (P0999): every call meets the
    -- same starting state.
    BEGIN
      IF c.who IS NOT NULL THEN
        EXECUTE pg_catalog.format('SET LOCAL ROLE %I', c.who);
      END IF;
      EXECUTE c.call;
      RAISE EXCEPTION 'accepted' USING ERRCODE = 'P0999';
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, hnt = PG_EXCEPTION_HINT;
      IF st = 'P0999' THEN
        INSERT INTO bi_outcomes VALUES (c.n, 'OK', NULL, NULL);
      ELSE
        INSERT INTO bi_outcomes VALUES (c.n, st, msg, NULLIF(hnt, ''));
      END IF;
    END;
  END LOOP;
END
$run$;
SELECT pg_temp.bi_run();

-- Every outcome: SQLSTATE, the message's first 90 characters, whether a HINT came.
SELECT o.n, c.who, o.sqlstate, left(split_part(o.message, E'\n', 1), 90) AS message, o.hint IS NOT NULL AS hint
  FROM bi_outcomes o JOIN bi_calls c USING (n) ORDER BY o.n;
-- Accepted calls, each on purpose: a name longer than 63 bytes is truncated
-- as PostgreSQL truncates identifiers; an empty statement after the query is
-- no statement; AUTO falls back to FULL (with a WARNING and the reason) for
-- volatile functions, sequences and the catalog (row-level security); a
-- plain table, a stream table and deep nesting are sources like any other;
-- NULL for an option means its default; the diagnostics are STRICT (no row
-- for a NULL name); an IMMEDIATE stream table is always populated at once and
-- has no use for a schedule.
SELECT o.n, c.call FROM bi_outcomes o JOIN bi_calls c USING (n) WHERE o.sqlstate = 'OK' ORDER BY o.n;
-- Internal errors: none.
SELECT count(*) AS internal_errors FROM bi_outcomes WHERE sqlstate LIKE 'XX%';
-- Errors of the API without a HINT: none. (The stranger's direct reads and
-- writes of tables and internal functions get PostgreSQL's own errors.)
SELECT o.n, c.call, o.message FROM bi_outcomes o JOIN bi_calls c USING (n)
 WHERE o.sqlstate <> 'OK' AND o.hint IS NULL AND c.call ~ 'pgtrickle\.[a-z][a-z_]*\(' ORDER BY o.n;
SELECT count(*) AS calls_tried FROM bi_outcomes;
-- The stranger learned nothing and changed nothing: every call refused.
SELECT count(*) AS stranger_calls_accepted FROM bi_outcomes o JOIN bi_calls c USING (n)
 WHERE c.who = 'bi_stranger' AND o.sqlstate = 'OK';

-- Nothing left behind: the same stream tables, triggers, buffers, tracked
-- sources and relations as before the corpus.
SELECT b.* = a.* AS nothing_left_behind
  FROM bi_state_before b,
       LATERAL (SELECT (SELECT string_agg(pgt_name, ',' ORDER BY pgt_name) FROM pgtrickle.pgt_stream_tables) AS stream_tables,
                       (SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'pgt\_%') AS triggers,
                       (SELECT count(*) FROM pg_class WHERE relnamespace = 'pgtrickle_changes'::regnamespace) AS buffer_relations,
                       (SELECT count(*) FROM pgtrickle.pgt_change_tracking) AS tracked,
                       (SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace) AS public_relations) a;
-- The stranger reads no history nor catalog row of a table it cannot read.
SET ROLE bi_stranger;
SELECT (SELECT count(*) FROM pgtrickle.pgt_refresh_history) AS history_rows,
       (SELECT count(*) FROM pgtrickle.pgt_stream_tables) AS catalog_rows,
       (SELECT count(*) FROM pgtrickle.pgt_status()) AS status_rows;
RESET ROLE;
-- And what exists still works.
INSERT INTO bi_src VALUES (6, 6);
SET pg_trickle.differential_max_change_ratio = 1;
SELECT pgtrickle.refresh_stream_table('bi_st');
SELECT pgtrickle.refresh_stream_table('bi_st2');
SELECT count(*) AS rows_in_bi_st, (SELECT n FROM bi_st2) AS counted FROM bi_st;
SELECT action, status FROM pgtrickle.get_refresh_history('bi_st', 1);
RESET pg_trickle.differential_max_change_ratio;

SELECT pgtrickle.drop_stream_table('bi_st2');
SELECT pgtrickle.drop_stream_table('bi_st');
DROP VIEW bi_view, bi_view_volatile;
DROP TABLE bi_src, bi_src2, bi_foreign_like;
DROP SEQUENCE bi_seq;
DROP ROLE bi_stranger;
RESET client_min_messages;
