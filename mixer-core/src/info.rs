//! What the controller reads back about voices: counts, states and a view of one voice.

use crate::id::BusId;

/// How many voices are mixed, virtual and free (see [`Controller::voice_counts`](crate::Controller::voice_counts)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VoiceCounts {
    /// Voices mixed in the renderer's last block (fading out after a stop included).
    pub real: usize,
    /// Voices playing but not mixed.
    pub virtualized: usize,
    /// Plays that would find a voice now (the limit less the voices playing or paused).
    pub free: usize,
}

/// What a voice is doing, as of the renderer's last block (see
/// [`Controller::voice_state`](crate::Controller::voice_state)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum VoiceState {
    /// Playing and mixed (or about to start).
    Playing,
    /// Playing, its cursor moving, but not mixed: too quiet, or less important than the
    /// voices that are.
    Virtual,
    /// Pausing or paused.
    Paused,
    /// Fading out to its end after a stop.
    Stopping,
}

/// One voice as the game last set it and the renderer last reported it (see
/// [`Controller::voice`](crate::Controller::voice)).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VoiceInfo {
    /// What it is doing.
    pub state: VoiceState,
    /// Its own level in dB (`volume_db + gain_db` at the start, then the last
    /// [`set_mix`](crate::Controller::set_mix) or tween target; −80 is silence).
    pub volume_db: f32,
    /// Its own balance pan.
    pub pan: f32,
    /// Its own pitch.
    pub pitch: f32,
    /// The bus it plays into.
    pub bus: BusId,
    /// Its priority.
    pub priority: u8,
    /// Its cursor in seconds of its sound.
    pub position: f64,
}
