//! Memory footprint of the renderer's parts (run with `--nocapture` to see the figures).

use super::*;

/// Tests (and reports) the bytes a voice, a bus, and an effect slot cost, so growth is noticed.
#[test]
fn footprint_per_voice_and_bus() {
    let voice = core::mem::size_of::<crate::voice::Voice<Snd>>();
    let bus_plain = core::mem::size_of::<crate::bus::Bus<0>>();
    let bus_8 = core::mem::size_of::<crate::bus::Bus<8>>();
    let slot = (bus_8 - bus_plain) / 8;
    let status = core::mem::size_of::<crate::status::VoiceStatus>();
    std::println!(
        "footprint: voice {voice} B (+{status} B shared status), bus {bus_plain} B \
         (+{slot} B per effect slot), renderer with 1024 voices, 32 buses x 8 slots: {} KB",
        core::mem::size_of::<Renderer<Snd, &'static Shared<Snd, 1024>, [f32; 0], 1024, 32, 8>>()
            / 1024
    );
    // About 130 B of it are the fade, the gain/pan tween, the pitch tween and the emitter
    // glide a voice may run; 24 B its presence (real or virtual), priority and wake-up.
    assert!(voice <= 360, "a voice grew to {voice} B");
    // Two SEGMENT-frame f32 buffers, plus its gain (a ramp knows its start), parent and flags,
    // padded to the buffers' cache-line alignment (two lines).
    let buffers = 2 * crate::SEGMENT * 4;
    assert!(bus_plain <= buffers + 128, "a bus grew to {bus_plain} B");
    // Twice a processor, its parameters and a tween's target: the live chain's, and the
    // one an edit leaves ringing out.
    assert!(slot <= 2 * 1100, "an effect slot grew to {slot} B");
}
