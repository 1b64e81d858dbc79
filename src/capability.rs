//! Capabilities: what a backend can do, with the original engine's strings.

use std::fmt;

/// One capability. [`Capability::as_str`] is the original's string (`play.basic`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Capability {
    /// `play.basic`
    PlayBasic,
    /// `play.2d`
    Play2d,
    /// `play.3d`
    Play3d,
    /// `spatial.hrtf`
    SpatialHrtf,
    /// `spatial.doppler`
    SpatialDoppler,
    /// `streaming`
    Streaming,
    /// `streaming.wav`
    StreamingWav,
    /// `streaming.ogg`
    StreamingOgg,
    /// `streaming.mp3`
    StreamingMp3,
    /// `streaming.flac`
    StreamingFlac,
    /// `effect.gain`
    EffectGain,
    /// `effect.filter_biquad`
    EffectFilterBiquad,
    /// `effect.parametric_eq`
    EffectParametricEq,
    /// `effect.delay`
    EffectDelay,
    /// `effect.reverb`
    EffectReverb,
    /// `effect.compressor`
    EffectCompressor,
    /// `effect.softclip`
    EffectSoftclip,
}

impl Capability {
    /// Every capability, in declaration order.
    pub const ALL: [Capability; 17] = [
        Capability::PlayBasic,
        Capability::Play2d,
        Capability::Play3d,
        Capability::SpatialHrtf,
        Capability::SpatialDoppler,
        Capability::Streaming,
        Capability::StreamingWav,
        Capability::StreamingOgg,
        Capability::StreamingMp3,
        Capability::StreamingFlac,
        Capability::EffectGain,
        Capability::EffectFilterBiquad,
        Capability::EffectParametricEq,
        Capability::EffectDelay,
        Capability::EffectReverb,
        Capability::EffectCompressor,
        Capability::EffectSoftclip,
    ];

    /// The original engine's string for this capability.
    ///
    /// ```
    /// use simvx_audio::Capability;
    /// assert_eq!(Capability::Play2d.as_str(), "play.2d");
    /// assert_eq!("effect.filter_biquad".parse(), Ok(Capability::EffectFilterBiquad));
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Capability::PlayBasic => "play.basic",
            Capability::Play2d => "play.2d",
            Capability::Play3d => "play.3d",
            Capability::SpatialHrtf => "spatial.hrtf",
            Capability::SpatialDoppler => "spatial.doppler",
            Capability::Streaming => "streaming",
            Capability::StreamingWav => "streaming.wav",
            Capability::StreamingOgg => "streaming.ogg",
            Capability::StreamingMp3 => "streaming.mp3",
            Capability::StreamingFlac => "streaming.flac",
            Capability::EffectGain => "effect.gain",
            Capability::EffectFilterBiquad => "effect.filter_biquad",
            Capability::EffectParametricEq => "effect.parametric_eq",
            Capability::EffectDelay => "effect.delay",
            Capability::EffectReverb => "effect.reverb",
            Capability::EffectCompressor => "effect.compressor",
            Capability::EffectSoftclip => "effect.softclip",
        }
    }

    const fn bit(self) -> u32 {
        1 << self as u32
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Capability {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Capability::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or(())
    }
}

impl PartialEq<str> for Capability {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Capability {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// A set of capabilities.
///
/// ```
/// use simvx_audio::{Capability, CapabilitySet};
/// let set = CapabilitySet::from_iter([Capability::PlayBasic]);
/// assert!(set.contains(Capability::PlayBasic));
/// assert!(!set.contains(Capability::Streaming));
/// assert_eq!(set.strings(), vec!["play.basic"]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct CapabilitySet(u32);

impl CapabilitySet {
    /// The empty set.
    pub const EMPTY: Self = Self(0);

    /// What the null backend advertises: `play.basic` only.
    pub const NULL: Self = Self(Capability::PlayBasic.bit());

    /// What a mixing backend advertises: playback in every mode, engine-side doppler, every
    /// effect, and streaming (fed rings, WAV fed by the caller as in the original, and its own
    /// decoder thread for ogg, mp3 and flac).
    pub const MIXER: Self = Self(
        Capability::Streaming.bit()
            | Capability::StreamingWav.bit()
            | Capability::StreamingOgg.bit()
            | Capability::StreamingMp3.bit()
            | Capability::StreamingFlac.bit()
            | Capability::PlayBasic.bit()
            | Capability::Play2d.bit()
            | Capability::Play3d.bit()
            | Capability::SpatialDoppler.bit()
            | Capability::EffectGain.bit()
            | Capability::EffectFilterBiquad.bit()
            | Capability::EffectParametricEq.bit()
            | Capability::EffectDelay.bit()
            | Capability::EffectReverb.bit()
            | Capability::EffectCompressor.bit()
            | Capability::EffectSoftclip.bit(),
    );

    /// Whether `c` is in the set.
    pub const fn contains(self, c: Capability) -> bool {
        self.0 & c.bit() != 0
    }

    /// The set with `c` added.
    pub const fn with(self, c: Capability) -> Self {
        Self(self.0 | c.bit())
    }

    /// The members, in declaration order.
    pub fn iter(self) -> impl Iterator<Item = Capability> {
        Capability::ALL
            .into_iter()
            .filter(move |c| self.contains(*c))
    }

    /// The members' strings, sorted (as the original's messages list them).
    pub fn strings(self) -> Vec<&'static str> {
        let mut v: Vec<_> = self.iter().map(Capability::as_str).collect();
        v.sort_unstable();
        v
    }
}

impl FromIterator<Capability> for CapabilitySet {
    fn from_iter<I: IntoIterator<Item = Capability>>(iter: I) -> Self {
        iter.into_iter().fold(Self::EMPTY, Self::with)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tests that every capability's string round-trips and the strings are the original's.
    #[test]
    fn strings_round_trip() {
        for c in Capability::ALL {
            assert_eq!(c.as_str().parse(), Ok(c));
        }
        assert_eq!(Capability::StreamingFlac, "streaming.flac");
        assert_eq!(
            Capability::EffectParametricEq.as_str(),
            "effect.parametric_eq"
        );
        assert_eq!(CapabilitySet::NULL.strings(), vec!["play.basic"]);
        assert_eq!(
            CapabilitySet::MIXER.strings(),
            vec![
                "effect.compressor",
                "effect.delay",
                "effect.filter_biquad",
                "effect.gain",
                "effect.parametric_eq",
                "effect.reverb",
                "effect.softclip",
                "play.2d",
                "play.3d",
                "play.basic",
                "spatial.doppler",
                "streaming",
                "streaming.flac",
                "streaming.mp3",
                "streaming.ogg",
                "streaming.wav",
            ]
        );
    }
}
