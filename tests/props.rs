//! Property tests: random sequences of every public call against the offline backend.
//!
//! Each case is a random configuration and a random list of calls (plays, controls, the
//! listener, bus-layout edits and syncs, streams, renders of random length, queries, shutdown),
//! with NaN, infinities and extreme values mixed into every parameter. The invariants:
//! - nothing panics, and every rendered sample is finite (silent after shutdown);
//! - calls with NaN are refused with `InvalidParameter`; stream feeds accept whole frames that
//!   fit;
//! - voice accounting: an id that went inactive never comes back; a stopped id is inactive at
//!   once; a one-shot that is never paused ends within its length at the lowest pitch; a play
//!   fails with `NoFreeVoice` only when the pool really is full; after stopping everything and
//!   rendering, every id is inactive and the whole pool can be played again (nothing leaks);
//! - the same calls give the same results and the same output bits, run twice.
//!
//! `PROPTEST_CASES` raises the number of cases (default 48, about 5 s in a debug build).

use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence};
use serde_json::{Value, json};
use simvx_audio::{
    AudioBusLayout, AudioConfig, AudioError, Buses, ChannelId, EFFECT_TAGS, Effect, Emitter,
    HasStreams, Interpolation, NullBackend, OfflineBackend, PlayParams, Playback, Sound, spatial,
};

/// `text` with every `ChannelId(n)` written without its backend tag (the top 16 bits): two
/// runs make two backends, whose ids differ only there.
fn untagged(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("ChannelId(") {
        let (head, tail) = rest.split_at(at + "ChannelId(".len());
        out.push_str(head);
        let digits = tail.bytes().take_while(u8::is_ascii_digit).count();
        let n: u64 = tail[..digits].parse().unwrap_or(0);
        out.push_str(&(n & ((1 << 48) - 1)).to_string());
        rest = &tail[digits..];
    }
    out.push_str(rest);
    out
}

/// Bus names the calls pick from: the defaults, a few new ones, and one that never exists.
const BUS_NAMES: [&str; 10] = [
    "Master", "Music", "SFX", "Voice", "UI", "Amb", "Echo", "Deep", "Side", "Nowhere",
];
/// Frames after a stop within which its fade may still hold the voice's slot (generous: the
/// fade is a few milliseconds).
const FADE_MARGIN: u64 = 4_800;

/// The sounds the plays pick from: short, at several rates, mono and stereo, float and i16,
/// one a single frame long.
fn sounds() -> Vec<Sound> {
    vec![
        Sound::tone(440.0, 0.5, 0.05, 48_000, 1).unwrap(),
        Sound::noise(0.4, 0.1, 9, 44_100).unwrap(),
        Sound::tone(1234.5, 0.9, 0.03, 22_050, 2).unwrap(),
        Sound::from_pcm_i16(vec![i16::MAX, i16::MIN], 2, 8_000).unwrap(),
        Sound::from_pcm_i16(
            (0..4_000).map(|i| (i * 37 % 65_536) as i16).collect(),
            1,
            96_000,
        )
        .unwrap(),
    ]
}

/// A float that is mostly in `lo..hi`, sometimes an edge: NaN, ±∞, ±MAX, ±0, tiny.
fn float(lo: f32, hi: f32) -> impl Strategy<Value = f32> + Clone {
    prop_oneof![
        12 => lo..hi,
        1 => Just(f32::NAN),
        2 => prop::sample::select(vec![
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::MAX,
            -f32::MAX,
            0.0,
            -0.0,
            1e-30,
        ]),
    ]
}

fn vec3(lo: f32, hi: f32) -> impl Strategy<Value = [f32; 3]> + Clone {
    [float(lo, hi), float(lo, hi), float(lo, hi)]
}

fn seconds(lo: f64, hi: f64) -> impl Strategy<Value = f64> + Clone {
    prop_oneof![
        12 => lo..hi,
        1 => Just(f64::NAN),
        1 => prop::sample::select(vec![f64::INFINITY, f64::NEG_INFINITY, -1.0, 0.0, 1e300]),
    ]
}

fn emitter() -> impl Strategy<Value = Emitter> {
    (
        vec3(-200.0, 200.0),
        vec3(-500.0, 500.0),
        vec3(-1.0, 1.0),
        (float(0.0, 20.0), float(0.0, 500.0), float(0.0, 4.0)),
        (0..4u8, 0..3u8),
        (float(0.0, 7.0), float(0.0, 7.0), float(0.0, 1.0)),
        float(0.0, 3.0),
    )
        .prop_map(
            |(position, velocity, direction, (min, max, rolloff), (att, law), cone, doppler)| {
                Emitter {
                    position,
                    velocity,
                    direction,
                    min_distance: min,
                    max_distance: max,
                    rolloff,
                    attenuation: [
                        spatial::Attenuation::None,
                        spatial::Attenuation::Inverse,
                        spatial::Attenuation::Linear,
                        spatial::Attenuation::Exponential,
                    ][att as usize],
                    cone: spatial::Cone {
                        inner_angle: cone.0,
                        outer_angle: cone.1,
                        outer_gain: cone.2,
                    },
                    doppler_factor: doppler,
                    pan_law: [
                        spatial::PanLaw::Balance,
                        spatial::PanLaw::ConstantPower,
                        spatial::PanLaw::Speakers,
                    ][law as usize],
                }
            },
        )
}

