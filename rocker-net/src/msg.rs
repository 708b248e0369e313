//! Netlink message encoding into a fixed buffer ([`Builder`]) and decoding
//! of kernel replies ([`Msgs`], [`Attrs`], [`status`]).
//!
//! Layout rules (`linux/netlink.h`, `linux/rtnetlink.h`): a message is an
//! `nlmsghdr` (16 bytes) and a family header (`ifinfomsg` 16, `ifaddrmsg` 8,
//! `rtmsg` 12), then attributes. An attribute is `rtattr {len: u16, type:
//! u16}` and its payload; `len` counts header + payload without padding, and
//! the next attribute starts at the next multiple of 4. A nested attribute's
//! `len` covers its children including their padding. `nlmsg_len` covers the
//! whole message including the last attribute's padding (as iproute2 does).
//! Every integer is in host byte order except IPv4 addresses (network order,
//! kept as `[u8; 4]`). Field offsets come from the linux-raw-sys structs.
use core::mem::{offset_of, size_of};
use syscalls::sys::net;
use syscalls::sys::netlink as nl;
use syscalls::{Errno, Result};

/// Size of `nlmsghdr`.
pub const HDR: usize = size_of::<nl::nlmsghdr>();
const _: () = assert!(
    offset_of!(nl::nlmsghdr, nlmsg_len) == 0
        && offset_of!(nl::nlmsghdr, nlmsg_type) == 4
        && offset_of!(nl::nlmsghdr, nlmsg_seq) == 8
);
/// Size of `rtattr`.
const ATTR: usize = size_of::<nl::rtattr>();

/// Rounds `n` up to the netlink alignment of 4 (saturating).
#[inline]
pub fn align(n: usize) -> usize {
    n.saturating_add(3) & !3
}

/// A request buffer of this size holds every request of [`crate::req`].
pub const TX: usize = 128;
const _: () = assert!(TX <= u16::MAX as usize);

/// Builds one request in its own [`TX`]-byte buffer (reused for every
/// request of a [`crate::Netlink`]). Every append is bounds checked; an
/// append that does not fit marks the message as failed and
/// [`Builder::finish`] returns `ENOBUFS` (`EINVAL` for a bad interface
/// name), so callers chain appends without checking each one. Never panics.
pub struct Builder {
    buf: [u8; TX],
    len: usize,
    cap: usize,
    err: u16,
}

impl Default for Builder {
    fn default() -> Builder {
        Builder::new()
    }
}

impl Builder {
    pub const fn new() -> Builder {
        Builder { buf: [0; TX], len: 0, cap: TX, err: 0 }
    }
    /// A builder that fails any message longer than `cap` bytes (at most
    /// [`TX`]): for tests of the bounds checks.
    pub fn with_capacity(cap: usize) -> Builder {
        Builder { cap: cap.min(TX), ..Builder::new() }
    }

    /// Starts a new message with sequence number `seq`; [`Builder::start`]
    /// sets its type and flags (`nlmsg_pid` stays 0: the kernel fills it in).
    pub fn begin(&mut self, seq: u32) {
        self.len = 0;
        self.err = 0;
        self.zeroed(HDR);
        self.set_u32(offset_of!(nl::nlmsghdr, nlmsg_seq), seq);
    }

    /// Sets the message type and `NLM_F_REQUEST | flags`.
    pub fn start(&mut self, ty: u32, flags: u32) {
        self.set(offset_of!(nl::nlmsghdr, nlmsg_type), &pair(ty, flags | nl::NLM_F_REQUEST));
    }

    fn fail(&mut self, e: Errno) {
        if self.err == 0 {
            self.err = e.0;
        }
    }

    /// Appends `n` zero bytes padded to 4 (a family header); returns their
    /// offset, which is meaningless if the message has failed.
    pub fn zeroed(&mut self, n: usize) -> usize {
        let start = self.len;
        let end = start.saturating_add(align(n));
        match self.buf.get_mut(start..end) {
            Some(d) if end <= self.cap => {
                d.fill(0);
                self.len = end;
            }
            _ => self.fail(Errno::ENOBUFS),
        }
        start
    }

    /// Overwrites bytes at `off` (inside what was appended).
    pub fn set(&mut self, off: usize, v: &[u8]) {
        let end = off.saturating_add(v.len());
        match self.buf.get_mut(off..end) {
            Some(d) if end <= self.len => d.copy_from_slice(v),
            _ => self.fail(Errno::ENOBUFS),
        }
    }
    pub fn set_u32(&mut self, off: usize, v: u32) {
        self.set(off, &v.to_ne_bytes());
    }

    fn attr_parts(&mut self, ty: u32, data: &[u8], nul: bool) {
        // Any length that fits in the buffer fits in rtattr's u16; a longer
        // one fails in zeroed() before its truncated header could be written.
        let len = ATTR.saturating_add(data.len()).saturating_add(nul as usize);
        let at = self.zeroed(len);
        self.set(at, &pair(len as u32, ty));
        self.set(at.saturating_add(ATTR), data);
    }

