// Set-returning functions in the select list of a select-project-join query
// (SELECT id, unnest(tags) AS tag FROM posts), rewritten into a LATERAL
// function in FROM, which the delta rules maintain (frontend/spj_derivation:
// every term keeps the function). PostgreSQL runs several such functions in
// lockstep, padding the shorter ones with NULLs, which is what ROWS FROM
// (f(...), g(...)) does; a WHERE clause reads no function output, so where
// it applies does not matter.
#pragma once

#include "frontend/query_rewrite.h"
#include "pg/pg_headers.h"

extern "C" {
#include "nodes/parsenodes.h"
}

namespace pgt::frontend {


// q: analyzed and rewritten, with q->hasTargetSRFs. Call with search_path
// pinned (the text is deparsed).
QueryRewrite rewrite_target_srfs(Query* q);

}  // namespace pgt::frontend
