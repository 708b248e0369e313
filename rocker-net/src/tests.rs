//! Host unit tests: requests byte for byte against iproute2 6.1 (captured
//! with `strace -e trace=sendmsg -e write=3` on x86_64 inside `unshare -n`,
//! seq 0x6b084e38 / 0x6b084e41), the reader on captured kernel replies
//! (`testdata/`, from `strace -e read=3` of `ip -4 addr show dev lo` and
//! `ip link del nosuch`), the reader on truncated and corrupted input, and
//! the address allocator.
use crate::req::{self, Link};
use crate::*;
use syscalls::sys::netlink as nl;
use syscalls::Errno;

const SEQ: u32 = 0x6b08_4e38;

/// `ip link add rkt-h type veth peer name rkt-p netns rkx` (rkx open as fd 4).
const IP_VETH: [u8; 100] = [
    0x64, 0x00, 0x00, 0x00, 0x10, 0x00, 0x05, 0x06, 0x38, 0x4e, 0x08, 0x6b, 0x00, 0x00, 0x00, 0x00, // nlmsghdr
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // ifinfomsg
    0x0a, 0x00, 0x03, 0x00, 0x72, 0x6b, 0x74, 0x2d, 0x68, 0x00, 0x00, 0x00, // IFLA_IFNAME "rkt-h"
    0x38, 0x00, 0x12, 0x00, // IFLA_LINKINFO
    0x08, 0x00, 0x01, 0x00, 0x76, 0x65, 0x74, 0x68, // IFLA_INFO_KIND "veth"
    0x2c, 0x00, 0x02, 0x00, // IFLA_INFO_DATA
    0x28, 0x00, 0x01, 0x00, // VETH_INFO_PEER
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // ifinfomsg
    0x08, 0x00, 0x1c, 0x00, 0x04, 0x00, 0x00, 0x00, // IFLA_NET_NS_FD 4
    0x0a, 0x00, 0x03, 0x00, 0x72, 0x6b, 0x74, 0x2d, 0x70, 0x00, 0x00, 0x00, // IFLA_IFNAME "rkt-p"
];

/// `ip link add rkt-h up master rkt-br type veth peer name rkt-p netns rkx`
/// (bridge index 2, rkx as fd 4; seq 0x6b08523a).
const IP_VETH_PORT: [u8; 108] = [
    0x6c, 0x00, 0x00, 0x00, 0x10, 0x00, 0x05, 0x06, 0x3a, 0x52, 0x08, 0x6b, 0x00, 0x00, 0x00, 0x00, //
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, // IFF_UP
    0x08, 0x00, 0x0a, 0x00, 0x02, 0x00, 0x00, 0x00, // IFLA_MASTER 2
    0x0a, 0x00, 0x03, 0x00, 0x72, 0x6b, 0x74, 0x2d, 0x68, 0x00, 0x00, 0x00, //
    0x38, 0x00, 0x12, 0x00, 0x08, 0x00, 0x01, 0x00, 0x76, 0x65, 0x74, 0x68, //
    0x2c, 0x00, 0x02, 0x00, 0x28, 0x00, 0x01, 0x00, //
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, //
    0x08, 0x00, 0x1c, 0x00, 0x04, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x03, 0x00, 0x72, 0x6b, 0x74, 0x2d, //
    0x70, 0x00, 0x00, 0x00,
];

/// `ip link add rkt-br type bridge`.
const IP_BRIDGE: [u8; 60] = [
    0x3c, 0x00, 0x00, 0x00, 0x10, 0x00, 0x05, 0x06, 0x38, 0x4e, 0x08, 0x6b, 0x00, 0x00, 0x00, 0x00, //
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, //
    0x0b, 0x00, 0x03, 0x00, 0x72, 0x6b, 0x74, 0x2d, 0x62, 0x72, 0x00, 0x00, // IFLA_IFNAME "rkt-br"
    0x10, 0x00, 0x12, 0x00, 0x0a, 0x00, 0x01, 0x00, 0x62, 0x72, 0x69, 0x64, 0x67, 0x65, 0x00, 0x00, // kind "bridge"
];

