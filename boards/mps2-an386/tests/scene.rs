//! The board's scene on the host: audible, finite, and the same bits at any render block size
//! (the property that lets the board's callback use whatever block its DMA wants).
//! `scripts/test` compares the board's hash under QEMU with the host binary's.

use mps2_an386::{BLOCK_FRAMES, FRAMES, MAX_BLOCK_FRAMES, Report, SceneError, Storage};

/// Renders the scene in a fresh storage (leaked: each render uses one up).
fn render(block_frames: usize) -> Result<Report, SceneError> {
    mps2_an386::run(Box::leak(Box::new(Storage::new())), block_frames)
}

/// Tests that the scene plays: every frame rendered, finite, audible, limited, and the voices
/// end as scripted (only the spatial buzz is left).
#[test]
fn scene_is_audible_and_finite() {
    let report = mps2_an386::run(mps2_an386::take().expect("first take"), BLOCK_FRAMES)
        .expect("the scene renders");
    println!("{report}");
    assert_eq!(report.frames, FRAMES as u64);
    assert_eq!(report.non_finite, 0);
    assert!(report.ok(), "{report}");
    assert!(report.peak <= 0.8913, "the limiter holds −1 dBFS: {report}");
    assert_eq!(report.active_voices, 1, "{report}");
    assert!(
        mps2_an386::take().is_none(),
        "the static storage is handed out once"
    );
}

/// Tests that the hash does not depend on the render block size.
#[test]
fn same_bits_at_every_block_size() {
    let reference = render(BLOCK_FRAMES).expect("renders").hash;
    for block in [1, 100, 128, 441, MAX_BLOCK_FRAMES] {
        assert_eq!(
            render(block).expect("renders").hash,
            reference,
            "block {block}"
        );
    }
}

/// Tests that block sizes the scene cannot hold are refused.
#[test]
fn bad_block_sizes_are_refused() {
    for block in [0, MAX_BLOCK_FRAMES + 1] {
        assert_eq!(render(block), Err(SceneError::BlockSize(block)));
    }
}
