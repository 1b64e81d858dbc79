//! The command stream: arbitrary sequences of `mixer_core::Controller` calls (voices, the
//! listener, buses, effects, streams), with renders of arbitrary length in between, on an
//! arbitrary output configuration. The renderer never panics and, since every sound holds
//! full-scale samples at most, every sample it renders is finite. At the end everything is
//! stopped and rendered out: no voice may stay in use.

#![no_main]

use std::num::NonZeroU64;
use std::sync::Arc;
use std::sync::atomic::AtomicU32;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use mixer_core::effect::EffectParams;
use mixer_core::effect::params::{
    BandKind, CompressorParams, DelayParams, EqBand, EqParams, FilterParams, GainParams,
    LimiterParams, ReverbParams, SoftClipParams,
};
use mixer_core::spatial::{Attenuation, Cone, Emitter, Listener, PanLaw};
use mixer_core::stream::{StreamRing, StreamSource};
use mixer_core::{
    BusId, Channels, Config, Controller, Interpolation, PlayParams, Renderer, Samples, Shared,
    SoundData, VoiceId,
};

const V: usize = 8;
const B: usize = 6;
const E: usize = 3;

type Ring = StreamRing<Box<[AtomicU32]>>;

/// A sound the fuzzer describes: PCM it owns, or a stream ring.
#[derive(Debug, Clone)]
enum Snd {
    Pcm(Arc<(Vec<i16>, Channels, u32)>),
    Stream(Arc<Ring>),
}

impl SoundData for Snd {
    fn samples(&self) -> Samples<'_> {
        match self {
            Snd::Pcm(p) => Samples::I16(&p.0),
            Snd::Stream(_) => Samples::I16(&[]),
        }
    }
    fn channels(&self) -> Channels {
        match self {
            Snd::Pcm(p) => p.1,
            Snd::Stream(r) => r.channels(),
        }
    }
    fn sample_rate(&self) -> u32 {
        match self {
            Snd::Pcm(p) => p.2,
            Snd::Stream(r) => StreamSource::sample_rate(&**r),
        }
    }
    fn stream(&self) -> Option<&dyn StreamSource> {
        match self {
            Snd::Pcm(_) => None,
            Snd::Stream(r) => Some(&**r),
        }
    }
}

#[derive(Debug, Arbitrary)]
struct SoundDesc {
    stereo: bool,
    rate: u32,
    samples: Vec<i16>,
}

#[derive(Debug, Arbitrary)]
struct Em {
    position: [f32; 3],
    velocity: [f32; 3],
    direction: [f32; 3],
    distances: [f32; 3],
    attenuation: u8,
    pan_law: u8,
    cone: [f32; 3],
    doppler: f32,
}

impl Em {
    fn get(&self) -> Emitter {
        Emitter {
            position: self.position,
            velocity: self.velocity,
            direction: self.direction,
            min_distance: self.distances[0],
            max_distance: self.distances[1],
            rolloff: self.distances[2],
            attenuation: match self.attenuation % 4 {
                0 => Attenuation::None,
                1 => Attenuation::Inverse,
                2 => Attenuation::Linear,
                _ => Attenuation::Exponential,
            },
            cone: Cone {
                inner_angle: self.cone[0],
                outer_angle: self.cone[1],
                outer_gain: self.cone[2],
            },
            doppler_factor: self.doppler,
            pan_law: match self.pan_law % 3 {
                0 => PanLaw::Balance,
                1 => PanLaw::ConstantPower,
                _ => PanLaw::Speakers,
            },
        }
    }
}

#[derive(Debug, Arbitrary)]
struct Fx {
    kind: u8,
    p: [f32; 6],
    freeze: bool,
    bands: Vec<(u8, f32, f32, f32)>,
}

impl Fx {
    fn get(&self) -> EffectParams {
        let p = self.p;
        match self.kind % 11 {
            0 => EffectParams::Gain(GainParams { volume_db: p[0] }),
            1 => EffectParams::LowPass(FilterParams {
                cutoff_hz: p[0],
                q: p[1],
            }),
            2 => EffectParams::HighPass(FilterParams {
                cutoff_hz: p[0],
                q: p[1],
            }),
            3 => EffectParams::BandPass(FilterParams {
                cutoff_hz: p[0],
                q: p[1],
            }),
            4 => EffectParams::Notch(FilterParams {
                cutoff_hz: p[0],
                q: p[1],
            }),
            5 => {
                let mut eq = EqParams::empty();
                for &(k, freq, q, gain_db) in &self.bands {
                    let kind = match k % 3 {
                        0 => BandKind::Peaking,
                        1 => BandKind::LowShelf,
                        _ => BandKind::HighShelf,
                    };
                    eq.push(EqBand {
                        kind,
                        freq,
                        q,
                        gain_db,
                    });
                }
                EffectParams::ParametricEq(eq)
            }
            6 => EffectParams::Delay(DelayParams {
                time_seconds: p[0],
                feedback: p[1],
                wet: p[2],
                dry: p[3],
            }),
            7 => EffectParams::Reverb(ReverbParams {
                room_size: p[0],
                damping: p[1],
                wet: p[2],
                dry: p[3],
                width: p[4],
                freeze: self.freeze,
            }),
            8 => EffectParams::SoftClip(SoftClipParams {
                drive: p[0],
                output_gain: p[1],
            }),
            9 => EffectParams::Compressor(CompressorParams {
                threshold_db: p[0],
                ratio: p[1],
                attack: p[2],
                release: p[3],
                knee_db: p[4],
                makeup_db: p[5],
            }),
            _ => EffectParams::Limiter(LimiterParams {
                ceiling_db: p[0],
                lookahead: p[1],
                release: p[2],
            }),
        }
    }
}