/// An effect of a random kind with random parameters, built through its JSON form (so the
/// parser is exercised too). Out-of-range values clamp when applied; JSON has no NaN.
fn effect() -> impl Strategy<Value = Effect> {
    (
        prop::sample::select(EFFECT_TAGS.to_vec()),
        any::<bool>(),
        prop::collection::vec(prop_oneof![4 => -100.0f64..100.0, 1 => -1e9f64..1e9], 8),
        prop::collection::vec(
            (0..3usize, 0.0f64..30_000.0, -2.0f64..40.0, -60.0f64..60.0),
            0..4,
        ),
    )
        .prop_map(|(tag, enabled, values, bands)| {
            let base = Effect::default_for(tag).unwrap().to_json();
            let mut params = base["params"].as_object().cloned().unwrap_or_default();
            for ((_, v), x) in params.iter_mut().zip(&values) {
                match v {
                    Value::Number(_) => *v = json!(x),
                    Value::Bool(_) => *v = json!(*x > 0.0),
                    _ => {}
                }
            }
            if tag == "parametriceq" {
                let kinds = ["peaking", "lowshelf", "highshelf"];
                let list: Vec<Value> = bands
                    .iter()
                    .map(|&(k, f, q, g)| json!({"type": kinds[k], "freq": f, "q": q, "gain_db": g}))
                    .collect();
                params.insert("bands".into(), Value::Array(list));
            }
            let v = json!({"type": tag, "enabled": enabled, "params": params});
            Effect::from_json(&v).unwrap_or_else(|e| panic!("{v}: {e}"))
        })
}

/// One public call (or a render, or a query).
#[derive(Debug, Clone)]
enum Op {
    Play {
        sound: usize,
        bus: usize,
        volume_db: f32,
        gain_db: f32,
        pan: f32,
        pitch: f32,
        looping: bool,
        from: f64,
        emitter: Option<Emitter>,
    },
    Stop(usize),
    Pause(usize),
    Resume(usize),
    Update2d(usize, f32, f32),
    Update3d(usize, f32, f32, f32),
    SetPitch(usize, f32),
    SetEmitter(usize, Emitter),
    Listener(u8, [f32; 3]),
    AddBus(usize, f32, usize),
    RemoveBus(usize),
    BusVolume(usize, f32),
    Mute(usize, bool),
    Solo(usize, bool),
    SendTo(usize, usize),
    AddEffect(usize, Effect),
    RemoveEffect(usize, usize),
    SetEffect(usize, usize, Effect),
    Sync,
    OpenStream {
        bus: usize,
        volume_db: f32,
        buffer: f64,
        looping: bool,
        from: f64,
    },
    Feed(usize, usize, u64),
    FeedAvailable(usize, u64),
    EndStream(usize),
    Render(usize),
    Query(usize),
    Shutdown,
}

