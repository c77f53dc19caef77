#!/usr/bin/env bash
# Packaging: META.json is valid PGXN metadata (meta-spec 1.0.0) for the
# version pg_trickle.control installs, and `make dist` gives
# pg_trickle-<version>.tar.gz holding the tree committed at HEAD under
# pg_trickle-<version>/ with everything the build reads: the Makefile,
# control file, install and update scripts, every source, and every file of
# the repository the last build's compiler read (the *.d dependency files of
# `make`). In the extracted tree `make -n` and `make -n install` plan the
# build and the installation of every SQL script. PGT_DIST_BUILD=1 also
# builds the extracted tree (a few minutes). No server needed.
# Exit 0 when every check passes.
set -euo pipefail
cd "$(dirname "$0")/.."
failed=0
fail() { echo "FAILED: $*"; failed=1; }
version=$(sed -n "s/^default_version *= *'\([^']*\)'.*/\1/p" pg_trickle.control)
[ -n "$version" ] || { echo "FAILED: no default_version in pg_trickle.control"; exit 1; }

# META.json: JSON, the mandatory fields of the PGXN meta spec, the control
# file's version, files that exist.
if ! problems=$(perl -MJSON::PP -e '
    my ($version) = @ARGV;
    local $/; open my $fh, "<", "META.json" or die "cannot read META.json\n";
    my $m = eval { JSON::PP->new->decode(<$fh>) } or die "META.json is not JSON: $@";
    my @p;
    for my $f (qw(name abstract version maintainer license provides meta-spec)) {
        push @p, "missing mandatory field $f" unless defined $m->{$f};
    }
    push @p, "name is not pg_trickle" unless ($m->{name} // "") eq "pg_trickle";
    push @p, "version $m->{version} is not $version (pg_trickle.control)" unless ($m->{version} // "") eq $version;
    push @p, "meta-spec version is not 1.0.0" unless (($m->{"meta-spec"} // {})->{version} // "") eq "1.0.0";
    my $ext = ($m->{provides} // {})->{pg_trickle};
    if (!$ext) { push @p, "provides has no pg_trickle"; }
    else {
        push @p, "provides.pg_trickle.version is not $version" unless ($ext->{version} // "") eq $version;
        push @p, "provides.pg_trickle.file is not sql/pg_trickle--$version.sql"
            unless ($ext->{file} // "") eq "sql/pg_trickle--$version.sql";
        for my $k (qw(file docfile)) { push @p, "provides.pg_trickle.$k: no file $ext->{$k}" if $ext->{$k} && !-f $ext->{$k}; }
        push @p, "provides.pg_trickle has no abstract" unless $ext->{abstract};
    }
    my $pg = eval { $m->{prereqs}{runtime}{requires}{PostgreSQL} } // "";
    push @p, "prereqs.runtime.requires.PostgreSQL is not 15 or later ($pg)" unless $pg =~ /^(\d+)\./ && $1 >= 15;
    push @p, "maintainer is empty" unless ref $m->{maintainer} ? @{$m->{maintainer}} : $m->{maintainer};
    print join("\n", @p);
    exit(@p ? 1 : 0);
  ' "$version" 2>&1); then
  fail "META.json: $problems"
fi

# make dist, when this is a git checkout.
if ! git rev-parse --git-dir >/dev/null 2>&1; then
  echo "not a git checkout: make dist not tested"
  exit "$failed"
fi
work=$(mktemp -d /tmp/pgt-dist.XXXXXX)
trap 'rm -rf "$work"' EXIT
prefix="pg_trickle-$version"
tarball="$work/$prefix.tar.gz"
make -s dist DIST_TARBALL="$tarball" >/dev/null
[ -f "$tarball" ] || { echo "FAILED: make dist made no $prefix.tar.gz"; exit 1; }

tar -tzf "$tarball" | grep -v '/$' | sort >"$work/listed"
git ls-tree -r --name-only HEAD | sed "s|^|$prefix/|" | sort >"$work/committed"
if ! diff -q "$work/listed" "$work/committed" >/dev/null; then
  fail "the tarball is not the tree at HEAD: $(diff "$work/listed" "$work/committed" | head -5 | tr '\n' ' ')"
fi
needed=(Makefile pg_trickle.control META.json README.md docs/SQL_REFERENCE.md docs/UPGRADING.md
        $(ls sql/*.sql) $(ls src/*/*.cpp src/*/*.h))
# Every file of the repository the compiler read in the last build.
for d in src/*/*.d; do
  [ -f "$d" ] || continue
  needed+=($(sed -e 's/\\$//' -e 's/^[^:]*://' "$d" | tr ' ' '\n' | grep -E '^src/' || true))
done
missing=$(printf '%s\n' "${needed[@]}" | sort -u | sed "s|^|$prefix/|" | comm -23 - "$work/listed")
[ -z "$missing" ] || fail "not in the tarball (uncommitted?): $(echo "$missing" | head -10 | tr '\n' ' ')"

tar -xzf "$tarball" -C "$work"
if ! make -s -n -C "$work/$prefix" >/dev/null 2>"$work/make.err"; then
  fail "make -n in the extracted tree: $(head -5 "$work/make.err")"
fi
planned=$(make -n -C "$work/$prefix" install 2>&1 || true)
for f in sql/*.sql pg_trickle.control; do
  grep -q "$(basename "$f")" <<<"$planned" || fail "make install of the extracted tree does not install $f"
done
if [ "${PGT_DIST_BUILD:-0}" = 1 ]; then
  make -s -j"$(nproc)" -C "$work/$prefix" >/dev/null || fail "the extracted tree does not build"
fi

[ "$failed" -eq 0 ] && echo "META.json and $prefix.tar.gz: ok"
exit "$failed"
