import { render } from 'preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setLang } from '../../i18n';
import { MistakeCard, MistakesButton, MistakesPage, type Mistake, type MistakeOrder, type MyMistakes } from './Mistakes';

let root: HTMLElement;
beforeEach(() => {
  setLang('zh-CN');
  root = document.createElement('div');
  document.body.appendChild(root);
});
afterEach(() => {
  render(null, root);
  root.remove();
  vi.unstubAllGlobals();
});

const order: MistakeOrder = {
  id: 3,
  name: '猫狗分类',
  task_type: 'single_choice',
  labels: [
    { key: 'cat', name_zh: '猫', name_en: 'Cat', colour: '#e53935', hotkey: '1', examples: [91] },
    { key: 'dog', name_zh: '狗', name_en: 'Dog', colour: '#1e88e5', hotkey: '2', examples: [] },
  ],
  instructions: '图里是什么动物？',
  examples: [{ item_id: 91, thumb_url: '/api/v1/media/ex/thumb', screen_url: null, text: null }],
};

const mistake = (id: number, seen: boolean): Mistake => ({
  id,
  order_id: 3,
  order_name: '猫狗分类',
  item: { item_id: 10 + id, kind: 'image', thumb_url: '/t.jpg', screen_url: `/s${id}.jpg`, text: null, width: 640, height: 480 },
  given: { label: 'dog' },
  answer: { label: 'cat' },
  note: id === 1 ? '看耳朵：尖的是猫' : null,
  decided_by_name: '张组长',
  decided_at: 1_760_000_000_000,
  seen_at: seen ? 1_760_000_100_000 : null,
});

describe('a mistake to learn from', () => {
  it('shows the picture first, my answer struck through, the right one with its picture, and the note', () => {
    render(
      <ul>
        <MistakeCard m={mistake(1, false)} order={order} />
      </ul>,
      root,
    );
    const li = root.querySelector('[data-testid=mistake]')!;
    // the picture comes first, big (the screen rendition)
    expect(li.firstElementChild?.getAttribute('data-testid')).toBe('mistake-img');
    expect(li.querySelector('img.mistake-img')!.getAttribute('src')).toBe('/s1.jpg');
    const given = root.querySelector('[data-testid=mistake-given]')!;
    expect(given.querySelector('s')!.textContent).toBe('狗');
    const right = root.querySelector('[data-testid=mistake-right]')!;
    expect(right.textContent).toContain('猫');
    expect(right.querySelector('img')!.getAttribute('src')).toBe('/api/v1/media/ex/thumb');
    expect(root.querySelector('[data-testid=mistake-note]')!.textContent).toContain('看耳朵：尖的是猫');
    expect(li.classList.contains('new')).toBe(true);
    // a speaker for the right answer, there even where the device has no voice
    expect(root.querySelector('[data-testid=speak-mistake]')).not.toBeNull();
  });

  it('shows a text item as text, with no note when there is none', () => {
    const m = { ...mistake(2, true), item: { ...mistake(2, true).item, kind: 'text', screen_url: null, thumb_url: null, text: '这家店很好' } };
    render(
      <ul>
        <MistakeCard m={m} order={order} />
      </ul>,
      root,
    );
    expect(root.querySelector('[data-testid=mistake-text]')!.textContent).toBe('这家店很好');
    expect(root.querySelector('[data-testid=mistake-note]')).toBeNull();
    expect(root.querySelector('.mistake.new')).toBeNull();
  });
});

describe('the way in from the home screen', () => {
  it('shows a badge of new ones, and nothing when there are no mistakes', () => {
    const data: MyMistakes = { mistakes: [mistake(1, false), mistake(2, true)], new_count: 1, orders: [order] };
    render(<MistakesButton data={data} onOpen={() => {}} />, root);
    expect(root.querySelector('[data-testid=mistakes-new]')!.textContent).toBe('1');
    expect(root.textContent).toContain('学一学');
    render(<MistakesButton data={{ mistakes: [], new_count: 0, orders: [] }} onOpen={() => {}} />, root);
    expect(root.querySelector('[data-testid=open-mistakes]')).toBeNull();
  });
});

describe('the list', () => {
  it('lists the mistakes newest first and marks the new ones seen', async () => {
    const data: MyMistakes = { mistakes: [mistake(2, false), mistake(1, true)], new_count: 1, orders: [order] };
    const calls: string[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init?: RequestInit) => {
        calls.push(`${init?.method ?? 'GET'} ${url}`);
        const body = url.endsWith('/me/mistakes') ? data : {};
        return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });
      }),
    );
    render(<MistakesPage onBack={() => {}} />, root);
    await vi.waitFor(() => expect(root.querySelectorAll('[data-testid=mistake]').length).toBe(2));
    const ids = [...root.querySelectorAll('[data-testid=mistake]')].map((e) => e.getAttribute('data-id'));
    expect(ids).toEqual(['2', '1']);
    await vi.waitFor(() => expect(calls).toContain('POST /api/v1/me/mistakes/2/seen'));
    expect(calls).not.toContain('POST /api/v1/me/mistakes/1/seen');
  });
});

describe("the lead's line on practice", () => {
  it('says how the latest practice went, or how far it is', async () => {
    const { PracticeLine } = await import('../lead/Quality');
    const base = { id: 1, created_at: 1_760_000_000_000, total: 3 };
    render(<PracticeLine unit={{ ...base, finished_at: 1_760_000_100_000, answered: 3, right: 2 }} />, root);
    expect(root.textContent).toMatch(/对了 2 \/ 3/);
    render(<PracticeLine unit={{ ...base, finished_at: null, answered: 1, right: 1 }} />, root);
    expect(root.textContent).toContain('还没练完（1 / 3）');
    render(<PracticeLine unit={undefined} />, root);
    expect(root.querySelector('[data-testid=practice-last]')).toBeNull();
  });
});
