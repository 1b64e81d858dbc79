//! [`AudioBusLayout`]: the buses a game mixes through, as the original defines them
//! (SIMVX-ORIGINAL §7): names, levels, mute, solo, sends and effect lists, serialised as a list
//! of `{"name", "volume_db", "mute", "solo", "send_to", "effects"}` dictionaries.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::bus::Effect;
use crate::error::AudioError;

/// The name of the root bus. It always exists in a default layout, cannot be removed, and
/// its own solo flag is ignored.
pub const MASTER: &str = "Master";

/// One bus of a layout. Change it through [`AudioBusLayout`]'s methods, which keep the layout
/// valid (levels in range, no NaN, no routing cycles).
#[derive(Debug, Clone, PartialEq)]
pub struct AudioBus {
    name: String,
    volume_db: f32,
    mute: bool,
    solo: bool,
    send_to: String,
    effects: Vec<Effect>,
}

impl AudioBus {
    fn new(name: &str, volume_db: f32, send_to: &str) -> Self {
        Self {
            name: name.into(),
            volume_db,
            mute: false,
            solo: false,
            send_to: send_to.into(),
            effects: Vec::new(),
        }
    }

    /// The bus's name (case-sensitive).
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Its own level in dB, `[-80, 24]`.
    pub fn volume_db(&self) -> f32 {
        self.volume_db
    }
    /// Whether it is muted.
    pub fn mute(&self) -> bool {
        self.mute
    }
    /// Whether it is soloed.
    pub fn solo(&self) -> bool {
        self.solo
    }
    /// The bus it sends to; `""` feeds the output directly.
    pub fn send_to(&self) -> &str {
        &self.send_to
    }
    /// Its effects, in processing order.
    pub fn effects(&self) -> &[Effect] {
        &self.effects
    }
}

/// A bus layout: buses in insertion order, each sending to another or to the output.
///
/// ```
/// use simvx_audio::{AudioBusLayout, Effect, EffectParams, FilterParams};
/// let mut layout = AudioBusLayout::default();
/// assert_eq!(layout.bus_names(), ["Master", "Music", "SFX", "Voice", "UI"]);
/// layout.add_bus("Ambience", -6.0, "Music").unwrap();
/// layout.add_effect("Ambience", Effect::new(EffectParams::LowPass(FilterParams::default()))).unwrap();
/// layout.set_solo("SFX", true).unwrap();
/// let json = serde_json::to_string(&layout).unwrap();
/// assert_eq!(serde_json::from_str::<AudioBusLayout>(&json).unwrap(), layout);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct AudioBusLayout {
    buses: Vec<AudioBus>,
}

impl Default for AudioBusLayout {
    /// Master, and Music, SFX, Voice and UI sending to it, all at 0 dB.
    fn default() -> Self {
        let mut buses = vec![AudioBus::new(MASTER, 0.0, "")];
        for name in ["Music", "SFX", "Voice", "UI"] {
            buses.push(AudioBus::new(name, 0.0, MASTER));
        }
        Self { buses }
    }
}

fn check_db(volume_db: f32) -> Result<f32, AudioError> {
    if volume_db.is_nan() {
        return Err(AudioError::InvalidParameter {
            name: "volume_db",
            reason: "NaN".into(),
        });
    }
    Ok(volume_db.clamp(-80.0, 24.0))
}

impl AudioBusLayout {
    /// A layout with no buses at all (not even Master).
    pub fn empty() -> Self {
        Self { buses: Vec::new() }
    }

    /// The buses, in insertion order.
    pub fn buses(&self) -> &[AudioBus] {
        &self.buses
    }

    /// The bus names, in insertion order.
    pub fn bus_names(&self) -> Vec<&str> {
        self.buses.iter().map(|b| b.name.as_str()).collect()
    }

    /// Whether a bus called `name` exists.
    pub fn has_bus(&self, name: &str) -> bool {
        self.index(name).is_some()
    }

    /// The bus called `name`.
    ///
    /// # Errors
    /// [`AudioError::UnknownBus`] listing the names that exist.
    pub fn get_bus(&self, name: &str) -> Result<&AudioBus, AudioError> {
        self.index(name)
            .map(|i| &self.buses[i])
            .ok_or_else(|| self.unknown(name))
    }

