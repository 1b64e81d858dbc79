//! Spatial audio math: the pan law, the original engine's player-side model and the engine-side
//! emitter model. Pure functions and `Copy` types; no state, no allocation.
//!
//! # The pan law
//! [`balance`] turns a pan in `[-1, 1]` into left and right gains, as every original backend did.
//!
//! # The original player-side model
//! The original engine never let its audio library spatialise: its player nodes computed a final
//! `volume_db`, `pan` and `pitch` every frame and pushed those. These functions reproduce that
//! model formula for formula, so a game can keep sounding as it did:
//! [`attenuated_volume_db_2d`], [`attenuated_volume_db_3d`], [`pan_2d`], [`pan_3d`] and
//! [`doppler_pitch_original`]. Inside the original's parameter ranges they are the original
//! formulas; outside them (a `max_distance` of 0, a negative exponent) they only add guards
//! so that no NaN comes out.
//!
//! # The engine-side emitter model
//! [`spatialize`] evaluates an [`Emitter`] against a [`Listener`] into a [`Spatialized`] gain,
//! pan and pitch. The renderer evaluates it once per block and ramps between blocks. Distance
//! attenuation ([`Attenuation`]) and the sound cone ([`Cone`]) follow miniaudio's definitions;
//! the pan is the balance-law pan of the lateral direction; the pitch is the physical Doppler
//! ratio from both velocities.
//!
//! Units are the game's world units (metres for [`SPEED_OF_SOUND`]) and seconds; angles are
//! radians. The coordinate system is right-handed: with the default listener (facing −Z, +Y up)
//! +X is to the right.

use core::f32::consts::TAU;

use crate::math;

/// The balance pan law of the original engine: `(min(1, 1 − pan), min(1, 1 + pan))`.
///
/// Centre is unity on both sides; `pan = 0.5` leaves the right side at unity and halves the
/// left. `pan` is clamped to `[-1, 1]` (NaN counts as −1; callers reject NaN before this).
///
/// ```
/// use mixer_core::spatial::balance;
/// assert_eq!(balance(0.0), (1.0, 1.0));
/// assert_eq!(balance(0.5), (0.5, 1.0));
/// assert_eq!(balance(-1.0), (1.0, 0.0));
/// ```
#[inline]
pub fn balance(pan: f32) -> (f32, f32) {
    let pan = math::clamp(pan, -1.0, 1.0);
    let left = 1.0 - pan;
    let right = 1.0 + pan;
    (
        if left > 1.0 { 1.0 } else { left },
        if right > 1.0 { 1.0 } else { right },
    )
}

/// How an emitter's direction becomes left and right gains: a [`spatialize`]d pan (the
/// lateral component of the direction to the emitter, −1 at the listener's left to +1 at the
/// right) through one of these laws.
///
/// ```
/// use mixer_core::spatial::PanLaw;
/// // Straight ahead, and hard right.
/// assert_eq!(PanLaw::Balance.gains(0.0), (1.0, 1.0));
/// assert_eq!(PanLaw::Speakers.gains(0.0), (0.5, 0.5));
/// assert_eq!(PanLaw::Speakers.gains(1.0), (0.2, 1.0)); // the far ear still hears it
/// let (l, r) = PanLaw::ConstantPower.gains(0.0);
/// assert!((l * l + r * r - 1.0).abs() < 1e-6);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum PanLaw {
    /// The original players' [`balance`] law: unity on both sides at the centre, the far side
    /// silent at the side (`pan = ±1`). As loud ahead as the sound itself.
    Balance,
    /// Constant power, `(cos θ, sin θ)` with `θ = (pan + 1)·π/4`: −3 dB on each side at the
    /// centre, the far side silent at the side, the same power everywhere.
    ConstantPower,
    /// The original engine's speaker model (miniaudio's, which SimVX's native path used): per
    /// channel `max((dot(u, side) + 1) / 2, 0.2)` with the sides at the listener's ±X, that is
    /// `(max((1 − pan)/2, 0.2), max((1 + pan)/2, 0.2))`: −6 dB on each side at the centre, and
    /// the far ear never below −14 dB. The default: what a game ported from the original
    /// sounds like, and never a silent ear.
    #[default]
    Speakers,
}

impl PanLaw {
    /// The left and right gains of `pan` (clamped to `[-1, 1]`).
    pub fn gains(self, pan: f32) -> (f32, f32) {
        let pan = math::clamp(pan, -1.0, 1.0);
        match self {
            PanLaw::Balance => balance(pan),
            PanLaw::ConstantPower => {
                let theta = (pan + 1.0) * core::f32::consts::FRAC_PI_4;
                (math::cos(theta), math::sin(theta))
            }
            PanLaw::Speakers => (
                ((1.0 - pan) * 0.5).max(SPEAKER_FLOOR),
                ((1.0 + pan) * 0.5).max(SPEAKER_FLOOR),
            ),
        }
    }

    /// Its name in scenes: `"balance"`, `"constant_power"`, `"speakers"`.
    pub const fn name(self) -> &'static str {
        match self {
            PanLaw::Balance => "balance",
            PanLaw::ConstantPower => "constant_power",
            PanLaw::Speakers => "speakers",
        }
    }

    /// The law called `name` (see [`name`](Self::name)).
    pub fn from_name(name: &str) -> Option<Self> {
        [PanLaw::Balance, PanLaw::ConstantPower, PanLaw::Speakers]
            .into_iter()
            .find(|l| l.name() == name)
    }
}

/// The quietest a channel gets under [`PanLaw::Speakers`] (−14 dB): miniaudio's minimum.
pub const SPEAKER_FLOOR: f32 = 0.2;

/// The speed of sound in world units per second (metres in air), as in the original engine.
pub const SPEED_OF_SOUND: f32 = 343.0;

/// A 3D vector `[x, y, z]` in world units.
pub type Vec3 = [f32; 3];

// ---------------------------------------------------------------------------------------------
// Vector helpers
// ---------------------------------------------------------------------------------------------

#[inline]
fn dot(a: Vec3, b: Vec3) -> f32 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

