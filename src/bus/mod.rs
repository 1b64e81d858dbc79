//! Buses and effects as a game describes them: the original's [`AudioBusLayout`] (names,
//! volumes, mute, solo, sends, effect lists) and its [`Effect`]s with their `type` tags and
//! JSON shape. A backend's `sync_bus_layout` makes its buses match a layout.

pub(crate) mod effect;
mod layout;

pub use effect::{
    BandKind, CompressorParams, DelayParams, EFFECT_TAGS, Effect, EffectParams, EqBand, EqParams,
    FilterParams, GainParams, LimiterParams, MAX_EQ_BANDS, ReverbParams, SoftClipParams,
};
pub use layout::{AudioBus, AudioBusLayout, MASTER};
