//! Procedural synthesis: oscillators, noise, envelopes and one-pole filters mixed by a fixed
//! pool of voices, rendered live ([`Synth::render`]) or baked over a known length
//! ([`Synth::bake`]). `no_std`, no allocation, deterministic: the same seeds and calls give the
//! same bits on every target.
//!
//! # What changed from the original engine
//! - Filters keep their state across [`render`](Synth::render) calls; the original zeroed it
//!   every chunk, clicking at every boundary.
//! - Phase is an exact 64-bit accumulator (see [`osc`]); rendering in one call or in
//!   37-frame calls gives the same bits, and ten minutes of a sine drift by under 10⁻¹⁰ cycles.
//! - Gain and pan changes ramp over 5 ms; frequency changes keep the phase. No parameter change
//!   clicks.
//! - Live voices with an [`Envelope::Adsr`] are gated by [`note_on`](Synth::note_on) and
//!   [`note_off`](Synth::note_off); the original applied no envelope when rendering live.
//!   While a gate is idle its oscillator's phase keeps running (no key sync), its noise stands
//!   still, and once its filter has settled to 0 the voice costs no per-frame work.
//! - The soft clip is a real one, `tanh` (kept just inside `(−1, 1)`), and off by default; the
//!   original's "soft clip" was a hard clip to `[−1, 1]`, on by default. With it off, nothing
//!   touches the summed output.
//!
//! ```
//! use mixer_core::synth::{Adsr, Envelope, Oscillator, Synth, SynthParam, SynthVoice};
//!
//! let mut synth: Synth<4> = Synth::new();
//! let lead = synth.add(SynthVoice::new(Oscillator::sine(440.0)).with_gain(0.5))?;
//! let pad = synth.add(
//!     SynthVoice::new(Oscillator::square(110.0))
//!         .with_envelope(Envelope::Adsr(Adsr::default()))
//!         .with_pan(-0.5),
//! )?;
//! synth.note_on(pad)?;
//!
//! let mut block = [0.0f32; 2 * 256]; // interleaved stereo
//! synth.render(&mut block, 2, 48_000)?;
//! synth.set_param(lead, SynthParam::Freq, 660.0)?; // phase-continuous
//! synth.render(&mut block, 2, 48_000)?;
//! synth.note_off(pad)?;
//! # Ok::<(), mixer_core::synth::SynthError>(())
//! ```

pub mod envelope;
pub mod filter;
pub mod osc;
mod voice;

#[cfg(test)]
mod tests;

pub use envelope::{Adsr, Envelope, GatedAdsr, Stage};
pub use filter::{Filter, OnePole};
pub use osc::{Generator, MAX_DUTY, MIN_DUTY, Oscillator, PINK_ROWS};
pub use voice::{SynthError, SynthParam, SynthVoice};

use envelope::Shape;

use crate::{math, spatial};

/// Gain and pan changes ramp over `sample_rate / RAMP_DIVISOR` frames: 5 ms.
pub const RAMP_DIVISOR: u32 = 200;

/// The soft clip's largest output: the `f32` just below 1.
pub const SOFT_CLIP_MAX: f32 = 1.0 - f32::EPSILON / 2.0;

/// Frames mixed per pass over the voices (keeps the output block in cache).
const BLOCK: usize = 256;

/// The soft clip: `tanh(x)`, kept inside `(−1, 1)` (`tanhf` rounds to ±1 beyond about ±9).
#[inline]
pub fn soft_clip(x: f32) -> f32 {
    math::clamp(math::tanh(x), -SOFT_CLIP_MAX, SOFT_CLIP_MAX)
}

/// A linear ramp toward a target, one equal step per frame, landing exactly.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
struct Smooth {
    value: f32,
    target: f32,
    step: f32,
    left: u32,
}

impl Smooth {
    const fn at(value: f32) -> Self {
        Smooth {
            value,
            target: value,
            step: 0.0,
            left: 0,
        }
    }

    fn set(&mut self, target: f32, frames: u32) {
        self.target = target;
        self.step = (target - self.value) / frames as f32;
        self.left = frames;
    }