#[inline]
fn cross(a: Vec3, b: Vec3) -> Vec3 {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

#[inline]
fn sub(a: Vec3, b: Vec3) -> Vec3 {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

#[inline]
fn neg(a: Vec3) -> Vec3 {
    [-a[0], -a[1], -a[2]]
}

#[inline]
fn div(a: Vec3, s: f32) -> Vec3 {
    [a[0] / s, a[1] / s, a[2] / s]
}

/// The largest absolute component (NaN components are skipped).
#[inline]
fn max_abs(v: Vec3) -> f32 {
    let [x, y, z] = v;
    let m = if x < 0.0 { -x } else { x };
    let m = m.max(if y < 0.0 { -y } else { y });
    m.max(if z < 0.0 { -z } else { z })
}

/// `|v|`. Exactly `sqrt(dot(v, v))` when the square neither overflows nor underflows; otherwise
/// computed on `v / max|v_i|` so that huge and tiny finite vectors get their true length (which
/// is `+∞` only if it really exceeds `f32::MAX`).
fn length(v: Vec3) -> f32 {
    let sq = dot(v, v);
    if sq.is_finite() && sq >= f32::MIN_POSITIVE {
        return math::sqrt(sq);
    }
    let m = max_abs(v);
    if m == 0.0 || !m.is_finite() {
        return m;
    }
    let s = div(v, m);
    m * math::sqrt(dot(s, s))
}

/// `v / |v|`, or the zero vector when `v` is zero-length or not finite.
fn normalize(v: Vec3) -> Vec3 {
    let len = length(v);
    if len.is_nan() || len <= 0.0 {
        return [0.0; 3];
    }
    if len.is_finite() {
        return div(v, len);
    }
    // The length overflowed: scale down first (a vector with an infinite component has no
    // direction worth keeping).
    let m = max_abs(v);
    if !m.is_finite() {
        return [0.0; 3];
    }
    let s = div(v, m);
    div(s, length(s))
}

/// The vector from `from` to `to` as `(v, k)` with `to − from = k·v`. `k` is 1 unless the
/// difference of two finite points overflows, in which case the halves are subtracted (`k = 2`).
fn offset(to: Vec3, from: Vec3) -> (Vec3, f32) {
    let d = sub(to, from);
    if d.iter().all(|x| x.is_finite()) {
        (d, 1.0)
    } else {
        let half = |v: Vec3| [v[0] * 0.5, v[1] * 0.5, v[2] * 0.5];
        (sub(half(to), half(from)), 2.0)
    }
}

/// `x`, or `default` if `x` is NaN; infinities clamp to `[lo, hi]` like any other value.
#[inline]
fn sanitize_scalar(x: f32, default: f32, lo: f32, hi: f32) -> f32 {
    if x.is_nan() {
        default
    } else {
        math::clamp(x, lo, hi)
    }
}

/// A position made total as [`Emitter::sanitized`] makes one (NaN: the origin's component;
/// infinities clamped to `±f32::MAX`).
#[inline]
pub(crate) fn sanitize_position(v: Vec3) -> Vec3 {
    sanitize_vec(v, [0.0; 3])
}

/// Each NaN component replaced by `default`'s, infinities clamped to `±f32::MAX`.
#[inline]
fn sanitize_vec(v: Vec3, default: Vec3) -> Vec3 {
    let c = |i: usize| sanitize_scalar(v[i], default[i], -f32::MAX, f32::MAX);
    [c(0), c(1), c(2)]
}

// ---------------------------------------------------------------------------------------------
// The original engine's player-side model (SIMVX-ORIGINAL §5.3–§5.5)
// ---------------------------------------------------------------------------------------------

/// The original 2D player's volume (`AudioPlayer2D`): `−80` dB beyond `max_distance`, else
/// `volume_db − 80 · (distance / max_distance)^attenuation`.
///
/// The original's ranges are `max_distance` in [1, 10000] (default 2000 pixels) and
/// `attenuation` in [0.1, 4] (default 1: linear in dB; 2: "inverse square"). Guards outside
/// them: a `max_distance` of 0 or below, or a NaN `distance`, gives −80; the power term is
/// clamped to [0, 1] (it already lies there inside the ranges), so a negative exponent cannot
/// reach −∞.
///
/// ```
/// use mixer_core::spatial::attenuated_volume_db_2d;
/// assert_eq!(attenuated_volume_db_2d(0.0, 1000.0, 2000.0, 1.0), -40.0);
/// assert_eq!(attenuated_volume_db_2d(-6.0, 2500.0, 2000.0, 1.0), -80.0);
/// ```
pub fn attenuated_volume_db_2d(
    volume_db: f32,
    distance: f32,
    max_distance: f32,
    attenuation: f32,
) -> f32 {
    if distance.is_nan() || max_distance.is_nan() || distance > max_distance || max_distance <= 0.0
    {
        return -80.0;
    }
    volume_db - 80.0 * power_term(distance / max_distance, attenuation)
}

/// The original 3D player's volume (`AudioPlayer3D`): `−80` dB beyond `max_distance`, else
/// `volume_db − 80 · (d / max_distance)^attenuation` with `d = max(distance, 0.1)`.
///
/// The original's ranges are `max_distance` in [1, 1000] (default 100 world units) and
/// `attenuation` in [0.1, 4] (default 1). The guards are those of
/// [`attenuated_volume_db_2d`].
///
/// ```
/// use mixer_core::spatial::attenuated_volume_db_3d;
/// assert_eq!(attenuated_volume_db_3d(0.0, 50.0, 100.0, 1.0), -40.0);
/// // Closer than 0.1 counts as 0.1.
/// assert!((attenuated_volume_db_3d(0.0, 0.0, 100.0, 1.0) - -0.08).abs() < 1e-6);
/// ```
pub fn attenuated_volume_db_3d(
    volume_db: f32,
    distance: f32,
    max_distance: f32,
    attenuation: f32,
) -> f32 {
    if distance.is_nan() || max_distance.is_nan() || distance > max_distance || max_distance <= 0.0
    {
        return -80.0;
    }
    let d = if distance > 0.1 { distance } else { 0.1 };
    volume_db - 80.0 * power_term(d / max_distance, attenuation)
}

/// `ratio^exponent` clamped to [0, 1] (NaN → 0).
#[inline]
fn power_term(ratio: f32, exponent: f32) -> f32 {
    math::clamp(math::powf(ratio, exponent), 0.0, 1.0)
}

/// The original 2D pan: `clamp((source_x − listener_x) / max_distance, −1, 1)`, world X only
/// (Y is ignored). Pass `listener_x = 0` when there is no listener.
///
/// A NaN quotient (`0 / 0` with a `max_distance` of 0) gives 0.
///
/// ```
/// use mixer_core::spatial::pan_2d;
/// assert_eq!(pan_2d(500.0, 0.0, 2000.0), 0.25);
/// assert_eq!(pan_2d(-5000.0, 0.0, 2000.0), -1.0);
/// ```
pub fn pan_2d(source_x: f32, listener_x: f32, max_distance: f32) -> f32 {
    let p = (source_x - listener_x) / max_distance;
    if p.is_nan() {
        0.0
    } else {
        math::clamp(p, -1.0, 1.0)
    }
}

/// The original 3D pan: with `right = forward × up`, `clamp(dot(to_source / |to_source|,
/// right), −1, 1)` when `|to_source| > 0.01`, else 0.
///
/// `to_source` is the source's position minus the listener's; `forward` and `up` are the
/// listener's world basis vectors (unit and orthogonal for a node; `right` is not normalised,
/// as in the original). Without a listener the original uses forward `(0, 0, −1)` and up
/// `(0, 1, 0)`, so `right` is +X. No front/back or elevation cue. A NaN result (only possible
/// from overflowing inputs) gives 0.
///
/// ```
/// use mixer_core::spatial::pan_3d;
/// let (forward, up) = ([0.0, 0.0, -1.0], [0.0, 1.0, 0.0]);
/// assert_eq!(pan_3d([3.0, 0.0, 0.0], forward, up), 1.0);
/// assert_eq!(pan_3d([-1.0, 0.0, -1.0], forward, up), -core::f32::consts::FRAC_1_SQRT_2);
/// ```
pub fn pan_3d(to_source: Vec3, forward: Vec3, up: Vec3) -> f32 {
    let distance = length(to_source);
    if distance.is_nan() || distance <= 0.01 {
        return 0.0;
    }
    let right = cross(forward, up);
    let p = dot(div(to_source, distance), right);
    if p.is_nan() {
        0.0
    } else {
        math::clamp(p, -1.0, 1.0)
    }
}

/// The original 3D Doppler: the source's speed towards the listener,
/// `v_towards = dot(v, −to_source) / max(|to_source|, 0.1)`, shifts the pitch by
/// `factor = 1 + (v_towards / 343) · doppler_scale`, and the result is
/// `pitch_scale · clamp(factor, 0.5, 2)`. `doppler_scale ≤ 0` (the original's default, 0, is
/// off) gives `pitch_scale`.
///
/// The original takes `source_velocity` by finite difference of the node's position over the
/// frame (`(position − prev_position) / delta`, no Doppler when `delta` is 0) and ignores the
/// listener's velocity. `doppler_scale` ranges over [0, 4]. A NaN factor (only possible from
/// overflowing inputs) counts as 1.
///
/// ```
/// use mixer_core::spatial::doppler_pitch_original;
/// // A source 10 m ahead, approaching at 34.3 m/s: +10 %.
/// let p = doppler_pitch_original(1.0, [0.0, 0.0, 34.3], [0.0, 0.0, -10.0], 1.0);
/// assert!((p - 1.1).abs() < 1e-6);
/// ```
pub fn doppler_pitch_original(
    pitch_scale: f32,
    source_velocity: Vec3,
    to_source: Vec3,
    doppler_scale: f32,
) -> f32 {
    if doppler_scale.is_nan() || doppler_scale <= 0.0 {
        return pitch_scale;
    }
    let distance = length(to_source);
    let v_towards = dot(source_velocity, neg(to_source)) / distance.max(0.1);
    let factor = 1.0 + (v_towards / SPEED_OF_SOUND) * doppler_scale;
    let factor = if factor.is_nan() { 1.0 } else { factor };
    pitch_scale * math::clamp(factor, 0.5, 2.0)
}

// ---------------------------------------------------------------------------------------------
// The engine-side emitter model
// ---------------------------------------------------------------------------------------------

/// The smallest `min_distance` the attenuation models use; smaller values (0, negatives) are
/// raised to it so no model divides by zero.
pub const MIN_DISTANCE_FLOOR: f32 = 1e-3;

/// The Doppler ratio's numerator `c + f·v_l` and denominator `c + f·v_s` are each clamped to
/// `[DOPPLER_FLOOR·c, DOPPLER_CEILING·c]`: neither can reach zero or change sign (a source at or
/// above the speed of sound), and neither can overflow. The ratio lies in `[1e-4, 1e4]`.
const DOPPLER_FLOOR: f32 = 0.01;
/// See [`DOPPLER_FLOOR`].
const DOPPLER_CEILING: f32 = 100.0;

/// Where the sound is heard from: the engine-side listener.
///
/// ```
/// use mixer_core::spatial::Listener;
/// let l = Listener::default();
/// assert_eq!(l.forward, [0.0, 0.0, -1.0]);
/// assert_eq!(l.up, [0.0, 1.0, 0.0]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Listener {
    /// Position in world units. Default: the origin.
    pub position: Vec3,
    /// Velocity in world units per second. Default: still.
    pub velocity: Vec3,
    /// The facing direction (any length). Default: `(0, 0, −1)`.
    pub forward: Vec3,
    /// The up direction (any length, not parallel to `forward`). Default: `(0, 1, 0)`.
    pub up: Vec3,
}

impl Listener {
    /// The default forward, `(0, 0, −1)`.
    pub const FORWARD: Vec3 = [0.0, 0.0, -1.0];
    /// The default up, `(0, 1, 0)`.
    pub const UP: Vec3 = [0.0, 1.0, 0.0];

    /// The listener made total: every NaN component becomes the default's component,
    /// infinities clamp to `±f32::MAX`, a zero-length `forward` or `up` becomes its default,
    /// and if `forward` and `up` are then (nearly) parallel, so that no right-hand direction
    /// exists, both become their defaults. Lengths are otherwise kept.
    ///
    /// Callers reject NaN before it gets here; this only keeps [`spatialize`] total.
    ///
    /// ```
    /// use mixer_core::spatial::Listener;
    /// let l = Listener { forward: [0.0, 2.0, 0.0], ..Listener::default() }.sanitized();
    /// assert_eq!((l.forward, l.up), (Listener::FORWARD, Listener::UP));
    /// ```
    pub fn sanitized(&self) -> Self {
        let d = Self::default();
        let position = sanitize_vec(self.position, d.position);
        let velocity = sanitize_vec(self.velocity, d.velocity);
        let forward = sanitize_direction(self.forward, Self::FORWARD);
        let up = sanitize_direction(self.up, Self::UP);
        let (forward, up) = if length(cross(normalize(forward), normalize(up))) < PARALLEL {
            (Self::FORWARD, Self::UP)
        } else {
            (forward, up)
        };
        Self {
            position,
            velocity,
            forward,
            up,
        }
    }

    /// The unit right-hand direction, `normalize(forward × up)`, of a sanitized listener.
    fn right(&self) -> Vec3 {
        normalize(cross(normalize(self.forward), normalize(self.up)))
    }
}

impl Default for Listener {
    fn default() -> Self {
        Self {
            position: [0.0; 3],
            velocity: [0.0; 3],
            forward: Self::FORWARD,
            up: Self::UP,
        }
    }
}

/// Unit `forward` and `up` whose cross product is shorter than this (the sine of the angle
/// between them, about 0.006°) count as parallel.
const PARALLEL: f32 = 1e-4;

/// `v` sanitized as a direction: NaN components from `default`, infinities clamped, and
/// `default` if the result has zero length.
fn sanitize_direction(v: Vec3, default: Vec3) -> Vec3 {
    let v = sanitize_vec(v, default);
    if length(v) > 0.0 { v } else { default }
}

/// How gain falls with distance: miniaudio's attenuation models.
///
/// With `d = clamp(distance, min_distance, max_distance)`:
/// - [`None`](Attenuation::None): 1;
/// - [`Inverse`](Attenuation::Inverse): `min / (min + rolloff · (d − min))`;
/// - [`Linear`](Attenuation::Linear): `1 − rolloff · (d − min) / (max − min)`, clamped to [0, 1];
/// - [`Exponential`](Attenuation::Exponential): `(d / min)^(−rolloff)`.
///
/// Every model is 1 up to `min_distance` and constant beyond `max_distance`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Attenuation {
    /// No distance attenuation.
    None,
    /// `min / (min + rolloff · (d − min))`: halves at twice `min_distance` (rolloff 1).
    #[default]
    Inverse,
    /// Linear from 1 at `min_distance` to `1 − rolloff` at `max_distance`.
    Linear,
    /// `(d / min)^(−rolloff)`: −6 dB per doubling of distance at rolloff 1.
    Exponential,
}

