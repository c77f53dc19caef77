#include "query_generator.h"

#include <algorithm>
#include <stdexcept>

#include "pg_conn.h"

namespace pgt_e2e {
namespace {

// ---------------------------------------------------------------------------
// Value domains. Small on purpose: joins match, groups collide, duplicates
// and NULLs are common. Numeric holds values equal but not identical (1, 1.0,
// 1.00) for the unconstrained columns; timestamptz literals in several offsets.

const std::vector<std::string> kWords = {"a", "A", "b", "o'brien", "B b", "", "\xC3\xBC"};
const std::vector<std::string> kNumerics = {"0", "1", "1.0", "1.50", "2.25", "-3.5", "10.00"};
const std::vector<std::string> kTimestamps = {"'2024-01-01 00:00:00+00'", "'2024-01-01 12:30:00+00'",
                                              "'2024-02-29 23:59:59.5+00'", "'1999-12-31 23:00:00-05'"};
const std::vector<std::string> kJsons = {"'{\"k\": 1}'", "'{\"k\": \"x\"}'", "'[1, 2]'",
                                         "'{}'",         "'null'",           "'{\"k\": 1, \"m\": [true]}'"};
const std::vector<std::string> kArrays = {"'{1,2}'", "'{}'", "'{3}'", "'{1,NULL}'", "'{2,1}'"};

template <class T>
const T& pick(std::mt19937_64& rng, const std::vector<T>& v) {
  if (v.empty()) throw std::logic_error("pick from an empty list");
  return v[static_cast<std::size_t>(uniform(rng, 0, static_cast<std::int64_t>(v.size()) - 1))];
}

TypeClass class_of(const ColumnSpec& c) {
  switch (c.type) {
    case ColType::Int:
    case ColType::Int4:
      return TypeClass::Int;
    case ColType::Numeric:
      return TypeClass::Numeric;
    case ColType::Text:
      return TypeClass::Text;
    case ColType::Timestamptz:
      return TypeClass::Timestamptz;
    case ColType::Jsonb:
      return TypeClass::Jsonb;
    case ColType::IntArray:
      return TypeClass::IntArray;
  }
  return TypeClass::Int;
}

// A literal of a class, from the domain the data is drawn from.
std::string literal(std::mt19937_64& rng, TypeClass t) {
  switch (t) {
    case TypeClass::Int:
      return std::to_string(uniform(rng, 0, 6));
    case TypeClass::Numeric:
      return pick(rng, kNumerics);
    case TypeClass::Text:
      return quote_literal(pick(rng, kWords));
    case TypeClass::Timestamptz:
      return pick(rng, kTimestamps) + "::timestamptz";
    case TypeClass::Jsonb:
      return pick(rng, kJsons) + "::jsonb";
    case TypeClass::IntArray:
      return pick(rng, kArrays) + "::int[]";
    case TypeClass::Bool:
      return chance(rng, 0.5) ? "true" : "false";
  }
  return "NULL";
}

bool groupable(TypeClass t) {
  return t == TypeClass::Int || t == TypeClass::Numeric || t == TypeClass::Text || t == TypeClass::Timestamptz;
}

// A column visible in a block's FROM.
struct Col {
  Col(int item_, std::string ref_, TypeClass type_, std::string collation_, bool key = false)
      : item(item_), ref(std::move(ref_)), type(type_), collation(std::move(collation_)), not_null_key(key) {}
  int item = 0;
  std::string ref;  // alias."name"
  TypeClass type = TypeClass::Int;
  std::string collation;
  bool not_null_key = false;  // a table's primary key (declared NOT NULL)
};

// ---------------------------------------------------------------------------

class Generator {
 public:
  Generator(std::mt19937_64& rng, const FuzzSchema& schema) : rng_(rng), schema_(schema) {}

  GeneratedQuery query(bool probe) {
    GeneratedQuery q;
    if (probe) return probe_query();
    const int dice = static_cast<int>(uniform(rng_, 0, 99));
    if (dice < 25) {
      q.shape = QueryShape::Spj;
      q.select = spj(0, true);
    } else if (dice < 50) {
      q.shape = QueryShape::Grouped;
      q.select = grouped(0, chance(rng_, 0.8));
    } else if (dice < 58) {
      q.shape = QueryShape::Distinct;
      q.select = distinct_select(0);
    } else if (dice < 80) {
      q.shape = QueryShape::SetOp;
      q.select = setop(0);
    } else if (dice < 92) {
      q.shape = QueryShape::Nested;
      q.select = nested();
    } else {
      q.shape = QueryShape::Window;
      q.select = windowed();
    }
    return q;
  }

 private:
  std::string fresh_name(const char* prefix) { return prefix + std::to_string(++names_); }
  std::string fresh_alias() { return "a" + std::to_string(++aliases_); }
  const TableSpec& random_table() { return pick(rng_, schema_.tables); }
  std::string table_ref(const TableSpec& t) const { return t.qualified_name(); }

  // The columns of FROM item `item`, a table.
  std::vector<Col> table_cols(const TableSpec& t, int item, const std::string& alias) const {
    std::vector<Col> cols;
    for (const ColumnSpec* c : t.all_columns())
      cols.push_back(Col{item, alias + "." + quote_ident(c->name), class_of(*c), c->collation, t.key && c == &*t.key});
    return cols;
  }
  std::vector<Col> sub_cols(const Select& s, int item, const std::string& alias) const {
    std::vector<Col> cols;
    for (const Part& p : s.outputs()) cols.push_back(Col{item, alias + "." + quote_ident(p.name), p.type, p.collation});
    return cols;
  }

  std::vector<Col> of_class(const std::vector<Col>& env, TypeClass t, const std::string* collation = nullptr) {
    std::vector<Col> out;
    for (const Col& c : env)
      if (c.type == t && (!collation || c.collation == *collation)) out.push_back(c);
    return out;
  }

