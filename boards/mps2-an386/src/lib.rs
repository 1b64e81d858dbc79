//! The scene the MPS2-AN386 firmware renders, shared with the host so the two can be compared
//! bit for bit.
//!
//! `#![no_std]`, no `alloc`: everything lives in one [`Storage`] (a `static` reached once
//! through [`take`], or any `&'static mut` the caller has). The firmware (`src/main.rs` on
//! `target_os = "none"`) and the host reference (the same binary built for the host, and
//! `tests/scene.rs`) call [`run`] and print its [`Report`]; `scripts/test` checks that the
//! hashes printed under QEMU and on the host are equal.
//!
//! The scene, 2 s at 48 kHz stereo, game commands on a 10 ms tick:
//! - bus 1 (Ambience, −3 dB): low-pass 2.4 kHz → Freeverb; a looping stereo tone (220 + 330 Hz
//!   sines baked by the synth) plays on it, glides to pitch 0.75 at 1.5 s and is stopped
//!   (faded) at 1.75 s; a one-shot chime (880 Hz, exponential decay, baked at 32 kHz, so
//!   resampled) joins it at 0.5 s at pitch 1.5.
//! - bus 2 (SFX, 0 dB): high-pass 150 Hz; a looping saw + triangle buzz baked at 24 kHz plays on
//!   it as a spatial voice, an emitter driving past the listener at 20 m/s (moved every tick),
//!   so attenuation, pan and doppler all change.
//! - Master: a look-ahead limiter at −1 dBFS.

#![no_std]

use core::cell::UnsafeCell;
use core::fmt;
use core::mem::MaybeUninit;
use core::sync::atomic::{AtomicBool, Ordering};

use mixer_core::effect::EffectParams;
use mixer_core::effect::params::{FilterParams, LimiterParams, ReverbParams};
use mixer_core::spatial::Emitter;
use mixer_core::synth::{Envelope, Filter, Oscillator, Synth, SynthError, SynthVoice};
use mixer_core::{
    BusId, Channels, Config, Controller, PlayParams, Renderer, Shared, StaticSound, VoiceId,
};

/// Output frames per second.
pub const SAMPLE_RATE: u32 = 48_000;
/// Interleaved output channels.
pub const CHANNELS: u16 = 2;
/// Frames the scene renders: 2 s.
pub const FRAMES: usize = 96_000;
/// The game tick: commands are sent every `TICK` frames (10 ms), before the frame they apply
/// to, whatever the render block size.
pub const TICK: usize = 480;
/// The render block the firmware uses (10 ms).
pub const BLOCK_FRAMES: usize = 480;
/// The largest render block [`run`] accepts.
pub const MAX_BLOCK_FRAMES: usize = 1024;
/// Voices in the pool.
pub const VOICES: usize = 4;
/// Buses: Master, Ambience, SFX.
pub const BUSES: usize = 3;
/// Effect slots per bus.
pub const EFFECTS: usize = 2;
/// Effect memory in `f32`s: the reverb's tanks (27 702 at 48 kHz) and the limiter's look-ahead
/// (2 413), rounded up.
pub const EFFECT_MEMORY: usize = 32 * 1024;
/// Output RMS (over all samples) below which the scene counts as silent.
pub const MIN_RMS: f64 = 0.01;

const AMBIENCE: BusId = BusId(1);
const SFX: BusId = BusId(2);

/// Frames of the tone: 0.1 s at 48 kHz, whole periods of 220 and 330 Hz, so it loops cleanly.
const TONE_FRAMES: usize = 4_800;
/// Frames of the buzz: 0.1 s at 24 kHz, whole periods of 110 and 220 Hz.
const BUZZ_FRAMES: usize = 2_400;
const BUZZ_RATE: u32 = 24_000;
/// Frames of the chime: 0.25 s at 32 kHz.
const CHIME_FRAMES: usize = 8_000;
const CHIME_RATE: u32 = 32_000;