impl Attenuation {
    /// The gain of this model at `distance` (see [`Attenuation`]), in [0, 1].
    ///
    /// Guards (miniaudio has only the first): if `max_distance ≤ min_distance` there is no
    /// attenuation (1, which is also every model's value at `d = min`); `min_distance` below
    /// [`MIN_DISTANCE_FLOOR`] (0, negative, NaN) is raised to it; a negative or NaN `rolloff`
    /// counts as 0; a NaN `distance` counts as `min_distance`; a NaN `max_distance` counts as
    /// `f32::MAX`.
    ///
    /// ```
    /// use mixer_core::spatial::Attenuation;
    /// assert_eq!(Attenuation::Inverse.gain(4.0, 1.0, 100.0, 1.0), 0.25);
    /// assert_eq!(Attenuation::Linear.gain(6.0, 1.0, 11.0, 1.0), 0.5);
    /// assert_eq!(Attenuation::Exponential.gain(4.0, 1.0, 100.0, 2.0), 0.0625);
    /// ```
    pub fn gain(self, distance: f32, min_distance: f32, max_distance: f32, rolloff: f32) -> f32 {
        let min = if min_distance >= MIN_DISTANCE_FLOOR {
            min_distance
        } else {
            MIN_DISTANCE_FLOOR
        };
        let max = if max_distance.is_nan() {
            f32::MAX
        } else {
            max_distance
        };
        if max <= min {
            return 1.0;
        }
        let rolloff = if rolloff > 0.0 { rolloff } else { 0.0 };
        let d = math::clamp(distance, min, max);
        let g = match self {
            Self::None => 1.0,
            Self::Inverse => min / (min + rolloff * (d - min)),
            Self::Linear => 1.0 - rolloff * (d - min) / (max - min),
            Self::Exponential => math::powf(d / min, -rolloff),
        };
        math::clamp(g, 0.0, 1.0)
    }
}

/// A sound cone: full gain within `inner_angle / 2` of the emitter's direction, `outer_gain`
/// beyond `outer_angle / 2`, and in between a linear interpolation **on the cosine** of the
/// angle, as miniaudio does.
///
/// The default (`2π`, `2π`, 1) is omnidirectional.
///
/// ```
/// use core::f32::consts::PI;
/// use mixer_core::spatial::Cone;
/// // A 90° cone that falls to 0.25 outside 180°.
/// let cone = Cone { inner_angle: PI / 2.0, outer_angle: PI, outer_gain: 0.25 };
/// assert_eq!(cone.gain([0.0, 0.0, -1.0], [0.0, 0.0, -5.0]), 1.0); // on axis
/// assert_eq!(cone.gain([0.0, 0.0, -1.0], [0.0, 0.0, 5.0]), 0.25); // behind
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Cone {
    /// Full angle of the full-gain cone, in radians (0 to 2π). Default: 2π.
    pub inner_angle: f32,
    /// Full angle beyond which the gain is `outer_gain`, in radians (`inner_angle` to 2π).
    /// Default: 2π.
    pub outer_angle: f32,
    /// The gain outside the outer cone, in [0, 1]. Default: 1.
    pub outer_gain: f32,
}

impl Default for Cone {
    fn default() -> Self {
        Self {
            inner_angle: TAU,
            outer_angle: TAU,
            outer_gain: 1.0,
        }
    }
}

impl Cone {
    /// The cone made total: NaN angles become 2π and NaN `outer_gain` 1; `inner_angle` is
    /// clamped to [0, 2π], `outer_angle` to [`inner_angle`, 2π] and `outer_gain` to [0, 1].
    ///
    /// ```
    /// use mixer_core::spatial::Cone;
    /// let c = Cone { inner_angle: 2.0, outer_angle: 1.0, outer_gain: f32::NAN }.sanitized();
    /// assert_eq!(c, Cone { inner_angle: 2.0, outer_angle: 2.0, outer_gain: 1.0 });
    /// ```
    pub fn sanitized(&self) -> Self {
        let inner_angle = sanitize_scalar(self.inner_angle, TAU, 0.0, TAU);
        Self {
            inner_angle,
            outer_angle: sanitize_scalar(self.outer_angle, TAU, inner_angle, TAU),
            outer_gain: sanitize_scalar(self.outer_gain, 1.0, 0.0, 1.0),
        }
    }

    /// The cone's gain, in [0, 1], for a listener at `to_listener` (the vector from the emitter
    /// to the listener) from an emitter facing `direction` (any length).
    ///
    /// With `cos θ = dot(direction, to_listener)` of the unit vectors, `ci = cos(inner / 2)` and
    /// `co = cos(outer / 2)`: 1 if `cos θ > ci`; `outer_gain` if `cos θ ≤ co`; else
    /// `outer_gain + (1 − outer_gain) · (cos θ − co) / (ci − co)`. An `inner_angle` of 2π or more
    /// is omnidirectional (1), and so is a zero `direction` or `to_listener`. The cone is
    /// [sanitized](Cone::sanitized) first.
    pub fn gain(&self, direction: Vec3, to_listener: Vec3) -> f32 {
        self.sanitized().gain_sanitized(direction, to_listener)
    }

