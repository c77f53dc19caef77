// pg_depend bookkeeping: see object_dependencies.h.
#include "catalog/object_dependencies.h"

#include "pg/boundary.h"

extern "C" {
#include "catalog/dependency.h"
#include "catalog/pg_class.h"
#include "catalog/pg_extension.h"
#include "commands/extension.h"
#include "access/xact.h"
}

namespace pgt::catalog {

void record_source_dependencies(Oid st_relid, const std::vector<Oid>& sources) {
  const Oid* relids = sources.data();
  size_t count = sources.size();
  pg::guard([&] {
    ObjectAddress depender{RelationRelationId, st_relid, 0};
    for (size_t i = 0; i < count; i++) {
      if (relids[i] == st_relid) continue;
      ObjectAddress referenced{RelationRelationId, relids[i], 0};
      recordDependencyOn(&depender, &referenced, DEPENDENCY_NORMAL);
    }
    CommandCounterIncrement();
  });
}

void remove_source_dependencies(Oid st_relid) {
  pg::guard([&] {
    deleteDependencyRecordsForClass(RelationRelationId, st_relid, RelationRelationId,
                                    DEPENDENCY_NORMAL);
    CommandCounterIncrement();
  });
}

void record_extension_dependency(Oid st_relid) {
  record_extension_dependency(RelationRelationId, st_relid);
}

void record_extension_dependency(Oid classid, Oid objid) {
  pg::guard([&] {
    ObjectAddress depender{classid, objid, 0};
    ObjectAddress extension{ExtensionRelationId, get_extension_oid("pg_trickle", false), 0};
    recordDependencyOn(&depender, &extension, DEPENDENCY_AUTO);
    CommandCounterIncrement();
  });
}

}  // namespace pgt::catalog
