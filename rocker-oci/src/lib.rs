//! The OCI runtime-spec side of rocker's runtime: `config.json` in, `state`,
//! `spec` and `features` JSON out, with no allocator.
//!
//! - [`json`]: a pull parser over `&[u8]` ([`Parser`], [`Token`], [`Str`]),
//!   with sticky errors and a JSON path of where it is ([`Parser::path`]);
//! - [`OciConfig`]: a whole `config.json` in fixed-capacity fields that
//!   borrow from the input (capacities are the `MAX_*` constants; an
//!   `OciConfig` is 14.5 KiB on 32-bit targets); errors carry a kind and the
//!   JSON path of the field ([`Error`]); [`UNSUPPORTED_FIELDS`] lists what is
//!   refused as [`ErrorKind::Unsupported`];
//! - [`Writer`]: a JSON writer into a caller's buffer, and the documents
//!   built with it: [`write_state`], [`write_default_config`],
//!   [`write_features`] (data-driven: [`Features`] masks over the tables);
//! - [`tables`]: OCI names to kernel numbers (capabilities, rlimits per
//!   architecture, namespaces, mount options, seccomp names).
//!
//! Design rules (as `rocker-proto`): `no_std`, no dependencies, no
//! `core::fmt` outside tests, no `unsafe`, and no panics on any input: no
//! indexing, `unwrap` or unchecked arithmetic on input-controlled values
//! (the clippy lints below). Flash is the budget (the OCI runtime must fit
//! 64 KiB on armv7): `probe/size.sh` measures what each part costs.

#![cfg_attr(not(test), no_std)]
#![deny(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented,
        clippy::arithmetic_side_effects,
    )
)]

mod config;
mod error;
pub mod json;
mod list;
mod out;
pub mod tables;
mod write;

#[cfg(test)]
mod tests;

pub use config::{
    parse_process, Capabilities, Device, IdMapping, KeyValue, Linux, Mount, Namespace, OciConfig,
    Process, Resources, Rlimit, Root, Seccomp, SeccompAction, SeccompArg, SeccompOp, SeccompRule,
    StrArray, StrArrayIter, User, MAX_ANNOTATIONS, MAX_ARGS, MAX_DEVICES, MAX_ENV, MAX_GIDS,
    MAX_ID_MAPPINGS, MAX_MASKED_PATHS, MAX_MOUNTS, MAX_MOUNT_DATA, MAX_NAMESPACES,
    MAX_READONLY_PATHS, MAX_RLIMITS, MAX_SECCOMP_ARGS, MAX_SECCOMP_RULES, MAX_SYSCTL,
    UNSUPPORTED_FIELDS,
};
pub use error::{Error, ERROR_PATH_LEN};
pub use json::{ErrorKind, JsonError, Parser, Str, Token};
pub use list::List;
pub use out::{
    mask, reformat, write_default_config, write_features, write_state, Features, State, Status,
    DEFAULT_CONFIG, FEATURES, OCI_VERSION, OCI_VERSION_MIN,
};
pub use write::{dec, Writer};
