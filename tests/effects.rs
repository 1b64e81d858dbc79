//! Bus effects through a mixing backend: parameter sweeps without clicks, retuning in place
//! (state survives) versus rebuilding, the delay's impulse response, reverb freeze, bypass
//! crossfades and the limiter's ceiling.

mod common;

use common::{peak, rms, split_stereo};
use simvx_audio::{
    AudioBusLayout, AudioConfig, BandKind, Buses, DelayParams, Effect, EffectParams, EqBand,
    EqParams, FilterParams, LimiterParams, OfflineBackend, PlayParams, Playback, ReverbParams,
    Sound,
};

fn backend() -> OfflineBackend {
    OfflineBackend::new(&AudioConfig::default()).unwrap()
}

fn on_sfx() -> PlayParams {
    PlayParams {
        bus: "SFX".into(),
        ..PlayParams::default()
    }
}

/// A layout with `effect` as SFX's only effect.
fn sfx_with(effect: Effect) -> AudioBusLayout {
    let mut l = AudioBusLayout::default();
    l.add_effect("SFX", effect).unwrap();
    l
}

fn largest_step(x: &[f32]) -> f32 {
    x.windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0, f32::max)
}

fn lowpass(cutoff_hz: f32) -> Effect {
    Effect::new(EffectParams::LowPass(FilterParams {
        cutoff_hz,
        q: 0.707,
    }))
}

/// Tests that a low-pass cutoff swept every 128-frame block renders with no sample-to-sample
/// jump larger than the input sine's own largest step.
#[test]
fn cutoff_swept_every_block_does_not_click() {
    let mut b = backend();
    let mut layout = sfx_with(lowpass(200.0));
    b.sync_bus_layout(&layout).unwrap();
    let tone = Sound::tone(1000.0, 0.5, 3.0, 48_000, 1).unwrap();
    b.play_audio(&tone, &on_sfx()).unwrap();
    let mut out = Vec::new();
    for block in 0..600 {
        let t = (block as f32 / 60.0).sin() * 0.5 + 0.5; // 200 Hz .. 10 kHz and back, log
        let cutoff = 200.0 * 50f32.powf(t);
        layout.set_effect("SFX", 0, lowpass(cutoff)).unwrap();
        b.sync_bus_layout(&layout).unwrap();
        out.extend(b.render_frames(128));
    }
    let (l, _) = split_stereo(&out);
    let own = 0.5 * (2.0 * std::f32::consts::PI * 1000.0 / 48_000.0);
    let step = largest_step(&l);
    assert!(
        step <= own * 1.05,
        "largest step {step}, the sine's own {own}"
    );
    assert!(rms(&l) > 0.1, "the tone passes most of the time");
}

/// Tests the delay through a bus: dry at t = 0, then wet·feedback^(k−1) at k·time.
#[test]
fn delay_impulse_response() {
    let mut b = backend();
    let delay = DelayParams {
        time_seconds: 0.1,
        feedback: 0.4,
        wet: 0.5,
        dry: 0.5,
    };
    b.sync_bus_layout(&sfx_with(Effect::new(EffectParams::Delay(delay))))
        .unwrap();
    let mut pcm = vec![0.0f32; 48_000];
    pcm[0] = 1.0;
    b.play_audio(&Sound::from_pcm_f32(pcm, 1, 48_000).unwrap(), &on_sfx())
        .unwrap();
    let (l, _) = split_stereo(&b.render_frames(20_000));
    for (frame, want) in [
        (0, 0.5),
        (4800, 0.5),
        (9600, 0.2),
        (14_400, 0.08),
        (19_200, 0.032),
    ] {
        assert!(
            (l[frame] - want).abs() < 1e-6,
            "frame {frame}: {} (want {want})",
            l[frame]
        );
    }
    let taps = [0, 4800, 9600, 14_400, 19_200];
    assert!(
        l.iter()
            .enumerate()
            .all(|(i, &s)| taps.contains(&i) || s.abs() < 1e-6)
    );
}

