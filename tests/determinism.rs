//! Determinism: the same scene gives the same bits, run after run and at any block size.

use std::path::Path;

use simvx_audio::{Scene, render_scene};

type Loaded = (
    Scene,
    std::collections::BTreeMap<String, simvx_audio::Sound>,
);

fn golden() -> Loaded {
    load("golden.json")
}

fn load(name: &str) -> Loaded {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/scenes")
        .join(name);
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

/// Tests that a scene with effects on every bus, bus-layout changes mid-scene, spatial voices
/// with doppler and a moving listener renders the same bits at every block size.
#[test]
fn effects_and_spatial_block_size_invariant() {
    let (scene, sounds) = load("effects.json");
    let reference = bits(&render_scene(&scene, &sounds, 480, |_| {}).unwrap());
    assert!(reference.iter().any(|&b| f32::from_bits(b).abs() > 0.05));
    for block in [1usize, 77, 128, 4096] {
        let out = bits(&render_scene(&scene, &sounds, block, |_| {}).unwrap());
        let first_diff = out.iter().zip(&reference).position(|(a, b)| a != b);
        assert_eq!(
            first_diff, None,
            "block size {block} differs at sample {first_diff:?}"
        );
    }
}
