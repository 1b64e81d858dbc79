//! [`Offline`]: the driver with no device and no clock; the caller pulls blocks.

use crate::backend::{BackendInfo, BackendKind, CoreRenderer, Mixer};
use crate::config::AudioConfig;
use crate::error::AudioError;

/// The driver of a backend rendered on demand, for tests, tools and the CLI's `render`: see
/// [`OfflineBackend`](crate::OfflineBackend).
#[derive(Debug)]
pub struct Offline {
    renderer: Box<CoreRenderer>,
    info: BackendInfo,
}

impl Offline {
    /// A mixer and its offline driver for `config`.
    pub(crate) fn open(config: &AudioConfig) -> Result<(Mixer, Self), AudioError> {
        let (mixer, renderer) = Mixer::for_config(config)?;
        let info = BackendInfo::without_device(BackendKind::Offline, config);
        Ok((mixer, Self { renderer, info }))
    }

    /// Render `out` (interleaved): every command the calls so far queued applies at the
    /// current frame first (the backlog included), and the render waits for the decoders of
    /// file streams, so the same calls give the same bits on every run.
    pub(crate) fn render(&mut self, mixer: &mut Mixer, out: &mut [f32]) {
        settle(mixer, &mut self.renderer);
        let renderer = &mut self.renderer;
        let ch = usize::from(renderer.config().channels.max(1));
        let frames = out.len() / ch;
        if frames == 0 || !mixer.streams.has_decoders() {
            renderer.render(out);
            return;
        }
        // Piece by piece, each ending where the next queued command is due (it may start a
        // stream the decoders' demand cannot see yet), after waiting until every decoder has
        // produced what its voice plays in the piece: a render never outruns a decoder thread,
        // so the same calls give the same bits on every run (SPEC §9). A live callback never
        // waits; only this driver does.
        let mut done = 0;
        while done < frames {
            renderer.render(&mut []);
            let mut n = frames - done;
            if let Some(at) = renderer.next_command_at() {
                let ahead = at.saturating_sub(renderer.frames_rendered());
                n = n.min(usize::try_from(ahead).unwrap_or(usize::MAX).max(1));
            }
            let n = mixer.streams.wait_decoded(renderer, n);
            renderer.render(&mut out[done * ch..(done + n) * ch]);
            done += n;
        }
        out[frames * ch..].fill(0.0);
    }

    /// Frames rendered so far.
    pub(crate) fn frames_rendered(&self) -> u64 {
        self.renderer.frames_rendered()
    }
}

/// Hand every waiting command to `renderer` now, at its current frame: the controller's
/// backlog (if the calls outran the queue) goes to the queue as the renderer empties it (each
/// empty render applies what is queued and renders nothing). Without a backlog this does
/// nothing, so a render stays free of game-side work (dropping retired sounds).
pub(crate) fn settle(mixer: &mut Mixer, renderer: &mut CoreRenderer) {
    while mixer.controller.pending_commands() > 0 {
        renderer.render(&mut []);
        mixer.controller.flush();
    }
}

impl super::Driver for Offline {}

impl super::sealed::Ops for Offline {
    fn before(&mut self, _mixer: &mut Mixer) {}
    fn info(&self) -> &BackendInfo {
        &self.info
    }
    fn has_streams(&self) -> bool {
        true
    }
    fn release(&mut self) {}
}
