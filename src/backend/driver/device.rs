//! [`Device`]: the driver that plays through a real output device (native or legacy
//! timing), surviving the loss of that device, on the game side.
//!
//! The renderer lives in a lock-free slot ([`AtomicCell`] of a box, one pointer wide): the
//! device callback takes it, renders, and puts it back, so it never locks. The stream itself
//! belongs to a watcher thread (`watch.rs`) that does everything slow: when the device is lost
//! (cpal's error callback, a stream that stops taking frames, or
//! [`Device::simulate_device_loss`]) it reopens the device and hands it the same renderer, so
//! every channel keeps its cursor, bus and effects; a device at another rate or channel count
//! is converted to the mixer's; with no device, a silent clock drives the renderer in real
//! time, so sounds still end on time, and a device is tried again every second. A stream that
//! underruns [`XRUN_LIMIT`](super::watch::XRUN_LIMIT) times within
//! [`XRUN_WINDOW`](super::watch::XRUN_WINDOW) is reopened with the timing's next
//! longer period.
//!
//! The game side never waits on any of it: each call takes the watcher's news (the new
//! [`BackendInfo`], [`DeviceEvent`]s) from a channel, without blocking.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, channel};
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_utils::atomic::AtomicCell;
use platform_cpal::{DeviceConfig, DeviceError, Timing};

use super::event::DeviceEvent;
use super::timed::{Gate, Hung, OPEN_TIMEOUT, open_within};
use super::watch::{Shared, Target, Update, Watcher, info_of};
use crate::backend::{BackendInfo, CoreRenderer, Mixer};
use crate::config::AudioConfig;
use crate::error::AudioError;

/// The renderer's home between callbacks.
pub(super) type Slot = Arc<AtomicCell<Option<Box<CoreRenderer>>>>;

/// What [`Device::simulate_device_loss`] lets the reopen find.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reopen {
    /// Reopen the default device, as after a real loss.
    Device,
    /// Act as if no device could be opened (the silent clock takes over).
    NoDevice,
}

/// How long [`shutdown`](crate::Backend::shutdown) waits for the watcher to close the stream
/// before going on without it (a device whose writes hang cannot hold the game).
pub(crate) const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);

/// The driver of a backend playing through an output device: the game side of the watcher
/// thread that owns the stream and the silent clock.
pub struct Device {
    shared: Arc<Shared>,
    updates: Receiver<Update>,
    watcher: Option<Watching>,
    info: BackendInfo,
    events: VecDeque<DeviceEvent>,
    /// What `frames_played` reports once `shutdown` has closed the stream.
    frames_at_shutdown: u64,
}

/// The watcher thread, and where it reports that it closed the stream.
struct Watching {
    thread: JoinHandle<()>,
    done: Receiver<u64>,
}

impl std::fmt::Debug for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Device")
            .field("info", &self.info)
            .field("silent", &self.is_silent())
            .field("reopens", &self.reopens())
            .finish_non_exhaustive()
    }
}

/// The device callback: take the renderer, render, put it back. Silence if it is elsewhere,
/// or until `gate` opens: a stream is only let at the renderer once its opener has kept it (a
/// stream whose open returned after its deadline never is, so it never races the silent
/// clock).
pub(super) fn callback(slot: Slot, gate: Gate) -> impl FnMut(&mut [f32]) + Send + 'static {
    move |out: &mut [f32]| {
        if !gate.is_open() {
            out.fill(0.0);
            return;
        }
        match slot.take() {
            Some(mut r) => {
                r.render(out);
                slot.store(Some(r));
            }
            None => out.fill(0.0),
        }
    }
}

