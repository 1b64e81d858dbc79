//! [`Effect`]: one entry of a bus's effect list, and its JSON payload in the original's shape:
//! `{"type": "lowpass", "enabled": true, "params": {"cutoff_hz": 2000.0, "q": 0.707}}`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

pub use mixer_core::effect::EFFECT_TAGS;
pub use mixer_core::effect::EffectParams;
pub use mixer_core::effect::params::{
    BandKind, CompressorParams, DelayParams, EqBand, EqParams, FilterParams, GainParams,
    LimiterParams, MAX_EQ_BANDS, ReverbParams, SoftClipParams,
};

use crate::error::AudioError;

/// An effect on a bus: what it is, its parameters, and whether it is on. A disabled effect
/// keeps its place and its state and passes the signal through (the switch is crossfaded).
///
/// ```
/// use simvx_audio::{Effect, EffectParams, FilterParams};
/// let lp = Effect::new(EffectParams::LowPass(FilterParams { cutoff_hz: 2000.0, q: 0.707 }));
/// let json = serde_json::to_string(&lp).unwrap();
/// assert_eq!(json, r#"{"type":"lowpass","enabled":true,"params":{"cutoff_hz":2000.0,"q":0.707}}"#);
/// assert_eq!(serde_json::from_str::<Effect>(&json).unwrap(), lp);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Effect {
    /// On (processed) or off (passed through).
    pub enabled: bool,
    /// The effect and its parameters (clamped to their ranges when applied).
    pub params: EffectParams,
}

impl Effect {
    /// An enabled effect.
    pub fn new(params: EffectParams) -> Self {
        Self {
            enabled: true,
            params,
        }
    }

    /// The effect's type tag (`"reverb"`, …).
    pub fn tag(&self) -> &'static str {
        self.params.tag()
    }

    /// The effect of type `tag` with its default parameters.
    ///
    /// # Errors
    /// [`AudioError::InvalidLayout`] for an unknown tag (the message lists the known ones).
    pub fn default_for(tag: &str) -> Result<Self, AudioError> {
        let params = match tag {
            "gain" => EffectParams::Gain(GainParams::default()),
            "lowpass" => EffectParams::LowPass(FilterParams::default()),
            "highpass" => EffectParams::HighPass(FilterParams::default()),
            "bandpass" => EffectParams::BandPass(FilterParams::default()),
            "notch" => EffectParams::Notch(FilterParams::default()),
            "parametriceq" => EffectParams::ParametricEq(EqParams::default()),
            "delay" => EffectParams::Delay(DelayParams::default()),
            "reverb" => EffectParams::Reverb(ReverbParams::default()),
            "softclip" => EffectParams::SoftClip(SoftClipParams::default()),
            "compressor" => EffectParams::Compressor(CompressorParams::default()),
            "limiter" => EffectParams::Limiter(LimiterParams::default()),
            other => {
                return Err(AudioError::InvalidLayout(format!(
                    "unknown effect type {other:?}; known types: {}",
                    EFFECT_TAGS.join(", ")
                )));
            }
        };
        Ok(Self::new(params))
    }

    /// Refuse NaN and infinities in any parameter, EQ bands included: a layout must survive
    /// its JSON form, which has no NaN or infinity. Finite values out of range are accepted
    /// and clamp to the parameter's range when applied.
    ///
    /// # Errors
    /// [`AudioError::InvalidParameter`] naming the parameter.
    pub fn check(&self) -> Result<(), AudioError> {
        for (name, value) in fields(&self.params) {
            if let Value::Number(_) = value {
                continue;
            }
            if let Value::Null = value {
                return Err(AudioError::InvalidParameter {
                    name,
                    reason: format!(
                        "not a finite number (NaN or infinite) in {} effect",
                        self.tag()
                    ),
                });
            }
        }
        if let EffectParams::ParametricEq(eq) = &self.params {
            for b in eq.bands() {
                for (name, x) in [("freq", b.freq), ("q", b.q), ("gain_db", b.gain_db)] {
                    if !x.is_finite() {
                        return Err(AudioError::InvalidParameter {
                            name,
                            reason: format!("{x} in a parametriceq band: not a finite number"),
                        });
                    }
                }
            }
        }
        Ok(())
    }

    /// The payload `{"type", "enabled", "params"}`.
    pub fn to_json(&self) -> Value {
        let mut params = Map::new();
        for (name, value) in fields(&self.params) {
            params.insert(name.into(), value);
        }
        if let EffectParams::ParametricEq(eq) = &self.params {
            let bands = eq
                .bands()
                .iter()
                .map(|b| {
                    let mut m = Map::new();
                    m.insert("type".into(), Value::from(b.kind.name()));
                    m.insert("freq".into(), json_number(b.freq));
                    m.insert("q".into(), json_number(b.q));
                    m.insert("gain_db".into(), json_number(b.gain_db));
                    Value::Object(m)
                })
                .collect();
            params.insert("bands".into(), Value::Array(bands));
        }
        let mut m = Map::new();
        m.insert("type".into(), Value::from(self.tag()));
        m.insert("enabled".into(), Value::Bool(self.enabled));
        m.insert("params".into(), Value::Object(params));
        Value::Object(m)
    }

    /// Parse a payload. `enabled` defaults to true and missing parameters to their defaults;
    /// unknown parameter names and wrong types are errors.
    ///
    /// # Errors
    /// [`AudioError::InvalidLayout`] saying what is wrong.
    pub fn from_json(value: &Value) -> Result<Self, AudioError> {
        let bad = |msg: String| AudioError::InvalidLayout(msg);
        let obj = value
            .as_object()
            .ok_or_else(|| bad("an effect must be an object".into()))?;
        for key in obj.keys() {
            if !["type", "enabled", "params"].contains(&key.as_str()) {
                return Err(bad(format!(
                    "unknown effect field {key:?} (expected type, enabled, params)"
                )));
            }
        }
        let tag = obj
            .get("type")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("an effect needs a string \"type\"".into()))?;
        let mut effect = Self::default_for(tag)?;
        if let Some(enabled) = obj.get("enabled") {
            effect.enabled = enabled
                .as_bool()
                .ok_or_else(|| bad(format!("{tag}: \"enabled\" must be true or false")))?;
        }
        let empty = Map::new();
        let params = match obj.get("params") {
            None => &empty,
            Some(Value::Object(m)) => m,
            Some(_) => return Err(bad(format!("{tag}: \"params\" must be an object"))),
        };
        let known: Vec<&str> = fields(&effect.params).iter().map(|(n, _)| *n).collect();
        for (key, v) in params {
            if key == "bands"
                && let EffectParams::ParametricEq(eq) = &mut effect.params
            {
                *eq = parse_bands(v).map_err(|e| bad(format!("parametriceq: {e}")))?;
                continue;
            }
            if !known.contains(&key.as_str()) {
                let mut names = known.clone();
                if matches!(effect.params, EffectParams::ParametricEq(_)) {
                    names.push("bands");
                }
                return Err(bad(format!(
                    "{tag}: unknown parameter {key:?}; known: {}",
                    names.join(", ")
                )));
            }
            set_field(&mut effect.params, key, v).map_err(|e| bad(format!("{tag}: {e}")))?;
        }
        Ok(effect)
    }
}

