# qemu/guest-lib.sh -- helpers both stage-2 scripts (guest-tests.sh,
# guest-router.sh) source from /guest-lib.sh in the guest (busybox ash).
# They read /proc and /sys with the `read` builtin: a fork costs ~10 ms
# under TCG.
oneline() { printf '%s' "$1" | tr '\n' '|' | cut -c1-300; }
uptime_s() { read -r u_ _ </proc/uptime; echo "$u_"; }
SECTION_T0=$(uptime_s)
section() {
    t=$(uptime_s)
    echo "# --- $1 (t=${t}s, previous section $(awk "BEGIN{printf \"%.1f\", $t - $SECTION_T0}")s)"
    SECTION_T0=$t
}
# wait_until TENTHS CMD...: poll CMD every 0.1 s
wait_until() {
    wu_n=$1
    shift
    while ! "$@"; do
        wu_n=$((wu_n - 1))
        [ "$wu_n" -gt 0 ] || return 1
        sleep 0.1
    done
}
rd() { RD=; read -r RD <"$1"; } 2>/dev/null
# A process is dead once it is gone or a zombie.
alive() {
    st_=
    while read -r k_ v_ r_; do [ "$k_" = State: ] && { st_=$v_; break; }; done 2>/dev/null <"/proc/$1/status"
    [ -n "$st_" ] && [ "$st_" != Z ] && [ "$st_" != X ]
}
gone() { [ ! -d "/proc/$1" ]; }
ppid_of() { # PID -> $PPID_ (empty if gone)
    PPID_=
    rd "/proc/$1/stat" || return 0
    s_=${RD##*) }
    PPID_=${s_#* }
    PPID_=${PPID_%% *}
}