impl Device {
    /// Open the output device (the configured one, or the default) with `timing`, and a mixer
    /// at the rate and channel count the device grants (sounds are resampled to it).
    ///
    /// The device is opened on a thread of its own, waited for at most
    /// [`OPEN_TIMEOUT`](super::timed::OPEN_TIMEOUT): a device that hangs in its open is
    /// [`DeviceError::TimedOut`], not a caller blocked for ever.
    pub(crate) fn open(config: &AudioConfig, timing: Timing) -> Result<(Mixer, Self), DeviceError> {
        let cfg = config.clone();
        let ((mixer, slot, output, granted), _) =
            open_within(OPEN_TIMEOUT, &mut Hung::default(), true, move |gate| {
                Self::start(&cfg, timing, gate)
            })?;
        let target = Target {
            rate: granted.sample_rate,
            channels: granted.channels,
            timings: vec![timing],
            wanted: config.device.clone(),
        };
        let reason = match (&config.device, timing) {
            (Some(name), _) => format!("the device asked for by name ({name:?})"),
            (None, Timing::Native) => "the default output device".to_string(),
            (None, Timing::Legacy) => {
                "the default output device, with legacy timing (native timing failed)".into()
            }
        };
        let info = info_of(&output, timing, &target, reason);
        let device = Self::watch(slot, target, Some(output), info, false);
        Ok((mixer, device))
    }

    /// Negotiate `timing` with the device `config` names, make the mixer at the format it
    /// grants, and start the stream (its callback shut out until `gate` opens).
    #[allow(clippy::type_complexity)]
    fn start(
        config: &AudioConfig,
        timing: Timing,
        gate: Gate,
    ) -> Result<(Mixer, Slot, platform_cpal::Output, AudioConfig), DeviceError> {
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
        let output = plan.start(|| callback(slot.clone(), gate.clone()))?;
        Ok((mixer, slot, output, granted))
    }

    /// A device driver with no device yet, for a null backend that keeps looking for one
    /// (`info` is the null backend's): its renderer stays with the null clock until a device
    /// opens ([`has_device`](Self::has_device)) and [`adopt`](Self::adopt) is handed it.
    pub(crate) fn standby(
        config: &AudioConfig,
        timings: Vec<Timing>,
        info: BackendInfo,
        cause: &str,
    ) -> Self {
        let target = Target {
            rate: config.sample_rate,
            channels: config.channels,
            timings,
            wanted: config.device.clone(),
        };
        let mut device = Self::watch(Arc::new(AtomicCell::new(None)), target, None, info, true);
        device.events.push_back(DeviceEvent::FellBackToSilent {
            cause: cause.to_string(),
        });
        device
    }

    fn watch(
        slot: Slot,
        target: Target,
        output: Option<platform_cpal::Output>,
        info: BackendInfo,
        standby: bool,
    ) -> Self {
        let shared = Arc::new(Shared::new(slot));
        shared.standby.store(standby, Ordering::Release);
        let (tx, updates) = channel();
        let (done_tx, done) = channel();
        let watcher = Watcher::new(shared.clone(), tx, target, output, info.clone());
        let thread = std::thread::Builder::new()
            .name("simvx-audio device".into())
            .spawn(move || {
                let frames = watcher.run();
                let _ = done_tx.send(frames);
            });
        let mut device = Self {
            shared,
            updates,
            watcher: thread.ok().map(|thread| Watching { thread, done }),
            info,
            events: VecDeque::new(),
            frames_at_shutdown: 0,
        };
        // The news the watcher made while starting (its first info).
        device.poll();
        device
    }

    /// Take the watcher's news (without waiting): the latest info, and its events.
    pub(crate) fn poll(&mut self) {
        while let Ok(update) = self.updates.try_recv() {
            match update {
                Update::Info(info) => self.info = info,
                Update::Event(e) => self.events.push_back(e),
            }
        }
    }

    /// Whether a stream is open (not the silent clock, not standby).
    pub(crate) fn has_device(&self) -> bool {
        !self.shared.silent.load(Ordering::Acquire)
    }

    /// Put the renderer into the slot the stream plays from (a null backend moving onto the
    /// device that appeared); from now on a silent clock drives it whenever there is no device.
    pub(crate) fn adopt(&mut self, renderer: Box<CoreRenderer>) {
        self.shared.slot.store(Some(renderer));
        self.shared.standby.store(false, Ordering::Release);
        self.wake();
    }

    /// Take what happened to the device since the last call, oldest first.
    pub fn take_events(&mut self) -> Vec<DeviceEvent> {
        self.poll();
        self.events.drain(..).collect()
    }

