// The box editor shows the phone rendition on a phone, and the boxes drawn on it are in the
// original's pixels (the picture is laid out at the original's width × height, whichever
// rendition fills it).
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { setLang } from '../i18n';
import { BoxEditor } from '../pages/work/BoxEditor';
import type { Box, OrderBrief, WorkItem } from './types';

const sha = 'cd'.repeat(32);
const order: OrderBrief = {
  id: 1,
  name: '框',
  task_type: 'bbox',
  labels: [{ key: 'car', name_zh: '车', name_en: 'Car', colour: '#1e88e5', hotkey: '1', examples: [] }],
  instructions: '',
  instruction_examples: [],
  piece_rate_fen: 10,
};
const item: WorkItem = {
  item_id: 7,
  kind: 'image',
  thumb_url: `/api/v1/media/${sha}/thumb`,
  screen_url: `/api/v1/media/${sha}/screen`,
  text: null,
  width: 3000,
  height: 2000,
  answer: null,
  skip_reason: null,
};

function pointer(type: string, x: number, y: number): Event {
  const e = new MouseEvent(type, { bubbles: true, clientX: x, clientY: y, button: 0 });
  Object.defineProperty(e, 'pointerId', { value: 1 });
  Object.defineProperty(e, 'pointerType', { value: 'touch' });
  return e;
}

describe('box editor on a phone', () => {
  afterEach(() => vi.restoreAllMocks());

  it('shows the phone rendition and keeps boxes in the original pixels', async () => {
    setLang('zh-CN');
    vi.stubGlobal('devicePixelRatio', 3);
    // the stage: a phone's 344×400 box at the page's top left
    vi.spyOn(HTMLElement.prototype, 'getBoundingClientRect').mockReturnValue({ x: 0, y: 0, left: 0, top: 0, width: 344, height: 400, right: 344, bottom: 400, toJSON: () => ({}) } as DOMRect);
    const root = document.createElement('div');
    document.body.appendChild(root);
    let answer: Box[] = [];
    await act(async () => {
      render(<BoxEditor order={order} item={item} initial={[]} control={{ current: null }} onDone={() => {}} footer={null} onChange={(b) => (answer = b)} />, root);
    });
    await act(async () => {
      await new Promise((r) => setTimeout(r, 150));
    });
    const img = root.querySelector('img.box-img') as HTMLImageElement;
    expect(img.getAttribute('src')).toBe(`/api/v1/media/${sha}/phone`);
    // laid out at the original's size, scaled by the view: not the rendition's 800×533
    expect([img.getAttribute('width'), img.getAttribute('height')]).toEqual(['3000', '2000']);
    // fitted: scale 344 / 3000, the picture centred vertically
    const scale = 344 / 3000;
    const top = (400 - 2000 * scale) / 2;
    const at = (ix: number, iy: number): [number, number] => [ix * scale, top + iy * scale];
    const stage = root.querySelector('[data-testid=box-stage]')!;
    await act(async () => {
      stage.dispatchEvent(pointer('pointerdown', ...at(600, 400)));
      for (let i = 1; i <= 4; i++) stage.dispatchEvent(pointer('pointermove', ...at(600 + 300 * i, 400 + 250 * i)));
      stage.dispatchEvent(pointer('pointerup', ...at(1800, 1400)));
    });
    await act(async () => {
      await new Promise((r) => setTimeout(r, 150));
    });
    expect(answer).toHaveLength(1);
    const b = answer[0];
    expect(b.label).toBe('car');
    // within a screen pixel (1/scale ≈ 9 original px) of 600,400 → 1800,1400
    for (const [got, want] of [[b.x, 600], [b.y, 400], [b.w, 1200], [b.h, 1000]]) expect(Math.abs(got - want)).toBeLessThanOrEqual(9);
    render(null, root);
    root.remove();
    vi.unstubAllGlobals();
  });
});
