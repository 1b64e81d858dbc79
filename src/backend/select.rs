//! [`make_backend`]: native, then legacy, then null, warning loudly at every fallback.

use platform_cpal::{DeviceError, Timing};

use crate::backend::{Backend, Device, DeviceBackend, NullBackend};
use crate::config::{ALLOW_LEGACY_ENV, AudioConfig, FallbackPolicy};
use crate::error::AudioError;
use crate::log::warn_once;

/// Open the best backend available, in order: native (default output device, ≤ 20 ms buffer),
/// legacy (the same device, about 100 ms), null (silent, on a clock the game drives).
///
/// The null backend it returns keeps looking for a device (unless
/// [`AudioConfig::watch_devices`] is off): a watcher thread tries one every second, and when
/// one opens the backend moves onto it at the next call, every channel playing on from where
/// the clock had taken it (the events say so: [`Backend::take_device_events`]).
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
    let cause = match open_device(config)? {
        Ok(device) => return Ok(device),
        Err(cause) => cause,
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
    let mut null = NullBackend::new(config)?;
    null.driver_mut()
        .set_reason(format!("no audio device could be opened ({cause})"));
    if !config.watch_devices {
        return Ok(Backend::from_null(null));
    }
    let looking = Device::standby(
        config,
        vec![Timing::Native, Timing::Legacy],
        null.info().clone(),
        &cause.to_string(),
    );
    Ok(Backend::null_looking(null, Some(looking)))
}

/// A backend on the default output device, never the null one: native timing, then (with
/// one loud WARNING, as in [`make_backend`]) legacy timing. For hosts with their own
/// fallback chain, such as SimVX's `make_backend()`, which must see a failure to decide what
/// follows.
///
/// ```
/// use simvx_audio::{AudioConfig, device_backend};
/// match device_backend(&AudioConfig::default()) {
///     Ok(backend) => println!("{} on {}", backend.kind(), backend.info().device),
///     Err(e) => println!("no device: {e}"), // the usual answer on a headless machine
/// }
/// ```
///
/// # Errors
/// [`AudioError::BackendUnavailable`] naming why no device opened (and, when only native was
/// tried, that the fallback policy forbade legacy timing); [`AudioError::InvalidParameter`]
/// for a configuration out of range.
pub fn device_backend(config: &AudioConfig) -> Result<Backend, AudioError> {
    match open_device(config)? {
        Ok(device) => Ok(device),
        Err(cause) => Err(AudioError::BackendUnavailable {
            cause: format!("no audio device could be opened: {cause}"),
            source: Some(cause),
        }),
    }
}

/// Native timing, then legacy timing where the policy allows it and a device exists. The
/// inner error is the last device failure; the outer one a configuration error, or native's
/// failure when the policy forbids any fallback.
fn open_device(config: &AudioConfig) -> Result<Result<Backend, DeviceError>, AudioError> {
    config.core()?;
    config.effect_memory_floats()?;
    let native_err = match DeviceBackend::open(config, Timing::Native) {
        Ok(device) => return Ok(Ok(Backend::from_device(device))),
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
    // With no device at all, legacy timing cannot help.
    if native_err.is_no_device() {
        return Ok(Err(native_err));
    }
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
    Ok(DeviceBackend::open(config, Timing::Legacy).map(Backend::from_device))
}

/// The null backend for `config`, without trying any device: the core advanced on a clock
/// the game drives, with no mixing.
///
/// # Errors
/// [`AudioError::InvalidParameter`] for a configuration out of range.
pub fn null_backend(config: &AudioConfig) -> Result<Backend, AudioError> {
    NullBackend::new(config).map(Backend::from_null)
}
