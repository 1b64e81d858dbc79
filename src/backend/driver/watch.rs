//! The device watcher: the thread that owns a device backend's stream and does every slow
//! thing a device needs, so no call from the game waits on one.
//!
//! It wakes every [`POLL`] (and when the game signals it), and:
//! - notices a lost stream (cpal's error callback, or no frames taken for [`STALL`]) and
//!   reopens the device at the mixer's rate and channel count, converting where the device now
//!   runs at another ([`platform_cpal::Plan::start_converting`]); a stream lost again and again
//!   ([`FLAP_LIMIT`] times within [`FLAP_WINDOW`]) is not reopened at once but left to the
//!   retries of the silent clock, which back off;
//! - with no device, drives the renderer on a [`SilentClock`] and tries a device again every
//!   [`RETRY_INTERVAL`] (longer after repeated failures, up to [`RETRY_MAX`]);
//! - lengthens the period of a stream that keeps underrunning.
//!
//! Each change is sent to the game side as an [`Update`] (the new [`BackendInfo`] and a
//! [`DeviceEvent`]), and logged as a warning every time it happens.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use platform_cpal::{DeviceConfig, DeviceError, Health, Loss, Output, Timing};

use super::device::{Slot, callback};
use super::event::DeviceEvent;
use super::silent::SilentClock;
use super::timed::{Gate, Hung, OPEN_TIMEOUT, open_within};
use crate::backend::{BackendInfo, BackendKind};
use crate::log::warn_always;

/// How often the watcher looks at the stream when nothing wakes it.
pub(crate) const POLL: Duration = Duration::from_millis(10);

/// A stream that has taken no frames for this long is treated as lost.
pub(crate) const STALL: Duration = Duration::from_secs(1);

/// How often a backend with no device tries to open one again, at first.
pub(crate) const RETRY_INTERVAL: Duration = Duration::from_secs(1);

/// The longest the retry interval grows to after repeated failures.
pub(crate) const RETRY_MAX: Duration = Duration::from_secs(16);

/// Losses within [`FLAP_WINDOW`] after which the device is left to the silent clock's
/// retries instead of being reopened at once.
pub(crate) const FLAP_LIMIT: usize = 3;

/// The window in which [`FLAP_LIMIT`] losses make a device count as failing.
pub(crate) const FLAP_WINDOW: Duration = Duration::from_secs(10);

/// Underruns within [`XRUN_WINDOW`] that make the device move to a longer period.
pub(crate) const XRUN_LIMIT: usize = 3;

/// The window in which [`XRUN_LIMIT`] underruns count as a device that cannot keep up.
pub(crate) const XRUN_WINDOW: Duration = Duration::from_secs(10);

/// What the game side and the watcher share (atomics, and the current stream's counters).
pub(super) struct Shared {
    /// Where the renderer lives between callbacks.
    pub(super) slot: Slot,
    /// The current stream's counters (`None` on the silent clock).
    pub(super) health: Mutex<Option<Arc<Health>>>,
    /// Whether a silent clock (or nothing, on standby) drives the renderer.
    pub(super) silent: AtomicBool,
    /// The renderer is not in the slot yet (a null backend waiting for a device): no silent
    /// clock is started until it is.
    pub(super) standby: AtomicBool,
    /// Reopens after a loss, and returns from the silent clock.
    pub(super) reopens: AtomicU32,
    /// For tests: act as if no device could be opened.
    pub(super) fail_open: AtomicBool,
    /// For tests: try a device now, not at the next retry.
    pub(super) retry_now: AtomicBool,
    /// Stop: close the stream and end the thread.
    pub(super) stop: AtomicBool,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("silent", &self.silent)
            .field("reopens", &self.reopens)
            .finish_non_exhaustive()
    }
}

impl Shared {
    pub(super) fn new(slot: Slot) -> Self {
        Self {
            slot,
            health: Mutex::new(None),
            silent: AtomicBool::new(false),
            standby: AtomicBool::new(false),
            reopens: AtomicU32::new(0),
            fail_open: AtomicBool::new(false),
            retry_now: AtomicBool::new(false),
            stop: AtomicBool::new(false),
        }
    }

