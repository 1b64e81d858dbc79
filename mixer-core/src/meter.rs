//! Level meters: peak and RMS per bus (after its effects and its gain) and of the output, over
//! windows of [`Config::meter_frames`](crate::Config::meter_frames), published lock-free for
//! the game thread (see [`Controller::meter`](crate::Controller::meter)).

use crate::mailbox::Seqlock;

/// A meter's reading: the last complete window's peak and RMS, linear, per channel (left,
/// right).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct MeterReading {
    /// Largest absolute sample, per channel.
    pub peak: [f32; 2],
    /// Root mean square, per channel.
    pub rms: [f32; 2],
    /// Windows measured so far (0: no reading yet).
    pub windows: u32,
}

impl MeterReading {
    /// `peak` in dBFS (−∞ for silence).
    pub fn peak_db(&self) -> [f32; 2] {
        self.peak.map(to_db)
    }

    /// `rms` in dBFS (−∞ for silence).
    pub fn rms_db(&self) -> [f32; 2] {
        self.rms.map(to_db)
    }
}

fn to_db(x: f32) -> f32 {
    if x > 0.0 {
        20.0 * crate::math::log10(x)
    } else {
        f32::NEG_INFINITY
    }
}

/// What the renderer adds up over a window.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Accum {
    pub peak: [f32; 2],
    pub sum: [f32; 2],
    pub frames: u32,
}

impl Accum {
    /// Nothing measured yet.
    pub const ZERO: Self = Self {
        peak: [0.0; 2],
        sum: [0.0; 2],
        frames: 0,
    };

    /// Add the frames of `left` and `right`.
    pub fn add(&mut self, left: &[f32], right: &[f32]) {
        for (c, x) in [left, right].into_iter().enumerate() {
            let (mut peak, mut sum) = (self.peak[c], self.sum[c]);
            for &s in x {
                peak = peak.max(s.abs());
                sum += s * s;
            }
            (self.peak[c], self.sum[c]) = (peak, sum);
        }
        self.frames += left.len() as u32;
    }

    /// Once the window is complete: publish it to `cell` and start the next.
    pub fn publish_if_full(&mut self, window: u32, cell: &MeterCell) {
        if self.frames < window.max(1) {
            return;
        }
        let n = self.frames as f32;
        let rms = self.sum.map(|s| crate::math::sqrt(s / n));
        let peak = self.peak;
        cell.lock.write(|w| {
            w.set(0, peak[0].to_bits());
            w.set(1, peak[1].to_bits());
            w.set(2, rms[0].to_bits());
            w.set(3, rms[1].to_bits());
            w.set(4, w.get(4).wrapping_add(1));
        });
        *self = Self::ZERO;
    }
}

/// Where one meter's readings are published.
#[derive(Debug)]
pub(crate) struct MeterCell {
    lock: Seqlock<5>,
}

impl MeterCell {
    pub(crate) const fn new() -> Self {
        Self {
            lock: Seqlock::new(),
        }
    }

    /// The last reading (or the one before, while a new one is being written).
    pub(crate) fn read(&self) -> MeterReading {
        for _ in 0..4 {
            if let Some(w) = self.lock.read() {
                return MeterReading {
                    peak: [f32::from_bits(w[0]), f32::from_bits(w[1])],
                    rms: [f32::from_bits(w[2]), f32::from_bits(w[3])],
                    windows: w[4],
                };
            }
        }
        MeterReading::default()
    }
}

/// Bus meters in a [`Shared`](crate::Shared): one per possible bus, and the output's.
pub(crate) const METERS: usize = 256;

/// The output's meter (after every bus: what the device gets).
pub(crate) const OUTPUT_METER: usize = METERS - 1;
