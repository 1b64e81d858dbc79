//! SimVX's `AudioBusLayout` (SIMVX-ORIGINAL §7, effects §8) read into an [`AudioBusLayout`].
//!
//! SimVX's scene tree calls `sync_bus_layout(layout)` at the end of every tick, so the common
//! case is "nothing changed". The layout is read by its attributes (each bus's `name`,
//! `volume_db`, `mute`, `solo`, `send_to`, `effects`; each effect's `effect_type`, `enabled`
//! and parameters by their names) into the serialised shape, compared with the last one, and
//! only a difference reaches the engine (which itself pushes only what changed, retuning
//! effects in place).

use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use serde_json::{Map, Value};
use simvx_audio::{AudioBusLayout, EFFECT_TAGS, Effect};

/// What the backend remembers of the layouts it was given.
#[derive(Debug, Default)]
pub struct Mirror {
    /// The last layout read, in the serialised shape.
    last: Option<Value>,
    /// Effects skipped for an unknown type, warned about once each.
    unknown: BTreeSet<String>,
}

/// What a sync found.
pub enum Change {
    /// The same layout as last time.
    Same,
    /// A new layout, to apply.
    New(Box<AudioBusLayout>),
    /// A new layout that cannot be used. Like a layout the engine refuses, it is reported
    /// once: the same layout again is a no-op until it changes.
    Bad(simvx_audio::AudioError),
}

impl Mirror {
    /// Read `layout` and say what changed.
    ///
    /// # Errors
    /// An attribute read or conversion that Python refused.
    pub fn read(&mut self, layout: &Bound<'_, PyAny>) -> PyResult<Change> {
        let value = self.serialise(layout)?;
        if self.last.as_ref() == Some(&value) {
            return Ok(Change::Same);
        }
        let parsed = AudioBusLayout::from_json(&value);
        self.last = Some(value);
        Ok(match parsed {
            Ok(l) => Change::New(Box::new(l)),
            Err(e) => Change::Bad(e),
        })
    }

    fn serialise(&mut self, layout: &Bound<'_, PyAny>) -> PyResult<Value> {
        let py = layout.py();
        let buses = layout.getattr(pyo3::intern!(py, "buses"))?;
        let mut out = Vec::new();
        for bus in buses.try_iter()? {
            let bus = bus?;
            let name: String = bus.getattr(pyo3::intern!(py, "name"))?.extract()?;
            let mut m = Map::new();
            m.insert(
                "volume_db".into(),
                number(bus.getattr(pyo3::intern!(py, "volume_db"))?.extract()?),
            );
            m.insert(
                "mute".into(),
                Value::Bool(bus.getattr(pyo3::intern!(py, "mute"))?.is_truthy()?),
            );
            m.insert(
                "solo".into(),
                Value::Bool(bus.getattr(pyo3::intern!(py, "solo"))?.is_truthy()?),
            );
            let send = bus.getattr(pyo3::intern!(py, "send_to"))?;
            let send_to = if send.is_none() {
                String::new()
            } else {
                send.extract()?
            };
            m.insert("send_to".into(), Value::String(send_to));
            let mut effects = Vec::new();
            for e in bus.getattr(pyo3::intern!(py, "effects"))?.try_iter()? {
                if let Some(v) = self.effect(&name, &e?)? {
                    effects.push(v);
                }
            }
            m.insert("effects".into(), Value::Array(effects));
            m.insert("name".into(), Value::String(name));
            out.push(Value::Object(m));
        }
        Ok(Value::Array(out))
    }

    /// One effect object in the serialised shape, or `None` (warned once) for a type this
    /// engine does not have.
    fn effect(&mut self, bus: &str, e: &Bound<'_, PyAny>) -> PyResult<Option<Value>> {
        let py = e.py();
        let tag = effect_tag(e)?;
        let Some(names) = param_names().get(tag.as_str()) else {
            let key = format!("{bus}/{tag}");
            if self.unknown.insert(key) {
                log::warn!(
                    target: simvx_audio::LOG_TARGET,
                    "simvx-audio: bus {bus:?} has an effect of type {tag:?} ({}), which this \
                     engine does not have; it is skipped. Known types: {}",
                    e.get_type().name()?,
                    EFFECT_TAGS.join(", ")
                );
            }
            return Ok(None);
        };
        let enabled = match e.getattr(pyo3::intern!(py, "enabled")) {
            Ok(v) => v.is_truthy()?,
            Err(_) => true,
        };
        let mut params = Map::new();
        for &name in names {
            let Ok(v) = e.getattr(name) else {
                // Parameters under other names: the effect's own serialised form.
                return from_dict(e).map(Some);
            };
            params.insert(name.into(), param(&v)?);
        }
        let mut m = Map::new();
        m.insert("type".into(), Value::String(tag));
        m.insert("enabled".into(), Value::Bool(enabled));
        m.insert("params".into(), Value::Object(params));
        Ok(Some(Value::Object(m)))
    }
}

