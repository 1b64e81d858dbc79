//! [`AudioSynth`]: the procedural synth of [`mixer_core::synth`] behind the facade's errors,
//! rendering chunks for streams and baking [`Sound`]s.

use mixer_core::synth::{Synth, SynthError, SynthParam, SynthVoice};

use crate::error::AudioError;
use crate::sound::Sound;

/// Voices in an [`AudioSynth`].
pub const SYNTH_VOICES: usize = 64;

/// The longest bake, in seconds (as [`Sound::tone`]).
const MAX_BAKE_SECONDS: f64 = 24.0 * 3600.0;

/// A procedural synth of up to [`SYNTH_VOICES`] voices: oscillators and noise through
/// envelopes, one-pole filters, gain and balance pan (see [`mixer_core::synth`]).
///
/// Feed a stream with [`render_chunk`](AudioSynth::render_chunk) (everything carries on from
/// chunk to chunk: phase, filter state, gates, ramps) at the pace the stream asks for, or
/// [`bake`](AudioSynth::bake) a fixed-length [`Sound`] with the envelopes applied over its
/// length.
///
/// ```
/// use simvx_audio::{Adsr, AudioSynth, Envelope, Oscillator, SynthParam, SynthVoice};
///
/// let mut synth = AudioSynth::new();
/// let v = synth.add(
///     SynthVoice::new(Oscillator::sine(440.0))
///         .with_envelope(Envelope::Adsr(Adsr::default()))
///         .with_gain(0.5),
/// )?;
/// let blip = synth.bake(0.25, 48_000, 2)?;
/// assert_eq!(blip.frames(), 12_000);
///
/// synth.note_on(v)?;
/// let chunk = synth.render_chunk(480, 48_000, 2)?;
/// assert_eq!(chunk.len(), 960);
/// synth.set_param(v, SynthParam::Freq, 660.0)?;
/// # Ok::<(), simvx_audio::AudioError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct AudioSynth {
    core: Box<Synth<SYNTH_VOICES>>,
}

/// The facade's error for a synth error.
fn audio_error(e: SynthError) -> AudioError {
    let (name, reason) = match e {
        SynthError::Full { capacity } => return AudioError::NoFreeVoice { capacity },
        SynthError::UnknownVoice(_) | SynthError::NotGated(_) => ("voice", e.to_string()),
        SynthError::NotApplicable(p) | SynthError::OutOfRange(p) => (p.name(), e.to_string()),
        SynthError::NaN(p) => (p.name(), "NaN".into()),
        SynthError::InvalidEnvelope(why) => ("envelope", why.into()),
        SynthError::UnsupportedChannels(_) => ("channels", e.to_string()),
        SynthError::ZeroSampleRate => ("sample_rate", e.to_string()),
        _ => ("synth", e.to_string()),
    };
    AudioError::InvalidParameter { name, reason }
}

/// A buffer of `samples` zeros, or an error instead of an allocation failure.
fn buffer(samples: usize) -> Result<Vec<f32>, AudioError> {
    if samples > crate::MAX_SOUND_SAMPLES {
        return Err(AudioError::InvalidParameter {
            name: "frames",
            reason: format!(
                "{samples} samples are more than a sound held whole may hold ({}): render \
                 in chunks (render_chunk) and stream them",
                crate::MAX_SOUND_SAMPLES
            ),
        });
    }
    let mut out = Vec::new();
    out.try_reserve_exact(samples)
        .map_err(|_| AudioError::InvalidParameter {
            name: "frames",
            reason: format!("{samples} samples do not fit in memory"),
        })?;
    out.resize(samples, 0.0);
    Ok(out)
}

impl AudioSynth {
    /// An empty synth, soft clip off.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a voice; returns its index (voices count from 0 until [`clear`](AudioSynth::clear)).
    /// A voice with an [`Envelope::Adsr`](crate::Envelope::Adsr) is silent in
    /// [`render_chunk`](AudioSynth::render_chunk) until [`note_on`](AudioSynth::note_on).
    ///
    /// # Errors
    /// [`AudioError::NoFreeVoice`] when all voices are in use; [`AudioError::InvalidParameter`]
    /// for a NaN or unusable value (named).
    pub fn add(&mut self, voice: SynthVoice) -> Result<usize, AudioError> {
        self.core.add(voice).map_err(audio_error)
    }

    /// Set a voice's parameter: frequency (phase-continuous), duty, phase, gain or pan (ramped
    /// over 5 ms), filter cutoff.
    ///
    /// # Errors
    /// [`AudioError::InvalidParameter`] for an unknown voice (`voice`), a parameter the voice
    /// does not have, or a NaN or out-of-range value (named by the parameter).
    pub fn set_param(
        &mut self,
        voice: usize,
        param: SynthParam,
        value: f32,
    ) -> Result<(), AudioError> {
        self.core
            .set_param(voice, param, value)
            .map_err(audio_error)
    }

    /// Open a gated voice's envelope: attack, decay, then sustain while held.
    ///
    /// # Errors
    /// [`AudioError::InvalidParameter`] (`voice`) for an unknown voice or one without an ADSR.
    pub fn note_on(&mut self, voice: usize) -> Result<(), AudioError> {
        self.core.note_on(voice).map_err(audio_error)
    }

    /// Release a gated voice from its current level.
    ///
    /// # Errors
    /// As [`note_on`](AudioSynth::note_on).
    pub fn note_off(&mut self, voice: usize) -> Result<(), AudioError> {
        self.core.note_off(voice).map_err(audio_error)
    }

