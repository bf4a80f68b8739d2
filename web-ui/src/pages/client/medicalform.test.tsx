import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setFetch } from '../../api';
import { setLang } from '../../i18n';
import type { OrderSpec } from '../../orders';
import { OrderFormPage } from './OrderForm';
import { buildMedical, emptyMedicalForm, medicalFormFromSpec } from './MedicalSection';

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

async function settle() {
  for (let i = 0; i < 15; i++)
    await act(async () => {
      await new Promise((r) => setTimeout(r, 0));
    });
}

const spec = (over: Partial<OrderSpec> = {}): OrderSpec => ({
  name: '影像复核',
  task_type: 'single_choice',
  labels: [
    { key: 'yes', name_zh: '有', name_en: 'Yes', colour: '#1e88e5', hotkey: '1', examples: [] },
    { key: 'no', name_zh: '无', name_en: 'No', colour: '#e53935', hotkey: '2', examples: [] },
  ],
  instructions: '',
  instruction_examples: [],
  overlap: { kind: 'fixed', n: 2 },
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
    if (url.endsWith('/datasets')) return json(200, { items: [{ id: 2, org_id: 1, name: 'CT', item_count: 8, created_at: 1 }] });
    if (url.endsWith('/org/users'))
      return json(200, { items: [{ id: 31, display_name: '王医生', username: 'dr_wang' }, { id: 32, display_name: '李主任', username: null }] });
    if (url.endsWith('/orders/7') && init?.method === 'PUT') {
      const body = JSON.parse(String(init.body));
      puts.push(body);
      return answer(body);
    }
    if (url.endsWith('/orders/7'))
      return json(200, { id: 7, dataset_id: 2, state: 'draft', spec: s, created_at: 1, published_at: null, counts: { items: 8, resolved: 0, escalated: 0, gold_items: 0, labels: 0, units: 0 } });
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

describe('the order form: medical', () => {
  it('keeps an order’s ladder, picks the doctor among the organisation’s users, sends fen and the qualification', async () => {
    serve(spec({ medical: { expert_rate_fen: 300, doctor_rate_fen: 2000, doctor_user_id: 31 }, required_qualification: 'medical' }));
    await act(() => render(<OrderFormPage datasetId={null} orderId={7} />, root));
    await settle();
    const group = $<HTMLDetailsElement>('[data-testid=medical-group]')!;
    expect(group.open).toBe(true);
    expect(group.querySelector('summary svg, summary .icon')).not.toBeNull();
    expect(group.textContent).toContain('医学');
    expect($<HTMLInputElement>('input[name=expert_rate]')!.value).toBe('3.00');
    expect($<HTMLInputElement>('input[name=doctor_rate]')!.value).toBe('20.00');
    const doctor = $<HTMLSelectElement>('[data-testid=medical-doctor]')!;
    expect([...doctor.options].map((o) => o.textContent)).toEqual(['请选择', '王医生 (dr_wang)', '李主任']);
    expect(doctor.value).toBe('31');

    await type('doctor_rate', '一千五');
    await save();
    expect(puts.length).toBe(0);
    expect($('[data-testid="error-medical.doctor_rate_fen"]')!.textContent).toContain('费用写成元');
    await type('doctor_rate', '15');
    await act(() => {
      doctor.value = '32';
      doctor.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await save();
    expect(puts.length).toBe(1);
    expect(puts[0].spec.medical).toEqual({ expert_rate_fen: 300, doctor_rate_fen: 1500, doctor_user_id: 32 });
    expect(puts[0].spec.required_qualification).toBe('medical');
  });

  it('shows the server’s refusal by the section, and turning it off sends none', async () => {
    serve(spec({ medical: { expert_rate_fen: 0, doctor_rate_fen: 0, doctor_user_id: 31 }, required_qualification: 'medical' }));
    answer = () => json(422, { error: { code: 'doctor_not_in_org', message: 'user 31 is not a client user of your organisation', field: 'medical' } });
    await act(() => render(<OrderFormPage datasetId={null} orderId={7} />, root));
    await settle();
    await save();
    const err = $('[data-testid=error-medical]')!;
    expect(err.textContent).toContain('医学');
    expect(err.closest('[data-testid=medical-group]')).not.toBeNull();
    answer = () => json(200, {});
    await act(() => {
      $<HTMLInputElement>('input[name=medical_on]')!.click();
    });
    await save();
    expect(puts.length).toBe(2);
    expect('medical' in puts[1].spec).toBe(false);
  });

  it('builds the policy: off, blanks, bounds, the doctor', () => {
    expect(buildMedical(emptyMedicalForm())).toEqual({ policy: null });
    const on = { ...emptyMedicalForm(), on: true };
    expect(buildMedical(on)).toEqual({ problem: { field: 'medical.doctor_user_id', key: 'err_med_doctor' } });
    expect(buildMedical({ ...on, doctor: '9' })).toEqual({ policy: { expert_rate_fen: 0, doctor_rate_fen: 0, doctor_user_id: 9 } });
    expect(buildMedical({ ...on, doctor: '9', expert_rate: '1000.01' })).toEqual({ problem: { field: 'medical.expert_rate_fen', key: 'err_med_rate' } });
    expect(buildMedical({ ...on, doctor: '9', doctor_rate: '-1' })).toEqual({ problem: { field: 'medical.doctor_rate_fen', key: 'err_med_rate' } });
    expect(medicalFormFromSpec({ expert_rate_fen: 150, doctor_rate_fen: 0, doctor_user_id: 4 })).toEqual({
      on: true,
      expert_rate: '1.50',
      doctor_rate: '0.00',
      doctor: '4',
    });
  });
});
