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
//! // 8 voices, 4 buses with 2 effect slots each, no effect memory, 8 kHz stereo output.
//! let (mut controller, mut renderer) =
//!     mixer_core::split::<_, _, _, 8, 4, 2, _>(&SHARED, [], Config::new(8_000, 2)).unwrap();
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

mod backlog;
mod bus;
mod bus_table;
mod chain;
mod command;
mod config;
mod controller;
pub mod db;
pub mod effect;
mod error;
pub mod fade;
mod gather;
mod id;
mod info;
mod mailbox;
pub mod math;
mod meter;
mod rank;
mod render;
pub mod resample;
pub mod ring;
mod routing;
mod shared;
mod smooth;
pub mod source;
pub mod spatial;
mod status;
pub mod stream;
pub mod synth;
mod tile;
mod voice;
mod wake;

#[cfg(test)]
mod tests;

use core::mem::MaybeUninit;
use core::ops::Deref;

pub use backlog::{Backlog, NoBacklog, Queued};
pub use command::ASAP;
pub use config::{Config, WhenFull};
pub use controller::{Controller, DEFAULT_PRIORITY, MAX_PITCH, MIN_PITCH, PlayParams};
pub use db::Decibels;
pub use error::{Error, Param};
pub use id::{BusId, VoiceId};
pub use info::{VoiceCounts, VoiceInfo, VoiceState};
pub use meter::MeterReading;
pub use render::{HELD_COMMANDS, Renderer};
pub use resample::Interpolation;
pub use routing::RING_OUT_SECONDS;
pub use shared::{COMMAND_CAPACITY, Shared};
pub use source::{Channels, Samples, SoundData, StaticSound};

/// The renderer's parameter grid: spatial voices are re-evaluated (and ramp to the new values
/// over `QUANTUM` frames) on frame numbers that are multiples of it, whatever block sizes the
/// caller renders in.
pub const QUANTUM: usize = 128;

/// The most frames the renderer mixes in one pass: the length of every bus buffer. Longer
/// passes spread each voice's per-pass work (position checks, loop set-up) over more frames;
/// a caller's smaller blocks simply make shorter passes.
pub const SEGMENT: usize = 512;

/// The largest sample magnitude a sound should hold: 64 (+36.1 dBFS), far above any real
/// recording's peaks and far enough below `f32`'s range that no mix of bounded sounds at the
/// highest gains (+24 dB per voice and per bus, thousands of voices) can overflow. The facade
/// refuses sounds beyond it; the renderer does not look at sound data, but replaces any
/// non-finite sample a mix makes by silence and counts it
/// ([`Controller::scrubbed`](crate::Controller::scrubbed)).
pub const MAX_SAMPLE: f32 = 64.0;

/// The two halves [`split`] returns.
pub type Halves<H, S, M, const V: usize, const B: usize, const E: usize, const Q: usize> = (
    Controller<H, S, V, B, E, NoBacklog, Q>,
    Renderer<H, S, M, V, B, E, Q>,
);

/// Make the two halves of a mixer with `V` voices, `B` buses and `E` effect slots per bus over
/// `shared`.
///
/// `shared` is a handle to the shared memory: `&'static Shared` on a board, `Arc<Shared>` on
/// desktop. Each `Shared` can be split once. `memory` is the effect memory the renderer owns
/// (delay lines, reverb tanks, look-ahead): a `&'static mut [f32]` on a board, a `Box<[f32]>`
/// on desktop, `[f32; 0]` when no such effect is used; the controller hands out regions of it.
///
/// The renderer is returned by value; for large pools, or small stacks, build it in place with
/// [`split_into`] instead.
///
/// # Errors
/// [`Error::AlreadySplit`] if `shared` was split before; [`Error::InvalidConfig`] for a sample
/// rate or channel count of 0, `B` of 0 or above 255, `E` above 255, or an effect memory of
/// 2³² floats or more.
pub fn split<H, S, M, const V: usize, const B: usize, const E: usize, const Q: usize>(
    shared: S,
    memory: M,
    config: Config,
) -> Result<Halves<H, S, M, V, B, E, Q>, Error>
where
    H: SoundData,
    S: Deref<Target = Shared<H, V, Q>> + Clone,
    M: AsMut<[f32]>,
{
    let mut place = MaybeUninit::uninit();
    let controller = split_into(shared, memory, config, &mut place)?.0;
    // SAFETY: `split_into` returned `Ok`, so it initialised `place`.
    let renderer = unsafe { place.assume_init() };
    Ok((controller, renderer))
}

