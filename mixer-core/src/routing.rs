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
use crate::bus_table::{BusMirror, SlotMirror, solo_gates};
use crate::command::{ASAP, Command};
use crate::controller::Controller;
use crate::db::gain_of;
use crate::db::{self, MAX_DB};
use crate::effect::{EffectContext, EffectParams};
use crate::error::finite_or;
use crate::error::{Error, Param};
use crate::id::BusId;
use crate::math::clamp;
use crate::shared::Shared;
use crate::source::SoundData;

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
        self.send(ASAP, Command::SetBus { bus, parent, gain })?;
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
        self.collect();
        if !self.bus_exists(bus) {
            return Err(Error::UnknownBus(bus));
        }
        if slot >= E {
            return Err(Error::NoEffectSlot);
        }
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

    /// Empty chain slot `slot` of `bus` and free its memory. An empty slot stays empty.
    ///
    /// # Errors
    /// [`Error::UnknownBus`], [`Error::NoEffectSlot`], [`Error::QueueFull`].
    pub fn clear_effect(&mut self, bus: BusId, slot: usize) -> Result<(), Error> {
        self.collect();
        if !self.bus_exists(bus) {
            return Err(Error::UnknownBus(bus));
        }
        if slot >= E {
            return Err(Error::NoEffectSlot);
        }
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

    /// Effect memory not in use, in `f32`s (free space may be fragmented).
    pub fn free_effect_memory(&self) -> usize {
        let used: usize = self
            .buses
            .iter()
            .filter(|b| b.live)
            .flat_map(|b| b.chain.iter())
            .map(|s| s.len)
            .sum();
        self.memory_len.saturating_sub(used)
    }

    /// First fit for `need` floats among the regions in use, ignoring the region of `own`
    /// (the slot being replaced, whose memory the same command frees).
    fn find_memory(&self, need: usize, own: (usize, usize)) -> Option<usize> {
        let in_use = |b: usize, s: usize| {
            let bus = &self.buses[b];
            (bus.live && (b, s) != own && bus.chain[s].len > 0).then_some(bus.chain[s])
        };
        let fits = |start: usize| {
            let end = start.checked_add(need)?;
            if end > self.memory_len {
                return None;
            }
            for b in 0..B {
                for s in 0..E {
                    if let Some(r) = in_use(b, s)
                        && start < r.offset + r.len
                        && r.offset < end
                    {
                        return None;
                    }
                }
            }
            Some(start)
        };
        // Candidates: the start of the arena, and the end of every region in use.
        fits(0).or_else(|| {
            (0..B)
                .flat_map(|b| (0..E).map(move |s| (b, s)))
                .filter_map(|(b, s)| in_use(b, s))
                .filter_map(|r| fits(r.offset + r.len))
                .min()
        })
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
