# shellcheck shell=bash
# qemu/lib.sh: shared code of qemu/run-<arch>.sh (sourced, not run).
#
# One run per architecture:
#   build   make -s TARGET=<triple> release
#   fetch   (cached in .cache/qemu/, idempotent, under a lock) qemu-system,
#           the guest kernel (+ loop/squashfs/overlay modules) and busybox
#   user    stage 1: rocker-abi-tests, rocker --help, rocker-master --help
#           under qemu-<arch>-static
#   initrd  initramfs (cpio newc + gzip): busybox, rocker binaries, the probe
#           (/rocker/libexec/rocker-probe), three squashfs test packages
#           (xz, gzip, lz4: busybox + bin/probe + app.sh), a busybox root
#           tree for rootfs mode (pkgs/rootfs.sqfs), qemu/guest-*.sh
#   system  stage 2: boot the real kernel, qemu/guest-tests.sh runs every
#           check and powers off; gated on the guest's `N passed, M failed`
#
# The arch script sets, then calls rq_main "$@":
#   RQ_NAME RQ_TRIPLE RQ_QEMU_SYSTEM RQ_CONSOLE RQ_MACHINE=(...)
#   RQ_KERNEL_KIND=debian RQ_KERNEL_META=linux-image-armmp RQ_DEB_ARCH=armhf
#   RQ_KERNEL_KIND=mips-be (self-built from linux-source-6.1, qemu/mips-be.config)
#   RQ_KERNEL_KIND=built RQ_KCONFIG=router-mipsel.config RQ_KCROSS=mipsel-linux-gnu-
#     RQ_KDIR=mipsel-kernel (any other self-built kernel; RQ_DEB_ARCH for busybox)
#   RQ_BUSYBOX_KIND=debian|source
# and optionally (the router and memory runs):
#   RQ_GUEST=guest-router.sh  the stage-2 script (installed as /guest-tests.sh)
#   RQ_INITRD=small           only what guest-router.sh needs (no abi tests,
#                             no probe, one package)
#   RQ_USER=0                 skip stage 1 (qemu-user)
#   RQ_APPEND="k=v ..."       more kernel command line
#
# Environment: ROCKER_QEMU_TIMEOUT (s, default 600) for the boot,
# ROCKER_QEMU_SANDBOXES (default 16) concurrent sandboxes in the guest,
# ROCKER_QEMU_SYSTEM_BIN to force a qemu-system binary, ROCKER_QEMU_GUEST,
# ROCKER_QEMU_INITRD, ROCKER_QEMU_USER, ROCKER_QEMU_APPEND (the same as the
# RQ_ variables above; qemu/run-memory.sh runs the arch scripts with them),
# ROCKER_QEMU_TAG (work dir .cache/qemu/work/<name>-<tag>, so such a run
# does not share one with the arch's test run).
set -euo pipefail

RQ_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RQ_DIR=$RQ_ROOT/qemu
RQ_CACHE=$RQ_ROOT/.cache/qemu
RQ_TIMEOUT=${ROCKER_QEMU_TIMEOUT:-600}
RQ_SANDBOXES=${ROCKER_QEMU_SANDBOXES:-${RQ_SANDBOXES:-16}}
RQ_GUEST=${ROCKER_QEMU_GUEST:-${RQ_GUEST:-guest-tests.sh}}
RQ_INITRD=${ROCKER_QEMU_INITRD:-${RQ_INITRD:-full}}
RQ_USER=${ROCKER_QEMU_USER:-${RQ_USER:-1}}
RQ_APPEND=$(echo ${RQ_APPEND:-} ${ROCKER_QEMU_APPEND:-})
APT_OPTS=(-q -o DPkg::Lock::Timeout=600 -o APT::Get::Assume-Yes=true -o APT::Sandbox::User=root)
export DEBIAN_FRONTEND=noninteractive LC_ALL=C

say() { printf '[%s] %s\n' "${RQ_NAME:-qemu}" "$*"; }
die() {
    printf '[%s] ERROR: %s\n' "${RQ_NAME:-qemu}" "$*" >&2
    exit 1
}

