//! `rocker-master`: the daemon binary. Everything but argument parsing lives
//! in the library (and in rocker-guard, which runs in the cloned guard).
#![no_std]
#![no_main]
#![deny(unsafe_code)]

mod entry;

use rocker_master::{log::Log, Master, DEFAULT_SOCKET};
use syscalls::{rt::Args, write, Errno};

const HELP: &[u8] = b"usage: rocker-master [--socket PATH]

rocker's daemon: runs apps from squashfs packages in sandboxes (new mount,
PID and user namespaces, an overlay per top-level dir, the package mounted
read-only at the exec dir). It serves the fixed-layout requests of rocker.h
on a SOCK_SEQPACKET unix socket, in the foreground, until SIGTERM.

  --socket PATH   listen on PATH (default /var/run/rocker.sock)
  --help          this text
  --version       the version and the wire protocol version

Logs one line per event to stderr and syslog. Must run as root.
";

fn out(fd: i32, s: &[u8]) {
    let _ = write(fd, s);
}

fn fail(what: &[u8], e: Errno) -> i32 {
    let mut b = [0u8; 24];
    let n = e.write_to(&mut b);
    out(2, b"rocker-master: ");
    out(2, what);
    out(2, b": ");
    out(2, b.get(..n).unwrap_or(&[]));
    out(2, b"\n");
    1
}

pub fn main(args: Args) -> i32 {
    let mut socket = DEFAULT_SOCKET;
    let mut i = 1;
    while let Some(a) = args.get(i) {
        match a {
            b"--help" | b"-h" => {
                out(1, HELP);
                return 0;
            }
            b"--version" | b"-V" => {
                out(1, concat!("rocker-master ", env!("CARGO_PKG_VERSION"), " (protocol 1)\n").as_bytes());
                return 0;
            }
            b"--socket" => match args.get(i + 1) {
                Some(p) => {
                    socket = p;
                    i += 1;
                }
                None => return fail(b"--socket needs a PATH", Errno::EINVAL),
            },
            _ => {
                out(2, b"rocker-master: unknown argument (see --help)\n");
                return 2;
            }
        }
        i += 1;
    }
    match Master::new(socket, Log::new()) {
        Ok(mut m) => m.serve(),
        Err(e) => fail(b"cannot listen", e),
    }
}