  // A simple subquery in FROM: a projection of one table, filtered.
  std::shared_ptr<Select> from_subquery() {
    auto sub = std::make_shared<Select>();
    const TableSpec& t = random_table();
    const std::string alias = fresh_alias();
    --scans_left_;
    sub->from.push_back(FromEntry{"", table_ref(t), nullptr, false, alias, {}});
    std::vector<Col> env = table_cols(t, 0, alias);
    // The join column first: every table has "j", so the subquery joins.
    for (const Col& c : env)
      if (c.ref == alias + "." + quote_ident("j"))
        sub->items.push_back(Part{c.ref, {0}, fresh_name("s"), c.type, c.collation});
    const int more = static_cast<int>(uniform(rng_, 0, 2));
    for (int i = 0; i < more; ++i) {
      const Col& c = pick(rng_, env);
      sub->items.push_back(Part{c.ref, {0}, fresh_name("s"), c.type, c.collation});
    }
    if (chance(rng_, 0.6)) sub->where.push_back(literal_predicate(env));
    return sub;
  }

  // FROM with 1-3 items; fills env with their columns.
  void gen_from(Select& s, std::vector<Col>& env, int depth, bool allow_outer, bool allow_sub) {
    // At most 8 table scans per query (documented limit): joins only while
    // enough are left for the branches that may still come.
    const int n = scans_left_ >= 6 ? static_cast<int>(uniform(rng_, 1, 3)) : 1;
    std::vector<bool> is_table;
    for (int i = 0; i < n; ++i) {
      FromEntry e;
      e.alias = fresh_alias();
      const bool sub = allow_sub && depth == 0 && chance(rng_, 0.15);
      std::string kind = i == 0 ? "" : "JOIN";
      if (i > 0 && allow_outer && outer_budget_ > 0 && chance(rng_, 0.5)) {
        const int d = static_cast<int>(uniform(rng_, 0, 99));
        // RIGHT / FULL: the nullable side must be a table, so only as the first join.
        const bool first_join_of_tables = i == 1 && is_table[0];
        if (d < 60 || !first_join_of_tables)
          kind = "LEFT JOIN";
        else if (d < 80)
          kind = "RIGHT JOIN";
        else
          kind = "FULL JOIN";
      }
      if (kind != "JOIN" && kind != "") --outer_budget_;
      // The variants multiply (docs: 3 per LEFT / anti-join, 5 per FULL JOIN,
      // at most 27): a FULL JOIN takes two of the three constructs.
      if (kind == "FULL JOIN") --outer_budget_;
      std::vector<Col> cols;
      if (sub && (kind == "" || kind == "JOIN")) {
        e.sub = from_subquery();
        e.as_cte = depth == 0 && chance(rng_, 0.5);
        cols = sub_cols(*e.sub, i, e.alias);
        is_table.push_back(false);
      } else {
        const bool view = (kind == "" || kind == "JOIN") && chance(rng_, 0.12);
        const TableSpec& t = view ? schema_.tables.front() : random_table();
        e.table = view ? quote_ident(schema_.schema) + "." + quote_ident(schema_.view) : table_ref(t);
        --scans_left_;
        cols = table_cols(t, i, e.alias);
        // A view is not a table: no RIGHT / FULL JOIN with it on the left.
        is_table.push_back(!view);
      }
      e.join = kind;
      if (i > 0) {
        // ON: an equality between a column of the new item and one of an
        // earlier item, of one class (text: one collation).
        std::vector<std::pair<Col, Col>> pairs;
        for (const Col& a : cols)
          for (const Col& b : env)
            if (a.type == b.type && a.collation == b.collation && a.type != TypeClass::Jsonb &&
                a.type != TypeClass::IntArray)
              pairs.emplace_back(a, b);
        if (pairs.empty()) throw std::logic_error("no join pair (every item has an int column)");
        // Prefer the join column "j" (small domain: matches).
        std::vector<std::pair<Col, Col>> jj;
        for (auto& p : pairs)
          if (p.first.type == TypeClass::Int && !p.first.not_null_key && !p.second.not_null_key) jj.push_back(p);
        const auto& p = (!jj.empty() && chance(rng_, 0.7)) ? pick(rng_, jj) : pick(rng_, pairs);
        if (i == 1 && kind == "JOIN" && is_table[0] && is_table[1] && chance(rng_, 0.15))
          e.on.push_back(Part{"USING (j)", {0, 1}});  // JOIN ... USING (both items have one "j")
        else
          e.on.push_back(Part{p.first.ref + " = " + p.second.ref, {i, p.second.item}});
        if (kind == "JOIN" && e.on[0].sql.rfind("USING", 0) != 0 && chance(rng_, 0.2)) {
          // An inner join may carry more: a non-equi condition or a filter.
          const auto& q = pick(rng_, pairs);
          if (q.first.type == TypeClass::Int)
            e.on.push_back(Part{q.first.ref + " <= " + q.second.ref + " + 3", {i, q.second.item}});
        }
      }
      env.insert(env.end(), cols.begin(), cols.end());
      s.from.push_back(std::move(e));
    }
  }

