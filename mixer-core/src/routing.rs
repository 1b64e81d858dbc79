//! The controller's side of the bus graph: routes, levels, mute and solo, effect slots and the
//! effect memory they use.
//!
//! The controller keeps a mirror of every bus and decides everything here, on the game thread:
//! routing cycles are refused when they are made, mute and solo are folded into one gain per bus
//! (the original's rules, SIMVX-ORIGINAL §7.2), and effect memory is carved out of the
//! renderer's arena by a first-fit search over the regions in use. The renderer only applies the
//! results. Regions are reused safely because commands apply in order: a slot's old effect is
//! gone before the command that gives its memory to another slot is applied.

use core::ops::Deref;

use crate::backlog::{Backlog, Queued};
use crate::bus_table::{BusMirror, SlotMirror, find_memory, solo_gates};
use crate::command::{ASAP, Command};
use crate::controller::Controller;
use crate::db::gain_of;
use crate::db::{self, MAX_DB};
use crate::effect::{EffectContext, EffectParams};
use crate::error::finite_or;
use crate::error::{Error, Param};
use crate::fade::Curve;
use crate::id::BusId;
use crate::math::clamp;
use crate::shared::Shared;
use crate::source::SoundData;

/// How long a chain replaced by [`Controller::replace_chain`] rings out, at most, in seconds.
pub const RING_OUT_SECONDS: u64 = 3;

impl<H, S, const V: usize, const B: usize, const E: usize, const Q: usize, P>
    Controller<H, S, V, B, E, P, Q>
