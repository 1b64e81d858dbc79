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
    use panic_semihosting as _;

    #[entry]
    fn main() -> ! {
        let storage = mps2_an386::take().expect("the storage is taken once");
        let status = match mps2_an386::run(storage, mps2_an386::BLOCK_FRAMES) {
            Ok(report) => {
                hprintln!("target={} {}", super::TARGET, report);
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
