import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { setLang } from '../../i18n';
import { ExpertCard, ExpertPage } from './Expert';
import { DoctorCard } from '../../medical/Doctor';
import { geometry, mdv1, server } from '../../medical/synthetic';
import type { LadderDecisionResult, LadderDetail, LadderWaiting } from '../../api';
import type { Template } from '../../kinds/types';

const g = geometry(8, 6, 12);
const template: Template = {
  fields: [{ name: 'series', kind: 'series' }],
  questions: [
    { key: 'quality', kind: 'choice', title_zh: '图像质量', field: 'series', options: [{ key: 'ok', name_zh: '可用' }, { key: 'bad', name_zh: '不可用' }] },
    {
      key: 'aneurysm',
      kind: 'finding',
      title_zh: '动脉瘤',
      field: 'series',
      settings: { attributes: [{ key: 'location', zh: '位置', en: 'Location', required: true, options: [{ key: 'mca', zh: '大脑中动脉' }, { key: 'ica', zh: '颈内动脉' }] }] } as never,
    },
  ],
};
const SHA = 'ab'.repeat(32);
// what routes/ladder.rs sends: a series field has no pictures, its volume by `volume_url`
const caseBody: LadderDetail = {
  order: { id: 7, name: '脑动脉瘤', instructions: '用「血管」窗翻看每一层', template },
  item: {
    item_id: 70,
    kind: 'series',
    thumb_url: null,
    screen_url: null,
    text: null,
    width: null,
    height: null,
    fields: [{ name: 'series', kind: 'series', volume: g, volume_url: `/api/v1/volumes/${SHA}` }],
  },
  stage: 'expert',
  answers: [
    { label_id: 1, who: 'A', answer: { quality: 'ok', aneurysm: { findings: [{ at: [3, 2, 5], mm: [0, 0, 0], attrs: { location: 'mca' } }] } } },
    { label_id: 2, who: 'B', answer: { quality: 'ok', aneurysm: { findings: [] } } },
  ],
  expert: null,
  doctor: null,
};
const waiting = (item_id: number): LadderWaiting => ({ order_id: 7, item_id, order_name: '脑动脉瘤', labels: 2, waiting_since: 1_700_000_000_000 });

class FakeImageData {
  data: Uint8ClampedArray;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.data = new Uint8ClampedArray(width * height * 4);
  }
}

let root: HTMLDivElement;
let posts: { url: string; body: Record<string, unknown> }[];
let routes: Record<string, () => Response>;
let vol: ReturnType<typeof server>;
const json = (v: unknown, status = 200) => new Response(JSON.stringify(v), { status, headers: { 'Content-Type': 'application/json' } });

