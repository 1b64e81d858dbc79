//! Decoding sound files (WAV, Ogg Vorbis, MP3, FLAC) with symphonia, off the audio thread.
//!
//! Three ways in, one decoding policy:
//! - [`decode_file`] / [`decode_bytes`]: the whole file into a [`Sound`] at the file's own rate
//!   and channel count;
//! - [`StreamDecoder`]: a long file pulled one packet at a time by a decoder thread, in bounded
//!   memory, with seeking and rewinding for loops;
//! - [`load_in_background`]: [`decode_file`] on a thread of its own, so a game never blocks on a
//!   big file.
//!
//! The formats and the rules every entry point follows are documented once, on
//! [`decode_file`] ("Decoding policy").

use std::collections::VecDeque;
use std::fmt;
use std::fs::File;
use std::io::{self, Cursor, Read, Seek, SeekFrom};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::JoinHandle;

use symphonia::core::audio::{AudioBufferRef, Channels as Positions, SampleBuffer};
use symphonia::core::codecs::{
    CODEC_TYPE_ADPCM_IMA_WAV, CODEC_TYPE_ADPCM_MS, CODEC_TYPE_FLAC, CODEC_TYPE_NULL,
    CODEC_TYPE_PCM_S16BE, CODEC_TYPE_PCM_S16LE, Decoder, DecoderOptions,
};
use symphonia::core::errors::{Error as SymError, SeekErrorKind};
use symphonia::core::formats::{FormatOptions, FormatReader, Packet, SeekMode, SeekTo};
use symphonia::core::io::{MediaSource, MediaSourceStream, ReadBytes, SeekBuffered};
use symphonia::default::formats::{FlacReader, MpaReader, OggReader, WavReader};

use crate::error::AudioError;
use crate::sound::{Container, Sound};

/// Decode a whole sound file at its own sample rate and channel count.
///
/// ```no_run
/// let music = simvx_audio::decode_file("assets/theme.ogg")?;
/// println!("{} frames at {} Hz", music.frames(), music.rate());
/// # Ok::<(), simvx_audio::AudioError>(())
/// ```
///
/// # Errors
/// [`AudioError::FileNotFound`] for a missing file; [`AudioError::InvalidStream`] for an empty
/// file, an unknown container, an unsupported codec, corrupt or truncated data, or a file with
/// no audio frames.
///
/// # Decoding policy
/// - **Container by magic bytes.** The first 12 bytes choose the reader ([`Container::detect`],
///   as the original engine does); the file name and extension are never consulted. A file that
///   is not WAV, Ogg, MP3 or FLAC is [`AudioError::InvalidStream`].
/// - **Formats.** WAV: PCM integer 8 (unsigned), 16, 24 and 32 bit, float 32 and 64 bit, plain
///   or `WAVE_FORMAT_EXTENSIBLE`, and IMA/Microsoft ADPCM. Ogg: Vorbis, cut to the length its
///   last granule position states, as libvorbisfile does (Ogg Opus is detected as Ogg but is
///   not decodable: an error). MP3 (MPEG-1/2/2.5 layer III), with any ID3v2 tags in front
///   skipped and, when the file carries a LAME/Xing header, the encoder delay and padding
///   trimmed (gapless). FLAC of any bit depth.
/// - **Samples.** 16-bit sources (16-bit PCM WAV, 16-bit FLAC, ADPCM) decode to `i16`
///   unchanged when decoded whole; everything else, and every [`StreamDecoder`] chunk, is `f32`
///   at full scale ±1 (integers divided by 2^(bits−1); unsigned 8-bit centred on 128).
/// - **Channels.** Mono stays mono, stereo stays stereo. More channels are **downmixed to
///   stereo**, always the same way (ITU-R BS.775 weights, normalised as ffmpeg's default
///   downmix is): front left/right at full weight into their side; every other left-side
///   channel (side, rear, wide, high, top) at −3 dB (1/√2) into the left, right-side ones into
///   the right; centre channels (front, rear, top centre) at −3 dB into both; LFE dropped; then
///   each output is divided by the sum of the weights feeding it, so full scale in stays full
///   scale out. 5.1 gives `L = (FL + 0.707·C + 0.707·SL) / 2.414`.
/// - **Errors.** A missing file is [`AudioError::FileNotFound`]; everything else that stops a
///   decode (empty, unknown container, unsupported codec, corrupt or truncated data) is
///   [`AudioError::InvalidStream`] with a message naming the file, what was being done and what
///   is wrong. Decoding is strict: the first corrupt packet fails the whole-file decode (no
///   partial sound), and fails a [`StreamDecoder`] for good after the chunks before it.
///   Corruption is noticed when symphonia reports it, and also when packets go missing: the Ogg
///   and FLAC readers skip damaged pages and frames without a word, so a jump forward in the
///   packets' timestamps is reported as corrupt data. Damage the codec cannot see (a flipped
///   bit inside an MP3 frame's audio data, say) decodes as what it is.
/// - **Truncated files.** When the container states its length up front (WAV's data chunk,
///   FLAC's STREAMINFO sample count, the frame count of an MP3 with a LAME tag) a file that
///   ends early is an error (`truncated: the file ends after N of M frames`). Ogg's length is
///   read from its last page, so a cut Ogg file looks whole, and an MP3 without a LAME tag
///   states no length to trust: such files decode to their last whole page or frame (a
///   **partial decode**, and no error).
/// - **Never a panic.** Malformed input comes back as an error. symphonia itself can panic on
///   some malformed input (arithmetic overflow in debug builds, for one); every call into it is
///   made under [`std::panic::catch_unwind`] and such a panic becomes
///   [`AudioError::InvalidStream`] (with `panic = "abort"` this safety net is gone). The panic
///   hook still prints the panic message.
pub fn decode_file(path: impl AsRef<Path>) -> Result<Sound, AudioError> {
    let path = path.as_ref();
    let file = open_file(path)?;
    decode_whole(Box::new(file), &path.display().to_string())
}

