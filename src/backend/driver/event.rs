//! [`DeviceEvent`]: what happened to a backend's device, for the game to take.

use std::fmt;

/// What happened to a device backend's device, for the game to take
/// ([`Backend::take_device_events`](crate::Backend::take_device_events)); each is also logged as a warning every time it happens.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeviceEvent {
    /// The device was lost (the next event says what the backend did about it).
    Lost {
        /// The device that was playing.
        device: String,
        /// Why: disconnected, invalidated, failed, or stopped taking frames.
        cause: String,
    },
    /// The device was lost and reopened (`device` is the one now playing); every channel
    /// kept playing.
    Reopened {
        /// The device now playing.
        device: String,
    },
    /// The device was lost and none could be opened: the mixer runs on a silent clock.
    FellBackToSilent {
        /// Why no device could be opened.
        cause: String,
    },
    /// A device could be opened again after the silent clock: every channel plays on it from
    /// where the silent clock had taken it.
    BackOnDevice {
        /// The device now playing.
        device: String,
    },
    /// The device now playing runs at another rate or channel count than the one before: the
    /// mixer keeps its own, and the device shim converts.
    FormatChanged {
        /// The device's rate now, in Hz.
        sample_rate: u32,
        /// The device's channels now.
        channels: u16,
    },
    /// The system's default device changed and the host moved the stream to it by itself
    /// (hosts that follow the default: WASAPI, CoreAudio).
    Rerouted,
    /// The device kept underrunning: it was reopened with longer periods.
    Lengthened {
        /// The period before, and after, in frames.
        from_frames: u32,
        /// The period now.
        to_frames: u32,
    },
}

impl fmt::Display for DeviceEvent {
    /// One line, as the CLI prints it: `lost "hw:0" (disconnected)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Lost { device, cause } => write!(f, "lost {device:?} ({cause})"),
            Self::Reopened { device } => write!(f, "reopened on {device:?}"),
            Self::FellBackToSilent { cause } => write!(f, "fell back to silent ({cause})"),
            Self::BackOnDevice { device } => write!(f, "back on a device: {device:?}"),
            Self::FormatChanged {
                sample_rate,
                channels,
            } => write!(
                f,
                "format changed: the device runs {channels} channels at {sample_rate} Hz"
            ),
            Self::Rerouted => f.write_str("rerouted to the new default device by the host"),
            Self::Lengthened {
                from_frames,
                to_frames,
            } => write!(
                f,
                "lengthened its period from {from_frames} to {to_frames} frames"
            ),
        }
    }
}
