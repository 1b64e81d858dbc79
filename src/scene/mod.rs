//! Scene files: JSON descriptions of sounds and timed backend calls (SPEC §9).
//!
//! [`Scene::parse`] checks the whole file up front; every error names the file, the event
//! index (or the sound) and the field. Rendering is in [`play`](crate::play).

mod play;

pub use play::{SCENE_VOICES, ScenePlayer, render_scene, render_scene_to};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::backend::{PlayMode, PlayParams};
use crate::bus::AudioBusLayout;
use crate::config::MAX_VOICES;
use crate::error::AudioError;
pub use crate::error::SceneError;
use crate::sound::Sound;
use mixer_core::spatial::{Attenuation, Cone, Emitter, PanLaw};

/// How a scene makes a sound.
#[derive(Debug, Clone, PartialEq)]
pub enum SoundSpec {
    /// A sound file, relative to the scene file.
    File(PathBuf),
    /// A plain sine.
    Tone {
        /// Hz.
        frequency: f64,
        /// Peak amplitude.
        amplitude: f32,
        /// Length.
        seconds: f64,
        /// The sound's own rate.
        sample_rate: u32,
        /// 1 or 2.
        channels: u16,
    },
    /// Uniform white noise from a seed.
    Noise {
        /// Peak amplitude.
        amplitude: f32,
        /// Length.
        seconds: f64,
        /// Generator seed.
        seed: u64,
        /// The sound's own rate.
        sample_rate: u32,
    },
}

/// A listener vector a call sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListenerField {
    /// `set_listener_position`
    Position,
    /// `set_listener_velocity`
    Velocity,
    /// `set_listener_direction`
    Direction,
    /// `set_listener_world_up`
    WorldUp,
}

/// One backend call of a scene. Channels are the scene's names for them.
#[derive(Debug, Clone, PartialEq)]
pub enum Call {
    /// `play_audio`
    PlayAudio {
        /// Channel name.
        channel: String,
        /// Sound name.
        sound: String,
        /// The call's arguments.
        params: PlayParams,
    },
    /// `stop_audio`
    StopAudio(String),
    /// `fade_in`, `fade_out` (then stop), `fade_to`: a fade computed in the renderer.
    Fade {
        /// Channel name.
        channel: String,
        /// Which call: the level it starts from (`Some(0)` for `fade_in`) and lands on, and
        /// whether it stops the channel.
        from: Option<f32>,
        /// The level it lands on.
        to: f32,
        /// Stop the channel when it lands (`fade_out`).
        stop: bool,
        /// Its length.
        seconds: f64,
        /// Its curve.
        curve: crate::Curve,
    },
    /// `crossfade`: `channel` fades out (then stops) while `to` fades in.
    Crossfade {
        /// The channel fading out.
        channel: String,
        /// The channel fading in.
        to: String,
        /// The fades' length.
        seconds: f64,
        /// Their curve.
        curve: crate::Curve,
    },
    /// `pause_audio`
    PauseAudio(String),
    /// `resume_audio`
    ResumeAudio(String),
    /// `update_audio_2d`
    UpdateAudio2d {
        /// Channel name.
        channel: String,
        /// Level in dB.
        volume_db: f32,
        /// Balance pan.
        pan: f32,
        /// `"tween": {"seconds", "curve"}`: move there along a curve (else the de-click ramp).
        tween: Option<(f64, crate::Curve)>,
    },
    /// `update_audio_3d`
    UpdateAudio3d {
        /// Channel name.
        channel: String,
        /// Level in dB.
        volume_db: f32,
        /// Balance pan.
        pan: f32,
        /// Pitch.
        pitch: f32,
        /// As [`Call::UpdateAudio2d`]'s.
        tween: Option<(f64, crate::Curve)>,
    },
    /// `set_pitch`
    SetPitch {
        /// Channel name.
        channel: String,
        /// Pitch.
        pitch: f32,
        /// As [`Call::UpdateAudio2d`]'s.
        tween: Option<(f64, crate::Curve)>,
    },
    /// `set_listener_*`
    SetListener(ListenerField, [f32; 3]),
    /// `set_emitter`
    SetEmitter {
        /// Channel name.
        channel: String,
        /// The emitter's new state.
        emitter: Emitter,
    },
    /// `open_stream`: a ring the scene feeds (`stream: None`) or a file sound the backend
    /// decodes itself.
    OpenStream {
        /// Channel name.
        channel: String,
        /// Level in dB.
        volume_db: f32,
        /// Bus name.
        bus: String,
        /// Ring length in seconds.
        buffer_seconds: f64,
        /// Loop a decoded file.
        looping: bool,
        /// The name of a `file` sound to stream, if any.
        stream: Option<String>,
        /// Where a decoded file starts, in seconds.
        from_position: f64,
    },
    /// `feed_audio_chunk`: feed a sound's PCM (at the stream format) to a stream.
    FeedAudioChunk {
        /// Channel name.
        channel: String,
        /// Sound name.
        sound: String,
    },
    /// `end_of_stream`
    EndOfStream(String),
    /// `sync_bus_layout` (also the scene's top-level `buses`, applied first), the bus
    /// volumes tweened (seconds, curve) when a `"tween"` is given.
    SyncBusLayout(AudioBusLayout, Option<(f64, crate::Curve)>),
}