    /// The current stream's counters.
    pub(super) fn health(&self) -> Option<Arc<Health>> {
        self.health
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn set_health(&self, health: Option<Arc<Health>>) {
        *self.health.lock().unwrap_or_else(|p| p.into_inner()) = health;
    }
}

/// What the watcher tells the game side.
#[derive(Debug)]
pub(super) enum Update {
    /// What the backend runs on now.
    Info(BackendInfo),
    /// What happened.
    Event(DeviceEvent),
}

/// What the watcher opens: the mixer's format, the timings it may use, the device by name.
#[derive(Debug, Clone)]
pub(super) struct Target {
    /// The mixer's rate and channels (the device is converted to them if it differs).
    pub(super) rate: u32,
    pub(super) channels: u16,
    /// The timings to try, in order (the first that opens is kept).
    pub(super) timings: Vec<Timing>,
    /// The device asked for by name (`None`: the default output).
    pub(super) wanted: Option<String>,
}

/// The watcher's state: it owns the stream.
pub(super) struct Watcher {
    shared: Arc<Shared>,
    updates: Sender<Update>,
    target: Target,
    output: Option<Output>,
    clock: Option<SilentClock>,
    timing: Timing,
    info: BackendInfo,
    /// The underruns seen so far on this stream, and when the latest ones came.
    xruns_seen: u64,
    xrun_times: VecDeque<Instant>,
    /// The shortest period a reopen may use (0: any): where underruns have taken it.
    floor: u32,
    /// Reroutes seen on this stream.
    reroutes_seen: u64,
    /// The frame count last seen moving, and when.
    progress: (u64, Instant),
    /// When recent losses came (to notice a device that fails right after every reopen).
    losses: VecDeque<Instant>,
    /// On the silent clock: when to try a device next, and the interval after that.
    retry_at: Option<Instant>,
    retry_every: Duration,
    /// When the current stream opened.
    opened_at: Instant,
    /// An open that timed out and may still hang.
    hung: Hung,
    /// The gate of the stream just opened, opened when it is adopted.
    gate: Option<Gate>,
}

impl std::fmt::Debug for Watcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watcher")
            .field("info", &self.info)
            .field("silent", &self.output.is_none())
            .finish_non_exhaustive()
    }
}

impl Watcher {
    /// A watcher of `output` (already playing from `shared.slot`), or, with `None`, of no
    /// device yet: on a silent clock, or on standby when the renderer is elsewhere.
    pub(super) fn new(
        shared: Arc<Shared>,
        updates: Sender<Update>,
        target: Target,
        output: Option<Output>,
        info: BackendInfo,
    ) -> Self {
        let timing = target.timings.first().copied().unwrap_or(Timing::Native);
        let mut w = Self {
            shared,
            updates,
            target,
            output: None,
            clock: None,
            timing,
            info,
            xruns_seen: 0,
            xrun_times: VecDeque::new(),
            floor: 0,
            reroutes_seen: 0,
            progress: (0, Instant::now()),
            losses: VecDeque::new(),
            retry_at: None,
            retry_every: RETRY_INTERVAL,
            opened_at: Instant::now(),
            hung: Hung::default(),
            gate: None,
        };
        match output {
            Some(o) => w.adopt(o),
            None => w.start_silent(),
        }
        w
    }

    /// Watch until told to stop; then close the stream and return the frames it played.
    pub(super) fn run(mut self) -> u64 {
        while !self.shared.stop.load(Ordering::Acquire) {
            self.step();
            std::thread::park_timeout(POLL);
        }
        let frames = self.output.as_ref().map_or(0, |o| o.health().frames());
        self.output = None;
        self.clock = None;
        frames
    }

