//! Generates `datasets/shapes/`: a small, licence-clean (CC0-1.0) demo image dataset of simple
//! shapes on textured backgrounds, with exact gold labels and boxes.
//!
//! ```text
//! cargo run -p mudou-media --example gen_shapes --release [-- OUT_DIR]
//! ```
//!
//! Seeded and deterministic: the same version writes the same bytes.

use std::f64::consts::PI;
use std::path::PathBuf;

use image::{Rgb, RgbImage};

const WIDTH: u32 = 480;
const HEIGHT: u32 = 360;
const COUNT: usize = 60;
const SEED: u64 = 0x4D75_646F_7520_2026; // "Mudou 2026"
const CLASSES: [&str; 4] = ["circle", "square", "triangle", "star"];
const PALETTE: [[u8; 3]; 8] = [
    [220, 40, 40],   // red
    [40, 170, 60],   // green
    [40, 80, 220],   // blue
    [240, 210, 40],  // yellow
    [245, 130, 30],  // orange
    [140, 60, 180],  // purple
    [245, 245, 245], // white
    [25, 25, 25],    // black
];

/// SplitMix64: tiny, fast, and stable across versions of everything.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Condition {
    Normal,
    Dark,
    LowContrast,
}

struct Shape {
    class: usize,
    cx: f64,
    cy: f64,
    r: f64,
    angle: f64,
    colour: [u8; 3],
}

impl Shape {
    /// Polygon vertices; empty for a circle.
    fn vertices(&self) -> Vec<(f64, f64)> {
        let (n, radius): (usize, Box<dyn Fn(usize) -> f64>) = match CLASSES[self.class] {
            "square" => (4, Box::new(|_| self.r)),
            "triangle" => (3, Box::new(|_| self.r)),
            "star" => (
                10,
                Box::new(|k| if k % 2 == 0 { self.r } else { self.r * 0.45 }),
            ),
            _ => return Vec::new(),
        };
        (0..n)
            .map(|k| {
                let a = self.angle + 2.0 * PI * k as f64 / n as f64;
                (self.cx + radius(k) * a.cos(), self.cy + radius(k) * a.sin())
            })
            .collect()
    }

    fn extent(&self) -> (f64, f64, f64, f64) {
        let v = self.vertices();
        if v.is_empty() {
            return (
                self.cx - self.r,
                self.cy - self.r,
                self.cx + self.r,
                self.cy + self.r,
            );
        }
        v.iter().fold(
            (f64::MAX, f64::MAX, f64::MIN, f64::MIN),
            |(a, b, c, d), &(x, y)| (a.min(x), b.min(y), c.max(x), d.max(y)),
        )
    }

    /// The box in whole pixels that contains every pixel the shape touches.
    fn pixel_box(&self) -> (u32, u32, u32, u32) {
        let (x0, y0, x1, y1) = self.extent();
        let (x, y) = (x0.floor() as u32, y0.floor() as u32);
        (x, y, x1.ceil() as u32 - x, y1.ceil() as u32 - y)
    }

    fn contains(&self, px: f64, py: f64, vertices: &[(f64, f64)]) -> bool {
        if vertices.is_empty() {
            return (px - self.cx).powi(2) + (py - self.cy).powi(2) <= self.r * self.r;
        }
        let mut inside = false;
        let mut j = vertices.len() - 1;
        for i in 0..vertices.len() {
            let (xi, yi) = vertices[i];
            let (xj, yj) = vertices[j];
            if (yi > py) != (yj > py) && px < (xj - xi) * (py - yi) / (yj - yi) + xi {
                inside = !inside;
            }
            j = i;
        }
        inside
    }
}