    /// Add a bus at `volume_db` (clamped to `[-80, 24]`) sending to `send_to` (`""`: the
    /// output). Adding a name that exists returns the existing bus unchanged (as the original).
    ///
    /// # Errors
    /// [`AudioError::UnknownBus`] when `send_to` names no bus (`"Master"` is accepted even
    /// before Master exists, as in the original); [`AudioError::InvalidParameter`] for NaN or
    /// an empty name; [`AudioError::InvalidLayout`] for a Master that sends to a bus (Master
    /// feeds the output; as in [`set_send_to`](Self::set_send_to), and it would close a cycle
    /// through every bus already sending to it).
    pub fn add_bus(
        &mut self,
        name: &str,
        volume_db: f32,
        send_to: &str,
    ) -> Result<&AudioBus, AudioError> {
        if let Some(i) = self.index(name) {
            log::warn!(target: crate::LOG_TARGET, "bus {name:?} already exists; add_bus left it unchanged");
            return Ok(&self.buses[i]);
        }
        if name.is_empty() {
            return Err(AudioError::InvalidParameter {
                name: "name",
                reason: "a bus needs a name".into(),
            });
        }
        let volume_db = check_db(volume_db)?;
        if name == MASTER && !send_to.is_empty() {
            return Err(AudioError::InvalidLayout(format!(
                "Master sends to the output; it cannot send to {send_to:?}"
            )));
        }
        if !send_to.is_empty() && send_to != MASTER && !self.has_bus(send_to) {
            return Err(self.unknown(send_to));
        }
        self.buses.push(AudioBus::new(name, volume_db, send_to));
        Ok(self.buses.last().expect("just pushed"))
    }

    /// Remove a bus. Every bus that sent to it now sends to its target if that exists, else
    /// to Master when present, else to the output. Unknown names are a no-op.
    ///
    /// # Errors
    /// [`AudioError::InvalidLayout`] for Master, which cannot be removed.
    pub fn remove_bus(&mut self, name: &str) -> Result<(), AudioError> {
        if name == MASTER {
            return Err(AudioError::InvalidLayout(
                "the Master bus cannot be removed".into(),
            ));
        }
        let Some(i) = self.index(name) else {
            return Ok(());
        };
        let removed = self.buses.remove(i);
        let heir = if !removed.send_to.is_empty() && self.has_bus(&removed.send_to) {
            removed.send_to.clone()
        } else if self.has_bus(MASTER) {
            MASTER.into()
        } else {
            String::new()
        };
        for b in self.buses.iter_mut().filter(|b| b.send_to == removed.name) {
            b.send_to = heir.clone();
        }
        Ok(())
    }

    /// Set a bus's level in dB (clamped to `[-80, 24]`).
    ///
    /// # Errors
    /// [`AudioError::UnknownBus`], [`AudioError::InvalidParameter`] for NaN.
    pub fn set_volume_db(&mut self, name: &str, volume_db: f32) -> Result<(), AudioError> {
        let v = check_db(volume_db)?;
        self.bus_mut(name)?.volume_db = v;
        Ok(())
    }

    /// Mute or unmute a bus.
    ///
    /// # Errors
    /// [`AudioError::UnknownBus`].
    pub fn set_mute(&mut self, name: &str, mute: bool) -> Result<(), AudioError> {
        self.bus_mut(name)?.mute = mute;
        Ok(())
    }

    /// Solo or unsolo a bus (Master's solo is ignored when mixing).
    ///
    /// # Errors
    /// [`AudioError::UnknownBus`].
    pub fn set_solo(&mut self, name: &str, solo: bool) -> Result<(), AudioError> {
        self.bus_mut(name)?.solo = solo;
        Ok(())
    }

