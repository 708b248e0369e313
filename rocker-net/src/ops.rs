//! [`Netlink`]: a NETLINK_ROUTE socket and the operations rocker needs,
//! each one request answered by the kernel with an ACK (or, for the address
//! list, a dump ending in `NLMSG_DONE`).
use crate::ipv4::Addr4;
use crate::msg::{status, u32_at, Attrs, Builder, Msgs};
use crate::req::{self, Link};
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
    b: Builder,
}

impl Netlink {
    /// Opens a NETLINK_ROUTE socket in the current network namespace.
    pub fn open() -> Result<Netlink> {
        Ok(Netlink::from_fd(netlink_socket(NETLINK_ROUTE)?))
    }
    /// Wraps a bound NETLINK_ROUTE socket, e.g. one opened by a process
    /// inside a sandbox's namespace and passed over SCM_RIGHTS.
    pub fn from_fd(fd: OwnedFd) -> Netlink {
        Netlink { fd, seq: 0, b: Builder::new() }
    }
    pub fn fd(&self) -> Fd {
        self.fd.raw()
    }

    /// The request buffer, started with the next sequence number.
    fn req(&mut self) -> &mut Builder {
        self.seq = self.seq.wrapping_add(1);
        self.b.begin(self.seq);
        &mut self.b
    }

    /// Sends the request and reads the replies to it: datagrams not from
    /// the kernel and messages of another sequence number (left over from
    /// an earlier request) are skipped, every other message of a family
    /// type goes to `on`, and an `NLMSG_ERROR` (the ACK) or `NLMSG_DONE`
    /// (end of a dump) ends the exchange with its status. Dumps are always
    /// read to their end, so the socket is ready for the next one.
    fn exchange(&mut self, on: &mut dyn FnMut(u16, &[u8])) -> Result<()> {
        let (fd, seq) = (self.fd.raw(), self.seq);
        let req = self.b.finish()?;
        // A send to the kernel is processed synchronously: no EINTR, no partial datagram.
        if netlink_send(fd, req)? != req.len() {
            return Err(Errno::EIO);
        }
        let mut rx = [0u8; RX];
        loop {
            let (n, from) = retry(|| netlink_recv(fd, &mut rx))?;
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

    fn ack(&mut self) -> Result<()> {
        self.exchange(&mut |_, _| {})
    }

    /// The index of the link called `name` (`ENODEV` if there is none).
    pub fn link_index(&mut self, name: &[u8]) -> Result<u32> {
        req::get_link(self.req(), name);
        let mut index = None;
        self.exchange(&mut |ty, p| {
            if ty == nl::RTM_NEWLINK as u16 {
                index = u32_at(p, offset_of!(nl::ifinfomsg, ifi_index));
            }
        })?;
        index.ok_or(Errno::ENODEV)
    }

    /// Creates a bridge called `name` (down, no address).
    pub fn create_bridge(&mut self, name: &[u8]) -> Result<()> {
        req::new_link(self.req(), name, b"bridge");
        self.ack()
    }

    /// Creates a veth pair: `host` in this socket's namespace and `peer`
    /// directly in the namespace `peer_netns` (an fd of `/proc/PID/ns/net`),
    /// both down. Deleting either end, or the end of the peer's namespace,
    /// removes both.
    pub fn create_veth(&mut self, host: &[u8], peer: &[u8], peer_netns: Fd) -> Result<()> {
        self.create_veth_port(host, peer, peer_netns, 0)
    }

    /// [`Netlink::create_veth`] with the host end created as a port of
    /// bridge `bridge` and up, in the same request (0: neither). Replaces
    /// `create_veth`, `link_index`, `set_master` and `set_up` of the host end.
    pub fn create_veth_port(&mut self, host: &[u8], peer: &[u8], peer_netns: Fd, bridge: u32) -> Result<()> {
        req::new_veth(self.req(), host, peer, peer_netns, bridge);
        self.ack()
    }

    fn set_flags(&mut self, index: u32, flags: u32) -> Result<()> {
        req::set_flags(self.req(), index, flags, net::net_device_flags::IFF_UP as u32);
        self.ack()
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
        req::set_master(self.req(), index, bridge);
        self.ack()
    }

    /// Renames link `index` to `name`. Kernels before 6.9 refuse while the
    /// link is up (`EBUSY`): rename before `set_up`.
    pub fn set_link_name(&mut self, index: u32, name: &[u8]) -> Result<()> {
        req::set_name(self.req(), index, name);
        self.ack()
    }

    /// Deletes a link (for a veth, both ends).
    pub fn delete_link(&mut self, link: Link) -> Result<()> {
        req::del_link(self.req(), link);
        self.ack()
    }

    /// Adds `addr/prefix` to link `index`, with the subnet's broadcast
    /// address below /31 (`EEXIST` if the link has it already).
    pub fn add_addr_v4(&mut self, index: u32, addr: [u8; 4], prefix: u8) -> Result<()> {
        req::new_addr_v4(self.req(), index, addr, prefix);
        self.ack()
    }

    /// Adds the IPv4 default route via `gw` out of link `oif` (`gw` must be
    /// reachable on `oif`: add the address first, and set the link up).
    pub fn add_default_route_v4(&mut self, gw: [u8; 4], oif: u32) -> Result<()> {
        req::new_default_route_v4(self.req(), gw, oif);
        self.ack()
    }

    /// The sandbox side of a `bridge` network, on a socket opened in the
    /// sandbox's namespace: `lo` up, `addr/prefix` on link `dev`, `dev` up,
    /// and the default route via `gw` (the bridge's address).
    pub fn setup_sandbox_v4(&mut self, dev: &[u8], addr: [u8; 4], prefix: u8, gw: [u8; 4]) -> Result<()> {
        self.lo_up()?;
        let i = self.link_index(dev)?;
        self.add_addr_v4(i, addr, prefix)?;
        self.set_up(i)?;
        self.add_default_route_v4(gw, i)
    }

    /// The IPv4 addresses (`IFA_LOCAL`) of link `index`, in the kernel's order, stored into `out`. Returns how
    /// many; `ENOBUFS` if the link has more than `out` holds (the dump is
    /// still read to its end).
    pub fn addrs_v4(&mut self, index: u32, out: &mut [Addr4]) -> Result<usize> {
        req::get_addrs_v4(self.req(), index);
        let (mut n, mut more) = (0usize, false);
        self.exchange(&mut |ty, p| {
            let Some(a) = parse_addr_v4(p, index).filter(|_| ty == nl::RTM_NEWADDR as u16) else { return };
            match out.get_mut(n) {
                Some(slot) => {
                    *slot = a;
                    n = n.saturating_add(1);
                }
                None => more = true,
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
    // IFA_LOCAL is the address itself (IFA_ADDRESS is the peer's on a
    // point-to-point link); the kernel sends it for every IPv4 address but 0.0.0.0.
    let addr = Attrs(p.get(size_of::<nl::ifaddrmsg>()..)?).find(|a| a.0 == nl::IFA_LOCAL as u16)?.1;
    Some(Addr4 { addr: addr.try_into().ok()?, prefix })
}
