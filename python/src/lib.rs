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

/// `cell`'s value, computing it with `init` outside the cell the first time: `init` runs
/// Python code (imports, constructors, logging), which may call back in here, and a once-cell
/// must never be entered again from inside its own initialiser.
pub(crate) fn once<'a, T>(
    cell: &'a pyo3::sync::PyOnceLock<T>,
    py: Python<'_>,
    init: impl FnOnce() -> PyResult<T>,
) -> PyResult<&'a T> {
    if let Some(v) = cell.get(py) {
        return Ok(v);
    }
    let v = init()?;
    // Another call may have set it meanwhile; either value serves.
    let _ = cell.set(py, v);
    Ok(cell.get(py).expect("set just above"))
}

/// Lock `m` without ever blocking while attached to the interpreter (contended: detached),
/// ignoring poisoning (a panic never leaves the state half-written: every critical section
/// is a single engine call).
pub(crate) fn lock<'a, T>(
    m: &'a std::sync::Mutex<T>,
    py: Python<'_>,
) -> std::sync::MutexGuard<'a, T> {
    use pyo3::sync::MutexExt;
    m.lock_py_attached(py).unwrap_or_else(|p| p.into_inner())
}

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
