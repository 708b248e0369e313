//! Request encoders: one pure function per request, each completing a
//! [`Builder`] after `Builder::begin(seq)` (its [`crate::msg::TX`] bytes always
//! suffice). [`crate::Netlink`] sends them; the unit tests compare them
//! byte for byte with what iproute2 sends.
use crate::msg::Builder;
use core::mem::{offset_of, size_of};
use syscalls::sys::net;
use syscalls::sys::netlink as nl;
use syscalls::Fd;

/// `VETH_INFO_PEER` from `linux/veth.h` (not in linux-raw-sys 0.12).
const VETH_INFO_PEER: u32 = 1;

const IFI: usize = size_of::<nl::ifinfomsg>();
const IFA: usize = size_of::<nl::ifaddrmsg>();
const RTM: usize = size_of::<nl::rtmsg>();

const ACK: u32 = nl::NLM_F_ACK;
const NEW: u32 = nl::NLM_F_ACK | nl::NLM_F_CREATE | nl::NLM_F_EXCL;

/// A link by index or by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link<'a> {
    Index(u32),
    Name(&'a [u8]),
}

/// An `RTM_*LINK` message and its `ifinfomsg` (family `AF_UNSPEC`);
/// returns the `ifinfomsg`'s offset.
fn link(b: &mut Builder, ty: u32, flags: u32, index: u32) -> usize {
    b.start(ty, flags);
    let h = b.zeroed(IFI);
    b.set_u32(h.saturating_add(offset_of!(nl::ifinfomsg, ifi_index)), index);
    h
}

/// `ifi_flags` and `ifi_change` (adjacent) of the `ifinfomsg` at `h`.
fn flags_change(b: &mut Builder, h: usize, flags: u32, change: u32) {
    let (f, c) = (flags.to_ne_bytes(), change.to_ne_bytes());
    b.set(h.saturating_add(offset_of!(nl::ifinfomsg, ifi_flags)), &[f[0], f[1], f[2], f[3], c[0], c[1], c[2], c[3]]);
}

/// `RTM_GETLINK` of the link called `name`.
pub fn get_link(b: &mut Builder, name: &[u8]) {
    link(b, nl::RTM_GETLINK as u32, ACK, 0);
    b.name(name);
}

/// `RTM_NEWLINK` creating a link `name` of `kind` ("bridge").
pub fn new_link(b: &mut Builder, name: &[u8], kind: &[u8]) {
    link(b, nl::RTM_NEWLINK as u32, NEW, 0);
    b.name(name);
    let info = b.nest(nl::IFLA_LINKINFO as u32);
    b.attr(nl::IFLA_INFO_KIND as u32, kind);
    b.end(info);
}

/// `RTM_NEWLINK` of a veth pair: `host` here, `peer` created directly in
/// the network namespace `peer_netns` (an fd of `/proc/PID/ns/net`). With a
/// `bridge` index other than 0, the host end is created as a port of that
/// bridge and up (`IFLA_MASTER`, `IFF_UP`), as `ip link add H up master BR
/// type veth peer name P netns NS` does.
pub fn new_veth(b: &mut Builder, host: &[u8], peer: &[u8], peer_netns: Fd, bridge: u32) {
    let h = link(b, nl::RTM_NEWLINK as u32, NEW, 0);
    if bridge != 0 {
        let up = net::net_device_flags::IFF_UP as u32;
        flags_change(b, h, up, up);
        b.attr_u32(nl::IFLA_MASTER as u32, bridge);
    }
    b.name(host);
    let info = b.nest(nl::IFLA_LINKINFO as u32);
    b.attr(nl::IFLA_INFO_KIND as u32, b"veth");
    let data = b.nest(nl::IFLA_INFO_DATA as u32);
    let p = b.nest(VETH_INFO_PEER);
    b.zeroed(IFI);
    b.attr_u32(nl::IFLA_NET_NS_FD as u32, peer_netns as u32);
    b.name(peer);
    b.end(p);
    b.end(data);
    b.end(info);
}

/// `RTM_NEWLINK` setting `ifi_flags` to `flags` for the bits in `change`.
pub fn set_flags(b: &mut Builder, index: u32, flags: u32, change: u32) {
    let h = link(b, nl::RTM_NEWLINK as u32, ACK, index);
    flags_change(b, h, flags, change);
}