    /// Appends an attribute with `data` as its payload.
    pub fn attr(&mut self, ty: u32, data: &[u8]) {
        self.attr_parts(ty, data, false);
    }
    pub fn attr_u32(&mut self, ty: u32, v: u32) {
        self.attr(ty, &v.to_ne_bytes());
    }
    /// Appends `IFLA_IFNAME` if `n` can be an interface name on the wire:
    /// 1 to 15 bytes (`IFNAMSIZ` - 1), no NUL; otherwise the message fails
    /// with `EINVAL`. (The kernel checks the rest: `/`, `:`, whitespace,
    /// `.`, `..`.) A NUL could otherwise make the kernel act on a shorter name.
    pub fn name(&mut self, n: &[u8]) {
        if n.is_empty() || n.len() >= net::IFNAMSIZ as usize || !n.iter().all(|&c| c != 0) {
            return self.fail(Errno::EINVAL);
        }
        self.attr_parts(nl::IFLA_IFNAME as u32, n, true);
    }

    /// Opens a nested attribute; close it with [`Builder::end`].
    pub fn nest(&mut self, ty: u32) -> usize {
        let at = self.len;
        self.attr(ty, &[]);
        at
    }
    /// Closes the nested attribute opened at `at`.
    pub fn end(&mut self, at: usize) {
        // len <= TX < 64 KiB: the nest's length always fits in its u16.
        self.set(at, &(self.len.saturating_sub(at) as u16).to_ne_bytes());
    }

    /// Writes `nlmsg_len` and returns the message, or the first error.
    pub fn finish(&mut self) -> Result<&[u8]> {
        self.set_u32(offset_of!(nl::nlmsghdr, nlmsg_len), self.len as u32);
        if self.err != 0 {
            return Err(Errno(self.err));
        }
        self.buf.get(..self.len).ok_or(Errno::ENOBUFS)
    }
}

/// Two host-order `u16`s (`rtattr` length and type, `nlmsghdr` type and flags).
fn pair(a: u32, b: u32) -> [u8; 4] {
    let (a, b) = ((a as u16).to_ne_bytes(), (b as u16).to_ne_bytes());
    [a[0], a[1], b[0], b[1]]
}

/// Reads a host-order `u16` at `off`, if it is inside `b`.
pub fn u16_at(b: &[u8], off: usize) -> Option<u16> {
    Some(u16::from_ne_bytes(b.get(off..off.checked_add(2)?)?.try_into().ok()?))
}
/// Reads a host-order `u32` at `off`, if it is inside `b`.
pub fn u32_at(b: &[u8], off: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(off..off.checked_add(4)?)?.try_into().ok()?))
}

/// One message of a received datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Msg<'a> {
    pub ty: u16,
    pub flags: u16,
    pub seq: u32,
    /// Everything after the `nlmsghdr`, as long as `nlmsg_len` says.
    pub payload: &'a [u8],
}

/// The messages of one datagram, in order. A header that is short, or whose
/// `nlmsg_len` is below 16 or runs past the datagram, yields one
/// `Err(EBADMSG)` and ends the iteration.
pub struct Msgs<'a>(pub &'a [u8]);

impl<'a> Iterator for Msgs<'a> {
    type Item = Result<Msg<'a>>;
    fn next(&mut self) -> Option<Result<Msg<'a>>> {
        let b = self.0;
        if b.is_empty() {
            return None;
        }
        let len = u32_at(b, offset_of!(nl::nlmsghdr, nlmsg_len)).unwrap_or(0) as usize;
        let Some(payload) = b.get(HDR..len) else {
            self.0 = &[];
            return Some(Err(Errno::EBADMSG));
        };
        self.0 = b.get(align(len)..).unwrap_or(&[]);
        // The header is all there (len >= HDR): the 0s are never used.
        Some(Ok(Msg {
            ty: u16_at(b, offset_of!(nl::nlmsghdr, nlmsg_type)).unwrap_or(0),
            flags: u16_at(b, offset_of!(nl::nlmsghdr, nlmsg_flags)).unwrap_or(0),
            seq: u32_at(b, offset_of!(nl::nlmsghdr, nlmsg_seq)).unwrap_or(0),
            payload,
        }))
    }
}

/// The attributes in `b` (after a family header) as `(type, payload)`, type
/// without the `NLA_F_NESTED`/`NLA_F_NET_BYTEORDER` bits. Iteration ends at
/// the first malformed attribute.
pub struct Attrs<'a>(pub &'a [u8]);

impl<'a> Iterator for Attrs<'a> {
    type Item = (u16, &'a [u8]);
    fn next(&mut self) -> Option<(u16, &'a [u8])> {
        let b = self.0;
        self.0 = &[];
        let len = u16_at(b, 0)? as usize;
        let ty = u16_at(b, 2)? & nl::NLA_TYPE_MASK as u16;
        let data = b.get(ATTR..len)?;
        self.0 = b.get(align(len)..).unwrap_or(&[]);
        Some((ty, data))
    }
}

/// The status in an `NLMSG_ERROR` (an ACK when 0) or `NLMSG_DONE` payload:
/// `Ok` for 0, the errno for -1..-4095, `EPROTO` for anything else and
/// `EBADMSG` if the payload has no room for it.
pub fn status(payload: &[u8]) -> Result<()> {
    match u32_at(payload, offset_of!(nl::nlmsgerr, error)).ok_or(Errno::EBADMSG)? as i32 {
        0 => Ok(()),
        e @ -4095..=-1 => Err(Errno(e.unsigned_abs() as u16)),
        _ => Err(Errno::EPROTO),
    }
}
