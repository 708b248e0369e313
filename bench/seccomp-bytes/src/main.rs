//! Writes rocker's default seccomp filter for the host's arch, in the
//! kernel's `struct sock_filter` layout, to stdout: the very program the
//! master puts in an App's recipe, so that bench/floor.c and bwrap's
//! `--seccomp FD` install the same filter as rocker.
use std::io::Write;

fn main() {
    std::io::stdout().write_all(&rocker_seccomp::DEFAULT_FILTER_BYTES).expect("stdout");
}
