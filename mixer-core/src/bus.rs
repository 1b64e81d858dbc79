//! The bus graph: fixed bus slots, each with a parent and a ramped gain.
//!
//! Voices add into their bus's buffer; buses are then folded children-first into their parents,
//! and root buses (Master, or any bus with no parent) into the output. Bus 0 is Master and always
//! exists. The [`Controller`](crate::Controller) rejects routing cycles before they reach the
//! renderer, so the fold order is a simple depth sort.

use crate::SEGMENT;
use crate::chain::{Chain, Scratch};
use crate::fade::Fade;
use crate::id::BusId;
use crate::smooth::Ramp;

/// One bus slot of the renderer: its input buffers, its effect chain, and the gain (own level,
/// mute and solo folded in by the controller) applied after the chain.
#[derive(Debug, Clone)]
pub(crate) struct Bus<const E: usize> {
    pub live: bool,
    pub parent: Option<BusId>,
    pub gain: Ramp,
    /// Whether anything was added to the buffers in this segment.
    pub touched: bool,
    pub left: Lane,
    pub right: Lane,
    pub chain: Chain<E>,
    /// The chain a chain edit replaced, ringing out until frame `outgoing_until` (0: none),
    /// its input fading out as `xfade` (the new chain's share of the input) rises to 1.
    pub outgoing: Chain<E>,
    pub outgoing_until: u64,
    pub xfade: Ramp,
    /// The outgoing chain's output fades out over this many frames before `outgoing_until`.
    pub outgoing_fade: u32,
    /// A tween of `gain` in progress (followed in pieces), and whether `gain` already aims
    /// at the end of its current piece.
    pub tween: Option<Fade>,
    pub tween_aimed: bool,
}

impl<const E: usize> Bus<E> {
    pub const fn new(live: bool) -> Self {
        Self {
            live,
            parent: None,
            gain: Ramp::at(1.0),
            touched: false,
            left: Lane::ZERO,
            right: Lane::ZERO,
            chain: Chain::new(),
            outgoing: Chain::new(),
            outgoing_until: 0,
            xfade: Ramp::at(1.0),
            outgoing_fade: 0,
            tween: None,
            tween_aimed: false,
        }
    }

    /// Set the gain: to `gain` over `fade` frames (a tween running stops), or at once on a
    /// bus being created, which becomes live.
    pub fn set_gain(&mut self, gain: f32, fade: u32) {
        self.tween = None;
        if self.live {
            self.gain.set(gain, fade);
        } else {
            self.gain.jump(gain);
            self.live = true;
        }
    }

    /// Move the gain to `gain` along `curve` over `frames` frames (a bus being created
    /// starts at it).
    pub fn tween_gain(&mut self, gain: f32, frames: u32, curve: crate::fade::Curve) {
        if !self.live || frames == 0 {
            return self.set_gain(gain, frames);
        }
        self.tween = Some(Fade {
            from: self.gain.value,
            to: gain,
            frames,
            done: 0,
            curve,
            stop: false,
        });
        self.tween_aimed = false;
    }

    /// How many of the next `most` frames the gain ramp may run now: all of them, or up to
    /// the end of the tween's current piece (the ramp aimed at its end first).
    pub fn gain_piece(&mut self, most: usize) -> usize {
        let Some(t) = self.tween else {
            return most;
        };
        let piece = t.piece();
        if !self.tween_aimed {
            self.gain.set(t.level_at(t.done + piece), piece);
            self.tween_aimed = true;
        }
        most.min(piece as usize)
    }

    /// The gain ramp ran `k` frames of what [`gain_piece`](Self::gain_piece) allowed.
    pub fn gain_ran(&mut self, k: usize) {
        let Some(t) = self.tween.as_mut() else {
            return;
        };
        let piece = t.piece() as usize;
        t.done += k as u32;
        if k >= piece {
            self.tween_aimed = false;
            if t.done >= t.frames {
                self.tween = None;
            }
        }
    }

    /// Whether the bus's chains process (a bus with an active chain renders even with no
    /// input, so tails ring out).
    pub fn chains_active(&self) -> bool {
        self.chain.is_active() || self.outgoing_until != 0
    }

