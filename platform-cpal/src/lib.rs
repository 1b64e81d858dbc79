//! The desktop device shim of simvx-audio: a cpal output stream whose data callback runs a
//! renderer (the mixing core's, on desktop).
//!
//! Two timings: [`Timing::Native`] asks the default output device for periods of 10 ms (a
//! 20 ms buffer: cpal queues two periods), falling back to 20 ms periods where the device
//! refuses; [`Timing::Legacy`] asks for periods of 50 ms (a buffer of about 100 ms), for
//! devices and hosts that refuse both.
//!
//! Opening is two steps, because the mixer must run at the rate the device grants:
//! [`negotiate`] picks the device's rate, channel count, sample format and buffer, then
//! [`Plan::start`] starts the stream with a renderer made for that plan. The callback converts
//! the renderer's `f32` to whatever the device wants (i16, u16, i32, f64, …) through a scratch
//! buffer allocated before the stream starts: it never allocates, locks or blocks.
//!
//! Errors are typed from cpal's [`cpal::ErrorKind`], never from message text.

mod convert;
mod error;
mod output;
mod quiet;

pub use convert::{Conversion, Convert, map_channels};
pub use error::DeviceError;
pub use output::{Health, Loss, Output, OutputInfo, Render};

use std::fmt;

use cpal::traits::{DeviceTrait, HostTrait};
use cpal::{
    BufferSize, SampleFormat, StreamConfig, SupportedBufferSize, SupportedStreamConfig,
    SupportedStreamConfigRange,
};

/// How large a buffer the shim asks the device for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timing {
    /// Periods of 128 frames at 48 kHz (2.7 ms; a 5.3 ms buffer), then 256, 480 and 960
    /// frames where the device refuses the smaller ones or underruns at them: a buffer of at
    /// most 40 ms, 20 ms or less on any device that takes 10 ms periods.
    Native,
    /// Periods of 50 ms: a buffer of about 100 ms (longer only where the device's shortest
    /// period is longer, up to 200 ms).
    Legacy,
}

impl Timing {
    /// The periods the timing asks for, smallest first, in frames at `sample_rate`: the
    /// device opens with the first it accepts, and a stream that keeps underrunning moves to
    /// the next (see [`Plan::above`]).
    ///
    /// ```
    /// use platform_cpal::Timing;
    /// assert_eq!(Timing::Native.periods(48_000), [128, 256, 480, 960]);
    /// assert_eq!(Timing::Native.periods(44_100), [117, 235, 441, 882]);
    /// assert_eq!(Timing::Legacy.periods(48_000), [2_400]);
    /// ```
    pub fn periods(self, sample_rate: u32) -> Vec<u32> {
        let at = |frames_at_48k: u64| (u64::from(sample_rate) * frames_at_48k / 48_000) as u32;
        match self {
            Timing::Native => vec![at(128), at(256), sample_rate / 100, sample_rate / 50],
            Timing::Legacy => vec![sample_rate / 20],
        }
    }

    /// The period the timing asks for first, in frames at `sample_rate`.
    ///
    /// ```
    /// use platform_cpal::Timing;
    /// assert_eq!(Timing::Native.period_frames(48_000), 128);
    /// assert_eq!(Timing::Legacy.period_frames(48_000), 2_400);
    /// ```
    pub fn period_frames(self, sample_rate: u32) -> u32 {
        self.periods(sample_rate)[0]
    }

    /// The longest period the timing accepts, in frames at `sample_rate` (a device whose
    /// shortest period is longer is refused with this timing).
    pub const fn max_period_frames(self, sample_rate: u32) -> u32 {
        match self {
            Timing::Native => sample_rate / 50,
            Timing::Legacy => sample_rate / 5,
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
    /// Requested output frames per second (the device's own rate is used if it refuses).
    pub sample_rate: u32,
    /// Requested output channels (the device's default count is used if it refuses).
    pub channels: u16,
    /// Requested buffer timing.
    pub timing: Timing,
}

/// The stream settings chosen for the default output device; [`Plan::start`] opens it.
pub struct Plan {
    device: cpal::Device,
    name: String,
    format: SampleFormat,
    config: StreamConfig,
    /// Periods to try, in order (the first the device accepts is used).
    periods: Vec<u32>,
    timing: Timing,
}

impl fmt::Debug for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Plan")
            .field("device", &self.name)
            .field("format", &self.format)
            .field("sample_rate", &self.config.sample_rate)
            .field("channels", &self.config.channels)
            .field("periods", &self.periods)
            .field("timing", &self.timing)
            .finish()
    }
}