    /// What the backend runs on now (after a loss: the reopened device, or the silent clock),
    /// as of the last call.
    pub fn info(&self) -> &BackendInfo {
        &self.info
    }

    /// Frames the device has been handed since the current stream started (0 on the silent
    /// clock; after `shutdown`, the closed stream's final count): a device-side clock for
    /// measuring latency.
    pub fn frames_played(&self) -> u64 {
        if self.watcher.is_none() {
            return self.frames_at_shutdown;
        }
        self.shared.health().map_or(0, |h| h.frames())
    }

    /// Underruns the device reported since the current stream started.
    pub fn xruns(&self) -> u64 {
        self.shared.health().map_or(0, |h| h.xruns())
    }

    /// Behave as if the device had just reported `n` underruns (as a stream whose periods are
    /// too short for the machine does): three of them within ten seconds make the watcher
    /// reopen the device with the timing's next longer period. For testing.
    pub fn simulate_underruns(&mut self, n: u64) {
        if let Some(h) = self.shared.health() {
            h.note_xruns(n);
        }
        self.wake();
    }

    /// How many times a device was opened again: after a loss, or after the silent clock.
    pub fn reopens(&self) -> u32 {
        self.shared.reopens.load(Ordering::Acquire)
    }

    /// Whether there is no device and a silent clock drives the mixer.
    pub fn is_silent(&self) -> bool {
        !self.has_device()
    }

    /// Behave as if the device had just been lost: the watcher recovers at once, reopening the
    /// device or (with [`Reopen::NoDevice`]) falling back to the silent clock, from which it
    /// tries again every second (and, with `NoDevice`, fails until
    /// [`simulate_device_return`](Self::simulate_device_return)). For testing a game's (and
    /// this crate's) handling of unplugged headphones.
    pub fn simulate_device_loss(&mut self, reopen: Reopen) {
        self.shared
            .fail_open
            .store(reopen == Reopen::NoDevice, Ordering::Release);
        if let Some(h) = self.shared.health() {
            h.mark_lost();
        }
        self.wake();
    }

    /// Behave as if a device had been plugged in again: the next retry from the silent clock
    /// (at most a second away) opens it. For testing.
    pub fn simulate_device_return(&mut self) {
        self.shared.fail_open.store(false, Ordering::Release);
    }

    /// Wake the watcher now rather than at its next poll.
    fn wake(&self) {
        if let Some(w) = &self.watcher {
            w.thread.thread().unpark();
        }
    }

    /// `shutdown`: the watcher closes the stream (or stops the silent clock), so the device is
    /// free for the next backend at once. Waits at most [`CLOSE_TIMEOUT`]: a device that hangs
    /// in its close is left to its thread, with a warning. Idempotent; the renderer stays in
    /// its slot until the backend is dropped.
    fn close(&mut self) {
        let Some(w) = self.watcher.take() else { return };
        self.shared.stop.store(true, Ordering::Release);
        w.thread.thread().unpark();
        match w.done.recv_timeout(CLOSE_TIMEOUT) {
            Ok(frames) => {
                self.frames_at_shutdown = frames;
                let _ = w.thread.join();
            }
            Err(_) => crate::log::warn_always(&format!(
                "simvx-audio: the audio device did not close within {} s; left it to close \
                 on its own thread.",
                CLOSE_TIMEOUT.as_secs()
            )),
        }
        self.poll();
    }
}

impl Drop for Device {
    fn drop(&mut self) {
        // Stop whatever drives the renderer before the renderer goes (it stays alive in the
        // shared slot for a watcher that does not stop in time).
        self.close();
    }
}

impl super::Driver for Device {}

impl super::sealed::Ops for Device {
    fn before(&mut self, _mixer: &mut Mixer) {
        self.poll();
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
    fn take_events(&mut self) -> Vec<DeviceEvent> {
        Device::take_events(self)
    }
    fn device(&self) -> Option<&Device> {
        Some(self)
    }
    fn device_mut(&mut self) -> Option<&mut Device> {
        Some(self)
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
