//! [`Output`]: a running stream, its callback, and what it reports back.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};

use cpal::traits::{DeviceTrait, StreamTrait};
use cpal::{BufferSize, FromSample, SampleFormat, SizedSample};

use crate::{DeviceError, Plan};

/// What the stream's callback runs: fill `out` (interleaved `f32`, the plan's channel count)
/// with the next frames. Called on the audio thread: it must not allocate, lock or block.
pub trait Render: Send + 'static {
    /// Render `out.len() / channels` frames into `out`.
    fn render(&mut self, out: &mut [f32]);
}

impl<F: FnMut(&mut [f32]) + Send + 'static> Render for F {
    fn render(&mut self, out: &mut [f32]) {
        self(out)
    }
}

/// A renderer that may be missing renders silence (a conversion that could not be built).
impl<R: Render> Render for Option<R> {
    fn render(&mut self, out: &mut [f32]) {
        match self {
            Some(r) => r.render(out),
            None => out.fill(0.0),
        }
    }
}

/// Why a stream was lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Loss {
    /// The device went away (unplugged, or its server removed it).
    Disconnected,
    /// The host invalidated the stream (a format or routing change it cannot follow).
    Invalidated,
    /// The audio host (sound server, subsystem) went away.
    HostGone,
    /// The backend reported a failure it could not classify.
    Failed,
    /// The stream stopped taking frames (no callback for too long).
    Stalled,
    /// Marked lost by [`Health::mark_lost`] (a test, or the owner's own decision).
    Marked,
}

impl Loss {
    const ALL: [Loss; 6] = [
        Loss::Disconnected,
        Loss::Invalidated,
        Loss::HostGone,
        Loss::Failed,
        Loss::Stalled,
        Loss::Marked,
    ];

    /// What happened, for people.
    pub const fn describe(self) -> &'static str {
        match self {
            Loss::Disconnected => "the device was disconnected",
            Loss::Invalidated => "the host invalidated the stream",
            Loss::HostGone => "the audio host went away",
            Loss::Failed => "the device failed",
            Loss::Stalled => "the device stopped taking frames",
            Loss::Marked => "the device was marked lost",
        }
    }
}

impl std::fmt::Display for Loss {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.describe())
    }
}

/// What the callbacks report, readable from any thread without locks.
#[derive(Debug, Default)]
pub struct Health {
    /// 0 while alive, else 1 + the index of the [`Loss`] in `Loss::ALL`.
    lost: AtomicU8,
    frames: AtomicU64,
    callbacks: AtomicU64,
    xruns: AtomicU64,
    errors: AtomicU64,
    reroutes: AtomicU64,
}

impl Health {
    /// Whether the device was lost (disconnected, invalidated, or failing): the stream must be
    /// rebuilt.
    pub fn is_lost(&self) -> bool {
        self.lost.load(Ordering::Acquire) != 0
    }

    /// Why the stream was lost (the first cause reported), if it was.
    pub fn loss(&self) -> Option<Loss> {
        let code = self.lost.load(Ordering::Acquire);
        Loss::ALL.get(usize::from(code).checked_sub(1)?).copied()
    }

    /// Mark the device lost (a way to test recovery).
    pub fn mark_lost(&self) {
        self.mark_lost_because(Loss::Marked);
    }

    /// Mark the device lost for `why` (the first cause stays).
    pub fn mark_lost_because(&self, why: Loss) {
        let code = Loss::ALL.iter().position(|&l| l == why).unwrap_or(0) as u8 + 1;
        let _ = self
            .lost
            .compare_exchange(0, code, Ordering::AcqRel, Ordering::Acquire);
    }

    /// Times the host moved the stream to a new default device by itself (cpal's
    /// `DeviceChanged`, on hosts that follow the default).
    pub fn reroutes(&self) -> u64 {
        self.reroutes.load(Ordering::Relaxed)
    }

    /// Frames handed to the device so far.
    pub fn frames(&self) -> u64 {
        self.frames.load(Ordering::Acquire)
    }

    /// Data callbacks so far.
    pub fn callbacks(&self) -> u64 {
        self.callbacks.load(Ordering::Relaxed)
    }

    /// Underruns the backend reported.
    pub fn xruns(&self) -> u64 {
        self.xruns.load(Ordering::Relaxed)
    }

    /// Count `n` underruns, as cpal's error callback does for each one it reports (also a way
    /// to test what a stream that keeps underrunning does).
    pub fn note_xruns(&self, n: u64) {
        self.xruns.fetch_add(n, Ordering::Relaxed);
    }

