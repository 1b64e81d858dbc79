//! The mixing core of simvx-audio: `no_std`, no allocation, deterministic.
//!
//! A mixer is two halves over one [`Shared`]: the [`Controller`] on the game thread starts and
//! controls voices; the [`Renderer`] on the audio thread (a device callback, a test, a board's
//! DMA interrupt) renders blocks into a caller's buffer. They share only lock-free queues and
//! atomics: no locks, no allocation, no frees on the audio thread, and the same commands at the
//! same frames render the same bits on every run and every target.
//!
//! ```
//! use mixer_core::{Channels, Config, PlayParams, Shared, StaticSound};
//!
//! // A 100 Hz square wave at 8 kHz, mono, 16-bit.
//! static PCM: [i16; 80] = {
//!     let mut s = [0i16; 80];
//!     let mut i = 0;
//!     while i < 80 {
//!         s[i] = if i < 40 { 8192 } else { -8192 };
//!         i += 1;
//!     }
//!     s
//! };
//! static SOUND: StaticSound = StaticSound::i16(&PCM, Channels::Mono, 8_000);
//! static SHARED: Shared<&StaticSound, 8> = Shared::new();
//!
//! // 8 voices, 4 buses, 8 kHz stereo output.
//! let (mut controller, mut renderer) =
//!     mixer_core::split::<_, _, 8, 4>(&SHARED, Config::new(8_000, 2)).unwrap();
//! let id = controller.play(&SOUND, &PlayParams { pan: 0.5, ..PlayParams::default() }).unwrap();
//!
//! let mut block = [0.0f32; 2 * 64];
//! renderer.render(&mut block);
//! assert_eq!(block[0], 0.125); // left: 0.25 × 0.5 (balance pan)
//! assert_eq!(block[1], 0.25); // right: unity
//! assert!(controller.is_active(id));
//! ```

#![no_std]
#![doc(test(attr(deny(warnings))))]

mod bus;
mod command;
mod config;
mod controller;
pub mod db;
pub mod effect;
mod error;
mod id;
pub mod math;
mod render;
pub mod resample;
pub mod ring;
mod shared;
mod smooth;
pub mod source;
pub mod spatial;
mod status;
mod voice;

#[cfg(test)]
mod tests;

use core::ops::Deref;

pub use config::Config;
pub use controller::{Controller, MAX_PITCH, MIN_PITCH, PlayParams};
pub use db::Decibels;
pub use error::{Error, Param};
pub use id::{BusId, VoiceId};
pub use render::Renderer;
pub use resample::Interpolation;
pub use shared::{COMMAND_CAPACITY, Shared};
pub use source::{Channels, Samples, SoundData, StaticSound};

/// The renderer's internal block: per-block work happens at most every `QUANTUM` frames, on
/// frame numbers that are multiples of it.
pub const QUANTUM: usize = 128;

/// The two halves [`split`] returns.
pub type Halves<H, S, const V: usize, const B: usize> =
    (Controller<H, S, V, B>, Renderer<H, S, V, B>);

/// Make the two halves of a mixer with `V` voices and `B` buses over `shared`.
///
/// `shared` is a handle to the shared memory: `&'static Shared` on a board, `Arc<Shared>` on
/// desktop. Each `Shared` can be split once.
///
/// # Errors
/// [`Error::AlreadySplit`] if `shared` was split before; [`Error::InvalidConfig`] for a sample
/// rate or channel count of 0, or `B` of 0 or above 255.
pub fn split<H, S, const V: usize, const B: usize>(
    shared: S,
    config: Config,
) -> Result<Halves<H, S, V, B>, Error>
where
    H: SoundData,
    S: Deref<Target = Shared<H, V>> + Clone,
{
    if config.sample_rate == 0 {
        return Err(Error::InvalidConfig("sample_rate is 0"));
    }
    if config.channels == 0 {
        return Err(Error::InvalidConfig("channels is 0"));
    }
    if B == 0 || B > 255 {
        return Err(Error::InvalidConfig("the bus count must be 1 to 255"));
    }
    if shared
        .claimed
        .swap(true, core::sync::atomic::Ordering::AcqRel)
    {
        return Err(Error::AlreadySplit);
    }
    let limit = config.voice_limit.min(V);
    let controller = Controller::new(shared.clone(), limit, config.sample_rate);
    let renderer = Renderer::new(shared, config, limit);
    Ok((controller, renderer))
}