/// The sound handle: a borrowed PCM buffer, by value (`Copy`, no reference counting).
pub type Sound = StaticSound<'static>;
/// The memory the two halves share.
pub type SceneShared = Shared<Sound, VOICES>;
/// The game-thread half.
pub type SceneController = Controller<Sound, &'static SceneShared, VOICES, BUSES, EFFECTS>;
/// The audio-thread half.
pub type SceneRenderer = Renderer<
    Sound,
    &'static SceneShared,
    &'static mut [f32; EFFECT_MEMORY],
    VOICES,
    BUSES,
    EFFECTS,
>;

/// Everything the scene needs, in one place with a fixed size: the shared queues, the effect
/// memory, room for the renderer (built in place) and the baked sounds' samples.
pub struct Storage {
    shared: SceneShared,
    memory: [f32; EFFECT_MEMORY],
    renderer: MaybeUninit<SceneRenderer>,
    tone: [f32; 2 * TONE_FRAMES],
    buzz: [f32; BUZZ_FRAMES],
    chime: [f32; CHIME_FRAMES],
}

impl Storage {
    /// Empty storage, made at compile time (so a `static` of it is zero-initialised RAM).
    pub const fn new() -> Self {
        Self {
            shared: Shared::new(),
            memory: [0.0; EFFECT_MEMORY],
            renderer: MaybeUninit::uninit(),
            tone: [0.0; 2 * TONE_FRAMES],
            buzz: [0.0; BUZZ_FRAMES],
            chime: [0.0; CHIME_FRAMES],
        }
    }
}

impl Default for Storage {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Storage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Storage")
            .field("bytes", &core::mem::size_of::<Self>())
            .finish_non_exhaustive()
    }
}

/// Bytes of the scene's static memory, by part, on the target this is compiled for (sizes
/// differ between 32- and 64-bit targets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Footprint {
    /// The whole [`Storage`].
    pub storage: usize,
    /// The renderer: voices, buses with their effect chains' state, scratch blocks.
    pub renderer: usize,
    /// The shared half: command queue, retired queue, voice status.
    pub shared: usize,
    /// The effect memory (delay lines, reverb tanks), sized by the scene.
    pub effect_memory: usize,
    /// The baked sounds' samples, sized by the scene.
    pub samples: usize,
}

impl Footprint {
    /// The figures for this build.
    pub const fn of_this_build() -> Self {
        use core::mem::size_of;
        Self {
            storage: size_of::<Storage>(),
            renderer: size_of::<SceneRenderer>(),
            shared: size_of::<SceneShared>(),
            effect_memory: size_of::<[f32; EFFECT_MEMORY]>(),
            samples: size_of::<[f32; 2 * TONE_FRAMES + BUZZ_FRAMES + CHIME_FRAMES]>(),
        }
    }
}

impl fmt::Display for Footprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "storage={} B (renderer={} B, shared={} B, effect_memory={} B, samples={} B)",
            self.storage, self.renderer, self.shared, self.effect_memory, self.samples
        )
    }
}

/// The one [`Storage`] of the program, handed out by [`take`].
struct Slot(UnsafeCell<Storage>);

// SAFETY: the storage inside is only ever reached through `take`, which hands out a single
// `&mut` (guarded by `TAKEN`), so no two threads can reach it at once. `Storage` is `Send`.
unsafe impl Sync for Slot {}

static STORAGE: Slot = Slot(UnsafeCell::new(Storage::new()));
static TAKEN: AtomicBool = AtomicBool::new(false);

/// The program's static [`Storage`], the first time this is called; `None` after that.
pub fn take() -> Option<&'static mut Storage> {
    if TAKEN.swap(true, Ordering::AcqRel) {
        return None;
    }
    // SAFETY: `TAKEN` flips from false to true exactly once, so this is the only reference to
    // `STORAGE`'s contents that is ever made.
    Some(unsafe { &mut *STORAGE.0.get() })
}

/// What a render of the scene measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Report {
    /// Frames rendered.
    pub frames: u64,
    /// FNV-1a 64 of every output sample's bits, little-endian, in order.
    pub hash: u64,
    /// Root mean square of all samples (both channels).
    pub rms: f64,
    /// Largest magnitude of a sample.
    pub peak: f32,
    /// Samples that were NaN or infinite.
    pub non_finite: u64,
    /// Voices still playing at the end (the buzz: the tone was stopped, the chime ended).
    pub active_voices: usize,
}