/// Decode a whole sound file held in memory. `hint` names the data in error messages (an asset
/// path, say); the container is chosen by the bytes, never by `hint`.
///
/// ```
/// let err = simvx_audio::decode_bytes(b"not audio".to_vec(), "junk.ogg").unwrap_err();
/// assert!(err.to_string().contains("junk.ogg"));
/// ```
///
/// # Errors
/// As [`decode_file`], but never [`AudioError::FileNotFound`].
pub fn decode_bytes(bytes: Vec<u8>, hint: &str) -> Result<Sound, AudioError> {
    decode_whole(Box::new(Cursor::new(bytes)), hint)
}

fn decode_whole(media: Box<dyn MediaSource>, name: &str) -> Result<Sound, AudioError> {
    guarded(name, || {
        let mut src = Source::open(media, name, true)?;
        let channels = src.out_channels;
        let rate = src.rate;
        src.check_stated_length()?;
        let sound = if src.keep_i16 {
            let mut pcm = Vec::with_capacity(src.reserve_hint());
            while src.next_packet(Out::I16(&mut pcm))?.is_some() {
                src.check_decoded_length(pcm.len())?;
            }
            src.check_any(pcm.len())?;
            Sound::from_pcm_i16(pcm, channels, rate)
        } else {
            let mut pcm = Vec::with_capacity(src.reserve_hint());
            while src.next_packet(Out::F32(&mut pcm))?.is_some() {
                src.check_decoded_length(pcm.len())?;
            }
            src.check_any(pcm.len())?;
            Sound::from_pcm_f32(pcm, channels, rate)
        };
        sound.map_err(|e| match e {
            AudioError::InvalidStream(m) => AudioError::InvalidStream(format!("{name}: {m}")),
            other => other,
        })
    })
}

/// A long sound file decoded incrementally, one packet at a time, by a decoder thread.
///
/// Memory stays bounded whatever the file's length: symphonia's 64 KiB read buffer, one
/// compressed packet, the codec's state and one decoded packet (at most a few thousand
/// frames). Measured over ten-minute files, the live heap is about 0.1 MB for WAV and MP3,
/// 0.2 MB for FLAC and 0.7 MB for Ogg Vorbis (its codebooks), plus the caller's `out`.
/// Chunks are interleaved `f32` at the file's own rate, mono or stereo (more channels are
/// downmixed, see [the decoding policy](decode_file#decoding-policy)); the decoder thread
/// resamples and feeds the mixer.
///
/// ```
/// use simvx_audio::StreamDecoder;
/// let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
/// let mut dec = StreamDecoder::open(dir.join("vorbis_stereo_44100.ogg"))?;
/// assert_eq!((dec.sample_rate(), dec.channels()), (44_100, 2));
/// let mut pcm = Vec::new();
/// while dec.next_chunk(&mut pcm)? > 0 {}
/// assert_eq!(pcm.len() as u64, 2 * dec.frames().unwrap());
/// dec.rewind()?; // for a loop: from the start again
/// # Ok::<(), simvx_audio::AudioError>(())
/// ```
pub struct StreamDecoder {
    name: String,
    /// A handle on the open file, cloned to start again for [`StreamDecoder::rewind`].
    file: File,
    src: Source,
    /// Why the decoder stopped for good, once it has.
    failed: Option<String>,
}

impl StreamDecoder {
    /// Open a file for incremental decoding: reads its headers, decodes nothing yet.
    ///
    /// # Errors
    /// As [`decode_file`] for what the headers show (missing file, unknown container,
    /// unsupported codec, corrupt header).
    pub fn open(path: impl AsRef<Path>) -> Result<Self, AudioError> {
        let path = path.as_ref();
        let name = path.display().to_string();
        let file = open_file(path)?;
        let handle = file
            .try_clone()
            .map_err(|e| AudioError::InvalidStream(format!("{name}: {e}")))?;
        let src = guarded(&name, || Source::open(Box::new(handle), &name, false))?;
        Ok(Self {
            name,
            file,
            src,
            failed: None,
        })
    }

    /// The file's sample rate, in frames per second.
    pub fn sample_rate(&self) -> u32 {
        self.src.rate
    }

    /// Channels of every chunk: 1 or 2 (files with more are downmixed to 2).
    pub fn channels(&self) -> u16 {
        self.src.out_channels
    }

    /// The file's length in frames, as its container states it: exact for WAV, FLAC, Ogg and
    /// MP3 files with a Xing/Info header (less the encoder delay and padding when it carries a
    /// LAME tag); an estimate from the bit rate for an MP3 without one; `None` when the
    /// container does not say (an Ogg file whose end cannot be read).
    pub fn frames(&self) -> Option<u64> {
        self.src.frames
    }

