//! rocker-runtime: rocker's OCI runtime, with runc's command line.
//!
//! `config.json` becomes the same [`rocker_spec::SandboxSpec`] a RUN
//! request does ([`translate`]); the container's own process, PID 1 of its
//! PID namespace, runs the guard's plan ([`rocker_guard::plan`]) and then
//! the App's recipe ([`rocker_spec::recipe`], executed by [`ops`]) before
//! it waits for `start` and execs the user's program. No daemon and no
//! monitor process: after `create` the container's process is the only
//! one left, a child of whoever is the subreaper (containerd's shim).
#![cfg_attr(not(test), no_std)]
#![deny(unsafe_code)]

pub mod cli;
pub mod exec;
pub mod init;
pub mod ops;
pub mod record;
pub mod run;
pub mod say;
pub mod seccomp;
pub mod sig;
pub mod store;
pub mod translate;

#[cfg(test)]
mod tests;