# ------------------------------------------------------------ timing, checks
rq_us() { local t=${EPOCHREALTIME/[.,]/}; echo "$t"; }
rq_fmt() { printf '%d.%d' $(($1 / 1000000)) $((($1 % 1000000) / 100000)); }
RQ_T0=$(rq_us)
RQ_TIMES=()
RQ_PASS=0
RQ_FAIL=0
RQ_DONE=0
rq_stage() { # NAME FUNC ARGS...: run FUNC, record its wall time
    local name=$1 t0
    shift
    t0=$(rq_us)
    say "== $name"
    RQ_SUBTIMES=()
    "$@"
    RQ_TIMES+=("$(printf '%-16s %6s s' "$name" "$(rq_fmt $(($(rq_us) - t0)))")" ${RQ_SUBTIMES[@]+"${RQ_SUBTIMES[@]}"})
}
rq_sub() { # NAME FUNC ARGS...: a timed part of a stage (listed under it)
    local name=$1 t0
    shift
    t0=$(rq_us)
    "$@"
    RQ_SUBTIMES+=("$(printf '  %-14s %6s s' "$name" "$(rq_fmt $(($(rq_us) - t0)))")")
}
RQ_SUBTIMES=()
rq_ok() {
    RQ_PASS=$((RQ_PASS + 1))
    echo "ok - $1"
}
rq_fail() {
    RQ_FAIL=$((RQ_FAIL + 1))
    echo "FAIL - $1: $2"
}
rq_timings() {
    local t
    say "timings:"
    for t in "${RQ_TIMES[@]}"; do say "  $t"; done
    say "  $(printf '%-16s %6s s' total "$(rq_fmt $(($(rq_us) - RQ_T0)))")"
}
rq_on_exit() {
    local rc=$?
    [ "$RQ_DONE" = 1 ] && return
    [ -n "${RQ_QPID:-}" ] && kill "$RQ_QPID" 2>/dev/null
    rq_timings
    say "ERROR: aborted (exit $rc) before the end; see the output above"
}

# -------------------------------------------------------------------- apt
rq_installed() { [[ $(dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null) == *"install ok installed"* ]]; }
RQ_APT_UPDATED=0
rq_apt_update() {
    [ "$RQ_APT_UPDATED" = 1 ] && return 0
    say "apt-get update"
    apt-get "${APT_OPTS[@]}" update >/dev/null || {
        sleep 5
        apt-get "${APT_OPTS[@]}" update >/dev/null || say "WARNING: apt-get update failed; trying anyway"
    }
    RQ_APT_UPDATED=1
}
# Installs the missing packages, refusing anything that would remove a package
# (bookworm's qemu-system-common would take the preinstalled qemu-utils 10.0).
rq_apt_install() {
    local p missing=()
    for p in "$@"; do rq_installed "$p" || missing+=("$p"); done
    [ ${#missing[@]} -gt 0 ] || return 0
    local sim
    if ! sim=$(apt-get "${APT_OPTS[@]}" -s install --no-install-recommends "${missing[@]}" 2>&1); then
        rq_apt_update
        sim=$(apt-get "${APT_OPTS[@]}" -s install --no-install-recommends "${missing[@]}" 2>&1) ||
            die "apt-get cannot install ${missing[*]}: $(tail -n3 <<<"$sim")"
    fi
    if grep -q '^Remv' <<<"$sim"; then
        die "installing ${missing[*]} would remove: $(grep '^Remv' <<<"$sim" | cut -d' ' -f2 | tr '\n' ' ')"
    fi
    say "apt-get install ${missing[*]}"
    apt-get "${APT_OPTS[@]}" install --no-install-recommends "${missing[@]}" >/dev/null
}
rq_apt_download() { # DIR PKG...
    local dir=$1
    shift
    (cd "$dir" && apt-get "${APT_OPTS[@]}" download "$@" >/dev/null 2>&1) || {
        rq_apt_update
        (cd "$dir" && apt-get "${APT_OPTS[@]}" download "$@" >/dev/null)
    } || die "apt-get download $* failed"
}
rq_foreign_arch() {
    [ "$1" = "$(dpkg --print-architecture)" ] && return 0
    [[ " $(dpkg --print-foreign-architectures | tr '\n' ' ') " == *" $1 "* ]] && return 0
    say "dpkg --add-architecture $1"
    dpkg --add-architecture "$1"
    RQ_APT_UPDATED=0
    rq_apt_update
}
rq_safe() { echo "${1//:/%3a}"; }

# Candidate versions of everything this arch fetches, from ONE apt-cache call
# (apt-cache takes ~4 s here: docker-clean disables its pkgcache). The result
# is kept in the cache until apt's lists or config change.
rq_resolve() {
    local f=$RQ_CACHE/resolved-$RQ_NAME.sh pkgs=(qemu-system-arm) out meta=
    if [ -f "$f" ] && [ -z "$(find /var/lib/apt/lists /etc/apt -newer "$f" -print -quit 2>/dev/null)" ]; then
        . "$f"
        return 0
    fi
    case $RQ_KERNEL_KIND in
    debian)
        meta=$RQ_KERNEL_META:$RQ_DEB_ARCH
        pkgs+=("$meta" "busybox-static:$RQ_DEB_ARCH")
        ;;
    mips-be) pkgs+=(linux-source-6.1 busybox-static) ;;
    built) pkgs+=(linux-source-6.1 "busybox-static:$RQ_DEB_ARCH") ;;
    esac
    if ! out=$(apt-cache show --no-all-versions "${pkgs[@]}" 2>/dev/null); then
        rq_apt_update
        out=$(apt-cache show --no-all-versions "${pkgs[@]}") || die "apt-cache show ${pkgs[*]} failed"
    fi
    # "name arch version depends" per stanza
    out=$(awk '/^Package:/{p=$2} /^Architecture:/{a=$2} /^Version:/{v=$2} /^Depends:/{sub(/^Depends: */,""); d=$0}
               /^$/{if(p!="") print p, a, v, d; p=a=v=d=""} END{if(p!="") print p, a, v, d}' <<<"$out")
    RQ_V_QEMU=$(awk '$1=="qemu-system-arm"{print $3; exit}' <<<"$out")
    RQ_V_LSRC= RQ_KPKG= RQ_KVER= RQ_V_BUSYBOX=
    case $RQ_KERNEL_KIND in
    debian)
        # the meta package depends on "linux-image-<abi>-<flavour> (= <version>)"
        RQ_KPKG=$(awk -v m="${meta%%:*}" '$1==m{for(i=4;i<=NF;i++) if($i ~ /^linux-image-/){print $i; exit}}' <<<"$out")
        RQ_KVER=$(awk -v m="${meta%%:*}" '$1==m{for(i=4;i<=NF;i++) if($i ~ /^linux-image-/){v=$(i+2); sub(/\).*/,"",v); print v; exit}}' <<<"$out")
        RQ_V_BUSYBOX=$(awk -v a="$RQ_DEB_ARCH" '$1=="busybox-static" && $2==a{print $3; exit}' <<<"$out")
        [ -n "$RQ_KPKG" ] && [ -n "$RQ_KVER" ] || die "cannot resolve the kernel of $meta: $out"
        ;;
    mips-be | built)
        RQ_V_LSRC=$(awk '$1=="linux-source-6.1"{print $3; exit}' <<<"$out")
        if [ "$RQ_KERNEL_KIND" = built ]; then
            RQ_V_BUSYBOX=$(awk -v a="$RQ_DEB_ARCH" '$1=="busybox-static" && $2==a{print $3; exit}' <<<"$out")
        else
            RQ_V_BUSYBOX=$(awk '$1=="busybox-static"{print $3; exit}' <<<"$out")
        fi
        [ -n "$RQ_V_LSRC" ] || die "no linux-source-6.1: $out"
        ;;
    esac
    [ -n "$RQ_V_QEMU" ] && [ -n "$RQ_V_BUSYBOX" ] || die "cannot resolve qemu-system-arm / busybox-static: $out"
    local v
    for v in RQ_V_QEMU RQ_V_LSRC RQ_KPKG RQ_KVER RQ_V_BUSYBOX; do printf '%s=%q\n' "$v" "${!v}"; done >"$f.tmp"
    mv "$f.tmp" "$f"
}

