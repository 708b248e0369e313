//! The binary's entry and panic handler: the only unsafe-attribute code.
#![allow(unsafe_code)]

#[no_mangle]
fn rocker_main(args: syscalls::rt::Args) -> i32 {
    crate::main(args)
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    syscalls::exit_group(134)
}
