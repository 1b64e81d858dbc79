//! Regression tests for bugs the property tests, the soak test and the fuzz targets found.
//! Each test is the minimal input that failed, kept as a plain test.

use simvx_audio::{AudioConfig, OfflineBackend, PlayParams, Playback, Sound};

/// Found by `tests/props.rs`: a looping one-frame sound at a high pitch reported a playback
/// position past the end of its sound (the cursor wraps only when the next block reads on).
#[test]
fn looping_position_stays_inside_the_sound() {
    let mut b = OfflineBackend::new(&AudioConfig::default()).unwrap();
    let blip = Sound::from_pcm_i16(vec![i16::MAX, i16::MIN], 2, 8_000).unwrap();
    let id = b
        .play_audio(
            &blip,
            &PlayParams {
                pitch: 15.06,
                looping: true,
                ..PlayParams::default()
            },
        )
        .unwrap();
    for frames in [1, 2, 3, 127, 128, 1000] {
        b.render_frames(frames);
        let pos = b.get_playback_position(id);
        assert!(
            pos < blip.duration(),
            "position {pos} s is outside the {} s sound",
            blip.duration()
        );
    }
}
