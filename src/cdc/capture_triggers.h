// The capture triggers of a captured table ("root"): four statement-level
// triggers (AFTER INSERT / UPDATE / DELETE with transition tables, AFTER
// TRUNCATE), enabled ALWAYS, on the root and on every member of its
// partition tree or inheritance hierarchy, all calling the root's capture
// function, which writes into the root's buffer.
//
// A statement fires the statement triggers of the table it names only:
// one on the root reports the rows of every member it changes in the root's
// transition tables (converted to the root's columns), one on a member
// reports that member's rows (and its own members'). So every change is
// captured once, whichever table a statement names.
//
// A root that is itself a partition or an inheritance child (read alone) is
// captured row by row instead ("row-level"): a statement on one of its
// ancestors changes its rows without firing its statement triggers, but
// fires the row triggers of the table each row is in. Then its members (and
// it) get FOR EACH ROW triggers for INSERT / UPDATE / DELETE, except a
// partitioned one (PostgreSQL would clone them onto its partitions, which
// get their own), and a TRUNCATE trigger each.
#pragma once

#include <string>
#include <vector>

#include "pg/pg_headers.h"

namespace pgt::cdc {

// pgtrickle_changes.capture_<root>: the trigger function.
std::string capture_function_name(Oid root);

// Creates the four triggers on `on` (the root or one of its members),
// replacing those of an earlier capture restored from a dump, enabled ALWAYS
// (changes applied by logical replication are captured too) and owned by the
// extension.
void create_capture_triggers(Oid root, Oid on, bool row_level);

// Drops them from `on` (if it still has them).
void drop_capture_triggers(Oid root, Oid on);

// Whether `on` has all it should have, enabled ALWAYS.
bool capture_triggers_intact(Oid root, Oid on, bool row_level);

// Whether relid is a partition or an inheritance child (a statement on an
// ancestor changes its rows without firing its statement triggers).
bool hierarchy_member(Oid relid);

// Every member of root's partition tree or inheritance hierarchy, at any
// depth (not root itself); empty for a table without any.
std::vector<Oid> hierarchy_members(Oid root);

// The tables above relid in its hierarchy (parents first), if any.
std::vector<Oid> hierarchy_ancestors(Oid relid);

// True while capture itself alters a source (ENABLE ALWAYS of its triggers):
// the DDL event trigger has nothing to check then.
bool running_capture_ddl();

// Marks capture's own DDL while alive (nests).
class OwnCaptureDdl {
 public:
  OwnCaptureDdl();
  ~OwnCaptureDdl();
  OwnCaptureDdl(const OwnCaptureDdl&) = delete;
  OwnCaptureDdl& operator=(const OwnCaptureDdl&) = delete;

 private:
  bool was_;
};

// "schema"."name" of a relation ("" when it is gone).
std::string qualified_table_name(Oid relid);

}  // namespace pgt::cdc
