#include "extension_catalog.h"

#include <algorithm>
#include <iterator>

namespace pgt_e2e {
namespace {

// Objects are named by regclass / regprocedure / regtype text and
// pg_describe_object, never by OID. Comments and initial privileges are read
// for every user object of the database (OID >= FirstNormalObjectId): the
// databases compared hold nothing but the extension.
const char* const kCatalogSql = R"SQL(
WITH ext AS (SELECT e.* FROM pg_catalog.pg_extension e WHERE e.extname = 'pg_trickle'),
nsp AS (SELECT n.oid, n.nspname FROM pg_catalog.pg_namespace n WHERE n.nspname IN ('pgtrickle', 'pgtrickle_changes')),
rel AS (SELECT c.* FROM pg_catalog.pg_class c WHERE c.relnamespace IN (SELECT oid FROM nsp)),
lines(kind, object, detail) AS (
    SELECT 'extension', e.extname::text,
           concat_ws(' | ', e.extversion, 'relocatable ' || e.extrelocatable, 'schema ' || e.extnamespace::regnamespace,
                     'owner ' || pg_catalog.pg_get_userbyid(e.extowner))
      FROM ext e
    UNION ALL
    SELECT 'config_dump', c.cfg::regclass::text, 'condition ' || COALESCE(c.cond, '<null>')
      FROM ext e, unnest(e.extconfig, e.extcondition) AS c(cfg, cond)
    UNION ALL
    SELECT 'member', pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid), ''
      FROM pg_catalog.pg_depend d, ext e
     WHERE d.refclassid = 'pg_catalog.pg_extension'::regclass AND d.refobjid = e.oid AND d.deptype = 'e'
    UNION ALL
    SELECT 'schema', n.nspname::text,
           concat_ws(' | ', 'owner ' || pg_catalog.pg_get_userbyid(n.nspowner), 'acl ' || COALESCE(n.nspacl::text, '<default>'))
      FROM pg_catalog.pg_namespace n WHERE n.oid IN (SELECT oid FROM nsp)
    UNION ALL
    SELECT 'function', p.oid::regprocedure::text,
           concat_ws(E'\n', 'kind ' || p.prokind::text, 'result ' || COALESCE(pg_catalog.pg_get_function_result(p.oid), ''),
                     'arguments ' || pg_catalog.pg_get_function_arguments(p.oid),
                     'volatility ' || p.provolatile::text, 'strict ' || p.proisstrict, 'parallel ' || p.proparallel::text,
                     'security definer ' || p.prosecdef, 'leakproof ' || p.proleakproof,
                     'config ' || COALESCE(p.proconfig::text, '<none>'),
                     'owner ' || pg_catalog.pg_get_userbyid(p.proowner), 'acl ' || COALESCE(p.proacl::text, '<default>'),
                     CASE WHEN p.prokind IN ('f', 'p') THEN pg_catalog.pg_get_functiondef(p.oid) END)
      FROM pg_catalog.pg_proc p WHERE p.pronamespace IN (SELECT oid FROM nsp)
    UNION ALL
    SELECT 'relation', c.oid::regclass::text,
           concat_ws(E'\n', 'kind ' || c.relkind::text, 'persistence ' || c.relpersistence::text,
                     'owner ' || pg_catalog.pg_get_userbyid(c.relowner), 'acl ' || COALESCE(c.relacl::text, '<default>'),
                     'row security ' || c.relrowsecurity || ' force ' || c.relforcerowsecurity,
                     'options ' || COALESCE(c.reloptions::text, '<none>'),
                     'replica identity ' || c.relreplident::text,
                     CASE WHEN c.relkind IN ('v', 'm') THEN pg_catalog.pg_get_viewdef(c.oid) END,
                     CASE WHEN c.relkind = 'i' THEN pg_catalog.pg_get_indexdef(c.oid) END,
                     (SELECT concat_ws(' ', 'sequence', s.seqtypid::regtype, s.seqstart, s.seqincrement, s.seqmax,
                                       s.seqmin, s.seqcache, s.seqcycle)
                        FROM pg_catalog.pg_sequence s WHERE s.seqrelid = c.oid),
                     (SELECT 'owned by ' || d.refobjid::regclass || '.' || a.attname
                        FROM pg_catalog.pg_depend d
                        JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                       WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid
                         AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.deptype IN ('a', 'i')
                         AND c.relkind = 'S'))
      FROM rel c
    UNION ALL
    SELECT 'column', c.oid::regclass::text || '.' || a.attname,
           concat_ws(' | ', 'position ' || row_number() OVER (PARTITION BY c.oid ORDER BY a.attnum),
                     pg_catalog.format_type(a.atttypid, a.atttypmod), 'not null ' || a.attnotnull,
                     'default ' || COALESCE(pg_catalog.pg_get_expr(ad.adbin, ad.adrelid), '<none>'),
                     'collation ' || COALESCE(co.collname::text, '<none>'),
                     'identity ' || a.attidentity::text, 'generated ' || a.attgenerated::text, 'storage ' || a.attstorage::text,
                     'acl ' || COALESCE(a.attacl::text, '<none>'))
      FROM rel c
      JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
      LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
     WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'c')
    UNION ALL
    SELECT 'constraint', COALESCE(con.conrelid::regclass::text, con.contypid::regtype::text) || ' ' || con.conname,
           concat_ws(' | ', con.contype::text, pg_catalog.pg_get_constraintdef(con.oid),
                     'deferrable ' || con.condeferrable || ' deferred ' || con.condeferred,
                     'validated ' || con.convalidated)
      FROM pg_catalog.pg_constraint con WHERE con.connamespace IN (SELECT oid FROM nsp)
    UNION ALL
    SELECT 'trigger', t.tgrelid::regclass::text || ' ' || t.tgname,
           pg_catalog.pg_get_triggerdef(t.oid) || ' | enabled ' || t.tgenabled::text
      FROM pg_catalog.pg_trigger t WHERE NOT t.tgisinternal AND t.tgrelid IN (SELECT oid FROM rel)
    UNION ALL
    SELECT 'event_trigger', ev.evtname::text,
           concat_ws(' | ', ev.evtevent, ev.evtfoid::regprocedure, 'enabled ' || ev.evtenabled::text,
                     'tags ' || COALESCE(ev.evttags::text, '<all>'), 'owner ' || pg_catalog.pg_get_userbyid(ev.evtowner))
      FROM pg_catalog.pg_event_trigger ev
    UNION ALL
    SELECT 'policy', pol.polrelid::regclass::text || ' ' || pol.polname,
           concat_ws(' | ', 'command ' || pol.polcmd::text, 'permissive ' || pol.polpermissive,
                     'roles ' || (SELECT string_agg(CASE WHEN r = 0 THEN 'public' ELSE pg_catalog.pg_get_userbyid(r)::text END,
                                                    ',' ORDER BY 1) FROM unnest(pol.polroles) r),
                     'using ' || COALESCE(pg_catalog.pg_get_expr(pol.polqual, pol.polrelid), '<none>'),
                     'with check ' || COALESCE(pg_catalog.pg_get_expr(pol.polwithcheck, pol.polrelid), '<none>'))
      FROM pg_catalog.pg_policy pol WHERE pol.polrelid IN (SELECT oid FROM rel)
    UNION ALL
    SELECT 'type', t.oid::regtype::text,
           concat_ws(' | ', 'kind ' || t.typtype::text, 'owner ' || pg_catalog.pg_get_userbyid(t.typowner),
                     'acl ' || COALESCE(t.typacl::text, '<default>'))
      FROM pg_catalog.pg_type t WHERE t.typnamespace IN (SELECT oid FROM nsp)
    UNION ALL
    SELECT 'comment', pg_catalog.pg_describe_object(d.classoid, d.objoid, d.objsubid), d.description
      FROM pg_catalog.pg_description d WHERE d.objoid >= 16384
    UNION ALL
    SELECT 'initial privileges', pg_catalog.pg_describe_object(i.classoid, i.objoid, i.objsubid),
           i.privtype::text || ' ' || i.initprivs::text
      FROM pg_catalog.pg_init_privs i WHERE i.objoid >= 16384
    UNION ALL
    SELECT 'default privileges', COALESCE(da.defaclnamespace::regnamespace::text, '<all>') || ' ' || da.defaclobjtype::text,
           pg_catalog.pg_get_userbyid(da.defaclrole) || ' ' || da.defaclacl::text
      FROM pg_catalog.pg_default_acl da
)
SELECT kind || ' | ' || object || ' | ' || COALESCE(detail, '') FROM lines ORDER BY 1
)SQL";

}  // namespace

std::vector<std::string> extension_catalog(PgConn& conn) {
  std::vector<std::string> lines;
  for (const auto& row : conn.query(kCatalogSql)) lines.push_back(row[0].value_or("<null>"));
  std::sort(lines.begin(), lines.end());
  return lines;
}

std::string catalog_lines_missing(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::vector<std::string> missing;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(missing));
  std::string out;
  for (const auto& line : missing) out += "  " + line + "\n";
  return out;
}

}  // namespace pgt_e2e
