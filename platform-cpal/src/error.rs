//! [`DeviceError`]: why a device could not be opened or kept, from cpal's typed errors.

use crate::Timing;

/// Why a device could not be opened (or was lost).
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum DeviceError {
    /// The host names no default output device.
    #[error("the audio host has no default output device")]
    NoDefaultDevice,
    /// The device (or the audio server) is absent, busy, or not ours to use.
    #[error("no usable output device ({kind:?}: {detail})")]
    Unavailable {
        /// cpal's classification.
        kind: cpal::ErrorKind,
        /// cpal's description.
        detail: String,
    },
    /// The device refuses every configuration we can use.
    #[error("the output device refuses the configuration: {0}")]
    Unsupported(String),
    /// The device cannot run periods as short as the timing needs.
    #[error(
        "the device refuses {timing} timing: it wants periods of {min_frames}..={max_frames} frames, \
         {timing} timing asks for {wanted_frames}"
    )]
    BufferRefused {
        /// The timing that was refused.
        timing: Timing,
        /// The period the timing asked for.
        wanted_frames: u32,
        /// The device's shortest period.
        min_frames: u32,
        /// The device's longest period.
        max_frames: u32,
    },
    /// No output device has the name or id asked for.
    #[error("no output device is called {name:?} (there are: {})", available.join(", "))]
    NotFound {
        /// The name asked for.
        name: String,
        /// The ids of the devices there are.
        available: Vec<String>,
    },
    /// A device call did not return in time (an ALSA plugin that writes into a FIFO nobody
    /// reads blocks in `open`, for ever): the caller went on without it.
    #[error("the audio device did not answer within {seconds} s while {doing}")]
    TimedOut {
        /// What was being done ("opening the device").
        doing: &'static str,
        /// How long was waited.
        seconds: f64,
    },
    /// Any other failure of the audio backend.
    #[error("the audio backend failed ({kind:?}: {detail})")]
    Backend {
        /// cpal's classification.
        kind: cpal::ErrorKind,
        /// cpal's description.
        detail: String,
    },
}

impl DeviceError {
    /// This error with a summary of alsa-lib's `messages` in its detail.
    pub(crate) fn noting(self, messages: &[String]) -> Self {
        use crate::quiet::with_alsa;
        if messages.is_empty() {
            return self;
        }
        match self {
            DeviceError::NoDefaultDevice => DeviceError::Unavailable {
                kind: cpal::ErrorKind::DeviceNotAvailable,
                detail: with_alsa(
                    "the audio host has no default output device".into(),
                    messages,
                ),
            },
            DeviceError::Unavailable { kind, detail } => DeviceError::Unavailable {
                kind,
                detail: with_alsa(detail, messages),
            },
            DeviceError::Backend { kind, detail } => DeviceError::Backend {
                kind,
                detail: with_alsa(detail, messages),
            },
            DeviceError::Unsupported(detail) => {
                DeviceError::Unsupported(with_alsa(detail, messages))
            }
            other => other,
        }
    }

    /// Whether there is no device to open at all: trying another timing cannot help.
    pub fn is_no_device(&self) -> bool {
        matches!(
            self,
            DeviceError::NoDefaultDevice
                | DeviceError::Unavailable { .. }
                | DeviceError::NotFound { .. }
                | DeviceError::TimedOut { .. }
        )
    }
}

impl From<cpal::Error> for DeviceError {
    fn from(e: cpal::Error) -> Self {
        let kind = e.kind();
        let detail = e.to_string();
        match kind {
            cpal::ErrorKind::DeviceNotAvailable
            | cpal::ErrorKind::HostUnavailable
            | cpal::ErrorKind::PermissionDenied
            | cpal::ErrorKind::DeviceBusy => DeviceError::Unavailable { kind, detail },
            cpal::ErrorKind::UnsupportedConfig | cpal::ErrorKind::InvalidInput => {
                DeviceError::Unsupported(detail)
            }
            _ => DeviceError::Backend { kind, detail },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tests that errors are classified by cpal's kind, never by their text: "no device" kinds
    /// end the chain at null, configuration kinds let the caller try another timing.
    #[test]
    fn classified_by_kind() {
        use cpal::ErrorKind as K;
        for kind in [
            K::DeviceNotAvailable,
            K::HostUnavailable,
            K::PermissionDenied,
            K::DeviceBusy,
        ] {
            assert!(
                DeviceError::from(cpal::Error::new(kind)).is_no_device(),
                "{kind:?}"
            );
        }
        for kind in [K::UnsupportedConfig, K::InvalidInput] {
            let e = DeviceError::from(cpal::Error::new(kind));
            assert!(
                matches!(e, DeviceError::Unsupported(_)) && !e.is_no_device(),
                "{kind:?}"
            );
        }
        let e = DeviceError::from(cpal::Error::new(K::BackendError));
        assert!(matches!(e, DeviceError::Backend { .. }) && !e.is_no_device());
        assert!(DeviceError::NoDefaultDevice.is_no_device());
    }
}
