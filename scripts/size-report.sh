#!/usr/bin/env bash
# Usage: scripts/size-report.sh [TRIPLE] [N]
#        (default armv7-unknown-linux-musleabihf, N = 25 rows per list)
#
# `make size-report`: where the bytes of each binary go, for a developer
# deciding what to shrink (scripts/size.sh only checks the totals).
#   Rust binaries (rocker-master, rocker-runtime when built): the unstripped
#   ELF cargo leaves in target/<t>/release/ (the release profile does not
#   strip; `make release` strips the installed copy). Sections, then bytes
#   per crate (the first path segment of each demangled symbol: generic code
#   counts for the crate that defines it, so `core::..::drop_glue<rocker_master
#   ::..>` is core's; `[no_mangle]` = symbols without a path, e.g.
#   rocker_main), then the largest functions.
#   The rocker CLI (C): rebuilt unstripped with a linker map into
#   target/<t>/c-size/; bytes per object (rocker.c vs libc.a members), then
#   the largest functions.
# Sizes are symbol sizes (st_size), so padding between functions and
# anonymous constants (string literals in .rodata) are not in the per-crate
# sums: compare them with the section sizes.
set -euo pipefail
cd "$(dirname "$0")/.."
t=${1:-armv7-unknown-linux-musleabihf}
top=${2:-25}
mk=targets/$t.mk
[ -f "$mk" ] || { echo "size-report: unknown target '$t' (no $mk)" >&2; exit 2; }
strip=$(sed -n 's/^TARGET_STRIP[[:space:]]*:\{0,1\}=[[:space:]]*//p' "$mk" | tail -n1 | sed 's/[[:space:]]*$//')
nm=${strip%strip}nm
size=${strip%strip}size
command -v "$nm" >/dev/null || { echo "size-report: $nm not found" >&2; exit 2; }

make -s TARGET="$t" release >/dev/null 2>&1 || { echo "size-report: make TARGET=$t release failed" >&2; exit 1; }

sections() { # ELF: allocated sections with their sizes
    "$size" -A "$1" | awk '$1 ~ /^\./ && $1 !~ /^\.(comment|debug|ARM\.attributes|gnu\.attributes|mdebug|pdr|symtab|strtab|shstrtab)/ && $2 > 0 { printf "  %-20s %8d\n", $1, $2 }'
}

# nm -S -C lines "addr size type name" of code and read-only/initialized
# data (not bss: it costs no flash).
symbols() {
    "$nm" -S -C -t d --size-sort "$1" | awk '$3 ~ /^[tTrRdDwW]$/ { s = $2 + 0; $1 = $2 = $3 = ""; sub(/^ +/, ""); print s "\t" $0 }'
}

crate_of() { # stdin: "size<TAB>demangled" -> "size<TAB>crate"
    awk -F'\t' '{
        n = $2
        sub(/^[<&*]+/, "", n); sub(/^(dyn |mut |const )/, "", n)
        if (match(n, /^[A-Za-z_][A-Za-z0-9_]*::/)) c = substr(n, 1, RLENGTH - 2)
        else c = "[no_mangle]"
        print $1 "\t" c
    }'
}

rust_report() { # NAME ELF
    local name=$1 elf=$2
    echo "== $t $name ($(stat -c %s "install_dir/$t/bin/$name") bytes stripped; $elf)"
    echo "sections:"
    sections "$elf"
    local syms
    syms=$(symbols "$elf")
    echo "bytes per crate (symbol sizes):"
    crate_of <<<"$syms" | awk -F'\t' '{ s[$2] += $1; n[$2]++; tot += $1 } END { for (c in s) printf "  %-22s %8d  %5.1f%%  %4d symbols\n", c, s[c], 100 * s[c] / tot, n[c]; }' | sort -k2 -n -r
    echo "largest $top symbols:"
    sort -t$'\t' -k1,1 -n -r <<<"$syms" | head -n "$top" | awk -F'\t' '{ printf "  %7d  %s\n", $1, substr($2, 1, 150) }'
    echo
}

for b in rocker-master rocker-runtime; do
    elf=target/$t/release/$b
    if ! [ -f "$elf" ] || ! [ -f "install_dir/$t/bin/$b" ]; then continue; fi
    if ! "$nm" "$elf" >/dev/null 2>&1 || [ -z "$("$nm" "$elf" 2>/dev/null | head -n1)" ]; then
        echo "== $t $b: $elf has no symbols (release profile strips?)"
        continue
    fi
    rust_report "$b" "$elf"
done

# The CLI: rocker.mk's flags, but unstripped and with a linker map.
out=target/$t/c-size
mkdir -p "$out"
make -s TARGET="$t" ROCKER_C_OUT="$PWD/$out" TARGET_LDFLAGS="-static -Wl,--gc-sections -Wl,-Map=$PWD/$out/rocker.map" \
    "$PWD/$out/rocker" >/dev/null
echo "== $t rocker (CLI, $(stat -c %s "install_dir/$t/bin/rocker") bytes stripped; $out/rocker, map $out/rocker.map)"
echo "sections:"
sections "$out/rocker"
echo "bytes per object (linker map, allocated input sections but .bss):"
awk '
    function hex(h,   i, n) { n = 0; h = tolower(substr(h, 3)); for (i = 1; i <= length(h); i++) n = n * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1; return n }
    /^Linker script and memory map/ { on = 1; next }
    !on { next }
    /^[^ ]/ { split($0, f, " "); out = f[1]; next }
    {
        if (out ~ /^\.(comment|debug|ARM\.attributes|gnu\.attributes|mdebug|pdr|note\.GNU-stack|stab)/) next
        if (out ~ /^\.(s|t)?bss/) next
        # " .text.x 0xADDR 0xSIZE file" or "  0xADDR 0xSIZE file" after a long name
        if ($1 ~ /^0x/ && $2 ~ /^0x/ && NF >= 3) { sz = $2; file = $3 }
        else if ($2 ~ /^0x/ && $3 ~ /^0x/ && NF >= 4) { sz = $3; file = $4 }
        else next
        if ($1 ~ /^\*/ || file ~ /^\(/ || file == "") next
        n = hex(sz); if (n == 0) next
        sub(/^.*\//, "", file)
        if (file ~ /^cc[A-Za-z0-9]+\.o$/) file = "rocker.c, lean.c (" file ")"
        s[file] += n; tot += n
    }
    END { for (o in s) printf "  %-28s %8d  %5.1f%%\n", o, s[o], 100 * s[o] / tot }
' "$out/rocker.map" | sort -k2 -n -r | head -n "$top"
echo "largest $top symbols:"
symbols "$out/rocker" | sort -t$'\t' -k1,1 -n -r | head -n "$top" | awk -F'\t' '{ printf "  %7d  %s\n", $1, $2 }'