impl Serialize for Effect {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Effect {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        Effect::from_json(&v).map_err(serde::de::Error::custom)
    }
}

/// An `f32` as the JSON number with the same shortest decimal form (0.707, not
/// 0.7070000171661377); NaN and infinities become `null`.
pub(crate) fn json_number(x: f32) -> Value {
    if !x.is_finite() {
        return Value::Null;
    }
    let shortest: f64 = format!("{x}").parse().unwrap_or(f64::from(x));
    serde_json::Number::from_f64(shortest).map_or(Value::Null, Value::Number)
}

fn read_f32(name: &str, v: &Value) -> Result<f32, String> {
    v.as_f64()
        .map(|x| x as f32)
        .ok_or_else(|| format!("parameter {name:?} must be a number"))
}

/// The scalar parameters of an effect, by name, in the original's order.
fn fields(p: &EffectParams) -> Vec<(&'static str, Value)> {
    match p {
        EffectParams::Gain(p) => vec![("volume_db", json_number(p.volume_db))],
        EffectParams::LowPass(p)
        | EffectParams::HighPass(p)
        | EffectParams::BandPass(p)
        | EffectParams::Notch(p) => vec![
            ("cutoff_hz", json_number(p.cutoff_hz)),
            ("q", json_number(p.q)),
        ],
        EffectParams::ParametricEq(_) => vec![],
        EffectParams::Delay(p) => vec![
            ("time_seconds", json_number(p.time_seconds)),
            ("feedback", json_number(p.feedback)),
            ("wet", json_number(p.wet)),
            ("dry", json_number(p.dry)),
        ],
        EffectParams::Reverb(p) => vec![
            ("room_size", json_number(p.room_size)),
            ("damping", json_number(p.damping)),
            ("wet", json_number(p.wet)),
            ("dry", json_number(p.dry)),
            ("width", json_number(p.width)),
            ("freeze", Value::Bool(p.freeze)),
        ],
        EffectParams::SoftClip(p) => vec![
            ("drive", json_number(p.drive)),
            ("output_gain", json_number(p.output_gain)),
        ],
        EffectParams::Compressor(p) => vec![
            ("threshold_db", json_number(p.threshold_db)),
            ("ratio", json_number(p.ratio)),
            ("attack", json_number(p.attack)),
            ("release", json_number(p.release)),
            ("knee_db", json_number(p.knee_db)),
            ("makeup_db", json_number(p.makeup_db)),
        ],
        EffectParams::Limiter(p) => vec![
            ("ceiling_db", json_number(p.ceiling_db)),
            ("lookahead", json_number(p.lookahead)),
            ("release", json_number(p.release)),
        ],
    }
}

