//! Regenerates the numbers section of `rocker-client-c/include/rocker.h`
//! from `rocker-proto/src/codes.rs` (in place). A unit test fails when the
//! committed header differs from what this writes.
//!
//!     cargo +nightly run -q -p rocker-proto --example gen-header

/// `cgen.rs` names its tables `crate::codes::*`.
mod codes {
    pub use rocker_proto::codes::*;
}

#[path = "../src/cgen.rs"]
#[allow(dead_code)]
mod cgen;

fn main() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../rocker-client-c/include/rocker.h");
    let old = std::fs::read_to_string(path).expect("read rocker.h");
    let new = cgen::splice(&old).expect("rocker.h has no generated block markers");
    if new != old {
        std::fs::write(path, new).expect("write rocker.h");
        println!("rocker.h: generated block updated");
    } else {
        println!("rocker.h: up to date");
    }
}