# ------------------------------------------------------------- qemu-system
# The system's qemu-system-* if installed, else bookworm's debs unpacked into
# the cache (only the four binaries we run + the data dir); only their
# missing shared libraries get installed (QEMU.md §2.1).
rq_fetch_qemu_system() {
    RQ_QEMU_L=()
    if [ -n "${ROCKER_QEMU_SYSTEM_BIN:-}" ]; then
        RQ_QEMU_BIN=$ROCKER_QEMU_SYSTEM_BIN
    elif command -v "$RQ_QEMU_SYSTEM" >/dev/null; then
        RQ_QEMU_BIN=$(command -v "$RQ_QEMU_SYSTEM")
    else
        local ver dest tmp f
        ver=$RQ_V_QEMU
        dest=$RQ_CACHE/qemu-system/$(rq_safe "$ver")
        if [ ! -f "$dest/.complete" ]; then
            say "fetching qemu-system $ver (unpacked, not installed)"
            tmp=$RQ_CACHE/tmp/qemu-system
            rm -rf "$tmp" "$dest"
            mkdir -p "$tmp" "$dest"
            rq_apt_download "$tmp" "qemu-system-arm=$ver" "qemu-system-mips=$ver" qemu-system-data
            dpkg-deb --fsys-tarfile "$tmp"/qemu-system-arm_*.deb |
                tar -C "$dest" -x ./usr/bin/qemu-system-aarch64 ./usr/bin/qemu-system-arm
            dpkg-deb --fsys-tarfile "$tmp"/qemu-system-mips_*.deb |
                tar -C "$dest" -x ./usr/bin/qemu-system-mips ./usr/bin/qemu-system-mipsel
            for f in "$tmp"/qemu-system-arm_*.deb "$tmp"/qemu-system-mips_*.deb; do
                dpkg-deb -f "$f" Depends >>"$dest/depends.txt"
            done
            dpkg-deb --fsys-tarfile "$tmp"/qemu-system-data_*.deb | tar -C "$dest" -x ./usr/share/qemu
            rm -rf "$tmp"
            touch "$dest/.complete"
        fi
        RQ_QEMU_BIN=$dest/usr/bin/$RQ_QEMU_SYSTEM
        RQ_QEMU_L=(-L "$dest/usr/share/qemu")
        if [[ $(ldd "$RQ_QEMU_BIN") == *"not found"* ]]; then
            local libs
            libs=$(tr ',' '\n' <"$dest/depends.txt" | sed 's/|.*//; s/(.*//; s/[[:space:]]//g' | grep -v '^qemu-' | grep . | sort -u)
            # shellcheck disable=SC2086
            rq_apt_install $libs
        fi
        if [[ $(ldd "$RQ_QEMU_BIN") == *"not found"* ]]; then
            die "$RQ_QEMU_BIN still misses: $(ldd "$RQ_QEMU_BIN" | grep 'not found' | tr '\n' ' ')"
        fi
    fi
    say "qemu-system: $RQ_QEMU_BIN ($("$RQ_QEMU_BIN" --version | head -n1))"
}