  Part literal_predicate(const std::vector<Col>& env) {
    const Col& c = pick(rng_, env);
    const std::set<int> u{c.item};
    const int d = static_cast<int>(uniform(rng_, 0, 99));
    if (d < 12) return Part{c.ref + (chance(rng_, 0.5) ? " IS NULL" : " IS NOT NULL"), u};
    switch (c.type) {
      case TypeClass::Int: {
        static const std::vector<std::string> ops = {" = ", " < ", " > ", " <> ", " >= "};
        if (d < 25) return Part{c.ref + " BETWEEN 1 AND 4", u};
        if (d < 32) return Part{c.ref + " IN (1, 3, 5)", u};
        if (d < 40) return Part{"(" + c.ref + " > " + literal(rng_, c.type) + " OR " + c.ref + " IS NULL)", u};
        return Part{c.ref + pick(rng_, ops) + literal(rng_, c.type), u};
      }
      case TypeClass::Numeric:
        return Part{c.ref + (d < 50 ? " > " : " = ") + literal(rng_, c.type), u};
      case TypeClass::Text:
        if (d < 30) return Part{c.ref + " LIKE 'a%'", u};
        if (d < 50) return Part{c.ref + " > " + literal(rng_, c.type), u};
        return Part{c.ref + (d < 75 ? " = " : " <> ") + literal(rng_, c.type), u};
      case TypeClass::Timestamptz:
        return Part{c.ref + (d < 50 ? " < " : " >= ") + literal(rng_, c.type), u};
      case TypeClass::Jsonb:
        if (d < 40) return Part{c.ref + " ? 'k'", u};
        if (d < 70) return Part{"(" + c.ref + " ->> 'k') = '1'", u};
        return Part{c.ref + " @> '{\"k\": 1}'", u};
      case TypeClass::IntArray:
        if (d < 40) return Part{c.ref + " @> '{1}'", u};
        if (d < 70) return Part{c.ref + " && '{2,3}'", u};
        return Part{"cardinality(" + c.ref + ") > 1", u};
      case TypeClass::Bool:
        return Part{c.ref, u};
    }
    return Part{"true", u};
  }

  // EXISTS / NOT EXISTS / IN / NOT IN, correlated by an equality.
  Part sublink_predicate(const std::vector<Col>& env) {
    const TableSpec& t = random_table();
    const std::string s = fresh_alias();
    std::vector<Col> inner = table_cols(t, -1, s);
    std::vector<Col> ints = of_class(env, TypeClass::Int);
    const Col& outer = pick(rng_, ints);
    std::string extra;
    if (chance(rng_, 0.4)) extra = " AND " + literal_predicate(inner).sql;
    const std::string from = " FROM " + table_ref(t) + " " + s;
    const int d = static_cast<int>(uniform(rng_, 0, 99));
    // NOT IN: both sides declared NOT NULL (primary keys), otherwise refused.
    std::vector<Col> outer_keys;
    for (const Col& c : env)
      if (c.not_null_key && !nullable_item_.count(c.item)) outer_keys.push_back(c);
    if (d < 15 && t.key && !outer_keys.empty()) {
      const Col& k = pick(rng_, outer_keys);
      const std::string where = extra.empty() ? "" : " WHERE" + extra.substr(4);
      return Part{k.ref + " NOT IN (SELECT " + s + "." + quote_ident(t.key->name) + from + where + ")", {k.item}};
    }
    if (d < 40)
      return Part{
          outer.ref + " IN (SELECT " + s + ".j" + from + (extra.empty() ? "" : " WHERE" + extra.substr(4)) + ")",
          {outer.item}};
    return Part{std::string(d < 70 ? "EXISTS" : "NOT EXISTS") + " (SELECT 1" + from + " WHERE " + s +
                    ".j = " + outer.ref + extra + ")",
                {outer.item}};
  }

  void gen_where(Select& s, const std::vector<Col>& env, bool allow_sublink) {
    const int n = static_cast<int>(uniform(rng_, 0, 3));
    for (int i = 0; i < n; ++i) {
      if (allow_sublink && outer_budget_ > 0 && scans_left_ > 3 && chance(rng_, 0.3)) {
        --outer_budget_;
        --scans_left_;
        s.where.push_back(sublink_predicate(env));
      } else {
        s.where.push_back(literal_predicate(env));
      }
    }
  }

  // A select item over one column: the column or an expression of it.
  Part expression(const Col& c) {
    const std::set<int> u{c.item};
    const int d = static_cast<int>(uniform(rng_, 0, 99));
    if (d < 45) return Part{c.ref, u, fresh_name("c"), c.type, c.collation};
    switch (c.type) {
      case TypeClass::Int:
        if (d < 60) return Part{c.ref + " * 2 + 1", u, fresh_name("c"), TypeClass::Int};
        if (d < 70) return Part{"coalesce(" + c.ref + ", -1)", u, fresh_name("c"), TypeClass::Int};
        if (d < 85)
          return Part{"CASE WHEN " + c.ref + " > 2 THEN 'hi' WHEN " + c.ref + " IS NULL THEN NULL ELSE 'lo' END", u,
                      fresh_name("c"), TypeClass::Text};
        return Part{c.ref + "::numeric / 4", u, fresh_name("c"), TypeClass::Numeric};
      case TypeClass::Numeric:
        if (d < 70) return Part{"round(" + c.ref + ", 1)", u, fresh_name("c"), TypeClass::Numeric};
        return Part{c.ref + " * 2", u, fresh_name("c"), TypeClass::Numeric};
      case TypeClass::Text:
        if (d < 65) return Part{"upper(" + c.ref + ")", u, fresh_name("c"), TypeClass::Text, c.collation};
        if (d < 80) return Part{"length(" + c.ref + ")", u, fresh_name("c"), TypeClass::Int};
        return Part{c.ref + " || '|'", u, fresh_name("c"), TypeClass::Text, c.collation};
      case TypeClass::Timestamptz:
        if (d < 60) return Part{c.ref + " + interval '1 hour'", u, fresh_name("c"), TypeClass::Timestamptz};
        // Stable (the session's TimeZone): a refresh computes what the query does.
        if (d < 75) return Part{"date_trunc('day', " + c.ref + ")", u, fresh_name("c"), TypeClass::Timestamptz};
        return Part{"extract(epoch from " + c.ref + ")", u, fresh_name("c"), TypeClass::Numeric};
      case TypeClass::Jsonb:
        if (d < 65) return Part{c.ref + " ->> 'k'", u, fresh_name("c"), TypeClass::Text};
        if (d < 80) return Part{"jsonb_typeof(" + c.ref + ")", u, fresh_name("c"), TypeClass::Text};
        return Part{c.ref + " -> 'k'", u, fresh_name("c"), TypeClass::Jsonb};
      case TypeClass::IntArray:
        if (d < 65) return Part{c.ref + "[1]", u, fresh_name("c"), TypeClass::Int};
        return Part{"cardinality(" + c.ref + ")", u, fresh_name("c"), TypeClass::Int};
      case TypeClass::Bool:
        break;
    }
    return Part{c.ref, u, fresh_name("c"), c.type, c.collation};
  }

