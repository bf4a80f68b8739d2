//! Recorded read-alouds: what kind of audio a file is (by its magic bytes, never its name
//! or declared type) and, where the format says so, how long it plays.

/// Largest recording accepted: 1 MiB.
pub const MAX_AUDIO_BYTES: usize = 1024 * 1024;
/// Longest recording accepted, in milliseconds.
pub const MAX_AUDIO_MS: u64 = 60_000;

/// An accepted audio container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AudioKind {
    Wav,
    Ogg,
    Webm,
    Mp4,
    Mpeg,
}

impl AudioKind {
    pub fn mime(self) -> &'static str {
        match self {
            AudioKind::Wav => "audio/wav",
            AudioKind::Ogg => "audio/ogg",
            AudioKind::Webm => "audio/webm",
            AudioKind::Mp4 => "audio/mp4",
            AudioKind::Mpeg => "audio/mpeg",
        }
    }
}

/// Why a recording is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AudioError {
    #[error("the recording is empty")]
    Empty,
    #[error("the recording is larger than 1 MiB ({0} bytes)")]
    TooLarge(usize),
    #[error("not a recording: send WAV, Ogg, WebM, MP4 or MP3 audio")]
    NotAudio,
    #[error("the recording lasts {0} ms; at most 60 s")]
    TooLong(u64),
}

/// What the bytes are, by their magic bytes.
pub fn sniff_audio(b: &[u8]) -> Result<AudioKind, AudioError> {
    if b.is_empty() {
        return Err(AudioError::Empty);
    }
    if b.len() >= 12 && &b[..4] == b"RIFF" && &b[8..12] == b"WAVE" {
        return Ok(AudioKind::Wav);
    }
    if b.starts_with(b"OggS") {
        return Ok(AudioKind::Ogg);
    }
    if b.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        return Ok(AudioKind::Webm);
    }
    if b.len() >= 12 && &b[4..8] == b"ftyp" {
        return Ok(AudioKind::Mp4);
    }
    // An ID3 tag, or an MPEG audio frame's sync with a layer (not the reserved 00).
    if b.starts_with(b"ID3")
        || (b.len() >= 2 && b[0] == 0xFF && b[1] & 0xE0 == 0xE0 && b[1] & 0x06 != 0)
    {
        return Ok(AudioKind::Mpeg);
    }
    Err(AudioError::NotAudio)
}

/// How long the audio plays, in ms, where the container says so cheaply: WAV (its data
/// size over its byte rate) and Ogg (the last page's granule position: Opus counts at
/// 48 kHz, Vorbis at its header's rate). `None` for the others.
pub fn audio_duration_ms(kind: AudioKind, b: &[u8]) -> Option<u64> {
    match kind {
        AudioKind::Wav => wav_duration_ms(b),
        AudioKind::Ogg => ogg_duration_ms(b),
        _ => None,
    }
}

fn u32_le(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn wav_duration_ms(b: &[u8]) -> Option<u64> {
    let mut at = 12;
    let mut byte_rate = None;
    while at + 8 <= b.len() {
        let id = &b[at..at + 4];
        let size = u32_le(b, at + 4)? as usize;
        if id == b"fmt " {
            byte_rate = u32_le(b, at + 16);
        } else if id == b"data" {
            let rate = u64::from(byte_rate?.max(1));
            // A streamed WAV may declare a size larger than what follows: count what is there.
            let size = size.min(b.len() - (at + 8)) as u64;
            return Some(size * 1000 / rate);
        }
        at += 8 + size + (size & 1);
    }
    None
}

fn ogg_duration_ms(b: &[u8]) -> Option<u64> {
    // The first page's packet says the codec and its rate.
    let rate: u64 = if b.windows(8).take(512).any(|w| w == b"OpusHead") {
        48_000
    } else {
        let at = b.windows(7).take(512).position(|w| w == b"\x01vorbis")?;
        u64::from(u32_le(b, at + 12)?)
    };
    let last = b.windows(4).rposition(|w| w == b"OggS")?;
    let granule = u64::from_le_bytes(b.get(last + 6..last + 14)?.try_into().ok()?);
    (rate > 0 && granule != u64::MAX).then(|| granule * 1000 / rate)
}

/// Checks a recording: its size, its kind and, where known, its length.
pub fn check_recording(b: &[u8]) -> Result<AudioKind, AudioError> {
    if b.len() > MAX_AUDIO_BYTES {
        return Err(AudioError::TooLarge(b.len()));
    }
    let kind = sniff_audio(b)?;
    if let Some(ms) = audio_duration_ms(kind, b)
        && ms > MAX_AUDIO_MS
    {
        return Err(AudioError::TooLong(ms));
    }
    Ok(kind)
}

/// A mono 16-bit PCM WAV of `samples` (for tests and the demo).
pub fn wav_pcm16(rate: u32, samples: &[i16]) -> Vec<u8> {
    let data = (samples.len() * 2) as u32;
    let mut out = Vec::with_capacity(44 + data as usize);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&(rate * 2).to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data.to_le_bytes());
    for s in samples {
        out.extend_from_slice(&s.to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wav_is_sniffed_and_timed() {
        let one_second = wav_pcm16(8000, &[0; 8000]);
        assert_eq!(check_recording(&one_second), Ok(AudioKind::Wav));
        assert_eq!(audio_duration_ms(AudioKind::Wav, &one_second), Some(1000));
        let long = wav_pcm16(8000, &vec![0; 8000 * 61]);
        assert_eq!(check_recording(&long), Err(AudioError::TooLong(61_000)));
    }

    #[test]
    fn others_are_refused() {
        assert_eq!(check_recording(b""), Err(AudioError::Empty));
        assert_eq!(
            check_recording(b"\x89PNG\r\n\x1a\n...."),
            Err(AudioError::NotAudio)
        );
        assert_eq!(
            check_recording(&vec![0u8; MAX_AUDIO_BYTES + 1]),
            Err(AudioError::TooLarge(MAX_AUDIO_BYTES + 1))
        );
        assert_eq!(sniff_audio(b"OggS\0\x02"), Ok(AudioKind::Ogg));
        assert_eq!(
            sniff_audio(&[0x1A, 0x45, 0xDF, 0xA3, 1]),
            Ok(AudioKind::Webm)
        );
        assert_eq!(sniff_audio(b"ID3\x04"), Ok(AudioKind::Mpeg));
        assert_eq!(sniff_audio(b"\0\0\0\x20ftypM4A "), Ok(AudioKind::Mp4));
        assert_eq!(sniff_audio(b"RIFF\x24\0\0\0WAVEfmt "), Ok(AudioKind::Wav));
        // Near misses: another RIFF file, text, a frame sync of the reserved layer.
        for b in [
            &b"RIFF\0\0\0\0WEBP"[..],
            b"hello, world",
            &[0xFF, 0xE0, 0, 0],
        ] {
            assert_eq!(sniff_audio(b), Err(AudioError::NotAudio), "{b:?}");
        }
    }
}