    #[inline]
    fn next(&mut self) -> f32 {
        let v = self.value;
        if self.left > 0 {
            self.left -= 1;
            self.value = if self.left == 0 {
                self.target
            } else {
                self.value + self.step
            };
        }
        v
    }

    fn advance(&mut self, frames: usize) {
        for _ in 0..frames.min(self.left as usize) {
            self.next();
        }
    }
}

/// A voice in the pool: its description and its running state.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
struct Slot {
    generator: Generator,
    envelope: Option<Envelope>,
    /// The live gate, for an ADSR envelope.
    gate: Option<GatedAdsr>,
    filter: Option<OnePole>,
    gain: f32,
    pan: f32,
    /// Per-channel gains (left, or mono; right), ramping.
    left: Smooth,
    right: Smooth,
    /// Whether it has rendered yet (the first render starts at its level, unramped).
    started: bool,
}

/// The channel gains of `gain` at `pan`: balance law in stereo, `gain` alone in mono.
fn channel_gains(gain: f32, pan: f32, channels: usize) -> (f32, f32) {
    if channels == 1 {
        (gain, gain)
    } else {
        let (l, r) = spatial::balance(pan);
        (gain * l, gain * r)
    }
}

impl Slot {
    fn new(voice: SynthVoice) -> Self {
        Slot {
            generator: Generator::new(voice.oscillator),
            envelope: voice.envelope,
            gate: match voice.envelope {
                Some(Envelope::Adsr(adsr)) => Some(GatedAdsr::new(adsr)),
                _ => None,
            },
            filter: voice.filter.map(OnePole::new),
            gain: voice.gain,
            pan: voice.pan,
            left: Smooth::at(0.0),
            right: Smooth::at(0.0),
            started: false,
        }
    }

    fn voice(&self) -> SynthVoice {
        SynthVoice {
            oscillator: self.generator.oscillator(),
            envelope: self.envelope,
            filter: self.filter.map(|f| f.filter()),
            gain: self.gain,
            pan: self.pan,
        }
    }

    /// Aim the channel gains at the current gain and pan, ramping over `frames`.
    fn retarget(&mut self, channels: usize, frames: u32) {
        let (l, r) = channel_gains(self.gain, self.pan, channels);
        if !self.started {
            self.left = Smooth::at(l);
            self.right = Smooth::at(r);
            self.started = true;
        } else if l != self.left.target || r != self.right.target {
            self.left.set(l, frames);
            self.right.set(r, frames);
        }
    }

    /// Mix this voice into `block` (whole interleaved frames of `channels`).
    fn render(&mut self, block: &mut [f32], channels: usize, rate: u32) {
        let frames = block.len() / channels;
        let silent_filter = self.filter.is_none_or(|f| f.is_silent());
        if self.gate.is_some_and(|g| g.is_idle()) && silent_filter {
            // Exactly what the per-frame path below does for an idle gate and a silent filter.
            self.generator.skip(frames, rate);
            self.left.advance(frames);
            self.right.advance(frames);
            return;
        }
        for frame in block.chunks_exact_mut(channels) {
            let (x, idle) = match &mut self.gate {
                None => (self.generator.next_sample(rate), false),
                Some(gate) if gate.is_idle() => {
                    self.generator.skip(1, rate);
                    (0.0, true)
                }
                Some(gate) => {
                    let level = gate.next(rate);
                    (self.generator.next_sample(rate) * level, false)
                }
            };
            let y = match &mut self.filter {
                Some(f) => f.tick(x, rate),
                None => x,
            };
            let (l, r) = (self.left.next(), self.right.next());
            if idle && y == 0.0 {
                continue;
            }
            mix(frame, y, l, r);
        }
    }
}

/// Add `y` at gains `l` (or mono) and `r` to one frame.
#[inline]
fn mix(frame: &mut [f32], y: f32, l: f32, r: f32) {
    match frame {
        [m] => *m += y * l,
        [a, b] => {
            *a += y * l;
            *b += y * r;
        }
        _ => {}
    }
}