/// [`split`], building the renderer in `place` (a `static`, a `Box::new_uninit()`, …) instead
/// of returning it, so no renderer-sized value is ever on the stack. Returns the controller and
/// the renderer, now initialised in `place`. On error `place` is left uninitialised.
///
/// ```
/// use core::mem::MaybeUninit;
/// use mixer_core::{Config, Renderer, Shared, StaticSound};
/// type R = Renderer<&'static StaticSound<'static>, &'static Shared<&'static StaticSound<'static>, 64>, [f32; 0], 64, 4, 2>;
/// static SHARED: Shared<&StaticSound, 64> = Shared::new();
/// let mut place: MaybeUninit<R> = MaybeUninit::uninit();
/// let (_controller, renderer) =
///     mixer_core::split_into(&SHARED, [], Config::new(48_000, 2), &mut place).unwrap();
/// renderer.render(&mut [0.0; 256]);
/// ```
///
/// # Errors
/// As [`split`].
#[allow(clippy::type_complexity)]
pub fn split_into<H, S, M, const V: usize, const B: usize, const E: usize, const Q: usize>(
    shared: S,
    mut memory: M,
    config: Config,
    place: &mut MaybeUninit<Renderer<H, S, M, V, B, E, Q>>,
) -> Result<
    (
        Controller<H, S, V, B, E, NoBacklog, Q>,
        &mut Renderer<H, S, M, V, B, E, Q>,
    ),
    Error,
>
where
    H: SoundData,
    S: Deref<Target = Shared<H, V, Q>> + Clone,
    M: AsMut<[f32]>,
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
    if E > 255 {
        return Err(Error::InvalidConfig(
            "the effect slot count must be at most 255",
        ));
    }
    let memory_len = memory.as_mut().len();
    if u32::try_from(memory_len).is_err() {
        return Err(Error::InvalidConfig(
            "the effect memory must hold under 2^32 floats",
        ));
    }
    if !(config.virtual_below >= 0.0 && config.virtual_below.is_finite()) {
        return Err(Error::InvalidConfig(
            "virtual_below must be a finite gain of 0 or more",
        ));
    }
    if config.virtualizes() && V > rank::MAX_SLOTS {
        return Err(Error::InvalidConfig(
            "virtual voices need a pool of at most 2^22 voices",
        ));
    }
    if shared
        .claimed
        .swap(true, core::sync::atomic::Ordering::AcqRel)
    {
        return Err(Error::AlreadySplit);
    }
    // The slots voices may use: the logical limit and spares for voices fading out.
    let slots = config.voice_limit.saturating_add(config.spare_slots).min(V);
    // Each queue gets its one producer and one consumer here, once: `claimed` above makes
    // this the only split of `shared`.
    let ends = (
        ring::Producer::claim(shared.clone(), shared::commands_of),
        ring::Consumer::claim(shared.clone(), shared::commands_of),
        ring::Producer::claim(shared.clone(), shared::retired_of),
        ring::Consumer::claim(shared.clone(), shared::retired_of),
    );
    let (Some(commands_tx), Some(commands_rx), Some(retired_tx), Some(retired_rx)) = ends else {
        return Err(Error::AlreadySplit);
    };
    let controller = Controller::new(shared.clone(), commands_tx, retired_rx, &config, memory_len);
    let renderer = Renderer::init_in(
        place,
        shared,
        commands_rx,
        retired_tx,
        memory,
        config,
        slots,
    );
    Ok((controller, renderer))
}