/// Tests that retuning an effect of the same kind keeps its state (the echo already in the
/// line still comes out), while replacing it with another kind starts clean.
#[test]
fn retune_keeps_state_rebuild_does_not() {
    let delay = |wet| {
        EffectParams::Delay(DelayParams {
            time_seconds: 0.1,
            feedback: 0.4,
            wet,
            dry: 0.0,
        })
    };
    let mut b = backend();
    let mut layout = sfx_with(Effect::new(delay(0.5)));
    b.sync_bus_layout(&layout).unwrap();
    let mut pcm = vec![0.0f32; 48_000];
    pcm[0] = 1.0;
    b.play_audio(&Sound::from_pcm_f32(pcm, 1, 48_000).unwrap(), &on_sfx())
        .unwrap();
    let (first, _) = split_stereo(&b.render_frames(2400));
    assert!(first.iter().all(|&s| s == 0.0));
    layout
        .set_effect("SFX", 0, Effect::new(delay(0.25)))
        .unwrap();
    b.sync_bus_layout(&layout).unwrap();
    let (l, _) = split_stereo(&b.render_frames(4800));
    assert!(
        (l[2400] - 0.25).abs() < 1e-6,
        "the echo survived the retune: {}",
        l[2400]
    );
    // Same layout again: nothing is resent, nothing changes.
    b.sync_bus_layout(&layout).unwrap();
    // Another kind in the slot: the new chain starts clean, and the old one rings out (the
    // echo in its line still comes, at 0.25 × 0.4 at 0.2 s), then is gone.
    layout.set_effect("SFX", 0, lowpass(20_000.0)).unwrap();
    b.sync_bus_layout(&layout).unwrap();
    let (l, _) = split_stereo(&b.render_frames(12_000));
    assert!(
        (l[9600 - 7200] - 0.1).abs() < 1e-6,
        "the old delay rang out: {}",
        l[9600 - 7200]
    );
    let ring = simvx_audio::RING_OUT_SECONDS as usize * 48_000;
    b.render_frames(ring);
    let (l, _) = split_stereo(&b.render_frames(12_000));
    assert!(peak(&l) < 1e-6, "after its ring-out: {}", peak(&l));
}

/// Tests issue 13's chain edit: reordering a reverb and a delay on a bus under a steady tone
/// makes no sample step above the steady signal's own largest step, and the reverb's tail
/// survives the edit (with the input stopped just before it, the tail is bit-equal to a
/// render without the edit until the old chain's ring-out ends).
#[test]
fn reordering_reverb_and_delay_does_not_click() {
    let verb = Effect::new(EffectParams::Reverb(ReverbParams {
        room_size: 0.8,
        ..ReverbParams::default()
    }));
    let delay = Effect::new(EffectParams::Delay(DelayParams {
        time_seconds: 0.12,
        feedback: 0.5,
        ..DelayParams::default()
    }));
    let layout = |first: &Effect, second: &Effect| {
        let mut l = AudioBusLayout::default();
        l.add_effect("SFX", *first).unwrap();
        l.add_effect("SFX", *second).unwrap();
        l
    };
    let tone = Sound::tone(440.0, 0.5, 1.0, 48_000, 1).unwrap();
    let looped = PlayParams {
        looping: true,
        ..on_sfx()
    };
    // A steady tone: 3 s to settle, the largest step of the next second, then the reorder.
    let mut b = backend();
    b.sync_bus_layout(&layout(&verb, &delay)).unwrap();
    b.play_audio(&tone, &looped).unwrap();
    b.render_frames(3 * 48_000);
    let (steady_l, steady_r) = split_stereo(&b.render_frames(48_000));
    let steady = largest_step(&steady_l).max(largest_step(&steady_r));
    b.sync_bus_layout(&layout(&delay, &verb)).unwrap();
    let (l, r) = split_stereo(&b.render_frames(2 * 48_000));
    let mut joined = steady_l[steady_l.len() - 1..].to_vec();
    joined.extend(&l);
    let edit = largest_step(&joined).max(largest_step(&r));
    eprintln!("reorder: largest step {edit:.4} (steady signal: {steady:.4})");
    assert!(
        edit <= steady,
        "the reorder stepped {edit}, the steady signal at most {steady}"
    );
    assert!(rms(&l) > 0.5 * rms(&steady_l), "the bus kept sounding");

    // The tail: stop the tone, let the stop fade land, then reorder (or not).
    let tail = |reorder: bool| {
        let mut b = backend();
        b.sync_bus_layout(&layout(&verb, &delay)).unwrap();
        let id = b.play_audio(&tone, &looped).unwrap();
        b.render_frames(48_000);
        b.stop_audio(id).unwrap();
        b.render_frames(480);
        if reorder {
            b.sync_bus_layout(&layout(&delay, &verb)).unwrap();
        }
        b.render_frames(2 * 48_000)
    };
    let (kept, plain) = (tail(true), tail(false));
    assert!(rms(&plain[48_000..]) > 1e-3, "the tail rings for seconds");
    assert!(kept == plain, "the tail survived the reorder, bit for bit");
}