beforeEach(() => {
  setLang('zh-CN');
  posts = [];
  vol = server(mdv1('i16', g, (x, _y, z) => 10 * z + x), SHA);
  routes = {};
  vi.stubGlobal('fetch', async (url: string, init?: RequestInit) => {
    if (url.startsWith('/api/v1/volumes/')) return vol.fetcher(url);
    if (init?.method === 'POST') {
      const body = JSON.parse(String(init.body));
      posts.push({ url, body });
      const done: LadderDecisionResult = { status: 'stored', order_id: 7, item_id: Number(url.split('/').pop()), stage: body.decision === 'refer' ? 'doctor' : 'done', answer: body.answer ?? null, fen: 400 };
      return json(done);
    }
    const r = routes[url.replace('/api/v1', '')];
    return r ? r() : json({ error: { code: 'not_found', message: 'no' } }, 404);
  });
  vi.stubGlobal('ImageData', FakeImageData);
  vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockImplementation(() => ({ putImageData: () => {} }) as never);
  root = document.createElement('div');
  document.body.appendChild(root);
});
afterEach(() => {
  render(null, root);
  root.remove();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

const all = (id: string) => [...root.querySelectorAll(`[data-testid="${id}"]`)] as HTMLElement[];
const one = (id: string) => all(id)[0];
/** Waits (up to 5 s) until `f` holds: the finding kind's editor and review load on first use. */
async function until(f: () => boolean) {
  for (let i = 0; i < 100 && !f(); i++) await settle(50);
}
async function settle(ms = 80) {
  await act(async () => {
    await new Promise((r) => setTimeout(r, ms));
  });
}

describe('the expert ladder', () => {
  it('the home card counts what waits; nothing when none', async () => {
    routes['/work/expert'] = () => json({ items: [waiting(70)] });
    let opened = 0;
    await act(async () => render(<ExpertCard onOpen={() => opened++} />, root));
    await settle();
    expect(one('expert-card').textContent).toContain('专家复核 1 项');
    await act(async () => one('expert-card').click());
    expect(opened).toBe(1);
    routes['/work/expert'] = () => json({ items: [] });
    render(null, root);
    await act(async () => render(<ExpertCard onOpen={() => {}} />, root));
    await settle();
    expect(one('expert-card')).toBeUndefined();
  });

  it('an expert sees every answer, settles with an answer of their own, and refers another', async () => {
    routes['/work/expert'] = () => json({ items: [waiting(70), waiting(71)] });
    routes['/work/expert/7/70'] = () => json(caseBody);
    routes['/work/expert/7/71'] = () => json({ ...caseBody, item: { ...caseBody.item, item_id: 71 } });
    await act(async () => render(<ExpertPage onBack={() => {}} />, root));
    await settle();
    expect(all('expert-item').length).toBe(2);
    await act(async () => all('expert-item')[0].click());
    await until(() => all('fd-table-row').length > 0 && all('fd-row').length > 0);
    // the series is read by the field's volume_url
    await until(() => vol.asked.length > 0);
    expect(vol.asked.length).toBeGreaterThan(0);
    // both annotators' answers, question by question; the findings table names A's finding and B's "nothing found"
    expect(all('ladder-question').map((q) => q.dataset.question)).toEqual(['quality', 'aneurysm']);
    expect(all('fd-table-row').map((r) => r.textContent)).toEqual([' A16大脑中动脉—']);
    expect(all('fd-table-none').length).toBe(1);
    // the editor starts from A's answer: change the location to ICA and settle
    expect(all('fd-row').length).toBe(1);
    await act(async () => all('fd-opt').find((b) => b.dataset.key === 'ica')!.click());
    const note = one('ladder-note') as HTMLTextAreaElement;
    note.value = '看清楚是颈内动脉';
    await act(async () => void note.dispatchEvent(new Event('input', { bubbles: true })));
    const submit = all('q-submit').find((b) => b.closest('[data-testid="ladder-case"]'))!;
    expect(submit.textContent).toContain('定为最终答案');
    await act(async () => submit.click());
    await settle();
    expect(posts.length).toBe(1);
    expect(posts[0].url).toBe('/api/v1/work/expert/7/70');
    const b = posts[0].body;
    expect(b.decision).toBe('settle');
    expect(typeof b.client_uuid).toBe('string');
    expect(b.note).toBe('看清楚是颈内动脉');
    // voxels only: the server places mm
    expect(b.answer).toEqual({ quality: 'ok', aneurysm: { findings: [{ at: [3, 2, 5], attrs: { location: 'ica' } }] } });
    expect(one('expert-done').textContent).toBe('已定为最终答案');
    // the second: refer to the doctor
    await act(async () => all('expert-item')[1].click());
    await until(() => !!one('ladder-refer'));
    await act(async () => one('ladder-refer').click());
    await settle();
    expect(posts[1].url).toBe('/api/v1/work/expert/7/71');
    expect(posts[1].body).toMatchObject({ decision: 'refer' });
    expect(posts[1].body.answer).toBeUndefined();
    expect(posts[1].body.client_uuid).not.toBe(b.client_uuid);
    expect(one('expert-done').textContent).toBe('已交给医生');
  });

  it("the doctor's card: hidden from others; the doctor decides with the expert's answer shown", async () => {
    await act(async () => render(<DoctorCard orderId={7} />, root));
    await settle();
    expect(one('doctor-card')).toBeUndefined();
    render(null, root);
    routes['/orders/7/medical/queue'] = () => json({ items: [waiting(71)] });
    const referred: LadderDetail = { ...caseBody, stage: 'doctor', expert: { decision: 'refer', note: '拿不准', answer: null, decided_at: 1_700_000_100_000 } };
    routes['/orders/7/medical/queue/71'] = () => json(referred);
    await act(async () => render(<DoctorCard orderId={7} />, root));
    await settle();
    expect(one('doctor-card').textContent).toContain('医生复核');
    expect(one('doctor-item').textContent).toContain('2 人标注');
    await act(async () => one('doctor-item').click());
    await until(() => all('fd-row').length > 0);
    expect(one('ladder-expert-note').textContent).toContain('拿不准');
    expect(one('ladder-refer')).toBeUndefined();
    const submit = all('q-submit').find((b) => b.closest('[data-testid="ladder-case"]'))!;
    await act(async () => submit.click());
    await settle();
    expect(posts.length).toBe(1);
    expect(posts[0].url).toBe('/api/v1/orders/7/medical/queue/71');
    expect(posts[0].body.answer).toEqual({ quality: 'ok', aneurysm: { findings: [{ at: [3, 2, 5], attrs: { location: 'mca' } }] } });
    expect(one('doctor-done').textContent).toBe('已确定');
  });
});
