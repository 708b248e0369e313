//! [`Netlink`]: a NETLINK_ROUTE socket and the operations rocker needs,
//! each one request answered by the kernel with an ACK (or, for the address
//! list, a dump ending in `NLMSG_DONE`).
use crate::ipv4::Addr4;
use crate::msg::{status, u32_at, Attrs, Msgs};
use crate::req::{self, Link, TX};
use core::mem::{offset_of, size_of};
use syscalls::sys::net;
use syscalls::sys::netlink as nl;
use syscalls::{netlink_recv, netlink_send, netlink_socket, retry, Errno, Fd, OwnedFd, Result, NETLINK_ROUTE};

/// Receive buffer: a dump datagram is at most `min(PAGE_SIZE, 8 KiB)` of
/// messages unless the reader offers more, and a single link's RTM_NEWLINK
/// is about 1.5 KiB. A datagram that does not fit fails with `EMSGSIZE`.
const RX: usize = 8192;

/// The loopback device's index in every network namespace
/// (`LOOPBACK_IFINDEX` in the kernel's `net/net_namespace.h`).
pub const LOOPBACK_INDEX: u32 = 1;

/// A NETLINK_ROUTE socket. It acts on the network namespace it was opened
/// in, wherever the caller is later: to configure a sandbox's namespace,
/// open it after `setns(net)` (then `setns` back if needed).
pub struct Netlink {
    fd: OwnedFd,
    seq: u32,
}

impl Netlink {
    /// Opens a NETLINK_ROUTE socket in the current network namespace.
    pub fn open() -> Result<Netlink> {
        Ok(Netlink::from_fd(netlink_socket(NETLINK_ROUTE)?))
    }
    /// Wraps a bound NETLINK_ROUTE socket, e.g. one opened by a process
    /// inside a sandbox's namespace and passed over SCM_RIGHTS.
    pub fn from_fd(fd: OwnedFd) -> Netlink {
        Netlink { fd, seq: 0 }
    }
    pub fn fd(&self) -> Fd {
        self.fd.raw()
    }

    fn next_seq(&mut self) -> u32 {
        self.seq = self.seq.wrapping_add(1);
        self.seq
    }

    /// Sends `req` and reads the replies to it: datagrams not from the
    /// kernel and messages of another sequence number (left over from an
    /// earlier request) are skipped, every other message of a family type
    /// goes to `on`, and an `NLMSG_ERROR` (the ACK) or `NLMSG_DONE` (end of
    /// a dump) ends the exchange with its status. Dumps are always read to
    /// their end, so the socket is ready for the next one.
    fn exchange(&mut self, req: Result<&[u8]>, on: &mut dyn FnMut(u16, &[u8])) -> Result<()> {
        let req = req?;
        let seq = u32_at(req, offset_of!(nl::nlmsghdr, nlmsg_seq)).ok_or(Errno::EINVAL)?;
        if retry(|| netlink_send(self.fd.raw(), req))? != req.len() {
            return Err(Errno::EIO);
        }
        let mut rx = [0u8; RX];
        loop {
            let (n, from) = retry(|| netlink_recv(self.fd.raw(), &mut rx))?;
            if from != 0 {
                continue;
            }
            for m in Msgs(rx.get(..n).ok_or(Errno::EMSGSIZE)?) {
                let m = m?;
                if m.seq != seq {
                    continue;
                }
                match m.ty as u32 {
                    nl::NLMSG_ERROR | nl::NLMSG_DONE => return status(m.payload),
                    t if t >= nl::NLMSG_MIN_TYPE => on(m.ty, m.payload),
                    _ => {}
                }
            }
        }
    }

    fn ack(&mut self, req: Result<&[u8]>) -> Result<()> {
        self.exchange(req, &mut |_, _| {})
    }

    /// The index of the link called `name` (`ENODEV` if there is none).
    pub fn link_index(&mut self, name: &[u8]) -> Result<u32> {
        let (mut b, seq) = ([0u8; TX], self.next_seq());
        let mut index = None;
        self.exchange(req::get_link(&mut b, seq, name), &mut |ty, p| {
            if ty == nl::RTM_NEWLINK as u16 {
                index = u32_at(p, offset_of!(nl::ifinfomsg, ifi_index));
            }
        })?;
        index.ok_or(Errno::ENODEV)
    }

    /// Creates a bridge called `name` (down, no address).
    pub fn create_bridge(&mut self, name: &[u8]) -> Result<()> {
        let (mut b, seq) = ([0u8; TX], self.next_seq());
        self.ack(req::new_link(&mut b, seq, name, b"bridge"))
    }

