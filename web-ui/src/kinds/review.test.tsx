import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setFetch } from '../api';
import { setLang } from '../i18n';
import { ReviewPage } from '../pages/lead/Review';
import { shopTemplate } from './examples';

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
async function settle() {
  for (let i = 0; i < 20; i++)
    await act(async () => {
      await new Promise((r) => setTimeout(r, 0));
    });
}
const ans = (id: number, who: string, colour: string, answer: unknown) => ({
  label_id: id, annotator_id: id + 100, annotator_name: who, colour, answer, skip_reason: null, seconds: 3, created_at: 1, excluded: false, agrees: null,
});

let root: HTMLElement;
let posted: unknown[];
beforeEach(() => {
  setLang('zh-CN');
  root = document.createElement('div');
  document.body.appendChild(root);
  posted = [];
  const queue = {
    orders: [{ id: 8, name: '店铺照片', state: 'open', deadline: null, task_type: 'template', labels: [], template: shopTemplate() }],
    items: [
      {
        order_id: 8, item_id: 77, kind: 'image', thumb_url: '/t', screen_url: '/s', text: null, width: 400, height: 300,
        is_gold: false, gold: null, state: 'escalated',
        consensus: { class: 'car', stars: 4 }, confidence: 0.5, final_answer: false, labels_count: 2, needed: 3, skips: 0, since: 1,
        reasons: [{ reason: 'escalated', note: null, label_id: null, created_at: 1 }],
        answers: [
          ans(1, '王芳', '#1e88e5', { class: 'car', sides: ['front'], stars: 4, objects: [{ label: 'person', x: 1, y: 2, w: 30, h: 20, attributes: { occluded: true } }] }),
          ans(2, '李娜', '#e53935', { class: 'bike', stars: 2 }),
        ],
      },
    ],
  };
  setFetch(async (url, init) => {
    const u = String(url);
    if (u.startsWith('/api/v1/lead/review/orders')) return json(200, { items: [{ order_id: 8, order_name: '店铺照片', deadline: null, escalated: 1, skipped: 0, gold_failure: 0, client_flag: 0 }] });
    if (u.startsWith('/api/v1/lead/review?')) return json(200, queue);
    if (u.includes('/decision')) {
      const body = JSON.parse(String(init?.body));
      posted.push(body);
      return json(200, { answer: body.answer ?? null });
    }
    return json(404, { error: { code: 'not_found', message: '' } });
  });
});
afterEach(() => {
  render(null, root);
  root.remove();
});

describe('the lead reviews a template order', () => {
  it('shows each question’s answers side by side and overrides with the workbench editors', async () => {
    await act(() => render(<ReviewPage order={8} />, root));
    await settle();
    const qs = [...root.querySelectorAll('[data-testid=template-review] [data-testid=q-review]')];
    expect(qs.map((q) => q.getAttribute('data-question'))).toEqual(['class', 'sides', 'stars', 'objects']);
    const cls = qs[0];
    expect([...cls.querySelectorAll('[data-testid=q-review-answer]')].map((r) => r.textContent)).toEqual(['王芳车', '李娜自行车']);
    expect(cls.querySelector('[data-testid=q-review-consensus]')?.textContent).toContain('车');
    expect(qs[2].textContent).toContain('4/5 好');
    expect(qs[3].textContent).toContain('人 × 1');
    expect(root.querySelector('[data-testid=review-consensus]')?.textContent).toContain('是什么? 车');
    (root.querySelector('[data-testid=override]') as HTMLButtonElement).click();
    await settle();
    const form = root.querySelector('[data-testid=template-override]')!;
    (form.querySelector('[data-testid=opt-btn][data-key=bike]') as HTMLButtonElement).click();
    await settle();
    (form.querySelector('[data-testid=rating-step][data-step="3"]') as HTMLButtonElement).click();
    await settle();
    (form.querySelector('[data-testid=q-submit]') as HTMLButtonElement).click();
    await settle();
    expect(posted).toEqual([{ decision: 'override', answer: { class: 'bike', stars: 3 } }]);
    expect(root.querySelector('[data-testid=decided]')).toBeTruthy();
  });
});
