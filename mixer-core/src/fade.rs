//! Fades: a voice's level multiplier moving along a curve, computed in the renderer.
//!
//! A fade runs from a start level to a target level over a number of frames, on a [`Curve`].
//! The renderer follows it in segments of [`SEGMENT`] frames, each a linear ramp between two
//! exact points of the curve, counted from the fade's own start: the same frames give the same
//! bits whatever the block size, and the level is within about 1e-6 of the curve everywhere
//! (the chord of a quarter sine over 32 frames of a 0.5 s fade is 6e-7 off its arc).

/// Frames per linear piece of a fade.
pub const SEGMENT: u32 = 32;

/// Frames to the next piece boundary of an envelope `done` frames into its `frames`: pieces
/// are counted from the envelope's own start.
fn piece(done: u32, frames: u32) -> u32 {
    (SEGMENT - done % SEGMENT).min(frames - done)
}

/// The shape of a fade, with the original's names (SIMVX-ORIGINAL §10.4) and more.
///
/// `t` runs from 0 to 1 over the fade, `a` is the start level and `b` the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Curve {
    /// `a + (b − a)·t`: the original's `equal_gain` (and `linear`).
    #[default]
    Linear,
    /// A quarter sine: rising `a + (b − a)·sin(tπ/2)`, falling `b + (a − b)·cos(tπ/2)` (the
    /// original's `equal_power`: two uncorrelated sounds crossfaded with it keep their summed
    /// power).
    EqualPower,
    /// Linear in decibels between the two levels (−80 dB standing in for silence at either end,
    /// which is reached exactly at the end).
    Exponential,
    /// `a + (b − a)·(3t² − 2t³)`: starts and lands gently.
    SmoothStep,
}

impl Curve {
    /// The curve named `name`: `linear` or `equal_gain`, `equal_power`, `exponential`,
    /// `smoothstep`.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "linear" | "equal_gain" => Some(Self::Linear),
            "equal_power" => Some(Self::EqualPower),
            "exponential" => Some(Self::Exponential),
            "smoothstep" => Some(Self::SmoothStep),
            _ => None,
        }
    }

    /// The level at `t` in `[0, 1]` of a fade from `a` to `b`.
    pub fn at(self, a: f32, b: f32, t: f32) -> f32 {
        // The ends exactly (cos(π/2) is not 0 in floats).
        if t <= 0.0 {
            return a;
        }
        if t >= 1.0 {
            return b;
        }
        match self {
            Self::Linear => a + (b - a) * t,
            Self::EqualPower => {
                let q = t * core::f32::consts::FRAC_PI_2;
                if b >= a {
                    a + (b - a) * libm::sinf(q)
                } else {
                    b + (a - b) * libm::cosf(q)
                }
            }
            Self::Exponential => {
                let db = |g: f32| {
                    if g <= 1e-4 {
                        -80.0
                    } else {
                        20.0 * libm::log10f(g)
                    }
                };
                let d = db(a) + (db(b) - db(a)) * t;
                if d <= -80.0 {
                    0.0
                } else {
                    libm::powf(10.0, d / 20.0)
                }
            }
            Self::SmoothStep => a + (b - a) * t * t * (3.0 - 2.0 * t),
        }
    }
}

/// A fade to start on a voice ([`Controller::fade`](crate::Controller::fade)).
///
/// ```
/// use mixer_core::fade::{Curve, FadeParams};
/// // The original's fade_out(0.5 s, "equal_power") at 48 kHz: to silence, then stop.
/// let out = FadeParams { to: 0.0, frames: 24_000, curve: Curve::EqualPower, stop: true, ..FadeParams::default() };
/// assert_eq!(out.from, None); // from wherever the level is
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FadeParams {
    /// The level to start from, for a voice not heard yet (a fade in at its start: give the
    /// fade the play's frame). A voice already heard fades from its current level, so nothing
    /// clicks. `None`: the current level, which is 1 until a fade moves it. Levels multiply
    /// the voice's gain; they are clamped to `[0, 16]`.
    pub from: Option<f32>,
    /// The level to land on.
    pub to: f32,
    /// The fade's length in output frames (0: a short de-click ramp).
    pub frames: u32,
    /// Its shape.
    pub curve: Curve,
    /// End the voice when it lands.
    pub stop: bool,
}

impl Default for FadeParams {
    fn default() -> Self {
        Self {
            from: None,
            to: 1.0,
            frames: 0,
            curve: Curve::Linear,
            stop: false,
        }
    }
}

