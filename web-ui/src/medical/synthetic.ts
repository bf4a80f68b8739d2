// A synthetic MDV1 volume built byte by byte as contract §1 says, and a fake of the volume
// routes (contract §2) over it: for the viewer's and the finding kind's tests.

import { bytesPerSlice, parseMdv1, type Dtype, type VolumeGeometry } from './volume';

/** An axial CT like mudou_domain::volume's test: 0.5 mm pixels, slices 1.25 mm apart. */
export function geometry(columns: number, rows: number, slices: number): VolumeGeometry {
  return { columns, rows, slices, spacing: [0.5, 0.5], slice_step: 1.25, thickness: 1.25, origin: [-128, -128, 10], row_dir: [1, 0, 0], col_dir: [0, 1, 0], slice_dir: [0, 0, 1] };
}

/** An MDV1 blob built byte by byte as contract §1 says: value(x, y, z) given by `f`. */
export function mdv1(dtype: Dtype, g: VolumeGeometry, f: (x: number, y: number, z: number) => number, invert = false): ArrayBuffer {
  const header = JSON.stringify({ geometry: g, dtype, modality: 'CT', invert, window: { center: 40, width: 400 }, range: [-1024, 3071] });
  const hb = new TextEncoder().encode(header);
  const size = dtype === 'f32' ? 4 : 2;
  const n = g.columns * g.rows * g.slices;
  const buf = new ArrayBuffer(8 + hb.length + n * size);
  const b = new Uint8Array(buf);
  b.set([0x4d, 0x44, 0x56, 0x31]);
  const dv = new DataView(buf);
  dv.setUint32(4, hb.length, true);
  b.set(hb, 8);
  let o = 8 + hb.length;
  for (let z = 0; z < g.slices; z++)
    for (let y = 0; y < g.rows; y++)
      for (let x = 0; x < g.columns; x++) {
        const v = f(x, y, z);
        if (dtype === 'i16') dv.setInt16(o, v, true);
        else if (dtype === 'u16') dv.setUint16(o, v, true);
        else dv.setFloat32(o, v, true);
        o += size;
      }
  return buf;
}

/** A server of one volume (the routes of contract §2) under its SHA-256 `sha`, counting the
 * ranges asked for. */
export function server(buf: ArrayBuffer, sha = 'abc') {
  const { header } = parseMdv1(buf);
  const hlen = new DataView(buf).getUint32(4, true);
  const bps = bytesPerSlice(header);
  const asked: [number, number][] = [];
  const fetcher = async (url: string) => {
    const m = /\/api\/v1\/volumes\/(\w+)(\/slices\?from=(\d+)&to=(\d+))?$/.exec(url);
    if (!m || m[1] !== sha) return new Response('{}', { status: 404 });
    if (!m[2]) return new Response(JSON.stringify({ ...header, bytes_per_slice: bps }), { status: 200 });
    const a = Number(m[3]);
    const z = Number(m[4]);
    asked.push([a, z]);
    return new Response(buf.slice(8 + hlen + a * bps, 8 + hlen + z * bps), { status: 200 });
  };
  return { fetcher, asked, header };
}

