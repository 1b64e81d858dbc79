//! For the board build only (`target_os = "none"`): put `memory.x` where cortex-m-rt's
//! `link.x` finds it and link the firmware with `link.x`. Host builds get nothing, so the
//! same package builds and tests on the host. Both get `SCENE_TARGET`, the target's name.

use std::path::PathBuf;
use std::{env, fs};

fn main() {
    println!("cargo:rerun-if-changed=memory.x");
    println!("cargo:rerun-if-changed=build.rs");
    // The binary prints the target it was built for next to its hash.
    let target = env::var("TARGET").expect("cargo sets TARGET");
    println!("cargo:rustc-env=SCENE_TARGET={target}");
    if env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("none") {
        return;
    }
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::write(out.join("memory.x"), include_bytes!("memory.x")).expect("write memory.x");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rustc-link-arg-bins=-Tlink.x");
}
