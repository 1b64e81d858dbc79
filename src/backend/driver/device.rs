//! [`Device`]: the driver that plays through a real output device (native or legacy
//! timing), surviving the loss of that device.
//!
//! The renderer lives in a lock-free slot ([`AtomicCell`] of a box, one pointer wide): the
//! device callback takes it, renders, and puts it back, so it never locks. When the device is
//! lost (cpal's error callback, or [`DeviceBackend::simulate_device_loss`]), the next call on
//! the game thread drops the dead stream (which joins its thread, so the renderer is back in
//! the slot), reopens the default device at the same rate and channel count, and hands it the
//! same renderer: every channel keeps its cursor, bus and effects. If no device opens, a silent
//! clock thread drives the renderer in real time instead, so sounds still end on time, with a
//! one-time warning; the game keeps calling the same API throughout.
//!
//! The same reopening serves a device that keeps underrunning: native timing starts with short
//! periods (128 frames at 48 kHz, a 5.3 ms buffer), and a stream that underruns
//! [`XRUN_LIMIT`] times within [`XRUN_WINDOW`] is reopened with the timing's next longer
//! period, with one warning each time, until it runs clean or reaches the longest.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_utils::atomic::AtomicCell;
use platform_cpal::{DeviceConfig, DeviceError, Output, Timing};

use crate::backend::{BackendInfo, BackendKind, CoreRenderer, Mixer};
use crate::config::AudioConfig;
use crate::error::AudioError;
use crate::log::warn_always;

/// What happened to a device backend's device, for the game to take
/// ([`Device::take_events`]); each is also logged as a warning every time it happens.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeviceEvent {
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
    /// The device kept underrunning: it was reopened with longer periods.
    Lengthened {
        /// The period before, and after, in frames.
        from_frames: u32,
        /// The period now.
        to_frames: u32,
    },
}

/// Underruns within [`XRUN_WINDOW`] that make the device move to a longer period.
pub(crate) const XRUN_LIMIT: usize = 3;

/// The window in which [`XRUN_LIMIT`] underruns count as a device that cannot keep up.
pub(crate) const XRUN_WINDOW: Duration = Duration::from_secs(10);

/// The renderer's home between callbacks.
type Slot = Arc<AtomicCell<Option<Box<CoreRenderer>>>>;

/// What [`Device::simulate_device_loss`] lets the reopen find.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reopen {
    /// Reopen the default device, as after a real loss.
    Device,
    /// Act as if no device could be opened (the silent clock takes over).
    NoDevice,
}

/// The driver of a backend playing through the default output device: the cpal stream whose
/// callback renders, and the silent clock that takes over if the device is lost for good.
pub struct Device {
    slot: Slot,
    output: Option<Output>,
    clock: Option<SilentClock>,
    timing: Timing,
    info: BackendInfo,
    reopens: u32,
    fail_reopen: bool,
    /// What `frames_played` reports once `shutdown` has closed the stream.
    frames_at_shutdown: u64,
    /// The underruns seen so far on this stream, and when the latest ones came.
    xruns_seen: u64,
    xrun_times: std::collections::VecDeque<Instant>,
    /// The shortest period a reopen may use (0: any): where underruns have taken it.
    floor: u32,
    /// The device asked for by name (`None`: the default output).
    wanted: Option<String>,
    /// What happened, not taken yet.
    events: std::collections::VecDeque<DeviceEvent>,
    /// On the silent clock: when to try a device again.
    retry_at: Option<Instant>,
}

/// How often a backend on its silent clock tries to open a device again (on the game's
/// calls, which come many times a second in a game).
pub(crate) const RETRY_INTERVAL: Duration = Duration::from_secs(1);

impl std::fmt::Debug for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Device")
            .field("info", &self.info)
            .field("output", &self.output)
            .field("silent", &self.clock.is_some())
            .field("reopens", &self.reopens)
            .field("xruns_seen", &self.xruns_seen)
            .finish_non_exhaustive()
    }
}

/// The device callback: take the renderer, render, put it back. Silence if it is elsewhere.
fn callback(slot: Slot) -> impl FnMut(&mut [f32]) + Send + 'static {
    move |out: &mut [f32]| match slot.take() {
        Some(mut r) => {
            r.render(out);
            slot.store(Some(r));
        }
        None => out.fill(0.0),
    }
}