/// A voice: one the controller issued (by index), or any bits at all.
#[derive(Debug, Arbitrary)]
enum Who {
    Issued(u8),
    Raw(NonZeroU64),
}

#[derive(Debug, Arbitrary)]
enum Op {
    Play {
        sound: u8,
        volume_db: f32,
        gain_db: f32,
        pan: f32,
        pitch: f32,
        looping: bool,
        from_position: f64,
        bus: u8,
        emitter: Option<Em>,
        priority: u8,
    },
    Stop(Who),
    StopAll,
    Pause(Who),
    Resume(Who),
    SetMix(Who, f32, f32),
    SetPitch(Who, f32),
    SetEmitter(Who, Em),
    SetListener([f32; 3], [f32; 3], [f32; 3], [f32; 3]),
    SetBus(u8, Option<u8>, f32),
    Mute(u8, bool),
    Solo(u8, bool),
    RemoveBus(u8),
    SetEffect(u8, u8, Fx, bool),
    ClearEffect(u8, u8),
    Write(u8, u16, i16),
    EndStream(u8),
    Render(u16),
    Query(Who),
}

#[derive(Debug, Arbitrary)]
struct Input {
    rate: u32,
    channels: u8,
    voice_limit: u8,
    spare_slots: u8,
    steal: bool,
    real_voices: Option<u8>,
    virtual_below: u8,
    cubic: bool,
    smoothing: Option<u16>,
    sounds: Vec<SoundDesc>,
    streams: Vec<(bool, u32, u16)>,
    ops: Vec<Op>,
}

type Ctl = Controller<Snd, Arc<Shared<Snd, V>>, V, B, E>;
type Ren = Renderer<Snd, Arc<Shared<Snd, V>>, Box<[f32]>, V, B, E>;

fn render(renderer: &mut Ren, out: &mut Vec<f32>, frames: usize, channels: usize) {
    out.clear();
    out.resize(frames * channels, 0.0);
    renderer.render(out);
    if let Some(i) = out.iter().position(|s| !s.is_finite()) {
        panic!("sample {i} of a {frames}-frame block is {}", out[i]);
    }
}

