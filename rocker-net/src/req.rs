//! Request encoders: one pure function per request, each writing the whole
//! message into `buf` (at least [`TX`] bytes always suffice) and returning
//! it. [`crate::Netlink`] sends them; the unit tests compare them
//! byte for byte with what iproute2 sends. Interface names are checked
//! here ([`name`]) so a NUL can never make the kernel act on a shorter name.
use crate::msg::{Builder, HDR};
use core::mem::{offset_of, size_of};
use syscalls::sys::net;
use syscalls::sys::netlink as nl;
use syscalls::{Errno, Fd, Result};

/// A request buffer of this size holds every request of this module.
pub const TX: usize = 128;

/// `VETH_INFO_PEER` from `linux/veth.h` (not in linux-raw-sys 0.12).
const VETH_INFO_PEER: u16 = 1;

const IFI: usize = size_of::<nl::ifinfomsg>();
const IFA: usize = size_of::<nl::ifaddrmsg>();
const RTM: usize = size_of::<nl::rtmsg>();

const ACK: u16 = nl::NLM_F_ACK as u16;
const NEW: u16 = (nl::NLM_F_ACK | nl::NLM_F_CREATE | nl::NLM_F_EXCL) as u16;

/// A link by index or by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link<'a> {
    Index(u32),
    Name(&'a [u8]),
}

/// `name` if it can be an interface name on the wire: 1 to 15 bytes
/// (`IFNAMSIZ` - 1), no NUL. The kernel checks the rest (`/`, `:`,
/// whitespace, `.`, `..`).
pub fn name(n: &[u8]) -> Result<&[u8]> {
    if n.is_empty() || n.len() >= net::IFNAMSIZ as usize || n.contains(&0) {
        return Err(Errno::EINVAL);
    }
    Ok(n)
}

/// An `RTM_*LINK` message with its `ifinfomsg` (family `AF_UNSPEC`).
fn link_msg(buf: &mut [u8], ty: u32, flags: u16, seq: u32, index: u32) -> Builder<'_> {
    let mut b = Builder::new(buf, ty as u16, flags, seq);
    let h = b.zeroed(IFI);
    b.set_u32(h.saturating_add(offset_of!(nl::ifinfomsg, ifi_index)), index);
    b
}

/// `RTM_GETLINK` of the link called `n`.
pub fn get_link<'a>(buf: &'a mut [u8], seq: u32, n: &[u8]) -> Result<&'a [u8]> {
    let mut b = link_msg(buf, nl::RTM_GETLINK as u32, ACK, seq, 0);
    b.attr_str(nl::IFLA_IFNAME as u16, name(n)?);
    b.finish()
}

/// `RTM_NEWLINK` creating a link `n` of `kind` ("bridge").
pub fn new_link<'a>(buf: &'a mut [u8], seq: u32, n: &[u8], kind: &[u8]) -> Result<&'a [u8]> {
    let mut b = link_msg(buf, nl::RTM_NEWLINK as u32, NEW, seq, 0);
    b.attr_str(nl::IFLA_IFNAME as u16, name(n)?);
    let info = b.nest(nl::IFLA_LINKINFO as u16);
    b.attr(nl::IFLA_INFO_KIND as u16, kind);
    b.end(info);
    b.finish()
}

/// `RTM_NEWLINK` of a veth pair: `host` here, `peer` created directly in
/// the network namespace `peer_netns` (an fd of `/proc/PID/ns/net`).
pub fn new_veth<'a>(buf: &'a mut [u8], seq: u32, host: &[u8], peer: &[u8], peer_netns: Fd) -> Result<&'a [u8]> {
    let peer = name(peer)?;
    let mut b = link_msg(buf, nl::RTM_NEWLINK as u32, NEW, seq, 0);
    b.attr_str(nl::IFLA_IFNAME as u16, name(host)?);
    let info = b.nest(nl::IFLA_LINKINFO as u16);
    b.attr(nl::IFLA_INFO_KIND as u16, b"veth");
    let data = b.nest(nl::IFLA_INFO_DATA as u16);
    let p = b.nest(VETH_INFO_PEER);
    b.zeroed(IFI);
    b.attr_u32(nl::IFLA_NET_NS_FD as u16, peer_netns as u32);
    b.attr_str(nl::IFLA_IFNAME as u16, peer);
    b.end(p);
    b.end(data);
    b.end(info);
    b.finish()
}

/// `RTM_NEWLINK` setting `ifi_flags` to `flags` for the bits in `change`.
pub fn set_flags(buf: &mut [u8], seq: u32, index: u32, flags: u32, change: u32) -> Result<&[u8]> {
    let mut b = link_msg(buf, nl::RTM_NEWLINK as u32, ACK, seq, index);
    b.set_u32(HDR.saturating_add(offset_of!(nl::ifinfomsg, ifi_flags)), flags);
    b.set_u32(HDR.saturating_add(offset_of!(nl::ifinfomsg, ifi_change)), change);
    b.finish()
}