/// The effect's `type` tag: its `effect_type`, else the original's rule (the class name with
/// a trailing `Effect` or `Filter` removed, lower-cased).
fn effect_tag(e: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(t) = e.getattr(pyo3::intern!(e.py(), "effect_type"))
        && let Ok(s) = t.cast::<PyString>()
    {
        return Ok(s.to_str()?.to_owned());
    }
    let class = e.get_type().name()?.to_string();
    let stem = class
        .strip_suffix("Effect")
        .or_else(|| class.strip_suffix("Filter"))
        .unwrap_or(&class);
    Ok(stem.to_lowercase())
}

/// Each tag's parameter names, from the engine's own defaults.
fn param_names() -> &'static HashMap<&'static str, Vec<&'static str>> {
    static NAMES: OnceLock<HashMap<&'static str, Vec<&'static str>>> = OnceLock::new();
    NAMES.get_or_init(|| {
        EFFECT_TAGS
            .iter()
            .filter_map(|&tag| {
                let json = Effect::default_for(tag).ok()?.to_json();
                let names = json["params"]
                    .as_object()?
                    .keys()
                    .map(|k| &*Box::leak(k.clone().into_boxed_str()))
                    .collect();
                Some((tag, names))
            })
            .collect()
    })
}

/// A parameter value: a number, a flag, or (for `bands`) a list of EQ bands.
fn param(v: &Bound<'_, PyAny>) -> PyResult<Value> {
    if v.is_instance_of::<pyo3::types::PyBool>() {
        return Ok(Value::Bool(v.is_truthy()?));
    }
    if let Ok(x) = v.extract::<f64>() {
        return Ok(number(x));
    }
    if let Ok(list) = v.cast::<PyList>() {
        let mut bands = Vec::new();
        for b in list.iter() {
            bands.push(band(&b)?);
        }
        return Ok(Value::Array(bands));
    }
    if let Ok(s) = v.cast::<PyString>() {
        return Ok(Value::String(s.to_str()?.to_owned()));
    }
    to_json(v)
}

/// An `EQBand` (attributes `type`, `freq`, `q`, `gain_db`) or its dictionary.
fn band(b: &Bound<'_, PyAny>) -> PyResult<Value> {
    if b.cast::<PyDict>().is_ok() {
        return to_json(b);
    }
    let mut m = Map::new();
    m.insert(
        "type".into(),
        Value::String(b.getattr("type")?.str()?.extract()?),
    );
    for name in ["freq", "q", "gain_db"] {
        m.insert(name.into(), number(b.getattr(name)?.extract()?));
    }
    Ok(Value::Object(m))
}

fn from_dict(e: &Bound<'_, PyAny>) -> PyResult<Value> {
    to_json(&e.call_method0("to_dict")?)
}

/// A JSON number, or (for NaN, which JSON cannot hold) a string the layout reader rejects by
/// name.
fn number(x: f64) -> Value {
    serde_json::Number::from_f64(x).map_or_else(|| Value::String(format!("{x}")), Value::Number)
}

/// Plain Python data (dict, list, str, bool, number, None) as JSON.
fn to_json(v: &Bound<'_, PyAny>) -> PyResult<Value> {
    if v.is_none() {
        return Ok(Value::Null);
    }
    if v.is_instance_of::<pyo3::types::PyBool>() {
        return Ok(Value::Bool(v.is_truthy()?));
    }
    if let Ok(s) = v.cast::<PyString>() {
        return Ok(Value::String(s.to_str()?.to_owned()));
    }
    if let Ok(d) = v.cast::<PyDict>() {
        let mut m = Map::new();
        for (k, val) in d.iter() {
            m.insert(k.str()?.extract()?, to_json(&val)?);
        }
        return Ok(Value::Object(m));
    }
    if let Ok(x) = v.extract::<f64>() {
        return Ok(number(x));
    }
    if let Ok(it) = v.try_iter() {
        let mut a = Vec::new();
        for x in it {
            a.push(to_json(&x?)?);
        }
        return Ok(Value::Array(a));
    }
    Ok(Value::String(v.str()?.extract()?))
}