impl Device {
    /// Open the default output device with `timing`, and a mixer at the rate and channel count
    /// the device grants (sounds are resampled to it).
    pub(crate) fn open(config: &AudioConfig, timing: Timing) -> Result<(Mixer, Self), DeviceError> {
        let plan = platform_cpal::negotiate_on(
            &DeviceConfig {
                sample_rate: config.sample_rate,
                channels: config.channels,
                timing,
            },
            config.device.as_deref(),
        )?;
        let granted = AudioConfig {
            sample_rate: plan.sample_rate(),
            channels: plan.channels(),
            ..config.clone()
        };
        let unsupported = |e: AudioError| DeviceError::Unsupported(e.to_string());
        let core = granted.core().map_err(unsupported)?;
        let memory = granted.effect_memory_floats().map_err(unsupported)?;
        let (mixer, renderer) =
            Mixer::new(core, memory, config.max_pending_commands).map_err(unsupported)?;
        let slot: Slot = Arc::new(AtomicCell::new(Some(renderer)));
        let output = plan.start(|| callback(slot.clone()))?;
        let info = info_of(&output, timing);
        let device = Self {
            slot,
            output: Some(output),
            clock: None,
            timing,
            info,
            reopens: 0,
            fail_reopen: false,
            frames_at_shutdown: 0,
            xruns_seen: 0,
            xrun_times: std::collections::VecDeque::new(),
            floor: 0,
            wanted: config.device.clone(),
            events: std::collections::VecDeque::new(),
            retry_at: None,
        };
        Ok((mixer, device))
    }

    /// Take what happened to the device since the last call, oldest first.
    pub fn take_events(&mut self) -> Vec<DeviceEvent> {
        self.events.drain(..).collect()
    }

    /// What the backend runs on now (after a loss: the reopened device, or the silent clock).
    pub fn info(&self) -> &BackendInfo {
        &self.info
    }

    /// Frames the device has been handed since the current stream started (0 on the silent
    /// clock; after `shutdown`, the closed stream's final count): a device-side clock for
    /// measuring latency.
    pub fn frames_played(&self) -> u64 {
        self.output
            .as_ref()
            .map_or(self.frames_at_shutdown, |o| o.health().frames())
    }

    /// Underruns the device reported since the current stream started.
    pub fn xruns(&self) -> u64 {
        self.output.as_ref().map_or(0, |o| o.health().xruns())
    }

    /// Whether the next call has work to do on the device (a lost stream to reopen, underruns
    /// to weigh): a host that wants to do that work without holding a lock of its own (the
    /// Python bindings release the GIL) asks first.
    pub fn needs_attention(&self) -> bool {
        self.output
            .as_ref()
            .is_some_and(|o| o.health().is_lost() || o.health().xruns() != self.xruns_seen)
            || self
                .retry_at
                .is_some_and(|t| self.clock.is_some() && Instant::now() >= t)
    }

    /// Behave as if the device had just reported `n` underruns (as a stream whose periods are
    /// too short for the machine does): three of them within ten seconds make the next call
    /// reopen the device with the timing's next longer period. For testing.
    pub fn simulate_underruns(&mut self, n: u64) {
        if let Some(o) = &self.output {
            o.health().note_xruns(n);
        }
    }

    /// How many times the device was reopened after a loss.
    pub fn reopens(&self) -> u32 {
        self.reopens
    }

    /// Whether the device is gone and a silent clock drives the mixer.
    pub fn is_silent(&self) -> bool {
        self.clock.is_some()
    }

    /// Behave as if the device had just been lost: the next call recovers, reopening the
    /// default device or (with [`Reopen::NoDevice`]) falling back to the silent clock, from
    /// which it tries again every second (and, with `NoDevice`, fails until
    /// [`simulate_device_return`](Self::simulate_device_return)). For testing a game's (and
    /// this crate's) handling of unplugged headphones.
    pub fn simulate_device_loss(&mut self, reopen: Reopen) {
        self.fail_reopen = reopen == Reopen::NoDevice;
        if let Some(o) = &self.output {
            o.health().mark_lost();
        }
    }

    /// Behave as if a device had been plugged in again: the next retry from the silent clock
    /// (at most a second away) opens it. For testing.
    pub fn simulate_device_return(&mut self) {
        self.fail_reopen = false;
    }