# --------------------------------------------------------- Debian kernels
rq_module_file() { # MODNAME LISTFILE -> path in the deb
    local re=${1//[-_]/[-_]}
    grep -E "/${re}\.ko(\.xz|\.zst|\.gz)?$" "$2" | head -n1
}
# Debian kernel META (e.g. linux-image-armmp) of RQ_DEB_ARCH: vmlinuz, the
# config, and loop/squashfs/overlay (+ their depends=) when they are =m.
# Sets RQ_KERNEL, RQ_MODDIR (modules + `order`), RQ_KERNEL_DESC.
rq_fetch_debian_kernel() {
    local pkg=$RQ_KPKG:$RQ_DEB_ARCH ver=$RQ_KVER dest
    # -net: the module set grew veth and bridge (a new cache entry).
    dest=$RQ_CACHE/kernel/${pkg%%:*}_$(rq_safe "$ver")_$RQ_DEB_ARCH-net
    if [ ! -f "$dest/.complete" ]; then
        local tmp deb list cfg opt m f want=() have=() todo deps
        say "fetching $pkg $ver"
        tmp=$RQ_CACHE/tmp/kernel-$RQ_DEB_ARCH
        rm -rf "$tmp" "$dest"
        mkdir -p "$tmp/x" "$dest/modules"
        rq_apt_download "$tmp" "$pkg=$ver"
        deb=$(ls "$tmp"/*.deb)
        list=$tmp/list
        dpkg-deb --fsys-tarfile "$deb" | tar -t >"$list"
        dpkg-deb --fsys-tarfile "$deb" | tar -C "$dest" -x --wildcards './boot/vmlinu*' './boot/config-*'
        cfg=$(ls "$dest"/boot/config-*)
        for opt in BLK_DEV_LOOP:loop SQUASHFS:squashfs OVERLAY_FS:overlay VETH:veth BRIDGE:bridge; do
            case $(grep -E "^CONFIG_${opt%%:*}=" "$cfg" || true) in
            *=y) ;;
            *=m) want+=("${opt#*:}") ;;
            *) die "$pkg lacks CONFIG_${opt%%:*}" ;;
            esac
        done
        # Extract the wanted modules, then whatever they depend on.
        todo=("${want[@]}")
        while [ ${#todo[@]} -gt 0 ]; do
            local paths=()
            for m in "${todo[@]}"; do
                f=$(rq_module_file "$m" "$list")
                [ -n "$f" ] || die "$pkg: no module $m"
                paths+=("$f")
            done
            dpkg-deb --fsys-tarfile "$deb" | tar -C "$tmp/x" -x "${paths[@]}"
            have+=("${todo[@]}")
            todo=()
            for f in "${paths[@]}"; do
                case $f in *.xz) xz -d "$tmp/x/$f" ;; *.zst) zstd -q --rm -d "$tmp/x/$f" ;; *.gz) gzip -d "$tmp/x/$f" ;; esac
                f=${f%.xz}
                f=${f%.zst}
                f=${f%.gz}
                m=$(basename "$f" .ko)
                m=${m//-/_}
                cp "$tmp/x/$f" "$dest/modules/$m.ko"
                deps=$(strings -a "$dest/modules/$m.ko" | sed -n 's/^depends=//p' | head -n1 | tr ',' ' ')
                echo "$deps" >"$dest/modules/$m.deps"
                for d in $deps; do
                    [[ " ${have[*]} ${todo[*]} " == *" $d "* ]] || todo+=("$d")
                done
            done
        done
        # Load order: dependencies first.
        : >"$dest/modules/order"
        local left=("${have[@]}") next
        while [ ${#left[@]} -gt 0 ]; do
            next=()
            for m in "${left[@]}"; do
                local ready=1
                for d in $(cat "$dest/modules/$m.deps"); do
                    grep -qx "$d" "$dest/modules/order" || ready=0
                done
                if [ $ready = 1 ]; then echo "$m" >>"$dest/modules/order"; else next+=("$m"); fi
            done
            [ ${#next[@]} -lt ${#left[@]} ] || die "module dependency cycle: ${left[*]}"
            left=("${next[@]}")
        done
        rm -f "$dest"/modules/*.deps
        rm -rf "$tmp"
        touch "$dest/.complete"
    fi
    RQ_KERNEL=$(ls "$dest"/boot/vmlinu*)
    RQ_MODDIR=$dest/modules
    RQ_KERNEL_DESC="Debian $pkg $ver"
    say "kernel: $RQ_KERNEL_DESC; modules: $(tr '\n' ' ' <"$RQ_MODDIR/order")"
}

rq_fetch_debian_busybox() {
    local ver=$RQ_V_BUSYBOX dest tmp
    dest=$RQ_CACHE/busybox/$(rq_safe "$ver")_$RQ_DEB_ARCH
    if [ ! -f "$dest/busybox" ]; then
        say "fetching busybox-static:$RQ_DEB_ARCH $ver"
        tmp=$RQ_CACHE/tmp/busybox-$RQ_DEB_ARCH
        rm -rf "$tmp"
        mkdir -p "$tmp" "$dest"
        rq_apt_download "$tmp" "busybox-static:$RQ_DEB_ARCH=$ver"
        dpkg-deb --fsys-tarfile "$tmp"/*.deb | tar -C "$tmp" -x ./bin/busybox
        mv "$tmp/bin/busybox" "$dest/busybox.tmp" && mv "$dest/busybox.tmp" "$dest/busybox"
        rm -rf "$tmp"
    fi
    RQ_BUSYBOX=$dest/busybox
    RQ_BUSYBOX_DESC="Debian busybox-static:$RQ_DEB_ARCH $ver"
}

# ------------------------------------------------- self-built MIPS kernels
# Debian has no big-endian mips any more (QEMU.md §3), and its mipsel kernel
# is too big for a 32 MB router: these kernels are built from
# linux-source-6.1 with a qemu/*.config fragment over allnoconfig, cached
# under .cache/qemu/<dir>/vmlinux-<hash of config + source version + compiler>.
#   rq_build_kernel CONFIG CROSS_PREFIX CACHE_DIR WHAT
rq_build_kernel() {
    local cfg=$1 cross=$2 dir=$3 what=$4 srcver key out work
    rq_apt_install "gcc-${cross%-}" flex bison bc make xz-utils
    srcver=$RQ_V_LSRC
    key=$( (cat "$cfg"; echo "$srcver"; "${cross}gcc" --version | head -n1) | sha256sum | cut -c1-16)
    out=$RQ_CACHE/$dir/vmlinux-$key
    if [ ! -f "$out" ]; then
        local t0 deb src bld o
        t0=$(rq_us)
        work=$RQ_CACHE/tmp/$dir
        rm -rf "$work"
        mkdir -p "$work" "$RQ_CACHE/$dir"
        say "building the $what kernel from linux-source-6.1 $srcver ($(basename "$cfg"); 2.5-4 min with -j2 on an idle 2-core VM; once, then cached)"
        rq_apt_download "$work" "linux-source-6.1=$srcver"
        deb=$(ls "$work"/linux-source-6.1_*.deb)
        mkdir -p "$work/src"
        dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/src/linux-source-6.1.tar.xz |
            xz -d | tar -C "$work/src" -x --strip-components=1
        rm -f "$deb"
        src=$work/src bld=$work/build
        mkdir -p "$bld"
        local mk=(make -s -C "$src" O="$bld" ARCH=mips CROSS_COMPILE="$cross")
        "${mk[@]}" KCONFIG_ALLCONFIG="$cfg" allnoconfig >/dev/null
        while read -r o; do
            case $o in CONFIG_*=*) grep -qx "$o" "$bld/.config" || die "$(basename "$cfg"): $o did not stick (see $bld/.config)" ;; esac
        done <"$cfg"
        "${mk[@]}" -j"$(nproc)" vmlinux >"$work/build.log" 2>&1 || {
            tail -n 30 "$work/build.log"
            die "kernel build failed (log: $work/build.log)"
        }
        "${cross}strip" -o "$out.tmp" "$bld/vmlinux"
        cp "$bld/.config" "$out.config"
        mv "$out.tmp" "$out"
        rm -rf "$work"
        say "kernel built in $(rq_fmt $(($(rq_us) - t0))) s: $out"
    fi
    RQ_KERNEL=$out
    RQ_MODDIR=
    RQ_KERNEL_DESC="self-built linux-source-6.1 $srcver (qemu/$(basename "$cfg"), key $key)"
    say "kernel: $RQ_KERNEL_DESC"
}
rq_build_mips_kernel() { rq_build_kernel "$RQ_DIR/mips-be.config" mips-linux-gnu- mips-kernel "big-endian MIPS"; }

# busybox from Debian's source package, static, for mips-linux-gnu (glibc):
# apt-get source with a private sources.list, the system's apt config stays.
rq_build_busybox_src() {
    local ver key out work A
    rq_apt_install gcc-mips-linux-gnu libc6-dev-mips-cross linux-libc-dev-mips-cross make bzip2 xz-utils
    ver=$RQ_V_BUSYBOX
    key=$( (echo "$ver"; mips-linux-gnu-gcc --version | head -n1) | sha256sum | cut -c1-16)
    out=$RQ_CACHE/busybox/mips-src-$key/busybox
    if [ ! -f "$out" ]; then
        local t0 mirror tarball
        t0=$(rq_us)
        work=$RQ_CACHE/tmp/busybox-src
        rm -rf "$work"
        mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/dl" "$(dirname "$out")"
        mirror=$(apt-get indextargets --format '$(REPO_URI)' 'Identifier: Packages' 2>/dev/null | grep -m1 -v security || true)
        mirror=${mirror:-http://deb.debian.org/debian/}
        echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${mirror%/} bookworm main" >"$work/src.list"
        A=(-o Dir::Etc::SourceList="$work/src.list" -o Dir::Etc::SourceParts=/dev/null
            -o Dir::State::Lists="$work/lists" -o Dir::Cache="$work/cache")
        say "fetching Debian's busybox source (for a static big-endian build)"
        apt-get "${APT_OPTS[@]}" "${A[@]}" update >/dev/null
        (cd "$work/dl" && apt-get "${APT_OPTS[@]}" "${A[@]}" source --download-only busybox >/dev/null)
        tarball=$(ls "$work"/dl/busybox_*.orig.tar.*)
        mkdir -p "$work/src"
        tar -C "$work/src" -xf "$tarball" --strip-components=1
        local mk=(make -s -C "$work/src" CROSS_COMPILE=mips-linux-gnu-)
        "${mk[@]}" defconfig >/dev/null
        sed -i -e 's/^# CONFIG_STATIC is not set/CONFIG_STATIC=y/' -e 's/^CONFIG_TC=y/# CONFIG_TC is not set/' "$work/src/.config"
        "${mk[@]}" oldconfig </dev/null >/dev/null 2>&1
        "${mk[@]}" -j"$(nproc)" busybox >"$work/build.log" 2>&1 || {
            tail -n 30 "$work/build.log"
            die "busybox build failed (log: $work/build.log)"
        }
        mips-linux-gnu-strip -o "$out.tmp" "$work/src/busybox"
        mv "$out.tmp" "$out"
        rm -rf "$work"
        say "busybox built in $(rq_fmt $(($(rq_us) - t0))) s"
    fi
    RQ_BUSYBOX=$out
    RQ_BUSYBOX_DESC="busybox $ver built from Debian's source (mips-linux-gnu-gcc, static glibc)"
}

# ------------------------------------------------------------------ stages
rq_build() {
    make -s -C "$RQ_ROOT" TARGET="$RQ_TRIPLE" release
    RQ_INSTALL=$RQ_ROOT/install_dir/$RQ_TRIPLE
    local f
    for f in bin/rocker-master bin/rocker libexec/rocker-abi-tests libexec/rocker-probe; do
        [ -x "$RQ_INSTALL/$f" ] || die "missing $RQ_INSTALL/$f"
    done
}

rq_fetch() {
    mkdir -p "$RQ_CACHE"
    exec 9>"$RQ_CACHE/.lock"
    flock 9
    rq_sub "host packages" rq_apt_install cpio squashfs-tools gzip binutils qemu-user-static
    [ "$RQ_KERNEL_KIND" = mips-be ] || rq_foreign_arch "$RQ_DEB_ARCH"
    rq_sub "apt versions" rq_resolve
    rq_sub qemu-system rq_fetch_qemu_system
    case $RQ_KERNEL_KIND in
    debian)
        rq_sub kernel rq_fetch_debian_kernel "$RQ_KERNEL_META"
        ;;
    mips-be) rq_sub kernel rq_build_mips_kernel ;;
    built) rq_sub kernel rq_build_kernel "$RQ_DIR/$RQ_KCONFIG" "$RQ_KCROSS" "$RQ_KDIR" "$RQ_NAME" ;;
    *) die "RQ_KERNEL_KIND=$RQ_KERNEL_KIND" ;;
    esac
    case $RQ_BUSYBOX_KIND in
    debian) rq_sub busybox rq_fetch_debian_busybox ;;
    source) rq_sub busybox rq_build_busybox_src ;;
    *) die "RQ_BUSYBOX_KIND=$RQ_BUSYBOX_KIND" ;;
    esac
    say "busybox: $RQ_BUSYBOX_DESC"
    flock -u 9
}

rq_user() {
    local run=$RQ_ROOT/scripts/run-target.sh out rc last b
    for b in bin/rocker bin/rocker-master; do
        if out=$("$run" "$RQ_TRIPLE" "$RQ_INSTALL/$b" --help 2>&1); then
            rq_ok "user: $(basename "$b") --help"
        else
            rq_fail "user: $(basename "$b") --help" "$(tail -n2 <<<"$out" | tr '\n' '|')"
        fi
    done
    rc=0
    out=$("$run" "$RQ_TRIPLE" "$RQ_INSTALL/libexec/rocker-abi-tests" 2>&1) || rc=$?
    sed 's/^/    abi: /' <<<"$out"
    last=$(tail -n1 <<<"$out")
    if [ $rc = 0 ] && [[ $last == *" passed, 0 failed" ]]; then
        rq_ok "user: rocker-abi-tests under $(sed -n 's/^QEMU_USER[[:space:]]*:*=[[:space:]]*//p' "$RQ_ROOT/targets/$RQ_TRIPLE.mk") ($last)"
    else
        rq_fail "user: rocker-abi-tests" "exit $rc, '$last'"
    fi
}

# rq_root_base DIR GUEST_SCRIPT: the part of a guest's root every initramfs
# shares (busybox, console, stage 2 as /guest-tests.sh, rocker-master and the
# CLI, the kernel modules, passwd/group); sets RQ_WORK and leaves DIR/root
# ready for more (DIR/root and DIR/app are emptied first).
rq_root_base() {
    local w=$1 r=$1/root
    RQ_WORK=$w
    rm -rf "$w/root" "$w/app"
    mkdir -p "$w"
    mkdir -p "$r"/{bin,dev,proc,sys,etc,tmp,run,data,home,usr,var,root,pkgs,modules,rocker/bin,rocker/libexec}
    chmod 1777 "$r/tmp"
    cp "$RQ_BUSYBOX" "$r/bin/busybox"
    chmod 755 "$r/bin/busybox"
    ln -s busybox "$r/bin/sh"
    mknod -m 600 "$r/dev/console" c 5 1
    mknod -m 666 "$r/dev/null" c 1 3
    install -m 755 "$RQ_DIR/guest-init.sh" "$r/init"
    install -m 755 "$2" "$r/guest-tests.sh"
    install -m 644 "$RQ_DIR/guest-lib.sh" "$r/guest-lib.sh"
    install -m 755 "$RQ_INSTALL/bin/rocker-master" "$RQ_INSTALL/bin/rocker" "$r/rocker/bin/"
    if [ -n "$RQ_MODDIR" ]; then
        cp "$RQ_MODDIR"/*.ko "$RQ_MODDIR/order" "$r/modules/"
    fi
    printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$r/etc/passwd"
    printf 'root:x:0:\napp:x:1000:\nnogroup:x:65534:\n' >"$r/etc/group"
}

rq_initramfs() {
    local w=$RQ_CACHE/work/$RQ_NAME${ROCKER_QEMU_TAG:+-$ROCKER_QEMU_TAG} r app c a
    rq_root_base "$w" "$RQ_DIR/$RQ_GUEST"
    r=$w/root
    [ "$RQ_INITRD" = small ] ||
        install -m 755 "$RQ_INSTALL/libexec/rocker-abi-tests" "$RQ_INSTALL/libexec/rocker-probe" "$r/rocker/libexec/"
    [ "$RQ_INITRD" != small ] || install -m 755 "$RQ_INSTALL/libexec/rocker-appmgr" "$r/rocker/bin/"
    # The App package: the guest arch's busybox, its applet links, app.sh.
    app=$w/app
    mkdir -p "$app/bin"
    cp "$RQ_BUSYBOX" "$app/bin/busybox"
    local applets="sh sleep id cat ls touch echo stat mkdir rm true false hostname tr nc ip readlink sed grep head" comps="xz gzip lz4"
    [ "$RQ_INITRD" = small ] && applets="sh sleep true cat" comps=xz
    for a in $applets; do ln -s busybox "$app/bin/$a"; done
    [ "$RQ_INITRD" = small ] ||
        install -m 755 "$RQ_INSTALL/libexec/rocker-probe" "$app/bin/probe" # tests/probe: the App's view
    install -m 755 "$RQ_DIR/guest-app.sh" "$app/app.sh"
    for c in $comps; do
        echo "$c" >"$app/comp"
        mksquashfs "$app" "$r/pkgs/app-$c.sqfs" -comp "$c" -noappend -all-root -quiet >/dev/null
    done
    # Rootfs mode (issue 13): a busybox tree of the guest's arch as the
    # sandbox's whole root (cached by scripts/busybox-rootfs.sh). Not in the
    # small initramfs (guest-init.sh then skips its stage-1 rootfs checks).
    if [ "$RQ_INITRD" = small ]; then
        touch "$r/etc/rocker-initrd-small"
    else
        local tree=$RQ_ROOT/.cache/rootfs/busybox-$RQ_TRIPLE.sqfs
        "$RQ_ROOT/scripts/busybox-rootfs.sh" "$RQ_TRIPLE" "$tree" >/dev/null || die "scripts/busybox-rootfs.sh $RQ_TRIPLE failed"
        cp "$tree" "$r/pkgs/rootfs.sqfs"
    fi
    (cd "$r" && find . | LC_ALL=C sort | cpio -o -H newc --owner=0:0 --quiet) | gzip -6 >"$w/initramfs.cpio.gz"
    say "initramfs: $(du -k "$w/initramfs.cpio.gz" | cut -f1) KB ($(ls -s "$r/pkgs" | tr '\n' ' '| sed 's/total [0-9]* //') KB packages)"
    rm -rf "$r" "$app" # only the cpio stays (cpio -t lists it)
}

rq_system() {
    local log=$RQ_WORK/console.log rc=0 panic=0 summary v
    rm -f "$log"
    local cmd=(timeout -k 5 "$RQ_TIMEOUT" "$RQ_QEMU_BIN" "${RQ_QEMU_L[@]}" "${RQ_MACHINE[@]}" -smp 1
        -nographic -no-reboot -nic none
        -kernel "$RQ_KERNEL" -initrd "$RQ_WORK/initramfs.cpio.gz"
        -append "console=$RQ_CONSOLE panic=-1 loglevel=6 rdinit=/init rocker.sandboxes=$RQ_SANDBOXES${RQ_APPEND:+ $RQ_APPEND}")
    say "$(printf '%q ' "${cmd[@]:4}")"
    "${cmd[@]}" </dev/null >"$log" 2>&1 &
    RQ_QPID=$!
    while kill -0 "$RQ_QPID" 2>/dev/null; do
        if grep -q 'Kernel panic' "$log" 2>/dev/null; then
            panic=1
            sleep 1
            kill "$RQ_QPID" 2>/dev/null || true
            break
        fi
        sleep 0.5
    done
    wait "$RQ_QPID" || rc=$?
    RQ_QPID=
    tr -d '\r' <"$log" >"$log.txt"
    v=$(grep -a -m1 -E '^(\[ *[0-9.]+\] )?Linux version ' "$log.txt" | sed 's/^\[[^]]*\] //' || true)
    # The guest's own lines (stage 1 on): everything but the kernel log.
    sed -n '/^rocker-guest: /,$p' "$log.txt" | grep -av '^\[ *[0-9]*\.[0-9]*\] ' || true
    summary=$(grep -aE '^[0-9]+ passed, [0-9]+ failed$' "$log.txt" | tail -n1 || true)
    if [ -n "$v" ]; then rq_ok "system: kernel booted: ${v%% (*}"; else rq_fail "system: kernel booted" "no 'Linux version' banner in $log"; fi
    if [ $panic = 1 ] || grep -aq 'Kernel panic' "$log.txt"; then
        rq_fail "system: no kernel panic" "$(grep -a -m1 'Kernel panic' "$log.txt" | sed 's/^\[[^]]*\] //')"
    fi
    [ "$rc" != 124 ] && [ "$rc" != 137 ] || rq_fail "system: QEMU finished within ${RQ_TIMEOUT}s" "timed out (exit $rc), killed"
    if [ -z "$summary" ]; then
        rq_fail "system: guest summary line" "none (QEMU exit $rc); console log: $log.txt"
        tail -n 20 "$log.txt" | sed 's/^/    | /'
        RQ_GUEST_PASS=0 RQ_GUEST_FAIL=1
    else
        RQ_GUEST_PASS=${summary%% *}
        RQ_GUEST_FAIL=$(awk '{print $3}' <<<"$summary")
        if [ "$RQ_GUEST_FAIL" = 0 ]; then
            rq_ok "system: guest checks ($summary)"
        else
            rq_fail "system: guest checks" "$summary"
        fi
        if ! grep -aq 'reboot: Power down' "$log.txt" && [ "$rc" != 0 ]; then
            rq_fail "system: guest powered off" "QEMU exit $rc"
        fi
    fi
}

rq_main() {
    [ "$(id -u)" = 0 ] || die "run as root (apt-get for missing packages, mknod for the initramfs)"
    trap rq_on_exit EXIT
    say "rocker on $RQ_NAME ($RQ_TRIPLE): build, qemu-user, then qemu-system with a real kernel"
    rq_stage build rq_build
    rq_stage fetch rq_fetch
    [ "$RQ_USER" = 0 ] || rq_stage user rq_user
    rq_stage initrd rq_initramfs
    rq_stage system rq_system
    RQ_DONE=1
    rq_timings
    [ "$(type -t rq_report)" != function ] || rq_report # the run script's own summary
    say "summary: host $RQ_PASS passed, $RQ_FAIL failed; guest ${RQ_GUEST_PASS:-0} passed, ${RQ_GUEST_FAIL:-?} failed"
    if [ "$RQ_FAIL" = 0 ]; then
        say "PASS: $RQ_NAME"
    else
        say "FAILED: $RQ_NAME (console log: $RQ_WORK/console.log.txt)"
        exit 1
    fi
}
