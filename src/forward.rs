//! `forward_playback!`: implement [`Playback`](crate::Playback) by forwarding to a field.

/// Implement `Playback` for `$ty` by forwarding every call to `self.$field`; with
/// `then hook`, `self.hook()` runs after every call that may send a command; with
/// `before pre`, `self.pre()` runs first in every `&mut self` call; with `shutdown own`,
/// `shutdown` is `self.own()` alone (a backend that must release more than the field).
macro_rules! forward_playback {
    (@shutdown $s:ident, $field:ident, [$($pre:ident)?], []) => {{
        $($s.$pre();)?
        $s.$field.shutdown()
    }};
    (@shutdown $s:ident, $field:ident, [$($pre:ident)?], [$own:ident]) => {
        $s.$own()
    };
    ($ty:ty => $field:ident $(, then $hook:ident)? $(, before $pre:ident)? $(, shutdown $own:ident)?) => {
        impl $crate::Playback for $ty {
            fn play_audio(
                &mut self,
                sound: &$crate::Sound,
                params: &$crate::PlayParams,
            ) -> Result<$crate::ChannelId, $crate::AudioError> {
                $(self.$pre();)?
                let r = self.$field.play_audio(sound, params);
                $(self.$hook();)?
                r
            }
            fn stop_audio(&mut self, id: $crate::ChannelId) -> Result<(), $crate::AudioError> {
                $(self.$pre();)?
                let r = self.$field.stop_audio(id);
                $(self.$hook();)?
                r
            }
            fn pause_audio(&mut self, id: $crate::ChannelId) -> Result<(), $crate::AudioError> {
                $(self.$pre();)?
                let r = self.$field.pause_audio(id);
                $(self.$hook();)?
                r
            }
            fn resume_audio(&mut self, id: $crate::ChannelId) -> Result<(), $crate::AudioError> {
                $(self.$pre();)?
                let r = self.$field.resume_audio(id);
                $(self.$hook();)?
                r
            }
            fn update_audio_2d(
                &mut self,
                id: $crate::ChannelId,
                volume_db: f32,
                pan: f32,
            ) -> Result<(), $crate::AudioError> {
                $(self.$pre();)?
                let r = self.$field.update_audio_2d(id, volume_db, pan);
                $(self.$hook();)?
                r
            }
            fn update_audio_3d(
                &mut self,
                id: $crate::ChannelId,
                volume_db: f32,
                pan: f32,
                pitch: f32,
            ) -> Result<(), $crate::AudioError> {
                $(self.$pre();)?
                let r = self.$field.update_audio_3d(id, volume_db, pan, pitch);
                $(self.$hook();)?
                r
            }
            fn set_pitch(
                &mut self,
                id: $crate::ChannelId,
                pitch: f32,
            ) -> Result<(), $crate::AudioError> {
                $(self.$pre();)?
                let r = self.$field.set_pitch(id, pitch);
                $(self.$hook();)?
                r
            }
            fn set_emitter(
                &mut self,
                id: $crate::ChannelId,
                emitter: &$crate::Emitter,
            ) -> Result<(), $crate::AudioError> {
                $(self.$pre();)?
                let r = self.$field.set_emitter(id, emitter);
                $(self.$hook();)?
                r
            }
            fn set_listener_position(&mut self, v: [f32; 3]) -> Result<(), $crate::AudioError> {
                $(self.$pre();)?
                let r = self.$field.set_listener_position(v);
                $(self.$hook();)?
                r
            }
            fn set_listener_velocity(&mut self, v: [f32; 3]) -> Result<(), $crate::AudioError> {
                $(self.$pre();)?
                let r = self.$field.set_listener_velocity(v);
                $(self.$hook();)?
                r
            }
            fn set_listener_direction(&mut self, v: [f32; 3]) -> Result<(), $crate::AudioError> {
                $(self.$pre();)?
                let r = self.$field.set_listener_direction(v);
                $(self.$hook();)?
                r
            }
            fn set_listener_world_up(&mut self, v: [f32; 3]) -> Result<(), $crate::AudioError> {
                $(self.$pre();)?
                let r = self.$field.set_listener_world_up(v);
                $(self.$hook();)?
                r
            }
            fn get_playback_position(&mut self, id: $crate::ChannelId) -> f64 {
                $(self.$pre();)?
                self.$field.get_playback_position(id)
            }
            fn is_channel_active(&mut self, id: $crate::ChannelId) -> bool {
                $(self.$pre();)?
                self.$field.is_channel_active(id)
            }
            fn shutdown(&mut self) {
                $crate::forward::forward_playback!(@shutdown self, $field, [$($pre)?], [$($own)?])
            }
            fn list_capabilities(&self) -> $crate::CapabilitySet {
                self.$field.list_capabilities()
            }
        }
    };
}

pub(crate) use forward_playback;

/// Implement the streaming, pacing and draining facets for `$ty` by forwarding to
/// `self.$field`, with the same optional `then` and `before` hooks as [`forward_playback`].
macro_rules! forward_streaming {
    ($ty:ty => $field:ident $(, then $hook:ident)? $(, before $pre:ident)?) => {
        impl $crate::Streaming for $ty {
            fn open_stream(
                &mut self,
                volume_db: f32,
                bus: &str,
                buffer_seconds: f64,
                looping: bool,
                stream: Option<&std::path::Path>,
                from_position: f64,
            ) -> Result<$crate::ChannelId, $crate::AudioError> {
                $(self.$pre();)?
                let r = self.$field.open_stream(
                    volume_db,
                    bus,
                    buffer_seconds,
                    looping,
                    stream,
                    from_position,
                );
                $(self.$hook();)?
                r
            }
            fn feed_audio_chunk(
                &mut self,
                id: $crate::ChannelId,
                bytes: &[u8],
            ) -> Result<usize, $crate::AudioError> {
                $(self.$pre();)?
                self.$field.feed_audio_chunk(id, bytes)
            }
            fn take_stream_errors(&mut self) -> Vec<($crate::ChannelId, $crate::AudioError)> {
                self.$field.take_stream_errors()
            }
            fn stream_stats(&self, id: $crate::ChannelId) -> Option<$crate::StreamStats> {
                self.$field.stream_stats(id)
            }
        }
        impl $crate::StreamPacing for $ty {
            fn stream_format(&self) -> (u32, u16) {
                self.$field.stream_format()
            }
            fn frames_available(&mut self, id: $crate::ChannelId) -> usize {
                $(self.$pre();)?
                self.$field.frames_available(id)
            }
        }
        impl $crate::StreamDraining for $ty {
            fn end_of_stream(&mut self, id: $crate::ChannelId) -> Result<(), $crate::AudioError> {
                $(self.$pre();)?
                let r = self.$field.end_of_stream(id);
                $(self.$hook();)?
                r
            }
        }
    };
}

pub(crate) use forward_streaming;