impl Report {
    /// Whether the output is sound: finite everywhere and not silent.
    pub fn ok(&self) -> bool {
        self.non_finite == 0 && self.rms > MIN_RMS
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "frames={} hash=0x{:016x} rms={:.6} peak={:.6} non_finite={} active_voices={}",
            self.frames, self.hash, self.rms, self.peak, self.non_finite, self.active_voices
        )
    }
}

/// Why the scene could not be rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SceneError {
    /// The mixer refused a call.
    Mixer(mixer_core::Error),
    /// The synth refused to bake a sound.
    Synth(SynthError),
    /// A block size of 0 or above [`MAX_BLOCK_FRAMES`].
    BlockSize(usize),
}

impl From<mixer_core::Error> for SceneError {
    fn from(e: mixer_core::Error) -> Self {
        SceneError::Mixer(e)
    }
}

impl From<SynthError> for SceneError {
    fn from(e: SynthError) -> Self {
        SceneError::Synth(e)
    }
}

impl fmt::Display for SceneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SceneError::Mixer(e) => write!(f, "mixer: {e}"),
            SceneError::Synth(e) => write!(f, "synth: {e}"),
            SceneError::BlockSize(n) => {
                write!(f, "block size {n}: must be 1 to {MAX_BLOCK_FRAMES}")
            }
        }
    }
}

/// Bake `voices` into `out` (interleaved in `channels`) at `rate` and return it as a sound.
fn bake(
    voices: &[SynthVoice],
    out: &'static mut [f32],
    channels: Channels,
    rate: u32,
) -> Result<Sound, SynthError> {
    let mut synth: Synth<2> = Synth::new();
    for v in voices {
        synth.add(*v)?;
    }
    synth.bake(out, channels.count(), rate)?;
    let out: &'static [f32] = out;
    Ok(StaticSound::f32(out, channels, rate))
}

/// Where the buzz's emitter is at `frame`: driving along x at 20 m/s, 5 m in front of the
/// listener, from 30 m on the left to 10 m on the right.
fn car_at(frame: usize) -> Emitter {
    let t = frame as f32 / SAMPLE_RATE as f32;
    Emitter {
        position: [-30.0 + 20.0 * t, 0.0, -5.0],
        velocity: [20.0, 0.0, 0.0],
        ..Emitter::default()
    }
}

/// The voices the timeline controls.
struct Voices {
    tone: VoiceId,
    buzz: VoiceId,
}

/// Build the bus graph and start the looping voices (frame 0).
fn start(c: &mut SceneController, tone: Sound, buzz: Sound) -> Result<Voices, SceneError> {
    c.set_bus(AMBIENCE, Some(BusId::MASTER), -3.0)?;
    c.set_bus(SFX, Some(BusId::MASTER), 0.0)?;
    let lowpass = FilterParams {
        cutoff_hz: 2_400.0,
        q: 0.707,
    };
    c.set_effect(AMBIENCE, 0, &EffectParams::LowPass(lowpass), true)?;
    let reverb = ReverbParams {
        room_size: 0.7,
        damping: 0.4,
        wet: 0.35,
        dry: 0.65,
        ..ReverbParams::default()
    };
    c.set_effect(AMBIENCE, 1, &EffectParams::Reverb(reverb), true)?;
    let highpass = FilterParams {
        cutoff_hz: 150.0,
        q: 0.707,
    };
    c.set_effect(SFX, 0, &EffectParams::HighPass(highpass), true)?;
    let limiter = LimiterParams::default();
    c.set_effect(BusId::MASTER, 0, &EffectParams::Limiter(limiter), true)?;

    let tone = c.play(
        tone,
        &PlayParams {
            volume_db: -6.0,
            pan: -0.25,
            looping: true,
            bus: AMBIENCE,
            ..PlayParams::default()
        },
    )?;
    let buzz = c.play(
        buzz,
        &PlayParams {
            volume_db: 6.0,
            looping: true,
            bus: SFX,
            emitter: Some(car_at(0)),
            ..PlayParams::default()
        },
    )?;
    Ok(Voices { tone, buzz })
}

