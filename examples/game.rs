//! A small game's audio, through `make_backend()`: music faded in, a beat of pitched SFX
//! scheduled on exact frames, the music ducked under a voice line with a tween, a pause menu,
//! and a crossfade to the next track.
//!
//! ```sh
//! cargo run --release --example game            # on the default device (or null, silently)
//! cargo run --release --example game -- out.wav # offline, into a WAV file, bit-identical
//! ```

use simvx_audio::{
    AudioConfig, Curve, Fading, OfflineBackend, PlayParams, Playback, Scheduling, Sound,
    TempoClock, Tween, Tweening, WavFormat, make_backend, write_wav,
};

/// What the game does, in the order it does it, on any backend with the facets it uses.
fn play_the_game<B: Playback + Scheduling + Fading + Tweening>(
    b: &mut B,
    mut wait: impl FnMut(&mut B, f64),
) -> Result<(), simvx_audio::AudioError> {
    let rate = 48_000.0;
    let track_a = Sound::tone(110.0, 0.2, 4.0, 48_000, 1)?;
    let track_b = Sound::tone(146.83, 0.2, 4.0, 48_000, 1)?;
    let blip = Sound::tone(880.0, 0.3, 0.05, 48_000, 1)?;
    let voice_line = Sound::noise(0.15, 1.0, 42, 48_000)?;
    let music = |bus: &str| PlayParams {
        bus: bus.into(),
        looping: true,
        ..PlayParams::default()
    };

    // Music fades in over a second (from silence: its first frame is silent).
    let a = b.play_audio(&track_a, &music("Music"))?;
    b.fade_in(a, 1.0, Curve::EqualPower)?;

    // A beat: 16 blips, an eighth note apart at 120 BPM, on exact frames, pitched up a scale:
    // a game clock of eighth notes started half a second from now gives each its frame.
    let mut eighths = TempoClock::from_bpm(48_000, 120.0, 2)?;
    eighths.start(b.now_frames() + (0.5 * rate) as u64);
    let scale = [1.0, 1.122, 1.26, 1.335, 1.498, 1.682, 1.888, 2.0];
    for k in 0..16u64 {
        let params = PlayParams {
            bus: "SFX".into(),
            pitch: scale[k as usize % 8],
            pan: if k % 2 == 0 { -0.5 } else { 0.5 },
            ..PlayParams::default()
        };
        let at = eighths.frame_of_tick(k as f64).expect("the clock runs");
        b.play_audio_at(&blip, &params, at)?;
    }
    wait(b, 2.0);

    // A voice line: the music ducks by 12 dB in 0.3 s (linear in dB), and comes back after.
    let duck = Tween {
        seconds: 0.3,
        curve: Curve::Exponential,
        ..Tween::default()
    };
    b.tween_audio_2d(a, -12.0, 0.0, duck)?;
    let line = b.play_audio(
        &voice_line,
        &PlayParams {
            bus: "Voice".into(),
            ..PlayParams::default()
        },
    )?;
    wait(b, 1.1);
    b.tween_audio_2d(
        a,
        0.0,
        0.0,
        Tween {
            seconds: 0.5,
            ..duck
        },
    )?;
    assert!(!b.is_channel_active(line), "the line has ended");

    // The pause menu: everything holds for half a second, then carries on where it was.
    b.pause_audio(a)?;
    wait(b, 0.5);
    b.resume_audio(a)?;
    wait(b, 0.5);

    // The next track: an equal-power crossfade over 1.5 s.
    let next = b.play_audio(&track_b, &music("Music"))?;
    b.crossfade(a, next, 1.5, Curve::EqualPower)?;
    wait(b, 2.0);
    b.fade_out(next, 0.5, Curve::Linear)?;
    wait(b, 0.75);
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    if let Some(path) = std::env::args().nth(1) {
        // Offline: the same game, rendered as fast as the CPU goes, into a WAV file.
        let mut b = OfflineBackend::new(&AudioConfig::default())?;
        let mut out = Vec::new();
        play_the_game(&mut b, |b, seconds| {
            out.extend(b.render_frames((seconds * 48_000.0) as usize));
        })?;
        write_wav(std::path::Path::new(&path), &out, 2, 48_000, WavFormat::F32)?;
        println!("rendered {:.2} s into {path}", out.len() as f64 / 96_000.0);
        return Ok(());
    }
    let mut b = make_backend(&AudioConfig::default())?;
    println!("playing on the {} backend ({})", b.kind(), b.info().device);
    if let Some(mut null) = b.as_null() {
        null.use_wall_clock();
    }
    play_the_game(&mut b, |_, seconds| {
        std::thread::sleep(std::time::Duration::from_secs_f64(seconds));
    })?;
    b.shutdown();
    Ok(())
}