/// Set the scalar parameter `name` (known to exist for this effect).
fn set_field(p: &mut EffectParams, name: &str, v: &Value) -> Result<(), String> {
    if name == "freeze" {
        if let EffectParams::Reverb(r) = p {
            r.freeze = v
                .as_bool()
                .ok_or_else(|| "parameter \"freeze\" must be true or false".to_string())?;
        }
        return Ok(());
    }
    let x = read_f32(name, v)?;
    let slot: &mut f32 = match (p, name) {
        (EffectParams::Gain(p), _) => &mut p.volume_db,
        (
            EffectParams::LowPass(p)
            | EffectParams::HighPass(p)
            | EffectParams::BandPass(p)
            | EffectParams::Notch(p),
            "cutoff_hz",
        ) => &mut p.cutoff_hz,
        (
            EffectParams::LowPass(p)
            | EffectParams::HighPass(p)
            | EffectParams::BandPass(p)
            | EffectParams::Notch(p),
            _,
        ) => &mut p.q,
        (EffectParams::Delay(p), "time_seconds") => &mut p.time_seconds,
        (EffectParams::Delay(p), "feedback") => &mut p.feedback,
        (EffectParams::Delay(p), "wet") => &mut p.wet,
        (EffectParams::Delay(p), _) => &mut p.dry,
        (EffectParams::Reverb(p), "room_size") => &mut p.room_size,
        (EffectParams::Reverb(p), "damping") => &mut p.damping,
        (EffectParams::Reverb(p), "wet") => &mut p.wet,
        (EffectParams::Reverb(p), "dry") => &mut p.dry,
        (EffectParams::Reverb(p), _) => &mut p.width,
        (EffectParams::SoftClip(p), "drive") => &mut p.drive,
        (EffectParams::SoftClip(p), _) => &mut p.output_gain,
        (EffectParams::Compressor(p), "threshold_db") => &mut p.threshold_db,
        (EffectParams::Compressor(p), "ratio") => &mut p.ratio,
        (EffectParams::Compressor(p), "attack") => &mut p.attack,
        (EffectParams::Compressor(p), "release") => &mut p.release,
        (EffectParams::Compressor(p), "knee_db") => &mut p.knee_db,
        (EffectParams::Compressor(p), _) => &mut p.makeup_db,
        (EffectParams::Limiter(p), "ceiling_db") => &mut p.ceiling_db,
        (EffectParams::Limiter(p), "lookahead") => &mut p.lookahead,
        (EffectParams::Limiter(p), _) => &mut p.release,
        (EffectParams::ParametricEq(_), _) => return Ok(()),
    };
    *slot = x;
    Ok(())
}

fn parse_bands(v: &Value) -> Result<EqParams, String> {
    let list = v.as_array().ok_or("\"bands\" must be a list")?;
    if list.len() > MAX_EQ_BANDS {
        return Err(format!(
            "{} bands; at most {MAX_EQ_BANDS} are supported",
            list.len()
        ));
    }
    let mut eq = EqParams::empty();
    for (i, b) in list.iter().enumerate() {
        let obj = b
            .as_object()
            .ok_or_else(|| format!("band {i} must be an object"))?;
        let mut band = EqBand::default();
        for (k, v) in obj {
            match k.as_str() {
                "type" => {
                    band.kind = match v.as_str().map(str::to_ascii_lowercase).as_deref() {
                        Some("peaking") => BandKind::Peaking,
                        Some("lowshelf") => BandKind::LowShelf,
                        Some("highshelf") => BandKind::HighShelf,
                        _ => {
                            return Err(format!(
                                "band {i}: type must be peaking, lowshelf or highshelf"
                            ));
                        }
                    }
                }
                "freq" => band.freq = read_f32("freq", v).map_err(|e| format!("band {i}: {e}"))?,
                "q" => band.q = read_f32("q", v).map_err(|e| format!("band {i}: {e}"))?,
                "gain_db" => {
                    band.gain_db = read_f32("gain_db", v).map_err(|e| format!("band {i}: {e}"))?
                }
                other => {
                    return Err(format!(
                        "band {i}: unknown field {other:?} (expected type, freq, q, gain_db)"
                    ));
                }
            }
        }
        eq.push(band);
    }
    Ok(eq)
}