/// `ip addr add 10.88.0.1/16 brd + dev rkt-br` (index 3).
const IP_ADDR: [u8; 48] = [
    0x30, 0x00, 0x00, 0x00, 0x14, 0x00, 0x05, 0x06, 0x38, 0x4e, 0x08, 0x6b, 0x00, 0x00, 0x00, 0x00, //
    0x02, 0x10, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, // ifaddrmsg AF_INET /16 index 3
    0x08, 0x00, 0x02, 0x00, 0x0a, 0x58, 0x00, 0x01, // IFA_LOCAL
    0x08, 0x00, 0x01, 0x00, 0x0a, 0x58, 0x00, 0x01, // IFA_ADDRESS
    0x08, 0x00, 0x04, 0x00, 0x0a, 0x58, 0xff, 0xff, // IFA_BROADCAST
];

/// `ip route add default via 10.88.0.1 dev rkt-br` (index 3).
const IP_ROUTE: [u8; 44] = [
    0x2c, 0x00, 0x00, 0x00, 0x18, 0x00, 0x05, 0x06, 0x38, 0x4e, 0x08, 0x6b, 0x00, 0x00, 0x00, 0x00, //
    0x02, 0x00, 0x00, 0x00, 0xfe, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, // rtmsg
    0x08, 0x00, 0x05, 0x00, 0x0a, 0x58, 0x00, 0x01, // RTA_GATEWAY
    0x08, 0x00, 0x04, 0x00, 0x03, 0x00, 0x00, 0x00, // RTA_OIF
];

/// `ip link set dev rkt-h master rkt-br` (2 -> 3).
const IP_MASTER: [u8; 40] = [
    0x28, 0x00, 0x00, 0x00, 0x10, 0x00, 0x05, 0x00, 0x38, 0x4e, 0x08, 0x6b, 0x00, 0x00, 0x00, 0x00, //
    0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, //
    0x08, 0x00, 0x0a, 0x00, 0x03, 0x00, 0x00, 0x00, // IFLA_MASTER 3
];

/// `ip link set dev rkt-br up` (index 3).
const IP_UP: [u8; 32] = [
    0x20, 0x00, 0x00, 0x00, 0x10, 0x00, 0x05, 0x00, 0x38, 0x4e, 0x08, 0x6b, 0x00, 0x00, 0x00, 0x00, //
    0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, //
];

/// `ip link set dev rkt-h name rkt-x` (index 2).
const IP_NAME: [u8; 44] = [
    0x2c, 0x00, 0x00, 0x00, 0x10, 0x00, 0x05, 0x00, 0x38, 0x4e, 0x08, 0x6b, 0x00, 0x00, 0x00, 0x00, //
    0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, //
    0x0a, 0x00, 0x03, 0x00, 0x72, 0x6b, 0x74, 0x2d, 0x78, 0x00, 0x00, 0x00, //
];

/// `ip link del dev rkt-x` (index 2).
const IP_DEL: [u8; 32] = [
    0x20, 0x00, 0x00, 0x00, 0x11, 0x00, 0x05, 0x00, 0x38, 0x4e, 0x08, 0x6b, 0x00, 0x00, 0x00, 0x00, //
    0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, //
];

/// `ip -4 addr show dev lo`: the dump request (seq 0x6b084e41).
const IP_GETADDR: [u8; 24] = [
    0x18, 0x00, 0x00, 0x00, 0x16, 0x00, 0x01, 0x03, 0x41, 0x4e, 0x08, 0x6b, 0x00, 0x00, 0x00, 0x00, //
    0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, //
];

fn enc_seq(seq: u32, f: impl FnOnce(&mut Builder)) -> Vec<u8> {
    let mut b = Builder::new();
    // Whatever an earlier message left in the buffer does not leak into the next.
    b.begin(7);
    b.attr(0xaaaa, &[0xaa; 100]);
    b.begin(seq);
    f(&mut b);
    b.finish().unwrap().to_vec()
}
fn enc(f: impl FnOnce(&mut Builder)) -> Vec<u8> {
    enc_seq(SEQ, f)
}
fn enc_err(f: impl FnOnce(&mut Builder)) -> Errno {
    let mut b = Builder::new();
    b.begin(1);
    f(&mut b);
    b.finish().unwrap_err()
}