fn op() -> impl Strategy<Value = Op> {
    let pick = any::<usize>;
    let bus = || 0..BUS_NAMES.len();
    prop_oneof![
        6 => (
            0..5usize,
            bus(),
            float(-90.0, 30.0),
            float(-30.0, 30.0),
            float(-2.0, 2.0),
            float(0.0, 20.0),
            any::<bool>(),
            seconds(-0.1, 0.3),
            prop::option::weighted(0.3, emitter()),
        )
            .prop_map(|(sound, bus, volume_db, gain_db, pan, pitch, looping, from, emitter)| {
                Op::Play { sound, bus, volume_db, gain_db, pan, pitch, looping, from, emitter }
            }),
        2 => pick().prop_map(Op::Stop),
        1 => pick().prop_map(Op::Pause),
        1 => pick().prop_map(Op::Resume),
        1 => (pick(), float(-90.0, 30.0), float(-2.0, 2.0)).prop_map(|(i, v, p)| Op::Update2d(i, v, p)),
        1 => (pick(), float(-90.0, 30.0), float(-2.0, 2.0), float(0.0, 20.0))
            .prop_map(|(i, v, p, q)| Op::Update3d(i, v, p, q)),
        1 => (pick(), float(0.0, 20.0)).prop_map(|(i, p)| Op::SetPitch(i, p)),
        1 => (pick(), emitter()).prop_map(|(i, e)| Op::SetEmitter(i, e)),
        2 => (0..4u8, vec3(-300.0, 300.0)).prop_map(|(f, v)| Op::Listener(f, v)),
        1 => (bus(), float(-90.0, 30.0), bus()).prop_map(|(b, v, s)| Op::AddBus(b, v, s)),
        1 => bus().prop_map(Op::RemoveBus),
        1 => (bus(), float(-90.0, 30.0)).prop_map(|(b, v)| Op::BusVolume(b, v)),
        1 => (bus(), any::<bool>()).prop_map(|(b, m)| Op::Mute(b, m)),
        1 => (bus(), any::<bool>()).prop_map(|(b, s)| Op::Solo(b, s)),
        1 => (bus(), bus()).prop_map(|(b, s)| Op::SendTo(b, s)),
        2 => (bus(), effect()).prop_map(|(b, e)| Op::AddEffect(b, e)),
        1 => (bus(), 0..10usize).prop_map(|(b, i)| Op::RemoveEffect(b, i)),
        1 => (bus(), 0..10usize, effect()).prop_map(|(b, i, e)| Op::SetEffect(b, i, e)),
        3 => Just(Op::Sync),
        2 => (bus(), float(-90.0, 30.0), seconds(0.0, 0.5), any::<bool>(), seconds(-1.0, 1.0))
            .prop_map(|(bus, volume_db, buffer, looping, from)| Op::OpenStream {
                bus, volume_db, buffer, looping, from
            }),
        2 => (pick(), 0..10_000usize, any::<u64>()).prop_map(|(i, n, s)| Op::Feed(i, n, s)),
        1 => (pick(), any::<u64>()).prop_map(|(i, s)| Op::FeedAvailable(i, s)),
        1 => pick().prop_map(Op::EndStream),
        5 => prop_oneof![
            4 => 0..300usize,
            4 => 300..2_500usize,
            1 => 4_800..12_000usize,
        ].prop_map(Op::Render),
        1 => pick().prop_map(Op::Query),
    ]
}

fn config() -> impl Strategy<Value = AudioConfig> {
    (
        prop::sample::select(vec![48_000u32, 44_100, 22_050, 96_000, 8_000]),
        prop::sample::select(vec![2u16, 1, 6]),
        1..12usize,
        any::<bool>(),
        0..3u32,
    )
        .prop_map(|(sample_rate, channels, voices, cubic, mib)| AudioConfig {
            sample_rate,
            channels,
            voices,
            interpolation: if cubic {
                Interpolation::Cubic
            } else {
                Interpolation::Linear
            },
            effect_memory_mib: mib,
            ..AudioConfig::default()
        })
}

/// What the harness knows of one channel it was given.
#[derive(Debug)]
struct Tracked {
    id: ChannelId,
    /// The same channel's id in the null twin (ids carry their backend).
    twin_id: Option<ChannelId>,
    /// Static sound length in output frames at the lowest pitch, for a one-shot never paused.
    must_end_by: Option<u64>,
    /// Its sound's length in seconds (static sounds).
    duration: Option<f64>,
    stream: bool,
    /// Frame at which it was stopped.
    stopped_at: Option<u64>,
    inactive: bool,
}

/// The arguments of a `Play` op.
fn play_params(op: &Op) -> PlayParams {
    let Op::Play {
        bus,
        volume_db,
        gain_db,
        pan,
        pitch,
        looping,
        from,
        emitter,
        ..
    } = op
    else {
        unreachable!("not a play")
    };
    PlayParams {
        volume_db: *volume_db,
        gain_db: *gain_db,
        pan: *pan,
        pitch: *pitch,
        looping: *looping,
        bus: BUS_NAMES[*bus].into(),
        from_position: *from,
        emitter: *emitter,
        ..PlayParams::default()
    }
}

/// A run of one case: the backend, what was issued, and the trace compared across runs.
struct Run {
    backend: OfflineBackend,
    /// The null backend given the same calls (cases without streams): at every step it must
    /// report the same activity and positions as the offline one.
    twin: Option<NullBackend>,
    sounds: Vec<Sound>,
    layout: AudioBusLayout,
    tracked: Vec<Tracked>,
    capacity: usize,
    channels: usize,
    rate: u32,
    shut_down: bool,
    /// Every result and every sample's bits, in order.
    trace: Vec<u64>,
}

/// A call with a NaN argument is refused: with `InvalidParameter`, or with `UnknownBus` when
/// its bus is also wrong (which check comes first is not specified).
fn is_nan_err<T>(r: &Result<T, AudioError>) -> bool {
    matches!(
        r,
        Err(AudioError::InvalidParameter { .. } | AudioError::UnknownBus { .. })
    )
}