    /// Move to `seconds` from the start; the next chunk starts at frame
    /// `round(seconds · sample_rate)`. Past the end, the next chunk is the end (0 frames).
    ///
    /// Sample-accurate in every format, and consistent with a straight decode: the chunks after
    /// `seek(t)` are the whole-file decode from frame round(t·rate) on. How:
    /// - PCM WAV and FLAC jump to the packet holding the target and drop the frames before it;
    ///   the samples are identical to a straight decode's.
    /// - MP3 lands two frames early (symphonia parses frame headers from the start, or from
    ///   the current frame when seeking forward, then backs up to the frames holding the bit
    ///   reservoir) and decodes up to the target, so the decoder's overlap and reservoir are
    ///   primed; the samples match a straight decode's.
    /// - Ogg Vorbis and ADPCM WAV read packets (without decoding them) from the start up to the
    ///   one before the target, then decode from there: symphonia 0.5's Ogg timestamps are
    ///   wrong near the start and the end of some streams, and its ADPCM byte offsets are
    ///   wrong. The cost is reading the file up to the target, not decoding it.
    ///
    /// # Errors
    /// [`AudioError::InvalidParameter`] for a negative or non-finite `seconds` (nothing
    /// changes); [`AudioError::InvalidStream`] if the reader cannot seek or meets corrupt data
    /// while seeking, after which the decoder is unusable; and if it already was.
    pub fn seek(&mut self, seconds: f64) -> Result<(), AudioError> {
        if !(seconds.is_finite() && seconds >= 0.0) {
            return Err(AudioError::InvalidParameter {
                name: "seconds",
                reason: format!("{seconds} is not a time from the start"),
            });
        }
        self.usable()?;
        let target = (seconds * self.src.rate as f64).round() as u64;
        if self.src.seek_by_scanning {
            self.rewind()?;
        }
        let src = &mut self.src;
        let r = guarded(&self.name, || src.seek(target));
        self.note(r)
    }

    /// Start again from the first frame (for looping). The next chunks are exactly the ones
    /// the first pass gave: the file is read afresh from its start through the handle opened by
    /// [`StreamDecoder::open`] (so this works even if the path has been removed since).
    ///
    /// # Errors
    /// [`AudioError::InvalidStream`] if the file cannot be read again, or if the decoder is
    /// unusable after an earlier error.
    pub fn rewind(&mut self) -> Result<(), AudioError> {
        self.usable()?;
        let name = &self.name;
        let file = &self.file;
        let r = guarded(name, || {
            let mut handle = file
                .try_clone()
                .map_err(|e| AudioError::InvalidStream(format!("{name}: rewinding: {e}")))?;
            handle
                .seek(SeekFrom::Start(0))
                .map_err(|e| AudioError::InvalidStream(format!("{name}: rewinding: {e}")))?;
            Source::open(Box::new(handle), name, false)
        });
        match r {
            Ok(src) => {
                self.src = src;
                Ok(())
            }
            Err(e) => self.note(Err(e)),
        }
    }

    /// Append up to one packet of interleaved `f32` frames to `out` (never clearing it) and
    /// return the frames appended; 0 means the end of the stream (and stays so until a seek or
    /// rewind). Packets that decode to nothing (a Vorbis stream's first) are skipped, so 0 is
    /// only ever the end.
    ///
    /// # Errors
    /// [`AudioError::InvalidStream`] for corrupt or truncated data (see
    /// [the decoding policy](decode_file#decoding-policy)); `out` is then left as it was, and
    /// the decoder is unusable from then on: every later call (seek and rewind included)
    /// returns an `InvalidStream` that repeats the first error.
    pub fn next_chunk(&mut self, out: &mut Vec<f32>) -> Result<usize, AudioError> {
        self.usable()?;
        let src = &mut self.src;
        let r = guarded(&self.name, || src.next_packet(Out::F32(out)));
        self.note(r).map(|n| n.unwrap_or(0))
    }

    fn usable(&self) -> Result<(), AudioError> {
        match &self.failed {
            None => Ok(()),
            Some(why) => Err(AudioError::InvalidStream(format!(
                "the decoder stopped after an earlier error: {why}"
            ))),
        }
    }

    /// Remember an error: the decoder's state is unknown after one, so it stops for good.
    fn note<T>(&mut self, r: Result<T, AudioError>) -> Result<T, AudioError> {
        if let Err(AudioError::InvalidStream(why)) = &r {
            self.failed = Some(why.clone());
        }
        r
    }
}

impl fmt::Debug for StreamDecoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamDecoder")
            .field("file", &self.name)
            .field("container", &self.src.container)
            .field("sample_rate", &self.src.rate)
            .field("channels", &self.src.out_channels)
            .field("frames", &self.src.frames)
            .field("failed", &self.failed)
            .finish()
    }
}

/// Decode `path` on a new thread; the game polls the returned [`Loading`] and never blocks.
///
/// ```
/// let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
/// let mut loading = simvx_audio::load_in_background(dir.join("mp3_mono_44100.mp3"));
/// // ... frames go by; each one asks:
/// let sound = loop {
///     if let Some(result) = loading.try_take() {
///         break result?;
///     }
///     std::thread::sleep(std::time::Duration::from_millis(1));
/// };
/// assert_eq!(sound.rate(), 44_100);
/// # Ok::<(), simvx_audio::AudioError>(())
/// ```
pub fn load_in_background(path: impl AsRef<Path>) -> Loading {
    let path = path.as_ref().to_path_buf();
    let job = path.clone();
    let state = match std::thread::Builder::new()
        .name("simvx-audio-load".into())
        .spawn(move || decode_file(job))
    {
        Ok(handle) => LoadState::Running(handle),
        Err(source) => LoadState::Done(Err(AudioError::Io {
            context: format!("starting a thread to load {}", path.display()),
            source,
        })),
    };
    Loading { path, state }
}

/// A sound being decoded on a background thread (see [`load_in_background`]). Dropping it
/// lets the thread finish and discards its result.
pub struct Loading {
    path: PathBuf,
    state: LoadState,
}

enum LoadState {
    Running(JoinHandle<Result<Sound, AudioError>>),
    Done(Result<Sound, AudioError>),
    Taken,
}

impl Loading {
    /// Whether the result is ready (or has been taken): [`Loading::try_take`] will not wait.
    pub fn is_done(&self) -> bool {
        match &self.state {
            LoadState::Running(handle) => handle.is_finished(),
            LoadState::Done(_) | LoadState::Taken => true,
        }
    }