impl Plan {
    /// The rate the stream will run at: the renderer must be made for it.
    pub fn sample_rate(&self) -> u32 {
        self.config.sample_rate
    }

    /// The channels the stream will have.
    pub fn channels(&self) -> u16 {
        self.config.channels
    }

    /// The device's name.
    pub fn device(&self) -> &str {
        &self.name
    }

    /// The device's sample format, as cpal names it (`f32`, `i16`, …).
    pub fn sample_format(&self) -> String {
        self.format.to_string()
    }

    /// The longest period the stream may ask for, in frames (for sizing a renderer's scratch).
    pub fn max_period_frames(&self) -> u32 {
        self.periods.iter().copied().max().unwrap_or(0)
    }

    /// The same plan with only the periods longer than `frames`, for a stream that keeps
    /// underrunning at `frames`; `None` when there is no longer one.
    pub fn above(mut self, frames: u32) -> Option<Self> {
        self.periods.retain(|&p| p > frames);
        (!self.periods.is_empty()).then_some(self)
    }
}

/// Choose rate, channels, format and buffer for the default output device.
///
/// The requested rate and channel count are used when the device supports them with its
/// preferred format, else the device's defaults. The period follows `timing`, clamped to what
/// the device reports it supports.
///
/// # Errors
/// [`DeviceError::Unavailable`] when there is no usable device (the usual case on a headless
/// machine), [`DeviceError::Unsupported`] when nothing usable is supported, [`DeviceError::Backend`]
/// otherwise.
pub fn negotiate(request: &DeviceConfig) -> Result<Plan, DeviceError> {
    negotiate_on(request, None)
}

/// [`negotiate`] for the output device `device` names (its id, as `alsa:hw:1,0`, or its
/// name, as [`output_devices`] lists them), or the default one for `None`.
///
/// # Errors
/// As [`negotiate`], and [`DeviceError::NotFound`] (listing the devices there are).
pub fn negotiate_on(request: &DeviceConfig, device: Option<&str>) -> Result<Plan, DeviceError> {
    // alsa-lib's own complaints (a dozen lines with no sound card) are summarised in the
    // error instead of going to stderr.
    let (plan, alsa) = quiet::quietly(|| negotiate_here(request, device));
    plan.map_err(|e| e.noting(&alsa))
}

/// An output device the host lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputDevice {
    /// Its id (what [`negotiate_on`] takes, e.g. `alsa:default`).
    pub id: String,
    /// Its name, for people.
    pub name: String,
    /// Whether it is the host's default output.
    pub is_default: bool,
    /// The channel counts it supports.
    pub channels: Vec<u16>,
    /// The sample-rate ranges it supports, in Hz.
    pub sample_rates: Vec<(u32, u32)>,
}