fn any_nan(xs: &[f32]) -> bool {
    xs.iter().any(|x| x.is_nan())
}

fn emitter_nan(e: &Emitter) -> bool {
    any_nan(&e.position)
        || any_nan(&e.velocity)
        || any_nan(&e.direction)
        || any_nan(&[
            e.min_distance,
            e.max_distance,
            e.rolloff,
            e.cone.inner_angle,
            e.cone.outer_angle,
            e.cone.outer_gain,
            e.doppler_factor,
        ])
}

/// Deterministic s16 PCM bytes from a seed: edges, silence and a ramp.
fn pcm(n: usize, seed: u64) -> Vec<u8> {
    let mut s = seed | 1;
    (0..n / 2)
        .flat_map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let v = match s % 5 {
                0 => i16::MIN,
                1 => i16::MAX,
                2 => 0,
                _ => (s >> 16) as i16,
            };
            v.to_le_bytes()
        })
        .chain((n % 2 == 1).then_some(0u8))
        .collect()
}

impl Run {
    fn new(config: &AudioConfig) -> Self {
        let backend = OfflineBackend::new(config).expect("a valid config");
        let capacity = backend.voice_capacity();
        assert_eq!(capacity, config.voices);
        Self {
            backend,
            twin: None,
            sounds: sounds(),
            layout: AudioBusLayout::default(),
            tracked: Vec::new(),
            capacity,
            channels: config.channels as usize,
            rate: config.sample_rate,
            shut_down: false,
            trace: Vec::new(),
        }
    }

    fn note<T: std::fmt::Debug>(&mut self, r: &T) {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        untagged(&format!("{r:?}")).hash(&mut h);
        self.trace.push(h.finish());
    }

    fn frame(&self) -> u64 {
        self.backend.frames_rendered()
    }

    fn pick(&self, i: usize) -> Option<ChannelId> {
        (!self.tracked.is_empty()).then(|| self.tracked[i % self.tracked.len()].id)
    }

    fn pick_stream(&self, i: usize) -> Option<ChannelId> {
        let streams: Vec<_> = self.tracked.iter().filter(|t| t.stream).collect();
        (!streams.is_empty()).then(|| streams[i % streams.len()].id)
    }

    fn tracked_mut(&mut self, id: ChannelId) -> &mut Tracked {
        self.tracked
            .iter_mut()
            .find(|t| t.id == id)
            .expect("tracked")
    }

    /// Channels active now (each queried).
    fn active(&mut self) -> usize {
        let ids: Vec<_> = self.tracked.iter().map(|t| t.id).collect();
        ids.into_iter()
            .filter(|&id| self.backend.is_channel_active(id))
            .count()
    }

    /// Channels that may hold a slot: active, or stopped so recently that the fade may run.
    fn occupying(&mut self) -> usize {
        let now = self.frame();
        let ids: Vec<_> = self.tracked.iter().map(|t| (t.id, t.stopped_at)).collect();
        ids.into_iter()
            .filter(|&(id, stopped)| {
                self.backend.is_channel_active(id)
                    || stopped.is_some_and(|f| now.saturating_sub(f) < FADE_MARGIN)
            })
            .count()
    }

    /// The per-call accounting checks.
    fn check_accounting(&mut self) {
        let now = self.frame();
        for i in 0..self.tracked.len() {
            let id = self.tracked[i].id;
            let active = self.backend.is_channel_active(id);
            let t = &mut self.tracked[i];
            assert!(!(t.inactive && active), "{id} became active again");
            if let Some(limit) = t.must_end_by {
                assert!(
                    !(active && now > limit),
                    "one-shot {id} still active at frame {now}, past {limit}"
                );
            }
            t.inactive |= !active;
            let pos = self.backend.get_playback_position(id);
            assert!(pos.is_finite() && pos >= 0.0, "{id}: position {pos}");
            if let Some(d) = self.tracked[i].duration {
                assert!(pos <= d + 1e-9, "{id}: position {pos} past the end {d}");
            }
            if !active {
                assert_eq!(pos, 0.0, "{id}: an inactive channel reports position 0");
            }
        }
    }

    fn render(&mut self, frames: usize) {
        let out = self.backend.render_frames(frames);
        assert_eq!(out.len(), frames * self.channels);
        for (i, s) in out.iter().enumerate() {
            assert!(s.is_finite(), "sample {i} of a {frames}-frame block is {s}");
            if self.shut_down {
                assert_eq!(*s, 0.0, "output after shutdown");
            }
        }
        self.trace
            .extend(out.iter().map(|s| u64::from(s.to_bits())));
    }

