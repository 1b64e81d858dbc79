//! The smallest media files that state what an attack states: FLAC of constant subframes
//! (any length in a few bytes a block, any STREAMINFO and seek table) and an Ogg Vorbis file
//! whose identification header is rewritten (its page checksum made right again). Shared by
//! the hardening tests and the `headers` fuzz target (which includes this file by path).

/// Ogg's page checksum (CRC-32, polynomial 0x04C11DB7, unreflected, initial 0).
pub fn ogg_crc(page: &[u8]) -> u32 {
    let mut crc = 0u32;
    for &b in page {
        crc ^= u32::from(b) << 24;
        for _ in 0..8 {
            crc = if crc & 0x8000_0000 != 0 {
                (crc << 1) ^ 0x04C1_1DB7
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// `ogg` (an Ogg Vorbis file) with its identification header stating `rate` (and `channels`
/// when given), the first page's checksum made right again, so only those fields are wrong.
/// Returns `ogg` unchanged when its first page is not a Vorbis identification header.
pub fn vorbis_with(ogg: &[u8], rate: u32, channels: Option<u8>) -> Vec<u8> {
    let mut f = ogg.to_vec();
    let Some(&segments) = f.get(26) else {
        return f;
    };
    let body = 27 + usize::from(segments);
    let Some(table) = f.get(27..body) else {
        return f;
    };
    let len = body + table.iter().map(|&s| usize::from(s)).sum::<usize>();
    if f.len() < len || f.len() < body + 16 || &f[body..body + 7] != b"\x01vorbis" {
        return f;
    }
    if let Some(c) = channels {
        f[body + 11] = c;
    }
    f[body + 12..body + 16].copy_from_slice(&rate.to_le_bytes());
    f[22..26].fill(0);
    let crc = ogg_crc(&f[..len]);
    f[22..26].copy_from_slice(&crc.to_le_bytes());
    f
}

/// FLAC's frame-header checksum (CRC-8, polynomial 0x07).
pub fn crc8(bytes: &[u8]) -> u8 {
    let mut crc = 0u8;
    for &b in bytes {
        crc ^= b;
        for _ in 0..8 {
            crc = if crc & 0x80 != 0 {
                (crc << 1) ^ 0x07
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// FLAC's frame checksum (CRC-16, polynomial 0x8005).
pub fn crc16(bytes: &[u8]) -> u16 {
    let mut crc = 0u16;
    for &b in bytes {
        crc ^= u16::from(b) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x8005
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// FLAC's UTF-8-like coding of a frame number.
pub fn utf8_number(n: u32, out: &mut Vec<u8>) {
    match n {
        0..0x80 => out.push(n as u8),
        0x80..0x800 => out.extend([0xC0 | (n >> 6) as u8, 0x80 | (n & 0x3F) as u8]),
        0x800..0x1_0000 => out.extend([
            0xE0 | (n >> 12) as u8,
            0x80 | ((n >> 6) & 0x3F) as u8,
            0x80 | (n & 0x3F) as u8,
        ]),
        _ => out.extend([
            0xF0 | (n >> 18) as u8,
            0x80 | ((n >> 12) & 0x3F) as u8,
            0x80 | ((n >> 6) & 0x3F) as u8,
            0x80 | (n & 0x3F) as u8,
        ]),
    }
}

/// A 48 kHz 16-bit stereo FLAC of `frames` blocks of `block` frames (at least 1) of silence,
/// each channel a CONSTANT subframe (a few bytes a block, whatever its length). STREAMINFO
/// states `stated` total frames (0: unknown); `seek_points` (sample numbers) become a
/// SEEKTABLE block.
pub fn silent_flac(frames: u32, block: u16, stated: u64, seek_points: &[u64]) -> Vec<u8> {
    let block = block.max(1);
    let mut f = b"fLaC".to_vec();
    let last = seek_points.is_empty();
    f.extend([u8::from(last) << 7, 0, 0, 34]);
    f.extend(block.to_be_bytes()); // min block size
    f.extend(block.to_be_bytes()); // max block size
    f.extend([0; 6]); // frame sizes unknown
    // 20 bits of rate, 3 of channels − 1, 5 of bits − 1, 36 of total samples.
    let packed: u64 = (48_000u64 << 44) | (1 << 41) | (15 << 36) | (stated & 0xF_FFFF_FFFF);
    f.extend(packed.to_be_bytes());
    f.extend([0; 16]); // MD5 unknown
    if !last {
        let len = (18 * seek_points.len()).min(0xFF_FFFF) as u32;
        f.extend([0x80 | 3, (len >> 16) as u8, (len >> 8) as u8, len as u8]);
        for &p in seek_points.iter().take(len as usize / 18) {
            f.extend(p.to_be_bytes());
            f.extend(0u64.to_be_bytes());
            f.extend(block.to_be_bytes());
        }
    }
    for n in 0..frames {
        let start = f.len();
        // Sync, fixed block size; block size from 16 bits at the end of the header, 48 kHz;
        // left/right; 16 bits per sample.
        f.extend([0xFF, 0xF8, 0x7A, 0x18]);
        utf8_number(n, &mut f);
        f.extend((block - 1).to_be_bytes());
        let c = crc8(&f[start..]);
        f.push(c);
        // Two CONSTANT subframes of 0.
        f.extend([0x00, 0x00, 0x00, 0x00, 0x00, 0x00]);
        let c = crc16(&f[start..]);
        f.extend(c.to_be_bytes());
    }
    f
}