    /// The result if the thread has finished, without blocking; `None` while it runs, and
    /// after the result has been taken once.
    pub fn try_take(&mut self) -> Option<Result<Sound, AudioError>> {
        if let LoadState::Running(handle) = &self.state
            && !handle.is_finished()
        {
            return None;
        }
        match std::mem::replace(&mut self.state, LoadState::Taken) {
            LoadState::Running(handle) => Some(self.join(handle)),
            LoadState::Done(r) => Some(r),
            LoadState::Taken => None,
        }
    }

    /// Block until the sound is decoded and return it.
    ///
    /// # Errors
    /// As [`decode_file`]; [`AudioError::Io`] if the thread could not be started;
    /// [`AudioError::InvalidStream`] if the result was already taken by [`Loading::try_take`].
    pub fn wait(mut self) -> Result<Sound, AudioError> {
        match std::mem::replace(&mut self.state, LoadState::Taken) {
            LoadState::Running(handle) => self.join(handle),
            LoadState::Done(r) => r,
            LoadState::Taken => Err(AudioError::InvalidStream(format!(
                "{}: the loaded sound was already taken",
                self.path.display()
            ))),
        }
    }

    fn join(&self, handle: JoinHandle<Result<Sound, AudioError>>) -> Result<Sound, AudioError> {
        handle.join().unwrap_or_else(|_| {
            Err(AudioError::InvalidStream(format!(
                "{}: the loading thread panicked",
                self.path.display()
            )))
        })
    }
}

impl fmt::Debug for Loading {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match &self.state {
            LoadState::Running(h) if h.is_finished() => "finished",
            LoadState::Running(_) => "running",
            LoadState::Done(_) => "finished",
            LoadState::Taken => "taken",
        };
        f.debug_struct("Loading")
            .field("path", &self.path)
            .field("state", &state)
            .finish()
    }
}

// ---------------------------------------------------------------------------------------------
// The shared decoding loop.

fn open_file(path: &Path) -> Result<File, AudioError> {
    File::open(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => AudioError::FileNotFound(path.to_path_buf()),
        _ => AudioError::InvalidStream(format!("{}: {e}", path.display())),
    })
}

/// Run `f`, turning a panic inside symphonia into [`AudioError::InvalidStream`].
fn guarded<T>(name: &str, f: impl FnOnce() -> Result<T, AudioError>) -> Result<T, AudioError> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".into());
        Err(AudioError::InvalidStream(format!(
            "{name}: the decoder failed on malformed data (internal panic: {what})"
        )))
    })
}

