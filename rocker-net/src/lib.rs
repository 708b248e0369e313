//! rtnetlink for sandbox networks (issue 10, network `none` and `bridge`):
//! bridges, veth pairs with one end created in a sandbox's namespace, IPv4
//! addresses and default routes, with no `ip` binary.
//!
//! - [`Builder`]: a request in a fixed buffer, every append bounds checked;
//!   [`req`]: one pure encoder per request (tested byte for byte against
//!   iproute2's messages);
//! - [`Msgs`], [`Attrs`], [`status`]: a panic-free reader of kernel replies;
//! - [`Netlink`]: the socket and the operations, each one request and its
//!   ACK (`NLM_F_ACK`, sequence numbers checked, replies only from the
//!   kernel). A `Netlink` acts on the namespace it was opened in, so the
//!   caller decides where: open it in a sandbox's namespace (after
//!   `setns(net)`, or from the guard) to set `lo` up, add the address and
//!   the default route there;
//! - [`next_free_v4`]: the master's address allocator.
//!
//! `no_std`, no allocator, no `core::fmt`; requests are built in a 128-byte
//! buffer inside [`Netlink`] and replies read into an 8 KiB stack buffer.
#![cfg_attr(not(test), no_std)]
#![deny(unsafe_code)]
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

mod ipv4;
mod msg;
mod ops;
pub mod req;

#[cfg(test)]
mod tests;

pub use ipv4::{next_free_v4, Addr4};
pub use msg::{align, status, u16_at, u32_at, Attrs, Builder, Msg, Msgs, TX};
pub use ops::{parse_addr_v4, Netlink, LOOPBACK_INDEX};
pub use req::Link;