    /// Remove every voice.
    pub fn clear(&mut self) {
        self.core.clear();
    }

    /// Voices added since the last [`clear`](AudioSynth::clear).
    pub fn voice_count(&self) -> usize {
        self.core.voice_count()
    }

    /// Voice `index` as it is now.
    pub fn voice(&self, index: usize) -> Option<SynthVoice> {
        self.core.voice(index)
    }

    /// Turn the `tanh` soft clip of the output on or off (off by default).
    pub fn set_soft_clip(&mut self, on: bool) {
        self.core.set_soft_clip(on);
    }

    /// Whether the soft clip is on.
    pub fn soft_clip(&self) -> bool {
        self.core.soft_clip()
    }

    /// The next `frames` frames, interleaved `f32` in `channels` (1 or 2), carrying on from the
    /// previous chunk; for feeding a stream, `frames` being what the stream has room for.
    ///
    /// # Errors
    /// [`AudioError::InvalidParameter`] for channels other than 1 or 2 or a sample rate of 0
    /// (nothing advances).
    pub fn render_chunk(
        &mut self,
        frames: usize,
        sample_rate: u32,
        channels: u16,
    ) -> Result<Vec<f32>, AudioError> {
        let ch = usize::from(channels);
        let mut out = buffer(frames.saturating_mul(ch))?;
        self.core
            .render(&mut out, ch, sample_rate)
            .map_err(audio_error)?;
        Ok(out)
    }

    /// Bake `duration_seconds` of the voices into a [`Sound`]: `max(1, floor(d·sample_rate))`
    /// frames from the voices' start, with every envelope applied over that length. The live
    /// state is untouched.
    ///
    /// # Errors
    /// [`AudioError::InvalidParameter`] for a duration that is not finite and above 0 (or is
    /// over 24 h), channels other than 1 or 2, a sample rate of 0; as
    /// [`Sound::from_pcm_f32`] for a sample rate above its limit or a non-finite sample (a
    /// gain so large the mix overflows).
    pub fn bake(
        &self,
        duration_seconds: f64,
        sample_rate: u32,
        channels: u16,
    ) -> Result<Sound, AudioError> {
        if !(duration_seconds > 0.0 && duration_seconds <= MAX_BAKE_SECONDS) {
            return Err(AudioError::InvalidParameter {
                name: "duration_seconds",
                reason: format!("{duration_seconds} is not a length in (0, 86400] seconds"),
            });
        }
        let frames = ((duration_seconds * f64::from(sample_rate)).floor() as usize).max(1);
        let ch = usize::from(channels);
        if ch != 1 && ch != 2 {
            return Err(audio_error(SynthError::UnsupportedChannels(ch)));
        }
        let mut out = buffer(frames * ch)?;
        self.core
            .bake(&mut out, ch, sample_rate)
            .map_err(audio_error)?;
        Sound::from_pcm_f32(out, channels, sample_rate)
    }
}

/// A synth playing live through a stream: [`pump`](Self::pump) renders only as many frames as
/// the stream's ring has room for, so it never runs ahead of real time however often it is
/// called (the original fed a fixed chunk every tick, six times too fast at 60 fps).
#[derive(Debug)]
pub struct SynthStream {
    synth: AudioSynth,
    channel: crate::ChannelId,
    format: (u32, u16),
    /// The most frames one pump feeds.
    max_frames: usize,
    bytes: Vec<u8>,
}

impl SynthStream {
    /// Open a caller-fed stream on `bus` with a ring of `buffer_seconds` and play `synth`
    /// through it.
    ///
    /// # Errors
    /// [`AudioError::Capability`] when the backend has no streaming facet (null); as
    /// [`Streaming::open_stream`](crate::Streaming::open_stream).
    pub fn open<B: crate::HasStreams + ?Sized>(
        backend: &mut B,
        synth: AudioSynth,
        bus: &str,
        buffer_seconds: f64,
    ) -> Result<Self, AudioError> {
        let streams = backend.require_streams()?;
        let format = streams.stream_format();
        let channel = streams.open_stream(0.0, bus, buffer_seconds, false, None, 0.0)?;
        Ok(Self {
            synth,
            channel,
            format,
            max_frames: (format.0 as usize / 10).max(1),
            bytes: Vec::new(),
        })
    }

    /// The stream's channel (stop it, change its volume, … as any channel).
    pub fn channel(&self) -> crate::ChannelId {
        self.channel
    }

    /// The synth, to change its voices and parameters while it plays.
    pub fn synth_mut(&mut self) -> &mut AudioSynth {
        &mut self.synth
    }

    /// Render and feed what the ring has room for (at most 100 ms); returns the frames fed.
    /// Call it every game tick.
    ///
    /// # Errors
    /// As [`Streaming::feed_audio_chunk`](crate::Streaming::feed_audio_chunk); a backend
    /// without streams.
    pub fn pump<B: crate::HasStreams + ?Sized>(
        &mut self,
        backend: &mut B,
    ) -> Result<usize, AudioError> {
        let streams = backend.require_streams()?;
        let frames = streams.frames_available(self.channel).min(self.max_frames);
        if frames == 0 {
            return Ok(0);
        }
        let (rate, channels) = self.format;
        let pcm = self.synth.render_chunk(frames, rate, channels)?;
        self.bytes.clear();
        self.bytes.extend(
            pcm.iter()
                .flat_map(|&s| crate::wav::to_s16(s).to_le_bytes()),
        );
        let took = streams.feed_audio_chunk(self.channel, &self.bytes)?;
        Ok(took / (2 * usize::from(channels)))
    }
}
