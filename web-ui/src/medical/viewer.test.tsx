import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { setLang } from '../i18n';
import { scaleBarMm, Viewer } from './Viewer';
import { grey, openVolume, type VolumeLoader } from './volume';
import { geometry, mdv1, server } from './synthetic';

/** jsdom has no canvas: an ImageData of its own and a context that keeps what was put. */
class FakeImageData {
  data: Uint8ClampedArray;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.data = new Uint8ClampedArray(width * height * 4);
  }
}

let put: { data: Uint8ClampedArray }[] = [];
let root: HTMLDivElement;

async function loaded(): Promise<VolumeLoader> {
  // value = 10·z HU, with one bright voxel (column 3, row 2) of 500 on slice 5
  const g = geometry(8, 6, 12);
  const s = server(mdv1('i16', g, (x, y, z) => (x === 3 && y === 2 && z === 5 ? 500 : 10 * z)));
  const v = await openVolume('abc', { fetcher: s.fetcher, first: 4, chunk: 4 });
  await v.run();
  return v;
}

async function frames() {
  await act(async () => {
    await new Promise((r) => setTimeout(r, 40));
  });
}

beforeEach(() => {
  setLang('zh-CN');
  put = [];
  vi.stubGlobal('ImageData', FakeImageData);
  vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockImplementation(() => ({ putImageData: (img: { data: Uint8ClampedArray }) => put.push({ data: img.data.slice() }) }) as never);
  root = document.createElement('div');
  document.body.appendChild(root);
});
afterEach(() => {
  render(null, root);
  root.remove();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

const q = (id: string) => root.querySelector(`[data-testid="${id}"]`) as HTMLElement;

describe('Viewer', () => {
  it('draws the first slice, then moves by keys, slider and buttons with "i / n"', async () => {
    const v = await loaded();
    await act(async () => render(<Viewer sha="abc" lang="zh-CN" loader={v} />, root));
    await frames();
    expect(q('vw-count').textContent).toBe('5 / 12');
    expect(q('vw-canvas').dataset.z).toBe('4');
    // slice 4 under the series' own window (40/400): 40 HU
    expect(put[put.length - 1].data[0]).toBe(grey(40, { center: 40, width: 400 }));
    await act(async () => void window.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowDown' })));
    await frames();
    expect(q('vw-count').textContent).toBe('6 / 12');
    expect(q('vw-canvas').dataset.z).toBe('5');
    await act(async () => void window.dispatchEvent(new KeyboardEvent('keydown', { key: 'PageDown' })));
    expect(q('vw-count').textContent).toBe('12 / 12');
    await act(async () => void window.dispatchEvent(new KeyboardEvent('keydown', { key: 'PageUp' })));
    expect(q('vw-count').textContent).toBe('2 / 12');
    const slider = q('vw-slider') as HTMLInputElement;
    slider.value = '7';
    await act(async () => void slider.dispatchEvent(new Event('input', { bubbles: true })));
    expect(q('vw-count').textContent).toBe('7 / 12');
    await act(async () => q('vw-prev').click());
    expect(q('vw-slice-badge').textContent).toContain('6 / 12');
  });

  it('applies a preset and a MIP slab', async () => {
    const v = await loaded();
    await act(async () => render(<Viewer sha="abc" lang="en" loader={v} goTo={{ z: 4 }} />, root));
    await frames();
    expect(q('vw-preset-brain').textContent).toContain('Brain');
    await act(async () => q('vw-preset-brain').click());
    await frames();
    expect(q('vw-preset-brain').getAttribute('aria-pressed')).toBe('true');
    // brain 40/80: 40 HU is mid-grey
    expect(put[put.length - 1].data[0]).toBe(128);
    await act(async () => q('vw-preset-cta').click());
    await act(async () => q('vw-mip').click());
    await frames();
    // a 10 mm slab (±4 slices at 1.25 mm) around slice 4 takes in slice 5's 500 HU voxel
    const px = put[put.length - 1].data;
    expect(px[(2 * 8 + 3) * 4]).toBe(grey(500, { center: 300, width: 600 }));
    // and elsewhere the brightest background, slice 8 (80 HU)
    expect(px[0]).toBe(grey(80, { center: 300, width: 600 }));
    expect(q('vw-slice-badge').textContent).toContain('MIP 10 mm');
  });

  it('measures with the ruler in mm and gives a custom tool its taps and lines in voxels', async () => {
    const v = await loaded();
    const taps: unknown[] = [];
    const lines: unknown[] = [];
    await act(async () =>
      render(
        <Viewer
          sha="abc"
          lang="zh-CN"
          loader={v}
          tools={[
            { key: 'mark', icon: 'plus', label: '标记' },
            { key: 'dia', icon: 'polyline', label: '直径', line: true },
          ]}
          onTap={(tool, p, z) => taps.push([tool, p, z])}
          onLine={(tool, a, b, z) => lines.push([tool, a, b, z])}
        />,
        root,
      ),
    );
    const stage = q('vw-stage');
    // jsdom lays nothing out: the stage is 0×0 at (0, 0), the picture at scale 1
    const ptr = (type: string, x: number, y: number) => stage.dispatchEvent(new PointerEvent(type, { clientX: x, clientY: y, pointerId: 1, bubbles: true }));
    await act(async () => {
      ptr('pointerdown', 3, 2);
      ptr('pointerup', 3, 2);
    });
    expect(taps).toEqual([['mark', [3, 2], 4]]);
    await act(async () => q('vw-tool-dia').click());
    await act(async () => {
      ptr('pointerdown', 1, 1);
      ptr('pointermove', 7, 1);
      ptr('pointerup', 7, 1);
    });
    expect(lines).toEqual([['dia', [1, 1], [7, 1], 4]]);
    await act(async () => q('vw-tool-ruler').click());
    await act(async () => {
      ptr('pointerdown', 0, 0);
      ptr('pointermove', 6, 0);
      ptr('pointerup', 6, 0);
    });
    // 6 columns at 0.5 mm
    expect(q('vw-ruler-mm').textContent).toBe('3.0 mm');
  });

  it('moves slices by the wheel, zooms with Ctrl+wheel and two fingers, and stays crisp when zoomed', async () => {
    const v = await loaded();
    await act(async () => render(<Viewer sha="abc" lang="zh-CN" loader={v} tools={[{ key: 'mark', icon: 'plus', label: 'm' }]} />, root));
    const stage = q('vw-stage');
    await act(async () => void stage.dispatchEvent(new WheelEvent('wheel', { deltaY: 100, bubbles: true, cancelable: true })));
    expect(q('vw-count').textContent).toBe('7 / 12');
    await act(async () => void stage.dispatchEvent(new WheelEvent('wheel', { deltaY: -50, bubbles: true, cancelable: true })));
    expect(q('vw-count').textContent).toBe('6 / 12');
    const scale = () => Number(/scale\(([\d.]+)\)/.exec((stage.querySelector('.vw-layer') as HTMLElement).style.transform)![1]);
    const s0 = scale();
    const ev = new WheelEvent('wheel', { deltaY: -300, ctrlKey: true, bubbles: true, cancelable: true });
    await act(async () => void stage.dispatchEvent(ev));
    expect(ev.defaultPrevented).toBe(true);
    expect(scale()).toBeGreaterThan(s0);
    expect(q('vw-count').textContent).toBe('6 / 12');
    expect(q('vw-canvas').classList.contains('vw-crisp')).toBe(true);
    // two fingers apart: bigger again; no tap reaches the tool
    const s1 = scale();
    const touch = (type: string, id: number, x: number, y: number) => stage.dispatchEvent(new PointerEvent(type, { clientX: x, clientY: y, pointerId: id, pointerType: 'touch', bubbles: true }));
    await act(async () => {
      touch('pointerdown', 1, 2, 2);
      touch('pointerdown', 2, 4, 4);
      touch('pointermove', 2, 8, 8);
      touch('pointerup', 2, 8, 8);
      touch('pointerup', 1, 2, 2);
    });
    expect(scale()).toBeGreaterThan(s1);
    await act(async () => q('vw-fit').click());
    expect(scale()).toBeCloseTo(s0, 5);
  });

  it('says when the series did not load, and loads it on retry', async () => {
    const s = server(mdv1('i16', geometry(8, 6, 3), () => 0));
    let fail = true;
    vi.stubGlobal('fetch', async (u: string) => (fail ? new Response('{}', { status: 503 }) : s.fetcher(u.replace('/volumes/r1', '/volumes/abc'))));
    await act(async () => render(<Viewer sha="r1" lang="zh-CN" />, root));
    await frames();
    expect(q('viewer').textContent).toContain('影像没有载入');
    fail = false;
    await act(async () => q('vw-retry').click());
    await frames();
    await frames();
    expect(q('vw-count').textContent).toBe('2 / 3');
  });

  it('fetches the slice it is asked to show first, before the middle one', async () => {
    const s = server(mdv1('i16', geometry(8, 6, 12), (_x, _y, z) => z));
    const asked: string[] = [];
    vi.stubGlobal('fetch', async (u: string) => {
      if (u.includes('slices')) asked.push(u.slice(u.indexOf('?')));
      return s.fetcher(u.replace('/volumes/f1', '/volumes/abc'));
    });
    await act(async () => render(<Viewer sha="f1" lang="zh-CN" goTo={{ z: 9 }} />, root));
    await frames();
    await frames();
    expect(asked[0]).toBe('?from=9&to=10');
    expect(q('vw-count').textContent).toBe('10 / 12');
  });

  it('picks a scale bar of 1, 2 or 5 × 10ⁿ mm', () => {
    expect(scaleBarMm(0.5)).toBe(50);
    expect(scaleBarMm(0.3)).toBe(20);
    expect(scaleBarMm(0.01)).toBe(1);
    expect(scaleBarMm(0.004)).toBe(0.2);
  });
});
