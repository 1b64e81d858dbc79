//! The MPS2-AN386 firmware: renders the shared scene on the Cortex-M4F and prints its
//! [`Report`](mps2_an386::Report) over semihosting, then exits QEMU with 0 if the output is
//! finite and audible, 1 otherwise (a panic also exits 1).
//!
//! Built for the host (any target with an OS), the same file renders the same scene with
//! `std` and prints the same line: the reference the board's hash must equal.
//!
//! ```text
//! cargo build -p mps2-an386 --release --target thumbv7em-none-eabihf
//! qemu-system-arm -cpu cortex-m4 -machine mps2-an386 -nographic \
//!   -semihosting-config enable=on,target=native -kernel target/thumbv7em-none-eabihf/release/mps2-an386
//! cargo run -p mps2-an386 --release     # the host's line
//! ```

#![cfg_attr(target_os = "none", no_std, no_main)]

/// The target this binary was built for, as cargo names it.
const TARGET: &str = env!("SCENE_TARGET");

#[cfg(target_os = "none")]
mod board {
    use cortex_m_rt::entry;
    use cortex_m_semihosting::{debug, hprintln};
    use mps2_an386::Footprint;
    use panic_semihosting as _;

    #[entry]
    fn main() -> ! {
        stack::paint();
        let storage = mps2_an386::take().expect("the storage is taken once");
        let status = match mps2_an386::run(storage, mps2_an386::BLOCK_FRAMES) {
            Ok(report) => {
                hprintln!("target={} {}", super::TARGET, report);
                hprintln!(
                    "ram: {} stack_peak={} B",
                    Footprint::of_this_build(),
                    stack::peak()
                );
                if report.ok() {
                    debug::EXIT_SUCCESS
                } else {
                    hprintln!("FAIL: the output is silent or not finite");
                    debug::EXIT_FAILURE
                }
            }
            Err(e) => {
                hprintln!("FAIL: {}", e);
                debug::EXIT_FAILURE
            }
        };
        debug::exit(status);
        #[allow(clippy::empty_loop)]
        loop {}
    }

    /// Stack high-water mark: the free stack is filled with a pattern before the scene runs,
    /// and the deepest word that no longer holds it afterwards is how far the stack grew.
    mod stack {
        use core::ptr::addr_of;

        // cortex-m-rt's linker script: the stack grows down from `_stack_start` (the top of
        // RAM) towards `_stack_end` (the end of the statics).
        unsafe extern "C" {
            static _stack_start: u32;
            static _stack_end: u32;
        }

        const PATTERN: u32 = 0x5ca1_ab1e;
        /// Bytes below the stack pointer left alone while painting (the painter's own calls).
        const MARGIN: usize = 256;

        fn bounds() -> (usize, usize) {
            (
                addr_of!(_stack_end) as usize,
                addr_of!(_stack_start) as usize,
            )
        }

        /// Fill the stack below the current stack pointer (less a margin) with the pattern.
        pub fn paint() {
            let (low, _) = bounds();
            let sp = cortex_m::register::msp::read() as usize - MARGIN;
            let mut at = low;
            while at < sp {
                // SAFETY: `low..sp` lies between the end of the statics and the live stack:
                // nothing owns it (there is no heap), it is word-aligned (cortex-m-rt asserts
                // `_stack_end % 4 == 0`), and the stack has not grown into it yet.
                unsafe { (at as *mut u32).write_volatile(PATTERN) };
                at += 4;
            }
        }

        /// Bytes of stack used since [`paint`], at most.
        pub fn peak() -> usize {
            let (low, top) = bounds();
            let mut at = low;
            while at < top {
                // SAFETY: as in `paint`: an aligned word of RAM between the statics and the
                // stack, read without making a reference; the scan stops at the first word the
                // stack reached, far below this frame.
                let word = unsafe { (at as *const u32).read_volatile() };
                if word != PATTERN {
                    break;
                }
                at += 4;
            }
            top - at
        }
    }
}

#[cfg(not(target_os = "none"))]
fn main() -> std::process::ExitCode {
    use std::process::ExitCode;

    let storage = mps2_an386::take().expect("the storage is taken once");
    match mps2_an386::run(storage, mps2_an386::BLOCK_FRAMES) {
        Ok(report) => {
            println!("target={TARGET} {report}");
            if report.ok() {
                ExitCode::SUCCESS
            } else {
                eprintln!("FAIL: the output is silent or not finite");
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("FAIL: {e}");
            ExitCode::FAILURE
        }
    }
}