    /// Other stream errors the backend reported.
    pub fn errors(&self) -> u64 {
        self.errors.load(Ordering::Relaxed)
    }

    fn on_error(&self, e: &cpal::Error) {
        match e.kind() {
            cpal::ErrorKind::Xrun => {
                self.xruns.fetch_add(1, Ordering::Relaxed);
            }
            cpal::ErrorKind::DeviceChanged => {
                self.reroutes.fetch_add(1, Ordering::Relaxed);
            }
            kind @ (cpal::ErrorKind::DeviceNotAvailable
            | cpal::ErrorKind::StreamInvalidated
            | cpal::ErrorKind::HostUnavailable
            | cpal::ErrorKind::BackendError) => {
                self.errors.fetch_add(1, Ordering::Relaxed);
                self.mark_lost_because(match kind {
                    cpal::ErrorKind::DeviceNotAvailable => Loss::Disconnected,
                    cpal::ErrorKind::StreamInvalidated => Loss::Invalidated,
                    cpal::ErrorKind::HostUnavailable => Loss::HostGone,
                    _ => Loss::Failed,
                });
            }
            _ => {
                self.errors.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

/// What a running stream was granted.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputInfo {
    /// The device's name.
    pub device: String,
    /// Frames per second.
    pub sample_rate: u32,
    /// Interleaved channels.
    pub channels: u16,
    /// The device's sample format (`f32`, `i16`, …).
    pub sample_format: String,
    /// The period the device granted, in frames (`None` if the host does not say).
    pub period_frames: Option<u32>,
    /// Output latency from the buffer: two periods (cpal queues two), in seconds.
    pub latency_seconds: Option<f64>,
    /// What the stream converts from, when its renderer runs at another rate or channel count
    /// ([`Plan::start_converting`]).
    pub conversion: Option<crate::Conversion>,
}

/// A running output stream. Dropping it stops the stream and joins its thread; the render
/// closure is dropped after its last call.
pub struct Output {
    _stream: cpal::Stream,
    info: OutputInfo,
    health: Arc<Health>,
}

impl std::fmt::Debug for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Output")
            .field("info", &self.info)
            .field("health", &self.health)
            .finish()
    }
}

impl Output {
    /// What the stream was granted.
    pub fn info(&self) -> &OutputInfo {
        &self.info
    }