  Select spj(int depth, bool allow_sub) {
    Select s;
    std::vector<Col> env;
    nullable_item_.clear();
    gen_from(s, env, depth, true, allow_sub);
    mark_nullable(s);
    gen_where(s, env, depth == 0);
    const int n = static_cast<int>(uniform(rng_, 1, 4));
    for (int i = 0; i < n; ++i) s.items.push_back(expression(pick(rng_, env)));
    if (depth == 0 && scans_left_ > 1 && chance(rng_, 0.1)) {
      // A scalar subquery in the select list: a change to its table
      // recomputes (FULL, with the documented reason).
      --scans_left_;
      const TableSpec& t = random_table();
      const std::string a = fresh_alias();
      const std::vector<Col> ints = of_class(env, TypeClass::Int);
      const Col& c = pick(rng_, ints);
      s.items.push_back(Part{"(SELECT count(*) FROM " + table_ref(t) + " " + a + " WHERE " + a + ".j = " + c.ref + ")",
                             {c.item},
                             fresh_name("c"),
                             TypeClass::Int});
    }
    return s;
  }

  void mark_nullable(const Select& s) {
    for (std::size_t i = 1; i < s.from.size(); ++i) {
      const std::string& k = s.from[i].join;
      if (k == "LEFT JOIN" || k == "FULL JOIN") nullable_item_.insert(static_cast<int>(i));
      if (k == "RIGHT JOIN" || k == "FULL JOIN")
        for (std::size_t j = 0; j < i; ++j) nullable_item_.insert(static_cast<int>(j));
    }
  }

  Part aggregate(const std::vector<Col>& env) {
    const int d = static_cast<int>(uniform(rng_, 0, 99));
    const Col& c = pick(rng_, env);
    const std::set<int> u{c.item};
    const std::string n = fresh_name("g");
    std::vector<Col> nums = of_class(env, TypeClass::Int);
    for (const Col& x : of_class(env, TypeClass::Numeric)) nums.push_back(x);
    if (d < 15) return Part{"count(*)", {}, n, TypeClass::Int};
    if (d < 25) return Part{"count(" + c.ref + ")", u, n, TypeClass::Int};
    if (d < 45) {
      const Col& x = pick(rng_, nums);
      return Part{std::string(d < 37 ? "sum(" : "avg(") + x.ref + ")", {x.item}, n, TypeClass::Numeric};
    }
    if (d < 60) {
      std::vector<Col> ord;
      for (const Col& x : env)
        if (groupable(x.type)) ord.push_back(x);
      const Col& x = pick(rng_, ord);
      return Part{std::string(d < 52 ? "min(" : "max(") + x.ref + ")", {x.item}, n, x.type, x.collation};
    }
    if (d < 66) {
      const Col& x = pick(rng_, nums);
      return Part{std::string(d < 63 ? "bool_and(" : "bool_or(") + x.ref + " > 2)", {x.item}, n, TypeClass::Bool};
    }
    if (d < 72) {
      std::vector<Col> texts = of_class(env, TypeClass::Text);
      if (!texts.empty()) {
        const Col& x = pick(rng_, texts);
        return Part{"string_agg(" + x.ref + ", ',' ORDER BY " + x.ref + ")", {x.item}, n, TypeClass::Text, x.collation};
      }
      return Part{"count(*)", {}, n, TypeClass::Int};
    }
    if (d < 77) {
      const std::vector<Col> ints = of_class(env, TypeClass::Int);
      const Col& x = pick(rng_, ints);
      return Part{"array_agg(" + x.ref + " ORDER BY " + x.ref + ")", {x.item}, n, TypeClass::IntArray};
    }
    if (d < 84) {
      std::vector<Col> ord;
      for (const Col& x : env)
        if (groupable(x.type)) ord.push_back(x);
      const Col& x = pick(rng_, ord);
      return Part{"count(DISTINCT " + x.ref + ")", {x.item}, n, TypeClass::Int};
    }
    if (d < 92) {
      const Col& x = pick(rng_, nums);
      Part f = literal_predicate(env);
      std::set<int> uses = f.uses;
      uses.insert(x.item);
      return Part{"sum(" + x.ref + ") FILTER (WHERE " + f.sql + ")", uses, n, TypeClass::Numeric};
    }
    const Col& x = pick(rng_, nums);
    return Part{"sum(" + x.ref + ") * 2 + count(*)", {x.item}, n, TypeClass::Numeric};
  }

  Part group_key(const std::vector<Col>& env) {
    std::vector<Col> keys;
    for (const Col& c : env)
      if (groupable(c.type)) keys.push_back(c);
    const Col& c = pick(rng_, keys);
    if (c.type == TypeClass::Text && chance(rng_, 0.2))
      return Part{"lower(" + c.ref + ")", {c.item}, fresh_name("k"), c.type, c.collation};
    return Part{c.ref, {c.item}, fresh_name("k"), c.type, c.collation};
  }