    /// Make the same call on the null twin, before the offline backend makes it (so both
    /// pick the same ids); the play's result, to compare.
    fn mirror(&mut self, op: &Op) -> Option<Result<ChannelId, AudioError>> {
        let pick = |i: usize| {
            (!self.tracked.is_empty()).then(|| {
                let t = &self.tracked[i % self.tracked.len()];
                t.twin_id.unwrap_or(t.id)
            })
        };
        let twin = self.twin.as_mut()?;
        match op {
            Op::Play { sound, .. } => {
                return Some(twin.play_audio(&self.sounds[*sound], &play_params(op)));
            }
            Op::Stop(i) => drop(pick(*i).map(|id| twin.stop_audio(id))),
            Op::Pause(i) => drop(pick(*i).map(|id| twin.pause_audio(id))),
            Op::Resume(i) => drop(pick(*i).map(|id| twin.resume_audio(id))),
            Op::Sync => drop(twin.sync_bus_layout(&self.layout)),
            Op::Update2d(i, v, p) => drop(pick(*i).map(|id| twin.update_audio_2d(id, *v, *p))),
            Op::Update3d(i, v, p, q) => {
                drop(pick(*i).map(|id| twin.update_audio_3d(id, *v, *p, *q)))
            }
            Op::SetPitch(i, p) => drop(pick(*i).map(|id| twin.set_pitch(id, *p))),
            Op::SetEmitter(i, e) => drop(pick(*i).map(|id| twin.set_emitter(id, e))),
            Op::Listener(f, v) => drop(match f {
                0 => twin.set_listener_position(*v),
                1 => twin.set_listener_velocity(*v),
                2 => twin.set_listener_direction(*v),
                _ => twin.set_listener_world_up(*v),
            }),
            Op::Render(frames) => drop(twin.clock().advance_frames(*frames as u64)),
            Op::Shutdown => twin.shutdown(),
            // Layout edits change only the harness's layout (the sync sends it); streams are
            // not in the twin's cases (null has no streaming facet).
            _ => {}
        }
        None
    }

    /// The twin agrees with the offline backend on every channel's activity and position.
    fn check_twin(&mut self) {
        let Some(twin) = self.twin.as_mut() else {
            return;
        };
        for t in &self.tracked {
            let tid = t.twin_id.unwrap_or(t.id);
            let (a, b) = (
                self.backend.is_channel_active(t.id),
                twin.is_channel_active(tid),
            );
            assert_eq!(a, b, "{}: active offline {a}, null {b}", t.id);
            let (p, q) = (
                self.backend.get_playback_position(t.id),
                twin.get_playback_position(tid),
            );
            assert_eq!(
                p.to_bits(),
                q.to_bits(),
                "{}: position offline {p}, null {q}",
                t.id
            );
        }
    }

    fn apply(&mut self, op: &Op) {
        let twin_play = self.mirror(op);
        self.apply_offline(op, twin_play);
        self.check_twin();
    }

