//! Print the expected layout table (see `rocker_proto::layout`); diffed
//! against `tests/layout/layout.c`'s output by `tests/layout/check.sh`.

use std::io::Write;

fn main() {
    let mut out = Vec::new();
    rocker_proto::layout::for_each_line(|line| {
        out.extend_from_slice(line);
        out.push(b'\n');
    });
    std::io::stdout().write_all(&out).expect("stdout");
}