  // A grouping over a select-project-join; with_keys false: a scalar aggregate.
  Select grouped(int depth, bool with_keys) {
    Select s;
    std::vector<Col> env;
    nullable_item_.clear();
    gen_from(s, env, depth, true, depth == 0);
    mark_nullable(s);
    gen_where(s, env, depth == 0);
    s.grouped = true;
    if (with_keys) {
      const int k = static_cast<int>(uniform(rng_, 1, 2));
      for (int i = 0; i < k; ++i) s.keys.push_back(group_key(env));
    }
    const int a = static_cast<int>(uniform(rng_, 1, 3));
    for (int i = 0; i < a; ++i) s.items.push_back(aggregate(env));
    // SELECT DISTINCT together with GROUP BY (partition rescan).
    if (depth == 0 && with_keys && chance(rng_, 0.1)) s.distinct = true;
    if (chance(rng_, 0.3)) {
      const std::vector<Col> ints = of_class(env, TypeClass::Int);
      const Col& x = pick(rng_, ints);
      s.having.push_back(chance(rng_, 0.5) ? Part{"count(*) > 1", {}}
                                           : Part{"sum(" + x.ref + ") >= " + literal(rng_, TypeClass::Int), {x.item}});
    }
    return s;
  }

  Select distinct_select(int depth) {
    Select s;
    std::vector<Col> env;
    nullable_item_.clear();
    gen_from(s, env, depth, true, depth == 0);
    mark_nullable(s);
    gen_where(s, env, depth == 0);
    s.distinct = true;
    std::vector<Col> keys;
    for (const Col& c : env)
      if (groupable(c.type)) keys.push_back(c);
    const int n = static_cast<int>(uniform(rng_, 1, 3));
    for (int i = 0; i < n; ++i) {
      const Col& c = pick(rng_, keys);
      s.items.push_back(Part{c.ref, {c.item}, fresh_name("c"), c.type, c.collation});
    }
    return s;
  }

  // One branch of a set operation: outputs of the classes in `sig`.
  Select branch(const std::vector<TypeClass>& sig, bool grouped_branch) {
    Select s;
    std::vector<Col> env;
    nullable_item_.clear();
    // No outer join: a set operation's branches are not the top level of
    // the query (outer joins are maintained there only; documented).
    gen_from(s, env, 1, false, false);
    mark_nullable(s);
    // EXISTS / IN likewise: conditions of the top level's WHERE only.
    gen_where(s, env, false);
    if (grouped_branch) s.grouped = true;
    for (TypeClass t : sig) {
      const std::string n = fresh_name("u");
      if (grouped_branch && t == TypeClass::Numeric) {
        s.items.push_back(Part{"count(*)::numeric", {}, n, t});
        continue;
      }
      std::vector<Col> cands = of_class(env, t);
      if (t == TypeClass::Text) {
        // An explicit collation on every branch: branches of different
        // collations would otherwise not combine.
        if (cands.empty()) cands = of_class(env, TypeClass::Int);
        const Col& c = pick(rng_, cands);
        const std::string e = c.type == TypeClass::Text ? c.ref : c.ref + "::text";
        Part p{"(" + e + " COLLATE \"C\")", {c.item}, n, t, "C"};
        if (grouped_branch)
          s.keys.push_back(p);
        else
          s.items.push_back(p);
      } else {
        if (cands.empty()) cands = of_class(env, TypeClass::Int);
        const Col& c = pick(rng_, cands);
        Part p{c.ref, {c.item}, n, t};
        if (grouped_branch)
          s.keys.push_back(p);
        else
          s.items.push_back(p);
      }
    }
    return s;
  }

  Select setop(int depth) {
    static const std::vector<std::string> ops = {"UNION ALL",     "UNION ALL", "UNION",     "INTERSECT",
                                                 "INTERSECT ALL", "EXCEPT",    "EXCEPT ALL"};
    Select s;
    s.setop = pick(rng_, ops);
    std::vector<TypeClass> sig{TypeClass::Int};
    if (chance(rng_, 0.6)) sig.push_back(TypeClass::Text);
    // numeric under INTERSECT ALL / EXCEPT ALL is refused (documented).
    if (s.setop.find("ALL") == std::string::npos || s.setop == "UNION ALL")
      if (chance(rng_, 0.3)) sig.push_back(TypeClass::Numeric);
    const int n = s.setop == "UNION ALL" ? static_cast<int>(uniform(rng_, 2, 3)) : 2;
    for (int i = 0; i < n; ++i) s.branches.push_back(branch(sig, false));
    // Set operations of set operations (a grouping below: partition rescan).
    if (depth == 0 && s.setop != "UNION ALL" && chance(rng_, 0.15)) {
      Select inner;
      inner.setop = "UNION ALL";
      inner.branches.push_back(branch(sig, false));
      inner.branches.push_back(branch(sig, false));
      s.branches[1] = inner;
    }
    return s;
  }