    /// One look at the device.
    fn step(&mut self) {
        // A stream that has lived through a flapping window earns back the short retry.
        if self.output.is_some() && self.opened_at.elapsed() > FLAP_WINDOW {
            self.retry_every = RETRY_INTERVAL;
        }
        // Handed the renderer while there was no device: the silent clock takes it.
        if self.output.is_none()
            && self.clock.is_none()
            && !self.shared.standby.load(Ordering::Acquire)
        {
            self.start_silent();
        }
        self.notice_stall();
        self.recover();
        self.retry();
        self.adapt();
        self.notice_reroute();
    }

    fn send(&self, update: Update) {
        let _ = self.updates.send(update);
    }

    fn event(&self, event: DeviceEvent) {
        self.send(Update::Event(event));
    }

    /// Make `output` the stream, with fresh bookkeeping.
    fn adopt(&mut self, output: Output) {
        self.xruns_seen = 0;
        self.xrun_times.clear();
        self.reroutes_seen = 0;
        self.progress = (0, Instant::now());
        self.opened_at = Instant::now();
        self.shared.set_health(Some(output.health().clone()));
        self.shared.silent.store(false, Ordering::Release);
        // The silent clock stops (the renderer goes back into the slot) before the stream's
        // callback is let at it, so the two never both render.
        self.clock = None;
        if let Some(gate) = self.gate.take() {
            gate.open();
        }
        self.retry_at = None;
        self.info = info_of(&output, self.timing, &self.target, self.info.reason.clone());
        self.output = Some(output);
        self.send(Update::Info(self.info.clone()));
    }

    /// No stream: a silent clock drives the renderer (unless on standby), and a device is
    /// tried again at the retry interval.
    fn start_silent(&mut self) {
        self.output = None;
        self.shared.set_health(None);
        self.shared.silent.store(true, Ordering::Release);
        if !self.shared.standby.load(Ordering::Acquire) && self.clock.is_none() {
            self.clock = Some(SilentClock::start(
                self.shared.slot.clone(),
                self.target.rate,
                usize::from(self.target.channels),
            ));
        }
        let before = self.info.clone();
        self.info.device = "none (no device; mixing silently)".into();
        self.info.buffer_frames = None;
        self.info.latency_seconds = None;
        self.info.device_sample_rate = self.target.rate;
        self.info.device_channels = self.target.channels;
        self.retry_at = Some(Instant::now() + self.retry_every);
        if self.info != before {
            self.send(Update::Info(self.info.clone()));
        }
    }

    /// A stream that has taken no frames for [`STALL`] is lost.
    fn notice_stall(&mut self) {
        let Some(output) = &self.output else { return };
        let frames = output.health().frames();
        let now = Instant::now();
        if frames != self.progress.0 {
            self.progress = (frames, now);
        } else if now.duration_since(self.progress.1) >= STALL {
            output.health().mark_lost_because(Loss::Stalled);
        }
    }

    /// Notice a lost stream and recover from it.
    fn recover(&mut self) {
        let Some(loss) = self.output.as_ref().and_then(|o| o.health().loss()) else {
            return;
        };
        let device = self.info.device.clone();
        if let Some(output) = self.output.take() {
            discard(output);
        }
        self.shared.set_health(None);
        warn_always(&format!(
            "simvx-audio: the audio device {device:?} was lost ({loss}); every sound keeps \
             its place."
        ));
        self.event(DeviceEvent::Lost {
            device,
            cause: loss.to_string(),
        });
        let now = Instant::now();
        self.losses.push_back(now);
        while self
            .losses
            .front()
            .is_some_and(|&t| now.duration_since(t) > FLAP_WINDOW)
        {
            self.losses.pop_front();
        }
        if self.losses.len() >= FLAP_LIMIT {
            self.losses.clear();
            self.retry_every = (self.retry_every * 2).min(RETRY_MAX);
            let cause = format!(
                "it was lost {FLAP_LIMIT} times within {} s; trying again in {} s",
                FLAP_WINDOW.as_secs(),
                self.retry_every.as_secs()
            );
            self.go_silent(&cause);
            return;
        }
        match self.open() {
            Ok(output) => {
                self.shared.reopens.fetch_add(1, Ordering::AcqRel);
                self.info.reason = format!("reopened after a loss ({loss})");
                let before = (self.info.device_sample_rate, self.info.device_channels);
                self.adopt(output);
                warn_always(&format!(
                    "simvx-audio: reopened the audio device ({}); every sound kept playing \
                     from where it was.",
                    self.info.device
                ));
                self.event(DeviceEvent::Reopened {
                    device: self.info.device.clone(),
                });
                self.note_format(before);
            }
            Err(e) => self.go_silent(&e.to_string()),
        }
    }