fuzz_target!(|input: Input| {
    let rate = input.rate % 768_000 + 1;
    let channels = u16::from(input.channels % 8 + 1);
    let mut config = Config::new(rate, channels);
    config.voice_limit = usize::from(input.voice_limit) % V + 1;
    config.spare_slots = usize::from(input.spare_slots % 8);
    if input.steal {
        config.when_full = mixer_core::WhenFull::Steal;
    }
    if let Some(r) = input.real_voices {
        config.real_voices = usize::from(r) % V;
    }
    config.virtual_below = f32::from(input.virtual_below) / 2550.0;
    config.interpolation = if input.cubic {
        Interpolation::Cubic
    } else {
        Interpolation::Linear
    };
    if let Some(s) = input.smoothing {
        config.smoothing_frames = u32::from(s);
    }
    let memory = vec![0.0f32; 1 << 20].into_boxed_slice();
    let shared = Arc::new(Shared::<Snd, V>::new());
    let mut place = Box::<Ren>::new_uninit();
    let Ok((ctl, _)) = mixer_core::split_into(shared, memory, config, &mut place) else {
        return;
    };
    let mut ctl: Ctl = ctl;
    // SAFETY: `split_into` returned `Ok`, so it initialised the renderer in `place`.
    let mut renderer: Box<Ren> = unsafe { place.assume_init() };

    let mut sounds: Vec<Snd> = input
        .sounds
        .iter()
        .take(6)
        .map(|d| {
            let ch = if d.stereo {
                Channels::Stereo
            } else {
                Channels::Mono
            };
            let mut pcm = d.samples.clone();
            pcm.truncate(1 << 14);
            Snd::Pcm(Arc::new((pcm, ch, d.rate)))
        })
        .collect();
    let mut rings = Vec::new();
    for &(stereo, rate, frames) in input.streams.iter().take(3) {
        let ch = if stereo { 2 } else { 1 };
        let len = (usize::from(frames) % 8_192 + 1) * ch;
        let buf: Box<[AtomicU32]> = (0..len).map(|_| AtomicU32::new(0)).collect();
        let ring = Arc::new(StreamRing::new(buf, ch as u8, rate));
        rings.push(ring.clone());
        sounds.push(Snd::Stream(ring));
    }
    if sounds.is_empty() {
        return;
    }

    let ch = usize::from(channels);
    let mut out = Vec::new();
    let mut issued: Vec<VoiceId> = Vec::new();
    let who = |w: &Who, issued: &[VoiceId]| match w {
        Who::Issued(i) if !issued.is_empty() => Some(issued[usize::from(*i) % issued.len()]),
        Who::Issued(_) => None,
        Who::Raw(bits) => VoiceId::from_bits(*bits),
    };
    let bus = |b: u8| BusId(b % (B as u8 + 1));
    for op in input.ops.iter().take(256) {
        match op {
            Op::Play {
                sound,
                volume_db,
                gain_db,
                pan,
                pitch,
                looping,
                from_position,
                bus: b,
                emitter,
                priority,
            } => {
                let params = PlayParams {
                    volume_db: *volume_db,
                    gain_db: *gain_db,
                    pan: *pan,
                    pitch: *pitch,
                    looping: *looping,
                    from_position: *from_position,
                    bus: bus(*b),
                    emitter: emitter.as_ref().map(Em::get),
                    priority: *priority,
                };
                let s = sounds[usize::from(*sound) % sounds.len()].clone();
                if let Ok(id) = ctl.play(s, &params) {
                    issued.push(id);
                }
            }
            Op::Stop(w) => {
                if let Some(id) = who(w, &issued) {
                    let _ = ctl.stop(id);
                }
            }
            Op::StopAll => {
                let _ = ctl.stop_all();
            }
            Op::Pause(w) => {
                if let Some(id) = who(w, &issued) {
                    let _ = ctl.pause(id);
                }
            }
            Op::Resume(w) => {
                if let Some(id) = who(w, &issued) {
                    let _ = ctl.resume(id);
                }
            }
            Op::SetMix(w, v, p) => {
                if let Some(id) = who(w, &issued) {
                    let _ = ctl.set_mix(id, *v, *p);
                }
            }
            Op::SetPitch(w, p) => {
                if let Some(id) = who(w, &issued) {
                    let _ = ctl.set_pitch(id, *p);
                }
            }
            Op::SetEmitter(w, e) => {
                if let Some(id) = who(w, &issued) {
                    let _ = ctl.set_emitter(id, &e.get());
                }
            }
            Op::SetListener(position, velocity, forward, up) => {
                let l = Listener {
                    position: *position,
                    velocity: *velocity,
                    forward: *forward,
                    up: *up,
                };
                let _ = ctl.set_listener(&l);
            }
            Op::SetBus(b, parent, v) => {
                let _ = ctl.set_bus(bus(*b), parent.map(bus), *v);
            }
            Op::Mute(b, m) => {
                let _ = ctl.set_bus_mute(bus(*b), *m);
            }
            Op::Solo(b, s) => {
                let _ = ctl.set_bus_solo(bus(*b), *s);
            }
            Op::RemoveBus(b) => {
                let _ = ctl.remove_bus(bus(*b));
            }
            Op::SetEffect(b, slot, fx, enabled) => {
                let _ = ctl.set_effect(bus(*b), usize::from(*slot) % (E + 1), &fx.get(), *enabled);
            }
            Op::ClearEffect(b, slot) => {
                let _ = ctl.clear_effect(bus(*b), usize::from(*slot) % (E + 1));
            }
            Op::Write(r, frames, value) => {
                if !rings.is_empty() {
                    let ring = &rings[usize::from(*r) % rings.len()];
                    let n = usize::from(*frames) % 4_096 * ring.channels().count();
                    let pcm: Vec<i16> = (0..n).map(|i| value.wrapping_mul(i as i16)).collect();
                    ring.write_i16(&pcm);
                }
            }
            Op::EndStream(r) => {
                if !rings.is_empty() {
                    rings[usize::from(*r) % rings.len()].end();
                }
            }
            Op::Render(frames) => render(&mut renderer, &mut out, usize::from(*frames) % 4_096, ch),
            Op::Query(w) => {
                if let Some(id) = who(w, &issued) {
                    let active = ctl.is_active(id);
                    let pos = ctl.position(id);
                    assert!(pos.is_finite() && pos >= 0.0, "position {pos}");
                    assert!(active || pos == 0.0, "an inactive voice at {pos}");
                    let counts = ctl.voice_counts();
                    assert!(counts.real + counts.virtualized <= V, "{counts:?}");
                    if ctl.voice_state(id).is_none() {
                        assert!(!active, "an active voice with no state");
                    }
                }
            }
        }
    }
    // Everything stopped and faded: the pool is empty again.
    while ctl.stop_all().is_err() {
        render(&mut renderer, &mut out, 0, ch);
    }
    let fade = (config.smoothing_frames as usize).max(1);
    for _ in 0..3 {
        render(&mut renderer, &mut out, fade + 256, ch);
    }
    ctl.collect();
    assert_eq!(
        ctl.active_voices(),
        0,
        "voices still in use after stop_all and its fade"
    );
});
