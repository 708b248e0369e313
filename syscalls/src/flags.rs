//! `flags!`: a small bitflags newtype (no dependency). Each constant's doc
//! comment names the kernel constant, so `grep MS_NOSUID` finds it.

macro_rules! flags {
    (
        $(#[$meta:meta])*
        pub struct $T:ident: $ty:ty {
            $( $(#[$fmeta:meta])* const $F:ident = $v:expr; )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
        pub struct $T($ty);

        impl $T {
            $( $(#[$fmeta])* pub const $F: $T = $T($v); )*
            /// No flag.
            pub const fn empty() -> $T {
                $T(0)
            }
            /// The bits as the kernel takes them.
            pub const fn bits(self) -> $ty {
                self.0
            }
            /// Both sets (`|`, usable in `const`).
            pub const fn union(self, other: $T) -> $T {
                $T(self.0 | other.0)
            }
            /// Whether every flag of `other` is set.
            pub const fn contains(self, other: $T) -> bool {
                self.0 & other.0 == other.0
            }
            pub const fn is_empty(self) -> bool {
                self.0 == 0
            }
        }

        impl core::ops::BitOr for $T {
            type Output = $T;
            fn bitor(self, other: $T) -> $T {
                $T(self.0 | other.0)
            }
        }

        impl core::ops::BitOrAssign for $T {
            fn bitor_assign(&mut self, other: $T) {
                self.0 |= other.0;
            }
        }
    };
}