    /// Replace the chain with an empty one, the old one ringing out (see `outgoing`); one
    /// still ringing from an earlier edit stops here.
    pub fn begin_chain_edit(&mut self, fade: u32, until: u64, now: u64) {
        self.outgoing = core::mem::replace(&mut self.chain, Chain::new());
        if until <= now {
            // Too late to ring out (the edit waited longer than its ring-out).
            self.outgoing.clear_all();
            self.outgoing_until = 0;
            return;
        }
        self.outgoing_until = until;
        self.outgoing_fade = fade.min((until - now).min(u64::from(u32::MAX)) as u32);
        self.xfade = Ramp::at(0.0);
        self.xfade.set(1.0, fade);
    }

    /// Replace the non-finite samples of the first `n` frames by silence; the count.
    pub fn scrub(&mut self, n: usize) -> u32 {
        crate::math::scrub(&mut self.left[..n])
            .saturating_add(crate::math::scrub(&mut self.right[..n]))
    }

    /// Silence the state of both chains (the live one and one ringing out), keeping their
    /// settings.
    pub fn reset_chains(&mut self, memory: &mut [f32]) {
        self.chain.reset(memory);
        self.outgoing.reset(memory);
    }

    /// Run the chains over the first `n` frames of the buffers (frame `frame` of the timeline
    /// first): the new chain on its share of the input, the outgoing one on the rest, summed.
    pub fn process_chains(
        &mut self,
        n: usize,
        frame: u64,
        memory: &mut [f32],
        scratch: &mut Scratch,
        split: &mut Scratch,
    ) {
        if self.outgoing_until == 0 {
            self.chain
                .process(&mut self.left[..n], &mut self.right[..n], memory, scratch);
            return;
        }
        let (ol, or) = split.buffers(n);
        let mut w = self.xfade;
        for i in 0..n {
            let x = w.value;
            ol[i] = self.left[i] * (1.0 - x);
            or[i] = self.right[i] * (1.0 - x);
            self.left[i] *= x;
            self.right[i] *= x;
            w.advance(1);
        }
        self.xfade = w;
        self.chain
            .process(&mut self.left[..n], &mut self.right[..n], memory, scratch);
        self.outgoing.process(ol, or, memory, scratch);
        // The outgoing output fades out over its last frames, as a function of the frame
        // alone (so where passes split does not change a bit).
        let (until, fade) = (self.outgoing_until, u64::from(self.outgoing_fade));
        for i in 0..n {
            let left = until.saturating_sub(frame + i as u64);
            let g = if left >= fade {
                1.0
            } else {
                left as f32 / fade as f32
            };
            self.left[i] += ol[i] * g;
            self.right[i] += or[i] * g;
        }
        if frame + n as u64 >= until {
            self.outgoing.clear_all();
            self.outgoing_until = 0;
        }
    }
}

/// The depth of `bus` below its root, following parents (bounded by the table size).
pub(crate) fn depth<const B: usize, const E: usize>(buses: &[Bus<E>; B], bus: usize) -> usize {
    let mut depth = 0;
    let mut at = bus;
    while let Some(parent) = buses[at].parent {
        let p = parent.index();
        if p >= B || !buses[p].live || depth >= B {
            break;
        }
        depth += 1;
        at = p;
    }
    depth
}

/// Live buses ordered deepest first, so every child folds into its parent before the parent
/// folds onward. Ties keep index order, so the order (and the float sums) are deterministic.
/// Whether a voice on `bus` is in `root`'s group: on `root` itself or on a bus whose sends
/// lead into it.
pub(crate) fn routes_into<const E: usize>(buses: &[Bus<E>], bus: BusId, root: BusId) -> bool {
    crate::id::routes_into(bus, root, buses.len(), |b| {
        buses.get(b.index()).and_then(|x| x.parent)
    })
}