/// A tween to start on a voice ([`Controller::tween`](crate::Controller::tween)): its own
/// volume, pan and pitch moved to new values along a curve, in the renderer.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TweenParams {
    /// The linear gain to reach (`None`: unchanged).
    pub gain: Option<f32>,
    /// The balance pan to reach, in `[-1, 1]` (`None`: unchanged).
    pub pan: Option<f32>,
    /// The pitch to reach (`None`: unchanged).
    pub pitch: Option<f32>,
    /// The tween's length in output frames (0: the short de-click ramp).
    pub frames: u32,
    /// Its shape (for pitch, [`Curve::Exponential`] is linear in cents; for pan it is linear).
    pub curve: Curve,
}

/// A gain and pan tween in progress.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Tween {
    pub gain: (f32, f32),
    pub pan: (f32, f32),
    pub frames: u32,
    pub done: u32,
    pub curve: Curve,
}

impl Tween {
    /// The gain and pan `k` frames after the tween's start.
    pub fn at(&self, k: u32) -> (f32, f32) {
        if k >= self.frames {
            return (self.gain.1, self.pan.1);
        }
        let t = k as f32 / self.frames as f32;
        let pan_curve = match self.curve {
            Curve::Exponential => Curve::Linear,
            c => c,
        };
        (
            self.curve.at(self.gain.0, self.gain.1, t),
            pan_curve.at(self.pan.0, self.pan.1, t),
        )
    }

    /// Frames of the current piece still to run.
    pub fn piece(&self) -> u32 {
        piece(self.done, self.frames)
    }
}

/// A pitch tween in progress.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PitchTween {
    pub pitch: (f32, f32),
    pub frames: u32,
    pub done: u32,
    pub curve: Curve,
    pub output_rate: u32,
}

impl PitchTween {
    /// The pitch `k` frames after the tween's start.
    pub fn at(&self, k: u32) -> f32 {
        if k >= self.frames {
            return self.pitch.1;
        }
        self.curve
            .at(self.pitch.0, self.pitch.1, k as f32 / self.frames as f32)
    }

    /// Frames of the current piece still to run.
    pub fn piece(&self) -> u32 {
        piece(self.done, self.frames)
    }
}

/// A fade in progress.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Fade {
    /// The level the fade started at, and the one it lands on.
    pub from: f32,
    pub to: f32,
    /// Its length, and how far it has run, in frames.
    pub frames: u32,
    pub done: u32,
    pub curve: Curve,
    /// End the voice when it lands.
    pub stop: bool,
}

impl Fade {
    /// The level `k` frames after the fade's start (exact, on the curve).
    pub fn level_at(&self, k: u32) -> f32 {
        if k >= self.frames {
            return self.to;
        }
        self.curve
            .at(self.from, self.to, k as f32 / self.frames as f32)
    }

    /// Frames of the current piece still to run: to the next segment boundary or the end.
    pub fn piece(&self) -> u32 {
        piece(self.done, self.frames)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tests each curve's ends and a middle point against its formula.
    #[test]
    fn curves_follow_their_formulas() {
        for c in [
            Curve::Linear,
            Curve::EqualPower,
            Curve::Exponential,
            Curve::SmoothStep,
        ] {
            assert_eq!(c.at(1.0, 0.0, 0.0), 1.0, "{c:?}");
            assert_eq!(c.at(1.0, 0.0, 1.0), 0.0, "{c:?}");
            assert_eq!(c.at(0.0, 1.0, 1.0), 1.0, "{c:?}");
        }
        assert_eq!(Curve::Linear.at(0.0, 1.0, 0.25), 0.25);
        let s = Curve::EqualPower.at(0.0, 1.0, 0.5);
        assert!((s - core::f32::consts::FRAC_1_SQRT_2).abs() < 1e-6);
        let c = Curve::EqualPower.at(1.0, 0.0, 0.5);
        assert!((c - core::f32::consts::FRAC_1_SQRT_2).abs() < 1e-6);
        // -20 dB to 0 dB: -10 dB half way.
        let e = Curve::Exponential.at(0.1, 1.0, 0.5);
        assert!((e - libm::powf(10.0, -0.5)).abs() < 1e-6);
        assert_eq!(Curve::SmoothStep.at(0.0, 1.0, 0.5), 0.5);
        assert_eq!(Curve::parse("equal_gain"), Some(Curve::Linear));
        assert_eq!(Curve::parse("cubic"), None);
    }
}