/// A call at a frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The event's index in the file.
    pub index: usize,
    /// The time the file gives, in seconds.
    pub at: f64,
    /// `round(at · sample_rate)`: the frame the call is made at.
    pub frame: u64,
    /// `round(start_at · sample_rate)` on `play_audio` and `open_stream`, `round(stop_at ·
    /// sample_rate)` on `stop_audio`: the frame the call takes effect at (a frame before
    /// `frame` means at once). `None`: at `frame`.
    pub scheduled: Option<u64>,
    /// The call.
    pub call: Call,
}

impl Event {
    /// The frame the call takes effect at: [`scheduled`](Self::scheduled), else
    /// [`frame`](Self::frame).
    pub fn effect_frame(&self) -> u64 {
        self.scheduled.map_or(self.frame, |s| s.max(self.frame))
    }
}

/// A parsed scene.
#[derive(Debug, Clone, PartialEq)]
pub struct Scene {
    /// The file it came from (`<scene>` for strings).
    pub file: String,
    /// The folder `file` sounds are relative to.
    pub base_dir: PathBuf,
    /// Output frames per second.
    pub sample_rate: u32,
    /// Output channels.
    pub channels: u16,
    /// Length in seconds.
    pub duration: f64,
    /// Voices at once (the pool).
    pub voices: usize,
    /// How many of them are mixed at once (`None`: all).
    pub real_voices: Option<usize>,
    /// Sounds by name.
    pub sounds: BTreeMap<String, SoundSpec>,
    /// Events in application order: by frame, then by their order in the file.
    pub events: Vec<Event>,
}

/// Every backend call a scene may make (spatial emitters, bus layouts and streams included).
pub const CALLS: [&str; 20] = [
    "play_audio",
    "stop_audio",
    "pause_audio",
    "resume_audio",
    "fade_in",
    "fade_out",
    "fade_to",
    "crossfade",
    "update_audio_2d",
    "update_audio_3d",
    "set_pitch",
    "set_emitter",
    "set_listener_position",
    "set_listener_velocity",
    "set_listener_direction",
    "set_listener_world_up",
    "sync_bus_layout",
    "open_stream",
    "feed_audio_chunk",
    "end_of_stream",
];

/// [`Event::index`] of the calls made from the scene's top-level `listener`.
pub const LISTENER_EVENT: usize = usize::MAX;
/// [`Event::index`] of the call made from the scene's top-level `buses`.
pub const BUSES_EVENT: usize = usize::MAX - 1;

struct Ctx<'a> {
    file: &'a str,
    location: Option<String>,
}

