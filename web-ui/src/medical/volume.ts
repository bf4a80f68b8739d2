// A medical series in the browser (issue 31, contract §1–§2): the volume's header and its raw
// values (Hounsfield units for CT) as one typed array, loaded slice by slice from
// `GET /api/v1/volumes/{sha}` and `…/slices?from&to` — the slice on screen first, then chunks
// outward from whichever slice is on screen at the time. Window/level to 8-bit grey through a
// lookup table (integer types) or a tight loop (f32), a thin-slab maximum intensity projection,
// and voxel ↔ patient millimetres (mudou_domain::volume: voxel (x, y, z) = (column, row, slice)).

export type Dtype = 'i16' | 'u16' | 'f32';
export type Values = Int16Array | Uint16Array | Float32Array;
export type Vec3 = [number, number, number];

/** mudou_domain::volume::VolumeGeometry as serde writes it. */
export interface VolumeGeometry {
  columns: number;
  rows: number;
  slices: number;
  /** mm between column centres and between row centres: [sx, sy]. */
  spacing: [number, number];
  slice_step: number;
  thickness?: number | null;
  origin: Vec3;
  row_dir: Vec3;
  col_dir: Vec3;
  slice_dir: Vec3;
}

export interface Window {
  center: number;
  width: number;
}

/** The MDV1 header (contract §1), plus `bytes_per_slice` as the server's route gives it. */
export interface VolumeHeader {
  geometry: VolumeGeometry;
  dtype: Dtype;
  modality: string;
  invert: boolean;
  window: Window;
  range: [number, number];
  bytes_per_slice?: number;
}

export const BYTES: Record<Dtype, number> = { i16: 2, u16: 2, f32: 4 };

export function bytesPerSlice(h: VolumeHeader): number {
  return h.geometry.columns * h.geometry.rows * BYTES[h.dtype];
}

/** A typed array over little-endian values (copied when the bytes are not aligned, or the
 * machine is big-endian — no browser is, but the bytes' order is the contract's, not ours). */
export function typed(dtype: Dtype, bytes: ArrayBuffer, offset = 0, length?: number): Values {
  const size = BYTES[dtype];
  const n = Math.floor((length ?? bytes.byteLength - offset) / size);
  const Ctor = dtype === 'i16' ? Int16Array : dtype === 'u16' ? Uint16Array : Float32Array;
  if (offset % size === 0 && LITTLE) return new Ctor(bytes, offset, n);
  const out = new Ctor(n);
  const dv = new DataView(bytes, offset, n * size);
  for (let i = 0; i < n; i++) out[i] = dtype === 'i16' ? dv.getInt16(i * 2, true) : dtype === 'u16' ? dv.getUint16(i * 2, true) : dv.getFloat32(i * 4, true);
  return out;
}

const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reads a whole MDV1 blob (the header and every value). */
export function parseMdv1(buf: ArrayBuffer): { header: VolumeHeader; values: Values } {
  const b = new Uint8Array(buf);
  if (b.length < 8 || String.fromCharCode(b[0], b[1], b[2], b[3]) !== 'MDV1') throw new Error('not an MDV1 volume');
  const n = new DataView(buf).getUint32(4, true);
  const header = JSON.parse(new TextDecoder().decode(b.subarray(8, 8 + n))) as VolumeHeader;
  const want = bytesPerSlice(header) * header.geometry.slices;
  if (b.length - 8 - n < want) throw new Error('MDV1 volume is truncated');
  return { header: { ...header, bytes_per_slice: bytesPerSlice(header) }, values: typed(header.dtype, buf, 8 + n, want) };
}

// ---- millimetres -------------------------------------------------------------------------

/** A voxel position's patient coordinates (mm): origin + x·sx·row_dir + y·sy·col_dir + z·step·slice_dir. */
export function toPatient(g: VolumeGeometry, v: Vec3): Vec3 {
  const [sx, sy] = g.spacing;
  return [0, 1, 2].map((i) => g.origin[i] + v[0] * sx * g.row_dir[i] + v[1] * sy * g.col_dir[i] + v[2] * g.slice_step * g.slice_dir[i]) as Vec3;
}