/// Where decoded frames go.
enum Out<'a> {
    F32(&'a mut Vec<f32>),
    I16(&'a mut Vec<i16>),
}

/// One open file: reader, codec and the bookkeeping for seeking, gaps and truncation.
///
/// Positions ("frames from the start") are counted from the decoded frames themselves, not
/// read from symphonia's packet timestamps, which are wrong in places for Ogg (see
/// `StreamDecoder::seek`); timestamps only anchor the position after a reader's own seek
/// (MP3, PCM WAV, FLAC, where they are right) and reveal packets gone missing.
struct Source {
    name: String,
    container: Container,
    reader: Box<dyn FormatReader>,
    decoder: Box<dyn Decoder>,
    track: u32,
    rate: u32,
    in_channels: usize,
    out_channels: u16,
    /// Per input channel, its weights into (left, right) when downmixing more than 2 channels.
    downmix: Vec<[f32; 2]>,
    /// Whether a whole-file decode may keep the samples as `i16`.
    keep_i16: bool,
    /// Whether seeking reads packets from the start (the reader's own seek is unusable).
    seek_by_scanning: bool,
    /// Frames to land before a target when the reader seeks (to prime the decoder).
    preroll: u64,
    /// The length the container states, in frames.
    frames: Option<u64>,
    /// Whether `frames` is exact: the output stops there, and ending early means truncation.
    known_length: bool,
    /// The timestamp of the stream's first frame.
    start_ts: u64,
    /// The timestamp the next packet read should have (none right after opening or seeking).
    next_ts: Option<u64>,
    /// Packets already read (by a scanning seek), to decode before reading more.
    queue: VecDeque<Packet>,
    /// The position of the next packet's first frame.
    next_pos: u64,
    /// Whether `next_pos` must be taken from the next packet's timestamp (after a reader seek).
    anchor: bool,
    /// Whether the decoder has decoded nothing since it was made or reset.
    fresh: bool,
    /// Frames before this position are dropped (the target of the last seek).
    skip_to: u64,
    at_end: bool,
    f32_buf: Option<SampleBuffer<f32>>,
    i16_buf: Option<SampleBuffer<i16>>,
    mixed: Vec<f32>,
}

impl Source {
    fn open(media: Box<dyn MediaSource>, name: &str, whole: bool) -> Result<Self, AudioError> {
        let mask = Arc::new(AtomicU64::new(NO_MASK));
        let mut media = media;
        let pos = media
            .stream_position()
            .map_err(|e| AudioError::InvalidStream(format!("{name}: {e}")))?;
        let media = Box::new(Masked {
            inner: media,
            pos,
            mask: mask.clone(),
        });
        let mut mss = MediaSourceStream::new(media, Default::default());
        let mut head = [0u8; 12];
        let got = fill(&mut mss, &mut head)
            .map_err(|e| AudioError::InvalidStream(format!("{name}: {e}")))?;
        mss.seek_buffered_rev(got);
        let container = Container::detect(&head[..got]);
        let bad = |doing: &str, e: SymError| sym_error(name, container, doing, e);
        let opts = FormatOptions {
            enable_gapless: true,
            ..Default::default()
        };
        let header = "reading the header";
        let reader: Box<dyn FormatReader> = match container {
            Container::Wav => Box::new(WavReader::try_new(mss, &opts).map_err(|e| bad(header, e))?),
            Container::Ogg => Box::new(OggReader::try_new(mss, &opts).map_err(|e| bad(header, e))?),
            Container::Flac => {
                if let Some(m) = check_flac_metadata(&mut mss).map_err(|e| bad(header, e))? {
                    // Nothing was read since `check_flac_metadata` went back to the start
                    // (which empties the stream's buffer): symphonia reads the table as padding.
                    mask.store(m, Ordering::Relaxed);
                }
                Box::new(FlacReader::try_new(mss, &opts).map_err(|e| bad(header, e))?)
            }
            Container::Mp3 => {
                skip_id3v2(&mut mss).map_err(|e| bad("skipping the ID3 tag", e.into()))?;
                Box::new(
                    MpaReader::try_new(mss, &opts)
                        .map_err(|e| bad("finding the first frame", e))?,
                )
            }
            Container::Unknown if got == 0 => {
                return Err(AudioError::InvalidStream(format!(
                    "{name}: the file is empty"
                )));
            }
            Container::Unknown => {
                return Err(AudioError::InvalidStream(format!(
                    "{name}: not a wav, ogg, mp3 or flac file (it starts with {:02x?})",
                    &head[..got.min(4)]
                )));
            }
        };
        let track = reader
            .tracks()
            .iter()
            .find(|t| t.codec_params.codec != CODEC_TYPE_NULL)
            .ok_or_else(|| {
                AudioError::InvalidStream(format!("{name}: {}: no audio track", container.as_str()))
            })?;
        let params = track.codec_params.clone();
        let track = track.id;
        let decoder = symphonia::default::get_codecs()
            .make(&params, &DecoderOptions::default())
            .map_err(|e| bad("opening the codec", e))?;
        let missing = |what: &str| {
            AudioError::InvalidStream(format!(
                "{name}: {}: the {what} is not stated",
                container.as_str()
            ))
        };
        let rate = params
            .sample_rate
            .filter(|&r| r > 0)
            .ok_or_else(|| missing("sample rate"))?;
        // Before anything is sized from it (a stream's ring, a whole decode).
        crate::limits::check_rate(rate).map_err(|e| match e {
            AudioError::InvalidStream(m) => {
                AudioError::InvalidStream(format!("{name}: {}: {m}", container.as_str()))
            }
            other => other,
        })?;
        let positions = params
            .channels
            .filter(|c| c.count() > 0)
            .ok_or_else(|| missing("channel count"))?;
        let in_channels = positions.count();
        let (out_channels, downmix) = match in_channels {
            1 => (1, Vec::new()),
            2 => (2, Vec::new()),
            _ => (2, downmix_weights(positions)),
        };
        let keep_i16 = whole
            && in_channels <= 2
            && match params.codec {
                CODEC_TYPE_PCM_S16LE | CODEC_TYPE_PCM_S16BE => true,
                CODEC_TYPE_ADPCM_MS | CODEC_TYPE_ADPCM_IMA_WAV => true,
                CODEC_TYPE_FLAC => params.bits_per_sample == Some(16),
                _ => false,
            };
        // symphonia 0.5 seeks ADPCM WAV to frame × block size bytes, and stamps some Ogg
        // packets wrongly; those are sought by reading packets from the start.
        let adpcm = container == Container::Wav && params.frames_per_block.is_some_and(|f| f > 1);
        let seek_by_scanning = adpcm || container == Container::Ogg;
        // Two MP3 frames: the overlap with the previous granule and the bit reservoir.
        let preroll = if container == Container::Mp3 {
            2 * 1_152
        } else {
            0
        };
        // An MP3's LAME tag comes with the Xing frame count; without it the length is a guess
        // from the bit rate. Every other container's stated length is exact.
        let known_length =
            params.n_frames.is_some() && (container != Container::Mp3 || params.delay.is_some());
        Ok(Self {
            name: name.to_string(),
            container,
            reader,
            decoder,
            track,
            rate,
            in_channels,
            out_channels,
            downmix,
            keep_i16,
            seek_by_scanning,
            preroll,
            frames: params.n_frames,
            known_length,
            start_ts: params.start_ts,
            next_ts: None,
            queue: VecDeque::new(),
            next_pos: 0,
            anchor: false,
            fresh: true,
            skip_to: 0,
            at_end: false,
            f32_buf: None,
            i16_buf: None,
            mixed: Vec::new(),
        })
    }

    fn err(&self, what: impl fmt::Display) -> AudioError {
        AudioError::InvalidStream(format!(
            "{}: {}: {what}",
            self.name,
            self.container.as_str()
        ))
    }

    /// Samples to reserve for a whole decode: the stated length, capped so a lying header
    /// cannot make us allocate much up front.
    fn reserve_hint(&self) -> usize {
        let frames = self.frames.unwrap_or(0).min(1 << 20) as usize;
        frames * self.out_channels as usize
    }

    /// Refuse, before decoding, a compressed file whose stated length is more than a sound
    /// held whole may be (a header may lie short, so the decode is also watched as it grows).
    /// Not a WAV's: its data is stored as it is, so the file's size bounds it, and a WAV
    /// written while streaming states 4 GiB whatever it holds.
    fn check_stated_length(&self) -> Result<(), AudioError> {
        let samples = self
            .frames
            .unwrap_or(0)
            .saturating_mul(u64::from(self.out_channels));
        let compressed = self.container != Container::Wav;
        if compressed && self.known_length && samples > crate::MAX_SOUND_SAMPLES as u64 {
            return Err(self.too_long(samples));
        }
        Ok(())
    }

    /// Stop a whole decode once it holds more than a sound held whole may (a file that does
    /// not state its length, or states less than it holds; ten hours of FLAC silence take
    /// 472 KB).
    fn check_decoded_length(&self, samples: usize) -> Result<(), AudioError> {
        if samples > crate::MAX_SOUND_SAMPLES {
            return Err(self.too_long(samples as u64));
        }
        Ok(())
    }

    fn too_long(&self, samples: u64) -> AudioError {
        match crate::limits::too_long("the file", samples) {
            AudioError::InvalidStream(m) => self.err(m),
            other => other,
        }
    }

    fn check_any(&self, samples: usize) -> Result<(), AudioError> {
        if samples == 0 {
            return Err(self.err("no audio frames"));
        }
        Ok(())
    }

    /// Read the next packet of our track: `None` at the end of the data.
    fn read_packet(&mut self) -> Result<Option<Packet>, AudioError> {
        loop {
            let packet = match self.reader.next_packet() {
                Ok(p) => p,
                Err(SymError::IoError(e)) if e.kind() == io::ErrorKind::UnexpectedEof => {
                    return Ok(None);
                }
                Err(e) => return Err(sym_error(&self.name, self.container, "reading", e)),
            };
            if packet.track_id() != self.track {
                continue;
            }
            // Each packet must start where the last one ended, or packets went missing (the
            // Ogg and FLAC readers skip damaged pages and frames without a word). Packets
            // trimmed to nothing (encoder delay and padding) carry no position and are exempt.
            // (symphonia 0.5's Ogg reader stamps some packets early, near the start and the end
            // of a stream, so a step back is no sign of damage in Ogg.)
            if packet.dur > 0 {
                if let Some(expected) = self.next_ts
                    && (packet.ts > expected
                        || (packet.ts < expected && self.container != Container::Ogg))
                {
                    return Err(self.err(format_args!(
                        "corrupt data: frames {expected}..{} are missing or damaged",
                        packet.ts
                    )));
                }
                self.next_ts = Some(packet.ts.saturating_add(packet.dur));
            }
            return Ok(Some(packet));
        }
    }

    /// The end of the data: an error if the container said there was more.
    fn finish(&mut self) -> Result<Option<usize>, AudioError> {
        self.at_end = true;
        if let Some(n) = self.frames
            && self.known_length
            && self.next_pos < n
        {
            return Err(self.err(format_args!(
                "truncated: the file ends after {} of {n} frames",
                self.next_pos
            )));
        }
        Ok(None)
    }

    /// Decode the next packet into `out`: `Some(frames appended)`, or `None` at the end.
    fn next_packet(&mut self, mut out: Out<'_>) -> Result<Option<usize>, AudioError> {
        loop {
            if self.at_end {
                return Ok(None);
            }
            let packet = match self.queue.pop_front() {
                Some(p) => p,
                None => match self.read_packet()? {
                    Some(p) => p,
                    None => return self.finish(),
                },
            };
            let decoded = match self.decoder.decode(&packet) {
                Ok(d) => d,
                Err(e) => {
                    let at = format!("decoding at frame {}", self.next_pos);
                    return Err(sym_error(&self.name, self.container, &at, e));
                }
            };
            let spec = *decoded.spec();
            if spec.rate != self.rate || spec.channels.count() != self.in_channels {
                return Err(self.err(format_args!(
                    "the format changes midway (from {} Hz, {} channels to {} Hz, {} channels)",
                    self.rate,
                    self.in_channels,
                    spec.rate,
                    spec.channels.count()
                )));
            }
            let frames = decoded.frames();
            if self.anchor {
                self.next_pos = packet.ts.saturating_sub(self.start_ts);
                self.anchor = false;
            }
            // The frames this packet stands for: what it decoded to, except that the first
            // packet after a reset decodes short (a Vorbis decoder has nothing to overlap with)
            // and still stands for its duration, its output being the end of it.
            let span = if self.fresh {
                frames.max(packet.dur as usize)
            } else {
                frames
            };
            self.fresh = false;
            let first = self.next_pos + (span - frames) as u64;
            self.next_pos += span as u64;
            let skip = self.skip_to.saturating_sub(first).min(frames as u64) as usize;
            // Nothing past the stated length (symphonia 0.5 leaves an Ogg stream's end padding
            // in the last packets).
            let mut keep = frames - skip;
            if let Some(n) = self.frames
                && self.known_length
            {
                keep = keep.min(n.saturating_sub(first + skip as u64) as usize);
            }
            if keep == 0 {
                continue;
            }
            let ch = self.in_channels;
            let kept = skip * ch..(skip + keep) * ch;
            match &mut out {
                Out::I16(out) => {
                    let buf = sample_buffer(&mut self.i16_buf, &decoded);
                    buf.copy_interleaved_ref(decoded);
                    out.extend_from_slice(&buf.samples()[kept]);
                }
                Out::F32(out) => {
                    let buf = sample_buffer(&mut self.f32_buf, &decoded);
                    buf.copy_interleaved_ref(decoded);
                    let samples = &buf.samples()[kept];
                    if let Some(i) = crate::limits::first_out_of_range(samples) {
                        let frame = first + (skip + i / ch) as u64;
                        let why = crate::limits::why_refused(samples[i]);
                        return Err(self.err(format_args!(
                            "corrupt data: the sample at frame {frame}: {why}"
                        )));
                    }
                    if self.downmix.is_empty() {
                        out.extend_from_slice(samples);
                    } else {
                        self.mixed.clear();
                        for frame in samples.chunks_exact(ch) {
                            let (mut l, mut r) = (0.0f32, 0.0f32);
                            for (s, w) in frame.iter().zip(&self.downmix) {
                                l += s * w[0];
                                r += s * w[1];
                            }
                            self.mixed.extend_from_slice(&[l, r]);
                        }
                        out.extend_from_slice(&self.mixed);
                    }
                }
            }
            return Ok(Some(keep));
        }
    }

    /// Seek so the next frame out is frame `target`. A scanning source must be fresh from
    /// `open` (the caller reopens it).
    fn seek(&mut self, target: u64) -> Result<(), AudioError> {
        self.skip_to = target;
        if self
            .frames
            .is_some_and(|n| target >= n && self.known_length)
        {
            self.at_end = true;
            return Ok(());
        }
        if self.seek_by_scanning {
            return self.scan_to(target);
        }
        let ts = self.start_ts + target.saturating_sub(self.preroll);
        let to = SeekTo::TimeStamp {
            ts,
            track_id: self.track,
        };
        match self.reader.seek(SeekMode::Accurate, to) {
            Ok(_) => {
                self.decoder.reset();
                self.queue.clear();
                self.next_ts = None;
                self.next_pos = target;
                self.anchor = true;
                self.fresh = true;
                self.at_end = false;
                Ok(())
            }
            Err(SymError::SeekError(SeekErrorKind::OutOfRange)) => {
                self.at_end = true;
                Ok(())
            }
            // The data ended before the target (an MP3 of unstated length, or a truncated
            // file): the next chunk reports the end, or the truncation.
            Err(SymError::IoError(e)) if e.kind() == io::ErrorKind::UnexpectedEof => {
                self.queue.clear();
                self.next_pos = target;
                self.anchor = false;
                self.at_end = false;
                Ok(())
            }
            Err(e) => Err(sym_error(&self.name, self.container, "seeking", e)),
        }
    }

    /// Read packets without decoding them up to the one holding `target`; queue it and the
    /// one before it (which primes the decoder).
    fn scan_to(&mut self, target: u64) -> Result<(), AudioError> {
        let mut held: Option<Packet> = None;
        while let Some(packet) = self.read_packet()? {
            if self.next_pos + packet.dur > target {
                if let Some(before) = held {
                    self.next_pos -= before.dur;
                    self.queue.push_back(before);
                    self.decoder.reset();
                    self.fresh = true;
                }
                self.queue.push_back(packet);
                return Ok(());
            }
            self.next_pos += packet.dur;
            held = Some(packet);
        }
        // The data ends before the target: the next chunk reports the end (or truncation).
        Ok(())
    }
}

/// A scratch buffer big enough for `decoded`, made (or grown) only when needed.
fn sample_buffer<'b, S>(
    slot: &'b mut Option<SampleBuffer<S>>,
    decoded: &AudioBufferRef<'_>,
) -> &'b mut SampleBuffer<S>
where
    S: symphonia::core::sample::Sample + symphonia::core::conv::ConvertibleSample,
{
    let need = decoded.frames() * decoded.spec().channels.count();
    if slot.as_ref().is_none_or(|b| b.capacity() < need) {
        let frames = decoded.capacity().max(decoded.frames()) as u64;
        *slot = Some(SampleBuffer::new(frames, *decoded.spec()));
    }
    slot.as_mut().expect("just filled")
}