impl Ctx<'_> {
    fn err(&self, field: Option<&str>, message: impl Into<String>) -> SceneError {
        SceneError {
            file: self.file.into(),
            location: self.location.clone(),
            field: field.map(Into::into),
            message: message.into(),
        }
    }

    fn check_keys(&self, obj: &Map<String, Value>, allowed: &[&str]) -> Result<(), SceneError> {
        match obj.keys().find(|k| !allowed.contains(&k.as_str())) {
            Some(k) => Err(self.err(
                Some(k),
                format!("unknown field; expected one of: {}", allowed.join(", ")),
            )),
            None => Ok(()),
        }
    }

    fn f64(
        &self,
        obj: &Map<String, Value>,
        key: &str,
        default: Option<f64>,
    ) -> Result<f64, SceneError> {
        match obj.get(key) {
            None => default.ok_or_else(|| self.err(Some(key), "missing")),
            Some(v) => v
                .as_f64()
                .filter(|x| x.is_finite())
                .ok_or_else(|| self.err(Some(key), format!("expected a finite number, got {v}"))),
        }
    }

    fn f32(
        &self,
        obj: &Map<String, Value>,
        key: &str,
        default: Option<f32>,
    ) -> Result<f32, SceneError> {
        self.f64(obj, key, default.map(f64::from)).map(|x| x as f32)
    }

    fn uint(
        &self,
        obj: &Map<String, Value>,
        key: &str,
        default: Option<u64>,
        max: u64,
    ) -> Result<u64, SceneError> {
        match obj.get(key) {
            None => default.ok_or_else(|| self.err(Some(key), "missing")),
            Some(v) => v.as_u64().filter(|&x| x >= 1 && x <= max).ok_or_else(|| {
                self.err(
                    Some(key),
                    format!("expected a whole number in 1..={max}, got {v}"),
                )
            }),
        }
    }

    fn byte(&self, obj: &Map<String, Value>, key: &str, default: u8) -> Result<u8, SceneError> {
        match obj.get(key) {
            None => Ok(default),
            Some(v) => v
                .as_u64()
                .and_then(|x| u8::try_from(x).ok())
                .ok_or_else(|| {
                    self.err(
                        Some(key),
                        format!("expected a whole number in 0..=255, got {v}"),
                    )
                }),
        }
    }

    fn string<'v>(&self, obj: &'v Map<String, Value>, key: &str) -> Result<&'v str, SceneError> {
        match obj.get(key) {
            None => Err(self.err(Some(key), "missing")),
            Some(Value::String(s)) => Ok(s),
            Some(v) => Err(self.err(Some(key), format!("expected a string, got {v}"))),
        }
    }

    fn bool(&self, obj: &Map<String, Value>, key: &str) -> Result<bool, SceneError> {
        match obj.get(key) {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(v) => Err(self.err(Some(key), format!("expected true or false, got {v}"))),
        }
    }

    fn vec3(&self, obj: &Map<String, Value>, key: &str) -> Result<[f32; 3], SceneError> {
        let bad = |v: &Value| self.err(Some(key), format!("expected [x, y, z] numbers, got {v}"));
        match obj.get(key) {
            None => Err(self.err(Some(key), "missing")),
            Some(v @ Value::Array(a)) if a.len() == 3 => {
                let mut out = [0.0; 3];
                for (o, x) in out.iter_mut().zip(a) {
                    *o = x.as_f64().filter(|x| x.is_finite()).ok_or_else(|| bad(v))? as f32;
                }
                Ok(out)
            }
            Some(v) => Err(bad(v)),
        }
    }
}

fn object<'v>(
    ctx: &Ctx<'_>,
    v: &'v Value,
    what: &str,
) -> Result<&'v Map<String, Value>, SceneError> {
    v.as_object()
        .ok_or_else(|| ctx.err(None, format!("{what} must be a JSON object, got {v}")))
}

