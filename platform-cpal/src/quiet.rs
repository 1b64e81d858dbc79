//! alsa-lib's own error output, kept off stderr while a device is probed.
//!
//! With no sound card, opening the default device makes alsa-lib print a dozen `ALSA lib …`
//! lines to stderr before our own warning says the same thing better. While the shim probes,
//! they are captured instead (alsa-lib's per-thread error handler), and the last one is added
//! to the error it returns.

/// Run `f` with alsa-lib's error messages on this thread captured; return its result and the
/// messages (none on other systems).
pub(crate) fn quietly<T>(f: impl FnOnce() -> T) -> (T, Vec<String>) {
    #[cfg(target_os = "linux")]
    {
        let captured = alsa::Output::local_error_handler().ok();
        let r = f();
        if captured.is_some() {
            // SAFETY: `snd_lib_error_set_local` sets this thread's alsa-lib error handler and
            // takes an optional function pointer; `None` restores the default (stderr). It
            // touches only alsa-lib's thread-local state, which `local_error_handler` set.
            unsafe {
                alsa_sys::snd_lib_error_set_local(None);
            }
        }
        let text = captured.map(|o| o.borrow().to_string()).unwrap_or_default();
        let lines = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect();
        (r, lines)
    }
    #[cfg(not(target_os = "linux"))]
    {
        (f(), Vec::new())
    }
}

/// `detail` with a summary of alsa-lib's `messages` (its last one, and how many there were).
pub(crate) fn with_alsa(detail: String, messages: &[String]) -> String {
    match messages {
        [] => detail,
        [one] => format!("{detail}; alsa-lib said: {one}"),
        [.., last] => format!(
            "{detail}; alsa-lib said: {last} (and {} earlier messages)",
            messages.len() - 1
        ),
    }
}
