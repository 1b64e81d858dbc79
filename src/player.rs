//! [`Player`]: the original's `AudioPlayer` node (SIMVX-ORIGINAL §10.1–§10.5) for a Rust game.
//!
//! A player owns at most one channel: playing again stops the previous one (overlapping
//! sounds need several players). Its fades run in the renderer, sample by sample (the
//! [`Fading`] facet), not on the game's tick. Once per tick the game calls
//! [`update`](Player::update), which notices a natural end (or a fade out landing), lets the
//! channel go, and reports it as a [`PlayerEvent`]; `queue_free_on_end` is the event's
//! `free` flag, for the game to drop the player.

use crate::backend::{ChannelId, Fading, PlayParams, Playback};
use crate::error::AudioError;
use crate::sound::Sound;
use mixer_core::fade::Curve;

/// The lowest and highest `pitch_scale` a player takes (the original's range).
pub const PLAYER_PITCH_RANGE: (f32, f32) = (0.5, 2.0);

/// What [`Player::update`] noticed this tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlayerEvent {
    /// The channel ended by itself (a one-shot ran out, or a fade out landed) and was let go.
    /// `free` is `queue_free_on_end` (for a sound that does not loop): the game may drop the
    /// player now.
    Finished {
        /// Whether the player asked to be freed at its end.
        free: bool,
    },
}

/// A player of one sound with the original `AudioPlayer`'s behaviour.
///
/// `sound`, `bus`, `looping` and `queue_free_on_end` apply from the next
/// [`play`](Self::play) (changing them while a channel is bound logs a warning once, as the
/// original's non-strict mode); `volume_db` and `pitch_scale` are live: set them with
/// [`set_volume_db`](Self::set_volume_db) and [`set_pitch_scale`](Self::set_pitch_scale).
///
/// ```
/// use simvx_audio::{AudioConfig, OfflineBackend, Player, PlayerEvent, Sound};
///
/// let mut audio = OfflineBackend::new(&AudioConfig::default())?;
/// let mut shot = Player::new(Sound::tone(880.0, 0.5, 0.05, 48_000, 1)?);
/// shot.bus = "SFX".into();
/// shot.queue_free_on_end = true;
/// shot.play(&mut audio, 0.0)?;
/// shot.play(&mut audio, 0.0)?; // re-trigger: the first shot stops
/// audio.render_frames(4_800);
/// assert_eq!(shot.update(&mut audio), Some(PlayerEvent::Finished { free: true }));
/// assert!(!shot.is_playing());
/// # Ok::<(), simvx_audio::AudioError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Player {
    /// The sound it plays (next play).
    pub sound: Sound,
    /// The bus it plays on (next play). Default `"Master"`.
    pub bus: String,
    /// Restart at the end, indefinitely (next play).
    pub looping: bool,
    /// Report `free: true` when it ends by itself (next play).
    pub queue_free_on_end: bool,
    volume_db: f32,
    pitch_scale: f32,
    channel: Option<ChannelId>,
    playing: bool,
    paused: bool,
    /// The next-play settings the bound channel was started with (for the warning).
    bound: Option<(String, bool, bool, usize)>,
    warned: bool,
}

impl Player {
    /// A player of `sound` with the original's defaults: 0 dB, pitch 1, on Master, once.
    pub fn new(sound: Sound) -> Self {
        Self {
            sound,
            bus: crate::MASTER.into(),
            looping: false,
            queue_free_on_end: false,
            volume_db: 0.0,
            pitch_scale: 1.0,
            channel: None,
            playing: false,
            paused: false,
            bound: None,
            warned: false,
        }
    }

    /// Its level in dB.
    pub fn volume_db(&self) -> f32 {
        self.volume_db
    }

    /// Its pitch scale.
    pub fn pitch_scale(&self) -> f32 {
        self.pitch_scale
    }

    /// The channel it holds, if any.
    pub fn channel(&self) -> Option<ChannelId> {
        self.channel
    }

    /// Whether it is playing (until it is stopped, paused, or [`update`](Self::update) sees
    /// it end).
    pub fn is_playing(&self) -> bool {
        self.playing
    }

    /// Whether it is paused.
    pub fn is_paused(&self) -> bool {
        self.paused
    }

    /// Play from `from_position` seconds. A paused player asked to play from 0 resumes;
    /// otherwise the previous channel stops and a new one starts.
    ///
    /// # Errors
    /// As [`Playback::play_audio`]; on error the player is stopped.
    pub fn play<B: Playback + ?Sized>(
        &mut self,
        backend: &mut B,
        from_position: f64,
    ) -> Result<ChannelId, AudioError> {
        if let (true, true, Some(id)) = (from_position == 0.0, self.paused, self.channel) {
            backend.resume_audio(id)?;
            self.paused = false;
            self.playing = true;
            return Ok(id);
        }
        self.stop(backend)?;
        let params = PlayParams {
            volume_db: self.volume_db,
            pitch: self.pitch_scale,
            looping: self.looping,
            bus: self.bus.clone(),
            from_position,
            ..PlayParams::default()
        };
        let id = backend.play_audio(&self.sound, &params)?;
        self.channel = Some(id);
        self.playing = true;
        self.bound = Some(self.next_play_settings());
        self.warned = false;
        Ok(id)
    }

    /// Stop and let the channel go (with the short de-click fade).
    ///
    /// # Errors
    /// [`AudioError::Shutdown`].
    pub fn stop<B: Playback + ?Sized>(&mut self, backend: &mut B) -> Result<(), AudioError> {
        self.playing = false;
        self.paused = false;
        self.bound = None;
        match self.channel.take() {
            Some(id) => backend.stop_audio(id),
            None => Ok(()),
        }
    }