    /// No device could be (re)opened: the silent clock drives the renderer from now on.
    fn go_silent(&mut self, cause: &str) {
        warn_always(&format!(
            "simvx-audio: no audio device could be opened ({cause}): AUDIO IS SILENT until \
             one can be. Sounds keep their state and still end on time; a device is tried \
             again every {} s.",
            self.retry_every.as_secs()
        ));
        self.event(DeviceEvent::FellBackToSilent {
            cause: cause.to_string(),
        });
        self.start_silent();
    }

    /// With no device, once the retry interval has passed: open one and move the renderer
    /// onto it. The interval is [`RETRY_INTERVAL`] while no device opens at all; a device that
    /// keeps failing right after it opens doubles it each time, up to [`RETRY_MAX`], until a
    /// stream lives through [`FLAP_WINDOW`].
    fn retry(&mut self) {
        if self.output.is_some() {
            return;
        }
        let now = Instant::now();
        let forced = self.shared.retry_now.swap(false, Ordering::AcqRel);
        if !forced && self.retry_at.is_none_or(|t| now < t) {
            return;
        }
        // The silent clock keeps time while the device opens (or hangs in its open); `adopt`
        // stops it before the new stream may render.
        match self.open() {
            Ok(output) => {
                self.shared.reopens.fetch_add(1, Ordering::AcqRel);
                self.info.reason = "a device appeared after the silent clock".into();
                let before = (self.target.rate, self.target.channels);
                self.adopt(output);
                warn_always(&format!(
                    "simvx-audio: an audio device is back ({}); every sound plays on it from \
                     where it was.",
                    self.info.device
                ));
                self.event(DeviceEvent::BackOnDevice {
                    device: self.info.device.clone(),
                });
                self.note_format(before);
            }
            Err(_) => self.start_silent(),
        }
    }

    /// After a new stream opened: a device at another format than `before` (rate, channels)
    /// is an event, and a warning.
    fn note_format(&self, before: (u32, u16)) {
        let now = (self.info.device_sample_rate, self.info.device_channels);
        if now == before {
            return;
        }
        let converted = now != (self.target.rate, self.target.channels);
        warn_always(&format!(
            "simvx-audio: the audio device now runs {} channels at {} Hz (the mixer keeps {} \
             at {} Hz{}).",
            now.1,
            now.0,
            self.target.channels,
            self.target.rate,
            if converted {
                "; the device shim converts"
            } else {
                ""
            }
        ));
        self.event(DeviceEvent::FormatChanged {
            sample_rate: now.0,
            channels: now.1,
        });
    }

    /// A host that moved the stream to a new default device by itself: an event.
    fn notice_reroute(&mut self) {
        let Some(output) = &self.output else { return };
        let n = output.health().reroutes();
        if n != self.reroutes_seen {
            self.reroutes_seen = n;
            warn_always(
                "simvx-audio: the system's default audio device changed; the host moved the \
                 stream to it and every sound kept playing.",
            );
            self.event(DeviceEvent::Rerouted);
        }
    }