/// Tests reverb freeze through a bus: the tail holds for seconds with no input, and input
/// played while frozen does not get in.
#[test]
fn reverb_freeze_holds_the_tail() {
    let mut b = backend();
    let verb = |freeze| {
        EffectParams::Reverb(ReverbParams {
            room_size: 0.8,
            wet: 1.0,
            dry: 0.0,
            freeze,
            ..ReverbParams::default()
        })
    };
    let mut layout = sfx_with(Effect::new(verb(false)));
    b.sync_bus_layout(&layout).unwrap();
    let noise = Sound::noise(0.5, 0.2, 7, 48_000).unwrap();
    b.play_audio(&noise, &on_sfx()).unwrap();
    b.render_frames(24_000);
    layout
        .set_effect("SFX", 0, Effect::new(verb(true)))
        .unwrap();
    b.sync_bus_layout(&layout).unwrap();
    b.render_frames(4800);
    let (a, _) = split_stereo(&b.render_frames(4800));
    b.play_audio(&noise, &on_sfx()).unwrap(); // frozen: must not get in
    b.render_frames(96_000);
    let (z, _) = split_stereo(&b.render_frames(4800));
    let db = 20.0 * (rms(&z) / rms(&a)).log10();
    assert!(
        rms(&a) > 0.01 && db.abs() < 1.0,
        "tail {} then {} ({db:.2} dB)",
        rms(&a),
        rms(&z)
    );
    layout
        .set_effect("SFX", 0, Effect::new(verb(false)))
        .unwrap();
    b.sync_bus_layout(&layout).unwrap();
    b.render_frames(96_000);
    let (gone, _) = split_stereo(&b.render_frames(4800));
    assert!(rms(&gone) < rms(&a) * 0.01, "thawed tail decays");
}

/// Tests that switching an effect off and on crossfades (no click) and that a disabled effect
/// passes the signal untouched.
#[test]
fn bypass_is_crossfaded() {
    let mut b = backend();
    let mut layout = sfx_with(lowpass(300.0));
    b.sync_bus_layout(&layout).unwrap();
    let tone = Sound::tone(1000.0, 0.5, 2.0, 48_000, 1).unwrap();
    b.play_audio(&tone, &on_sfx()).unwrap();
    let mut out = Vec::new();
    for block in 0..300 {
        let mut e = lowpass(300.0);
        e.enabled = (block / 4) % 2 == 0;
        layout.set_effect("SFX", 0, e).unwrap();
        b.sync_bus_layout(&layout).unwrap();
        out.extend(b.render_frames(128));
    }
    let (l, _) = split_stereo(&out);
    let own = 0.5 * (2.0 * std::f32::consts::PI * 1000.0 / 48_000.0);
    assert!(
        largest_step(&l) <= own * 1.05,
        "bypass clicks: {}",
        largest_step(&l)
    );

    let mut b = backend();
    let mut off = lowpass(300.0);
    off.enabled = false;
    b.sync_bus_layout(&sfx_with(off)).unwrap();
    b.play_audio(&tone, &on_sfx()).unwrap();
    let mut dry = backend();
    dry.play_audio(&tone, &on_sfx()).unwrap();
    assert_eq!(b.render_frames(4800), dry.render_frames(4800));
}