    /// Route a bus to `send_to` (`""`: the output).
    ///
    /// # Errors
    /// [`AudioError::UnknownBus`] for either name; [`AudioError::InvalidLayout`] when the route
    /// would make a cycle (refused here, when it is made) or would give Master a parent.
    pub fn set_send_to(&mut self, name: &str, send_to: &str) -> Result<(), AudioError> {
        let i = self.index(name).ok_or_else(|| self.unknown(name))?;
        if !send_to.is_empty() {
            if !self.has_bus(send_to) {
                return Err(self.unknown(send_to));
            }
            if name == MASTER {
                return Err(AudioError::InvalidLayout(
                    "Master sends to the output; it cannot send to another bus".into(),
                ));
            }
            let mut at = send_to.to_string();
            for _ in 0..=self.buses.len() {
                if at == name {
                    return Err(AudioError::InvalidLayout(format!(
                        "routing {name:?} to {send_to:?} would make a cycle"
                    )));
                }
                match self.index(&at) {
                    Some(j) if !self.buses[j].send_to.is_empty() => {
                        at = self.buses[j].send_to.clone()
                    }
                    _ => break,
                }
            }
        }
        self.buses[i].send_to = send_to.into();
        Ok(())
    }

    /// Append an effect to a bus's list.
    ///
    /// # Errors
    /// [`AudioError::UnknownBus`], [`AudioError::InvalidParameter`] for a NaN parameter.
    pub fn add_effect(&mut self, name: &str, effect: Effect) -> Result<(), AudioError> {
        effect.check()?;
        self.bus_mut(name)?.effects.push(effect);
        Ok(())
    }

    /// Remove and return the effect at `index` of a bus's list (`None` when out of range).
    ///
    /// # Errors
    /// [`AudioError::UnknownBus`].
    pub fn remove_effect(
        &mut self,
        name: &str,
        index: usize,
    ) -> Result<Option<Effect>, AudioError> {
        let bus = self.bus_mut(name)?;
        Ok((index < bus.effects.len()).then(|| bus.effects.remove(index)))
    }

    /// Replace the effect at `index` of a bus's list (retuned in place when synced, if it is
    /// the same kind of effect).
    ///
    /// # Errors
    /// [`AudioError::UnknownBus`], [`AudioError::InvalidParameter`] for NaN or an index out of
    /// range.
    pub fn set_effect(
        &mut self,
        name: &str,
        index: usize,
        effect: Effect,
    ) -> Result<(), AudioError> {
        effect.check()?;
        let bus = self.bus_mut(name)?;
        let count = bus.effects.len();
        let slot = bus
            .effects
            .get_mut(index)
            .ok_or_else(|| AudioError::InvalidParameter {
                name: "index",
                reason: format!("bus {name:?} has {count} effects"),
            })?;
        *slot = effect;
        Ok(())
    }

    /// The layout as the original's list of dictionaries.
    pub fn to_json(&self) -> Value {
        Value::Array(
            self.buses
                .iter()
                .map(|b| {
                    let mut m = Map::new();
                    m.insert("name".into(), Value::from(b.name.clone()));
                    m.insert(
                        "volume_db".into(),
                        crate::bus::effect::json_number(b.volume_db),
                    );
                    m.insert("mute".into(), Value::Bool(b.mute));
                    m.insert("solo".into(), Value::Bool(b.solo));
                    m.insert("send_to".into(), Value::from(b.send_to.clone()));
                    m.insert(
                        "effects".into(),
                        Value::Array(b.effects.iter().map(Effect::to_json).collect()),
                    );
                    Value::Object(m)
                })
                .collect(),
        )
    }

