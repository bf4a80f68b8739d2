import { render } from 'preact';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setFetch } from '../../api';
import { setLang } from '../../i18n';
import type { QuestionOut } from '../work/Ask';
import { OrderQuestions } from './Questions';

const question = (id: number, answer: string | null): QuestionOut => ({
  id,
  asker_name: '白露',
  order_id: 5,
  order_name: '形状单选',
  item: { item_id: 40 + id, kind: 'image', thumb_url: null, screen_url: null, text: null },
  reason: 'no_label_fits',
  text: '这是什么?',
  voice_url: null,
  voice_ms: null,
  hold: true,
  created_at: 1,
  forwarded_at: 2,
  answer: answer === null ? null : { text: answer, voice_url: null, voice_ms: null, picture_url: null, by_name: '客户', by_role: 'client', at: 3, seen_at: null },
});

let root: HTMLElement;
let sent: { url: string; method: string; body: Record<string, unknown> }[];
beforeEach(() => {
  setLang('zh-CN');
  root = document.createElement('div');
  document.body.appendChild(root);
  sent = [];
  setFetch((async (url: string, init?: RequestInit) => {
    const method = init?.method ?? 'GET';
    const body = JSON.parse(String(init?.body ?? '{}')) as Record<string, unknown>;
    sent.push({ url, method, body });
    const out =
      method === 'GET'
        ? { questions: [question(1, '五角星也算星形，选"星形"。'.repeat(20)), question(2, null)] }
        : { version: 3 };
    return new Response(JSON.stringify(out), { status: 200, headers: { 'Content-Type': 'application/json' } });
  }) as typeof fetch);
});
afterEach(() => {
  render(null, root);
  root.remove();
});

/** Waits (up to 2 s) until `sel` is on the page: the box may be busy. */
async function until(sel: string): Promise<Element> {
  for (let i = 0; i < 200; i++) {
    const el = root.querySelector(sel);
    if (el) return el;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${sel} never showed`);
}

describe("the client's questions", () => {
  it('promotes an answered question into the instructions in one step', async () => {
    render(<OrderQuestions orderId={5} />, root);
    await until('[data-testid=promote]');
    const buttons = root.querySelectorAll('[data-testid=promote]');
    expect(buttons).toHaveLength(1);
    expect(root.textContent).toContain('加进说明当示例');
    (buttons[0] as HTMLButtonElement).click();
    const promoted = await until('[data-testid=promoted]');
    const post = sent.find((s) => s.method === 'POST');
    expect(post?.url).toBe('/api/v1/orders/5/instructions');
    expect(post?.body.example_item_id).toBe(41);
    // The answer's words, cut to what the instructions take.
    expect([...(post?.body.example_words as string)]).toHaveLength(200);
    expect(promoted.textContent).toContain('第 3 版');
  });
});