/// Tests that a limiter on Master keeps every sample of a loud mix under its ceiling.
#[test]
fn limiter_ceiling_on_master() {
    let mut b = backend();
    let mut layout = AudioBusLayout::default();
    let limiter = LimiterParams {
        ceiling_db: -1.0,
        ..LimiterParams::default()
    };
    layout
        .add_effect("Master", Effect::new(EffectParams::Limiter(limiter)))
        .unwrap();
    b.sync_bus_layout(&layout).unwrap();
    let loud = PlayParams {
        volume_db: 12.0,
        ..PlayParams::default()
    };
    b.play_audio(&Sound::tone(440.0, 0.9, 1.0, 48_000, 1).unwrap(), &loud)
        .unwrap();
    b.play_audio(&Sound::noise(0.9, 1.0, 3, 48_000).unwrap(), &loud)
        .unwrap();
    let out = b.render_frames(48_000);
    // The engine's own dB conversion (libm), which may differ from std's in the last bit.
    let ceiling = mixer_core::db::db_to_linear(-1.0);
    let p = peak(&out);
    assert!(
        p <= ceiling && p > ceiling * 0.9,
        "peak {p}, ceiling {ceiling}"
    );
}

/// Tests an effect parameter tween through `sync_bus_layout_tweened`: a low-pass swept from
/// 200 Hz to 8 kHz over 1 s under a 2 kHz tone opens gradually (−8.6 dB at the geometric
/// middle, 1.26 kHz, as the filter's response says; full level at the end), without a click,
/// and renders the same bits at every block size.
#[test]
fn an_effect_tween_sweeps_a_filter() {
    use simvx_audio::{Curve, Tween};
    let tone = Sound::tone(2_000.0, 0.5, 3.0, 48_000, 1).unwrap();
    let mut reference: Option<Vec<f32>> = None;
    for block in [100, 480, 4_096] {
        let mut b = backend();
        b.sync_bus_layout(&sfx_with(lowpass(200.0))).unwrap();
        b.play_audio(&tone, &on_sfx()).unwrap();
        b.render_frames(4_800);
        let t = Tween {
            seconds: 1.0,
            curve: Curve::Linear,
            start_at: 0,
        };
        b.sync_bus_layout_tweened(&sfx_with(lowpass(8_000.0)), t)
            .unwrap();
        let mut out = Vec::new();
        while out.len() < 2 * 57_600 {
            let k = block.min(57_600 - out.len() / 2);
            out.extend(b.render_frames(k));
        }
        let (l, _) = split_stereo(&out);
        let db = |a: usize| 20.0 * (rms(&l[a..a + 2_400]) / (0.5 / 2f64.sqrt())).log10();
        let (start, mid, end) = (db(0), db(24_000 - 1_200), db(52_800));
        assert!(start < -20.0, "closed at first: {start} dB");
        assert!((mid + 8.6).abs() < 1.5, "half way: {mid} dB");
        assert!(end.abs() < 0.5, "open at the end: {end} dB");
        assert!(largest_step(&l) <= 0.14, "no click: {}", largest_step(&l));
        match &reference {
            None => reference = Some(out),
            Some(r) => assert!(*r == out, "block {block}"),
        }
    }
}

/// RBJ's Audio-EQ-Cookbook shelf, written out here from the cookbook (not from the engine):
/// the magnitude in dB at `f` of a shelf at corner `f0`, `gain_db`, slope `s`, at `fs`.
fn rbj_shelf_db(high: bool, f0: f64, gain_db: f64, s: f64, f: f64, fs: f64) -> f64 {
    let a = 10f64.powf(gain_db / 40.0);
    let w0 = std::f64::consts::TAU * f0 / fs;
    let (cs, sn) = (w0.cos(), w0.sin());
    let alpha = sn / 2.0 * ((a + 1.0 / a) * (1.0 / s - 1.0) + 2.0).sqrt();
    let sa = 2.0 * a.sqrt() * alpha;
    let sign = if high { -1.0 } else { 1.0 };
    // The high shelf is the low shelf with cos(w0) and b1, a1 of the other sign.
    let b = [
        a * ((a + 1.0) - sign * (a - 1.0) * cs + sa),
        sign * 2.0 * a * ((a - 1.0) - sign * (a + 1.0) * cs),
        a * ((a + 1.0) - sign * (a - 1.0) * cs - sa),
    ];
    let d = [
        (a + 1.0) + sign * (a - 1.0) * cs + sa,
        -sign * 2.0 * ((a - 1.0) + sign * (a + 1.0) * cs),
        (a + 1.0) + sign * (a - 1.0) * cs - sa,
    ];
    let w = std::f64::consts::TAU * f / fs;
    let power = |p: [f64; 3]| {
        let re = p[0] + p[1] * w.cos() + p[2] * (2.0 * w).cos();
        let im = p[1] * w.sin() + p[2] * (2.0 * w).sin();
        re * re + im * im
    };
    10.0 * (power(b) / power(d)).log10()
}