    fn apply_offline(&mut self, op: &Op, twin_play: Option<Result<ChannelId, AudioError>>) {
        let b = |i: usize| BUS_NAMES[i];
        match op {
            Op::Play {
                sound,
                volume_db,
                gain_db,
                pan,
                pitch,
                looping,
                from,
                emitter,
                ..
            } => {
                let params = play_params(op);
                let nan = any_nan(&[*volume_db, *gain_db, *pan, *pitch])
                    || from.is_nan()
                    || emitter.as_ref().is_some_and(emitter_nan);
                let active_before = self.active();
                let occupying = self.occupying();
                let sound = self.sounds[*sound].clone();
                let r = self.backend.play_audio(&sound, &params);
                self.note(&r);
                if let Some(t) = &twin_play {
                    // The same slot and generation; the backend tag (the top 16 bits) differs.
                    let local = |r: &Result<ChannelId, AudioError>| {
                        format!("{:?}", r.as_ref().map(|id| id.get() & ((1 << 48) - 1)))
                    };
                    assert_eq!(local(t), local(&r), "null and offline plays differ");
                }
                match &r {
                    _ if self.shut_down => {
                        assert!(matches!(r, Err(AudioError::Shutdown)), "{r:?}")
                    }
                    _ if nan => assert!(is_nan_err(&r), "NaN accepted: {r:?}"),
                    Ok(id) => {
                        assert!(
                            active_before < self.capacity,
                            "a play succeeded with {active_before} of {} voices active",
                            self.capacity
                        );
                        assert!(self.tracked.iter().all(|t| t.id != *id), "{id} reissued");
                        let frames = sound.frames() as f64 * self.rate as f64 / sound.rate() as f64;
                        self.tracked.push(Tracked {
                            id: *id,
                            twin_id: twin_play.as_ref().and_then(|t| t.as_ref().ok().copied()),
                            must_end_by: (!looping)
                                .then(|| self.frame() + (frames / 0.1).ceil() as u64 + 2 * 128),
                            duration: Some(sound.duration()),
                            stream: false,
                            stopped_at: None,
                            inactive: false,
                        });
                    }
                    Err(AudioError::NoFreeVoice { capacity }) => {
                        assert_eq!(*capacity, self.capacity);
                        assert!(
                            occupying >= self.capacity,
                            "NoFreeVoice with only {occupying} of {} voices held",
                            self.capacity
                        );
                    }
                    Err(AudioError::UnknownBus { .. }) => {}
                    Err(e) => panic!("play_audio: unexpected {e:?}"),
                }
            }
            Op::Stop(i) => {
                let Some(id) = self.pick(*i) else { return };
                let r = self.backend.stop_audio(id);
                self.note(&r);
                if self.shut_down {
                    assert!(matches!(r, Err(AudioError::Shutdown)));
                    return;
                }
                r.expect("stop_audio");
                assert!(
                    !self.backend.is_channel_active(id),
                    "{id} active after stop"
                );
                let now = self.frame();
                let t = self.tracked_mut(id);
                if !t.inactive {
                    t.stopped_at = Some(now);
                }
            }
            Op::Pause(i) | Op::Resume(i) => {
                let Some(id) = self.pick(*i) else { return };
                let was = self.backend.is_channel_active(id);
                let r = if matches!(op, Op::Pause(_)) {
                    self.tracked_mut(id).must_end_by = None;
                    self.backend.pause_audio(id)
                } else {
                    self.backend.resume_audio(id)
                };
                self.note(&r);
                if self.shut_down {
                    assert!(matches!(r, Err(AudioError::Shutdown)));
                    return;
                }
                r.expect("pause/resume");
                assert_eq!(
                    self.backend.is_channel_active(id),
                    was,
                    "pause/resume changed {id}"
                );
            }
            Op::Update2d(i, v, p) => {
                let Some(id) = self.pick(*i) else { return };
                let r = self.backend.update_audio_2d(id, *v, *p);
                self.control_result(r, any_nan(&[*v, *p]));
            }
            Op::Update3d(i, v, p, q) => {
                let Some(id) = self.pick(*i) else { return };
                let r = self.backend.update_audio_3d(id, *v, *p, *q);
                self.control_result(r, any_nan(&[*v, *p, *q]));
            }
            Op::SetPitch(i, p) => {
                let Some(id) = self.pick(*i) else { return };
                let r = self.backend.set_pitch(id, *p);
                self.control_result(r, p.is_nan());
            }
            Op::SetEmitter(i, e) => {
                let Some(id) = self.pick(*i) else { return };
                let r = self.backend.set_emitter(id, e);
                self.control_result(r, emitter_nan(e));
            }
            Op::Listener(field, v) => {
                let r = match field {
                    0 => self.backend.set_listener_position(*v),
                    1 => self.backend.set_listener_velocity(*v),
                    2 => self.backend.set_listener_direction(*v),
                    _ => self.backend.set_listener_world_up(*v),
                };
                self.control_result(r, any_nan(v));
            }
            Op::AddBus(n, v, s) => {
                let r = self.layout.add_bus(b(*n), *v, b(*s)).map(|_| ());
                self.note(&r);
            }
            Op::RemoveBus(n) => {
                let r = self.layout.remove_bus(b(*n));
                self.note(&r);
            }
            Op::BusVolume(n, v) => {
                let r = self.layout.set_volume_db(b(*n), *v);
                self.note(&r);
            }
            Op::Mute(n, m) => {
                let r = self.layout.set_mute(b(*n), *m);
                self.note(&r);
            }
            Op::Solo(n, s) => {
                let r = self.layout.set_solo(b(*n), *s);
                self.note(&r);
            }
            Op::SendTo(n, s) => {
                let r = self.layout.set_send_to(b(*n), b(*s));
                self.note(&r);
            }
            Op::AddEffect(n, e) => {
                let r = self.layout.add_effect(b(*n), *e);
                self.note(&r);
            }
            Op::RemoveEffect(n, i) => {
                let r = self.layout.remove_effect(b(*n), *i);
                self.note(&r);
            }
            Op::SetEffect(n, i, e) => {
                let r = self.layout.set_effect(b(*n), *i, *e);
                self.note(&r);
            }
            Op::Sync => {
                // The layout survives its JSON form unchanged.
                let back = AudioBusLayout::from_json(&self.layout.to_json()).expect("round trip");
                assert_eq!(back, self.layout);
                let r = self.backend.sync_bus_layout(&self.layout);
                self.note(&r);
                match &r {
                    _ if self.shut_down => assert!(matches!(r, Err(AudioError::Shutdown))),
                    Ok(()) | Err(AudioError::InvalidLayout(_)) => {}
                    // Effect memory is small on purpose in some cases.
                    Err(AudioError::EffectMemory { .. }) => {}
                    Err(e) => panic!("sync_bus_layout: unexpected {e:?}"),
                }
            }
            Op::OpenStream {
                bus,
                volume_db,
                buffer,
                looping,
                from,
            } => {
                let active_before = self.active();
                let occupying = self.occupying();
                let streams = self.backend.streams().expect("offline streams");
                let r = streams.open_stream(*volume_db, b(*bus), *buffer, *looping, None, *from);
                self.note(&r);
                match &r {
                    _ if self.shut_down => {
                        assert!(matches!(r, Err(AudioError::Shutdown)), "{r:?}")
                    }
                    _ if volume_db.is_nan() || from.is_nan() || buffer.is_nan() => {
                        assert!(is_nan_err(&r), "NaN accepted: {r:?}")
                    }
                    Ok(id) => {
                        assert!(active_before < self.capacity);
                        assert!(*buffer > 0.0 && *buffer <= 60.0, "buffer {buffer} accepted");
                        self.tracked.push(Tracked {
                            id: *id,
                            twin_id: None,
                            must_end_by: None,
                            duration: None,
                            stream: true,
                            stopped_at: None,
                            inactive: false,
                        });
                    }
                    Err(AudioError::NoFreeVoice { .. }) => assert!(occupying >= self.capacity),
                    Err(AudioError::UnknownBus { .. })
                    | Err(AudioError::InvalidParameter { .. }) => {}
                    Err(e) => panic!("open_stream: unexpected {e:?}"),
                }
            }
            Op::Feed(i, n, seed) => {
                let Some(id) = self.pick_stream(*i).or(self.pick(*i)) else {
                    return;
                };
                self.feed(id, pcm(*n, *seed));
            }
            Op::FeedAvailable(i, seed) => {
                let Some(id) = self.pick_stream(*i) else {
                    return;
                };
                let s = self.backend.streams().expect("offline streams");
                let (_, ch) = s.stream_format();
                let n = s.frames_available(id) * 2 * ch as usize;
                self.feed(id, pcm(n, *seed));
            }
            Op::EndStream(i) => {
                let Some(id) = self.pick_stream(*i) else {
                    return;
                };
                let s = self.backend.streams().expect("offline streams");
                let r = s.end_of_stream(id);
                let avail = s.frames_available(id);
                self.note(&r);
                if self.shut_down {
                    assert!(matches!(r, Err(AudioError::Shutdown)));
                } else {
                    r.expect("end_of_stream");
                    assert_eq!(avail, 0, "an ended stream takes no more frames");
                }
            }
            Op::Render(frames) => self.render(*frames),
            Op::Query(i) => {
                let Some(id) = self.pick(*i) else { return };
                let a = self.backend.is_channel_active(id);
                let p = self.backend.get_playback_position(id);
                self.note(&(a, p.to_bits()));
                if self.shut_down {
                    assert!(!a && p == 0.0);
                }
            }
            Op::Shutdown => {
                self.backend.shutdown();
                self.shut_down = true;
                for t in &self.tracked {
                    assert!(!self.backend.is_channel_active(t.id));
                }
                self.backend.shutdown(); // idempotent
            }
        }
        self.check_accounting();
    }