/// The output devices the host lists (with ALSA: those with hints in its configuration,
/// and the default), each with what it supports.
///
/// # Errors
/// [`DeviceError::Backend`] when the host cannot list its devices.
pub fn output_devices() -> Result<Vec<OutputDevice>, DeviceError> {
    let (list, alsa) = quiet::quietly(|| -> Result<Vec<OutputDevice>, DeviceError> {
        let host = cpal::default_host();
        let default_id = host
            .default_output_device()
            .and_then(|d| d.id().ok())
            .map(|id| id.to_string());
        let mut out = Vec::new();
        let mut devices: Vec<cpal::Device> =
            host.output_devices().map_err(DeviceError::from)?.collect();
        if let Some(d) = host.default_output_device() {
            let id = d.id().ok().map(|id| id.to_string());
            if !devices
                .iter()
                .any(|x| x.id().ok().map(|i| i.to_string()) == id)
            {
                devices.insert(0, d);
            }
        }
        for d in devices {
            let id = d.id().map(|i| i.to_string()).unwrap_or_default();
            let name = describe(&d);
            let configs: Vec<_> = d
                .supported_output_configs()
                .map(|c| c.collect())
                .unwrap_or_default();
            let mut channels: Vec<u16> = configs
                .iter()
                .map(|c: &SupportedStreamConfigRange| c.channels())
                .collect();
            channels.sort_unstable();
            channels.dedup();
            let mut sample_rates: Vec<(u32, u32)> = configs
                .iter()
                .map(|c| (c.min_sample_rate(), c.max_sample_rate()))
                .collect();
            sample_rates.sort_unstable();
            sample_rates.dedup();
            out.push(OutputDevice {
                is_default: Some(&id) == default_id.as_ref(),
                id,
                name,
                channels,
                sample_rates,
            });
        }
        Ok(out)
    });
    list.map_err(|e| e.noting(&alsa))
}

/// A device's name for people (its id where it has none).
fn describe(device: &cpal::Device) -> String {
    device
        .description()
        .map(|d| d.name().to_string())
        .or_else(|_| device.id().map(|id| id.to_string()))
        .unwrap_or_else(|_| "default".into())
}

/// The device `wanted` names: an id the host knows, or a listed device's id or name.
fn find_device(host: &cpal::Host, wanted: &str) -> Result<cpal::Device, DeviceError> {
    if let Ok(id) = wanted.parse::<cpal::DeviceId>()
        && let Some(d) = host.device_by_id(&id)
    {
        return Ok(d);
    }
    let devices: Vec<cpal::Device> = host.output_devices().map_err(DeviceError::from)?.collect();
    let matches =
        |d: &cpal::Device| d.id().is_ok_and(|id| id.to_string() == wanted) || describe(d) == wanted;
    if let Some(i) = devices.iter().position(matches) {
        return Ok(devices.into_iter().nth(i).expect("found above"));
    }
    Err(DeviceError::NotFound {
        name: wanted.to_string(),
        available: devices
            .iter()
            .map(|d| {
                d.id()
                    .map(|i| i.to_string())
                    .unwrap_or_else(|_| describe(d))
            })
            .collect(),
    })
}

fn negotiate_here(request: &DeviceConfig, wanted: Option<&str>) -> Result<Plan, DeviceError> {
    let host = cpal::default_host();
    let device = match wanted {
        None => host
            .default_output_device()
            .ok_or(DeviceError::NoDefaultDevice)?,
        Some(w) => find_device(&host, w)?,
    };
    let default = device.default_output_config().map_err(DeviceError::from)?;
    let name = describe(&device);
    let format = default.sample_format();
    let supported: Vec<_> = device
        .supported_output_configs()
        .map_err(DeviceError::from)?
        .collect();
    let (channels, sample_rate, buffer) = choose(request, &supported, &default);
    if channels == 0 || sample_rate == 0 {
        return Err(DeviceError::Unsupported(format!(
            "the device offers {channels} channels at {sample_rate} Hz"
        )));
    }
    let periods = periods(request.timing, sample_rate, buffer)?;
    Ok(Plan {
        device,
        name,
        format,
        config: StreamConfig {
            channels,
            sample_rate,
            buffer_size: BufferSize::Default,
        },
        periods,
        timing: request.timing,
    })
}

/// The requested rate and channel count if the device supports them in its preferred format,
/// else the device's default configuration: (channels, rate, buffer range).
fn choose(
    request: &DeviceConfig,
    supported: &[SupportedStreamConfigRange],
    default: &SupportedStreamConfig,
) -> (u16, u32, SupportedBufferSize) {
    let wanted = supported.iter().find(|r| {
        r.channels() == request.channels
            && r.sample_format() == default.sample_format()
            && (r.min_sample_rate()..=r.max_sample_rate()).contains(&request.sample_rate)
    });
    match wanted {
        Some(r) => (request.channels, request.sample_rate, *r.buffer_size()),
        None => (
            default.channels(),
            default.sample_rate(),
            *default.buffer_size(),
        ),
    }
}