/** Millimetres between two voxel positions. */
export function distanceMm(g: VolumeGeometry, a: Vec3, b: Vec3): number {
  const p = toPatient(g, a);
  const q = toPatient(g, b);
  return Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
}

/** Whether a voxel position lies inside the volume (fractions of a pixel count). */
export function contains(g: VolumeGeometry, v: Vec3): boolean {
  return v.every((c) => Number.isFinite(c)) && v[0] >= 0 && v[0] < g.columns && v[1] >= 0 && v[1] < g.rows && v[2] >= 0 && v[2] < g.slices;
}

/** How many slices on each side of the shown one a slab `mm` thick takes in. */
export function slabHalf(g: VolumeGeometry, mm: number): number {
  return Math.max(0, Math.round(mm / 2 / g.slice_step));
}

// ---- window / level ----------------------------------------------------------------------

/** 8-bit grey of a value under a window: linear from centre − width/2 (black) to centre +
 * width/2 (white); MONOCHROME1 (`invert`) the other way round. */
export function grey(v: number, w: Window, invert = false): number {
  const lo = w.center - w.width / 2;
  const g = w.width > 0 ? ((v - lo) / w.width) * 255 : v >= w.center ? 255 : 0;
  const c = g <= 0 ? 0 : g >= 255 ? 255 : Math.round(g);
  return invert ? 255 - c : c;
}

function rgba(c: number): number {
  // ImageData's bytes are R, G, B, A; as a little-endian u32 that is A<<24 | B<<16 | G<<8 | R
  return LITTLE ? ((255 << 24) | (c << 16) | (c << 8) | c) >>> 0 : ((c << 24) | (c << 16) | (c << 8) | 255) >>> 0;
}

/** A lookup table from every i16/u16 value to an RGBA pixel (65 536 entries; i16 indexed by
 * value + 32768). Rebuilt only when the window changes. */
export function windowLut(dtype: 'i16' | 'u16', w: Window, invert: boolean, into?: Uint32Array): Uint32Array {
  const lut = into ?? new Uint32Array(65536);
  const base = dtype === 'i16' ? -32768 : 0;
  const pix = new Uint32Array(256);
  for (let c = 0; c < 256; c++) pix[c] = rgba(c);
  for (let i = 0; i < 65536; i++) lut[i] = pix[grey(base + i, w, invert)];
  return lut;
}

/** Draws values into RGBA pixels (a Uint32Array over an ImageData's buffer). `lut` for i16/u16
 * (from windowLut), the window directly for f32. */
export function renderInto(values: Values, out: Uint32Array, w: Window, invert: boolean, lut?: Uint32Array | null): void {
  const n = Math.min(values.length, out.length);
  if (values instanceof Int16Array && lut) {
    for (let i = 0; i < n; i++) out[i] = lut[values[i] + 32768];
  } else if (values instanceof Uint16Array && lut) {
    for (let i = 0; i < n; i++) out[i] = lut[values[i]];
  } else {
    const lo = w.center - w.width / 2;
    const k = w.width > 0 ? 255 / w.width : 0;
    const pix = new Uint32Array(256);
    for (let c = 0; c < 256; c++) pix[c] = rgba(invert ? 255 - c : c);
    for (let i = 0; i < n; i++) {
      const g = w.width > 0 ? (values[i] - lo) * k : values[i] >= w.center ? 255 : 0;
      out[i] = pix[g <= 0 ? 0 : g >= 255 ? 255 : (g + 0.5) | 0];
    }
  }
}

/** The named presets (centre / width in HU). */
export const PRESETS: { key: 'brain' | 'cta' | 'bone' | 'lung'; center: number; width: number }[] = [
  { key: 'brain', center: 40, width: 80 },
  { key: 'cta', center: 300, width: 600 },
  { key: 'bone', center: 500, width: 2000 },
  { key: 'lung', center: -600, width: 1500 },
];