/// Tests issue 15's shelves: the original's low shelf (120 Hz) and high shelf (8 kHz) at its
/// default `q = 1`, +6 dB, render at 50 Hz, at the corner and at 5 kHz the gain RBJ's slope
/// formula gives (within 0.01 dB), monotonic (no overshoot past +6 dB, no dip below 0).
#[test]
fn shelves_read_q_as_the_rbj_slope() {
    for (kind, corner) in [
        (BandKind::LowShelf, 120.0f32),
        (BandKind::HighShelf, 8_000.0),
    ] {
        let mut eq = EqParams::empty();
        eq.push(EqBand {
            kind,
            freq: corner,
            q: 1.0,
            gain_db: 6.0,
        });
        let layout = sfx_with(Effect::new(EffectParams::ParametricEq(eq)));
        for f in [50.0, corner, 5_000.0] {
            let mut b = backend();
            b.sync_bus_layout(&layout).unwrap();
            let tone = Sound::tone(f64::from(f), 0.25, 3.0, 48_000, 1).unwrap();
            b.play_audio(&tone, &on_sfx()).unwrap();
            b.render_frames(48_000); // past the filter's settling
            let (l, _) = split_stereo(&b.render_frames(48_000));
            let got = 20.0 * (common::magnitude_at(&l, f64::from(f), 48_000.0) / 0.25).log10();
            let want = rbj_shelf_db(
                kind == BandKind::HighShelf,
                f64::from(corner),
                6.0,
                1.0,
                f64::from(f),
                48_000.0,
            );
            println!(
                "{kind:?} at {corner} Hz, q 1, +6 dB: {f} Hz reads {got:.4} dB (RBJ S = 1: {want:.4})"
            );
            assert!(
                (got - want).abs() < 0.01,
                "{kind:?} {f} Hz: {got} vs {want}"
            );
            assert!((-0.001..=6.001).contains(&got), "monotonic: {got}");
        }
    }
}

/// Tests issue 15's subnormal flush: a bus with a filter, an EQ, a delay or a reverb, fed one
/// impulse and then silence, outputs exact zeros within a bounded time, and never a subnormal:
/// within 20 s (the default delay repeats at −8 dB every 0.25 s) a whole second is all +0.0.
#[test]
fn filter_tails_end_in_exact_zeros() {
    use simvx_audio::{CompressorParams, EqParams};
    let effects: Vec<(&str, Effect)> = vec![
        ("lowpass", lowpass(200.0)),
        (
            "highpass",
            Effect::new(EffectParams::HighPass(FilterParams {
                cutoff_hz: 2_000.0,
                q: 4.0,
            })),
        ),
        (
            "parametriceq",
            Effect::new(EffectParams::ParametricEq(EqParams::default())),
        ),
        ("delay", Effect::default_for("delay").unwrap()),
        ("reverb", Effect::default_for("reverb").unwrap()),
        (
            "compressor",
            Effect::new(EffectParams::Compressor(CompressorParams::default())),
        ),
    ];
    let click = Sound::from_pcm_f32(vec![1.0], 1, 48_000).unwrap();
    let mut endless = Vec::new();
    for (name, effect) in effects {
        let mut b = backend();
        b.sync_bus_layout(&sfx_with(effect)).unwrap();
        b.play_audio(&click, &on_sfx()).unwrap();
        let head = b.render_frames(4_800);
        assert!(
            head.iter().any(|s| *s != 0.0),
            "{name}: the impulse came out"
        );
        let mut first_zero = None;
        let mut subnormals = 0usize;
        for second in 0..21 {
            let out = b.render_frames(48_000);
            subnormals += out.iter().filter(|s| s.is_subnormal()).count();
            if first_zero.is_none() && out.iter().all(|s| s.to_bits() == 0) {
                first_zero = Some(second);
            }
        }
        println!("{name}: exact zeros from second {first_zero:?}; {subnormals} subnormal samples");
        if first_zero.is_none_or(|s| s > 20) || subnormals > 0 {
            endless.push(name);
        }
    }
    assert!(
        endless.is_empty(),
        "tails that never end, or pass through subnormals: {endless:?}"
    );
}