/// `RTM_NEWLINK` with `IFLA_MASTER`: enslaves `index` to `master` (0 frees it).
pub fn set_master(b: &mut Builder, index: u32, master: u32) {
    link(b, nl::RTM_NEWLINK as u32, ACK, index);
    b.attr_u32(nl::IFLA_MASTER as u32, master);
}

/// `RTM_NEWLINK` renaming `index` to `name`.
pub fn set_name(b: &mut Builder, index: u32, name: &[u8]) {
    link(b, nl::RTM_NEWLINK as u32, ACK, index);
    b.name(name);
}

/// `RTM_DELLINK` of a link by index or name.
pub fn del_link(b: &mut Builder, l: Link) {
    match l {
        Link::Index(i) => {
            link(b, nl::RTM_DELLINK as u32, ACK, i);
        }
        Link::Name(n) => {
            link(b, nl::RTM_DELLINK as u32, ACK, 0);
            b.name(n);
        }
    }
}

/// `AF_INET` and `prefix` in an `ifaddrmsg`/`rtmsg` (same first two bytes).
fn inet(b: &mut Builder, ty: u32, flags: u32, size: usize, prefix: u8) -> usize {
    b.start(ty, flags);
    let h = b.zeroed(size);
    b.set(h, &[net::AF_INET as u8, prefix]);
    h
}

/// `RTM_NEWADDR` of `addr/prefix` on `index`: `IFA_LOCAL`, `IFA_ADDRESS`
/// and, below /31, `IFA_BROADCAST` (as `ip addr add A/N brd + dev X`).
/// A prefix above 32 is sent as it is, and refused by the kernel.
pub fn new_addr_v4(b: &mut Builder, index: u32, addr: [u8; 4], prefix: u8) {
    let h = inet(b, nl::RTM_NEWADDR as u32, NEW, IFA, prefix);
    b.set_u32(h.saturating_add(offset_of!(nl::ifaddrmsg, ifa_index)), index);
    b.attr(nl::IFA_LOCAL as u32, &addr);
    b.attr(nl::IFA_ADDRESS as u32, &addr);
    if prefix < 31 {
        let host = u32::MAX.checked_shr(prefix as u32).unwrap_or(0);
        b.attr(nl::IFA_BROADCAST as u32, &(u32::from_be_bytes(addr) | host).to_be_bytes());
    }
}

/// `RTM_NEWROUTE` of the IPv4 default route via `gw` out of `oif` (main
/// table, protocol boot, scope universe, unicast: as `ip route add default
/// via G dev X`).
pub fn new_default_route_v4(b: &mut Builder, gw: [u8; 4], oif: u32) {
    let h = inet(b, nl::RTM_NEWROUTE as u32, NEW, RTM, 0);
    // rtm_table, rtm_protocol, rtm_scope, rtm_type: consecutive bytes.
    b.set(
        h.saturating_add(offset_of!(nl::rtmsg, rtm_table)),
        &[
            nl::rt_class_t::RT_TABLE_MAIN as u8,
            nl::RTPROT_BOOT as u8,
            nl::rt_scope_t::RT_SCOPE_UNIVERSE as u8,
            nl::RTN_UNICAST as u8,
        ],
    );
    b.attr(nl::rtattr_type_t::RTA_GATEWAY as u32, &gw);
    b.attr_u32(nl::rtattr_type_t::RTA_OIF as u32, oif);
}

/// `RTM_GETADDR` dump of the IPv4 addresses (the kernel dumps every link's
/// unless the socket asked for strict checking; the reader filters).
pub fn get_addrs_v4(b: &mut Builder, index: u32) {
    let h = inet(b, nl::RTM_GETADDR as u32, nl::NLM_F_DUMP, IFA, 0);
    b.set_u32(h.saturating_add(offset_of!(nl::ifaddrmsg, ifa_index)), index);
}

// The byte layouts the code above relies on.
const _: () = assert!(offset_of!(nl::ifinfomsg, ifi_flags) == 8 && offset_of!(nl::ifinfomsg, ifi_change) == 12);
const _: () = assert!(offset_of!(nl::ifaddrmsg, ifa_prefixlen) == 1 && offset_of!(nl::rtmsg, rtm_dst_len) == 1);
const _: () = assert!(
    offset_of!(nl::rtmsg, rtm_table) == 4
        && offset_of!(nl::rtmsg, rtm_protocol) == 5
        && offset_of!(nl::rtmsg, rtm_scope) == 6
        && offset_of!(nl::rtmsg, rtm_type) == 7
);