    fn control_result(&mut self, r: Result<(), AudioError>, nan: bool) {
        self.note(&r);
        if self.shut_down {
            // After shutdown a NaN may be reported either way.
            let ok = matches!(r, Err(AudioError::Shutdown)) || (nan && is_nan_err(&r));
            assert!(ok, "after shutdown: {r:?}");
        } else if nan {
            assert!(is_nan_err(&r), "NaN accepted: {r:?}");
        } else {
            r.expect("a control on any id succeeds");
        }
    }

    fn feed(&mut self, id: ChannelId, bytes: Vec<u8>) {
        let s = self.backend.streams().expect("offline streams");
        let (_, ch) = s.stream_format();
        let frame_bytes = 2 * ch as usize;
        let room = s.frames_available(id);
        let r = s.feed_audio_chunk(id, &bytes);
        self.note(&r);
        match r {
            _ if self.shut_down => assert!(matches!(r, Err(AudioError::Shutdown))),
            Ok(n) => {
                assert_eq!(n % frame_bytes, 0, "accepted {n} bytes: not whole frames");
                assert!(
                    n <= bytes.len() && n <= room * frame_bytes,
                    "accepted {n} of room {room}"
                );
                assert_eq!(n, (bytes.len() / frame_bytes).min(room) * frame_bytes);
            }
            Err(e) => panic!("feed_audio_chunk: unexpected {e:?}"),
        }
    }