pub(crate) fn fold_order<const B: usize, const E: usize>(
    buses: &[Bus<E>; B],
) -> heapless::Vec<u8, B> {
    let mut order: heapless::Vec<(usize, u8), B> = heapless::Vec::new();
    for (i, bus) in buses.iter().enumerate() {
        if bus.live {
            // Cannot fail: at most B entries.
            let _ = order.push((depth(buses, i), i as u8));
        }
    }
    // Insertion sort, stable, by depth descending (B is small).
    for i in 1..order.len() {
        let mut j = i;
        while j > 0 && order[j - 1].0 < order[j].0 {
            order.swap(j - 1, j);
            j -= 1;
        }
    }
    order.iter().map(|&(_, i)| i).collect()
}

/// Add `src` into `dst`, frame by frame.
pub(crate) fn add(src: (&[f32], &[f32]), dst: (&mut [f32], &mut [f32])) {
    for (d, s) in dst.0.iter_mut().zip(src.0) {
        *d += s;
    }
    for (d, s) in dst.1.iter_mut().zip(src.1) {
        *d += s;
    }
}

/// Add `src * gain` (ramping) into `dst`, advancing the ramp by `n` frames.
pub(crate) fn fold(src: (&[f32], &[f32]), dst: (&mut [f32], &mut [f32]), gain: &mut Ramp) {
    let n = src.0.len();
    if gain.is_settled() {
        let g = gain.value;
        for (d, s) in dst.0[..n].iter_mut().zip(src.0) {
            *d += s * g;
        }
        for (d, s) in dst.1[..n].iter_mut().zip(src.1) {
            *d += s * g;
        }
    } else {
        let k = n.min(gain.left as usize);
        for i in 0..k {
            let g = gain.within(i as u32);
            dst.0[i] += src.0[i] * g;
            dst.1[i] += src.1[i] * g;
        }
        gain.advance(k as u32);
        let g = gain.value;
        for i in k..n {
            dst.0[i] += src.0[i] * g;
            dst.1[i] += src.1[i] * g;
        }
    }
}

/// [`fold`], also adding what it adds into `meter` (the bus's level after its gain): the
/// same sums into `dst`, so metering never changes a bit of the mix.
pub(crate) fn fold_metered(
    src: (&[f32], &[f32]),
    dst: (&mut [f32], &mut [f32]),
    gain: &mut Ramp,
    meter: &mut crate::meter::Accum,
) {
    let n = src.0.len();
    let k = if gain.is_settled() {
        0
    } else {
        n.min(gain.left as usize)
    };
    let (mut peak, mut sum) = (meter.peak, meter.sum);
    for i in 0..k {
        let g = gain.within(i as u32);
        let (l, r) = (src.0[i] * g, src.1[i] * g);
        dst.0[i] += l;
        dst.1[i] += r;
        peak = [peak[0].max(l.abs()), peak[1].max(r.abs())];
        sum = [sum[0] + l * l, sum[1] + r * r];
    }
    if k > 0 {
        gain.advance(k as u32);
    }
    let g = gain.value;
    for i in k..n {
        let (l, r) = (src.0[i] * g, src.1[i] * g);
        dst.0[i] += l;
        dst.1[i] += r;
        peak = [peak[0].max(l.abs()), peak[1].max(r.abs())];
        sum = [sum[0] + l * l, sum[1] + r * r];
    }
    (meter.peak, meter.sum) = (peak, sum);
    meter.frames += n as u32;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tests that children fold before their parents, whatever their indices.
    #[test]
    fn children_fold_first() {
        let mut buses: [Bus<1>; 4] = [const { Bus::new(true) }; 4];
        buses[1].parent = Some(BusId(3));
        buses[3].parent = Some(BusId(0));
        buses[2].parent = Some(BusId(0));
        let order = fold_order(&buses);
        assert_eq!(order.as_slice(), &[1, 2, 3, 0]);
    }
}

/// One channel of a segment's samples, aligned to a cache line, so the mix's eight-frame
/// loads and stores of it (every voice adds into a bus's lanes) never straddle two lines.
#[derive(Debug, Clone)]
#[repr(C, align(64))]
pub(crate) struct Lane(pub [f32; SEGMENT]);

impl Lane {
    /// A lane of zeros.
    pub const ZERO: Self = Self([0.0; SEGMENT]);
}

impl core::ops::Deref for Lane {
    type Target = [f32; SEGMENT];
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl core::ops::DerefMut for Lane {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}
