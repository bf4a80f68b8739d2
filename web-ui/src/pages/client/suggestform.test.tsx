import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setFetch } from '../../api';
import { setLang } from '../../i18n';
import { buildSpec, formFromSpec, type OrderSpec } from '../../orders';
import { OrderFormPage } from './OrderForm';
import { starterTemplate } from '../../kinds/builder';
import { buildSuggestions, emptySuggestForm, suggestFormFromSpec } from './SuggestionsSection';

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

async function settle() {
  for (let i = 0; i < 15; i++)
    await act(async () => {
      await new Promise((r) => setTimeout(r, 0));
    });
}

const spec = (over: Partial<OrderSpec> = {}): OrderSpec => ({
  name: '形状分类',
  task_type: 'single_choice',
  labels: [
    { key: 'circle', name_zh: '圆', name_en: 'Circle', colour: '#1e88e5', hotkey: '1', examples: [] },
    { key: 'square', name_zh: '方', name_en: 'Square', colour: '#e53935', hotkey: '2', examples: [] },
  ],
  instructions: '',
  instruction_examples: [],
  overlap: { kind: 'fixed', n: 1 },
  gold_share: 0,
  max_gold_items: null,
  unit_size: 10,
  piece_rate_fen: 10,
  box_rate_fen: 0,
  box_pay_cap: 0,
  pay_on: 'accepted',
  deadline: null,
  priority: 0,
  eligible_centres: [],
  required_qualification: null,
  required_level: null,
  ...over,
});

let root: HTMLElement;
let puts: { spec: OrderSpec }[];
let answer: (body: { spec: OrderSpec }) => Response;

function serve(s: OrderSpec) {
  setFetch((async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    if (url.endsWith('/datasets')) return json(200, { items: [{ id: 2, org_id: 1, name: '形状', item_count: 8, created_at: 1 }] });
    if (url.endsWith('/orders/7') && init?.method === 'PUT') {
      const body = JSON.parse(String(init.body));
      puts.push(body);
      return answer(body);
    }
    if (url.endsWith('/orders/7'))
      return json(200, { id: 7, dataset_id: 2, state: 'draft', spec: s, created_at: 1, published_at: null, counts: { items: 8, resolved: 0, escalated: 0, gold_items: 0, labels: 0, units: 0 } });
    if (url.endsWith('/orders/wage-check')) return json(404, { error: { code: 'not_found', message: 'no' } });
    return json(404, { error: { code: 'not_found', message: 'no' } });
  }) as typeof fetch);
}

const $ = <T extends HTMLElement = HTMLElement>(sel: string) => root.querySelector<T>(sel);