    /// Move to a longer period when the stream keeps underrunning.
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
        let rate = self.info.device_sample_rate;
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
        if let Some(output) = self.output.take() {
            discard(output);
        }
        self.floor = from + 1;
        match self.open() {
            Ok(output) => {
                self.adopt(output);
                let to = self.info.buffer_frames.unwrap_or(0);
                let ms = self.info.latency_seconds.unwrap_or(0.0) * 1000.0;
                warn_always(&format!(
                    "simvx-audio: the audio device underran {XRUN_LIMIT} times within \
                     {} s with {from}-frame periods; reopened it with {to}-frame periods \
                     ({ms:.1} ms of buffer). Every sound kept playing.",
                    XRUN_WINDOW.as_secs()
                ));
                self.event(DeviceEvent::Lengthened {
                    from_frames: from,
                    to_frames: to,
                });
            }
            Err(e) => self.go_silent(&e.to_string()),
        }
    }

    /// Open the device (by name, or the default) at the mixer's rate and channels where it
    /// takes them, converting where it does not; each timing in turn, with periods no
    /// shorter than the floor underruns have set.
    fn open(&mut self) -> Result<Output, DeviceError> {
        if self.shared.fail_open.load(Ordering::Acquire) {
            return Err(DeviceError::NoDefaultDevice);
        }
        let mut last = DeviceError::NoDefaultDevice;
        for timing in self.target.timings.clone() {
            match self.open_with(timing) {
                Ok(output) => {
                    self.timing = timing;
                    return Ok(output);
                }
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// Open the device with `timing`, on a thread of its own, waiting at most
    /// [`OPEN_TIMEOUT`]: a device that hangs in its open leaves this thread free to keep the
    /// silent clock going (and starts no second open while the first still hangs). With a
    /// silent clock running, the stream may render only once `adopt` has stopped the clock;
    /// without one, from its first callback.
    fn open_with(&mut self, timing: Timing) -> Result<Output, DeviceError> {
        let request = DeviceConfig {
            sample_rate: self.target.rate,
            channels: self.target.channels,
            timing,
        };
        let (wanted, floor) = (self.target.wanted.clone(), self.floor);
        let (rate, channels) = (self.target.rate, self.target.channels);
        let slot = self.shared.slot.clone();
        let eager = self.clock.is_none();
        let (output, gate) = open_within(OPEN_TIMEOUT, &mut self.hung, eager, move |g| {
            let plan = platform_cpal::negotiate_on(&request, wanted.as_deref())?;
            let plan = match floor {
                0 | 1 => plan,
                floor => match plan.above(floor - 1) {
                    Some(p) => p,
                    None => platform_cpal::negotiate_on(&request, wanted.as_deref())?,
                },
            };
            plan.start_converting(rate, channels, || callback(slot.clone(), g.clone()))
        })?;
        // Opened by `adopt`, once the silent clock has handed the renderer back.
        self.gate = Some(gate);
        Ok(output)
    }
}

/// How long a lost stream may take to close before the watcher goes on without it.
const CLOSE_WAIT: Duration = Duration::from_millis(200);

/// Close a lost stream off this thread, waiting at most [`CLOSE_WAIT`]: a stream whose device
/// hangs (writes that never return) cannot hold the watcher. Its callback and the next
/// stream's never render at once: each takes the renderer from the slot.
fn discard(output: Output) {
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("simvx-audio close".into())
        .spawn(move || {
            drop(output);
            let _ = done_tx.send(());
        });
    if spawned.is_ok() {
        let _ = done_rx.recv_timeout(CLOSE_WAIT);
    }
}

/// What a backend on `output` reports: the device's figures, the mixer's rate and channels.
pub(super) fn info_of(
    output: &Output,
    timing: Timing,
    target: &Target,
    reason: String,
) -> BackendInfo {
    let o = output.info();
    BackendInfo {
        kind: match timing {
            Timing::Native => BackendKind::Native,
            Timing::Legacy => BackendKind::Legacy,
        },
        device: o.device.clone(),
        buffer_frames: o.period_frames,
        latency_seconds: o.latency_seconds,
        sample_rate: target.rate,
        channels: target.channels,
        device_sample_rate: o.sample_rate,
        device_channels: o.channels,
        sample_format: o.sample_format.clone(),
        reason,
    }
}