fn background(rng: &mut Rng) -> (RgbImage, [f64; 3]) {
    let base = [
        rng.range(40.0, 215.0),
        rng.range(40.0, 215.0),
        rng.range(40.0, 215.0),
    ];
    let other = [
        rng.range(40.0, 215.0),
        rng.range(40.0, 215.0),
        rng.range(40.0, 215.0),
    ];
    let kind = rng.below(4);
    let (f1, f2, phase) = (
        rng.range(0.01, 0.05),
        rng.range(0.01, 0.05),
        rng.range(0.0, PI),
    );
    let period = rng.range(12.0, 40.0);
    let noise = rng.range(6.0, 22.0);
    let mut img = RgbImage::new(WIDTH, HEIGHT);
    for (x, y, p) in img.enumerate_pixels_mut() {
        let (xf, yf) = (x as f64, y as f64);
        let t = match kind {
            0 => xf / WIDTH as f64 * 0.7 + yf / HEIGHT as f64 * 0.3, // gradient
            1 => (((xf + yf * 0.5) / period).floor() as i64 % 2) as f64 * 0.5, // stripes
            2 => 0.5 + 0.25 * ((xf * f1 + phase).sin() + (yf * f2).cos()), // blotches
            _ => (((xf / period).floor() + (yf / period).floor()) as i64 % 2) as f64 * 0.35, // checker
        };
        let n = (rng.unit() - 0.5) * 2.0 * noise;
        let c: [u8; 3] = std::array::from_fn(|k| {
            (base[k] * (1.0 - t) + other[k] * t + n).clamp(0.0, 255.0) as u8
        });
        *p = Rgb(c);
    }
    let mean = std::array::from_fn(|k| base[k] * 0.6 + other[k] * 0.4);
    (img, mean)
}

fn pick_colour(rng: &mut Rng, bg: [f64; 3]) -> [u8; 3] {
    loop {
        let c = PALETTE[rng.below(PALETTE.len())];
        let d: f64 = (0..3).map(|k| (c[k] as f64 - bg[k]).abs()).sum();
        if d > 150.0 {
            return c;
        }
    }
}

fn place(rng: &mut Rng, class: usize, r: f64, placed: &[Shape], colour: [u8; 3]) -> Option<Shape> {
    for _ in 0..200 {
        let s = Shape {
            class,
            cx: rng.range(r + 4.0, WIDTH as f64 - r - 4.0),
            cy: rng.range(r + 4.0, HEIGHT as f64 - r - 4.0),
            r,
            angle: rng.range(0.0, 2.0 * PI),
            colour,
        };
        let (x0, y0, x1, y1) = s.extent();
        let clear = placed.iter().all(|o| {
            let (a0, b0, a1, b1) = o.extent();
            x1 + 8.0 < a0 || a1 + 8.0 < x0 || y1 + 8.0 < b0 || b1 + 8.0 < y0
        });
        if clear {
            return Some(s);
        }
    }
    None
}

fn draw(img: &mut RgbImage, s: &Shape, rng: &mut Rng) {
    let vertices = s.vertices();
    let (x, y, w, h) = s.pixel_box();
    const SS: u32 = 4;
    for py in y..(y + h).min(HEIGHT) {
        for px in x..(x + w).min(WIDTH) {
            let mut hits = 0;
            for sy in 0..SS {
                for sx in 0..SS {
                    let fx = px as f64 + (sx as f64 + 0.5) / SS as f64;
                    let fy = py as f64 + (sy as f64 + 0.5) / SS as f64;
                    hits += u32::from(s.contains(fx, fy, &vertices));
                }
            }
            if hits == 0 {
                continue;
            }
            let a = hits as f64 / (SS * SS) as f64;
            let grain = (rng.unit() - 0.5) * 16.0;
            let p = img.get_pixel_mut(px, py);
            for k in 0..3 {
                let fg = (s.colour[k] as f64 + grain).clamp(0.0, 255.0);
                p.0[k] = (fg * a + p.0[k] as f64 * (1.0 - a)).round() as u8;
            }
        }
    }
}