async function type(name: string, value: string) {
  const el = $<HTMLInputElement>(`input[name=${name}]`)!;
  await act(() => {
    el.value = value;
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

async function save() {
  await act(() => {
    $('[data-testid=order-form]')!.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
  });
  await settle();
}

beforeEach(() => {
  setLang('zh-CN');
  root = document.createElement('div');
  document.body.appendChild(root);
  puts = [];
  answer = () => json(200, {});
});
afterEach(() => {
  render(null, root);
  root.remove();
});

describe('the order form: model suggestions', () => {
  it('keeps an order’s policy, checks it here, and sends it as fen and shares', async () => {
    serve(spec({ suggestions: { questions: [], check_rate_fen: 3, fix_rate_fen: 9, plant_share: 0.1, trust: 0.5 } }));
    await act(() => render(<OrderFormPage datasetId={null} orderId={7} />, root));
    await settle();
    const group = $<HTMLDetailsElement>('[data-testid=suggestions-group]')!;
    expect(group.open).toBe(true);
    expect(group.querySelector('summary svg, summary .icon')).not.toBeNull();
    expect(group.textContent).toContain('模型预标注');
    expect($<HTMLInputElement>('input[name=check_rate]')!.value).toBe('0.03');
    expect($<HTMLInputElement>('input[name=fix_rate]')!.value).toBe('0.09');
    expect($<HTMLInputElement>('input[name=plant_share]')!.value).toBe('10');
    expect($<HTMLInputElement>('input[name=trust]')!.value).toBe('50');
    // One question: no picker.
    expect(group.querySelector('input[name^=suggest_q_]')).toBeNull();

    // A rate that is not money: named under its field, nothing sent.
    await type('check_rate', '三毛');
    await save();
    expect(puts.length).toBe(0);
    expect($('[data-testid="error-suggestions.check_rate_fen"]')!.textContent).toContain('单价写成元');
    await type('check_rate', '0.05');
    await type('trust', '120');
    await save();
    expect($('[data-testid="error-suggestions.trust"]')!.textContent).toContain('0 到 99');
    await type('trust', '90');
    await save();
    expect(puts.length).toBe(1);
    expect(puts[0].spec.suggestions).toEqual({ questions: [], check_rate_fen: 5, fix_rate_fen: 9, plant_share: 0.1, trust: 0.9 });
  });

  it('shows the server’s refusal by the section, and turning it off sends none', async () => {
    serve(spec({ suggestions: { questions: [], check_rate_fen: null, fix_rate_fen: null, plant_share: 0, trust: 0 } }));
    answer = () => json(422, { error: { code: 'validation', message: 'trust in the model is between 0 (never votes) and 0.99', field: 'suggestions' } });
    await act(() => render(<OrderFormPage datasetId={null} orderId={7} />, root));
    await settle();
    expect($<HTMLInputElement>('input[name=check_rate]')!.value).toBe('');
    await save();
    const err = $('[data-testid=error-suggestions]')!;
    expect(err.textContent).toContain('模型预标注');
    expect(err.textContent).toContain('never votes');
    expect(err.closest('[data-testid=suggestions-group]')).not.toBeNull();
    answer = () => json(200, {});
    const box = $<HTMLInputElement>('input[name=suggestions_on]')!;
    await act(() => {
      box.click();
    });
    await save();
    expect(puts.length).toBe(2);
    expect('suggestions' in puts[1].spec).toBe(false);
  });

  it('lets a template order pick the questions the model answers', async () => {
    const base = starterTemplate();
    const named = (base.questions[0].options ?? []).map((o, i) => ({ ...o, name_zh: `选项${i + 1}` }));
    const q1 = { ...base.questions[0], key: 'kind', title_zh: '种类', title_en: 'Kind', options: named };
    const q2 = { ...q1, key: 'ok', title_zh: '清楚吗', title_en: '', options: (q1.options ?? []).map((o, i) => ({ ...o, hotkey: String(i + 5) })) };
    const template = { ...base, questions: [q1, q2] };
    const probe = buildSpec(formFromSpec(spec({ task_type: 'template', labels: [], template })));
    expect('problem' in probe ? probe.problem : null).toBeNull();
    serve(spec({ task_type: 'template', labels: [], template: template as unknown as OrderSpec['template'], suggestions: { questions: ['ok', 'gone'], check_rate_fen: null, fix_rate_fen: null, plant_share: 0, trust: 0 } }));
    await act(() => render(<OrderFormPage datasetId={null} orderId={7} />, root));
    await settle();
    const boxes = root.querySelectorAll<HTMLInputElement>('input[name^=suggest_q_]');
    expect([...boxes].map((b) => [b.name, b.checked])).toEqual([
      ['suggest_q_kind', false],
      ['suggest_q_ok', true],
    ]);
    await act(() => {
      boxes[0].click();
    });
    await save();
    expect([...root.querySelectorAll('[role=alert]')].map((e) => e.textContent)).toEqual([]);
    expect(puts.length).toBe(1);
    expect(puts[0].spec.suggestions!.questions).toEqual(['ok', 'kind']);
  });

  it('builds the policy: off, blanks, bounds', () => {
    expect(buildSuggestions(emptySuggestForm(), [])).toEqual({ policy: null });
    const on = { ...emptySuggestForm(), on: true };
    expect(buildSuggestions(on, [])).toEqual({ policy: { questions: [], check_rate_fen: null, fix_rate_fen: null, plant_share: 0, trust: 0 } });
    expect(buildSuggestions({ ...on, fix_rate: '1000.01' }, [])).toEqual({ problem: { field: 'suggestions.fix_rate_fen', key: 'err_sug_rate' } });
    expect(buildSuggestions({ ...on, plant_share: '101' }, [])).toEqual({ problem: { field: 'suggestions.plant_share', key: 'err_sug_plant' } });
    expect(buildSuggestions({ ...on, plant_share: '7' }, [])).toMatchObject({ policy: { plant_share: 0.07 } });
    expect(suggestFormFromSpec({ questions: [], check_rate_fen: 150, fix_rate_fen: null, plant_share: 0.07, trust: 0.99 })).toEqual({
      on: true,
      questions: [],
      check_rate: '1.50',
      fix_rate: '',
      plant_share: '7',
      trust: '99',
    });
  });
});