    /// [`gain`](Self::gain) of a cone already sanitized.
    fn gain_sanitized(&self, direction: Vec3, to_listener: Vec3) -> f32 {
        let cone = self;
        if cone.inner_angle >= TAU {
            return 1.0;
        }
        let a = normalize(direction);
        let b = normalize(to_listener);
        if a == [0.0; 3] || b == [0.0; 3] {
            return 1.0;
        }
        let cos = dot(a, b);
        let ci = math::cos(cone.inner_angle * 0.5);
        let co = math::cos(cone.outer_angle * 0.5);
        if cos > ci {
            1.0
        } else if cos > co {
            // co < cos ≤ ci, so ci − co > 0 and t is in (0, 1].
            let t = (cos - co) / (ci - co);
            math::clamp(cone.outer_gain * (1.0 - t) + t, 0.0, 1.0)
        } else {
            cone.outer_gain
        }
    }
}

/// A sound source in the world: the engine-side emitter.
///
/// ```
/// use mixer_core::spatial::{Attenuation, Emitter};
/// // A linear fall from 1 m to 50 m.
/// let e = Emitter {
///     position: [4.0, 0.0, 0.0],
///     attenuation: Attenuation::Linear,
///     max_distance: 50.0,
///     ..Emitter::default()
/// };
/// assert_eq!(e.min_distance, 1.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Emitter {
    /// Position in world units. Default: the origin.
    pub position: Vec3,
    /// Velocity in world units per second. Default: still.
    pub velocity: Vec3,
    /// The direction the emitter faces, for its [`Cone`] (any length). Default: `(0, 0, −1)`.
    pub direction: Vec3,
    /// The distance up to which there is no attenuation. Default: 1.
    pub min_distance: f32,
    /// The distance beyond which attenuation stops growing. Default: `f32::MAX`, as in
    /// miniaudio: no limit. Set a finite value for [`Attenuation::Linear`], which spreads its
    /// fall over `min_distance..max_distance` (with `f32::MAX` it barely attenuates at all).
    pub max_distance: f32,
    /// How fast gain falls with distance (0: not at all). Default: 1.
    pub rolloff: f32,
    /// The distance model. Default: [`Attenuation::Inverse`].
    pub attenuation: Attenuation,
    /// The directional cone. Default: omnidirectional.
    pub cone: Cone,
    /// Scales the Doppler effect (0: none; 1: physical). Default: 1.
    pub doppler_factor: f32,
    /// How the direction to the emitter becomes left and right gains. Default:
    /// [`PanLaw::Speakers`] (the original engine's; the far ear never silent).
    pub pan_law: PanLaw,
}

impl Default for Emitter {
    fn default() -> Self {
        Self {
            position: [0.0; 3],
            velocity: [0.0; 3],
            direction: Self::DIRECTION,
            min_distance: 1.0,
            max_distance: f32::MAX,
            rolloff: 1.0,
            attenuation: Attenuation::Inverse,
            cone: Cone::default(),
            doppler_factor: 1.0,
            pan_law: PanLaw::Speakers,
        }
    }
}

impl Emitter {
    /// The default direction, `(0, 0, −1)`.
    pub const DIRECTION: Vec3 = [0.0, 0.0, -1.0];

    /// The emitter made total: NaN fields (and NaN components) become their defaults and
    /// infinities clamp to `±f32::MAX`; a zero-length `direction` becomes the default;
    /// `min_distance` is raised to at least [`MIN_DISTANCE_FLOOR`], `max_distance` to at least
    /// `min_distance` (equal distances: no attenuation), `rolloff` and
    /// `doppler_factor` to at least 0; the cone is [sanitized](Cone::sanitized).
    ///
    /// Callers reject NaN before it gets here; this only keeps [`spatialize`] total.
    ///
    /// ```
    /// use mixer_core::spatial::Emitter;
    /// let e = Emitter { min_distance: 0.0, max_distance: -1.0, rolloff: -2.0, ..Emitter::default() };
    /// let s = e.sanitized();
    /// assert_eq!((s.min_distance, s.max_distance, s.rolloff), (0.001, 0.001, 0.0));
    /// ```
    pub fn sanitized(&self) -> Self {
        let d = Self::default();
        let min_distance = sanitize_scalar(
            self.min_distance,
            d.min_distance,
            MIN_DISTANCE_FLOOR,
            f32::MAX,
        );
        Self {
            position: sanitize_vec(self.position, d.position),
            velocity: sanitize_vec(self.velocity, d.velocity),
            direction: sanitize_direction(self.direction, Self::DIRECTION),
            min_distance,
            max_distance: sanitize_scalar(
                self.max_distance,
                d.max_distance,
                min_distance,
                f32::MAX,
            ),
            rolloff: sanitize_scalar(self.rolloff, d.rolloff, 0.0, f32::MAX),
            attenuation: self.attenuation,
            cone: self.cone.sanitized(),
            doppler_factor: sanitize_scalar(self.doppler_factor, d.doppler_factor, 0.0, f32::MAX),
            pan_law: self.pan_law,
        }
    }
}

/// What [`spatialize`] gives a voice: a linear gain, a pan and a pitch ratio.
///
/// The default is the identity: gain 1, centred, pitch 1.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Spatialized {
    /// Linear gain in [0, 1]: distance attenuation times the cone.
    pub gain: f32,
    /// Pan in [−1, 1], for the emitter's [`PanLaw`].
    pub pan: f32,
    /// Doppler pitch ratio (multiplies the voice's own pitch), in `[1e-4, 1e4]`.
    pub pitch: f32,
}

impl Default for Spatialized {
    fn default() -> Self {
        Self {
            gain: 1.0,
            pan: 0.0,
            pitch: 1.0,
        }
    }
}

/// Evaluate `emitter` as heard by `listener`. Both are [sanitized](Emitter::sanitized) first,
/// so the result is finite for any input, NaN included.
///
/// With `u` the unit vector from the listener to the emitter and `distance` between them:
/// - `gain = attenuation.gain(distance, …) · cone.gain(direction, −u)`;
/// - `pan = dot(u, right)` with `right = normalize(forward × up)`: +1 at the listener's right,
///   −1 at the left, 0 straight ahead, behind, above or below;
/// - `pitch = (c + f·v_l) / (c + f·v_s)` with `c` = [`SPEED_OF_SOUND`], `f` =
///   `doppler_factor`, `v_l = dot(listener.velocity, u)` (positive when the listener moves
///   towards the emitter) and `v_s = dot(emitter.velocity, u)` (positive when the emitter moves
///   away). Numerator and denominator are each clamped to `[0.01·c, 100·c]`, so a source at or
///   beyond the speed of sound gives a large but finite, positive ratio; `f = 0` gives 1.
///
/// An emitter on the listener's position has gain `attenuation.gain(0) = 1`, no cone, pan 0 and
/// pitch 1.
///
/// ```
/// use mixer_core::spatial::{spatialize, Emitter, Listener};
/// // 10 m straight ahead, approaching at 20 m/s.
/// let e = Emitter {
///     position: [0.0, 0.0, -10.0],
///     velocity: [0.0, 0.0, 20.0],
///     ..Emitter::default()
/// };
/// let s = spatialize(&Listener::default(), &e);
/// assert!((s.gain - 0.1).abs() < 1e-6); // inverse: 1 / (1 + 9)
/// assert_eq!(s.pan, 0.0);
/// assert!((s.pitch - 343.0 / 323.0).abs() < 1e-6);
/// ```
pub fn spatialize(listener: &Listener, emitter: &Emitter) -> Spatialized {
    ListenerFrame::new(listener).spatialize(emitter)
}

/// A listener prepared once for many emitters: [sanitized](Listener::sanitized), with its
/// right-hand axis worked out. [`ListenerFrame::spatialize`] gives exactly the bits of
/// [`spatialize`], without redoing the listener's half of the work for every emitter.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ListenerFrame {
    listener: Listener,
    right: Vec3,
}

impl ListenerFrame {
    /// Prepare `listener`.
    pub fn new(listener: &Listener) -> Self {
        let listener = listener.sanitized();
        Self {
            right: listener.right(),
            listener,
        }
    }

    /// How `emitter` is heard by this listener (see [`spatialize`]).
    pub fn spatialize(&self, emitter: &Emitter) -> Spatialized {
        spatialize_sane(&self.listener, self.right, &emitter.sanitized())
    }