/// The downmix to stereo described in the module docs.
fn downmix_weights(positions: Positions) -> Vec<[f32; 2]> {
    use std::f32::consts::FRAC_1_SQRT_2 as H;
    let left = Positions::REAR_LEFT
        | Positions::FRONT_LEFT_CENTRE
        | Positions::SIDE_LEFT
        | Positions::TOP_FRONT_LEFT
        | Positions::TOP_REAR_LEFT
        | Positions::REAR_LEFT_CENTRE
        | Positions::FRONT_LEFT_WIDE
        | Positions::FRONT_LEFT_HIGH;
    let right = Positions::REAR_RIGHT
        | Positions::FRONT_RIGHT_CENTRE
        | Positions::SIDE_RIGHT
        | Positions::TOP_FRONT_RIGHT
        | Positions::TOP_REAR_RIGHT
        | Positions::REAR_RIGHT_CENTRE
        | Positions::FRONT_RIGHT_WIDE
        | Positions::FRONT_RIGHT_HIGH;
    let mut weights: Vec<[f32; 2]> = positions
        .iter()
        .map(|p| {
            if p == Positions::FRONT_LEFT {
                [1.0, 0.0]
            } else if p == Positions::FRONT_RIGHT {
                [0.0, 1.0]
            } else if p == Positions::LFE1 || p == Positions::LFE2 {
                [0.0, 0.0]
            } else if left.contains(p) {
                [H, 0.0]
            } else if right.contains(p) {
                [0.0, H]
            } else {
                [H, H]
            }
        })
        .collect();
    for side in 0..2 {
        let sum: f32 = weights.iter().map(|w| w[side]).sum();
        if sum > 0.0 {
            weights.iter_mut().for_each(|w| w[side] /= sum);
        }
    }
    weights
}

