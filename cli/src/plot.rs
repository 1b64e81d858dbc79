//! `render --plot`: a picture of a render, gathered block by block as it streams to disk (its
//! memory is fixed by the picture's width, not the scene's length) and drawn to PNG with
//! `plotters`: the waveform envelope of each channel, the level of each bus over time (the
//! RMS of its meter's 50 ms windows) and a spectrogram of the output.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use plotters::prelude::*;
use realfft::{RealFftPlanner, RealToComplex};
use simvx_audio::{AudioError, OfflineBackend};

/// Columns of every panel: one per pixel of the plotting area, about.
const COLUMNS: usize = 1200;
/// Rows of the spectrogram.
const ROWS: usize = 160;
/// Frames in one spectrogram FFT.
const FFT: usize = 4096;
/// The level axis's floor, dBFS.
const FLOOR_DB: f64 = -72.0;
/// The picture's size, pixels.
const SIZE: (u32, u32) = (1600, 1200);

/// What a plot gathers while a render streams.
pub struct Plot {
    channels: usize,
    rate: u32,
    /// Frames per column.
    span: u64,
    /// Frames seen so far.
    frames: u64,
    /// Per channel, per column: (min, max).
    envelope: Vec<Vec<(f32, f32)>>,
    /// Per bus: the meter windows seen, and per column the loudest window's RMS (of both
    /// channels' powers, averaged).
    buses: BTreeMap<String, (u32, Vec<f32>)>,
    /// The last `FFT` frames of the mono sum, a ring.
    history: Vec<f32>,
    /// Frames between FFTs.
    hop: u64,
    fft: Arc<dyn RealToComplex<f32>>,
    /// Per column: the summed power of each row, and the FFTs summed.
    spectrum: Vec<(Vec<f64>, u32)>,
}

impl std::fmt::Debug for Plot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plot")
            .field("frames", &self.frames)
            .finish_non_exhaustive()
    }
}

impl Plot {
    /// A plot of a render of `total` frames of `channels` at `rate`.
    pub fn new(total: u64, channels: u16, rate: u32) -> Self {
        let channels = usize::from(channels.max(1));
        let span = total.div_ceil(COLUMNS as u64).max(1);
        Self {
            channels,
            rate,
            span,
            frames: 0,
            envelope: vec![vec![(0.0, 0.0); COLUMNS]; channels],
            buses: BTreeMap::new(),
            history: vec![0.0; FFT],
            // About four FFTs a column, and none closer than 256 frames.
            hop: span.div_ceil(4).max(256),
            fft: RealFftPlanner::new().plan_fft_forward(FFT),
            spectrum: vec![(vec![0.0; ROWS], 0); COLUMNS],
        }
    }

    /// After each rendered block of interleaved `samples`: take its envelope, its spectrum
    /// and the bus meters' new windows.
    pub fn add(&mut self, samples: &[f32], backend: &OfflineBackend) {
        self.add_samples(samples);
        self.add_meters(backend);
    }

    /// Take the envelope and spectrum of interleaved `samples`.
    fn add_samples(&mut self, samples: &[f32]) {
        for frame in samples.chunks_exact(self.channels) {
            let col = ((self.frames / self.span) as usize).min(COLUMNS - 1);
            for (c, &s) in frame.iter().enumerate() {
                let e = &mut self.envelope[c][col];
                e.0 = e.0.min(s);
                e.1 = e.1.max(s);
            }
            let mono = frame.iter().sum::<f32>() / self.channels as f32;
            self.history[(self.frames % FFT as u64) as usize] = mono;
            self.frames += 1;
            if self.frames.is_multiple_of(self.hop) {
                self.analyse(col);
            }
        }
    }

    /// Take the bus meters' windows that ended since the last call.
    fn add_meters(&mut self, backend: &OfflineBackend) {
        let col = ((self.frames.saturating_sub(1) / self.span) as usize).min(COLUMNS - 1);
        for name in backend.bus_names() {
            let Ok(r) = backend.meter(&name) else {
                continue;
            };
            let e = self
                .buses
                .entry(name)
                .or_insert_with(|| (0, vec![f32::NEG_INFINITY; COLUMNS]));
            if r.windows > e.0 {
                e.0 = r.windows;
                let power = (r.rms[0] * r.rms[0] + r.rms[1] * r.rms[1]) / 2.0;
                let db = 10.0 * power.max(1e-12).log10();
                e.1[col] = e.1[col].max(db);
            }
        }
    }

