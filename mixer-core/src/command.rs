//! Commands from the [`Controller`](crate::Controller) to the [`Renderer`](crate::Renderer).
//!
//! Commands travel in one FIFO, each stamped with the frame of the renderer's timeline at
//! which it applies ([`Stamped::at`]). The renderer applies them in order, each at its frame,
//! splitting its passes there even inside a block; a command whose frame has passed (every
//! "as soon as possible" command is stamped [`ASAP`]) applies before the next frame rendered.
//! A command never overtakes an earlier one: one stamped earlier than the command before it
//! applies right after that one.
//!
//! An offline driver that renders up to an event's frame, issues the event's calls and renders
//! on therefore applies every command at an exact frame, whatever block size it uses; that is
//! what makes renders bit-identical. Continuous parameters (volume, pan, pitch, emitters, the
//! listener) do not travel here: they coalesce in mailboxes (`mailbox.rs`).

use crate::effect::EffectParams;
use crate::id::{BusId, VoiceId};
use crate::spatial::Emitter;

/// How a voice starts: everything is already resolved to linear gains and frames.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct VoiceStart {
    /// Linear gain (dB already converted, floor applied).
    pub gain: f32,
    /// Balance pan in `[-1, 1]`.
    pub pan: f32,
    /// Resampling ratio in `[MIN_PITCH, MAX_PITCH]`.
    pub pitch: f32,
    /// Restart at the end, indefinitely.
    pub looping: bool,
    /// First frame to play, in the sound's own frames (already wrapped for loops).
    pub start_frame: u32,
    /// Destination bus.
    pub bus: BusId,
    /// Spatialised in the renderer from this emitter and the listener, if set.
    pub emitter: Option<Emitter>,
    /// Higher is more important (kept real, and stolen last).
    pub priority: u8,
}

/// What [`Command::Group`] does to each voice of the group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GroupOp {
    Pause,
    Resume,
    Stop,
}

/// "As soon as possible": a stamp every frame is at or past (what the unstamped calls use, and
/// what `play_at` and friends take for "now").
pub const ASAP: u64 = 0;

/// A command and the frame at which it applies.
#[derive(Debug)]
pub(crate) struct Stamped<H> {
    /// The frame of the renderer's timeline (frames rendered since it was made).
    pub at: u64,
    /// What to do.
    pub cmd: Command<H>,
}

/// One command. Voice commands carry the full generational id; the renderer ignores those
/// whose generation is not the one in the slot.
#[derive(Debug)]
pub(crate) enum Command<H> {
    /// Start `sound` in the id's slot.
    Play {
        id: VoiceId,
        sound: H,
        start: VoiceStart,
    },
    /// Fade out and end.
    Stop(VoiceId),
    /// Fade out and end every voice.
    StopAll,
    /// Copy the output, or the bus given (after its effects and its level), into this
    /// stream's ring from now on (`None`: stop); the tap before is handed back.
    Tap(Option<H>, Option<BusId>),
    /// Fade out and hold the cursor.
    Pause(VoiceId),
    /// Continue from the held cursor, fading in.
    Resume(VoiceId),
    /// Move the voice's level along a curve (then end it, if asked).
    Fade(VoiceId, crate::fade::FadeParams),
    /// Move the voice's own gain, pan and pitch along a curve.
    Tween(VoiceId, crate::fade::TweenParams),
    /// Move the voice's emitter to a new one, its position along a curve over frames.
    TweenEmitter(VoiceId, Emitter, u32, crate::fade::Curve),
    /// Pause, resume or stop every voice of a bus and of the buses routed into it.
    Group(BusId, GroupOp),
    /// Route the voice to another bus.
    SetVoiceBus(VoiceId, BusId),
    /// Move the voice's cursor to a time of its sound, in seconds.
    Seek(VoiceId, f64),
    /// Create or change a bus: its parent (`None` writes to the output) and linear gain.
    SetBus {
        bus: BusId,
        parent: Option<BusId>,
        gain: f32,
    },
    /// [`SetBus`](Command::SetBus), the gain moving along `curve` over `frames` frames.
    TweenBus {
        bus: BusId,
        parent: Option<BusId>,
        gain: f32,
        frames: u32,
        curve: crate::fade::Curve,
    },
    /// Remove a bus; its voices and child buses are re-homed to its parent (or Master), and its
    /// effect chain is emptied.
    RemoveBus(BusId),
    /// Put an effect in a chain slot of a bus, in effect memory `offset..offset + len`.
    SetEffect {
        bus: BusId,
        slot: u8,
        params: EffectParams,
        enabled: bool,
        offset: u32,
        len: u32,
    },
    /// Empty a chain slot.
    ClearEffect { bus: BusId, slot: u8 },
    /// Move the effect in a chain slot to new parameters along a curve (the slot holds that
    /// effect: the controller checked).
    TweenEffect {
        bus: BusId,
        slot: u8,
        params: EffectParams,
        enabled: bool,
        frames: u32,
        curve: crate::fade::Curve,
    },
    /// The bus's chain becomes its outgoing one (its input fading out over `fade` frames, its
    /// output until frame `until`); the commands that follow build the new one.
    ChainEdit { bus: BusId, fade: u32, until: u64 },
}
