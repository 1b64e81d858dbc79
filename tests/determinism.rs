//! Determinism: the same scene gives the same bits, run after run and at any block size.

use std::path::Path;

use simvx_audio::{Scene, render_scene};

fn golden() -> (
    Scene,
    std::collections::BTreeMap<String, simvx_audio::Sound>,
) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenes/golden.json");
    let scene = Scene::load(path).expect("scene");
    let sounds = scene.load_sounds().expect("sounds");
    (scene, sounds)
}

fn bits(x: &[f32]) -> Vec<u32> {
    x.iter().map(|s| s.to_bits()).collect()
}

/// Tests that rendering the same scene twice gives identical bytes.
#[test]
fn twice_identical() {
    let (scene, sounds) = golden();
    let a = render_scene(&scene, &sounds, 480, |_| {}).unwrap();
    let b = render_scene(&scene, &sounds, 480, |_| {}).unwrap();
    assert_eq!(a.len(), 3 * 48_000 * 2);
    assert!(bits(&a) == bits(&b), "two renders differ");
}

/// Tests that every block size gives the same bits as 480-frame blocks.
#[test]
fn block_size_invariant() {
    let (scene, sounds) = golden();
    let reference = bits(&render_scene(&scene, &sounds, 480, |_| {}).unwrap());
    for block in [1usize, 17, 64, 128, 1000, 4096, 1 << 20] {
        let out = bits(&render_scene(&scene, &sounds, block, |_| {}).unwrap());
        let first_diff = out.iter().zip(&reference).position(|(a, b)| a != b);
        assert_eq!(
            first_diff, None,
            "block size {block} differs at sample {first_diff:?}"
        );
    }
}