fn grade(img: &mut RgbImage, condition: Condition) {
    for p in img.pixels_mut() {
        for c in &mut p.0 {
            let v = *c as f64;
            *c = match condition {
                Condition::Normal => v,
                Condition::Dark => v * 0.22,
                Condition::LowContrast => 128.0 + (v - 128.0) * 0.18,
            }
            .round() as u8;
        }
    }
}

fn main() {
    let out: PathBuf = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../datasets/shapes"));
    std::fs::create_dir_all(&out).expect("create output folder");
    let mut rng = Rng(SEED);
    let mut manifest = csv::Writer::from_path(out.join("manifest.csv")).expect("manifest.csv");
    manifest
        .write_record(["file", "tag", "label", "boxes"])
        .expect("write header");
    for i in 0..COUNT {
        let condition = match i % 10 {
            3 | 8 => Condition::Dark,
            6 => Condition::LowContrast,
            _ => Condition::Normal,
        };
        let (mut img, bg) = background(&mut rng);
        let n = [1, 1, 1, 2, 2, 3][rng.below(6)];
        let mut shapes: Vec<Shape> = Vec::new();
        for k in 0..n {
            let class = if k == 0 {
                i % CLASSES.len()
            } else {
                rng.below(CLASSES.len())
            };
            let r = if k == 0 {
                rng.range(60.0, 95.0)
            } else {
                rng.range(24.0, 50.0)
            };
            let colour = pick_colour(&mut rng, bg);
            if let Some(s) = place(&mut rng, class, r, &shapes, colour) {
                shapes.push(s);
            }
        }
        for s in &shapes {
            draw(&mut img, s, &mut rng);
        }
        grade(&mut img, condition);

        let file = format!("shape_{i:03}.jpg");
        let mut bytes = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 80)
            .encode_image(&img)
            .expect("encode JPEG");
        std::fs::write(out.join(&file), bytes).expect("write image");

        let boxes: Vec<String> = shapes
            .iter()
            .map(|s| {
                let (x, y, w, h) = s.pixel_box();
                let label = CLASSES[s.class];
                format!(r#"{{"label":"{label}","x":{x},"y":{y},"w":{w},"h":{h}}}"#)
            })
            .collect();
        let tag = match condition {
            Condition::Normal => "normal",
            Condition::Dark => "dark",
            Condition::LowContrast => "low_contrast",
        };
        manifest
            .write_record([
                file.as_str(),
                tag,
                CLASSES[shapes[0].class],
                &format!("[{}]", boxes.join(",")),
            ])
            .expect("write row");
    }
    manifest.flush().expect("flush manifest");
    std::fs::write(out.join("SOURCE.md"), SOURCE_MD).expect("write SOURCE.md");
    eprintln!("wrote {COUNT} images to {}", out.display());
}

const SOURCE_MD: &str = "# shapes — a demo image dataset made by Mudou\n\
\n\
Generated by Mudou's own program `crates/mudou-media/examples/gen_shapes.rs`; no outside\n\
images are used. Licence: **CC0-1.0** (public domain dedication).\n\
\n\
- 60 JPEG images, 480×360: circles, squares, triangles and stars in several colours on\n\
  textured, noisy backgrounds; 1–3 shapes per image.\n\
- `tag` is the lighting condition: `normal`, `dark` (12 images) or `low_contrast` (6 images),\n\
  for trying the brightness/contrast sliders.\n\
- `manifest.csv`: `file,tag,label,boxes`. `label` is the class of the main (largest) shape,\n\
  one of `circle,square,triangle,star` (15 each). `boxes` is a JSON list\n\
  `[{\"label\",\"x\",\"y\",\"w\",\"h\"}]` in pixels, main shape first: the exact extent of each shape\n\
  as drawn, so box orders have gold.\n\
\n\
Regenerate (seeded and deterministic):\n\
\n\
```\n\
cargo run -p mudou-media --example gen_shapes --release\n\
```\n";
