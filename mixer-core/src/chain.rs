//! A bus's effect chain: `E` fixed slots processed in order, each with its own effect memory
//! and a smoothed bypass.
//!
//! Slots are retuned in place when an effect of the same kind gets new parameters (its state,
//! delay lines and tails survive); a slot gets a new processor only when its kind changes.
//! Turning a slot off or on crossfades between the dry and processed signal over the smoothing
//! time, so bypass never clicks; a slot that is fully off costs nothing and keeps its state.

use crate::effect::{EffectContext, EffectParams, Processor, between};
use crate::fade::Curve;
use crate::smooth::Ramp;
use crate::{QUANTUM, SEGMENT};

/// A tween of a slot's parameters in progress: from the slot's `params` to `to`.
#[derive(Debug, Clone, Copy)]
struct EffectTween {
    to: EffectParams,
    frames: u32,
    done: u32,
    curve: Curve,
}

/// One slot of a chain.
#[derive(Debug, Clone)]
pub(crate) struct ChainSlot {
    processor: Option<Processor>,
    /// The parameters it was last set to (a tween starts from them).
    params: Option<EffectParams>,
    tween: Option<EffectTween>,
    /// 1 = processed, 0 = bypassed; ramps on enable/disable.
    mix: Ramp,
    /// The slot's region of the effect memory.
    offset: usize,
    len: usize,
}

impl ChainSlot {
    pub const EMPTY: Self = Self {
        processor: None,
        params: None,
        tween: None,
        mix: Ramp::at(0.0),
        offset: 0,
        len: 0,
    };

    /// Whether the slot does anything (processes or is fading).
    fn is_active(&self) -> bool {
        self.processor.is_some() && (self.mix.value > 0.0 || !self.mix.is_settled())
    }

    /// How many of the next `most` frames run on the current parameters: all of them, or up
    /// to the tween's next point (every [`QUANTUM`] frames of it, counted from its start),
    /// where the processor is retuned to the curve's value first.
    fn tween_piece(&mut self, most: usize) -> usize {
        let (Some(t), Some(from), Some(p)) =
            (self.tween.as_mut(), self.params, self.processor.as_mut())
        else {
            return most;
        };
        if t.done.is_multiple_of(QUANTUM as u32) {
            let end = (t.done + QUANTUM as u32).min(t.frames);
            let frac = fraction(t.curve, end as f32 / t.frames as f32);
            if let Some(now) = between(&from, &t.to, frac) {
                p.set(&now);
            }
        }
        let left = QUANTUM as u32 - t.done % QUANTUM as u32;
        most.min(left.min(t.frames - t.done) as usize)
    }

    /// The tween ran `k` frames of what [`tween_piece`](Self::tween_piece) allowed.
    fn tween_ran(&mut self, k: usize) {
        let Some(t) = self.tween.as_mut() else {
            return;
        };
        t.done += k as u32;
        if t.done >= t.frames {
            self.params = Some(t.to);
            self.tween = None;
        }
    }
}

/// Scratch buffers for crossfading a slot that is being enabled or disabled.
#[derive(Debug, Clone)]
pub(crate) struct Scratch {
    left: [f32; SEGMENT],
    right: [f32; SEGMENT],
}

impl Scratch {
    pub const fn new() -> Self {
        Self {
            left: [0.0; SEGMENT],
            right: [0.0; SEGMENT],
        }
    }

    /// The first `n` frames of both buffers.
    pub fn buffers(&mut self, n: usize) -> (&mut [f32], &mut [f32]) {
        let n = n.min(SEGMENT);
        (&mut self.left[..n], &mut self.right[..n])
    }
}

/// `E` slots in processing order.
#[derive(Debug, Clone)]
pub(crate) struct Chain<const E: usize> {
    slots: [ChainSlot; E],
}

impl<const E: usize> Chain<E> {
    pub const fn new() -> Self {
        Self {
            slots: [const { ChainSlot::EMPTY }; E],
        }
    }

    /// Whether any slot processes: a bus with an active chain renders even with no input, so
    /// tails ring out.
    pub fn is_active(&self) -> bool {
        self.slots.iter().any(ChainSlot::is_active)
    }

    /// Put `params` in `slot`, in memory `offset..offset + len`: retuned in place when the slot
    /// already holds that kind of effect in that region, else built anew (memory zeroed).
    #[allow(clippy::too_many_arguments)]
    pub fn set(
        &mut self,
        slot: usize,
        params: &EffectParams,
        enabled: bool,
        offset: usize,
        len: usize,
        memory: &mut [f32],
        ctx: &EffectContext,
    ) {
        let Some(s) = self.slots.get_mut(slot) else {
            return;
        };
        let Some(mem) = region(memory, offset, len) else {
            return;
        };
        let target = if enabled { 1.0 } else { 0.0 };
        // A new setting replaces a running tween.
        s.tween = None;
        s.params = Some(*params);
        let retuned = s.offset == offset
            && s.len == len
            && s.processor.as_mut().is_some_and(|p| p.set(params));
        if retuned {
            if s.mix.target != target {
                s.mix.set(target, ctx.smoothing_frames);
            }
        } else {
            s.processor = Some(Processor::new(params, ctx, mem));
            s.offset = offset;
            s.len = len;
            s.mix.jump(target);
        }
    }