/** A drag of (dx, dy) screen pixels on a window: up/down moves the level, left/right the
 * width, by a step scaled to the volume's value range (so a CT and an MR both feel the same). */
export function dragWindow(w: Window, dx: number, dy: number, range: [number, number]): Window {
  const k = Math.max(1, (range[1] - range[0]) / 1000);
  return { center: w.center - dy * k, width: Math.max(1, w.width + dx * k) };
}

// ---- maximum intensity projection ---------------------------------------------------------

/** The maximum over slices [z−k, z+k] (clamped to the volume; slices not yet loaded skipped)
 * into `out` (one slice's size). Returns `out`. */
export function mip(vol: { values: Values; perSlice: number; slices: number; loaded?: ArrayLike<number> }, z: number, k: number, out: Values): Values {
  const n = vol.perSlice;
  const from = Math.max(0, z - k);
  const to = Math.min(vol.slices - 1, z + k);
  let first = true;
  for (let s = from; s <= to; s++) {
    if (vol.loaded && !vol.loaded[s]) continue;
    const src = vol.values.subarray(s * n, (s + 1) * n);
    if (first) {
      out.set(src);
      first = false;
      continue;
    }
    for (let i = 0; i < n; i++) if (src[i] > out[i]) out[i] = src[i];
  }
  if (first) out.fill(0);
  return out;
}

// ---- loading -----------------------------------------------------------------------------

/** The next range of slices to fetch: the unloaded slice nearest `focus` (after before before,
 * on a tie), then up to `chunk` unloaded slices on from it, going away from `focus`. Null when
 * every slice is loaded. `busy` slices are being fetched and count as loaded. */
export function nextChunk(loaded: ArrayLike<number>, focus: number, chunk: number): [number, number] | null {
  const n = loaded.length;
  const f = Math.max(0, Math.min(n - 1, Math.round(focus)));
  for (let d = 0; d < n; d++) {
    for (const s of [f + d, f - d]) {
      if (s < 0 || s >= n || loaded[s]) continue;
      if (s === f) return [s, s + 1];
      if (s > f) {
        let e = s;
        while (e < n && e - s < chunk && !loaded[e]) e++;
        return [s, e];
      }
      let b = s;
      while (b >= 0 && s - b < chunk && !loaded[b]) b--;
      return [b + 1, s + 1];
    }
  }
  return null;
}

/** The order every chunk would be fetched in, were the focus never to move. */
export function loadingOrder(slices: number, first: number, chunk: number): [number, number][] {
  const loaded = new Uint8Array(slices);
  const out: [number, number][] = [];
  for (let r = nextChunk(loaded, first, chunk); r; r = nextChunk(loaded, first, chunk)) {
    out.push(r);
    loaded.fill(1, r[0], r[1]);
  }
  return out;
}

export type Fetcher = (url: string, init?: RequestInit) => Promise<Response>;

/** A volume being loaded: its header, one typed array for every value (zeros until loaded),
 * which slices are in, and `focus` (the slice on screen) steering what comes next. */
export class VolumeLoader {
  readonly values: Values;
  readonly perSlice: number;
  readonly slices: number;
  /** 1: loaded, 2: being fetched. */
  readonly loaded: Uint8Array;
  focus: number;
  error: Error | null = null;
  private listeners = new Set<(from: number, to: number) => void>();
  private stopped = false;
  private controller = new AbortController();

  constructor(
    readonly sha: string,
    readonly header: VolumeHeader,
    first: number,
    private readonly fetcher: Fetcher,
    readonly chunk = 8,
    readonly parallel = 2,
  ) {
    const g = header.geometry;
    this.perSlice = g.columns * g.rows;
    this.slices = g.slices;
    const Ctor = header.dtype === 'i16' ? Int16Array : header.dtype === 'u16' ? Uint16Array : Float32Array;
    this.values = new Ctor(this.perSlice * this.slices);
    this.loaded = new Uint8Array(this.slices);
    this.focus = Math.max(0, Math.min(this.slices - 1, first));
  }