    /// [`spatialize`](Self::spatialize) for an emitter already [sanitized](Emitter::sanitized)
    /// (the renderer's are: the controller sanitizes what it sends), skipping the second pass:
    /// the same bits, as sanitizing is idempotent.
    pub(crate) fn spatialize_sanitized(&self, emitter: &Emitter) -> Spatialized {
        spatialize_sane(&self.listener, self.right, emitter)
    }
}

impl Default for ListenerFrame {
    fn default() -> Self {
        Self::new(&Listener::default())
    }
}

/// [`spatialize`] of a sanitized listener (with its `right` axis) and a sanitized emitter.
fn spatialize_sane(l: &Listener, right: Vec3, e: &Emitter) -> Spatialized {
    let (delta, k) = offset(e.position, l.position);
    let u = normalize(delta);
    if u == [0.0; 3] {
        return Spatialized {
            gain: e
                .attenuation
                .gain(0.0, e.min_distance, e.max_distance, e.rolloff),
            pan: 0.0,
            pitch: 1.0,
        };
    }
    let distance = k * length(delta);
    let gain = e
        .attenuation
        .gain(distance, e.min_distance, e.max_distance, e.rolloff)
        * e.cone.gain_sanitized(e.direction, neg(u));
    let pan = math::clamp(dot(u, right), -1.0, 1.0);
    let pitch = doppler(l.velocity, e.velocity, u, e.doppler_factor);
    Spatialized { gain, pan, pitch }
}

/// The physical Doppler ratio (see [`spatialize`]).
fn doppler(listener_velocity: Vec3, emitter_velocity: Vec3, u: Vec3, factor: f32) -> f32 {
    if factor.is_nan() || factor <= 0.0 {
        return 1.0;
    }
    let c = SPEED_OF_SOUND;
    let (lo, hi) = (DOPPLER_FLOOR * c, DOPPLER_CEILING * c);
    let vl = dot(listener_velocity, u);
    let vs = dot(emitter_velocity, u);
    let num = math::clamp(c + factor * vl, lo, hi);
    let den = math::clamp(c + factor * vs, lo, hi);
    num / den
}

#[cfg(test)]
mod tests {
    use core::f32::consts::{FRAC_1_SQRT_2, PI};

    use super::*;
    use crate::tests::near;

    fn close(a: f32, b: f32, tol: f32) {
        near(f64::from(a), f64::from(b), f64::from(tol));
    }

    fn at(position: Vec3) -> Emitter {
        Emitter {
            position,
            ..Emitter::default()
        }
    }

    fn finite(s: Spatialized) -> bool {
        s.gain.is_finite() && s.pan.is_finite() && s.pitch.is_finite()
    }

    // --- the original model ---------------------------------------------------------------

    /// Tests the 2D volume at several distances, including beyond max_distance and exponents
    /// 1 and 2.
    #[test]
    fn original_volume_2d() {
        assert_eq!(attenuated_volume_db_2d(0.0, 0.0, 2000.0, 1.0), 0.0);
        assert_eq!(attenuated_volume_db_2d(0.0, 500.0, 2000.0, 1.0), -20.0);
        assert_eq!(attenuated_volume_db_2d(-6.0, 1000.0, 2000.0, 1.0), -46.0);
        assert_eq!(attenuated_volume_db_2d(0.0, 1000.0, 2000.0, 2.0), -20.0);
        assert_eq!(attenuated_volume_db_2d(0.0, 2000.0, 2000.0, 1.0), -80.0);
        assert_eq!(attenuated_volume_db_2d(0.0, 2000.5, 2000.0, 1.0), -80.0);
        assert_eq!(attenuated_volume_db_2d(10.0, 1e9, 2000.0, 1.0), -80.0);
        // Exponent 0.5 at a quarter: 80 · 0.5.
        close(
            attenuated_volume_db_2d(0.0, 500.0, 2000.0, 0.5),
            -40.0,
            1e-4,
        );
    }

    /// Tests the 3D volume, its 0.1 floor and the −80 beyond max_distance.
    #[test]
    fn original_volume_3d() {
        assert_eq!(attenuated_volume_db_3d(0.0, 25.0, 100.0, 1.0), -20.0);
        assert_eq!(attenuated_volume_db_3d(0.0, 100.0, 100.0, 1.0), -80.0);
        assert_eq!(attenuated_volume_db_3d(0.0, 100.01, 100.0, 1.0), -80.0);
        // Below 0.1 the distance counts as 0.1: 80 · 0.001.
        let floor = attenuated_volume_db_3d(0.0, 0.1, 100.0, 1.0);
        close(floor, -0.08, 1e-6);
        assert_eq!(attenuated_volume_db_3d(0.0, 0.0, 100.0, 1.0), floor);
        assert_eq!(attenuated_volume_db_3d(0.0, 0.05, 100.0, 1.0), floor);
        // Exponent 2 at the floor: 80 · 1e-6.
        close(
            attenuated_volume_db_3d(-3.0, 0.0, 100.0, 2.0),
            -3.000_08,
            1e-6,
        );
        // 2D has no floor.
        assert_eq!(attenuated_volume_db_2d(0.0, 0.0, 100.0, 1.0), 0.0);
    }

    /// Tests that out-of-range original parameters give finite volumes.
    #[test]
    fn original_volume_guards() {
        assert_eq!(attenuated_volume_db_2d(0.0, 0.0, 0.0, 1.0), -80.0);
        assert_eq!(attenuated_volume_db_3d(0.0, 0.0, -5.0, 1.0), -80.0);
        assert_eq!(attenuated_volume_db_2d(0.0, f32::NAN, 100.0, 1.0), -80.0);
        assert_eq!(attenuated_volume_db_2d(0.0, 0.0, 100.0, -1.0), -80.0);
        assert!(attenuated_volume_db_3d(0.0, 0.0, 100.0, -4.0).is_finite());
    }

    /// Tests the 2D pan and its clamp.
    #[test]
    fn original_pan_2d() {
        assert_eq!(pan_2d(0.0, 0.0, 2000.0), 0.0);
        assert_eq!(pan_2d(1500.0, 1000.0, 2000.0), 0.25);
        assert_eq!(pan_2d(-1000.0, 0.0, 2000.0), -0.5);
        assert_eq!(pan_2d(2000.0, 0.0, 2000.0), 1.0);
        assert_eq!(pan_2d(9000.0, 0.0, 2000.0), 1.0);
        assert_eq!(pan_2d(-9000.0, 0.0, 2000.0), -1.0);
        assert_eq!(pan_2d(0.0, 0.0, 0.0), 0.0);
        assert_eq!(pan_2d(1.0, 0.0, 0.0), 1.0);
    }

    /// Tests the 3D pan for an unrotated listener and one facing +X.
    #[test]
    fn original_pan_3d() {
        let (f, u) = ([0.0, 0.0, -1.0], [0.0, 1.0, 0.0]);
        assert_eq!(pan_3d([5.0, 0.0, 0.0], f, u), 1.0);
        assert_eq!(pan_3d([-5.0, 0.0, 0.0], f, u), -1.0);
        assert_eq!(pan_3d([0.0, 0.0, -5.0], f, u), 0.0);
        assert_eq!(pan_3d([0.0, 0.0, 5.0], f, u), 0.0);
        assert_eq!(pan_3d([0.0, 5.0, 0.0], f, u), 0.0);
        close(pan_3d([3.0, 0.0, -4.0], f, u), 0.6, 1e-7);
        // Within 0.01 of the listener: centred.
        assert_eq!(pan_3d([0.009, 0.0, 0.0], f, u), 0.0);
        assert_eq!(pan_3d([0.011, 0.0, 0.0], f, u), 1.0);
        // Facing +X with +Y up, right = (1,0,0) × (0,1,0) = +Z.
        let f = [1.0, 0.0, 0.0];
        assert_eq!(cross(f, u), [0.0, 0.0, 1.0]);
        assert_eq!(pan_3d([0.0, 0.0, 2.0], f, u), 1.0);
        assert_eq!(pan_3d([0.0, 0.0, -2.0], f, u), -1.0);
        assert_eq!(pan_3d([2.0, 0.0, 0.0], f, u), 0.0);
        // Right is not normalised, as in the original: a long basis saturates.
        assert_eq!(pan_3d([1.0, 0.0, -1.0], [0.0, 0.0, -4.0], u), 1.0);
    }