    /// One Hann-windowed FFT of the last `FFT` frames into column `col`'s rows, spaced evenly
    /// in octaves from 20 Hz to Nyquist: each row sums the power of its bins (so a sine reads
    /// its level), and a row narrower than a bin takes its nearest bin.
    fn analyse(&mut self, col: usize) {
        let start = (self.frames % FFT as u64) as usize;
        let mut input: Vec<f32> = (0..FFT)
            .map(|i| {
                let hann = 0.5 - 0.5 * (std::f32::consts::TAU * i as f32 / FFT as f32).cos();
                hann * self.history[(start + i) % FFT]
            })
            .collect();
        let mut out = self.fft.make_output_vec();
        if self.fft.process(&mut input, &mut out).is_err() {
            return;
        }
        let bin_hz = f64::from(self.rate) / FFT as f64;
        let (rows, count) = &mut self.spectrum[col];
        for (r, row) in rows.iter_mut().enumerate() {
            let (lo, hi) = (row_hz(r, self.rate), row_hz(r + 1, self.rate));
            let (a, b) = (
                (lo / bin_hz).round() as usize,
                (hi / bin_hz).round() as usize,
            );
            let bins = &out[a.min(out.len() - 1)..b.clamp(a + 1, out.len())];
            let p: f64 = bins.iter().map(|c| f64::from(c.norm_sqr())).sum();
            *row += p;
        }
        *count += 1;
    }

    /// Draw the plot into `path` (PNG).
    ///
    /// # Errors
    /// [`AudioError::Io`] when drawing or writing fails.
    pub fn save(&self, path: &Path, title: &str) -> Result<(), AudioError> {
        self.draw(path, title).map_err(|e| AudioError::Io {
            context: format!("drawing the plot {}", path.display()),
            source: std::io::Error::other(e.to_string()),
        })
    }

    fn draw(&self, path: &Path, title: &str) -> Result<(), Box<dyn std::error::Error>> {
        font()?;
        let seconds = self.frames as f64 / f64::from(self.rate);
        let used = (self.frames.div_ceil(self.span) as usize).clamp(1, COLUMNS);
        let x_of = |col: usize| (col as u64 * self.span) as f64 / f64::from(self.rate);
        let root = BitMapBackend::new(path, SIZE).into_drawing_area();
        root.fill(&WHITE)?;
        let root = root.titled(title, ("sans-serif", 28))?;
        let (top, rest) = root.split_vertically(SIZE.1 as i32 * 30 / 100);
        let (middle, bottom) = rest.split_vertically(SIZE.1 as i32 * 30 / 100);

        // The waveform envelope, one band per channel.
        let lanes = top.split_evenly((self.channels, 1));
        for (c, lane) in lanes.iter().enumerate() {
            let mut chart = ChartBuilder::on(lane)
                .margin(8)
                .x_label_area_size(if c + 1 == self.channels { 28 } else { 8 })
                .y_label_area_size(64)
                .caption(format!("channel {c}"), ("sans-serif", 16))
                .build_cartesian_2d(0.0..seconds.max(1e-3), -1.0f64..1.0)?;
            chart
                .configure_mesh()
                .y_labels(3)
                .x_desc(if c + 1 == self.channels { "s" } else { "" })
                .draw()?;
            let env = &self.envelope[c][..used];
            chart.draw_series(AreaSeries::new(
                env.iter()
                    .enumerate()
                    .map(|(i, e)| (x_of(i), f64::from(e.1)))
                    .chain(
                        env.iter()
                            .enumerate()
                            .rev()
                            .map(|(i, e)| (x_of(i), f64::from(e.0))),
                    ),
                0.0,
                BLUE.mix(0.6),
            ))?;
        }

        // Each bus's level over time.
        let mut chart = ChartBuilder::on(&middle)
            .margin(8)
            .x_label_area_size(28)
            .y_label_area_size(64)
            .caption("bus level (RMS of 50 ms windows)", ("sans-serif", 16))
            .build_cartesian_2d(0.0..seconds.max(1e-3), FLOOR_DB..0.0)?;
        chart.configure_mesh().x_desc("s").y_desc("dBFS").draw()?;
        // Master first, black and wide, so the buses draw over it.
        let mut order: Vec<_> = self.buses.iter().collect();
        order.sort_by_key(|(name, _)| name.as_str() != "Master");
        for (k, (name, (_, levels))) in order.into_iter().enumerate() {
            let (color, width) = if name == "Master" {
                (BLACK.to_rgba(), 4)
            } else {
                (Palette99::pick(k - 1).to_rgba(), 2)
            };
            chart
                .draw_series(LineSeries::new(
                    held(&levels[..used], |&db| db == f32::NEG_INFINITY)
                        .enumerate()
                        .map(|(i, &db)| (x_of(i), f64::from(db).max(FLOOR_DB))),
                    color.stroke_width(width),
                ))?
                .label(name.as_str())
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], color));
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .position(SeriesLabelPosition::UpperRight)
            .draw()?;

        // The spectrogram: log frequency up, dB as colour.
        let nyquist = f64::from(self.rate) / 2.0;
        let mut chart = ChartBuilder::on(&bottom)
            .margin(8)
            .x_label_area_size(28)
            .y_label_area_size(64)
            .caption(
                "spectrogram of the output (dBFS, -100 to 0)",
                ("sans-serif", 16),
            )
            .build_cartesian_2d(0.0..seconds.max(1e-3), (20.0..nyquist).log_scale())?;
        chart.configure_mesh().x_desc("s").y_desc("Hz").draw()?;
        let columns = held(&self.spectrum[..used], |(_, n)| *n == 0);
        chart.draw_series(columns.enumerate().flat_map(|(i, (rows, n))| {
            let (x0, x1) = (x_of(i), x_of(i + 1));
            rows.iter().enumerate().map(move |(r, &p)| {
                let db = level_db(p, *n);
                Rectangle::new(
                    [(x0, row_hz(r, self.rate)), (x1, row_hz(r + 1, self.rate))],
                    heat(db).filled(),
                )
            })
        }))?;
        root.present()?;
        Ok(())
    }
}

