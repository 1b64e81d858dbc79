//! Bus effects through a mixing backend: parameter sweeps without clicks, retuning in place
//! (state survives) versus rebuilding, the delay's impulse response, reverb freeze, bypass
//! crossfades and the limiter's ceiling.

mod common;

use common::{peak, rms, split_stereo};
use simvx_audio::{
    AudioBusLayout, AudioConfig, Buses, DelayParams, Effect, EffectParams, FilterParams,
    LimiterParams, OfflineBackend, PlayParams, Playback, ReverbParams, Sound,
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