    /// The stream's health counters, shared with its callbacks.
    pub fn health(&self) -> &Arc<Health> {
        &self.health
    }
}

impl Plan {
    /// Start the stream, rendering with renderers from `make` (one per attempt: each period
    /// the plan allows is tried in order until the device accepts one).
    ///
    /// # Errors
    /// The last attempt's error, typed as in [`negotiate`](crate::negotiate).
    pub fn start<R: Render>(self, mut make: impl FnMut() -> R) -> Result<Output, DeviceError> {
        let mut last = DeviceError::Unsupported("no period to try".into());
        for &period in &self.periods {
            let health = Arc::new(Health::default());
            // alsa-lib's complaints about a refused period stay off stderr (the error says).
            let (built, alsa) =
                crate::quiet::quietly(|| self.build(period, make(), health.clone()));
            match built.map_err(|e| e.noting(&alsa)) {
                Ok(stream) => {
                    stream.play().map_err(DeviceError::from)?;
                    let granted = stream.buffer_size().ok().filter(|&p| p > 0);
                    let rate = self.config.sample_rate;
                    let info = OutputInfo {
                        device: self.name.clone(),
                        sample_rate: rate,
                        channels: self.config.channels,
                        sample_format: self.format.to_string(),
                        period_frames: granted,
                        latency_seconds: granted.map(|p| 2.0 * f64::from(p) / f64::from(rate)),
                        conversion: None,
                    };
                    log::debug!(target: "simvx_audio", "opened {:?} with {} timing: {info:?}", self.name, self.timing);
                    return Ok(Output {
                        _stream: stream,
                        info,
                        health,
                    });
                }
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// [`start`](Self::start) for renderers that run at `from_rate` with `from_channels`,
    /// whatever the device's rate and channels: where they differ, each renderer is wrapped
    /// in a [`Convert`](crate::Convert) (resampled, channels mapped), and the output's info
    /// says so.
    ///
    /// # Errors
    /// [`DeviceError::Unsupported`] for a zero rate or channel count; otherwise as `start`.
    pub fn start_converting<R: Render>(
        self,
        from_rate: u32,
        from_channels: u16,
        mut make: impl FnMut() -> R,
    ) -> Result<Output, DeviceError> {
        let conversion = crate::Conversion {
            from_rate,
            from_channels,
            to_rate: self.config.sample_rate,
            to_channels: self.config.channels,
        };
        if conversion.is_identity() {
            return self.start(make);
        }
        if from_rate == 0 || from_channels == 0 || conversion.to_rate == 0 {
            return Err(DeviceError::Unsupported(format!(
                "cannot convert {from_channels} channels at {from_rate} Hz to {} at {} Hz",
                conversion.to_channels, conversion.to_rate
            )));
        }
        let mut failed = None;
        let mut output = self.start(|| {
            let c = crate::Convert::new(make(), conversion);
            if let Err(e) = &c {
                failed = Some(e.clone());
            }
            c.ok()
        })?;
        if let Some(e) = failed {
            return Err(DeviceError::Unsupported(e));
        }
        output.info.conversion = Some(conversion);
        Ok(output)
    }

    fn build<R: Render>(
        &self,
        period: u32,
        render: R,
        health: Arc<Health>,
    ) -> Result<cpal::Stream, DeviceError> {
        match self.format {
            SampleFormat::F32 => self.build_f32(period, render, health),
            SampleFormat::F64 => self.build_as::<f64, R>(period, render, health),
            SampleFormat::I8 => self.build_as::<i8, R>(period, render, health),
            SampleFormat::I16 => self.build_as::<i16, R>(period, render, health),
            SampleFormat::I24 => self.build_as::<cpal::I24, R>(period, render, health),
            SampleFormat::I32 => self.build_as::<i32, R>(period, render, health),
            SampleFormat::U8 => self.build_as::<u8, R>(period, render, health),
            SampleFormat::U16 => self.build_as::<u16, R>(period, render, health),
            SampleFormat::U24 => self.build_as::<cpal::U24, R>(period, render, health),
            SampleFormat::U32 => self.build_as::<u32, R>(period, render, health),
            other => Err(DeviceError::Unsupported(format!(
                "sample format {other} is not supported"
            ))),
        }
    }

    fn stream_config(&self, period: u32) -> cpal::StreamConfig {
        cpal::StreamConfig {
            buffer_size: BufferSize::Fixed(period),
            ..self.config
        }
    }

    /// `f32` devices: the renderer writes straight into the device's buffer.
    fn build_f32<R: Render>(
        &self,
        period: u32,
        mut render: R,
        health: Arc<Health>,
    ) -> Result<cpal::Stream, DeviceError> {
        let ch = u64::from(self.config.channels.max(1));
        let errors = health.clone();
        self.device
            .build_output_stream(
                self.stream_config(period),
                move |data: &mut [f32], _: &cpal::OutputCallbackInfo| {
                    render.render(data);
                    health.callbacks.fetch_add(1, Ordering::Relaxed);
                    health
                        .frames
                        .fetch_add(data.len() as u64 / ch, Ordering::Release);
                },
                move |e| errors.on_error(&e),
                None,
            )
            .map_err(DeviceError::from)
    }

    /// Other formats: render into a scratch buffer allocated here, then convert.
    fn build_as<T, R>(
        &self,
        period: u32,
        mut render: R,
        health: Arc<Health>,
    ) -> Result<cpal::Stream, DeviceError>
    where
        T: SizedSample + FromSample<f32> + Send + 'static,
        R: Render,
    {
        let ch = usize::from(self.config.channels.max(1));
        // Room for a few periods per chunk; larger callbacks are rendered in several chunks.
        let mut scratch = vec![0.0f32; (period as usize).max(256) * 4 * ch];
        let errors = health.clone();
        self.device
            .build_output_stream(
                self.stream_config(period),
                move |data: &mut [T], _: &cpal::OutputCallbackInfo| {
                    let whole = scratch.len() / ch * ch;
                    for chunk in data.chunks_mut(whole.max(ch)) {
                        let tmp = &mut scratch[..chunk.len()];
                        render.render(tmp);
                        for (d, s) in chunk.iter_mut().zip(tmp.iter()) {
                            *d = T::from_sample(*s);
                        }
                    }
                    health.callbacks.fetch_add(1, Ordering::Relaxed);
                    health
                        .frames
                        .fetch_add((data.len() / ch) as u64, Ordering::Release);
                },
                move |e| errors.on_error(&e),
                None,
            )
            .map_err(DeviceError::from)
    }
}