    /// Creates a veth pair: `host` in this socket's namespace and `peer`
    /// directly in the namespace `peer_netns` (an fd of `/proc/PID/ns/net`),
    /// both down. Deleting either end, or the end of the peer's namespace,
    /// removes both.
    pub fn create_veth(&mut self, host: &[u8], peer: &[u8], peer_netns: Fd) -> Result<()> {
        let (mut b, seq) = ([0u8; TX], self.next_seq());
        self.ack(req::new_veth(&mut b, seq, host, peer, peer_netns))
    }

    fn set_flags(&mut self, index: u32, flags: u32) -> Result<()> {
        let (mut b, seq) = ([0u8; TX], self.next_seq());
        self.ack(req::set_flags(&mut b, seq, index, flags, net::net_device_flags::IFF_UP as u32))
    }
    /// Sets link `index` up.
    pub fn set_up(&mut self, index: u32) -> Result<()> {
        self.set_flags(index, net::net_device_flags::IFF_UP as u32)
    }
    /// Sets link `index` down.
    pub fn set_down(&mut self, index: u32) -> Result<()> {
        self.set_flags(index, 0)
    }
    /// Sets `lo` up (index [`LOOPBACK_INDEX`] in every namespace).
    pub fn lo_up(&mut self) -> Result<()> {
        self.set_up(LOOPBACK_INDEX)
    }

    /// Makes link `index` a port of bridge `bridge` (0 detaches it).
    pub fn set_master(&mut self, index: u32, bridge: u32) -> Result<()> {
        let (mut b, seq) = ([0u8; TX], self.next_seq());
        self.ack(req::set_master(&mut b, seq, index, bridge))
    }

    /// Renames link `index` to `name`; the link must be down (`EBUSY`).
    pub fn set_link_name(&mut self, index: u32, name: &[u8]) -> Result<()> {
        let (mut b, seq) = ([0u8; TX], self.next_seq());
        self.ack(req::set_name(&mut b, seq, index, name))
    }

    /// Deletes a link (for a veth, both ends).
    pub fn delete_link(&mut self, link: Link) -> Result<()> {
        let (mut b, seq) = ([0u8; TX], self.next_seq());
        self.ack(req::del_link(&mut b, seq, link))
    }

    /// Adds `addr/prefix` to link `index`, with the subnet's broadcast
    /// address below /31 (`EEXIST` if the link has it already).
    pub fn add_addr_v4(&mut self, index: u32, addr: [u8; 4], prefix: u8) -> Result<()> {
        let (mut b, seq) = ([0u8; TX], self.next_seq());
        self.ack(req::new_addr_v4(&mut b, seq, index, addr, prefix))
    }

    /// Adds the IPv4 default route via `gw` out of link `oif` (`gw` must be
    /// reachable on `oif`: add the address first, and set the link up).
    pub fn add_default_route_v4(&mut self, gw: [u8; 4], oif: u32) -> Result<()> {
        let (mut b, seq) = ([0u8; TX], self.next_seq());
        self.ack(req::new_default_route_v4(&mut b, seq, gw, oif))
    }

    /// The IPv4 addresses of link `index` (`IFA_LOCAL`, or `IFA_ADDRESS` if
    /// there is none), in the kernel's order, stored into `out`. Returns how
    /// many; `ENOBUFS` if the link has more than `out` holds (the dump is
    /// still read to its end).
    pub fn addrs_v4(&mut self, index: u32, out: &mut [Addr4]) -> Result<usize> {
        let (mut b, seq) = ([0u8; TX], self.next_seq());
        let (mut n, mut more) = (0usize, false);
        self.exchange(req::get_addrs_v4(&mut b, seq, index), &mut |ty, p| {
            if let Some(a) = (ty == nl::RTM_NEWADDR as u16).then(|| parse_addr_v4(p, index)).flatten() {
                match out.get_mut(n) {
                    Some(slot) => {
                        *slot = a;
                        n = n.saturating_add(1);
                    }
                    None => more = true,
                }
            }
        })?;
        if more {
            return Err(Errno::ENOBUFS);
        }
        Ok(n)
    }
}

/// The IPv4 address in an `RTM_NEWADDR` payload, if it is one of link `index`.
pub fn parse_addr_v4(p: &[u8], index: u32) -> Option<Addr4> {
    let family = *p.get(offset_of!(nl::ifaddrmsg, ifa_family))?;
    let prefix = *p.get(offset_of!(nl::ifaddrmsg, ifa_prefixlen))?;
    if family != net::AF_INET as u8 || u32_at(p, offset_of!(nl::ifaddrmsg, ifa_index))? != index || prefix > 32 {
        return None;
    }
    let (mut local, mut address) = (None, None);
    for (ty, d) in Attrs(p.get(size_of::<nl::ifaddrmsg>()..)?) {
        let v: Option<[u8; 4]> = d.try_into().ok();
        if ty == nl::IFA_LOCAL as u16 {
            local = v;
        } else if ty == nl::IFA_ADDRESS as u16 {
            address = v;
        }
    }
    Some(Addr4 { addr: local.or(address)?, prefix })
}