/// Checks a render format.
fn check_format(channels: usize, sample_rate: u32) -> Result<(), SynthError> {
    if channels != 1 && channels != 2 {
        Err(SynthError::UnsupportedChannels(channels))
    } else if sample_rate == 0 {
        Err(SynthError::ZeroSampleRate)
    } else {
        Ok(())
    }
}

/// A fixed pool of `N` synth voices, mixed to mono or stereo.
///
/// Voices are numbered from 0 in the order they were added; [`clear`](Synth::clear) empties
/// the pool. Rendering overwrites the output and never panics, allocates or locks.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Synth<const N: usize> {
    slots: heapless::Vec<Slot, N>,
    soft_clip: bool,
}

impl<const N: usize> Default for Synth<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Synth<N> {
    /// An empty synth, soft clip off.
    pub const fn new() -> Self {
        Synth {
            slots: heapless::Vec::new(),
            soft_clip: false,
        }
    }

    /// The pool size, `N`.
    pub const fn capacity(&self) -> usize {
        N
    }

    /// Voices added since the last [`clear`](Synth::clear).
    pub fn voice_count(&self) -> usize {
        self.slots.len()
    }

    /// Voice `index` as it is now (parameters as last set, duty and pan clamped).
    pub fn voice(&self, index: usize) -> Option<SynthVoice> {
        self.slots.get(index).map(Slot::voice)
    }

    /// A gated voice's envelope stage (`None` for an unknown or ungated voice).
    pub fn stage(&self, index: usize) -> Option<Stage> {
        self.slots.get(index)?.gate.map(|g| g.stage())
    }

    /// Add a voice; returns its index. A voice with an [`Envelope::Adsr`] stays silent in
    /// [`render`](Synth::render) until [`note_on`](Synth::note_on).
    ///
    /// # Errors
    /// [`SynthError::Full`] when all `N` voices are in use; the voice's bad values as
    /// [`SynthVoice::validated`] reports them.
    pub fn add(&mut self, voice: SynthVoice) -> Result<usize, SynthError> {
        let voice = voice.validated()?;
        let index = self.slots.len();
        self.slots
            .push(Slot::new(voice))
            .map_err(|_| SynthError::Full { capacity: N })?;
        Ok(index)
    }

    /// Set one of voice `index`'s parameters. Frequency changes keep the phase; gain and pan
    /// ramp over 5 ms in [`render`](Synth::render).
    ///
    /// # Errors
    /// [`SynthError::UnknownVoice`]; [`SynthError::NotApplicable`] for a frequency on noise, a
    /// duty on anything but a square, a phase on anything but a sine, a cutoff without a filter;
    /// [`SynthError::NaN`]; [`SynthError::OutOfRange`] for an infinite frequency, phase or gain
    /// or a negative or infinite cutoff (an infinite pan or duty clamps). Nothing changes on
    /// error.
    pub fn set_param(
        &mut self,
        index: usize,
        param: SynthParam,
        value: f32,
    ) -> Result<(), SynthError> {
        let slot = self
            .slots
            .get_mut(index)
            .ok_or(SynthError::UnknownVoice(index))?;
        match param {
            SynthParam::Freq => slot.generator.set_freq(value),
            SynthParam::Duty => slot.generator.set_duty(value),
            SynthParam::Phase => slot.generator.set_phase(value),
            SynthParam::Gain => {
                slot.gain = voice::gain(value)?;
                Ok(())
            }
            SynthParam::Pan => {
                slot.pan = voice::pan(value)?;
                Ok(())
            }
            SynthParam::Cutoff => match &mut slot.filter {
                Some(f) => f.set_cutoff(value),
                None => Err(SynthError::NotApplicable(SynthParam::Cutoff)),
            },
        }
    }

    fn gate(&mut self, index: usize) -> Result<&mut GatedAdsr, SynthError> {
        self.slots
            .get_mut(index)
            .ok_or(SynthError::UnknownVoice(index))?
            .gate
            .as_mut()
            .ok_or(SynthError::NotGated(index))
    }

