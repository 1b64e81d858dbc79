//! `parametriceq`: up to eight bell and shelf bands in series, every one applied.
//!
//! Each band is a [`Section`] (the cookbook's peaking, low-shelf or high-shelf response, see
//! [`biquad`](super::biquad)), and the signal runs through all of them in order, so the
//! response is the sum of the bands' responses in dB. (The original engine applied only the
//! first band.) With no bands the EQ is flat.
//!
//! Retuning never resets a band: a band whose gain, frequency, `Q` or even kind changes moves
//! its tuning there over the smoothing time with its state intact; a band that appears fades in
//! from flat, and one that disappears fades out to flat. A band settled at 0 dB (and every
//! unused slot) is skipped, so the original's default of three flat bands costs nothing.

use super::EffectContext;
use super::biquad::{Section, Shape};
use super::params::{EqParams, MAX_EQ_BANDS};

/// The processor.
#[derive(Debug, Clone)]
pub struct ParametricEq {
    /// One section per band slot; slots past `bands` are flat (or fading to flat).
    sections: [Section; MAX_EQ_BANDS],
    /// How many bands the parameters hold.
    bands: usize,
}

impl ParametricEq {
    /// `f32`s of memory needed.
    pub fn memory_len(_ctx: &EffectContext) -> usize {
        0
    }

    /// A processor at `params`.
    pub fn new(params: &EqParams, ctx: &EffectContext) -> Self {
        let mut sections = core::array::from_fn(|_| Section::flat(ctx));
        for (s, b) in sections.iter_mut().zip(params.bands()) {
            *s = Section::new(&Shape::band(b), ctx);
        }
        Self {
            sections,
            bands: params.bands().len(),
        }
    }

    /// Retune in place: every band's state survives and each change is smoothed; added bands
    /// fade in and removed ones fade out.
    pub fn set(&mut self, params: &EqParams) {
        let bands = params.bands();
        for (i, s) in self.sections.iter_mut().enumerate() {
            match bands.get(i) {
                Some(b) => s.set(&Shape::band(b)),
                None => s.set_flat(),
            }
        }
        self.bands = bands.len();
    }

    /// Silence the state.
    pub fn reset(&mut self, mem: &mut [f32]) {
        mem.fill(0.0);
        for s in self.sections.iter_mut() {
            s.reset();
        }
    }

