-- The C++ / PostgreSQL boundary: C++ exceptions become ordinary errors, and
-- PostgreSQL errors under the guard leak neither memory nor C++ objects.
\set VERBOSITY default
CREATE FUNCTION pgt_test_boundary(kind text, iterations int DEFAULT 100) RETURNS text
    AS 'pg_trickle', 'pgt_test_boundary' LANGUAGE C;

-- An unexpected C++ exception: ERROR XX000; the session goes on.
SELECT pgt_test_boundary('cpp_exception');
SELECT 'session continues' AS after_cpp_exception;
-- pgt::Error keeps SQLSTATE, DETAIL and HINT.
\set VERBOSITY verbose
SELECT pgt_test_boundary('user_error');
-- A PostgreSQL error raised under guard() is re-raised unchanged (22012).
SELECT pgt_test_boundary('pg_error');
\set VERBOSITY default
-- Unwinding ran the destructors of the C++ objects alive at the throw.
SELECT pgt_test_boundary('live_objects');

-- The transaction is rolled back by a C++ exception, as by any error.
CREATE TABLE boundary_t (x int);
BEGIN;
INSERT INTO boundary_t VALUES (1);
SELECT pgt_test_boundary('cpp_exception');
COMMIT;
SELECT count(*) AS rolled_back_rows FROM boundary_t;

-- An error caught in C++ inside a subtransaction leaves the transaction usable.
SELECT pgt_test_boundary('recover');

-- Thousands of caught errors: no C++ object survives, backend memory does not grow.
SELECT pgt_test_boundary('leak_check', 50);
SELECT pgt_test_boundary('leak_check_direct', 50);
SELECT pgt_test_boundary('memory_mark');
SELECT pgt_test_boundary('leak_check', 3000);
SELECT pgt_test_boundary('leak_check_direct', 3000);
SELECT pgt_test_boundary('memory_growth');

DROP TABLE boundary_t;
DROP FUNCTION pgt_test_boundary(text, int);