  // A grouping below another operator: maintained by partition rescan.
  Select nested() {
    const int d = static_cast<int>(uniform(rng_, 0, 99));
    if (d < 30) {
      // An aggregate over a grouped FROM subquery.
      auto inner = std::make_shared<Select>(grouped(1, true));
      Select s;
      s.from.push_back(FromEntry{"", "", inner, chance(rng_, 0.3), fresh_alias(), {}});
      std::vector<Col> env = sub_cols(*inner, 0, s.from[0].alias);
      s.grouped = true;
      s.keys.push_back(Part{env[0].ref, {0}, fresh_name("k"), env[0].type, env[0].collation});
      s.items.push_back(Part{"count(*)", {}, fresh_name("g"), TypeClass::Int});
      for (const Col& c : env)
        if (c.type == TypeClass::Int || c.type == TypeClass::Numeric) {
          s.items.push_back(Part{"sum(" + c.ref + ")", {0}, fresh_name("g"), TypeClass::Numeric});
          break;
        }
      if (chance(rng_, 0.3)) s.having.push_back(Part{"count(*) > 1", {}});
      return s;
    }
    if (d < 60) {
      // A grouped subquery joined to a table on its key.
      Select g = grouped(1, true);
      g.keys.insert(g.keys.begin(), Part{g.from[0].alias + ".j", {0}, fresh_name("k"), TypeClass::Int});
      auto inner = std::make_shared<Select>(g);
      Select s;
      const std::string da = fresh_alias();
      s.from.push_back(FromEntry{"", "", inner, chance(rng_, 0.3), da, {}});
      std::vector<Col> env = sub_cols(*inner, 0, da);
      const TableSpec& t = random_table();
      const std::string ta = fresh_alias();
      std::vector<Col> tcols = table_cols(t, 1, ta);
      s.from.push_back(FromEntry{"JOIN", table_ref(t), nullptr, false, ta, {Part{ta + ".j = " + env[0].ref, {0, 1}}}});
      for (const Col& c : env) s.items.push_back(Part{c.ref, {0}, fresh_name("c"), c.type, c.collation});
      s.items.push_back(expression(pick(rng_, tcols)));
      if (chance(rng_, 0.4)) s.where.push_back(literal_predicate(tcols));
      return s;
    }
    if (d < 80) {
      // A set operation of aggregates.
      static const std::vector<std::string> ops = {"UNION ALL", "UNION", "EXCEPT", "INTERSECT"};
      Select s;
      s.setop = pick(rng_, ops);
      std::vector<TypeClass> sig{TypeClass::Int, TypeClass::Numeric};
      for (int i = 0; i < 2; ++i) s.branches.push_back(branch(sig, true));
      return s;
    }
    // HAVING over a DISTINCT subquery.
    auto inner = std::make_shared<Select>(distinct_select(1));
    Select s;
    s.from.push_back(FromEntry{"", "", inner, chance(rng_, 0.3), fresh_alias(), {}});
    std::vector<Col> env = sub_cols(*inner, 0, s.from[0].alias);
    s.grouped = true;
    s.keys.push_back(Part{env[0].ref, {0}, fresh_name("k"), env[0].type, env[0].collation});
    s.items.push_back(Part{"count(*)", {}, fresh_name("g"), TypeClass::Int});
    s.having.push_back(Part{"count(*) >= " + std::to_string(uniform(rng_, 1, 2)), {}});
    return s;
  }

  // A window function over a select-project-join block (partitioned by a
  // column of its first item, or over the whole result), or its top rows
  // (ORDER BY ... LIMIT) when every output is an int.
  Select windowed() {
    outer_budget_ = 0;
    Select s = spj(1, false);
    const std::string a0 = s.from[0].alias;
    const int d = static_cast<int>(uniform(rng_, 0, 2));
    if (d == 0)
      s.items.push_back(Part{"count(*) OVER (PARTITION BY " + a0 + ".j)", {0}, fresh_name("w"), TypeClass::Int});
    else if (d == 1)
      s.items.push_back(Part{"dense_rank() OVER (ORDER BY " + a0 + ".j)", {0}, fresh_name("w"), TypeClass::Int});
    const std::vector<Part> outs = s.outputs();
    const bool ints = std::all_of(outs.begin(), outs.end(), [](const Part& p) {
      return p.type == TypeClass::Int && p.collation.empty();
    });
    if (ints && (d == 2 || chance(rng_, 0.3))) s.limit = static_cast<int>(uniform(rng_, 1, 6));
    return s;
  }

  GeneratedQuery probe_query() {
    GeneratedQuery q;
    q.shape = QueryShape::Probe;
    outer_budget_ = 0;  // keep the probe's base simple
    Select s = spj(1, false);
    const std::string a0 = s.from[0].alias;
    const int d = static_cast<int>(uniform(rng_, 2, 3));
    if (d == 2) {
      q.probe = "WITH RECURSIVE";
      s.tail = "";  // the recursive WITH is a FROM item rendered as a CTE
      auto r = std::make_shared<Select>();
      r->setop = "RECURSIVE";
      s.from.push_back(FromEntry{"JOIN", "", r, true, "rn", {Part{"rn.n <= 2", {}}}});
      s.items.push_back(Part{"rn.n", {static_cast<int>(s.from.size()) - 1}, fresh_name("r"), TypeClass::Int});
    } else {
      q.probe = "LATERAL";
      const TableSpec& t = random_table();
      auto l = std::make_shared<Select>();
      const std::string la = fresh_alias();
      l->from.push_back(FromEntry{"", table_ref(t), nullptr, false, la, {}});
      l->where.push_back(Part{la + ".j = " + a0 + ".j", {0}});
      // An aggregate per outer row (a select-project-join LATERAL subquery
      // is maintained).
      l->grouped = true;
      l->items.push_back(Part{"count(*)", {}, "lj", TypeClass::Int});
      s.from.push_back(FromEntry{"CROSS JOIN LATERAL", "", l, false, "lat", {}});
      s.items.push_back(Part{"lat.lj", {static_cast<int>(s.from.size()) - 1}, fresh_name("l"), TypeClass::Int});
    }
    q.select = s;
    return q;
  }

