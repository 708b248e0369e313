//! IPv4 subnets and the address allocator of a bridge network (pure).

/// An IPv4 address with its prefix length: an interface address, or a
/// subnet given by the bridge's own address (the sandboxes' gateway).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Addr4 {
    pub addr: [u8; 4],
    pub prefix: u8,
}

impl Addr4 {
    /// The netmask as a host-order `u32` (0 for /0; prefixes above 32 act as /32).
    pub fn mask(self) -> u32 {
        u32::MAX.checked_shl(32u32.saturating_sub(self.prefix as u32)).unwrap_or(0)
    }
    /// Whether `a` is in this subnet.
    pub fn contains(self, a: [u8; 4]) -> bool {
        (u32::from_be_bytes(a) ^ u32::from_be_bytes(self.addr)) & self.mask() == 0
    }
}

/// The lowest host address of `subnet` that is not its network or broadcast
/// address, not `subnet.addr` (the gateway) and not in `in_use`; `None` if
/// there is none (full, or /31 and /32, which have no such addresses).
/// Takes at most `in_use.len() + 2` steps of `in_use.len()` comparisons.
pub fn next_free_v4(subnet: Addr4, in_use: &[[u8; 4]]) -> Option<[u8; 4]> {
    if subnet.prefix > 30 {
        return None;
    }
    let m = subnet.mask();
    let net = u32::from_be_bytes(subnet.addr) & m;
    let last = net | !m; // broadcast
    let mut a = net;
    loop {
        a = a.checked_add(1).filter(|&a| a < last)?;
        let c = a.to_be_bytes();
        if c != subnet.addr && !in_use.contains(&c) {
            return Some(c);
        }
    }
}