    /// On the silent clock, once the retry interval has passed: open a device again and move
    /// the mixer back onto it (runs before every call).
    fn retry(&mut self) {
        let Some(at) = self.retry_at.filter(|_| self.clock.is_some()) else {
            return;
        };
        let now = Instant::now();
        if now < at {
            return;
        }
        self.retry_at = Some(now + RETRY_INTERVAL);
        if self.fail_reopen {
            return;
        }
        // The silent clock stops first (the renderer goes back into the slot), so the new
        // stream's callback and it never both render. If no device opens, it starts again.
        self.clock = None;
        let (rate, channels) = (self.info.sample_rate, self.info.channels);
        match self.reopen(rate, channels) {
            Ok(output) => {
                self.retry_at = None;
                self.reopens += 1;
                self.info = info_of(&output, self.timing);
                warn_always(&format!(
                    "simvx-audio: an audio device is back ({}); every sound plays on it from \
                     where it was.",
                    self.info.device
                ));
                self.events.push_back(DeviceEvent::BackOnDevice {
                    device: self.info.device.clone(),
                });
                self.output = Some(output);
            }
            Err(_) => {
                self.clock = Some(SilentClock::start(
                    self.slot.clone(),
                    rate,
                    usize::from(channels),
                ));
            }
        }
    }

    /// Notice a lost device and recover from it (runs before every call).
    fn recover(&mut self) {
        let lost = self.output.as_ref().is_some_and(|o| o.health().is_lost());
        if !lost {
            return;
        }
        // Dropping the stream joins its thread: the renderer is back in the slot after this.
        self.output = None;
        let rate = self.info.sample_rate;
        let channels = self.info.channels;
        let reopened = if self.fail_reopen {
            Err(DeviceError::NoDefaultDevice)
        } else {
            self.reopen(rate, channels)
        };
        match reopened {
            Ok(output) => {
                self.reopens += 1;
                self.info = info_of(&output, self.timing);
                warn_always(&format!(
                    "simvx-audio: the audio device was lost; reopened it ({}). Every sound \
                     kept playing from where it was.",
                    self.info.device
                ));
                self.events.push_back(DeviceEvent::Reopened {
                    device: self.info.device.clone(),
                });
                self.output = Some(output);
            }
            Err(e) => self.go_silent(&e),
        }
    }

    /// No device could be (re)opened: a silent clock drives the renderer from now on.
    fn go_silent(&mut self, e: &DeviceError) {
        warn_always(&format!(
            "simvx-audio: the audio device was lost and no device could be \
             reopened ({e}): AUDIO IS SILENT from now on. Sounds keep their \
             state and still end on time."
        ));
        self.events.push_back(DeviceEvent::FellBackToSilent {
            cause: e.to_string(),
        });
        let (rate, channels) = (self.info.sample_rate, self.info.channels);
        self.info.device = "none (device lost; mixing silently)".into();
        self.info.buffer_frames = None;
        self.info.latency_seconds = None;
        self.clock = Some(SilentClock::start(
            self.slot.clone(),
            rate,
            usize::from(channels),
        ));
        self.retry_at = Some(Instant::now() + RETRY_INTERVAL);
    }

    /// Move to a longer period when the stream keeps underrunning (runs before every call;
    /// one atomic load when nothing happened).
    fn adapt(&mut self) {
        let Some(output) = &self.output else { return };
        let xruns = output.health().xruns();
        if xruns == self.xruns_seen {
            return;
        }
        let now = Instant::now();
        let new = (xruns - self.xruns_seen).min(XRUN_LIMIT as u64);
        self.xruns_seen = xruns;
        for _ in 0..new {
            self.xrun_times.push_back(now);
        }
        while self.xrun_times.len() > XRUN_LIMIT {
            self.xrun_times.pop_front();
        }
        let burst = self.xrun_times.len() == XRUN_LIMIT
            && self
                .xrun_times
                .front()
                .is_some_and(|&t| now.duration_since(t) <= XRUN_WINDOW);
        if burst {
            self.xrun_times.clear();
            self.lengthen_period();
        }
    }

    /// Reopen the device with the timing's next longer period (no-op at the longest: for
    /// native timing, 10 ms periods, a 20 ms buffer). The stream is closed first, so an
    /// exclusive device is free to be opened again.
    fn lengthen_period(&mut self) {
        let Some(from) = self.info.buffer_frames else {
            return;
        };
        let (rate, channels) = (self.info.sample_rate, self.info.channels);
        let cap = match self.timing {
            Timing::Native => rate / 100,
            Timing::Legacy => u32::MAX,
        };
        if !self
            .timing
            .periods(rate)
            .iter()
            .any(|&p| p > from && p <= cap)
        {
            return;
        }
        // Dropping the stream joins its thread: the renderer is back in the slot after this.
        self.output = None;
        self.floor = from + 1;
        match self.reopen(rate, channels) {
            Ok(output) => {
                self.info = info_of(&output, self.timing);
                let to = self.info.buffer_frames.unwrap_or(0);
                let ms = self.info.latency_seconds.unwrap_or(0.0) * 1000.0;
                warn_always(&format!(
                    "simvx-audio: the audio device underran {XRUN_LIMIT} times within \
                     {} s with {from}-frame periods; reopened it with {to}-frame periods \
                     ({ms:.1} ms of buffer). Every sound kept playing.",
                    XRUN_WINDOW.as_secs()
                ));
                self.events.push_back(DeviceEvent::Lengthened {
                    from_frames: from,
                    to_frames: to,
                });
                self.output = Some(output);
            }
            Err(e) => self.go_silent(&e),
        }
    }