impl Scene {
    /// Read and parse a scene file; `file` sounds resolve relative to its folder.
    ///
    /// # Errors
    /// [`AudioError::FileNotFound`], or [`AudioError::Scene`] naming the event and field.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, AudioError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => AudioError::FileNotFound(path.to_path_buf()),
            _ => AudioError::Io {
                context: format!("reading {}", path.display()),
                source: e,
            },
        })?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Ok(Self::parse(&text, &path.display().to_string(), base)?)
    }

    /// Parse scene JSON. `file` names it in errors; `base_dir` resolves `file` sounds.
    ///
    /// ```
    /// let scene = simvx_audio::Scene::parse(
    ///     r#"{"duration": 1.0,
    ///         "sounds": {"beep": {"tone": {"frequency": 440, "amplitude": 0.5, "seconds": 0.5}}},
    ///         "events": [{"at": 0.25, "call": "play_audio", "channel": "a", "sound": "beep"}]}"#,
    ///     "<doc>",
    ///     ".".into(),
    /// ).unwrap();
    /// assert_eq!(scene.events[0].frame, 12_000);
    ///
    /// let err = simvx_audio::Scene::parse(
    ///     r#"{"duration": 1, "events": [{"at": 0, "call": "stop_audio", "channel": 5}]}"#,
    ///     "bad.json",
    ///     ".".into(),
    /// ).unwrap_err();
    /// assert_eq!(err.to_string(), "bad.json: event 0: field `channel`: expected a string, got 5");
    /// ```
    ///
    /// # Errors
    /// A [`SceneError`] naming the event index (or sound) and the field.
    pub fn parse(text: &str, file: &str, base_dir: PathBuf) -> Result<Self, SceneError> {
        let top = Ctx {
            file,
            location: None,
        };
        let root: Value = serde_json::from_str(text)
            .map_err(|e| top.err(None, format!("not valid JSON: {e}")))?;
        let root = object(&top, &root, "a scene")?;
        top.check_keys(
            root,
            &[
                "sample_rate",
                "channels",
                "duration",
                "buses",
                "listener",
                "sounds",
                "events",
                "voices",
                "real_voices",
            ],
        )?;
        let sample_rate = top.uint(root, "sample_rate", Some(48_000), 768_000)? as u32;
        let channels = top.uint(root, "channels", Some(2), 8)? as u16;
        let voices =
            top.uint(root, "voices", Some(SCENE_VOICES as u64), MAX_VOICES as u64)? as usize;
        let real_voices = match root.get("real_voices") {
            None => None,
            Some(_) => Some(top.uint(root, "real_voices", None, MAX_VOICES as u64)? as usize),
        };
        let duration = top.f64(root, "duration", None)?;
        if !(duration > 0.0 && duration <= 24.0 * 3600.0) {
            return Err(top.err(Some("duration"), "must be in (0, 86400] seconds"));
        }
        let mut sounds = BTreeMap::new();
        if let Some(v) = root.get("sounds") {
            let obj = v
                .as_object()
                .ok_or_else(|| top.err(Some("sounds"), "expected an object of sounds"))?;
            for (name, spec) in obj {
                let ctx = Ctx {
                    file,
                    location: Some(format!("sound {name:?}")),
                };
                sounds.insert(name.clone(), parse_sound(&ctx, spec, sample_rate)?);
            }
        }
        let mut events = Vec::new();
        let mut calls = Vec::new();
        if let Some(v) = root.get("buses") {
            let layout = AudioBusLayout::from_json(v)
                .map_err(|e| top.err(Some("buses"), layout_message(e)))?;
            calls.push((0.0, None, Call::SyncBusLayout(layout, None), BUSES_EVENT));
        }
        if let Some(l) = root.get("listener") {
            let ctx = Ctx {
                file,
                location: Some("listener".into()),
            };
            let obj = object(&ctx, l, "listener")?;
            ctx.check_keys(obj, &["position", "velocity", "direction", "world_up"])?;
            for (key, field) in LISTENER_KEYS {
                if obj.contains_key(key) {
                    calls.push((
                        0.0,
                        None,
                        Call::SetListener(field, ctx.vec3(obj, key)?),
                        LISTENER_EVENT,
                    ));
                }
            }
        }
        match root.get("events") {
            None => {}
            Some(Value::Array(list)) => {
                for (i, ev) in list.iter().enumerate() {
                    let ctx = Ctx {
                        file,
                        location: Some(format!("event {i}")),
                    };
                    let (at, scheduled, call) = parse_event(&ctx, ev, &sounds)?;
                    calls.push((at, scheduled, call, i));
                }
            }
            Some(v) => return Err(top.err(Some("events"), format!("expected a list, got {v}"))),
        }
        // Listener setup first, then events by frame, ties in file order.
        let frame_of = |t: f64| (t * sample_rate as f64).round() as u64;
        for (at, scheduled, call, index) in calls {
            events.push(Event {
                index,
                at,
                frame: frame_of(at),
                scheduled: scheduled.map(frame_of),
                call,
            });
        }
        // Setup (the bus layout, then the listener) before anything at frame 0.
        let setup = |i: usize| match i {
            BUSES_EVENT => 0,
            LISTENER_EVENT => 1,
            _ => 2,
        };
        events.sort_by_key(|e| (e.frame, setup(e.index), e.index));
        check_channels(file, &events)?;
        Ok(Scene {
            file: file.into(),
            base_dir,
            sample_rate,
            channels,
            duration,
            voices,
            real_voices,
            sounds,
            events,
        })
    }

    /// Output frames: `round(duration · sample_rate)`.
    pub fn frames(&self) -> u64 {
        (self.duration * self.sample_rate as f64).round() as u64
    }

    /// Make every sound (decoding files, synthesising tones and noise).
    ///
    /// # Errors
    /// [`AudioError::Scene`] naming the sound, wrapping the load error.
    pub fn load_sounds(&self) -> Result<BTreeMap<String, Sound>, AudioError> {
        let mut out = BTreeMap::new();
        for (name, spec) in &self.sounds {
            let made = match spec {
                SoundSpec::File(p) => Sound::from_file(self.base_dir.join(p)),
                SoundSpec::Tone {
                    frequency,
                    amplitude,
                    seconds,
                    sample_rate,
                    channels,
                } => Sound::tone(*frequency, *amplitude, *seconds, *sample_rate, *channels),
                SoundSpec::Noise {
                    amplitude,
                    seconds,
                    seed,
                    sample_rate,
                } => Sound::noise(*amplitude, *seconds, *seed, *sample_rate),
            };
            let sound = made.map_err(|e| SceneError {
                file: self.file.clone(),
                location: Some(format!("sound {name:?}")),
                field: None,
                message: e.to_string(),
            })?;
            out.insert(name.clone(), sound);
        }
        Ok(out)
    }
}

const LISTENER_KEYS: [(&str, ListenerField); 4] = [
    ("position", ListenerField::Position),
    ("velocity", ListenerField::Velocity),
    ("direction", ListenerField::Direction),
    ("world_up", ListenerField::WorldUp),
];

