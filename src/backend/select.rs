//! [`make_backend`]: native, then legacy, then null, warning loudly at every fallback.

use platform_cpal::Timing;

use crate::backend::{Backend, DeviceBackend, NullBackend};
use crate::config::{ALLOW_LEGACY_ENV, AudioConfig, FallbackPolicy};
use crate::error::AudioError;
use crate::log::warn_once;

/// Open the best backend available, in order: native (default output device, ≤ 20 ms buffer),
/// legacy (the same device, about 100 ms), null (silent, on a clock the game drives).
///
/// Each fallback logs one loud WARNING (target `simvx_audio`) per process and cause, naming
/// what failed, what it costs, and what to do. With `SIMVX_ALLOW_LEGACY_AUDIO=0` (read at each
/// call) or [`FallbackPolicy::Forbid`], a native failure is an error instead.
///
/// ```
/// use simvx_audio::{AudioConfig, FallbackPolicy, make_backend};
/// let cfg = AudioConfig { fallback: FallbackPolicy::Allow, ..AudioConfig::default() };
/// let backend = make_backend(&cfg).unwrap();
/// println!("{} on {}", backend.kind(), backend.info().device);
/// ```
///
/// # Errors
/// [`AudioError::BackendUnavailable`] when native fails and falling back is forbidden;
/// [`AudioError::InvalidParameter`] for a configuration out of range.
pub fn make_backend(config: &AudioConfig) -> Result<Backend, AudioError> {
    config.core()?;
    config.effect_memory_floats()?;
    let native_err = match DeviceBackend::open(config, Timing::Native) {
        Ok(device) => return Ok(Backend::from_device(device)),
        Err(e) => e,
    };
    if !config.fallback.allows_fallback() {
        let by = match config.fallback {
            FallbackPolicy::Forbid => "the configuration (FallbackPolicy::Forbid)".to_string(),
            _ => format!("{ALLOW_LEGACY_ENV}=0"),
        };
        let cause = format!(
            "the native backend failed: {native_err}; falling back to legacy timing or to the \
             silent null backend is disabled by {by}"
        );
        return Err(AudioError::BackendUnavailable {
            cause,
            source: Some(native_err),
        });
    }
    // With no device at all, legacy timing cannot help: straight to null, one warning.
    let cause = if native_err.is_no_device() {
        native_err
    } else {
        warn_once(
            format!("legacy:{native_err}"),
            &format!(
                "simvx-audio: the native audio backend failed ({native_err}); using legacy \
                 timing (about 100 ms of buffer, five times the latency). Check that the \
                 output device supports short buffers, that the sound server is running and \
                 that no other program holds the device. Set {ALLOW_LEGACY_ENV}=0 to make \
                 this an error."
            ),
        );
        match DeviceBackend::open(config, Timing::Legacy) {
            Ok(device) => return Ok(Backend::from_device(device)),
            Err(e) => e,
        }
    };
    warn_once(
        format!("null:{cause}"),
        &format!(
            "simvx-audio: no audio device could be opened ({cause}); using the null \
             backend: AUDIO IS SILENT. The game keeps running and sounds still end on time. \
             Check that an output device exists and that the sound server is running. Set \
             {ALLOW_LEGACY_ENV}=0 to make this an error."
        ),
    );
    null_backend(config)
}

/// The null backend for `config`, without trying any device: the core advanced on a clock
/// the game drives, with no mixing.
///
/// # Errors
/// [`AudioError::InvalidParameter`] for a configuration out of range.
pub fn null_backend(config: &AudioConfig) -> Result<Backend, AudioError> {
    NullBackend::new(config).map(Backend::from_null)
}
