// Value identity of types: see value_identity.h.
#include "frontend/value_identity.h"

#include "pg/boundary.h"

extern "C" {
#include "catalog/pg_type.h"
#include "access/htup_details.h"
#include "catalog/pg_attribute.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/typcache.h"
}

namespace pgt::frontend {

bool equality_means_identical(Oid type, Oid collation) {
  bool identical = false;
  pg::guard([&] {
    Oid base = getBaseType(type);
    switch (base) {
      case INT2OID:
      case INT4OID:
      case INT8OID:
      case OIDOID:
      case BOOLOID:
      case CHAROID:
      case DATEOID:
      case TIMESTAMPOID:
      case TIMESTAMPTZOID:
      case UUIDOID:
      case BYTEAOID:
        identical = true;
        break;
      case TEXTOID:
      case VARCHAROID:
      case NAMEOID:
        identical = !OidIsValid(collation) || get_collation_isdeterministic(collation);
        break;
      default:
        identical = false;
    }
  });
  return identical;
}

bool type_has_equality(Oid type) {
  bool has = false;
  pg::guard([&] {
    TypeCacheEntry* tc = lookup_type_cache(type, TYPECACHE_EQ_OPR | TYPECACHE_LT_OPR | TYPECACHE_HASH_PROC);
    has = OidIsValid(tc->eq_opr) && (OidIsValid(tc->lt_opr) || OidIsValid(tc->hash_proc));
  });
  return has;
}

bool type_has_ordering(Oid type) {
  bool has = false;
  pg::guard([&] {
    TypeCacheEntry* tc = lookup_type_cache(type, TYPECACHE_LT_OPR);
    has = OidIsValid(tc->lt_opr);
  });
  return has;
}

bool column_not_null(Oid relid, AttrNumber attnum) {
  bool not_null = false;
  pg::guard([&] {
    HeapTuple tuple = SearchSysCache2(ATTNUM, ObjectIdGetDatum(relid), Int16GetDatum(attnum));
    if (!HeapTupleIsValid(tuple)) return;
    not_null = reinterpret_cast<Form_pg_attribute>(GETSTRUCT(tuple))->attnotnull;
    ReleaseSysCache(tuple);
  });
  return not_null;
}

}  // namespace pgt::frontend