/// The periods to ask for, in order, within what the device supports.
fn periods(
    timing: Timing,
    rate: u32,
    supported: SupportedBufferSize,
) -> Result<Vec<u32>, DeviceError> {
    let wanted = timing.periods(rate);
    let (min, max) = match supported {
        SupportedBufferSize::Range { min, max } => (min.max(1), max),
        SupportedBufferSize::Unknown => (1, u32::MAX),
    };
    let limit = timing.max_period_frames(rate);
    let mut out: Vec<u32> = Vec::new();
    for p in wanted {
        let p = p.clamp(min, max.max(min));
        if p <= limit && !out.contains(&p) {
            out.push(p);
        }
    }
    if out.is_empty() {
        return Err(DeviceError::BufferRefused {
            timing,
            wanted_frames: timing.period_frames(rate),
            min_frames: min,
            max_frames: max,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tests that the requested rate is used when the device supports it, and the device's
    /// own rate (and channels) otherwise: the mixer then runs at the device's rate.
    #[test]
    fn rate_and_channels_follow_the_device() {
        let buf = SupportedBufferSize::Range { min: 64, max: 8192 };
        let only_44k = [SupportedStreamConfigRange::new(
            2,
            44_100,
            44_100,
            buf,
            SampleFormat::I16,
        )];
        let default = SupportedStreamConfig::new(2, 44_100, buf, SampleFormat::I16);
        let want = |rate, channels| DeviceConfig {
            sample_rate: rate,
            channels,
            timing: Timing::Native,
        };
        assert_eq!(
            choose(&want(48_000, 2), &only_44k, &default),
            (2, 44_100, buf)
        );
        assert_eq!(
            choose(&want(44_100, 2), &only_44k, &default),
            (2, 44_100, buf)
        );
        assert_eq!(
            choose(&want(44_100, 6), &only_44k, &default),
            (2, 44_100, buf)
        );
        let wide = [SupportedStreamConfigRange::new(
            2,
            8_000,
            192_000,
            buf,
            SampleFormat::I16,
        )];
        assert_eq!(choose(&want(96_000, 2), &wide, &default), (2, 96_000, buf));
        let other_format = [SupportedStreamConfigRange::new(
            2,
            8_000,
            192_000,
            buf,
            SampleFormat::F32,
        )];
        assert_eq!(
            choose(&want(96_000, 2), &other_format, &default),
            (2, 44_100, buf)
        );
    }

    /// Tests the periods each timing asks for, and that a device whose smallest period is too
    /// long for native timing is refused (so the caller tries legacy).
    #[test]
    fn periods_follow_timing_and_device_range() {
        let any = SupportedBufferSize::Unknown;
        assert_eq!(
            periods(Timing::Native, 48_000, any).unwrap(),
            [128, 256, 480, 960]
        );
        assert_eq!(periods(Timing::Legacy, 48_000, any).unwrap(), [2400]);
        let coarse = SupportedBufferSize::Range {
            min: 700,
            max: 8192,
        };
        assert_eq!(periods(Timing::Native, 48_000, coarse).unwrap(), [700, 960]);
        let small = SupportedBufferSize::Range { min: 32, max: 300 };
        assert_eq!(
            periods(Timing::Native, 48_000, small).unwrap(),
            [128, 256, 300]
        );
        let huge = SupportedBufferSize::Range {
            min: 2048,
            max: 8192,
        };
        assert!(matches!(
            periods(Timing::Native, 48_000, huge),
            Err(DeviceError::BufferRefused {
                min_frames: 2048,
                ..
            })
        ));
        assert_eq!(periods(Timing::Legacy, 48_000, huge).unwrap(), [2400]);
    }
}