    /// Tests the original Doppler approaching, receding, its 0.5/2 clamp and the off switch.
    #[test]
    fn original_doppler() {
        let ahead = [0.0, 0.0, -10.0];
        let towards = [0.0, 0.0, 20.0];
        let away = [0.0, 0.0, -20.0];
        close(
            doppler_pitch_original(1.0, towards, ahead, 1.0),
            1.0 + 20.0 / 343.0,
            1e-6,
        );
        close(
            doppler_pitch_original(1.0, away, ahead, 1.0),
            1.0 - 20.0 / 343.0,
            1e-6,
        );
        close(
            doppler_pitch_original(2.0, towards, ahead, 4.0),
            2.0 * (1.0 + 80.0 / 343.0),
            1e-6,
        );
        // Sideways motion: no shift.
        assert_eq!(
            doppler_pitch_original(1.0, [20.0, 0.0, 0.0], ahead, 1.0),
            1.0
        );
        // The clamp.
        assert_eq!(
            doppler_pitch_original(1.0, [0.0, 0.0, 1000.0], ahead, 1.0),
            2.0
        );
        assert_eq!(
            doppler_pitch_original(1.5, [0.0, 0.0, -1000.0], ahead, 1.0),
            0.75
        );
        // Off.
        assert_eq!(doppler_pitch_original(1.25, towards, ahead, 0.0), 1.25);
        assert_eq!(doppler_pitch_original(1.25, towards, ahead, -1.0), 1.25);
        // The 0.1 floor on the distance: 20 m/s towards, 0.05 m away → dot 1, / 0.1 → 10 m/s.
        let near_source = [0.0, 0.0, -0.05];
        close(
            doppler_pitch_original(1.0, towards, near_source, 1.0),
            1.0 + 10.0 / 343.0,
            1e-6,
        );
        assert_eq!(doppler_pitch_original(1.0, towards, [0.0; 3], 1.0), 1.0);
        // Overflowing inputs: finite.
        let big = [1e30, -1e30, 1e30];
        assert!(doppler_pitch_original(1.0, big, big, 1.0).is_finite());
    }

    // --- the engine model -----------------------------------------------------------------

    /// Tests the inverse model at, inside, between and beyond its distances.
    #[test]
    fn inverse_attenuation() {
        let g = |d| Attenuation::Inverse.gain(d, 1.0, 100.0, 1.0);
        assert_eq!(g(0.0), 1.0);
        assert_eq!(g(0.5), 1.0);
        assert_eq!(g(1.0), 1.0);
        assert_eq!(g(2.0), 0.5);
        assert_eq!(g(4.0), 0.25);
        assert_eq!(g(100.0), 0.01);
        assert_eq!(g(1000.0), g(100.0));
        // min 2, rolloff 0.5 at 10: 2 / (2 + 0.5 · 8) = 1/3.
        close(
            Attenuation::Inverse.gain(10.0, 2.0, 100.0, 0.5),
            1.0 / 3.0,
            1e-7,
        );
        // The default, unbounded max_distance.
        let e = Emitter::default();
        close(
            Attenuation::Inverse.gain(1e6, e.min_distance, e.max_distance, e.rolloff),
            1.0 / 1e6,
            1e-9,
        );
        assert_eq!(
            Attenuation::Inverse.gain(f32::INFINITY, 1.0, f32::MAX, 2.0),
            0.0
        );
    }

    /// Tests the linear model, including rolloff above 1 (clamped to 0).
    #[test]
    fn linear_attenuation() {
        let g = |d| Attenuation::Linear.gain(d, 1.0, 11.0, 1.0);
        assert_eq!(g(0.0), 1.0);
        assert_eq!(g(1.0), 1.0);
        assert_eq!(g(6.0), 0.5);
        assert_eq!(g(8.5), 0.25);
        assert_eq!(g(11.0), 0.0);
        assert_eq!(g(50.0), g(11.0));
        // Rolloff 0.5 ends at 0.5.
        assert_eq!(Attenuation::Linear.gain(50.0, 1.0, 11.0, 0.5), 0.5);
        assert_eq!(Attenuation::Linear.gain(6.0, 1.0, 11.0, 0.5), 0.75);
        // Rolloff 2 reaches 0 half way.
        assert_eq!(Attenuation::Linear.gain(6.0, 1.0, 11.0, 2.0), 0.0);
        assert_eq!(Attenuation::Linear.gain(8.0, 1.0, 11.0, 2.0), 0.0);
    }

    /// Tests the exponential model and the none model.
    #[test]
    fn exponential_and_no_attenuation() {
        let g = |d, r| Attenuation::Exponential.gain(d, 1.0, 100.0, r);
        assert_eq!(g(0.5, 1.0), 1.0);
        assert_eq!(g(1.0, 1.0), 1.0);
        assert_eq!(g(4.0, 1.0), 0.25);
        assert_eq!(g(4.0, 2.0), 0.0625);
        close(g(10.0, 0.5), 1.0 / math::sqrt(10.0), 1e-7);
        assert_eq!(g(100.0, 1.0), 0.01);
        assert_eq!(g(1e6, 1.0), g(100.0, 1.0));
        // min 2: (8 / 2)^−1.
        assert_eq!(Attenuation::Exponential.gain(8.0, 2.0, 100.0, 1.0), 0.25);
        for d in [0.0, 1.0, 50.0, 1e9] {
            assert_eq!(Attenuation::None.gain(d, 1.0, 100.0, 1.0), 1.0);
        }
    }

    /// Tests the attenuation guards: min ≥ max, min ≤ 0, negative and NaN rolloff, NaN distance.
    #[test]
    fn attenuation_guards() {
        for model in [
            Attenuation::Inverse,
            Attenuation::Linear,
            Attenuation::Exponential,
        ] {
            assert_eq!(model.gain(5.0, 10.0, 10.0, 1.0), 1.0);
            assert_eq!(model.gain(5.0, 10.0, 2.0, 1.0), 1.0);
            assert_eq!(model.gain(50.0, 1.0, 100.0, -1.0), 1.0);
            assert_eq!(model.gain(50.0, 1.0, 100.0, f32::NAN), 1.0);
            assert_eq!(model.gain(f32::NAN, 1.0, 100.0, 1.0), 1.0);
            for min in [0.0, -3.0, f32::NAN] {
                let g = model.gain(0.0, min, 100.0, 1.0);
                assert_eq!(g, 1.0, "{model:?} min {min}");
                let g = model.gain(10.0, min, 100.0, 1.0);
                assert!(g.is_finite() && (0.0..1.0).contains(&g), "{model:?} {g}");
            }
            let g = model.gain(10.0, 1.0, f32::NAN, 1.0);
            assert!(g.is_finite() && (0.0..=1.0).contains(&g));
            let g = model.gain(f32::MAX, 1e-30, f32::MAX, f32::MAX);
            assert!(g.is_finite() && (0.0..=1.0).contains(&g));
        }
        // min 0 is raised to the floor: inverse at 1 m is 0.001 / (0.001 + 0.999).
        close(Attenuation::Inverse.gain(1.0, 0.0, 100.0, 1.0), 0.001, 1e-9);
    }

    /// Tests the cone inside, outside and between (interpolated on the cosine).
    #[test]
    fn cone_gain() {
        let cone = Cone {
            inner_angle: PI / 2.0, // ±45°
            outer_angle: PI,       // ±90°
            outer_gain: 0.2,
        };
        let dir = [0.0, 0.0, -1.0];
        assert_eq!(cone.gain(dir, [0.0, 0.0, -3.0]), 1.0);
        // 30° off axis: inside.
        let (s, c) = (math::sin(PI / 6.0), math::cos(PI / 6.0));
        assert_eq!(cone.gain(dir, [s, 0.0, -c]), 1.0);
        // Beyond 90°: outside. At exactly 90°, cos θ = 0 is just above the f32 cos(π/2) of
        // −4.4e-8, so the gain is a hair above outer_gain.
        close(cone.gain(dir, [1.0, 0.0, 0.0]), 0.2, 1e-6);
        assert_eq!(cone.gain(dir, [1.0, 0.0, 0.01]), 0.2);
        assert_eq!(cone.gain(dir, [0.0, 0.0, 1.0]), 0.2);
        assert_eq!(cone.gain(dir, [0.0, -1.0, 1.0]), 0.2);
        // 60°: cos 0.5 between co = 0 and ci = √½: 0.2 + 0.8 · 0.5 / √½.
        let (s, c) = (math::sin(PI / 3.0), math::cos(PI / 3.0));
        let t = 0.5 / FRAC_1_SQRT_2;
        close(cone.gain(dir, [0.0, s, -c]), 0.2 + 0.8 * t, 1e-6);
        // On the cosine, not the angle: 67.5° is half way in angle (which would give 0.6), but
        // cos 67.5° / cos 45° = 0.5412 of the way in cosine: 0.6330.
        let a = 3.0 * PI / 8.0;
        let g = cone.gain(dir, [math::sin(a), 0.0, -math::cos(a)]);
        close(g, 0.2 + 0.8 * math::cos(a) / FRAC_1_SQRT_2, 1e-6);
        close(g, 0.632_95, 1e-5);
        // The direction's length does not matter.
        close(
            cone.gain([0.0, 0.0, -7.0], [0.0, s, -c]),
            0.2 + 0.8 * t,
            1e-6,
        );
        // The default is omnidirectional; a zero vector disables the cone.
        assert_eq!(Cone::default().gain(dir, [0.0, 0.0, 1.0]), 1.0);
        assert_eq!(cone.gain([0.0; 3], [0.0, 0.0, 1.0]), 1.0);
        // A hard edge: inner = outer.
        let hard = Cone {
            inner_angle: PI / 2.0,
            outer_angle: PI / 2.0,
            outer_gain: 0.0,
        };
        assert_eq!(hard.gain(dir, [0.0, 0.0, -1.0]), 1.0);
        assert_eq!(hard.gain(dir, [1.0, 0.0, -0.9]), 0.0);
        // NaN and out-of-range cones.
        let bad = Cone {
            inner_angle: f32::NAN,
            outer_angle: -1.0,
            outer_gain: 5.0,
        };
        assert_eq!(bad.sanitized(), Cone::default());
        let g = Cone {
            inner_angle: 1.0,
            outer_angle: f32::NAN,
            outer_gain: -1.0,
        }
        .gain(dir, [0.0, 0.0, 1.0]);
        assert_eq!(g, 0.0);
    }

