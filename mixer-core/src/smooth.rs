//! Linear parameter ramps, so no control change clicks.
//!
//! A ramp moves from its current value to a target in a fixed number of frames, one equal step
//! per frame, and lands exactly on the target. Frame `k` of a ramp is `start + k·step`, computed
//! afresh (not summed frame by frame): the step is set once, so rendering a ramp in one block or
//! in many gives the same bits, the error does not grow along the ramp, and every frame's value
//! is known without the ones before it (so a ramp vectorises).

/// A value ramping linearly toward a target.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Ramp {
    /// The value of the next frame.
    pub value: f32,
    /// Added per frame while `left > 0`.
    pub step: f32,
    /// The value the ramp lands on.
    pub target: f32,
    /// Frames left in the ramp.
    pub left: u32,
    /// The value the ramp started from.
    pub start: f32,
    /// Frames of the ramp run so far: the next frame is `start + done·step`.
    pub done: u32,
}

impl Ramp {
    /// A ramp resting at `value`.
    pub const fn at(value: f32) -> Self {
        Self {
            value,
            step: 0.0,
            target: value,
            left: 0,
            start: value,
            done: 0,
        }
    }

    /// Ramp from the current value to `target` over `frames` frames (at once when 0).
    ///
    /// A ramp to the value it already holds still runs its `frames` (with a zero step), so
    /// ramps set together stay in lock-step: the voice's left and right gains share one count.
    pub fn set(&mut self, target: f32, frames: u32) {
        self.target = target;
        if frames == 0 {
            self.jump(target);
        } else {
            self.step = (target - self.value) / frames as f32;
            self.left = frames;
            self.start = self.value;
            self.done = 0;
        }
    }

    /// Jump to `value` with no ramp.
    pub fn jump(&mut self, value: f32) {
        *self = Self::at(value);
    }

    /// Whether the ramp has landed.
    pub fn is_settled(&self) -> bool {
        self.left == 0
    }

    /// The value `k` frames from now, for `k < left` (the target is the caller's from `left`
    /// on).
    #[inline(always)]
    pub fn within(&self, k: u32) -> f32 {
        self.start + (self.done + k) as f32 * self.step
    }

    /// Advance by `frames` frames without producing values (the caller applied them).
    #[inline]
    pub fn advance(&mut self, frames: u32) {
        if frames >= self.left {
            self.jump(self.target);
        } else {
            self.left -= frames;
            self.done += frames;
            self.value = self.start + self.done as f32 * self.step;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tests that a ramp lands exactly on its target, in one piece or in many.
    #[test]
    fn lands_exactly_and_is_split_invariant() {
        let mut a = Ramp::at(0.0);
        a.set(1.0, 100);
        let mut b = a;
        a.advance(100);
        assert_eq!(a.value, 1.0);
        assert!(a.is_settled());
        b.advance(33);
        let mid = b.value;
        assert!(mid > 0.3 && mid < 0.36, "{mid}");
        b.advance(67);
        assert_eq!(b.value, 1.0);
    }

    /// Tests that a ramp to its own value keeps its frame count, so paired ramps agree.
    #[test]
    fn ramp_to_same_value_keeps_count() {
        let mut a = Ramp::at(1.0);
        a.set(1.0, 64);
        assert_eq!((a.left, a.step), (64, 0.0));
        a.advance(64);
        assert!(a.is_settled());
        assert_eq!(a.value, 1.0);
    }
}
