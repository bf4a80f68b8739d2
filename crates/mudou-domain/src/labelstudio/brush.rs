//! Label Studio's brush masks: the `rle` list of a `brushlabels` result (`format: "rle"`).
//!
//! The layout is thi.ng's `rle-pack`, which Label Studio's editor writes and its converter
//! (`label_studio_sdk.converter.brush.decode_rle` / `encode_rle`) reads: a bit stream, most
//! significant bit first, holding a 32-bit count of values, 5 bits of word size − 1, four
//! 4-bit run-length sizes − 1 (Label Studio uses words of 8 bits and sizes 3, 4, 8, 16),
//! then chunks until the count is reached: 1 bit (1 = one value repeated, 0 = literal
//! values), 2 bits choosing a run-length size, that many bits of length − 1, then the value
//! (repeat) or the `length` values (literal), each a word; the last byte is padded with 0.
//! The values are the picture's RGBA bytes row by row (`[y][x][r, g, b, a]`); a pixel is in
//! the mask when its alpha is at least 128 (Label Studio's converter reads the alpha
//! channel; its editor paints it 255). Written masks set all four bytes of a pixel to 255.

use mudou_consensus::shapes::Rle;

/// Label Studio's run-length sizes, in bits.
const RLE_SIZES: [u32; 4] = [3, 4, 8, 16];
/// Label Studio's word size, in bits.
const WORD: u32 = 8;

struct BitWriter {
    out: Vec<u8>,
    bits: u32,
}

impl BitWriter {
    fn write(&mut self, value: u32, n: u32) {
        for i in (0..n).rev() {
            if self.bits.is_multiple_of(8) {
                self.out.push(0);
            }
            if (value >> i) & 1 == 1 {
                let last = self.out.len() - 1;
                self.out[last] |= 0x80 >> (self.bits % 8);
            }
            self.bits += 1;
        }
    }

    /// A chunk's flag, size choice and length.
    fn head(&mut self, repeat: bool, len: usize) {
        let n = (len - 1) as u32;
        let size = RLE_SIZES
            .iter()
            .position(|&s| u64::from(n) < 1u64 << s)
            .expect("a chunk is at most 2^16 values");
        self.write(u32::from(repeat), 1);
        self.write(size as u32, 2);
        self.write(n, RLE_SIZES[size]);
    }
}

struct BitReader<'a> {
    data: &'a [u8],
    at: usize,
}

impl BitReader<'_> {
    fn read(&mut self, n: u32) -> Result<u32, String> {
        let mut v = 0u32;
        for _ in 0..n {
            let byte = self
                .data
                .get(self.at / 8)
                .ok_or("the brush data ends too soon")?;
            v = (v << 1) | u32::from((byte >> (7 - self.at % 8)) & 1);
            self.at += 1;
        }
        Ok(v)
    }
}

/// Encodes values as Label Studio's brush RLE (8-bit words, sizes 3, 4, 8, 16): runs of two
/// or more equal values as repeats, the rest as literal chunks.
pub fn encode(values: &[u8]) -> Vec<u8> {
    let max = 1usize << RLE_SIZES[3];
    let mut w = BitWriter {
        out: Vec::with_capacity(16 + values.len() / 64),
        bits: 0,
    };
    w.write(values.len() as u32, 32);
    w.write(WORD - 1, 5);
    for s in RLE_SIZES {
        w.write(s - 1, 4);
    }
    let mut literal: Vec<u8> = Vec::new();
    let flush = |w: &mut BitWriter, literal: &mut Vec<u8>| {
        for chunk in literal.chunks(max) {
            w.head(false, chunk.len());
            for &v in chunk {
                w.write(u32::from(v), WORD);
            }
        }
        literal.clear();
    };
    let mut i = 0;
    while i < values.len() {
        let v = values[i];
        let mut j = i + 1;
        while j < values.len() && values[j] == v && j - i < max {
            j += 1;
        }
        if j - i >= 2 {
            flush(&mut w, &mut literal);
            w.head(true, j - i);
            w.write(u32::from(v), WORD);
        } else {
            literal.push(v);
        }
        i = j;
    }
    flush(&mut w, &mut literal);
    w.out
}

/// Decodes Label Studio's brush RLE, refusing a stream of other than `expected` values (so
/// nothing larger than the picture is ever allocated) or one that ends too soon.
pub fn decode(data: &[u8], expected: usize) -> Result<Vec<u8>, String> {
    let mut r = BitReader { data, at: 0 };
    let num = r.read(32)? as usize;
    if num != expected {
        return Err(format!(
            "the brush holds {num} values, the picture's RGBA has {expected}"
        ));
    }
    let word = r.read(5)? + 1;
    if word > 8 {
        return Err(format!(
            "a brush of {word}-bit words (Label Studio writes 8)"
        ));
    }
    let mut sizes = [0u32; 4];
    for s in &mut sizes {
        *s = r.read(4)? + 1;
    }
    let mut out = Vec::with_capacity(num);
    while out.len() < num {
        let repeat = r.read(1)? == 1;
        let size = sizes[r.read(2)? as usize];
        let len = r.read(size)? as usize + 1;
        if out.len() + len > num {
            return Err("the brush runs past its end".into());
        }
        if repeat {
            let v = r.read(word)? as u8;
            out.resize(out.len() + len, v);
        } else {
            for _ in 0..len {
                out.push(r.read(word)? as u8);
            }
        }
    }
    Ok(out)
}

/// A COCO mask as Label Studio's brush `rle` values.
pub fn from_mask(m: &Rle) -> Vec<u8> {
    let pixels = m.decode();
    let mut rgba = Vec::with_capacity(pixels.len() * 4);
    for p in pixels {
        let v = if p != 0 { 255 } else { 0 };
        rgba.extend([v; 4]);
    }
    encode(&rgba)
}

/// Label Studio's brush `rle` values as a COCO mask of a `width × height` picture.
pub fn to_mask(data: &[u8], width: u32, height: u32) -> Result<Rle, String> {
    let n = width as usize * height as usize;
    let rgba = decode(data, n * 4)?;
    let mask: Vec<u8> = rgba
        .chunks_exact(4)
        .map(|p| u8::from(p[3] >= 128))
        .collect();
    Rle::encode(height, width, &mask).map_err(|e| e.to_string())
}
