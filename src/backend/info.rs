//! What a backend reports about itself.

use std::fmt;

/// Which backend [`make_backend`](crate::make_backend) chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    /// The default output device with the small fixed buffer.
    Native,
    /// The default output device with the large buffer (about 100 ms).
    Legacy,
    /// No device: silent, on a clock the game drives.
    Null,
    /// No device, no clock: the caller pulls blocks (tests, the CLI's `render`).
    Offline,
}

impl BackendKind {
    /// `native`, `legacy`, `null` or `offline`.
    pub const fn as_str(self) -> &'static str {
        match self {
            BackendKind::Native => "native",
            BackendKind::Legacy => "legacy",
            BackendKind::Null => "null",
            BackendKind::Offline => "offline",
        }
    }
}

impl fmt::Display for BackendKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a backend reports about itself.
#[derive(Debug, Clone, PartialEq)]
pub struct BackendInfo {
    /// Which backend this is.
    pub kind: BackendKind,
    /// The output device's name (`none` without a device).
    pub device: String,
    /// Frames per device callback as granted (`None` without a device).
    pub buffer_frames: Option<u32>,
    /// The output latency that buffer costs, in seconds (`None` without a device).
    pub latency_seconds: Option<f64>,
    /// The mixer's frames per second (what the backend's timeline counts in).
    pub sample_rate: u32,
    /// The mixer's channels.
    pub channels: u16,
    /// The device's own rate: `sample_rate`, unless the device changed to one at another rate
    /// and the device shim resamples to it.
    pub device_sample_rate: u32,
    /// The device's own channels: `channels`, unless the shim maps them.
    pub device_channels: u16,
    /// The device's sample format (`f32` for the null and offline backends).
    pub sample_format: String,
    /// Why this device (or none): the default output, the one asked for by name, legacy
    /// timing after native failed, a reopen after a loss, no device found.
    pub reason: String,
}

impl BackendInfo {
    /// The report of a backend with no device (`offline`, `null`): f32 at the configured rate
    /// and channel count.
    pub(crate) fn without_device(kind: BackendKind, config: &crate::AudioConfig) -> Self {
        Self {
            kind,
            device: "none".into(),
            buffer_frames: None,
            latency_seconds: None,
            sample_rate: config.sample_rate,
            channels: config.channels,
            device_sample_rate: config.sample_rate,
            device_channels: config.channels,
            sample_format: "f32".into(),
            reason: match kind {
                BackendKind::Offline => "offline: rendered when pulled, no device".into(),
                _ => "asked for the null backend".into(),
            },
        }
    }

    /// Whether the device shim converts the mixer's rate or channels to the device's.
    pub fn is_converted(&self) -> bool {
        (self.sample_rate, self.channels) != (self.device_sample_rate, self.device_channels)
    }
}
