//! Measures what rocker-oci costs in flash: reads a config.json on stdin
//! and, per feature, parses it (printing the error path), writes a state
//! JSON, the default config or the features document. Without features it
//! only echoes stdin: the baseline the others are compared to.
#![no_std]
#![no_main]
#![deny(unsafe_code)]

mod entry;

use syscalls::{read, rt::Args, write_all};

fn out(s: &[u8]) {
    let _ = write_all(1, s);
}

// Each feature uses a different part of what is read; the baseline uses
// none of the buffers.
#[allow(unused_mut, unused_variables)]
fn main(_args: Args) -> i32 {
    let mut input = [0u8; 64 * 1024];
    let mut n = 0usize;
    while let Some(rest) = input.get_mut(n..) {
        match read(0, rest) {
            Ok(0) | Err(_) => break,
            Ok(k) => n += k,
        }
    }
    let input = input.get(..n).unwrap_or(&[]);
    let mut buf = [0u8; 8192];
    let mut rc = 0;
    #[cfg(feature = "parse")]
    {
        match rocker_oci::OciConfig::parse(input) {
            Ok(c) => {
                core::hint::black_box(&c);
                #[cfg(feature = "state")]
                {
                    let s = rocker_oci::State {
                        id: b"probe",
                        status: rocker_oci::Status::Created,
                        pid: 1,
                        bundle: b"/b",
                        annotations: c.annotations.as_slice(),
                    };
                    out(rocker_oci::write_state(&s, &mut buf, false).unwrap_or(b"overflow"));
                }
                out(b"ok\n");
            }
            Err(e) => {
                out(e.message(&mut buf));
                out(b"\n");
                rc = 1;
            }
        }
    }
    #[cfg(feature = "spec")]
    out(rocker_oci::write_default_config(&mut buf).unwrap_or(b"overflow"));
    #[cfg(feature = "features")]
    out(rocker_oci::write_features(&rocker_oci::FEATURES, &mut buf).unwrap_or(b"overflow"));
    #[cfg(not(any(feature = "parse", feature = "spec", feature = "features")))]
    out(input);
    let _ = &mut buf;
    rc
}