/// `RTM_NEWLINK` with `IFLA_MASTER`: enslaves `index` to `master` (0 frees it).
pub fn set_master(buf: &mut [u8], seq: u32, index: u32, master: u32) -> Result<&[u8]> {
    let mut b = link_msg(buf, nl::RTM_NEWLINK as u32, ACK, seq, index);
    b.attr_u32(nl::IFLA_MASTER as u16, master);
    b.finish()
}

/// `RTM_NEWLINK` renaming `index` to `n` (the link must be down).
pub fn set_name<'a>(buf: &'a mut [u8], seq: u32, index: u32, n: &[u8]) -> Result<&'a [u8]> {
    let mut b = link_msg(buf, nl::RTM_NEWLINK as u32, ACK, seq, index);
    b.attr_str(nl::IFLA_IFNAME as u16, name(n)?);
    b.finish()
}

/// `RTM_DELLINK` of a link by index or name.
pub fn del_link<'a>(buf: &'a mut [u8], seq: u32, link: Link) -> Result<&'a [u8]> {
    let (index, n) = match link {
        Link::Index(i) => (i, None),
        Link::Name(n) => (0, Some(name(n)?)),
    };
    let mut b = link_msg(buf, nl::RTM_DELLINK as u32, ACK, seq, index);
    if let Some(n) = n {
        b.attr_str(nl::IFLA_IFNAME as u16, n);
    }
    b.finish()
}

/// The broadcast address of `addr/prefix` (`addr` itself for /31 and /32).
pub fn broadcast_v4(addr: [u8; 4], prefix: u8) -> [u8; 4] {
    let a = u32::from_be_bytes(addr);
    if prefix >= 31 {
        return addr;
    }
    (a | u32::MAX.checked_shr(prefix as u32).unwrap_or(0)).to_be_bytes()
}

/// `RTM_NEWADDR` of `addr/prefix` on `index`: `IFA_LOCAL`, `IFA_ADDRESS`
/// and, below /31, `IFA_BROADCAST` (as `ip addr add A/N brd + dev X`).
pub fn new_addr_v4(buf: &mut [u8], seq: u32, index: u32, addr: [u8; 4], prefix: u8) -> Result<&[u8]> {
    if prefix > 32 {
        return Err(Errno::EINVAL);
    }
    let mut b = Builder::new(buf, nl::RTM_NEWADDR as u16, NEW, seq);
    let h = b.zeroed(IFA);
    b.set_u8(h.saturating_add(offset_of!(nl::ifaddrmsg, ifa_family)), net::AF_INET as u8);
    b.set_u8(h.saturating_add(offset_of!(nl::ifaddrmsg, ifa_prefixlen)), prefix);
    b.set_u32(h.saturating_add(offset_of!(nl::ifaddrmsg, ifa_index)), index);
    b.attr(nl::IFA_LOCAL as u16, &addr);
    b.attr(nl::IFA_ADDRESS as u16, &addr);
    if prefix < 31 {
        b.attr(nl::IFA_BROADCAST as u16, &broadcast_v4(addr, prefix));
    }
    b.finish()
}

/// `RTM_NEWROUTE` of the IPv4 default route via `gw` out of `oif` (main
/// table, protocol boot, scope universe, unicast: as `ip route add default
/// via G dev X`).
pub fn new_default_route_v4(buf: &mut [u8], seq: u32, gw: [u8; 4], oif: u32) -> Result<&[u8]> {
    let mut b = Builder::new(buf, nl::RTM_NEWROUTE as u16, NEW, seq);
    let h = b.zeroed(RTM);
    b.set_u8(h.saturating_add(offset_of!(nl::rtmsg, rtm_family)), net::AF_INET as u8);
    b.set_u8(h.saturating_add(offset_of!(nl::rtmsg, rtm_table)), nl::rt_class_t::RT_TABLE_MAIN as u8);
    b.set_u8(h.saturating_add(offset_of!(nl::rtmsg, rtm_protocol)), nl::RTPROT_BOOT as u8);
    b.set_u8(h.saturating_add(offset_of!(nl::rtmsg, rtm_scope)), nl::rt_scope_t::RT_SCOPE_UNIVERSE as u8);
    b.set_u8(h.saturating_add(offset_of!(nl::rtmsg, rtm_type)), nl::RTN_UNICAST as u8);
    b.attr(nl::rtattr_type_t::RTA_GATEWAY as u16, &gw);
    b.attr_u32(nl::rtattr_type_t::RTA_OIF as u16, oif);
    b.finish()
}

/// `RTM_GETADDR` dump of the IPv4 addresses (the kernel dumps every link's
/// unless the socket asked for strict checking; the reader filters).
pub fn get_addrs_v4(buf: &mut [u8], seq: u32, index: u32) -> Result<&[u8]> {
    let mut b = Builder::new(buf, nl::RTM_GETADDR as u16, nl::NLM_F_DUMP as u16, seq);
    let h = b.zeroed(IFA);
    b.set_u8(h.saturating_add(offset_of!(nl::ifaddrmsg, ifa_family)), net::AF_INET as u8);
    b.set_u32(h.saturating_add(offset_of!(nl::ifaddrmsg, ifa_index)), index);
    b.finish()
}