  std::mt19937_64& rng_;
  const FuzzSchema& schema_;
  int names_ = 0;
  int aliases_ = 0;
  int outer_budget_ = 3;  // outer joins + EXISTS / IN per query (documented limit)
  int scans_left_ = 8;    // table scans per query (documented limit)
  std::set<int> nullable_item_;
};

// ---------------------------------------------------------------------------
// Rendering

std::string render_item(const Part& p) { return p.sql + " AS " + quote_ident(p.name); }

std::string render_block(const Select& s, bool top);

std::string render_setop(const Select& s) {
  std::string out;
  for (std::size_t i = 0; i < s.branches.size(); ++i) {
    const Select& b = s.branches[i];
    std::string text = render_block(b, false);
    if (!b.setop.empty()) text = "(" + text + ")";
    out += (i ? " " + s.setop + " " : "") + text;
  }
  return out;
}

std::string cte_name(const FromEntry& e) { return e.alias == "rn" ? "r" : "cte_" + e.alias; }

std::string render_block(const Select& s, bool top) {
  if (s.setop == "RECURSIVE") return "SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3";
  if (!s.setop.empty()) return render_setop(s);
  std::string with;
  bool recursive = false;
  for (const FromEntry& e : s.from)
    if (e.sub && e.as_cte && top) {
      if (e.sub->setop == "RECURSIVE") {
        recursive = true;
        with += std::string(with.empty() ? "" : ", ") + "r(n) AS (" + render_block(*e.sub, false) + ")";
      } else {
        with += std::string(with.empty() ? "" : ", ") + quote_ident(cte_name(e)) + " AS (" +
                render_block(*e.sub, false) + ")";
      }
    }
  std::string sql = with.empty() ? "" : std::string(recursive ? "WITH RECURSIVE " : "WITH ") + with + " ";
  sql += "SELECT ";
  if (s.distinct) sql += "DISTINCT ";
  const std::vector<Part> outs = s.outputs();
  for (std::size_t i = 0; i < outs.size(); ++i) sql += (i ? ", " : "") + render_item(outs[i]);
  sql += " FROM ";
  for (std::size_t i = 0; i < s.from.size(); ++i) {
    const FromEntry& e = s.from[i];
    if (i) sql += " " + e.join + " ";
    if (!e.table.empty())
      sql += e.table;
    else if (e.as_cte && top)
      sql += quote_ident(cte_name(e));
    else
      sql += "(" + render_block(*e.sub, false) + ")";
    sql += " " + e.alias;
    for (std::size_t k = 0; k < e.on.size(); ++k) {
      const bool using_clause = e.on[k].sql.rfind("USING", 0) == 0;
      sql += (k ? " AND " : using_clause ? " " : " ON ") + e.on[k].sql;
    }
  }
  for (std::size_t i = 0; i < s.where.size(); ++i) sql += (i ? " AND " : " WHERE ") + s.where[i].sql;
  if (s.grouped && !s.keys.empty()) {
    sql += " GROUP BY ";
    for (std::size_t i = 0; i < s.keys.size(); ++i) sql += (i ? ", " : "") + s.keys[i].sql;
  }
  for (std::size_t i = 0; i < s.having.size(); ++i) sql += (i ? " AND " : " HAVING ") + s.having[i].sql;
  sql += s.tail;
  if (s.limit > 0) {
    sql += " ORDER BY ";
    for (std::size_t i = 0; i < outs.size(); ++i) sql += (i ? ", " : "") + std::to_string(i + 1);
    sql += " LIMIT " + std::to_string(s.limit);
  }
  return sql;
}

bool uses_item(const Select& s, int item) {
  auto in = [&](const std::vector<Part>& parts) {
    return std::any_of(parts.begin(), parts.end(), [&](const Part& p) { return p.uses.count(item) > 0; });
  };
  if (in(s.where) || in(s.keys) || in(s.items) || in(s.having)) return true;
  for (std::size_t i = 0; i < s.from.size(); ++i)
    if (static_cast<int>(i) != item && in(s.from[i].on)) return true;
  return false;
}

// Item indices above `removed` move down by one in every part's uses.
void renumber(Select& s, int removed) {
  auto fix = [&](std::vector<Part>& parts) {
    for (Part& p : parts) {
      std::set<int> u;
      for (int i : p.uses) u.insert(i > removed ? i - 1 : i);
      p.uses = u;
    }
  };
  fix(s.where);
  fix(s.keys);
  fix(s.items);
  fix(s.having);
  for (FromEntry& e : s.from) fix(e.on);
}

void shrink_block(const Select& s, bool keep_arity, std::vector<Select>& out) {
  if (!s.setop.empty()) {
    if (s.setop == "RECURSIVE") return;
    // One branch alone, then each branch smaller (same arity).
    for (const Select& b : s.branches) out.push_back(b);
    if (s.branches.size() > 2)
      for (std::size_t i = 0; i < s.branches.size(); ++i) {
        Select c = s;
        c.branches.erase(c.branches.begin() + static_cast<std::ptrdiff_t>(i));
        out.push_back(c);
      }
    for (std::size_t i = 0; i < s.branches.size(); ++i) {
      std::vector<Select> smaller;
      shrink_block(s.branches[i], true, smaller);
      for (Select& b : smaller) {
        Select c = s;
        c.branches[i] = std::move(b);
        out.push_back(std::move(c));
      }
    }
    return;
  }
  auto drop_each = [&](std::vector<Part> Select::*field, std::size_t keep) {
    for (std::size_t i = 0; (s.*field).size() > keep && i < (s.*field).size(); ++i) {
      Select c = s;
      (c.*field).erase((c.*field).begin() + static_cast<std::ptrdiff_t>(i));
      out.push_back(std::move(c));
    }
  };
  // FROM items nobody else reads.
  for (std::size_t i = s.from.size(); i-- > 1;) {
    if (uses_item(s, static_cast<int>(i))) continue;
    Select c = s;
    c.from.erase(c.from.begin() + static_cast<std::ptrdiff_t>(i));
    renumber(c, static_cast<int>(i));
    out.push_back(std::move(c));
  }
  // The first item, when the second becomes first without reading it.
  if (s.from.size() > 1 && !uses_item(s, 0)) {
    Select c = s;
    c.from.erase(c.from.begin());
    c.from[0].join = "";
    c.from[0].on.clear();
    renumber(c, 0);
    out.push_back(std::move(c));
  }
  drop_each(&Select::where, 0);
  drop_each(&Select::having, 0);
  if (!keep_arity) {
    drop_each(&Select::items, s.keys.empty() ? 1 : 0);
    drop_each(&Select::keys, s.items.empty() ? 1 : 0);
  }
  for (std::size_t i = 1; i < s.from.size(); ++i)
    if (s.from[i].join != "JOIN" && s.from[i].join.find("LATERAL") == std::string::npos) {
      Select c = s;
      c.from[i].join = "JOIN";
      out.push_back(std::move(c));
    }
  for (std::size_t i = 0; i < s.from.size(); ++i) {
    if (!s.from[i].sub) continue;
    if (s.from[i].as_cte) {
      Select c = s;
      c.from[i].as_cte = false;
      out.push_back(std::move(c));
    }
    std::vector<Select> smaller;
    shrink_block(*s.from[i].sub, true, smaller);
    for (Select& b : smaller) {
      Select c = s;
      c.from[i].sub = std::make_shared<Select>(std::move(b));
      out.push_back(std::move(c));
    }
  }
  if (s.distinct) {
    Select c = s;
    c.distinct = false;
    out.push_back(std::move(c));
  }
}

int part_count(const Select& s) {
  int n = static_cast<int>(s.where.size() + s.keys.size() + s.items.size() + s.having.size());
  for (const Select& b : s.branches) n += part_count(b);
  for (const FromEntry& e : s.from) n += 1 + static_cast<int>(e.on.size()) + (e.sub ? part_count(*e.sub) : 0);
  return n;
}

bool sublinks(const Select& s) {
  for (const Part& p : s.where)
    if (p.sql.find("(SELECT") != std::string::npos) return true;
  for (const Part& p : s.items)
    if (p.sql.find("(SELECT") != std::string::npos) return true;
  for (const Select& b : s.branches)
    if (sublinks(b)) return true;
  for (const FromEntry& e : s.from)
    if (e.sub && sublinks(*e.sub)) return true;
  return false;
}

}  // namespace

std::vector<Part> Select::outputs() const {
  if (!setop.empty()) return branches.empty() ? std::vector<Part>{} : branches.front().outputs();
  std::vector<Part> out = grouped ? keys : std::vector<Part>{};
  out.insert(out.end(), items.begin(), items.end());
  return out;
}

std::string Select::sql() const { return render_block(*this, true); }

std::vector<Select> Select::shrink_candidates() const {
  std::vector<Select> out;
  shrink_block(*this, false, out);
  return out;
}

bool Select::has_sublink() const { return sublinks(*this); }

int Select::size() const { return part_count(*this); }

const char* shape_name(QueryShape shape) {
  switch (shape) {
    case QueryShape::Spj:
      return "spj";
    case QueryShape::Grouped:
      return "grouped";
    case QueryShape::Distinct:
      return "distinct";
    case QueryShape::SetOp:
      return "setop";
    case QueryShape::Nested:
      return "nested";
    case QueryShape::Window:
      return "window";
    case QueryShape::Probe:
      return "probe";
  }
  return "?";
}

FuzzSchema random_schema(std::mt19937_64& rng, const std::string& schema) {
  // Hostile names: spaces, quotes, mixed case.
  static const std::vector<std::string> table_names = {"t0", "Mixed T1", "t\"2", "T 3"};
  FuzzSchema s;
  s.schema = schema;
  const int n = static_cast<int>(uniform(rng, 2, 4));
  for (int i = 0; i < n; ++i) {
    TableSpec t;
    t.name = table_names[static_cast<std::size_t>(i)];
    t.initial_rows = static_cast<int>(uniform(rng, 5, 40));
    if (chance(rng, 0.5)) t.key = ColumnSpec::integer("id", 1, 80);
    t.columns.push_back(ColumnSpec::int4("j", 0, 6, 0.15));
    const int extra = static_cast<int>(uniform(rng, 2, 4));
    for (int c = 0; c < extra; ++c) {
      const std::string suffix = std::to_string(c);
      const double nulls = chance(rng, 0.5) ? 0.2 : 0.0;
      switch (uniform(rng, 0, 7)) {
        case 0:
          t.columns.push_back(ColumnSpec::integer("b" + suffix, 0, 6, nulls));
          break;
        case 1:
          t.columns.push_back(ColumnSpec::int4("I" + suffix, -2, 6, nulls));
          break;
        case 2: {
          ColumnSpec col = chance(rng, 0.5) ? ColumnSpec::numeric("n" + suffix, 0, 3, nulls)
                                            : ColumnSpec::numeric_unconstrained("n" + suffix, 0, 3, nulls);
          col.words = kNumerics;
          t.columns.push_back(col);
          break;
        }
        case 3:
        case 4: {
          ColumnSpec col = ColumnSpec::text(chance(rng, 0.5) ? "tx" + suffix : "Txt " + suffix, kWords, nulls);
          if (chance(rng, 0.5)) col.collation = "C";
          t.columns.push_back(col);
          break;
        }
        case 5:
          t.columns.push_back(ColumnSpec::from_literals("ts" + suffix, ColType::Timestamptz, kTimestamps, nulls));
          break;
        case 6:
          t.columns.push_back(ColumnSpec::from_literals("js" + suffix, ColType::Jsonb, kJsons, nulls));
          break;
        default:
          t.columns.push_back(ColumnSpec::from_literals("arr" + suffix, ColType::IntArray, kArrays, nulls));
          break;
      }
    }
    t.name = schema + "." + t.name;  // TableSpec::qualified_name quotes each part
    s.tables.push_back(std::move(t));
  }
  s.view = "V of t0";
  s.create_view_sql = "CREATE VIEW " + quote_ident(schema) + "." + quote_ident(s.view) + " AS SELECT * FROM " +
                      s.tables.front().qualified_name() + " WHERE j IS DISTINCT FROM 3";
  return s;
}

GeneratedQuery random_query(std::mt19937_64& rng, const FuzzSchema& schema, bool probe) {
  Generator g(rng, schema);
  return g.query(probe);
}

}  // namespace pgt_e2e
