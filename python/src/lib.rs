//! The `simvx_audio_rs._native` extension module: simvx-audio as a SimVX audio backend.
//!
//! The Python package `simvx_audio_rs` (beside this crate) wraps it: it registers the backend
//! with SimVX's registry and supplies SimVX's own types (errors, `Capability`) where
//! `simvx.core` is importable, or equivalents of the same shape where it is not. This crate
//! holds everything on the call path of a game: the backend classes (`backend.rs`), clips
//! (`clip.rs`, `pcm.rs`), bus layouts (`layout.rs`), error mapping (`errors.rs`) and the bridge
//! from Rust's `log` to Python's `logging` (`logbridge.rs`).

use pyo3::prelude::*;

mod backend;
mod clip;
mod errors;
mod layout;
mod logbridge;
mod pcm;

/// The module's contents: the backend classes and the functions that make them.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    logbridge::install();
    m.add_class::<backend::SimvxAudioBackend>()?;
    m.add_class::<backend::StreamingAudioBackend>()?;
    m.add_class::<backend::NullAudioBackend>()?;
    m.add_class::<backend::OfflineRenderer>()?;
    m.add_function(wrap_pyfunction!(backend::open_device, m)?)?;
    m.add_function(wrap_pyfunction!(backend::make_backend, m)?)?;
    m.add_function(wrap_pyfunction!(backend::null_backend, m)?)?;
    m.add_function(wrap_pyfunction!(logbridge::flush_logs, m)?)?;
    m.add("ENGINE_VERSION", env!("CARGO_PKG_VERSION"))?;
    m.add("DEFAULT_VOICES", backend::DEFAULT_VOICES)?;
    Ok(())
}