fn parse_sound(ctx: &Ctx<'_>, spec: &Value, scene_rate: u32) -> Result<SoundSpec, SceneError> {
    let obj = object(ctx, spec, "a sound")?;
    ctx.check_keys(obj, &["file", "tone", "noise"])?;
    if obj.len() != 1 {
        return Err(ctx.err(None, "a sound is exactly one of file, tone or noise"));
    }
    if let Some(Value::String(p)) = obj.get("file") {
        return Ok(SoundSpec::File(p.into()));
    }
    if obj.contains_key("file") {
        return Err(ctx.err(Some("file"), "expected a path string"));
    }
    if let Some(t) = obj.get("tone") {
        let t = object(ctx, t, "tone")?;
        ctx.check_keys(
            t,
            &[
                "frequency",
                "amplitude",
                "seconds",
                "sample_rate",
                "channels",
            ],
        )?;
        return Ok(SoundSpec::Tone {
            frequency: ctx.f64(t, "frequency", None)?,
            amplitude: ctx.f32(t, "amplitude", Some(0.5))?,
            seconds: ctx.f64(t, "seconds", None)?,
            sample_rate: ctx.uint(t, "sample_rate", Some(scene_rate as u64), 768_000)? as u32,
            channels: ctx.uint(t, "channels", Some(1), 2)? as u16,
        });
    }
    let n = object(ctx, &obj["noise"], "noise")?;
    ctx.check_keys(n, &["amplitude", "seconds", "seed", "sample_rate"])?;
    Ok(SoundSpec::Noise {
        amplitude: ctx.f32(n, "amplitude", Some(0.5))?,
        seconds: ctx.f64(n, "seconds", None)?,
        seed: match n.get("seed") {
            None => 0,
            Some(v) => v.as_u64().ok_or_else(|| {
                ctx.err(Some("seed"), format!("expected a whole number, got {v}"))
            })?,
        },
        sample_rate: ctx.uint(n, "sample_rate", Some(scene_rate as u64), 768_000)? as u32,
    })
}

