//! [`AudioError`]: every way a facade call can fail, typed, with context.

use std::path::PathBuf;

/// Why a call failed. Nothing changed when a call returns an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AudioError {
    /// No backend could be used and the fallback policy forbids the next one.
    #[error("audio backend unavailable: {cause}")]
    BackendUnavailable {
        /// What failed, and why the chain stopped there.
        cause: String,
        /// The device's own error, where one caused it.
        #[source]
        source: Option<platform_cpal::DeviceError>,
    },
    /// A bus name that is not in the layout.
    #[error(
        "unknown bus {name:?}; available buses: {}. Add it to the bus layout before using it",
        available.join(", ")
    )]
    UnknownBus {
        /// The name asked for.
        name: String,
        /// The names that exist, sorted.
        available: Vec<String>,
    },
    /// A bus layout or effect list that cannot be used (the text says what and where).
    #[error("invalid bus layout: {0}")]
    InvalidLayout(String),
    /// A source that cannot be read, decoded or streamed.
    #[error("invalid stream: {0}")]
    InvalidStream(String),
    /// A file that does not exist.
    #[error("file not found: {}", .0.display())]
    FileNotFound(PathBuf),
    /// The backend lacks a capability the call needs.
    #[error(
        "backend {backend} does not support {capability}; it advertises: {}",
        advertised.join(", ")
    )]
    Capability {
        /// The missing capability's string (e.g. `streaming`).
        capability: String,
        /// The backend's kind.
        backend: String,
        /// What the backend does advertise, sorted.
        advertised: Vec<String>,
    },
    /// A parameter was NaN (or otherwise unusable); the call was rejected.
    #[error("invalid parameter {name}: {reason}")]
    InvalidParameter {
        /// The parameter's name as the API spells it.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// Every voice of the pool is in use.
    #[error("no free voice: all {capacity} voices are in use")]
    NoFreeVoice {
        /// The pool size.
        capacity: usize,
    },
    /// The audio thread has stopped taking commands for so long that `limit` discrete
    /// commands (plays, stops, bus edits) already wait on the game thread: the bound
    /// [`AudioConfig::max_pending_commands`](crate::AudioConfig::max_pending_commands). Never
    /// seen in normal use (continuous parameters never wait; they coalesce).
    #[error(
        "{limit} commands already wait for the audio thread, which has stopped taking them \
         (AudioConfig::max_pending_commands is {limit}; raise it if bursts this large are normal)"
    )]
    CommandBacklogFull {
        /// The bound that was reached.
        limit: usize,
    },
    /// A route from `bus` to `parent` would make a cycle.
    #[error("routing bus {bus:?} to {parent:?} makes a cycle")]
    BusCycle {
        /// The bus being routed.
        bus: String,
        /// The parent that leads back to it.
        parent: String,
    },
    /// The Master bus cannot be removed or given a parent.
    #[error("the Master bus cannot be removed or given a parent")]
    MasterBus,
    /// An effect needs more effect memory than is free.
    #[error(
        "effect {effect} on bus {bus:?} needs {needed_mib:.2} MiB of effect memory and \
         {free_mib:.2} MiB of the {total_mib} MiB are free; raise AudioConfig::effect_memory_mib"
    )]
    EffectMemory {
        /// The bus the effect is on.
        bus: String,
        /// The effect's `type` tag.
        effect: &'static str,
        /// What it needs.
        needed_mib: f64,
        /// What is free (possibly in pieces).
        free_mib: f64,
        /// [`AudioConfig::effect_memory_mib`](crate::AudioConfig::effect_memory_mib).
        total_mib: u32,
    },
    /// The mixing core refused something the facade should have caught first (a bug: please
    /// report it).
    #[error("mixing core: {0}")]
    Core(#[source] mixer_core::Error),
    /// The backend was shut down.
    #[error("the audio backend was shut down")]
    Shutdown,
    /// A scene file that cannot be used.
    #[error(transparent)]
    Scene(#[from] SceneError),
    /// An I/O error outside decoding (writing a WAV file, reading a scene).
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// What a core error is mapped with: the pool size, the backlog bound and the bus names.
pub(crate) struct CoreContext<'a> {
    pub capacity: usize,
    pub backlog: usize,
    pub bus_name: &'a dyn Fn(mixer_core::BusId) -> String,
}

impl AudioError {
    /// Map a core error to its own variant, naming the pool size, the backlog bound and the
    /// bus names where they help.
    pub(crate) fn from_core(e: mixer_core::Error, cx: &CoreContext<'_>) -> Self {
        use mixer_core::Error as E;
        match e {
            E::InvalidParameter(p) => AudioError::InvalidParameter {
                name: p.name(),
                reason: "NaN".into(),
            },
            E::NoFreeVoice => AudioError::NoFreeVoice {
                capacity: cx.capacity,
            },
            E::QueueFull => AudioError::CommandBacklogFull { limit: cx.backlog },
            E::EmptySound => AudioError::InvalidStream("the sound has no frames".into()),
            E::BusCycle { bus, parent } => AudioError::BusCycle {
                bus: (cx.bus_name)(bus),
                parent: (cx.bus_name)(parent),
            },
            E::MasterBus => AudioError::MasterBus,
            other => AudioError::Core(other),
        }
    }
}

/// Reject NaN with [`AudioError::InvalidParameter`].
pub(crate) fn not_nan(name: &'static str, x: f32) -> Result<f32, AudioError> {
    if x.is_nan() {
        Err(AudioError::InvalidParameter {
            name,
            reason: "NaN".into(),
        })
    } else {
        Ok(x)
    }
}

/// Reject a vector with a NaN component.
pub(crate) fn vec_not_nan(name: &'static str, v: [f32; 3]) -> Result<[f32; 3], AudioError> {
    if v.iter().any(|x| x.is_nan()) {
        Err(AudioError::InvalidParameter {
            name,
            reason: "a component is NaN".into(),
        })
    } else {
        Ok(v)
    }
}

/// Reject an emitter with NaN anywhere (infinities clamp in the spatialiser).
pub(crate) fn check_emitter(e: &mixer_core::spatial::Emitter) -> Result<(), AudioError> {
    vec_not_nan("emitter.position", e.position)?;
    vec_not_nan("emitter.velocity", e.velocity)?;
    vec_not_nan("emitter.direction", e.direction)?;
    not_nan("emitter.min_distance", e.min_distance)?;
    not_nan("emitter.max_distance", e.max_distance)?;
    not_nan("emitter.rolloff", e.rolloff)?;
    not_nan("emitter.cone.inner_angle", e.cone.inner_angle)?;
    not_nan("emitter.cone.outer_angle", e.cone.outer_angle)?;
    not_nan("emitter.cone.outer_gain", e.cone.outer_gain)?;
    not_nan("emitter.doppler_factor", e.doppler_factor)?;
    Ok(())
}

/// Why a scene file cannot be used: the file, where in it, which field, and what is wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct SceneError {
    /// The scene file (or `<scene>` for scenes from a string).
    pub file: String,
    /// `event N`, `sound "name"`, or `None` for the top level.
    pub location: Option<String>,
    /// The field, where one is at fault.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for SceneError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(l) = &self.location {
            write!(f, ": {l}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": field `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for SceneError {}