    /// Tests the cone through spatialize: the emitter faces away from the listener.
    #[test]
    fn cone_in_spatialize() {
        let cone = Cone {
            inner_angle: PI / 2.0,
            outer_angle: PI,
            outer_gain: 0.25,
        };
        // Emitter 2 m ahead facing the listener (+Z): inverse 0.5, cone 1.
        let facing = Emitter {
            position: [0.0, 0.0, -2.0],
            direction: [0.0, 0.0, 1.0],
            cone,
            ..Emitter::default()
        };
        assert_eq!(spatialize(&Listener::default(), &facing).gain, 0.5);
        let away = Emitter {
            direction: [0.0, 0.0, -1.0],
            ..facing
        };
        assert_eq!(spatialize(&Listener::default(), &away).gain, 0.125);
        // On the listener: no cone.
        let on = Emitter {
            position: [0.0; 3],
            ..away
        };
        assert_eq!(spatialize(&Listener::default(), &on).gain, 1.0);
    }

    /// Tests pan for sources at the right, left, ahead, behind, above and on the listener.
    #[test]
    fn pan() {
        let l = Listener::default();
        let pan = |p| spatialize(&l, &at(p)).pan;
        assert_eq!(pan([5.0, 0.0, 0.0]), 1.0);
        assert_eq!(pan([-5.0, 0.0, 0.0]), -1.0);
        assert_eq!(pan([0.0, 0.0, -5.0]), 0.0);
        assert_eq!(pan([0.0, 0.0, 5.0]), 0.0);
        assert_eq!(pan([0.0, 5.0, 0.0]), 0.0);
        assert_eq!(pan([0.0, -5.0, 0.0]), 0.0);
        assert_eq!(pan([0.0; 3]), 0.0);
        close(pan([3.0, 0.0, -4.0]), 0.6, 1e-7);
        close(pan([-1.0, 1.0, 1.0]), -1.0 / math::sqrt(3.0), 1e-7);
        // Relative to the listener's position.
        let moved = Listener {
            position: [10.0, 0.0, 0.0],
            ..l
        };
        assert_eq!(spatialize(&moved, &at([5.0, 0.0, 0.0])).pan, -1.0);
        // A listener facing +X: +Z is right, and lengths of forward/up do not matter.
        let turned = Listener {
            forward: [3.0, 0.0, 0.0],
            up: [0.0, 0.5, 0.0],
            ..l
        };
        assert_eq!(spatialize(&turned, &at([0.0, 0.0, 2.0])).pan, 1.0);
        assert_eq!(spatialize(&turned, &at([0.0, 0.0, -2.0])).pan, -1.0);
        assert_eq!(spatialize(&turned, &at([2.0, 0.0, 0.0])).pan, 0.0);
        // A listener lying on its right side (up = +X): the right is −Y.
        let rolled = Listener {
            up: [1.0, 0.0, 0.0],
            ..l
        };
        assert_eq!(spatialize(&rolled, &at([0.0, -3.0, 0.0])).pan, 1.0);
        // Non-orthogonal up: right is still normalised.
        let tilted = Listener {
            up: [0.0, 1.0, -1.0],
            ..l
        };
        assert_eq!(spatialize(&tilted, &at([4.0, 0.0, 0.0])).pan, 1.0);
    }

    /// Tests gain through spatialize at the default inverse model.
    #[test]
    fn gain() {
        let l = Listener::default();
        assert_eq!(spatialize(&l, &at([0.0; 3])).gain, 1.0);
        assert_eq!(spatialize(&l, &at([0.5, 0.0, 0.0])).gain, 1.0);
        assert_eq!(spatialize(&l, &at([0.0, 4.0, 0.0])).gain, 0.25);
        // 3-4-12 → 13 m: 1 / 13.
        close(
            spatialize(&l, &at([3.0, 4.0, -12.0])).gain,
            1.0 / 13.0,
            1e-8,
        );
        let far = Emitter {
            position: [0.0, 0.0, 500.0],
            max_distance: 100.0,
            attenuation: Attenuation::Linear,
            rolloff: 0.5,
            ..Emitter::default()
        };
        assert_eq!(spatialize(&l, &far).gain, 0.5);
    }

    /// Tests Doppler at 20 m/s: source approaching and receding, listener approaching and
    /// receding, and both moving together.
    #[test]
    fn doppler_20_m_per_s() {
        let l = Listener::default();
        let e = at([0.0, 0.0, -50.0]);
        let pitch = |l: &Listener, e: &Emitter| spatialize(l, e).pitch;
        let approaching = Emitter {
            velocity: [0.0, 0.0, 20.0],
            ..e
        };
        let receding = Emitter {
            velocity: [0.0, 0.0, -20.0],
            ..e
        };
        close(pitch(&l, &approaching), 343.0 / 323.0, 1e-5);
        close(pitch(&l, &approaching), 1.061_92, 1e-5);
        close(1000.0 * pitch(&l, &approaching), 1061.92, 1e-2);
        close(pitch(&l, &receding), 343.0 / 363.0, 1e-5);
        close(1000.0 * pitch(&l, &receding), 944.90, 1e-2);
        let towards = Listener {
            velocity: [0.0, 0.0, -20.0],
            ..l
        };
        let from = Listener {
            velocity: [0.0, 0.0, 20.0],
            ..l
        };
        close(pitch(&towards, &e), 363.0 / 343.0, 1e-5);
        close(pitch(&from, &e), 323.0 / 343.0, 1e-5);
        // Both moving the same way at the same speed: no shift.
        close(pitch(&from, &approaching), 1.0, 1e-6);
        // Both approaching: (343 + 20) / (343 − 20).
        close(pitch(&towards, &approaching), 363.0 / 323.0, 1e-5);
        // Sideways motion: no shift.
        let sideways = Emitter {
            velocity: [20.0, 5.0, 0.0],
            ..e
        };
        assert_eq!(pitch(&l, &sideways), 1.0);
        // Off axis: only the radial component counts. Source at (30, 0, −40), 50 m away, moving
        // −X at 25 m/s: radial −15 m/s (approaching).
        let diagonal = Emitter {
            position: [30.0, 0.0, -40.0],
            velocity: [-25.0, 0.0, 0.0],
            ..e
        };
        close(pitch(&l, &diagonal), 343.0 / 328.0, 1e-5);
    }

    /// Tests doppler_factor 0 and 2, and that a supersonic source stays finite and positive.
    #[test]
    fn doppler_factor_and_supersonic() {
        let l = Listener::default();
        let approaching = Emitter {
            position: [0.0, 0.0, -50.0],
            velocity: [0.0, 0.0, 20.0],
            ..Emitter::default()
        };
        let off = Emitter {
            doppler_factor: 0.0,
            ..approaching
        };
        assert_eq!(spatialize(&l, &off).pitch, 1.0);
        let double = Emitter {
            doppler_factor: 2.0,
            ..approaching
        };
        close(spatialize(&l, &double).pitch, 343.0 / 303.0, 1e-5);
        let moving = Listener {
            velocity: [0.0, 0.0, -20.0],
            ..l
        };
        close(spatialize(&moving, &double).pitch, 383.0 / 303.0, 1e-5);
        assert_eq!(spatialize(&moving, &off).pitch, 1.0);

        for v in [343.0, 500.0, 1e4, 1e30, f32::MAX] {
            let e = Emitter {
                velocity: [0.0, 0.0, v],
                ..approaching
            };
            let p = spatialize(&l, &e).pitch;
            assert!(p.is_finite() && p > 0.0, "{v}: {p}");
            close(p, 100.0, 1e-3);
            let e = Emitter {
                velocity: [0.0, 0.0, -v],
                ..approaching
            };
            let p = spatialize(&l, &e).pitch;
            assert!(p.is_finite() && p > 0.0, "{v}: {p}");
            let l = Listener {
                velocity: [0.0, 0.0, v],
                ..l
            };
            let p = spatialize(&l, &e).pitch;
            assert!(p.is_finite() && p > 0.0, "{v}: {p}");
        }
        // A listener outrunning the sound away from a still source.
        let fleeing = Listener {
            velocity: [0.0, 0.0, 1000.0],
            ..l
        };
        let p = spatialize(&fleeing, &approaching).pitch;
        assert!(p.is_finite() && p > 0.0);
    }