/// A row's level in dBFS from its power summed over `n` FFTs: a sine of amplitude A reads
/// 20·log10(A) (Hann's coherent gain of 1/2 and noise bandwidth of 1.5 bins); −100 for none.
fn level_db(power: f64, n: u32) -> f64 {
    let reference = (FFT as f64 / 4.0).powi(2) * 1.5;
    if n == 0 || power <= 0.0 {
        -100.0
    } else {
        (10.0 * (power / f64::from(n) / reference).log10()).max(-100.0)
    }
}

/// `columns`, each `empty` one (no meter window or FFT ended in it: the columns are narrower
/// than those) showing the one before it.
fn held<T>(columns: &[T], empty: impl Fn(&T) -> bool) -> impl Iterator<Item = &T> {
    let mut last = columns.first();
    columns.iter().map(move |c| {
        if !empty(c) {
            last = Some(c);
        }
        last.unwrap_or(c)
    })
}

/// The lower edge of spectrogram row `r`, Hz.
fn row_hz(r: usize, rate: u32) -> f64 {
    let nyquist = f64::from(rate) / 2.0;
    20.0 * (nyquist / 20.0).powf(r as f64 / ROWS as f64)
}

/// A level from −100 dB (black) through purple and orange to 0 dB (pale yellow).
fn heat(db: f64) -> RGBColor {
    let t = ((db + 100.0) / 100.0).clamp(0.0, 1.0);
    let stops = [
        (0.0, (0u8, 0u8, 4u8)),
        (0.35, (87, 16, 110)),
        (0.6, (188, 55, 84)),
        (0.8, (249, 142, 9)),
        (1.0, (252, 255, 164)),
    ];
    let k = stops.iter().rposition(|s| s.0 <= t).unwrap_or(0).min(3);
    let (a, b) = (stops[k], stops[k + 1]);
    let u = (t - a.0) / (b.0 - a.0);
    let mix = |x: u8, y: u8| (f64::from(x) + (f64::from(y) - f64::from(x)) * u).round() as u8;
    RGBColor(mix(a.1.0, b.1.0), mix(a.1.1, b.1.1), mix(a.1.2, b.1.2))
}

/// Register the embedded DejaVu Sans as plotters' `sans-serif`, once.
fn font() -> Result<(), String> {
    static DONE: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    DONE.get_or_init(|| {
        plotters::style::register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular())
            .map_err(|_| "the embedded font is not valid".to_string())
    })
    .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tests that a second of a 1 kHz sine at 0.5 draws a ±0.5 envelope, and that its loudest
    /// spectrogram row is the one holding 1 kHz, reading −6.02 dBFS (within the share of the
    /// window's main lobe that spills into the next row).
    #[test]
    fn a_tone_fills_its_envelope_and_its_row() {
        let rate = 48_000;
        let mut plot = Plot::new(u64::from(rate), 2, rate);
        let tone: Vec<f32> = (0..rate)
            .flat_map(|i| {
                let s = 0.5 * (std::f64::consts::TAU * 1000.0 * f64::from(i) / 48e3).sin();
                [s as f32; 2]
            })
            .collect();
        plot.add_samples(&tone);
        let (lo, hi) = plot.envelope[1][COLUMNS / 2];
        assert!(
            (hi - 0.5).abs() < 1e-3 && (lo + 0.5).abs() < 1e-3,
            "{lo} {hi}"
        );
        // Columns are 40 frames here, FFTs 256 apart: the first column from the middle on
        // that has one.
        let (rows, n) = plot.spectrum[COLUMNS / 2..]
            .iter()
            .find(|(_, n)| *n > 0)
            .unwrap();
        let loudest = (0..ROWS)
            .max_by(|&a, &b| rows[a].total_cmp(&rows[b]))
            .unwrap();
        assert!(
            row_hz(loudest, rate) <= 1000.0 && 1000.0 < row_hz(loudest + 1, rate),
            "row {loudest}: {} Hz",
            row_hz(loudest, rate)
        );
        let db = level_db(rows[loudest], *n);
        println!("1 kHz at 0.5: its row reads {db:.2} dBFS");
        assert!((db + 6.02).abs() < 1.5, "{db} dBFS");
        let far = level_db(rows[row_of(100.0, rate)], *n);
        assert!(far < -60.0, "100 Hz reads {far} dBFS");
    }

    fn row_of(hz: f64, rate: u32) -> usize {
        (0..ROWS).find(|&r| row_hz(r + 1, rate) > hz).unwrap()
    }
}