#[test]
fn requests_match_iproute2() {
    assert_eq!(enc(|b| req::new_veth(b, b"rkt-h", b"rkt-p", 4, 0)), IP_VETH);
    assert_eq!(enc_seq(0x6b08_523a, |b| req::new_veth(b, b"rkt-h", b"rkt-p", 4, 2)), IP_VETH_PORT);
    assert_eq!(enc(|b| req::new_link(b, b"rkt-br", b"bridge")), IP_BRIDGE);
    assert_eq!(enc(|b| req::new_addr_v4(b, 3, [10, 88, 0, 1], 16)), IP_ADDR);
    assert_eq!(enc(|b| req::new_default_route_v4(b, [10, 88, 0, 1], 3)), IP_ROUTE);
    assert_eq!(enc(|b| req::set_master(b, 2, 3)), IP_MASTER);
    assert_eq!(enc(|b| req::set_flags(b, 3, 1, 1)), IP_UP);
    assert_eq!(enc(|b| req::set_name(b, 2, b"rkt-x")), IP_NAME);
    assert_eq!(enc(|b| req::del_link(b, Link::Index(2))), IP_DEL);
    assert_eq!(enc_seq(0x6b08_4e41, |b| req::get_addrs_v4(b, 1)), IP_GETADDR);
}

