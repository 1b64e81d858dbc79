//! `sync_bus_layout` for mixing backends: reconcile the core's buses with a layout, sending
//! only what changed.
//!
//! Buses keep their core slot for as long as their name exists, so live voices keep playing
//! through a sync. Routes are set parents-first, so no intermediate state has a cycle; buses
//! gone from the layout are removed last (their voices move to their parent). An effect whose
//! kind is unchanged in its list position is retuned in place (state and tail survive); only a
//! changed kind at a position rebuilds that slot. Calling it again with the same layout sends
//! nothing.

use mixer_core::BusId;

use crate::backend::Mixer;
use crate::backend::mixer::BusState;
use crate::bus::Effect;
use crate::bus::{AudioBusLayout, MASTER};
use crate::config::{MAX_BUSES, MAX_EFFECTS};
use crate::error::AudioError;

impl Mixer {
    /// Make the mixer's buses match `layout`.
    ///
    /// Everything is checked before anything is sent: too many buses or effects, NaN in an
    /// effect. A layout without Master leaves the core's Master (the root every bus with no
    /// send feeds) at 0 dB with no effects.
    pub(crate) fn sync_layout(
        &mut self,
        layout: &AudioBusLayout,
        tween: Option<(u32, mixer_core::fade::Curve, u64)>,
    ) -> Result<(), AudioError> {
        self.live()?;
        self.check_layout(layout)?;

        // 1. Slots: names already placed keep theirs; new names take slots that are empty or
        //    whose bus is leaving.
        let mut slot_of: Vec<(String, usize)> = Vec::new();
        let mut taken: Vec<bool> = self
            .buses
            .iter()
            .map(|b| b.as_ref().is_some_and(|b| layout.has_bus(&b.name)))
            .collect();
        taken[0] = true;
        for bus in layout.buses() {
            let slot = match self.slot_of(bus.name()) {
                Some(s) if bus.name() == MASTER || s != 0 => s,
                _ if bus.name() == MASTER => 0,
                _ => {
                    let s = (1..MAX_BUSES).find(|&s| !taken[s]).ok_or_else(|| {
                        AudioError::InvalidLayout(format!(
                            "more than {MAX_BUSES} buses (the mixer's bus table)"
                        ))
                    })?;
                    taken[s] = true;
                    s
                }
            };
            slot_of.push((bus.name().to_string(), slot));
        }
        let find = |name: &str| slot_of.iter().find(|(n, _)| n == name).map(|&(_, s)| s);

        // 2. Remove the buses the layout no longer has, before their slots are reused: their
        //    voices and children move to their parent (children get their final route next).
        for slot in 1..MAX_BUSES {
            let gone = self.buses[slot]
                .as_ref()
                .is_some_and(|b| !layout.has_bus(&b.name));
            if gone {
                let r = self.controller.remove_bus(BusId(slot as u8));
                r.map_err(|e| self.err(e))?;
                self.buses[slot] = None;
                self.bus_epochs[slot] = self.bus_epochs[slot].wrapping_add(1);
            }
        }

        // 3. Create and route, parents first; set levels with the route.
        for bus in order_parents_first(layout) {
            let slot = find(bus.name()).expect("every bus has a slot");
            let parent = match bus.send_to() {
                "" if slot == 0 => None,
                "" => None,
                p => Some(BusId(find(p).unwrap_or(0) as u8)),
            };
            let parent = if slot == 0 { None } else { parent };
            let old = self.buses[slot].clone();
            let changed = old
                .as_ref()
                .is_none_or(|o| o.parent != parent || o.volume_db != bus.volume_db());
            if changed {
                let id = BusId(slot as u8);
                // Only a level change of a bus that exists already is tweened.
                let r = match (tween, &old) {
                    (Some((frames, curve, at)), Some(o)) if o.volume_db != bus.volume_db() => self
                        .controller
                        .set_bus_tweened(id, parent, bus.volume_db(), frames, curve, at),
                    _ => self.controller.set_bus(id, parent, bus.volume_db()),
                };
                r.map_err(|e| self.err(e))?;
            }
            let state = self.buses[slot].get_or_insert_with(|| BusState {
                name: bus.name().into(),
                volume_db: bus.volume_db(),
                mute: false,
                solo: false,
                parent,
                effects: Vec::new(),
            });
            state.name = bus.name().into();
            state.volume_db = bus.volume_db();
            state.parent = parent;
        }

        // 4. Mute, solo and effects.
        for bus in layout.buses() {
            let slot = find(bus.name()).expect("every bus has a slot");
            let id = BusId(slot as u8);
            let state = self.buses[slot].clone().expect("created above");
            if state.mute != bus.mute() {
                let r = self.controller.set_bus_mute(id, bus.mute());
                r.map_err(|e| self.err(e))?;
            }
            if state.solo != bus.solo() {
                let r = self.controller.set_bus_solo(id, bus.solo());
                r.map_err(|e| self.err(e))?;
            }
            self.sync_effects(id, &state.effects, bus.effects(), tween)?;
            let s = self.buses[slot].as_mut().expect("created above");
            s.mute = bus.mute();
            s.solo = bus.solo();
            s.effects = bus.effects().to_vec();
        }
        // Master absent from the layout: back to a plain root.
        if !layout.has_bus(MASTER)
            && let Some(m) = self.buses[0].clone()
        {
            let r = self.controller.set_bus(BusId::MASTER, None, 0.0);
            r.map_err(|e| self.err(e))?;
            if m.mute {
                let r = self.controller.set_bus_mute(BusId::MASTER, false);
                r.map_err(|e| self.err(e))?;
            }
            self.sync_effects(BusId::MASTER, &m.effects, &[], None)?;
            self.buses[0] = Some(BusState {
                name: MASTER.into(),
                volume_db: 0.0,
                mute: false,
                solo: m.solo,
                parent: None,
                effects: Vec::new(),
            });
        }
        Ok(())
    }

