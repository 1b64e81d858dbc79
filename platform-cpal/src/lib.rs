//! The desktop device shim of simvx-audio: a cpal output stream whose callback runs the mixing
//! core's renderer.
//!
//! Two timings: [`Timing::Native`] asks the default output device for a fixed buffer of 20 ms or
//! less (960 frames at 48 kHz); [`Timing::Legacy`] asks for about 100 ms, for devices and hosts
//! that refuse the small one.
//!
//! **Status:** this crate holds the shim's public shape. The cpal stream itself lands with the
//! device work; until then [`open`] reports [`DeviceError::NoShim`], and the facade's
//! `make_backend` falls through to the null backend with a warning.

use std::fmt;

/// How large a buffer the shim asks the device for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timing {
    /// A fixed buffer of at most 20 ms.
    Native,
    /// A buffer of about 100 ms.
    Legacy,
}

impl Timing {
    /// The buffer the timing asks for, in frames at `sample_rate`.
    ///
    /// ```
    /// use platform_cpal::Timing;
    /// assert_eq!(Timing::Native.buffer_frames(48_000), 960);
    /// assert_eq!(Timing::Legacy.buffer_frames(48_000), 4_800);
    /// ```
    pub const fn buffer_frames(self, sample_rate: u32) -> u32 {
        match self {
            Timing::Native => sample_rate / 50,
            Timing::Legacy => sample_rate / 10,
        }
    }

    /// `native` or `legacy`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Timing::Native => "native",
            Timing::Legacy => "legacy",
        }
    }
}

impl fmt::Display for Timing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What to open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceConfig {
    /// Requested output frames per second.
    pub sample_rate: u32,
    /// Requested output channels.
    pub channels: u16,
    /// Requested buffer timing.
    pub timing: Timing,
}

/// Why a device could not be opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeviceError {
    /// This build has no device shim yet.
    #[error("no device shim in this build (the cpal output stream is not implemented yet)")]
    NoShim,
}

/// An open output stream. Uninhabited until the cpal stream lands: no value of it can exist
/// in this build, which the type system knows.
#[derive(Debug)]
pub enum Output {}

/// Open the default output device with `config`.
///
/// # Errors
/// Always [`DeviceError::NoShim`] in this build.
pub fn open(config: &DeviceConfig) -> Result<Output, DeviceError> {
    let _ = config;
    Err(DeviceError::NoShim)
}
