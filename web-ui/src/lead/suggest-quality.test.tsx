// The lead's worker page, model suggestions (issue 29): per order, suggestions shown and the
// share accepted as is, the planted (known-wrong) ones caught, and the flag a lead was
// alerted by; the alert in words.
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setLang } from '../i18n';
import { OrderFigures, type WorkerOrder, type WorkerSuggestions } from '../pages/lead/Quality';
import { alertText, type AlertOut } from './review';

let root: HTMLElement;
const $ = (sel: string) => root.querySelector(sel) as HTMLElement | null;
beforeEach(() => {
  setLang('zh-CN');
  root = document.createElement('div');
  document.body.appendChild(root);
});
afterEach(() => {
  render(null, root);
  root.remove();
  setLang('zh-CN');
});

function order(suggestions: WorkerSuggestions | null): WorkerOrder {
  return {
    order_id: 7,
    order_name: '检查评论',
    task_type: 'text_classification',
    labels: 20,
    skips: 0,
    gold_total: 10,
    gold_correct: 5,
    gold_accuracy: 0.5,
    gold_low: 0.2,
    gold_high: 0.8,
    judged: 10,
    agreement: 1,
    skill: null,
    live_skill: { accuracy: 0.6, low: 0.4, high: 0.8, evidence: 10 },
    kappa: null,
    median_seconds: 2,
    too_fast: false,
    spam_like: false,
    classes: [],
    confusion: [],
    suggestions,
  };
}

const careless: WorkerSuggestions = {
  shown: 20,
  accepted: 20,
  accepted_share: 1,
  planted_shown: 5,
  planted_accepted: 5,
  planted_accuracy: 0,
  flagged: true,
  flagged_at: 1_700_000_000_000,
};

describe('suggestions on the worker page', () => {
  it('shows the shares with a robot icon, and the flag of a careless worker', async () => {
    await act(() => render(<OrderFigures o={order(careless)} labels={[]} open />, root));
    const box = $('[data-testid=suggestion-figures]')!;
    expect(box.dataset.flagged).toBe('yes');
    expect(box.textContent).toContain('看到 20 条，原样接受 20 条（100%）');
    expect($('[data-testid=suggestion-planted]')!.textContent).toContain('5 条里接受了 5 条，识破 0%');
    expect($('[data-testid=suggestion-flag]')!.textContent).toContain('不看就接受');
    expect(box.querySelectorAll('svg').length).toBeGreaterThanOrEqual(3);
  });

  it('a careful worker is not flagged; in English', async () => {
    setLang('en');
    const careful = { ...careless, accepted: 12, accepted_share: 0.6, planted_accepted: 0, planted_accuracy: 1, flagged: false, flagged_at: null };
    await act(() => render(<OrderFigures o={order(careful)} labels={[]} open />, root));
    expect($('[data-testid=suggestion-figures]')!.dataset.flagged).toBe('no');
    expect($('[data-testid=suggestion-figures]')!.textContent).toContain('20 shown, 12 accepted as is (60%)');
    expect($('[data-testid=suggestion-planted]')!.textContent).toContain('accepted 0 of 5, caught 100%');
    expect($('[data-testid=suggestion-flag]')).toBeNull();
  });

  it('says nothing of suggestions on an order without any', async () => {
    await act(() => render(<OrderFigures o={order(null)} labels={[]} open />, root));
    expect($('[data-testid=suggestion-figures]')).toBeNull();
  });

  it('puts the alert in words', () => {
    const a: AlertOut = {
      id: 1,
      text: 'accepted 2 of 2 known-wrong model suggestions',
      about_id: 4,
      about_name: '王芳',
      order_id: 7,
      order_name: '检查评论',
      pause_id: null,
      data: { event: 'blind_accept', shown: 3, accepted: 2 },
      created_at: 0,
      read_at: null,
    };
    expect(alertText(a)).toBe('王芳 在“检查评论”不看就接受模型建议：故意放错的 3 条里原样接受了 2 条');
  });
});