    fn sync_effects(
        &mut self,
        bus: BusId,
        old: &[Effect],
        new: &[Effect],
        tween: Option<(u32, mixer_core::fade::Curve, u64)>,
    ) -> Result<(), AudioError> {
        // Adding, removing, reordering or replacing effects crossfades the old chain into a
        // new one (tails ring out); parameter changes retune in place. Without the memory for
        // both chains at once, the edit is made slot by slot.
        let kinds = |list: &[Effect]| list.iter().map(Effect::tag).collect::<Vec<_>>();
        if kinds(old) != kinds(new) {
            let list: Vec<_> = new.iter().map(|e| (e.params, e.enabled)).collect();
            match self.controller.replace_chain(bus, &list) {
                Ok(()) => return Ok(()),
                Err(mixer_core::Error::NoEffectMemory { .. }) => {}
                Err(e) => return Err(self.err(e)),
            }
        }
        for slot in 0..MAX_EFFECTS.max(old.len()) {
            match (old.get(slot), new.get(slot)) {
                (Some(o), Some(n)) if o == n => {}
                (o, Some(n)) => {
                    // A retune of the same effect follows the tween, if there is one.
                    let r = match (tween, o) {
                        (Some((frames, curve, at)), Some(o)) if o.tag() == n.tag() => self
                            .controller
                            .tween_effect(bus, slot, &n.params, n.enabled, frames, curve, at),
                        _ => self.controller.set_effect(bus, slot, &n.params, n.enabled),
                    };
                    r.map_err(|e| match e {
                        mixer_core::Error::NoEffectMemory { needed, .. } => {
                            let mib = |floats: usize| floats as f64 * 4.0 / f64::from(1 << 20);
                            AudioError::EffectMemory {
                                bus: self.buses[bus.index()]
                                    .as_ref()
                                    .map_or_else(String::new, |b| b.name.clone()),
                                effect: n.tag(),
                                needed_mib: mib(needed),
                                free_mib: mib(self.controller.free_effect_memory()),
                                total_mib: self.effect_memory_mib,
                            }
                        }
                        e => self.err(e),
                    })?;
                }
                (Some(_), None) => {
                    let r = self.controller.clear_effect(bus, slot);
                    r.map_err(|e| self.err(e))?;
                }
                (None, None) => {}
            }
        }
        Ok(())
    }

    fn check_layout(&self, layout: &AudioBusLayout) -> Result<(), AudioError> {
        let extra = usize::from(!layout.has_bus(MASTER));
        if layout.buses().len() + extra > MAX_BUSES {
            return Err(AudioError::InvalidLayout(format!(
                "{} buses; the mixer holds at most {MAX_BUSES} (Master included)",
                layout.buses().len()
            )));
        }
        for bus in layout.buses() {
            if bus.effects().len() > MAX_EFFECTS {
                return Err(AudioError::InvalidLayout(format!(
                    "bus {:?} has {} effects; at most {MAX_EFFECTS} per bus",
                    bus.name(),
                    bus.effects().len()
                )));
            }
            for e in bus.effects() {
                e.check()?;
            }
        }
        Ok(())
    }
}

/// The layout's buses ordered so that every bus comes after the bus it sends to.
fn order_parents_first(layout: &AudioBusLayout) -> Vec<&crate::bus::AudioBus> {
    let depth = |name: &str| {
        let mut d = 0;
        let mut at = name.to_string();
        while let Ok(b) = layout.get_bus(&at) {
            if b.send_to().is_empty() || d > layout.buses().len() {
                break;
            }
            at = b.send_to().to_string();
            d += 1;
        }
        d
    };
    let mut buses: Vec<_> = layout.buses().iter().collect();
    buses.sort_by_key(|b| depth(b.name()));
    buses
}