    /// Pause, holding the cursor (only while playing).
    ///
    /// # Errors
    /// [`AudioError::Shutdown`].
    pub fn pause<B: Playback + ?Sized>(&mut self, backend: &mut B) -> Result<(), AudioError> {
        if let (true, Some(id)) = (self.playing, self.channel) {
            backend.pause_audio(id)?;
            self.playing = false;
            self.paused = true;
        }
        Ok(())
    }

    /// The channel's cursor in seconds (0 without a channel).
    pub fn playback_position<B: Playback + ?Sized>(&self, backend: &mut B) -> f64 {
        self.channel
            .map_or(0.0, |id| backend.get_playback_position(id))
    }

    /// Its level, pushed to a bound channel at once (ramped).
    ///
    /// # Errors
    /// [`AudioError::InvalidParameter`] for NaN (nothing changes).
    pub fn set_volume_db<B: Playback + ?Sized>(
        &mut self,
        backend: &mut B,
        volume_db: f32,
    ) -> Result<(), AudioError> {
        crate::error::not_nan("volume_db", volume_db)?;
        self.volume_db = volume_db.clamp(-80.0, 24.0);
        match self.channel {
            Some(id) => backend.update_audio_2d(id, self.volume_db, 0.0),
            None => Ok(()),
        }
    }

    /// Its pitch scale (clamped to [`PLAYER_PITCH_RANGE`]), pushed to a bound channel.
    ///
    /// # Errors
    /// [`AudioError::InvalidParameter`] for NaN (nothing changes).
    pub fn set_pitch_scale<B: Playback + ?Sized>(
        &mut self,
        backend: &mut B,
        pitch_scale: f32,
    ) -> Result<(), AudioError> {
        crate::error::not_nan("pitch_scale", pitch_scale)?;
        let (lo, hi) = PLAYER_PITCH_RANGE;
        self.pitch_scale = pitch_scale.clamp(lo, hi);
        match self.channel {
            Some(id) => backend.set_pitch(id, self.pitch_scale),
            None => Ok(()),
        }
    }

    /// The original's `pitch_modulate`: [`set_pitch_scale`](Self::set_pitch_scale).
    ///
    /// # Errors
    /// As [`set_pitch_scale`](Self::set_pitch_scale).
    pub fn pitch_modulate<B: Playback + ?Sized>(
        &mut self,
        backend: &mut B,
        scale: f32,
    ) -> Result<(), AudioError> {
        self.set_pitch_scale(backend, scale)
    }

    /// Fade in over `seconds` on `curve`: a player not playing starts (from silence), one
    /// playing fades from its current level to full.
    ///
    /// # Errors
    /// As [`play`](Self::play) and [`Fading::fade_in`].
    pub fn fade_in<B: Playback + Fading + ?Sized>(
        &mut self,
        backend: &mut B,
        seconds: f64,
        curve: Curve,
    ) -> Result<(), AudioError> {
        let id = match (self.playing, self.channel) {
            (true, Some(id)) => id,
            _ => self.play(backend, 0.0)?,
        };
        backend.fade_in(id, seconds, curve)
    }

    /// Fade out over `seconds` on `curve`, then stop (no-op unless playing); the end is
    /// reported by [`update`](Self::update) when the fade lands.
    ///
    /// # Errors
    /// As [`Fading::fade_out`].
    pub fn fade_out<B: Fading + ?Sized>(
        &mut self,
        backend: &mut B,
        seconds: f64,
        curve: Curve,
    ) -> Result<(), AudioError> {
        match (self.playing, self.channel) {
            (true, Some(id)) => backend.fade_out(id, seconds, curve),
            _ => Ok(()),
        }
    }

    /// Fade to `gain` (in `[0, 1]`, a multiplier on its level) over `seconds`, and hold.
    ///
    /// # Errors
    /// As [`Fading::fade_to`].
    pub fn fade_to<B: Fading + ?Sized>(
        &mut self,
        backend: &mut B,
        gain: f32,
        seconds: f64,
        curve: Curve,
    ) -> Result<(), AudioError> {
        match self.channel {
            Some(id) => backend.fade_to(id, gain, seconds, curve),
            None => Ok(()),
        }
    }

    /// Fade `other` in and this player out over `seconds` (the original's default curve is
    /// [`Curve::EqualPower`]).
    ///
    /// # Errors
    /// As [`fade_in`](Self::fade_in) and [`fade_out`](Self::fade_out).
    pub fn crossfade<B: Playback + Fading + ?Sized>(
        &mut self,
        other: &mut Player,
        backend: &mut B,
        seconds: f64,
        curve: Curve,
    ) -> Result<(), AudioError> {
        other.fade_in(backend, seconds, curve)?;
        self.fade_out(backend, seconds, curve)
    }

    /// Once per tick: notice the channel ending by itself, let it go, and say so.
    pub fn update<B: Playback + ?Sized>(&mut self, backend: &mut B) -> Option<PlayerEvent> {
        if self.bound.is_some()
            && !self.warned
            && self.bound.as_ref() != Some(&self.next_play_settings())
        {
            log::warn!(
                target: crate::LOG_TARGET,
                "player: sound, bus, looping or queue_free_on_end changed while playing; \
                 it applies from the next play"
            );
            self.warned = true;
        }
        let id = self.channel.filter(|_| self.playing)?;
        if backend.is_channel_active(id) {
            return None;
        }
        let free = self.queue_free_on_end && !self.looping;
        // Lets the voice go (a no-op for an ended channel).
        let _ = self.stop(backend);
        Some(PlayerEvent::Finished { free })
    }

    fn next_play_settings(&self) -> (String, bool, bool, usize) {
        (
            self.bus.clone(),
            self.looping,
            self.queue_free_on_end,
            self.sound.frames(),
        )
    }
}
