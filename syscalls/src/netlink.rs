//! Raw netlink sockets: `socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, proto)`,
//! `bind` to a kernel-assigned port, `sendto`/`recvfrom` with a
//! `sockaddr_nl`. Messages are built and read by `rocker-net`; this file only
//! moves bytes.
//!
//! A netlink socket belongs to the network namespace it was created in for
//! its whole life: open it after `setns(net)` to configure that namespace,
//! even if the caller goes back to its own namespace afterwards.
use crate::arch::{syscall3, syscall6};
use crate::conv::{by_mut, by_ref, fd, ret_usize, slice, slice_mut};
use crate::{nr, Errno, Fd, OwnedFd, Result};
use core::mem::size_of;
use linux_raw_sys::net;
use linux_raw_sys::netlink as nl;

pub use nl::NETLINK_ROUTE;

/// `sockaddr_nl` of the kernel (port 0, no multicast groups); with
/// `nl_pid = 0` in `bind`, it asks the kernel to pick our port.
fn kernel() -> nl::sockaddr_nl {
    nl::sockaddr_nl { nl_family: net::AF_NETLINK as _, nl_pad: 0, nl_pid: 0, nl_groups: 0 }
}

/// A netlink socket of `proto` (e.g. [`NETLINK_ROUTE`]), close-on-exec,
/// bound to a port the kernel assigns, subscribed to no multicast group.
pub fn netlink_socket(proto: u32) -> Result<OwnedFd> {
    let s = crate::socket(net::AF_NETLINK, net::SOCK_RAW | crate::SOCK_CLOEXEC, proto)?;
    let a = kernel();
    // SAFETY: a is a sockaddr_nl of the size passed.
    let r = unsafe { syscall3(nr::bind, fd(s.raw()), by_ref(&a), size_of::<nl::sockaddr_nl>()) };
    Errno::from_ret(r)?;
    Ok(s)
}

/// Sends one datagram (one or more netlink messages) to the kernel.
pub fn netlink_send(s: Fd, msg: &[u8]) -> Result<usize> {
    let a = kernel();
    let (p, l) = slice(msg);
    // SAFETY: msg is readable for l bytes; a is a sockaddr_nl of the size passed.
    ret_usize(unsafe { syscall6(nr::sendto, fd(s), p, l, 0, by_ref(&a), size_of::<nl::sockaddr_nl>()) })
}

/// Receives one datagram into `buf` (with `MSG_TRUNC`). Returns the
/// datagram's full length, which is larger than `buf.len()` if it was
/// truncated, and the sender's port: 0 is the kernel, `u32::MAX` stands
/// for a sender address that is not a `sockaddr_nl`.
pub fn netlink_recv(s: Fd, buf: &mut [u8]) -> Result<(usize, u32)> {
    let mut from = kernel();
    from.nl_pid = u32::MAX;
    let mut len = size_of::<nl::sockaddr_nl>() as u32;
    let (p, l) = slice_mut(buf);
    // SAFETY: buf is writable for l bytes; from and len are a writable
    // sockaddr_nl and its size (socklen_t is 32-bit everywhere).
    let n = ret_usize(unsafe { syscall6(nr::recvfrom, fd(s), p, l, net::MSG_TRUNC as usize, by_mut(&mut from), by_mut(&mut len)) })?;
    let ok = len as usize == size_of::<nl::sockaddr_nl>() && from.nl_family == net::AF_NETLINK as _;
    Ok((n, if ok { from.nl_pid } else { u32::MAX }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No root needed: RTM_GETLINK of ifindex 1 (`lo` in every namespace)
    /// comes back from port 0 as an RTM_NEWLINK for index 1.
    #[test]
    fn route_socket_round_trip() {
        let fd = netlink_socket(NETLINK_ROUTE).unwrap();
        let mut req = [0u8; 32];
        req[0..4].copy_from_slice(&32u32.to_ne_bytes());
        req[4..6].copy_from_slice(&(nl::RTM_GETLINK as u16).to_ne_bytes());
        req[6..8].copy_from_slice(&(nl::NLM_F_REQUEST as u16).to_ne_bytes());
        req[8..12].copy_from_slice(&7u32.to_ne_bytes());
        req[20..24].copy_from_slice(&1i32.to_ne_bytes());
        assert_eq!(netlink_send(fd.raw(), &req).unwrap(), 32);
        let mut small = [0u8; 16];
        let (n, from) = netlink_recv(fd.raw(), &mut small).unwrap();
        assert!(n > 16, "MSG_TRUNC reports the full length");
        assert_eq!(from, 0);
        assert_eq!(u16::from_ne_bytes([small[4], small[5]]), nl::RTM_NEWLINK as u16);
        assert_eq!(u32::from_ne_bytes([small[8], small[9], small[10], small[11]]), 7);
    }
}