  /** Values of slice z (zeros until loaded). */
  slice(z: number): Values {
    return this.values.subarray(z * this.perSlice, (z + 1) * this.perSlice);
  }

  has(z: number): boolean {
    return this.loaded[z] === 1;
  }

  count(): number {
    let n = 0;
    for (let i = 0; i < this.slices; i++) if (this.loaded[i] === 1) n++;
    return n;
  }

  done(): boolean {
    return this.count() === this.slices;
  }

  /** Called after each range arrives. */
  on(f: (from: number, to: number) => void): () => void {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }

  stop(): void {
    this.stopped = true;
    this.controller.abort();
  }

  /** Fetches every slice: the first (focus) alone, then `parallel` chunks at a time outward
   * from the focus of the moment. Resolves when all are in (or stopped). */
  async run(): Promise<void> {
    // the first slice alone, so it shows as soon as it can
    await this.fetchRange(this.focus, this.focus + 1);
    const worker = async () => {
      while (!this.stopped) {
        const r = nextChunk(this.loaded, this.focus, this.chunk);
        if (!r) return;
        await this.fetchRange(r[0], r[1]);
      }
    };
    await Promise.all(Array.from({ length: this.parallel }, worker));
  }

  private async fetchRange(from: number, to: number): Promise<void> {
    this.loaded.fill(2, from, to);
    try {
      const res = await this.fetcher(`/api/v1/volumes/${this.sha}/slices?from=${from}&to=${to}`, { credentials: 'same-origin', signal: this.controller.signal });
      if (!res.ok) throw new Error(`slices ${from}..${to}: HTTP ${res.status}`);
      const buf = await res.arrayBuffer();
      const bps = this.perSlice * BYTES[this.header.dtype];
      if (buf.byteLength !== (to - from) * bps) throw new Error(`slices ${from}..${to}: ${buf.byteLength} bytes, want ${(to - from) * bps}`);
      this.values.set(typed(this.header.dtype, buf), from * this.perSlice);
      this.loaded.fill(1, from, to);
      this.listeners.forEach((f) => f(from, to));
    } catch (e) {
      this.loaded.fill(0, from, to);
      if (this.stopped) return;
      this.error = e instanceof Error ? e : new Error(String(e));
      this.stopped = true;
      this.listeners.forEach((f) => f(from, from));
      throw this.error;
    }
  }
}

/** Reads a volume's header and starts loading it, `first` (default the middle slice) first. */
export async function openVolume(sha: string, opts: { first?: number; fetcher?: Fetcher; chunk?: number; parallel?: number } = {}): Promise<VolumeLoader> {
  const fetcher: Fetcher = opts.fetcher ?? ((u, i) => fetch(u, i));
  const res = await fetcher(`/api/v1/volumes/${sha}`, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
  if (!res.ok) throw new Error(`volume ${sha}: HTTP ${res.status}`);
  const header = (await res.json()) as VolumeHeader;
  const first = opts.first ?? Math.floor(header.geometry.slices / 2);
  return new VolumeLoader(sha, header, first, fetcher, opts.chunk, opts.parallel);
}

/** A series field's volume SHA-256: its `sha256` (contract §3), else read from its
 * `volume_url` (`/api/v1/volumes/{sha}`, what the item APIs give for a series) or a media URL
 * (`/api/v1/media/{sha}/…`). */
export function seriesSha(
  f: { sha256?: string | null; volume_url?: string | null; screen_url?: string | null; thumb_url?: string | null } | null | undefined,
): string | null {
  if (!f) return null;
  if (f.sha256) return f.sha256;
  const v = f.volume_url ? /\/api\/v1\/volumes\/([0-9a-f]{64})$/.exec(f.volume_url) : null;
  if (v) return v[1];
  for (const u of [f.screen_url, f.thumb_url]) {
    const m = u ? /\/api\/v1\/media\/([0-9a-f]{64})\//.exec(u) : null;
    if (m) return m[1];
  }
  return null;
}