fn parse_event(
    ctx: &Ctx<'_>,
    ev: &Value,
    sounds: &BTreeMap<String, SoundSpec>,
) -> Result<(f64, Option<f64>, Call), SceneError> {
    let obj = object(ctx, ev, "an event")?;
    let at = ctx.f64(obj, "at", None)?;
    if at < 0.0 {
        return Err(ctx.err(Some("at"), "must not be negative"));
    }
    // `start_at` / `stop_at`: seconds on the scene's timeline at which the call takes effect.
    let when = |key: &str| -> Result<Option<f64>, SceneError> {
        if !obj.contains_key(key) {
            return Ok(None);
        }
        let t = ctx.f64(obj, key, None)?;
        if t < 0.0 {
            return Err(ctx.err(Some(key), "must not be negative"));
        }
        Ok(Some(t))
    };
    let mut scheduled = None;
    let name = ctx.string(obj, "call")?;
    let channel = || ctx.string(obj, "channel").map(String::from);
    let keys = |extra: &[&str]| {
        let mut k = vec!["at", "call"];
        k.extend_from_slice(extra);
        ctx.check_keys(obj, &k)
    };
    let call = match name {
        "play_audio" => {
            keys(&[
                "channel",
                "sound",
                "mode",
                "position",
                "volume_db",
                "pitch",
                "loop",
                "bus",
                "max_distance",
                "from_position",
                "pan",
                "gain_db",
                "emitter",
                "start_at",
                "priority",
            ])?;
            scheduled = when("start_at")?;
            let sound = ctx.string(obj, "sound")?;
            if !sounds.contains_key(sound) {
                return Err(ctx.err(
                    Some("sound"),
                    format!("no sound named {sound:?} in `sounds`"),
                ));
            }
            let d = PlayParams::default();
            let mode = match obj.get("mode") {
                None => PlayMode::NonPositional,
                Some(Value::String(m)) => PlayMode::parse(m).ok_or_else(|| {
                    ctx.err(
                        Some("mode"),
                        format!("{m:?} is not non_positional, 2d or 3d"),
                    )
                })?,
                Some(v) => return Err(ctx.err(Some("mode"), format!("expected a string, got {v}"))),
            };
            let params = PlayParams {
                mode,
                position: if obj.contains_key("position") {
                    ctx.vec3(obj, "position")?
                } else {
                    d.position
                },
                volume_db: ctx.f32(obj, "volume_db", Some(d.volume_db))?,
                pitch: ctx.f32(obj, "pitch", Some(d.pitch))?,
                looping: ctx.bool(obj, "loop")?,
                bus: match obj.get("bus") {
                    None => d.bus,
                    Some(_) => ctx.string(obj, "bus")?.into(),
                },
                max_distance: ctx.f32(obj, "max_distance", Some(d.max_distance))?,
                from_position: ctx.f64(obj, "from_position", Some(d.from_position))?,
                pan: ctx.f32(obj, "pan", Some(d.pan))?,
                gain_db: ctx.f32(obj, "gain_db", Some(d.gain_db))?,
                emitter: match obj.get("emitter") {
                    None => None,
                    Some(v) => Some(parse_emitter(ctx, v)?),
                },
                priority: ctx.byte(obj, "priority", d.priority)?,
            };
            Call::PlayAudio {
                channel: channel()?,
                sound: sound.into(),
                params,
            }
        }
        "stop_audio" => {
            keys(&["channel", "stop_at"])?;
            scheduled = when("stop_at")?;
            Call::StopAudio(channel()?)
        }
        "pause_audio" | "resume_audio" => {
            keys(&["channel"])?;
            let c = channel()?;
            match name {
                "pause_audio" => Call::PauseAudio(c),
                _ => Call::ResumeAudio(c),
            }
        }
        "fade_in" | "fade_out" | "fade_to" | "crossfade" => {
            let mut k = vec!["channel", "seconds", "curve"];
            match name {
                "fade_to" => k.push("gain"),
                "crossfade" => k.push("to"),
                _ => {}
            }
            keys(&k)?;
            let seconds = ctx.f64(obj, "seconds", None)?;
            if seconds < 0.0 {
                return Err(ctx.err(Some("seconds"), "must not be negative"));
            }
            // The original's defaults (SIMVX-ORIGINAL §10.4).
            let default = if name == "crossfade" {
                "equal_power"
            } else {
                "equal_gain"
            };
            let curve_name = match obj.get("curve") {
                None => default,
                Some(_) => ctx.string(obj, "curve")?,
            };
            let curve = crate::Curve::parse(curve_name).ok_or_else(|| {
                ctx.err(
                    Some("curve"),
                    format!(
                        "{curve_name:?} is not linear, equal_gain, equal_power, exponential or smoothstep"
                    ),
                )
            })?;
            let channel = channel()?;
            match name {
                "crossfade" => Call::Crossfade {
                    to: ctx.string(obj, "to")?.into(),
                    channel,
                    seconds,
                    curve,
                },
                _ => {
                    let (from, to, stop) = match name {
                        "fade_in" => (Some(0.0), 1.0, false),
                        "fade_out" => (None, 0.0, true),
                        _ => {
                            let gain = ctx.f32(obj, "gain", None)?;
                            if !(0.0..=1.0).contains(&gain) {
                                return Err(ctx.err(Some("gain"), "must be in [0, 1]"));
                            }
                            (None, gain, false)
                        }
                    };
                    Call::Fade {
                        channel,
                        from,
                        to,
                        stop,
                        seconds,
                        curve,
                    }
                }
            }
        }
        "update_audio_2d" => {
            keys(&["channel", "volume_db", "pan", "tween"])?;
            Call::UpdateAudio2d {
                channel: channel()?,
                volume_db: ctx.f32(obj, "volume_db", None)?,
                pan: ctx.f32(obj, "pan", None)?,
                tween: parse_tween(ctx, obj)?,
            }
        }
        "update_audio_3d" => {
            keys(&["channel", "volume_db", "pan", "pitch", "tween"])?;
            Call::UpdateAudio3d {
                channel: channel()?,
                volume_db: ctx.f32(obj, "volume_db", None)?,
                pan: ctx.f32(obj, "pan", None)?,
                pitch: ctx.f32(obj, "pitch", None)?,
                tween: parse_tween(ctx, obj)?,
            }
        }
        "set_pitch" => {
            keys(&["channel", "pitch", "tween"])?;
            Call::SetPitch {
                channel: channel()?,
                pitch: ctx.f32(obj, "pitch", None)?,
                tween: parse_tween(ctx, obj)?,
            }
        }
        "set_listener_position"
        | "set_listener_velocity"
        | "set_listener_direction"
        | "set_listener_world_up" => {
            let (key, field) = match name {
                "set_listener_position" => ("position", ListenerField::Position),
                "set_listener_velocity" => ("velocity", ListenerField::Velocity),
                "set_listener_direction" => ("direction", ListenerField::Direction),
                _ => ("world_up", ListenerField::WorldUp),
            };
            keys(&[key])?;
            Call::SetListener(field, ctx.vec3(obj, key)?)
        }
        "open_stream" => {
            keys(&[
                "channel",
                "volume_db",
                "bus",
                "buffer_seconds",
                "loop",
                "stream",
                "from_position",
                "start_at",
            ])?;
            scheduled = when("start_at")?;
            let stream = match obj.get("stream") {
                None | Some(Value::Null) => None,
                Some(_) => {
                    let name = ctx.string(obj, "stream")?;
                    match sounds.get(name) {
                        Some(SoundSpec::File(_)) => Some(name.to_string()),
                        Some(_) => {
                            return Err(ctx.err(
                                Some("stream"),
                                format!("sound {name:?} is not a file; feed generated sounds with feed_audio_chunk"),
                            ));
                        }
                        None => {
                            return Err(ctx.err(
                                Some("stream"),
                                format!("no sound named {name:?} in `sounds`"),
                            ));
                        }
                    }
                }
            };
            Call::OpenStream {
                channel: channel()?,
                volume_db: ctx.f32(obj, "volume_db", Some(0.0))?,
                bus: match obj.get("bus") {
                    None => "Master".into(),
                    Some(_) => ctx.string(obj, "bus")?.into(),
                },
                buffer_seconds: ctx.f64(obj, "buffer_seconds", Some(0.5))?,
                looping: ctx.bool(obj, "loop")?,
                stream,
                from_position: ctx.f64(obj, "from_position", Some(0.0))?,
            }
        }
        "feed_audio_chunk" => {
            keys(&["channel", "sound"])?;
            let sound = ctx.string(obj, "sound")?;
            if !sounds.contains_key(sound) {
                return Err(ctx.err(
                    Some("sound"),
                    format!("no sound named {sound:?} in `sounds`"),
                ));
            }
            Call::FeedAudioChunk {
                channel: channel()?,
                sound: sound.into(),
            }
        }
        "end_of_stream" => {
            keys(&["channel"])?;
            Call::EndOfStream(channel()?)
        }
        "set_emitter" => {
            keys(&["channel", "emitter"])?;
            let v = obj
                .get("emitter")
                .ok_or_else(|| ctx.err(Some("emitter"), "missing"))?;
            Call::SetEmitter {
                channel: channel()?,
                emitter: parse_emitter(ctx, v)?,
            }
        }
        "sync_bus_layout" => {
            keys(&["layout", "tween"])?;
            let v = obj
                .get("layout")
                .ok_or_else(|| ctx.err(Some("layout"), "missing"))?;
            let layout = AudioBusLayout::from_json(v)
                .map_err(|e| ctx.err(Some("layout"), layout_message(e)))?;
            Call::SyncBusLayout(layout, parse_tween(ctx, obj)?)
        }
        other => {
            return Err(ctx.err(
                Some("call"),
                format!(
                    "unknown call {other:?}; expected one of: {}",
                    CALLS.join(", ")
                ),
            ));
        }
    };
    Ok((at, scheduled, call))
}