    /// Rebuild a layout from the list of dictionaries, in order. A bus's `send_to` may name
    /// any bus of the list, before or after it (as [`to_json`](Self::to_json) writes a layout
    /// rerouted with [`set_send_to`](Self::set_send_to)), or be `""`/`"Master"`. Missing
    /// fields take their defaults (`volume_db` 0, `send_to` `""`, `mute`/`solo` false, no
    /// effects).
    ///
    /// # Errors
    /// [`AudioError::InvalidLayout`] naming the bus and field, or for a routing cycle;
    /// [`AudioError::UnknownBus`] for a `send_to` that names no bus of the list.
    pub fn from_json(value: &Value) -> Result<Self, AudioError> {
        let bad = |msg: String| AudioError::InvalidLayout(msg);
        let list = value
            .as_array()
            .ok_or_else(|| bad("a bus layout is a list of buses".into()))?;
        let mut layout = Self::empty();
        // Sends to buses listed later are routed once every bus exists.
        let mut later: Vec<(String, String)> = Vec::new();
        for (i, entry) in list.iter().enumerate() {
            let obj = entry
                .as_object()
                .ok_or_else(|| bad(format!("bus {i} must be an object")))?;
            let name = obj
                .get("name")
                .and_then(Value::as_str)
                .ok_or_else(|| bad(format!("bus {i} needs a string \"name\"")))?;
            let at = |field: &str| format!("bus {i} ({name:?}): {field}");
            for key in obj.keys() {
                if !["name", "volume_db", "mute", "solo", "send_to", "effects"]
                    .contains(&key.as_str())
                {
                    return Err(bad(format!("{}: unknown field", at(key))));
                }
            }
            if layout.has_bus(name) {
                return Err(bad(format!("{}: a second bus with this name", at("name"))));
            }
            let volume_db = match obj.get("volume_db") {
                None => 0.0,
                Some(v) => v
                    .as_f64()
                    .ok_or_else(|| bad(format!("{} must be a number", at("volume_db"))))?
                    as f32,
            };
            let flag = |key: &str| -> Result<bool, AudioError> {
                match obj.get(key) {
                    None => Ok(false),
                    Some(v) => v
                        .as_bool()
                        .ok_or_else(|| bad(format!("{} must be true or false", at(key)))),
                }
            };
            let (mute, solo) = (flag("mute")?, flag("solo")?);
            let send_to = match obj.get("send_to") {
                None | Some(Value::Null) => "",
                Some(v) => v
                    .as_str()
                    .ok_or_else(|| bad(format!("{} must be a string", at("send_to"))))?,
            };
            let on_send = |e| match e {
                AudioError::InvalidLayout(m) => bad(format!("{}: {m}", at("send_to"))),
                other => other,
            };
            let forward = !send_to.is_empty() && send_to != MASTER && !layout.has_bus(send_to);
            if forward {
                layout.add_bus(name, volume_db, "").map_err(on_send)?;
                later.push((name.to_string(), send_to.to_string()));
            } else {
                layout.add_bus(name, volume_db, send_to).map_err(on_send)?;
            }
            layout.set_mute(name, mute)?;
            layout.set_solo(name, solo)?;
            if let Some(effects) = obj.get("effects") {
                let effects = effects
                    .as_array()
                    .ok_or_else(|| bad(format!("{} must be a list", at("effects"))))?;
                for (k, e) in effects.iter().enumerate() {
                    let effect = Effect::from_json(e).map_err(|err| {
                        bad(format!("{}: {}", at(&format!("effects[{k}]")), strip(&err)))
                    })?;
                    layout.add_effect(name, effect).map_err(|err| {
                        bad(format!("{}: {}", at(&format!("effects[{k}]")), strip(&err)))
                    })?;
                }
            }
        }
        for (name, send_to) in later {
            layout.set_send_to(&name, &send_to)?;
        }
        Ok(layout)
    }

    fn index(&self, name: &str) -> Option<usize> {
        self.buses.iter().position(|b| b.name == name)
    }

    fn bus_mut(&mut self, name: &str) -> Result<&mut AudioBus, AudioError> {
        match self.index(name) {
            Some(i) => Ok(&mut self.buses[i]),
            None => Err(self.unknown(name)),
        }
    }

    fn unknown(&self, name: &str) -> AudioError {
        let mut available: Vec<String> = self.buses.iter().map(|b| b.name.clone()).collect();
        available.sort();
        AudioError::UnknownBus {
            name: name.into(),
            available,
        }
    }
}

/// An error's message without the "invalid bus layout: " prefix, for nesting.
fn strip(e: &AudioError) -> String {
    match e {
        AudioError::InvalidLayout(m) => m.clone(),
        other => other.to_string(),
    }
}

impl Serialize for AudioBusLayout {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(s)
    }
}

impl<'de> Deserialize<'de> for AudioBusLayout {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        AudioBusLayout::from_json(&v).map_err(serde::de::Error::custom)
    }
}