/// The game's tick at `frame` (a multiple of [`TICK`] after 0): timed events, then the car.
fn tick(
    c: &mut SceneController,
    frame: usize,
    voices: &Voices,
    chime: Sound,
) -> Result<(), SceneError> {
    match frame {
        24_000 => {
            c.play(
                chime,
                &PlayParams {
                    pitch: 1.5,
                    pan: 0.5,
                    bus: AMBIENCE,
                    ..PlayParams::default()
                },
            )?;
        }
        72_000 => c.set_pitch(voices.tone, 0.75)?,
        84_000 => c.stop(voices.tone)?,
        _ => {}
    }
    c.set_emitter(voices.buzz, &car_at(frame));
    Ok(())
}

/// FNV-1a 64 offset basis.
const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
/// FNV-1a 64 prime.
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// Render the scene into `storage` in blocks of at most `block_frames` frames (blocks are also
/// cut at game ticks, so commands land on the same frames at every block size) and measure it.
///
/// `storage` is used up: its renderer is built in place and stays there.
///
/// # Errors
/// [`SceneError::BlockSize`] for a block of 0 or above [`MAX_BLOCK_FRAMES`]; otherwise only
/// if the mixer or the synth refuses a call, which this scene never makes them do.
pub fn run(storage: &'static mut Storage, block_frames: usize) -> Result<Report, SceneError> {
    if block_frames == 0 || block_frames > MAX_BLOCK_FRAMES {
        return Err(SceneError::BlockSize(block_frames));
    }
    let Storage {
        shared,
        memory,
        renderer,
        tone,
        buzz,
        chime,
    } = storage;

    let tone_voices = [
        SynthVoice::new(Oscillator::sine(220.0))
            .with_gain(0.6)
            .with_pan(-0.3),
        SynthVoice::new(Oscillator::sine(330.0))
            .with_gain(0.25)
            .with_pan(0.4),
    ];
    let tone = bake(&tone_voices, tone, Channels::Stereo, SAMPLE_RATE)?;
    let buzz_voices = [
        SynthVoice::new(Oscillator::Saw { freq: 110.0 })
            .with_filter(Filter::LowPass { cutoff_hz: 3_000.0 })
            .with_gain(0.4),
        SynthVoice::new(Oscillator::Triangle { freq: 220.0 }).with_gain(0.3),
    ];
    let buzz = bake(&buzz_voices, buzz, Channels::Mono, BUZZ_RATE)?;
    let chime_voices =
        [
            SynthVoice::new(Oscillator::sine(880.0)).with_envelope(Envelope::Exponential {
                start: 1.0,
                end: 0.001,
                power: 1.0,
            }),
        ];
    let chime = bake(&chime_voices, chime, Channels::Mono, CHIME_RATE)?;

    let shared: &'static SceneShared = shared;
    let config = Config::new(SAMPLE_RATE, CHANNELS);
    let (mut c, r) = mixer_core::split_into(shared, memory, config, renderer)?;
    let voices = start(&mut c, tone, buzz)?;

    let ch = usize::from(CHANNELS);
    let mut block = [0.0f32; MAX_BLOCK_FRAMES * CHANNELS as usize];
    let mut hash = FNV_OFFSET;
    let mut sum_sq = 0.0f64;
    let mut peak = 0.0f32;
    let mut non_finite = 0u64;
    let mut frame = 0;
    while frame < FRAMES {
        if frame > 0 && frame % TICK == 0 {
            tick(&mut c, frame, &voices, chime)?;
        }
        let next_tick = (frame / TICK + 1) * TICK;
        let n = block_frames.min(next_tick - frame).min(FRAMES - frame);
        let out = &mut block[..n * ch];
        r.render(out);
        for &s in out.iter() {
            for b in s.to_bits().to_le_bytes() {
                hash = (hash ^ u64::from(b)).wrapping_mul(FNV_PRIME);
            }
            if s.is_finite() {
                sum_sq += f64::from(s) * f64::from(s);
                peak = peak.max(s.abs());
            } else {
                non_finite += 1;
            }
        }
        frame += n;
    }
    let samples = (FRAMES * ch) as f64;
    Ok(Report {
        frames: r.frames_rendered(),
        hash,
        rms: libm::sqrt(sum_sq / samples),
        peak,
        non_finite,
        active_voices: c.active_voices(),
    })
}