    /// Process in place.
    pub fn process(&mut self, _mem: &mut [f32], left: &mut [f32], right: &mut [f32]) {
        for s in self.sections.iter_mut() {
            // A flat section returns at once.
            s.process(left, right);
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;

    use std::vec::Vec;

    use super::super::biquad::magnitude_db;
    use super::super::biquad::tests::{RATE, max_step, measure, tone};
    use super::super::params::{BandKind, EqBand};
    use super::*;
    use crate::QUANTUM;
    use crate::tests::near;

    fn ctx() -> EffectContext {
        EffectContext::new(RATE)
    }

    fn band(kind: BandKind, freq: f32, q: f32, gain_db: f32) -> EqBand {
        EqBand {
            kind,
            freq,
            q,
            gain_db,
        }
    }

    fn params(bands: &[EqBand]) -> EqParams {
        let mut p = EqParams::empty();
        for &b in bands {
            assert!(p.push(b));
        }
        p
    }

    /// The cookbook response of `p`: its bands' responses summed in dB.
    fn cookbook(p: &EqParams, f: f64) -> f64 {
        p.bands()
            .iter()
            .map(|b| f64::from(magnitude_db(&Shape::band(b), f as f32, RATE)))
            .sum()
    }

    /// Renders `x` (both channels) through `eq` in blocks, calling `before(eq, block)` first.
    fn render(
        eq: &mut ParametricEq,
        x: &[f32],
        mut before: impl FnMut(&mut ParametricEq, usize),
    ) -> Vec<f32> {
        let (mut l, mut r) = (x.to_vec(), x.to_vec());
        for (i, (l, r)) in l.chunks_mut(QUANTUM).zip(r.chunks_mut(QUANTUM)).enumerate() {
            before(eq, i);
            eq.process(&mut [], l, r);
        }
        assert_eq!(l, r);
        l
    }

    /// Tests, by measuring steady sines, that all three bands of a low shelf +6 dB at 120 Hz,
    /// a bell −12 dB at 1 kHz and a high shelf +6 dB at 8 kHz act: about +6 dB at 30 Hz,
    /// −12 dB at 1 kHz and +6 dB at 16 kHz, within 0.1 dB of the bands' cookbook responses
    /// summed, there and across the band.
    #[test]
    fn every_band_acts() {
        let p = params(&[
            band(BandKind::LowShelf, 120.0, 1.0, 6.0),
            band(BandKind::Peaking, 1000.0, 1.0, -12.0),
            band(BandKind::HighShelf, 8000.0, 1.0, 6.0),
        ]);
        for (f, nominal) in [
            (30.0, Some(6.0)),
            (120.0, None),
            (300.0, None),
            (1000.0, Some(-12.0)),
            (3000.0, None),
            (8000.0, None),
            (16_000.0, Some(6.0)),
        ] {
            let mut eq = ParametricEq::new(&p, &ctx());
            let [l, r] = measure(|l, r| eq.process(&mut [], l, r), f, RATE);
            let want = cookbook(&p, f);
            std::println!("3-band EQ at {f} Hz: measured {l:.4} dB, cookbook sum {want:.4} dB");
            near(l, want, 0.1);
            near(r, want, 0.1);
            if let Some(nominal) = nominal {
                near(l, nominal, 0.6);
            }
        }
    }

    /// Tests that the second band alone changes the output (the original applied only the
    /// first), and that all eight bands of a full EQ act.
    #[test]
    fn later_bands_are_not_ignored() {
        let first = band(BandKind::Peaking, 300.0, 2.0, 0.0);
        let second = band(BandKind::Peaking, 3000.0, 2.0, -12.0);
        let mut one = ParametricEq::new(&params(&[first]), &ctx());
        let mut two = ParametricEq::new(&params(&[first, second]), &ctx());
        let [a, _] = measure(|l, r| one.process(&mut [], l, r), 3000.0, RATE);
        let [b, _] = measure(|l, r| two.process(&mut [], l, r), 3000.0, RATE);
        std::println!("second band only: without {a:.4} dB, with {b:.4} dB");
        near(a, 0.0, 1e-4);
        near(b, -12.0, 0.1);

        let freqs = [50.0f32, 100.0, 200.0, 400.0, 800.0, 1600.0, 3200.0, 6400.0];
        let mut all = EqParams::empty();
        for (i, &f) in freqs.iter().enumerate() {
            all.push(band(BandKind::Peaking, f, 4.0, -3.0 - i as f32));
        }
        for (i, &f) in freqs.iter().enumerate() {
            let mut eq = ParametricEq::new(&all, &ctx());
            let [l, _] = measure(|l, r| eq.process(&mut [], l, r), f64::from(f), RATE);
            let want = cookbook(&all, f64::from(f));
            std::println!("8-band EQ at band {i} ({f} Hz): measured {l:.4}, cookbook {want:.4}");
            near(l, want, 0.1);
            near(l, -3.0 - i as f64, 1.0);
        }
    }

    /// Tests that an EQ with no bands, and the default of three flat bands, pass the signal
    /// through bit for bit.
    #[test]
    fn no_bands_is_flat() {
        let x = tone(440.0, 0.1, 0.9, RATE, 1000);
        for p in [EqParams::empty(), EqParams::default()] {
            let mut eq = ParametricEq::new(&p, &ctx());
            assert_eq!(render(&mut eq, &x, |_, _| {}), x);
        }
        assert_eq!(ParametricEq::memory_len(&ctx()), 0);
    }

    /// Tests that a retune with the same bands keeps the state (output continues across it,
    /// where a reset would jump), that re-setting the same parameters changes no bit, and that
    /// adding, removing and re-kinding bands fades rather than clicks.
    #[test]
    fn retune_keeps_state_and_fades_bands() {
        let x = tone(200.0, 0.0, 0.5, RATE, 16 * QUANTUM);
        let input_step = max_step(&x);
        let low = band(BandKind::LowShelf, 400.0, 0.707, -12.0);
        let bell = band(BandKind::Peaking, 250.0, 2.0, -9.0);
        let start = params(&[low, bell]);
        let run = |next: Option<EqParams>, reset: bool| {
            let mut eq = ParametricEq::new(&start, &ctx());
            render(&mut eq, &x, |eq, i| {
                if i == 8 {
                    if let Some(p) = next {
                        eq.set(&p);
                    }
                    if reset {
                        eq.reset(&mut []);
                    }
                }
            })
        };
        let plain = run(None, false);
        assert_eq!(run(Some(start), false), plain);
        let reset = run(None, true);
        assert!(max_step(&reset) > 2.0 * input_step);
        for next in [
            params(&[low, band(BandKind::Peaking, 180.0, 1.0, -20.0)]),
            params(&[low]),
            params(&[low, bell, band(BandKind::HighShelf, 100.0, 1.0, -20.0)]),
            params(&[band(BandKind::HighShelf, 400.0, 0.707, -12.0), bell]),
            EqParams::empty(),
        ] {
            let y = run(Some(next), false);
            assert_ne!(y, plain);
            assert!(max_step(&y) <= input_step + 1e-3, "{next:?}");
        }
    }

    /// Tests that sweeping a cutting bell's frequency every 128-frame block over a sine adds
    /// no step larger than the sine's own.
    #[test]
    fn sweeping_a_band_every_block_does_not_click() {
        let x = tone(1000.0, 0.0, 1.0, RATE, RATE as usize);
        let blocks = x.len() / QUANTUM;
        let at = |i: usize| {
            let t = (i as f32 / blocks as f32 * 4.0) % 2.0;
            let t = if t < 1.0 { t } else { 2.0 - t };
            8000.0 * crate::math::powf(100.0 / 8000.0, t)
        };
        let bell = |i| params(&[band(BandKind::Peaking, at(i), 2.0, -18.0)]);
        let mut eq = ParametricEq::new(&bell(0), &ctx());
        let y = render(&mut eq, &x, |eq, i| eq.set(&bell(i)));
        let (ys, xs) = (max_step(&y), max_step(&x));
        std::println!("bell swept: output step {ys:.5}, input step {xs:.5}");
        assert!(ys <= xs + 1e-3);
    }

    /// Tests that extreme bands at a low sample rate keep the output finite.
    #[test]
    fn extreme_bands_stay_finite() {
        let ctx = EffectContext::new(8_000);
        let mut p = EqParams::empty();
        for i in 0..MAX_EQ_BANDS {
            let kind = [BandKind::Peaking, BandKind::LowShelf, BandKind::HighShelf][i % 3];
            let q = if i % 2 == 0 { 20.0 } else { 0.1 };
            p.push(band(kind, 20_000.0 - i as f32 * 2000.0, q, 24.0).sanitized());
        }
        let mut eq = ParametricEq::new(&p, &ctx);
        let x: Vec<f32> = (0..8_000)
            .map(|n| if (n / 3) % 2 == 0 { 1.0 } else { -1.0 })
            .collect();
        let y = render(&mut eq, &x, |eq, i| {
            if i % 2 == 1 {
                eq.set(&EqParams::empty());
            } else {
                eq.set(&p);
            }
        });
        assert!(y.iter().all(|s| s.is_finite()));
    }
}