/// An emitter object: every field optional (miniaudio's defaults), angles in radians,
/// `attenuation` one of `none`, `inverse`, `linear`, `exponential`.
fn parse_emitter(ctx: &Ctx<'_>, v: &Value) -> Result<Emitter, SceneError> {
    let obj = v
        .as_object()
        .ok_or_else(|| ctx.err(Some("emitter"), format!("expected an object, got {v}")))?;
    let fields = [
        "position",
        "velocity",
        "direction",
        "min_distance",
        "max_distance",
        "rolloff",
        "attenuation",
        "cone",
        "doppler_factor",
        "pan_law",
    ];
    let inner = Ctx {
        file: ctx.file,
        location: ctx.location.clone(),
    };
    let named = |k: &str| format!("emitter.{k}");
    if let Some(k) = obj.keys().find(|k| !fields.contains(&k.as_str())) {
        return Err(ctx.err(
            Some(&named(k)),
            format!("unknown field; expected one of: {}", fields.join(", ")),
        ));
    }
    let d = Emitter::default();
    let vec = |k: &str, dflt| {
        if obj.contains_key(k) {
            inner.vec3(obj, k).map_err(|e| rename(e, &named(k)))
        } else {
            Ok(dflt)
        }
    };
    let num = |k: &str, dflt| {
        inner
            .f32(obj, k, Some(dflt))
            .map_err(|e| rename(e, &named(k)))
    };
    let attenuation = match obj.get("attenuation") {
        None => d.attenuation,
        Some(Value::String(a)) => match a.as_str() {
            "none" => Attenuation::None,
            "inverse" => Attenuation::Inverse,
            "linear" => Attenuation::Linear,
            "exponential" => Attenuation::Exponential,
            other => {
                return Err(ctx.err(
                    Some("emitter.attenuation"),
                    format!("{other:?} is not none, inverse, linear or exponential"),
                ));
            }
        },
        Some(v) => {
            return Err(ctx.err(
                Some("emitter.attenuation"),
                format!("expected a string, got {v}"),
            ));
        }
    };
    let pan_law = match obj.get("pan_law") {
        None => d.pan_law,
        Some(Value::String(l)) => PanLaw::from_name(l).ok_or_else(|| {
            ctx.err(
                Some("emitter.pan_law"),
                format!("{l:?} is not balance, constant_power or speakers"),
            )
        })?,
        Some(v) => {
            return Err(ctx.err(
                Some("emitter.pan_law"),
                format!("expected a string, got {v}"),
            ));
        }
    };
    let cone = match obj.get("cone") {
        None => d.cone,
        Some(Value::Object(c)) => {
            if let Some(k) = c
                .keys()
                .find(|k| !["inner_angle", "outer_angle", "outer_gain"].contains(&k.as_str()))
            {
                return Err(ctx.err(
                    Some(&format!("emitter.cone.{k}")),
                    "unknown field; expected inner_angle, outer_angle, outer_gain",
                ));
            }
            let n = |k: &str, dflt| {
                inner
                    .f32(c, k, Some(dflt))
                    .map_err(|e| rename(e, &format!("emitter.cone.{k}")))
            };
            Cone {
                inner_angle: n("inner_angle", d.cone.inner_angle)?,
                outer_angle: n("outer_angle", d.cone.outer_angle)?,
                outer_gain: n("outer_gain", d.cone.outer_gain)?,
            }
        }
        Some(v) => {
            return Err(ctx.err(Some("emitter.cone"), format!("expected an object, got {v}")));
        }
    };
    Ok(Emitter {
        position: vec("position", d.position)?,
        velocity: vec("velocity", d.velocity)?,
        direction: vec("direction", d.direction)?,
        min_distance: num("min_distance", d.min_distance)?,
        max_distance: num("max_distance", d.max_distance)?,
        rolloff: num("rolloff", d.rolloff)?,
        attenuation,
        cone,
        doppler_factor: num("doppler_factor", d.doppler_factor)?,
        pan_law,
    })
}

