//! The crate's log target and its once-per-cause warnings.

use std::collections::BTreeSet;
use std::sync::Mutex;

/// The `log` target of every message this crate logs.
pub const LOG_TARGET: &str = "simvx_audio";

static WARNED: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

/// Log `message` at WARNING (on stderr where no logger takes warnings), every time: for
/// events that happen again (a device lost a second time is news again).
pub(crate) fn warn_always(message: &str) {
    if log::max_level() >= log::LevelFilter::Warn {
        log::warn!(target: LOG_TARGET, "{message}");
    } else {
        eprintln!("WARNING {LOG_TARGET}: {message}");
    }
}

/// Log `message` at WARNING once per process for `key`. Returns whether it was logged.
///
/// Where no `log` logger takes warnings (none is installed, or its level is below WARNING),
/// the message goes to stderr instead: a fallback is never silent.
pub(crate) fn warn_once(key: String, message: &str) -> bool {
    let first = WARNED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .insert(key);
    if first {
        if log::max_level() >= log::LevelFilter::Warn {
            log::warn!(target: LOG_TARGET, "{message}");
        } else {
            eprintln!("WARNING {LOG_TARGET}: {message}");
        }
    }
    first
}
