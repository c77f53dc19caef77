// The planner's row estimates for change buffers.
//
// A change buffer's statistics describe it at its last ANALYZE, which most
// often finds it just cleaned: its sentinel row alone, one row in one page.
// The planner scales that density to the buffer's current size, one row per
// page, where a page of changes holds about a hundred: it plans a refresh's
// delta for a handful of rows (a sort where a hash is cheaper, a nested loop
// over what is in fact a thousand changes). For change buffers this hook
// estimates their rows as PostgreSQL does for a table never analyzed: pages
// times the rows per page that the columns' widths give, or the statistics'
// estimate when that is larger. Column statistics taken from the sentinel
// alone (all NULL) are withheld from the planner, which then uses its
// defaults instead of taking every change's value for NULL.
#pragma once

namespace pgt::cdc {

// Installs the get_relation_info and get_relation_stats hooks (from _PG_init).
void install_buffer_estimate_hook();

}  // namespace pgt::cdc
