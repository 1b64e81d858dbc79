//! The core's error type: small, `Copy`, allocation-free.

use core::fmt;

use crate::id::BusId;

/// A parameter of a call, named in [`Error::InvalidParameter`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Param {
    /// `volume_db`.
    VolumeDb,
    /// `gain_db`.
    GainDb,
    /// `pan`.
    Pan,
    /// `pitch`.
    Pitch,
    /// `from_position`.
    FromPosition,
    /// A fade's level (`gain`).
    Level,
}

impl Param {
    /// The parameter's name as the API spells it.
    pub const fn name(self) -> &'static str {
        match self {
            Param::VolumeDb => "volume_db",
            Param::GainDb => "gain_db",
            Param::Pan => "pan",
            Param::Pitch => "pitch",
            Param::FromPosition => "from_position",
            Param::Level => "gain",
        }
    }
}

/// Why a core call was refused. Nothing changed when a call returns an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Error {
    /// A parameter was NaN.
    InvalidParameter(Param),
    /// Every voice of the pool is in use.
    NoFreeVoice,
    /// A discrete command found the queue to the renderer full and the controller's
    /// [`Backlog`](crate::Backlog) full too (with the default [`NoBacklog`](crate::NoBacklog),
    /// at once). The renderer has not run for a while; nothing was changed.
    QueueFull,
    /// The bus does not exist (or is outside the bus table).
    UnknownBus(BusId),
    /// Routing `bus` to `parent` would make a cycle.
    BusCycle {
        /// The bus being routed.
        bus: BusId,
        /// The parent that leads back to it.
        parent: BusId,
    },
    /// Master cannot be removed or given a parent.
    MasterBus,
    /// The sound has no frames, or a sample rate of 0.
    EmptySound,
    /// [`split`](crate::split) was already called on this [`Shared`](crate::Shared).
    AlreadySplit,
    /// The configuration is unusable (the text says which field).
    InvalidConfig(&'static str),
    /// The effect slot is outside the chain (`slot >= E`).
    NoEffectSlot,
    /// The effect needs more memory than is free in the renderer's effect memory.
    NoEffectMemory {
        /// `f32`s the effect needs.
        needed: usize,
        /// `f32`s in the whole effect memory.
        total: usize,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidParameter(p) => write!(f, "{} is NaN", p.name()),
            Error::NoFreeVoice => f.write_str("no free voice: every voice of the pool is in use"),
            Error::QueueFull => f.write_str(
                "the command queue to the renderer and the controller's backlog are full",
            ),
            Error::UnknownBus(b) => write!(f, "unknown bus {}", b.0),
            Error::BusCycle { bus, parent } => {
                write!(f, "routing bus {} to bus {} makes a cycle", bus.0, parent.0)
            }
            Error::MasterBus => f.write_str("the Master bus cannot be removed or re-routed"),
            Error::EmptySound => f.write_str("the sound has no frames or no sample rate"),
            Error::AlreadySplit => f.write_str("this Shared was already split"),
            Error::InvalidConfig(what) => write!(f, "invalid configuration: {what}"),
            Error::NoEffectSlot => f.write_str("the effect slot is outside the bus's chain"),
            Error::NoEffectMemory { needed, total } => write!(
                f,
                "the effect needs {needed} floats of effect memory and not that much is free \
                 (the memory holds {total})"
            ),
        }
    }
}

impl core::error::Error for Error {}

/// `x`, or [`Error::InvalidParameter`] naming `param` if it is NaN (infinities pass: they
/// clamp where they are used).
pub(crate) fn finite_or(param: Param, x: f32) -> Result<f32, Error> {
    if x.is_nan() {
        Err(Error::InvalidParameter(param))
    } else {
        Ok(x)
    }
}
