//! Rust's `log` records, delivered to Python's `logging` (logger `simvx.audio`).
//!
//! Records are queued by whichever thread logs (the game thread, a decoder thread; never the
//! audio callback, which does not log) and handed to `logging` by the next call from Python,
//! which holds the GIL. No Rust thread ever waits for the GIL, so logging cannot deadlock
//! against a Python thread that waits for that Rust thread (a shutdown joining a decoder,
//! say), nor run Python code during interpreter shutdown.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

/// The Python logger every record goes to, as SimVX's own audio warnings do.
pub const LOGGER: &str = "simvx.audio";

/// Records kept while no Python call comes to take them; older ones are dropped (and counted).
const QUEUE_LIMIT: usize = 256;

static QUEUE: Mutex<VecDeque<(log::Level, String)>> = Mutex::new(VecDeque::new());
static PENDING: AtomicBool = AtomicBool::new(false);
static DROPPED: AtomicU64 = AtomicU64::new(0);

struct Bridge;

impl log::Log for Bridge {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Info
    }

    fn log(&self, record: &log::Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let mut q = QUEUE.lock().unwrap_or_else(|p| p.into_inner());
        if q.len() == QUEUE_LIMIT {
            q.pop_front();
            DROPPED.fetch_add(1, Ordering::Relaxed);
        }
        q.push_back((record.level(), record.args().to_string()));
        PENDING.store(true, Ordering::Release);
    }

    fn flush(&self) {}
}

static BRIDGE: Bridge = Bridge;

/// Install the bridge as this extension's `log` logger (once; the extension has its own copy
/// of `log`, so no other Rust library of the process is affected).
pub fn install() {
    if log::set_logger(&BRIDGE).is_ok() {
        log::set_max_level(log::LevelFilter::Info);
    }
}

/// Hand queued records to Python's `logging`. Cheap when there are none (one atomic load), so
/// every call from Python starts with it.
pub fn flush(py: Python<'_>) {
    if PENDING.load(Ordering::Acquire) {
        deliver(py);
    }
}

#[cold]
fn deliver(py: Python<'_>) {
    static LOG: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    PENDING.store(false, Ordering::Release);
    let records: Vec<_> = QUEUE
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .drain(..)
        .collect();
    let Ok(log) = LOG.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        let logging = py.import("logging")?;
        Ok(logging
            .call_method1("getLogger", (LOGGER,))?
            .getattr("log")?
            .unbind())
    }) else {
        return;
    };
    let dropped = DROPPED.swap(0, Ordering::Relaxed);
    if dropped > 0 {
        let msg =
            format!("simvx-audio: {dropped} log records were dropped (no Python call took them)");
        let _ = log.call1(py, (30, msg));
    }
    for (level, msg) in records {
        let level = match level {
            log::Level::Error => 40,
            log::Level::Warn => 30,
            log::Level::Info => 20,
            log::Level::Debug => 10,
            log::Level::Trace => 5,
        };
        // `logging` formats `msg % args` only when args are given: a '%' in a path is safe.
        // A handler that raises loses its own record, not the ones after it.
        let _ = log.call1(py, (level, msg));
    }
}

/// Deliver queued warnings now (every backend call also does this first).
#[pyfunction]
pub fn flush_logs(py: Python<'_>) {
    flush(py);
}