    /// Tests that Listener::sanitized replaces NaN components and degenerate bases.
    #[test]
    fn listener_sanitized() {
        let d = Listener::default();
        assert_eq!(d.sanitized(), d);
        let nan = Listener {
            position: [f32::NAN, 2.0, 3.0],
            velocity: [1.0, f32::NAN, f32::INFINITY],
            forward: [f32::NAN, f32::NAN, f32::NAN],
            up: [0.0, f32::NAN, 2.0],
        };
        let s = nan.sanitized();
        assert_eq!(s.position, [0.0, 2.0, 3.0]);
        assert_eq!(s.velocity, [1.0, 0.0, f32::MAX]);
        // forward → (0, 0, −1), up → (0, 1, 2): not parallel, kept.
        assert_eq!(s.forward, Listener::FORWARD);
        assert_eq!(s.up, [0.0, 1.0, 2.0]);
        // Zero-length vectors.
        let zero = Listener {
            forward: [0.0; 3],
            up: [0.0; 3],
            ..d
        };
        assert_eq!(zero.sanitized(), d);
        // Parallel and antiparallel: both defaults, even when forward alone was fine.
        for up in [[0.0, 0.0, -2.0], [0.0, 0.0, 3.0]] {
            let p = Listener { up, ..d }.sanitized();
            assert_eq!((p.forward, p.up), (Listener::FORWARD, Listener::UP));
        }
        let looking_up = Listener {
            forward: [0.0, 1.0, 0.0],
            ..d
        }
        .sanitized();
        assert_eq!(
            (looking_up.forward, looking_up.up),
            (Listener::FORWARD, Listener::UP)
        );
        // A valid, rotated basis is kept as given (lengths included).
        let turned = Listener {
            forward: [2.0, 0.0, 0.0],
            up: [0.0, 1.0, 1.0],
            ..d
        };
        assert_eq!(turned.sanitized(), turned);
        // Infinite forward: clamped, still a direction.
        let inf = Listener {
            forward: [f32::INFINITY, 0.0, 0.0],
            ..d
        }
        .sanitized();
        assert_eq!(inf.forward, [f32::MAX, 0.0, 0.0]);
        assert_eq!(spatialize(&inf, &at([0.0, 0.0, 5.0])).pan, 1.0);
    }

    /// Tests that Emitter::sanitized replaces NaN and clamps degenerate values.
    #[test]
    fn emitter_sanitized() {
        let d = Emitter::default();
        assert_eq!(d.sanitized(), d);
        let nan = Emitter {
            position: [f32::NAN, f32::NEG_INFINITY, 1.0],
            velocity: [f32::NAN; 3],
            direction: [f32::NAN, 0.0, 0.0],
            min_distance: f32::NAN,
            max_distance: f32::NAN,
            rolloff: f32::NAN,
            attenuation: Attenuation::Exponential,
            cone: Cone {
                inner_angle: f32::NAN,
                outer_angle: f32::NAN,
                outer_gain: f32::NAN,
            },
            doppler_factor: f32::NAN,
            pan_law: PanLaw::Balance,
        };
        let s = nan.sanitized();
        assert_eq!(s.position, [0.0, -f32::MAX, 1.0]);
        assert_eq!(
            s,
            Emitter {
                position: s.position,
                attenuation: Attenuation::Exponential,
                pan_law: PanLaw::Balance,
                ..d
            }
        );
        let odd = Emitter {
            direction: [0.0; 3],
            min_distance: -1.0,
            max_distance: f32::INFINITY,
            rolloff: -1.0,
            doppler_factor: -3.0,
            ..d
        }
        .sanitized();
        assert_eq!(odd.direction, Emitter::DIRECTION);
        assert_eq!(odd.min_distance, MIN_DISTANCE_FLOOR);
        assert_eq!(odd.max_distance, f32::MAX);
        assert_eq!(odd.rolloff, 0.0);
        assert_eq!(odd.doppler_factor, 0.0);
        let inverted = Emitter {
            min_distance: 10.0,
            max_distance: 5.0,
            ..d
        }
        .sanitized();
        assert_eq!((inverted.min_distance, inverted.max_distance), (10.0, 10.0));
    }

    /// Tests that spatialize is finite for NaN, infinite and extreme inputs.
    #[test]
    fn spatialize_is_total() {
        let l = Listener::default();
        let huge = [f32::MAX, -f32::MAX, f32::MAX];
        let cases = [
            (
                l,
                Emitter {
                    position: [f32::NAN; 3],
                    velocity: [f32::NAN; 3],
                    ..Emitter::default()
                },
            ),
            (
                Listener {
                    position: [-f32::MAX, f32::MAX, -f32::MAX],
                    velocity: [f32::INFINITY; 3],
                    ..l
                },
                Emitter {
                    position: huge,
                    velocity: huge,
                    attenuation: Attenuation::Linear,
                    ..Emitter::default()
                },
            ),
            (
                l,
                Emitter {
                    position: [1e-40, 0.0, 0.0],
                    min_distance: 0.0,
                    max_distance: 0.0,
                    doppler_factor: f32::MAX,
                    velocity: huge,
                    ..Emitter::default()
                },
            ),
            (
                Listener {
                    forward: [f32::NAN; 3],
                    up: [0.0; 3],
                    ..l
                },
                Emitter {
                    position: [1e30, 1e30, 1e30],
                    direction: huge,
                    cone: Cone {
                        inner_angle: 0.5,
                        outer_angle: 1.0,
                        outer_gain: 0.1,
                    },
                    attenuation: Attenuation::Exponential,
                    rolloff: f32::MAX,
                    ..Emitter::default()
                },
            ),
        ];
        for (l, e) in cases {
            let s = spatialize(&l, &e);
            assert!(finite(s), "{s:?}");
            assert!((0.0..=1.0).contains(&s.gain), "{s:?}");
            assert!((-1.0..=1.0).contains(&s.pan), "{s:?}");
            assert!(s.pitch > 0.0, "{s:?}");
        }
        // The overflowing offset (2·f32::MAX apart) still has a direction: right.
        let s = spatialize(
            &Listener {
                position: [-f32::MAX, 0.0, 0.0],
                ..l
            },
            &at([f32::MAX, 0.0, 0.0]),
        );
        assert_eq!(s.pan, 1.0);
        assert_eq!(
            s.gain,
            Attenuation::Inverse.gain(f32::MAX, 1.0, f32::MAX, 1.0)
        );
        // A subnormal offset still has a direction too.
        assert_eq!(spatialize(&l, &at([-1e-42, 0.0, 0.0])).pan, -1.0);
        // The identity.
        assert_eq!(spatialize(&l, &at([0.0; 3])), Spatialized::default());
    }

    /// Tests the length and normalize helpers on ordinary, huge and tiny vectors.
    #[test]
    fn vector_helpers() {
        assert_eq!(length([3.0, 4.0, 0.0]), 5.0);
        assert_eq!(length([0.0; 3]), 0.0);
        close(length([3e30, 4e30, 0.0]) / 1e30, 5.0, 1e-6);
        close(length([3e-30, 0.0, 4e-30]) * 1e30, 5.0, 1e-6);
        assert_eq!(length([f32::MAX, f32::MAX, 0.0]), f32::INFINITY);
        assert_eq!(normalize([0.0; 3]), [0.0; 3]);
        assert_eq!(normalize([0.0, -2.0, 0.0]), [0.0, -1.0, 0.0]);
        let n = normalize([f32::MAX, f32::MAX, 0.0]);
        close(n[0], FRAC_1_SQRT_2, 1e-7);
        close(n[1], FRAC_1_SQRT_2, 1e-7);
        assert_eq!(normalize([f32::INFINITY, 0.0, 0.0]), [0.0; 3]);
        assert_eq!(cross([1.0, 0.0, 0.0], [0.0, 1.0, 0.0]), [0.0, 0.0, 1.0]);
    }
}
