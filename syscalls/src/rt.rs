//! Process entry for the no_std binaries (feature `rt`): `_start` (in
//! `arch/*`) passes the initial stack pointer here; we hand the binary a
//! safe view of argv/envp and exit with what it returns.
#![allow(unsafe_code)]

/// argv and envp of this process, as NUL-terminated byte strings.
#[derive(Clone, Copy)]
pub struct Args {
    argc: usize,
    argv: *const *const u8,
    envp: *const *const u8,
}

/// # Safety
/// Each pointer must be NUL-terminated and live for the whole process (true
/// for the kernel-provided argv/envp strings).
unsafe fn cstr_at(p: *const u8) -> &'static [u8] {
    let mut n = 0;
    // SAFETY: the kernel NUL-terminates every argv/envp string.
    while unsafe { *p.add(n) } != 0 {
        n += 1;
    }
    // SAFETY: the n bytes before the NUL are readable and never freed.
    unsafe { core::slice::from_raw_parts(p, n + 1) }
}

impl Args {
    pub fn len(&self) -> usize {
        self.argc
    }
    pub fn is_empty(&self) -> bool {
        self.argc == 0
    }
    /// The i-th argument without its NUL.
    pub fn get(&self, i: usize) -> Option<&'static [u8]> {
        self.get_cstr(i).map(|c| c.to_bytes())
    }
    /// The i-th argument with its NUL (ready for execve).
    pub fn get_cstr(&self, i: usize) -> Option<crate::CStr<'static>> {
        if i >= self.argc {
            return None;
        }
        // SAFETY: i < argc, and argv[0..argc] are valid string pointers.
        let s = unsafe { cstr_at(*self.argv.add(i)) };
        crate::CStr::from_bytes_with_nul(s).ok()
    }
    /// Value of environment variable `name`.
    pub fn env(&self, name: &[u8]) -> Option<&'static [u8]> {
        let mut i = 0;
        loop {
            // SAFETY: envp is a NULL-terminated array of string pointers.
            let p = unsafe { *self.envp.add(i) };
            if p.is_null() {
                return None;
            }
            // SAFETY: as above.
            let s = unsafe { cstr_at(p) };
            let s = &s[..s.len() - 1];
            if s.len() > name.len() && s.starts_with(name) && s[name.len()] == b'=' {
                return Some(&s[name.len() + 1..]);
            }
            i += 1;
        }
    }
    /// This process's environment, for `execve_envp`.
    pub fn envp(&self) -> crate::Envp {
        // SAFETY: the kernel's envp: NULL-terminated, never freed or changed.
        unsafe { crate::Envp::new(self.envp) }
    }
}

extern "Rust" {
    /// Defined by each binary (in its tiny entry module).
    fn rocker_main(args: Args) -> i32;
}

/// # Safety
/// Called once, from `_start`, with the kernel's initial stack pointer.
pub unsafe extern "C" fn start(sp: *const usize) -> ! {
    // SAFETY: the initial stack is argc, argv[argc], NULL, envp..., NULL.
    let args = unsafe {
        let argc = *sp;
        let argv = sp.add(1) as *const *const u8;
        Args { argc, argv, envp: argv.add(argc + 1) }
    };
    // SAFETY: the binary defines rocker_main with this exact signature.
    let code = unsafe { rocker_main(args) };
    crate::exit_group(code)
}