    /// Open voice `index`'s gate: attack from the current level, then decay and sustain.
    ///
    /// # Errors
    /// [`SynthError::UnknownVoice`]; [`SynthError::NotGated`] without an ADSR envelope.
    pub fn note_on(&mut self, index: usize) -> Result<(), SynthError> {
        self.gate(index)?.note_on();
        Ok(())
    }

    /// Close voice `index`'s gate: release from the current level.
    ///
    /// # Errors
    /// As [`note_on`](Synth::note_on).
    pub fn note_off(&mut self, index: usize) -> Result<(), SynthError> {
        self.gate(index)?.note_off();
        Ok(())
    }

    /// Remove every voice.
    pub fn clear(&mut self) {
        self.slots.clear();
    }

    /// Whether the output goes through the soft clip.
    pub fn soft_clip(&self) -> bool {
        self.soft_clip
    }

    /// Turn the soft clip (`tanh`, see [`soft_clip`]) on or off.
    pub fn set_soft_clip(&mut self, on: bool) {
        self.soft_clip = on;
    }

    /// Render the next `out.len() / channels` frames, interleaved, overwriting `out`.
    ///
    /// Per voice and frame: oscillator → gate (ADSR voices) → filter → gain → balance pan
    /// (stereo) or nothing (mono: a plain sum). Fixed-duration envelopes do not apply here.
    /// Everything carries on from the previous call, so any split of the same frames gives the
    /// same bits. A trailing partial frame is set to 0.
    ///
    /// # Errors
    /// [`SynthError::UnsupportedChannels`] unless `channels` is 1 or 2,
    /// [`SynthError::ZeroSampleRate`]; `out` is then silent and nothing advances.
    pub fn render(
        &mut self,
        out: &mut [f32],
        channels: usize,
        sample_rate: u32,
    ) -> Result<(), SynthError> {
        out.fill(0.0);
        check_format(channels, sample_rate)?;
        let ramp = (sample_rate / RAMP_DIVISOR).max(1);
        for slot in &mut self.slots {
            slot.retarget(channels, ramp);
        }
        let whole = out.len() / channels * channels;
        for block in out[..whole].chunks_mut(BLOCK * channels) {
            for slot in &mut self.slots {
                slot.render(block, channels, sample_rate);
            }
        }
        self.finish(&mut out[..whole]);
        Ok(())
    }

    /// Render the voices over exactly `out.len() / channels` frames from their start (phase 0,
    /// noise from its seed, filters at rest), with every envelope applied over that length as a
    /// fixed-duration shape, as the original's `bake`. Gates and ramps play no part, and the
    /// live state is untouched. Overwrites `out`; a trailing partial frame is set to 0.
    ///
    /// Per voice and frame: oscillator → envelope → filter → gain → pan.
    ///
    /// # Errors
    /// As [`render`](Synth::render).
    pub fn bake(
        &self,
        out: &mut [f32],
        channels: usize,
        sample_rate: u32,
    ) -> Result<(), SynthError> {
        out.fill(0.0);
        check_format(channels, sample_rate)?;
        let frames = out.len() / channels;
        let whole = &mut out[..frames * channels];
        for slot in &self.slots {
            let mut generator = Generator::new(slot.generator.oscillator());
            let mut filter = slot.filter.map(|f| OnePole::new(f.filter()));
            let shape = slot.envelope.map(|e| Shape::new(&e, frames, sample_rate));
            let (l, r) = channel_gains(slot.gain, slot.pan, channels);
            for (i, frame) in whole.chunks_exact_mut(channels).enumerate() {
                let mut x = generator.next_sample(sample_rate);
                if let Some(shape) = &shape {
                    x *= shape.at(i);
                }
                if let Some(f) = &mut filter {
                    x = f.tick(x, sample_rate);
                }
                mix(frame, x, l, r);
            }
        }
        self.finish(whole);
        Ok(())
    }

    fn finish(&self, out: &mut [f32]) {
        if self.soft_clip {
            for s in out {
                *s = soft_clip(*s);
            }
        }
    }
}