    /// `shutdown`: close the stream (which joins its thread) or stop the silent clock, so the
    /// device is free for the next backend at once, not when this one is dropped. No recovery
    /// first: a lost device is not reopened only to be closed. Idempotent; the renderer stays
    /// in its slot until the backend is dropped.
    fn close(&mut self) {
        if let Some(output) = self.output.take() {
            self.frames_at_shutdown = output.health().frames();
        }
        self.clock = None;
    }

    /// Open the default device again, at the mixer's rate and channel count, with periods no
    /// shorter than the floor underruns have set (all of the timing's, where the device offers
    /// none that long).
    fn reopen(&mut self, rate: u32, channels: u16) -> Result<Output, DeviceError> {
        self.xruns_seen = 0;
        self.xrun_times.clear();
        let plan = self.plan(rate, channels)?;
        let plan = match self.floor {
            0 | 1 => plan,
            floor => match plan.above(floor - 1) {
                Some(p) => p,
                None => self.plan(rate, channels)?,
            },
        };
        let slot = self.slot.clone();
        plan.start(|| callback(slot.clone()))
    }

    /// The default device's plan, at the mixer's rate and channel count (or an error if the
    /// device no longer offers them).
    fn plan(&self, rate: u32, channels: u16) -> Result<platform_cpal::Plan, DeviceError> {
        let plan = platform_cpal::negotiate_on(
            &DeviceConfig {
                sample_rate: rate,
                channels,
                timing: self.timing,
            },
            self.wanted.as_deref(),
        )?;
        if plan.sample_rate() != rate || plan.channels() != channels {
            return Err(DeviceError::Unsupported(format!(
                "the default device now offers {} channels at {} Hz; the mixer runs {channels} at {rate} Hz",
                plan.channels(),
                plan.sample_rate()
            )));
        }
        Ok(plan)
    }
}

impl Drop for Device {
    fn drop(&mut self) {
        // Stop whatever drives the renderer before the renderer itself goes.
        self.output = None;
        self.clock = None;
    }
}

fn info_of(output: &Output, timing: Timing) -> BackendInfo {
    let o = output.info();
    BackendInfo {
        kind: match timing {
            Timing::Native => BackendKind::Native,
            Timing::Legacy => BackendKind::Legacy,
        },
        device: o.device.clone(),
        buffer_frames: o.period_frames,
        latency_seconds: o.latency_seconds,
        sample_rate: o.sample_rate,
        channels: o.channels,
        sample_format: o.sample_format.clone(),
    }
}

impl super::Driver for Device {}

impl super::sealed::Ops for Device {
    fn before(&mut self, _mixer: &mut Mixer) {
        self.recover();
        self.retry();
        self.adapt();
    }
    fn info(&self) -> &BackendInfo {
        &self.info
    }
    fn has_streams(&self) -> bool {
        true
    }
    fn release(&mut self) {
        self.close();
    }
    fn device(&self) -> Option<&Device> {
        Some(self)
    }
    fn device_mut(&mut self) -> Option<&mut Device> {
        Some(self)
    }
}

/// Drives the renderer in real time, discarding the output, when no device is left.
#[derive(Debug)]
struct SilentClock {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl SilentClock {
    fn start(slot: Slot, rate: u32, channels: usize) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("simvx-audio silent clock".into())
            .spawn(move || {
                let chunk = (rate as usize / 100).max(1);
                let mut scratch = vec![0.0f32; chunk * channels.max(1)];
                let start = Instant::now();
                let mut done = 0u64;
                while !flag.load(Ordering::Acquire) {
                    let due = (start.elapsed().as_secs_f64() * f64::from(rate)) as u64;
                    while done < due {
                        let n = (due - done).min(chunk as u64) as usize;
                        if let Some(mut r) = slot.take() {
                            r.render(&mut scratch[..n * channels.max(1)]);
                            slot.store(Some(r));
                        }
                        done += n as u64;
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
            })
            .ok();
        Self { stop, thread }
    }
}

impl Drop for SilentClock {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tests that the renderer's slot is a single atomic word, so the device callback never
    /// takes a lock to reach the renderer.
    #[test]
    fn renderer_slot_is_lock_free() {
        assert!(AtomicCell::<Option<Box<CoreRenderer>>>::is_lock_free());
    }
}
