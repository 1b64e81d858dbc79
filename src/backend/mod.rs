//! Backends: one implementation of every facet over the core's controller, and beneath it
//! the way samples leave.
//!
//! A [`Backend`] is a mixer (the core's [`Controller`](mixer_core::Controller) with bus names,
//! streams and the listener) over a [`Driver`]: a device callback ([`Device`]), an offline
//! pull ([`Offline`]) or a clock with no mixing ([`Clock`], the null backend). The facets are
//! implemented once, on `Backend<D>` for every driver; the driver only decides what happens
//! around a call (recover a lost device, follow the wall clock) and how time moves.
//! [`make_backend`] picks the driver at run time ([`Live`]: native, legacy or null).

mod driver;
mod engine;
mod facet;
mod handle;
mod info;
mod mixer;
mod params;
mod select;
mod sync;

pub use crate::channel::ChannelId;
pub use driver::{Clock, Device, DeviceEvent, Driver, Live, NullClock, Offline, Reopen};
pub use engine::{Backend, ChannelInfo, DeviceBackend, NullBackend, OfflineBackend};
pub use facet::{
    Buses, Fading, HasStreams, Playback, Scheduling, StreamDraining, StreamFacets, StreamPacing,
    StreamStats, Streaming, Tweening, VoiceControl,
};
pub use handle::{BusHandle, Channel, Decibels, Pan, Pitch, Play, Seconds};
pub use info::{BackendInfo, BackendKind};
pub use params::{PlayMode, PlayParams, StreamParams, Tween};
pub use select::{device_backend, make_backend, null_backend};

pub(crate) use mixer::{CoreRenderer, Mixer};