/// The same error, naming `field` (a nested field's full name).
/// A call's `"tween": {"seconds": s, "curve": c}` (curve `linear` by default).
fn parse_tween(
    ctx: &Ctx<'_>,
    obj: &Map<String, Value>,
) -> Result<Option<(f64, crate::Curve)>, SceneError> {
    let Some(v) = obj.get("tween") else {
        return Ok(None);
    };
    let t = v.as_object().ok_or_else(|| {
        ctx.err(
            Some("tween"),
            format!("expected {{\"seconds\", \"curve\"}}, got {v}"),
        )
    })?;
    let inner = |field: &str| format!("tween.{field}");
    if let Some(k) = t
        .keys()
        .find(|k| !["seconds", "curve"].contains(&k.as_str()))
    {
        return Err(ctx.err(Some(&inner(k)), "unknown field; expected seconds, curve"));
    }
    let seconds = match t.get("seconds").and_then(Value::as_f64) {
        Some(s) if s.is_finite() && s >= 0.0 => s,
        _ => return Err(ctx.err(Some(&inner("seconds")), "expected a non-negative number")),
    };
    let curve = match t.get("curve") {
        None => crate::Curve::Linear,
        Some(Value::String(c)) => crate::Curve::parse(c).ok_or_else(|| {
            ctx.err(
                Some(&inner("curve")),
                format!("{c:?} is not linear, equal_gain, equal_power, exponential or smoothstep"),
            )
        })?,
        Some(other) => {
            return Err(ctx.err(
                Some(&inner("curve")),
                format!("expected a string, got {other}"),
            ));
        }
    };
    Ok(Some((seconds, curve)))
}

fn rename(mut e: SceneError, field: &str) -> SceneError {
    e.field = Some(field.into());
    e
}

/// A layout error's message without the "invalid bus layout: " prefix.
fn layout_message(e: AudioError) -> String {
    match e {
        AudioError::InvalidLayout(m) => m,
        other => other.to_string(),
    }
}

/// Every control names a channel that an earlier `play_audio` started.
fn check_channels(file: &str, events: &[Event]) -> Result<(), SceneError> {
    let mut started = std::collections::BTreeSet::new();
    for e in events {
        let channel = match &e.call {
            Call::PlayAudio { channel, .. } | Call::OpenStream { channel, .. } => {
                started.insert(channel.as_str());
                continue;
            }
            Call::FeedAudioChunk { channel, .. } | Call::EndOfStream(channel) => channel,
            Call::StopAudio(c) | Call::PauseAudio(c) | Call::ResumeAudio(c) => c,
            Call::Crossfade { channel, to, .. } => {
                if !started.contains(to.as_str()) {
                    return Err(SceneError {
                        file: file.into(),
                        location: Some(format!("event {}", e.index)),
                        field: Some("to".into()),
                        message: format!("channel {to:?} is not started by an earlier play_audio"),
                    });
                }
                channel
            }
            Call::Fade { channel, .. } => channel,
            Call::UpdateAudio2d { channel, .. }
            | Call::UpdateAudio3d { channel, .. }
            | Call::SetPitch { channel, .. }
            | Call::SetEmitter { channel, .. } => channel,
            Call::SetListener(..) | Call::SyncBusLayout(..) => continue,
        };
        if !started.contains(channel.as_str()) {
            return Err(SceneError {
                file: file.into(),
                location: Some(format!("event {}", e.index)),
                field: Some("channel".into()),
                message: format!("channel {channel:?} is not started by an earlier play_audio"),
            });
        }
    }
    Ok(())
}