/// Read up to `buf.len()` bytes (fewer only at the end of the data).
fn fill(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// Refuse a FLAC file whose comment or picture blocks state inner lengths longer than the
/// block, then go back to the start. Returns the packed [`Masked`] mask of a seek table to
/// hide: one whose points are out of order (the format requires ascending sample numbers),
/// which symphonia would sort by insertion, in time quadratic in its length (200 000 points
/// in descending order, 3.7 MB, took it 20 s). Seeking works without a table (by search).
///
/// symphonia allocates what those inner length fields say before it reads (a 187-byte file
/// asked for 4 GiB, which aborts the process where memory is short), so they are checked
/// here first, reading block by block (a block is at most 16 MiB). Other blocks are skipped.
fn check_flac_metadata(mss: &mut MediaSourceStream) -> Result<Option<u64>, SymError> {
    let corrupt = |what: &'static str| Err(SymError::DecodeError(what));
    let mut magic = [0u8; 4];
    if fill(mss, &mut magic)? < 4 {
        return corrupt("flac: no stream marker");
    }
    let mut hide = None;
    loop {
        let at = mss.pos();
        let mut header = [0u8; 4];
        if fill(mss, &mut header)? < 4 {
            break; // symphonia reports the truncation
        }
        let kind = header[0] & 0x7f;
        let len = u32::from_be_bytes([0, header[1], header[2], header[3]]) as usize;
        let mut block = Vec::new();
        mss.by_ref().take(len as u64).read_to_end(&mut block)?;
        let ok = match kind {
            4 => vorbis_comment_fits(&block),
            6 => picture_fits(&block),
            _ => true,
        };
        if !ok {
            return corrupt("flac: a metadata block's lengths overrun the block");
        }
        if kind == 3 && hide.is_none() && !seek_points_ascend(&block) {
            // PADDING (1), keeping the last-block flag.
            hide = Some(at << 8 | u64::from(header[0] & 0x80 | 1));
        }
        if header[0] & 0x80 != 0 || block.len() < len {
            break;
        }
    }
    mss.seek(SeekFrom::Start(0))?;
    Ok(hide)
}

/// Whether a SEEKTABLE block's points (18 bytes each, a 64-bit sample number first) ascend,
/// placeholders (sample number 2⁶⁴ − 1) aside.
fn seek_points_ascend(b: &[u8]) -> bool {
    let mut last = None;
    for p in b.chunks_exact(18) {
        let n = u64::from_be_bytes([p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7]]);
        if n == u64::MAX {
            continue;
        }
        if last.is_some_and(|l| n < l) {
            return false;
        }
        last = Some(n);
    }
    true
}

