//! The parameters between two settings of one effect, for tweening an effect's parameters.
//!
//! Levels (dB), mixes, times and ratios move linearly; frequencies move geometrically (equal
//! steps in octaves), as a sweep is heard; switches (`freeze`, an EQ band's kind) take the
//! target's value when the tween lands.

use crate::effect::EffectParams;
use crate::effect::params::{EqBand, EqParams};

/// The settings a fraction `t` (in `[0, 1]`) of the way from `a` to `b`, or `None` when they
/// are not the same effect (or EQs of different band counts or kinds).
pub(crate) fn between(a: &EffectParams, b: &EffectParams, t: f32) -> Option<EffectParams> {
    let t = crate::math::clamp(t, 0.0, 1.0);
    let lin = |x: f32, y: f32| x + (y - x) * t;
    let geo = |x: f32, y: f32| {
        if x > 0.0 && y > 0.0 {
            x * crate::math::powf(y / x, t)
        } else {
            lin(x, y)
        }
    };
    let end = t >= 1.0;
    use EffectParams as P;
    Some(match (*a, *b) {
        (P::Gain(x), P::Gain(y)) => P::Gain(crate::effect::params::GainParams {
            volume_db: lin(x.volume_db, y.volume_db),
        }),
        (P::LowPass(x), P::LowPass(y)) => P::LowPass(filter(&x, &y, geo, lin)),
        (P::HighPass(x), P::HighPass(y)) => P::HighPass(filter(&x, &y, geo, lin)),
        (P::BandPass(x), P::BandPass(y)) => P::BandPass(filter(&x, &y, geo, lin)),
        (P::Notch(x), P::Notch(y)) => P::Notch(filter(&x, &y, geo, lin)),
        (P::ParametricEq(x), P::ParametricEq(y)) => {
            let (xb, yb) = (x.bands(), y.bands());
            if xb.len() != yb.len() || xb.iter().zip(yb).any(|(p, q)| p.kind != q.kind) {
                return None;
            }
            let mut eq = EqParams::empty();
            for (p, q) in xb.iter().zip(yb) {
                eq.push(EqBand {
                    kind: q.kind,
                    freq: geo(p.freq, q.freq),
                    q: lin(p.q, q.q),
                    gain_db: lin(p.gain_db, q.gain_db),
                });
            }
            P::ParametricEq(eq)
        }
        (P::Delay(x), P::Delay(y)) => P::Delay(crate::effect::params::DelayParams {
            time_seconds: lin(x.time_seconds, y.time_seconds),
            feedback: lin(x.feedback, y.feedback),
            wet: lin(x.wet, y.wet),
            dry: lin(x.dry, y.dry),
        }),
        (P::Reverb(x), P::Reverb(y)) => P::Reverb(crate::effect::params::ReverbParams {
            room_size: lin(x.room_size, y.room_size),
            damping: lin(x.damping, y.damping),
            wet: lin(x.wet, y.wet),
            dry: lin(x.dry, y.dry),
            width: lin(x.width, y.width),
            freeze: if end { y.freeze } else { x.freeze },
        }),
        (P::SoftClip(x), P::SoftClip(y)) => P::SoftClip(crate::effect::params::SoftClipParams {
            drive: lin(x.drive, y.drive),
            output_gain: lin(x.output_gain, y.output_gain),
        }),
        (P::Compressor(x), P::Compressor(y)) => {
            P::Compressor(crate::effect::params::CompressorParams {
                threshold_db: lin(x.threshold_db, y.threshold_db),
                ratio: lin(x.ratio, y.ratio),
                attack: lin(x.attack, y.attack),
                release: lin(x.release, y.release),
                knee_db: lin(x.knee_db, y.knee_db),
                makeup_db: lin(x.makeup_db, y.makeup_db),
            })
        }
        (P::Limiter(x), P::Limiter(y)) => P::Limiter(crate::effect::params::LimiterParams {
            ceiling_db: lin(x.ceiling_db, y.ceiling_db),
            lookahead: lin(x.lookahead, y.lookahead),
            release: lin(x.release, y.release),
        }),
        _ => return None,
    })
}

fn filter(
    x: &crate::effect::params::FilterParams,
    y: &crate::effect::params::FilterParams,
    geo: impl Fn(f32, f32) -> f32,
    lin: impl Fn(f32, f32) -> f32,
) -> crate::effect::params::FilterParams {
    crate::effect::params::FilterParams {
        cutoff_hz: geo(x.cutoff_hz, y.cutoff_hz),
        q: lin(x.q, y.q),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::effect::params::{DelayParams, FilterParams};

    /// Tests that frequencies move in octaves, levels linearly, and different effects do not
    /// mix.
    #[test]
    fn frequencies_geometric_levels_linear() {
        let lp = |cutoff_hz| {
            EffectParams::LowPass(FilterParams {
                cutoff_hz,
                q: 0.707,
            })
        };
        let EffectParams::LowPass(mid) = between(&lp(200.0), &lp(3200.0), 0.5).unwrap() else {
            panic!("not a low-pass");
        };
        assert!((mid.cutoff_hz - 800.0).abs() < 0.01, "{}", mid.cutoff_hz);
        let d = |wet| {
            EffectParams::Delay(DelayParams {
                wet,
                ..DelayParams::default()
            })
        };
        assert_eq!(between(&d(0.0), &d(1.0), 0.25), Some(d(0.25)));
        assert_eq!(between(&lp(200.0), &d(1.0), 0.5), None);
        assert_eq!(between(&d(0.0), &d(1.0), 7.0), Some(d(1.0)));
    }
}