    /// Move `slot`'s parameters to `params` along `curve` over `frames` frames (retuned every
    /// [`QUANTUM`] frames of the tween, each change smoothed as any retune), and its bypass
    /// to `enabled`; `false` when the slot does not hold that effect (nothing changes).
    pub fn tween(
        &mut self,
        slot: usize,
        params: &EffectParams,
        enabled: bool,
        frames: u32,
        curve: Curve,
        ctx: &EffectContext,
    ) -> bool {
        let Some(s) = self.slots.get_mut(slot) else {
            return false;
        };
        let (Some(from), Some(p)) = (s.params, s.processor.as_mut()) else {
            return false;
        };
        let target = if enabled { 1.0 } else { 0.0 };
        if s.mix.target != target {
            s.mix.set(target, ctx.smoothing_frames);
        }
        if between(&from, params, 0.0).is_none() {
            // Nothing between (an EQ whose bands changed): retuned at once.
            s.tween = None;
            s.params = Some(*params);
            return p.set(params);
        }
        // From where a running tween stands.
        if let Some(t) = s.tween {
            let frac = t.done as f32 / t.frames as f32;
            if let Some(now) = between(&from, &t.to, fraction(t.curve, frac)) {
                s.params = Some(now);
            }
        }
        s.tween = Some(EffectTween {
            to: *params,
            frames: frames.max(1),
            done: 0,
            curve,
        });
        true
    }

    /// Empty `slot`.
    pub fn clear(&mut self, slot: usize) {
        if let Some(s) = self.slots.get_mut(slot) {
            *s = ChainSlot::EMPTY;
        }
    }

    /// Silence every slot's state (filter memories, delay lines, envelopes), keeping its
    /// settings: what a chain that met a non-finite sample does, instead of ringing it.
    pub fn reset(&mut self, memory: &mut [f32]) {
        for s in self.slots.iter_mut() {
            if let (Some(p), Some(mem)) = (s.processor.as_mut(), region(memory, s.offset, s.len)) {
                p.reset(mem);
            }
        }
    }

    /// Empty every slot.
    pub fn clear_all(&mut self) {
        for s in self.slots.iter_mut() {
            *s = ChainSlot::EMPTY;
        }
    }

    /// Run the chain over `left`/`right` in place.
    pub fn process(
        &mut self,
        left: &mut [f32],
        right: &mut [f32],
        memory: &mut [f32],
        scratch: &mut Scratch,
    ) {
        let n = left.len().min(right.len()).min(SEGMENT);
        let (left, right) = (&mut left[..n], &mut right[..n]);
        for s in self.slots.iter_mut() {
            // A tween moves on in pieces (a bypassed slot's too, without processing).
            let mut off = 0;
            while off < n {
                let k = s.tween_piece(n - off);
                if s.is_active() {
                    s.run(
                        &mut left[off..off + k],
                        &mut right[off..off + k],
                        memory,
                        scratch,
                    );
                }
                s.tween_ran(k);
                off += k;
            }
        }
    }
}

impl ChainSlot {
    /// Run the slot over `left`/`right` in place (it is active).
    fn run(
        &mut self,
        left: &mut [f32],
        right: &mut [f32],
        memory: &mut [f32],
        scratch: &mut Scratch,
    ) {
        let n = left.len();
        let s = self;
        {
            let (Some(p), Some(mem)) = (s.processor.as_mut(), region(memory, s.offset, s.len))
            else {
                return;
            };
            if s.mix.is_settled() {
                p.process(mem, left, right);
                return;
            }
            // Crossfade dry → processed while the bypass ramps.
            let (sl, sr) = (&mut scratch.left[..n], &mut scratch.right[..n]);
            sl.copy_from_slice(left);
            sr.copy_from_slice(right);
            p.process(mem, sl, sr);
            // Exact at both ends (w = 0 keeps the dry sample, w = 1 takes the processed one), so
            // where the ramp ends inside a segment does not change a bit: renders stay
            // independent of how the caller splits its blocks.
            let mut m = s.mix;
            for i in 0..n {
                let w = m.value;
                if w == 1.0 {
                    left[i] = sl[i];
                    right[i] = sr[i];
                } else if w != 0.0 {
                    left[i] += (sl[i] - left[i]) * w;
                    right[i] += (sr[i] - right[i]) * w;
                }
                m.advance(1);
            }
            s.mix = m;
        }
    }
}

/// How far along a parameter tween on `curve` is at `t` of its length.
fn fraction(curve: Curve, t: f32) -> f32 {
    match curve {
        // The parameters move in dB and octaves already.
        Curve::Exponential => crate::math::clamp(t, 0.0, 1.0),
        c => c.at(0.0, 1.0, t),
    }
}

/// `memory[offset..offset + len]`, or `None` when it does not fit (never panics).
fn region(memory: &mut [f32], offset: usize, len: usize) -> Option<&mut [f32]> {
    let end = offset.checked_add(len)?;
    memory.get_mut(offset..end)
}