/// Requests iproute2 sends differently (it resolves names with its own
/// RTM_GETLINK, which also carries IFLA_EXT_MASK), checked by hand against
/// `linux/rtnetlink.h`.
#[test]
fn requests_by_name() {
    let get = enc_seq(9, |b| req::get_link(b, b"lo"));
    #[rustfmt::skip]
    let want: Vec<u8> = [
        &[0x28, 0, 0, 0, 0x12, 0, 0x05, 0, 9, 0, 0, 0, 0, 0, 0, 0][..], // RTM_GETLINK, REQUEST|ACK
        &[0; 16],                                                      // ifinfomsg
        &[0x07, 0, 0x03, 0, b'l', b'o', 0, 0],                         // IFLA_IFNAME "lo"
    ].concat();
    assert_eq!(get, want);
    let del = enc(|b| req::del_link(b, Link::Name(b"rkt-x")));
    assert_eq!(&del[..4], &[0x2c, 0, 0, 0]);
    assert_eq!(&del[4..8], &[0x11, 0, 0x05, 0]);
    assert_eq!(&del[16..32], &[0; 16]);
    assert_eq!(&del[32..], &IP_NAME[32..]);
    // lo up: index 1, IFF_UP in flags and change; down: flags 0.
    assert_eq!(&enc(|b| req::set_flags(b, 1, 1, 1))[16..32], &[0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
    assert_eq!(&enc(|b| req::set_flags(b, 1, 0, 1))[16..32], &[0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0]);
}

#[test]
fn addr_prefix_edges() {
    // /31 and /32 carry no broadcast; /0 broadcasts to everything.
    assert_eq!(enc(|b| req::new_addr_v4(b, 3, [10, 0, 0, 1], 32)).len(), 40);
    assert_eq!(enc(|b| req::new_addr_v4(b, 3, [10, 0, 0, 1], 31)).len(), 40);
    assert_eq!(&enc(|b| req::new_addr_v4(b, 3, [10, 0, 0, 1], 0))[44..48], &[255, 255, 255, 255]);
    assert_eq!(&enc(|b| req::new_addr_v4(b, 3, [192, 168, 7, 9], 24))[44..48], &[192, 168, 7, 255]);
    assert_eq!(&enc(|b| req::new_addr_v4(b, 3, [192, 168, 7, 9], 30))[44..48], &[192, 168, 7, 11]);
    // Above 32: sent as is (the kernel says EINVAL), no broadcast.
    assert_eq!(enc(|b| req::new_addr_v4(b, 3, [10, 0, 0, 1], 33))[17], 33);
}

#[test]
fn names_are_checked() {
    for bad in [&b""[..], b"sixteen-bytes-xx", b"eth0\0evil", b"\0"] {
        assert_eq!(enc_err(|b| req::get_link(b, bad)), Errno::EINVAL, "{bad:?}");
        assert_eq!(enc_err(|b| req::new_link(b, bad, b"bridge")), Errno::EINVAL);
        assert_eq!(enc_err(|b| req::new_veth(b, b"ok", bad, 3, 0)), Errno::EINVAL);
        assert_eq!(enc_err(|b| req::new_veth(b, bad, b"ok", 3, 9)), Errno::EINVAL);
        assert_eq!(enc_err(|b| req::set_name(b, 2, bad)), Errno::EINVAL);
        assert_eq!(enc_err(|b| req::del_link(b, Link::Name(bad))), Errno::EINVAL);
    }
    assert_eq!(enc(|b| req::get_link(b, b"fifteen-bytes-x")).len(), 52);
}

type Encoder = dyn Fn(&mut Builder);

/// Every request in every buffer size: `ENOBUFS` until it fits, then the
/// same bytes as with a big buffer; never a panic.
#[test]
fn builder_never_overflows() {
    let n15 = b"fifteen-bytes-x";
    let all: [&Encoder; 11] = [
        &|b| req::new_veth(b, n15, n15, 3, 0),
        &|b| req::new_veth(b, n15, n15, 3, 7),
        &|b| req::new_link(b, n15, b"bridge"),
        &|b| req::get_link(b, n15),
        &|b| req::set_name(b, 2, n15),
        &|b| req::set_flags(b, 2, 1, 1),
        &|b| req::set_master(b, 2, 3),
        &|b| req::del_link(b, Link::Name(n15)),
        &|b| req::new_addr_v4(b, 2, [1, 2, 3, 4], 8),
        &|b| req::new_default_route_v4(b, [1, 2, 3, 4], 2),
        &|b| req::get_addrs_v4(b, 2),
    ];
    for f in all {
        let full = enc(f);
        assert!(full.len() <= TX && full.len() % 4 == 0);
        assert_eq!(u32::from_ne_bytes(full[..4].try_into().unwrap()) as usize, full.len());
        for size in 0..full.len() {
            let mut b = Builder::with_capacity(size);
            b.begin(SEQ);
            f(&mut b);
            assert_eq!(b.finish(), Err(Errno::ENOBUFS), "size {size}");
        }
        let mut b = Builder::with_capacity(full.len());
        b.begin(SEQ);
        f(&mut b);
        assert_eq!(b.finish().unwrap(), &full[..]);
    }
}

#[test]
fn builder_limits() {
    let mut b = Builder::new();
    // An attribute longer than u16 can say, or than the buffer, fails the message.
    for n in [65_532, TX - 16 - 4 + 1] {
        b.begin(1);
        b.attr(1, &vec![0u8; n]);
        assert_eq!(b.finish(), Err(Errno::ENOBUFS), "{n}");
    }
    // The largest attribute that fits.
    b.begin(1);
    b.attr(1, &[0u8; TX - 16 - 4]);
    assert_eq!(b.finish().unwrap().len(), TX);
    // set() outside what was appended fails rather than writing.
    b.begin(1);
    b.set_u32(16, 7);
    assert_eq!(b.finish(), Err(Errno::ENOBUFS));
    b.begin(1);
    b.set(usize::MAX, &[1]);
    b.end(usize::MAX - 1);
    assert_eq!(b.finish(), Err(Errno::ENOBUFS));
    // The first error wins: a bad name, then an overflow, is EINVAL.
    b.begin(1);
    b.name(b"");
    b.attr(1, &[0u8; 200]);
    assert_eq!(b.finish(), Err(Errno::EINVAL));
    // begin() starts clean after a failure.
    b.begin(1);
    assert_eq!(b.finish().unwrap().len(), 16);
    // finish() without begin() has no header to fill in.
    assert_eq!(Builder::with_capacity(usize::MAX).finish(), Err(Errno::ENOBUFS));
}

const DUMP: &[u8] = include_bytes!("../testdata/getaddr-dump.bin");
const DONE: &[u8] = include_bytes!("../testdata/getaddr-done.bin");
const ENODEV: &[u8] = include_bytes!("../testdata/dellink-enodev.bin");
const LINK_LO: &[u8] = include_bytes!("../testdata/getlink-lo-reply.bin");

#[test]
fn reads_kernel_replies() {
    let ms: Vec<Msg> = Msgs(DUMP).map(|m| m.unwrap()).collect();
    assert_eq!(ms.len(), 2);
    assert!(ms.iter().all(|m| m.ty == nl::RTM_NEWADDR as u16 && m.seq == 0x6b08_4f1d));
    assert!(ms.iter().all(|m| m.flags & nl::NLM_F_MULTI as u16 != 0));
    assert_eq!(parse_addr_v4(ms[0].payload, 1), Some(Addr4 { addr: [127, 0, 0, 1], prefix: 8 }));
    assert_eq!(parse_addr_v4(ms[1].payload, 1), Some(Addr4 { addr: [10, 1, 2, 3], prefix: 24 }));
    assert_eq!(parse_addr_v4(ms[1].payload, 2), None);

    let d: Vec<Msg> = Msgs(DONE).map(|m| m.unwrap()).collect();
    assert_eq!((d.len(), d[0].ty as u32), (1, nl::NLMSG_DONE));
    assert_eq!(status(d[0].payload), Ok(()));

    let e: Vec<Msg> = Msgs(ENODEV).map(|m| m.unwrap()).collect();
    assert_eq!((e.len(), e[0].ty as u32), (1, nl::NLMSG_ERROR));
    assert_eq!(status(e[0].payload), Err(Errno::ENODEV));

    let l: Vec<Msg> = Msgs(LINK_LO).map(|m| m.unwrap()).collect();
    assert_eq!((l.len(), l[0].ty), (1, nl::RTM_NEWLINK as u16));
    assert_eq!(u32_at(l[0].payload, 4), Some(1));
    let name = Attrs(&l[0].payload[16..]).find(|a| a.0 == nl::IFLA_IFNAME as u16).unwrap().1;
    assert_eq!(name, b"lo\0");
    // Nested attributes come with NLA_F_NESTED set; Attrs masks it off.
    assert!(Attrs(&l[0].payload[16..]).all(|a| a.0 & 0xc000 == 0));
}

#[test]
fn status_values() {
    assert_eq!(status(&0i32.to_ne_bytes()), Ok(()));
    assert_eq!(status(&(-17i32).to_ne_bytes()), Err(Errno::EEXIST));
    assert_eq!(status(&(-4095i32).to_ne_bytes()), Err(Errno(4095)));
    assert_eq!(status(&(-4096i32).to_ne_bytes()), Err(Errno::EPROTO));
    assert_eq!(status(&i32::MIN.to_ne_bytes()), Err(Errno::EPROTO));
    assert_eq!(status(&5i32.to_ne_bytes()), Err(Errno::EPROTO));
    assert_eq!(status(&[0, 0, 0]), Err(Errno::EBADMSG));
    assert_eq!(status(&[]), Err(Errno::EBADMSG));
}

#[test]
fn malformed_headers() {
    let hdr = |len: u32| {
        let mut v = len.to_ne_bytes().to_vec();
        v.extend_from_slice(&[2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
        v
    };
    // nlmsg_len below the header, past the datagram, or a short header.
    for b in [hdr(0), hdr(15), hdr(17), hdr(u32::MAX), hdr(16)[..15].to_vec()] {
        let r: Vec<_> = Msgs(&b).collect();
        assert_eq!(r, vec![Err(Errno::EBADMSG)], "{b:?}");
    }
    // A good message followed by garbage: the message, then one error.
    let mut b = hdr(16);
    b.extend_from_slice(&[1, 2, 3]);
    let r: Vec<_> = Msgs(&b).collect();
    assert_eq!(r.len(), 2);
    assert!(r[0].is_ok() && r[1] == Err(Errno::EBADMSG));
    // The last message's padding may be missing (nlmsg_len not aligned).
    let mut b = hdr(18);
    b.extend_from_slice(&[7, 7]);
    assert_eq!(Msgs(&b).next().unwrap().unwrap().payload, &[7, 7]);
    // Attributes: zero or short lengths end the iteration, an overlong one too.
    assert_eq!(Attrs(&[0, 0, 1, 0, 9, 9, 9, 9]).count(), 0);
    assert_eq!(Attrs(&[3, 0, 1, 0]).count(), 0);
    assert_eq!(Attrs(&[9, 0, 1, 0, 1, 2, 3, 4]).count(), 0);
    assert_eq!(Attrs(&[4, 0, 1, 0, 6, 0, 2, 0, 1, 2]).collect::<Vec<_>>(), vec![(1, &[][..]), (2, &[1, 2][..])]);
    assert_eq!(Attrs(&[5, 0, 1, 0, 1]).collect::<Vec<_>>(), vec![(1, &[1][..])]);
}

/// Walks everything a reply could contain, attributes nested or not.
fn walk(b: &[u8]) -> usize {
    let mut n = 0;
    for m in Msgs(b).flatten() {
        let _ = status(m.payload);
        let _ = parse_addr_v4(m.payload, 1);
        for (_, d) in Attrs(m.payload.get(16..).unwrap_or(&[])) {
            n += 1 + Attrs(d).count();
        }
    }
    n
}

/// Truncated, bit-flipped and random replies never panic.
#[test]
fn garbage_never_panics() {
    for fixture in [DUMP, DONE, ENODEV, LINK_LO] {
        for len in 0..=fixture.len() {
            walk(&fixture[..len]);
        }
        for i in 0..fixture.len().min(256) {
            for v in [0x00, 0x01, 0x03, 0x04, 0x7f, 0x80, 0xff] {
                let mut b = fixture.to_vec();
                b[i] = v;
                walk(&b);
            }
        }
    }
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for round in 0..20_000 {
        let len = round % 300;
        let b: Vec<u8> = (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                // Mostly small numbers, so lengths are often plausible.
                if x.is_multiple_of(3) { (x >> 8) as u8 } else { (x >> 8) as u8 & 0x1f }
            })
            .collect();
        walk(&b);
    }
}

#[test]
fn allocator() {
    let sub = Addr4 { addr: [10, 77, 0, 1], prefix: 24 };
    assert_eq!(next_free_v4(sub, &[]), Some([10, 77, 0, 2]));
    assert_eq!(next_free_v4(sub, &[[10, 77, 0, 2], [10, 77, 0, 4]]), Some([10, 77, 0, 3]));
    // The gateway need not be the first address; it is skipped wherever it is.
    let mid = Addr4 { addr: [10, 77, 0, 2], prefix: 24 };
    assert_eq!(next_free_v4(mid, &[[10, 77, 0, 1]]), Some([10, 77, 0, 3]));
    // Addresses outside the subnet do not matter.
    assert_eq!(next_free_v4(sub, &[[10, 78, 0, 2], [0; 4]]), Some([10, 77, 0, 2]));
    // Full: every host address but the gateway in use. Never the broadcast.
    let used: Vec<[u8; 4]> = (2..=254).map(|i| [10, 77, 0, i]).collect();
    assert_eq!(next_free_v4(sub, &used), None);
    assert_eq!(next_free_v4(sub, &used[1..]), Some([10, 77, 0, 2]));
    // /30: one host besides the gateway; /31 and /32: none; > 32: none.
    let p30 = Addr4 { addr: [192, 168, 9, 5], prefix: 30 };
    assert_eq!(next_free_v4(p30, &[]), Some([192, 168, 9, 6]));
    assert_eq!(next_free_v4(p30, &[[192, 168, 9, 6]]), None);
    for prefix in [31, 32, 33, 255] {
        assert_eq!(next_free_v4(Addr4 { addr: [10, 0, 0, 1], prefix }, &[]), None);
    }
    // The network address of the gateway's subnet is computed, not assumed.
    let odd = Addr4 { addr: [172, 16, 5, 200], prefix: 20 };
    assert_eq!(next_free_v4(odd, &[]), Some([172, 16, 0, 1]));
    // /0 and /1 are legal (if silly) and do not overflow at the top.
    assert_eq!(next_free_v4(Addr4 { addr: [0, 0, 0, 1], prefix: 0 }, &[]), Some([0, 0, 0, 2]));
    let top = Addr4 { addr: [255, 255, 255, 253], prefix: 30 };
    assert_eq!(next_free_v4(top, &[]), Some([255, 255, 255, 254]));
    assert_eq!(next_free_v4(top, &[[255, 255, 255, 254]]), None);
    assert!(sub.contains([10, 77, 0, 255]) && !sub.contains([10, 77, 1, 0]));
    assert_eq!(Addr4 { addr: [0; 4], prefix: 0 }.mask(), 0);
    assert_eq!(Addr4 { addr: [0; 4], prefix: 40 }.mask(), u32::MAX);
}