/// No byte masked.
const NO_MASK: u64 = u64::MAX;

/// A media source one of whose bytes reads as another: the mask packs the byte's offset
/// (above bit 8) and what it reads as (the low 8 bits), or is [`NO_MASK`]. How a FLAC seek
/// table symphonia should not parse is shown to it as padding.
struct Masked {
    inner: Box<dyn MediaSource>,
    pos: u64,
    mask: Arc<AtomicU64>,
}

impl Read for Masked {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let m = self.mask.load(Ordering::Relaxed);
        if m != NO_MASK {
            let at = m >> 8;
            if let Some(i) = at.checked_sub(self.pos).filter(|&i| i < n as u64) {
                buf[i as usize] = m as u8;
            }
        }
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for Masked {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        self.pos = self.inner.seek(to)?;
        Ok(self.pos)
    }
}

impl MediaSource for Masked {
    fn is_seekable(&self) -> bool {
        self.inner.is_seekable()
    }

    fn byte_len(&self) -> Option<u64> {
        self.inner.byte_len()
    }
}

/// Whether a VORBIS_COMMENT block's vendor and comment lengths fit in it.
fn vorbis_comment_fits(b: &[u8]) -> bool {
    let u32_at = |at: usize| {
        b.get(at..at + 4)
            .map(|x| u32::from_le_bytes([x[0], x[1], x[2], x[3]]) as usize)
    };
    let Some(vendor) = u32_at(0) else { return true }; // short: symphonia reports it
    let mut at = 4usize.saturating_add(vendor);
    if at > b.len() {
        return false;
    }
    let Some(count) = u32_at(at) else { return true };
    at += 4;
    for _ in 0..count {
        let Some(n) = u32_at(at) else { return true };
        at = at.saturating_add(4).saturating_add(n);
        if at > b.len() {
            return false;
        }
    }
    true
}

/// Whether a PICTURE block's MIME type, description and data lengths fit in it.
fn picture_fits(b: &[u8]) -> bool {
    let u32_at = |at: usize| {
        b.get(at..at + 4)
            .map(|x| u32::from_be_bytes([x[0], x[1], x[2], x[3]]) as usize)
    };
    // type, MIME length + MIME, description length + description, 4 numbers, data length + data
    let mut at = 4;
    for skip_after in [0, 16] {
        let Some(n) = u32_at(at) else { return true };
        at = at.saturating_add(4).saturating_add(n);
        if at > b.len() {
            return false;
        }
        at = at.saturating_add(skip_after);
    }
    let Some(n) = u32_at(at) else { return true };
    at.saturating_add(4).saturating_add(n) <= b.len()
}

/// Skip the ID3v2 tags in front of an MP3's first frame (symphonia's MP3 reader expects to
/// start at a frame).
fn skip_id3v2(mss: &mut MediaSourceStream) -> io::Result<()> {
    loop {
        let mut header = [0u8; 10];
        let got = fill(mss, &mut header)?;
        if got < 10 || &header[..3] != b"ID3" {
            mss.seek_buffered_rev(got);
            return Ok(());
        }
        // A 28-bit "synchsafe" size (7 bits per byte), plus a 10-byte footer if flagged.
        let size = header[6..10]
            .iter()
            .fold(0u64, |acc, &b| (acc << 7) | u64::from(b & 0x7F));
        let footer = if header[5] & 0x10 != 0 { 10 } else { 0 };
        mss.ignore_bytes(size + footer)?;
    }
}

fn sym_error(name: &str, container: Container, doing: &str, e: SymError) -> AudioError {
    let what = match e {
        SymError::IoError(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
            "the data ends unexpectedly".to_string()
        }
        SymError::IoError(e) => format!("I/O error: {e}"),
        SymError::DecodeError(m) => format!("corrupt data: {m}"),
        SymError::Unsupported(m) => format!("unsupported: {m}"),
        SymError::LimitError(m) => format!("over a decoder limit: {m}"),
        e @ SymError::SeekError(_) => e.to_string(),
        SymError::ResetRequired => {
            "the stream changes format midway (chained streams are not supported)".to_string()
        }
    };
    AudioError::InvalidStream(format!("{name}: {}: {doing}: {what}", container.as_str()))
}