    /// Stop everything, render past the fades, and check that nothing leaked: every channel is
    /// inactive and the whole pool can be played again, but not one voice more.
    fn finish(&mut self) {
        if !self.shut_down {
            let ids: Vec<_> = self.tracked.iter().map(|t| t.id).collect();
            for id in ids {
                self.backend.stop_audio(id).expect("stop");
            }
            self.render(FADE_MARGIN as usize);
            assert_eq!(self.active(), 0);
            let tone = self.sounds[0].clone();
            let looping = PlayParams {
                looping: true,
                ..PlayParams::default()
            };
            let mut fresh = Vec::new();
            for k in 0..self.capacity {
                let r = self.backend.play_audio(&tone, &looping);
                let id = r.unwrap_or_else(|e| {
                    panic!(
                        "voice {k} of {} after stopping everything: {e}",
                        self.capacity
                    )
                });
                fresh.push(id);
            }
            let r = self.backend.play_audio(&tone, &looping);
            assert!(matches!(r, Err(AudioError::NoFreeVoice { .. })), "{r:?}");
            self.render(256);
            for &id in &fresh {
                assert!(self.backend.is_channel_active(id));
                self.backend.stop_audio(id).expect("stop");
            }
            self.render(FADE_MARGIN as usize);
            assert_eq!(
                fresh
                    .iter()
                    .filter(|&&id| self.backend.is_channel_active(id))
                    .count(),
                0
            );
            self.backend.shutdown();
            self.shut_down = true;
        }
        self.render(512);
        let r = self
            .backend
            .play_audio(&self.sounds[0].clone(), &PlayParams::default());
        assert!(matches!(r, Err(AudioError::Shutdown)), "{r:?}");
    }
}

fn run(config: &AudioConfig, ops: &[Op]) -> Vec<u64> {
    let mut run = Run::new(config);
    for op in ops {
        run.apply(op);
    }
    run.finish();
    run.trace
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(48)
}

proptest! {
    #![proptest_config(Config {
        cases: cases(),
        // Failing cases are saved beside this file and replayed first on every run.
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("regressions"))),
        ..Config::default()
    })]

    /// Tests every invariant above on random call sequences, each run twice for determinism.
    #[test]
    fn random_call_sequences(
        config in config(),
        mut ops in prop::collection::vec(op(), 1..120),
        shutdown in prop::option::weighted(0.15, any::<usize>()),
    ) {
        if let Some(at) = shutdown {
            ops.insert(at % ops.len(), Op::Shutdown);
        }
        let a = run(&config, &ops);
        let b = run(&config, &ops);
        let first = a.iter().zip(&b).position(|(x, y)| x != y);
        prop_assert!(a.len() == b.len() && first.is_none(),
            "two runs differ at trace entry {first:?} ({} vs {} entries)", a.len(), b.len());
    }

}

proptest! {
    #![proptest_config(Config {
        cases: (cases() / 2).max(4),
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("regressions"))),
        ..Config::default()
    })]

    /// Tests that the null backend is the core's own lifecycle: given the same random calls
    /// (plays, stops, pauses, pitch, emitters, the listener, bus edits and syncs, shutdown;
    /// no streams, which null does not have) and its clock advanced by the frames the
    /// offline backend renders, it reports the same `is_channel_active` and
    /// `get_playback_position`, bit for bit, for every channel at every step.
    #[test]
    fn null_agrees_with_offline(
        config in config(),
        ops in prop::collection::vec(op(), 1..150),
        shutdown in prop::option::weighted(0.1, any::<usize>()),
    ) {
        let mut ops: Vec<Op> = ops
            .into_iter()
            .filter(|op| !matches!(
                op,
                Op::OpenStream { .. } | Op::Feed(..) | Op::FeedAvailable(..) | Op::EndStream(_)
            ))
            .collect();
        if let (Some(at), false) = (shutdown, ops.is_empty()) {
            ops.insert(at % ops.len(), Op::Shutdown);
        }
        let mut run = Run::new(&config);
        run.twin = Some(NullBackend::new(&config).expect("a valid config"));
        for op in &ops {
            run.apply(op);
        }
    }
}

proptest! {
    #![proptest_config(Config {
        cases: (cases() / 4).max(4),
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("regressions"))),
        ..Config::default()
    })]

    /// Tests that any number of calls between two renders is taken: continuous parameters
    /// coalesce and discrete commands wait in order, so nothing is refused.
    #[test]
    fn many_calls_between_renders(ops in prop::collection::vec(op(), 300..700)) {
        let mut run = Run::new(&AudioConfig { voices: 64, ..AudioConfig::default() });
        for op in ops.iter().filter(|op| !matches!(op, Op::Render(_) | Op::Shutdown)) {
            run.apply(op);
        }
        run.finish();
    }
}