where
    H: SoundData,
    S: Deref<Target = Shared<H, V, Q>>,
    P: Backlog<Queued<H>>,
{
    /// Create or re-route `bus` with `parent` (`None`: straight to the output) at `volume_db`
    /// (clamped to `[−80, 24]`; −80 is silence). Master (bus 0) always exists and has no parent.
    /// A new bus starts unmuted, not soloed, with an empty chain.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`], [`Error::UnknownBus`] (bus outside the table or parent
    /// missing), [`Error::BusCycle`], [`Error::MasterBus`], [`Error::QueueFull`].
    pub fn set_bus(
        &mut self,
        bus: BusId,
        parent: Option<BusId>,
        volume_db: f32,
    ) -> Result<(), Error> {
        self.set_bus_tweened(bus, parent, volume_db, 0, Curve::Linear, ASAP)
    }

    /// [`set_bus`](Self::set_bus), its level moving along `curve` over `frames` frames from
    /// frame `at` of the renderer's timeline (computed in the renderer, in 32-frame pieces of
    /// the curve, the same at every block size); 0 frames is the short de-click ramp. A later
    /// level change of the bus replaces a running tween. A bus being created starts at its
    /// level.
    ///
    /// # Errors
    /// As [`set_bus`](Self::set_bus).
    pub fn set_bus_tweened(
        &mut self,
        bus: BusId,
        parent: Option<BusId>,
        volume_db: f32,
        frames: u32,
        curve: Curve,
        at: u64,
    ) -> Result<(), Error> {
        self.collect();
        let volume_db = finite_or(Param::VolumeDb, volume_db)?;
        if bus.index() >= B {
            return Err(Error::UnknownBus(bus));
        }
        if bus == BusId::MASTER && parent.is_some() {
            return Err(Error::MasterBus);
        }
        if let Some(p) = parent {
            if !self.bus_exists(p) {
                return Err(Error::UnknownBus(p));
            }
            let mut at = Some(p);
            let mut steps = 0;
            while let Some(b) = at {
                if b == bus || steps > B {
                    return Err(Error::BusCycle { bus, parent: p });
                }
                at = self.buses[b.index()].parent;
                steps += 1;
            }
        }
        let volume = gain_of(clamp(volume_db, db::SILENCE_DB, MAX_DB));
        let m = &self.buses[bus.index()];
        let mirror = if m.live {
            BusMirror {
                parent,
                volume,
                ..*m
            }
        } else {
            BusMirror {
                live: true,
                parent,
                volume,
                sent: f32::NAN,
                ..BusMirror::DEAD
            }
        };
        let gates = self.gates_with(bus, mirror);
        let gain = if gates[bus.index()] && !mirror.mute {
            volume
        } else {
            0.0
        };
        let cmd = if frames == 0 {
            Command::SetBus { bus, parent, gain }
        } else {
            Command::TweenBus {
                bus,
                parent,
                gain,
                frames,
                curve,
            }
        };
        self.send(at, cmd)?;
        self.buses[bus.index()] = BusMirror {
            sent: gain,
            ..mirror
        };
        self.push_gains()
    }

    /// Mute or unmute `bus` (ramped). A muted bus passes nothing, its children included.
    ///
    /// # Errors
    /// [`Error::UnknownBus`], [`Error::QueueFull`].
    pub fn set_bus_mute(&mut self, bus: BusId, mute: bool) -> Result<(), Error> {
        self.collect();
        if !self.bus_exists(bus) {
            return Err(Error::UnknownBus(bus));
        }
        self.buses[bus.index()].mute = mute;
        self.push_gains()
    }

    /// Solo or unsolo `bus`. While any bus other than Master is soloed, a bus passes audio only
    /// if it is Master, is soloed or feeds (through its sends) a soloed bus, or carries a soloed
    /// bus's signal toward the output. Master's own solo flag is ignored.
    ///
    /// # Errors
    /// [`Error::UnknownBus`], [`Error::QueueFull`].
    pub fn set_bus_solo(&mut self, bus: BusId, solo: bool) -> Result<(), Error> {
        self.collect();
        if !self.bus_exists(bus) {
            return Err(Error::UnknownBus(bus));
        }
        self.buses[bus.index()].solo = solo;
        self.push_gains()
    }

    /// Remove `bus`; its voices and child buses move to its parent (or Master), its effects go
    /// and their memory is freed.
    ///
    /// # Errors
    /// [`Error::MasterBus`], [`Error::UnknownBus`], [`Error::QueueFull`].
    pub fn remove_bus(&mut self, bus: BusId) -> Result<(), Error> {
        self.collect();
        if bus == BusId::MASTER {
            return Err(Error::MasterBus);
        }
        if !self.bus_exists(bus) {
            return Err(Error::UnknownBus(bus));
        }
        self.send(ASAP, Command::RemoveBus(bus))?;
        let heir = self.buses[bus.index()].parent.unwrap_or(BusId::MASTER);
        for b in self.buses.iter_mut() {
            if b.parent == Some(bus) {
                b.parent = Some(heir);
            }
        }
        self.rehome_voices(bus, heir);
        self.buses[bus.index()] = BusMirror::DEAD;
        self.push_gains()
    }

    /// Whether `bus` exists.
    pub fn bus_exists(&self, bus: BusId) -> bool {
        bus.index() < B && self.buses[bus.index()].live
    }

    /// Effect slots per bus (`E`).
    pub const fn effect_slots(&self) -> usize {
        E
    }

    /// Put `params` in chain slot `slot` of `bus`, enabled or bypassed. The same kind of effect
    /// already in the slot is retuned in place (its state and tail survive, the change is
    /// smoothed); another kind replaces it. Parameters are clamped to their ranges and NaN
    /// takes the default.
    ///
    /// # Errors
    /// [`Error::UnknownBus`], [`Error::NoEffectSlot`] (`slot >= E`), [`Error::NoEffectMemory`]
    /// (the effect needs more memory than is free), [`Error::QueueFull`].
    pub fn set_effect(
        &mut self,
        bus: BusId,
        slot: usize,
        params: &EffectParams,
        enabled: bool,
    ) -> Result<(), Error> {
        self.effect_slot(bus, slot)?;
        let params = params.sanitized();
        let need = params.memory_len(&EffectContext::new(self.sample_rate()));
        let current = self.buses[bus.index()].chain[slot];
        let (offset, len) = if current.kind == Some(params.tag()) && current.len == need {
            (current.offset, current.len)
        } else if need == 0 {
            (0, 0)
        } else {
            let offset = self.find_memory(need, (bus.index(), slot)).ok_or({
                Error::NoEffectMemory {
                    needed: need,
                    total: self.memory_len,
                }
            })?;
            (offset, need)
        };
        self.send(
            ASAP,
            Command::SetEffect {
                bus,
                slot: slot as u8,
                params,
                enabled,
                offset: offset as u32,
                len: len as u32,
            },
        )?;
        self.buses[bus.index()].chain[slot] = SlotMirror {
            kind: Some(params.tag()),
            offset,
            len,
        };
        Ok(())
    }

    /// Move the effect in chain slot `slot` of `bus` to `params` along `curve` over `frames`
    /// frames from frame `at` (retuned in the renderer every [`QUANTUM`](crate::QUANTUM)
    /// frames of the curve, in place: state and tails survive), and its bypass to `enabled`.
    /// Levels and mixes move linearly, frequencies in octaves. A slot holding another effect
    /// (or an EQ with other bands), or 0 frames, is set at once as by
    /// [`set_effect`](Self::set_effect). A later change of the slot replaces the tween.
    ///
    /// # Errors
    /// As [`set_effect`](Self::set_effect).
    #[allow(clippy::too_many_arguments)]
    pub fn tween_effect(
        &mut self,
        bus: BusId,
        slot: usize,
        params: &EffectParams,
        enabled: bool,
        frames: u32,
        curve: Curve,
        at: u64,
    ) -> Result<(), Error> {
        self.effect_slot(bus, slot)?;
        let params = params.sanitized();
        let current = self.buses[bus.index()].chain[slot];
        let need = params.memory_len(&EffectContext::new(self.sample_rate()));
        if frames == 0 || current.kind != Some(params.tag()) || current.len != need {
            return self.set_effect(bus, slot, &params, enabled);
        }
        self.send(
            at,
            Command::TweenEffect {
                bus,
                slot: slot as u8,
                params,
                enabled,
                frames,
                curve,
            },
        )
    }

    /// Empty chain slot `slot` of `bus` and free its memory. An empty slot stays empty.
    ///
    /// # Errors
    /// [`Error::UnknownBus`], [`Error::NoEffectSlot`], [`Error::QueueFull`].
    pub fn clear_effect(&mut self, bus: BusId, slot: usize) -> Result<(), Error> {
        self.effect_slot(bus, slot)?;
        if self.buses[bus.index()].chain[slot].kind.is_some() {
            self.send(
                ASAP,
                Command::ClearEffect {
                    bus,
                    slot: slot as u8,
                },
            )?;
            self.buses[bus.index()].chain[slot] = SlotMirror::EMPTY;
        }
        Ok(())
    }

    /// Replace the whole chain of `bus` with `effects` (each enabled or bypassed), crossfading
    /// the old chain into the new one so nothing clicks: from the next block the old chain's
    /// input fades out over the smoothing time while the new chain's fades in, and the old
    /// chain rings out (its reverb and delay tails heard) for [`RING_OUT_SECONDS`], fading
    /// out over the smoothing time at the end. For adding, removing, reordering or replacing
    /// effects; a parameter change of the same effect is better sent with
    /// [`set_effect`](Self::set_effect), which retunes it in place.
    ///
    /// The new chain is built in fresh effect memory while the old one rings out, so for that
    /// time the bus needs both chains' memory.
    ///
    /// # Errors
    /// [`Error::UnknownBus`], [`Error::NoEffectSlot`] (more than `E` effects),
    /// [`Error::NoEffectMemory`] (not enough memory for both chains: nothing changes, and the
    /// edit can be made slot by slot instead), [`Error::QueueFull`].
    pub fn replace_chain(
        &mut self,
        bus: BusId,
        effects: &[(EffectParams, bool)],
    ) -> Result<(), Error> {
        self.collect();
        if !self.bus_exists(bus) {
            return Err(Error::UnknownBus(bus));
        }
        if effects.len() > E {
            return Err(Error::NoEffectSlot);
        }
        let now = self.now();
        let ctx = EffectContext::new(self.sample_rate());
        let fade = ctx.smoothing_frames;
        let until = now + u64::from(fade) + u64::from(self.sample_rate()) * RING_OUT_SECONDS;
        // Plan on a copy: the old chain becomes the outgoing one, and the new effects get
        // memory none of the chains that still run uses.
        let mut plan = self.buses;
        let b = &mut plan[bus.index()];
        b.outgoing = b.chain;
        b.outgoing_until = until;
        b.chain = [SlotMirror::EMPTY; E];
        let mut sanitized = [None; E];
        for (slot, (params, _)) in effects.iter().enumerate() {
            let params = params.sanitized();
            let need = params.memory_len(&ctx);
            let offset = if need == 0 {
                0
            } else {
                find_memory(&plan, self.memory_len, now, need, (B, E)).ok_or(
                    Error::NoEffectMemory {
                        needed: need,
                        total: self.memory_len,
                    },
                )?
            };
            plan[bus.index()].chain[slot] = SlotMirror {
                kind: Some(params.tag()),
                offset,
                len: need,
            };
            sanitized[slot] = Some(params);
        }
        self.send(ASAP, Command::ChainEdit { bus, fade, until })?;
        self.buses = plan;
        for (slot, (params, &(_, enabled))) in sanitized.iter().zip(effects).enumerate() {
            let Some(params) = params else { continue };
            let r = self.buses[bus.index()].chain[slot];
            // A full queue here leaves the rest of the new chain waiting in the backlog (or,
            // with none, the slot empty: the mirror follows what was sent).
            let sent = self.send(
                ASAP,
                Command::SetEffect {
                    bus,
                    slot: slot as u8,
                    params: *params,
                    enabled,
                    offset: r.offset as u32,
                    len: r.len as u32,
                },
            );
            if let Err(e) = sent {
                for s in slot..E {
                    self.buses[bus.index()].chain[s] = SlotMirror::EMPTY;
                }
                return Err(e);
            }
        }
        Ok(())
    }

    /// Collect, then check that `bus` exists and has a chain slot `slot`.
    fn effect_slot(&mut self, bus: BusId, slot: usize) -> Result<(), Error> {
        self.collect();
        if !self.bus_exists(bus) {
            return Err(Error::UnknownBus(bus));
        }
        if slot >= E {
            return Err(Error::NoEffectSlot);
        }
        Ok(())
    }

    /// Effect memory not in use, in `f32`s (free space may be fragmented).
    pub fn free_effect_memory(&self) -> usize {
        let now = self.now();
        let used: usize = self
            .buses
            .iter()
            .filter(|b| b.live)
            .flat_map(|b| {
                let ringing = if b.outgoing_until > now { E } else { 0 };
                b.chain.iter().chain(b.outgoing.iter().take(ringing))
            })
            .map(|s| s.len)
            .sum();
        self.memory_len.saturating_sub(used)
    }

    /// First fit for `need` floats among the regions in use, ignoring the region of `own`
    /// (the slot being replaced, whose memory the same command frees).
    fn find_memory(&self, need: usize, own: (usize, usize)) -> Option<usize> {
        find_memory(&self.buses, self.memory_len, self.now(), need, own)
    }

    /// Which buses pass audio under the solo rules, if `bus` were `mirror`.
    fn gates_with(&self, bus: BusId, mirror: BusMirror<E>) -> [bool; B] {
        let mut buses = self.buses;
        buses[bus.index()] = mirror;
        solo_gates(&buses)
    }

    /// Send every bus whose gain (level × mute × solo) changed.
    fn push_gains(&mut self) -> Result<(), Error> {
        let gates = solo_gates(&self.buses);
        for (i, open) in gates.into_iter().enumerate() {
            let m = self.buses[i];
            if !m.live {
                continue;
            }
            let gain = if open && !m.mute { m.volume } else { 0.0 };
            if gain.to_bits() != m.sent.to_bits() {
                let bus = BusId(i as u8);
                self.send(
                    ASAP,
                    Command::SetBus {
                        bus,
                        parent: m.parent,
                        gain,
                    },
                )?;
                self.buses[i].sent = gain;
            }
        }
        Ok(())
    }
}
