import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { setLang } from '../i18n';
import { firstSentence, QuestionLine, questionSpeech, questionText } from '../pages/work/Question';
import { pauseFor, pauseWords } from '../pages/work/PauseCard';
import { keyForControl } from './hotkeys';
import type { OrderBrief, Pause } from './types';

const order: OrderBrief = {
  id: 3,
  name: '形状',
  task_type: 'single_choice',
  labels: [
    { key: 'circle', name_zh: '圆形', name_en: 'Circle', colour: '#1e88e5', hotkey: null, examples: [] },
    { key: 'square', name_zh: '方形', name_en: 'Square', colour: '#e53935', hotkey: null, examples: [] },
  ],
  instructions: '看图里最大的那个形状，点它的名字（或按数字键）。看不清就点“跳过”。',
  instruction_examples: [],
  piece_rate_fen: 5,
};

describe('the question line', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('takes the first sentence of the instructions, and reads the choices after it', () => {
    setLang('zh-CN');
    expect(firstSentence('看图。再点。')).toBe('看图');
    expect(firstSentence('no stop')).toBe('no stop');
    expect(questionText(order)).toBe('看图里最大的那个形状，点它的名字（或按数字键）');
    expect(questionSpeech(order)).toBe('看图里最大的那个形状，点它的名字（或按数字键）。圆形、方形');
    expect(questionText({ ...order, instructions: '', task_type: 'bbox' })).toBe('把要找的东西都框出来');
  });

  it('without a voice, plays the server\'s speech; where the server cannot speak, greys and says why', async () => {
    setLang('zh-CN');
    const played: string[] = [];
    class NoSpeech {
      src = '';
      onended: (() => void) | null = null;
      onerror: (() => void) | null = null;
      play() {
        played.push(this.src);
        return Promise.reject(new Error('503'));
      }
      pause() {}
    }
    vi.stubGlobal('Audio', NoSpeech);
    const root = document.createElement('div');
    document.body.appendChild(root);
    act(() => render(<QuestionLine order={order} />, root));
    const sp = () => root.querySelector<HTMLButtonElement>('[data-testid=question-speak]')!;
    expect(sp().dataset.source).toBe('server');
    expect(root.querySelector('[data-testid=question-text]')!.textContent).toMatch(/看图里最大的那个形状/);
    await act(async () => {
      sp().click();
      await new Promise((r) => setTimeout(r, 0));
    });
    expect(played).toHaveLength(1);
    expect(played[0]).toMatch(/^\/api\/v1\/speech\?lang=zh&text=/);
    // the server could not speak: greyed, with the reason
    expect(sp().dataset.source).toBe('none');
    expect(sp().getAttribute('aria-label')).toMatch(/没有中文语音/);
    expect(root.querySelector('[data-testid=speak-why]')!.textContent).toMatch(/没有中文语音/);
    vi.unstubAllGlobals();
  });

  it('plays a recording when the order has one', () => {
    setLang('zh-CN');
    const root = document.createElement('div');
    document.body.appendChild(root);
    act(() => render(<QuestionLine order={{ ...order, audio_url: '/api/v1/media/q/audio' }} />, root));
    expect(root.querySelector<HTMLElement>('[data-testid=question-speak]')!.dataset.source).toBe('recording');
  });
});

describe('keys after a control', () => {
  const el = (tag: string, type?: string) => {
    const e = document.createElement(tag);
    if (type) (e as HTMLInputElement).type = type;
    return e;
  };
  it('leaves a slider only its arrows, a text field all its keys', () => {
    expect(keyForControl(el('input', 'range'), '2')).toBe(false);
    expect(keyForControl(el('input', 'range'), 'Enter')).toBe(false);
    expect(keyForControl(el('input', 'range'), 'ArrowLeft')).toBe(true);
    expect(keyForControl(el('input', 'checkbox'), '1')).toBe(false);
    expect(keyForControl(el('input', 'checkbox'), ' ')).toBe(true);
    expect(keyForControl(el('input', 'text'), '1')).toBe(true);
    expect(keyForControl(el('textarea'), 'Enter')).toBe(true);
    expect(keyForControl(el('button'), '1')).toBe(false);
    expect(keyForControl(null, '1')).toBe(false);
  });
});

describe('pause words', () => {
  const base: Pause = {
    id: 1,
    order_id: 7,
    order_name: '形状画框',
    reason: 'too_fast',
    by: 'rule',
    by_name: null,
    note: null,
    figures: { median_seconds: 0.84, threshold_seconds: 3, labels: 20 },
    created_at: 0,
    lifted_at: null,
    unpaid_labels: 6,
    unpaid_fen: 60,
  };
  it("a rule's pause says why with its figures, what to do, who lifts it, what it cost", () => {
    setLang('zh-CN');
    const w = pauseWords(base, ['赵组长']);
    expect(w.icon).toBe('clock');
    expect(w.title).toBe('做得太快，先停一下');
    const all = w.lines.join('\n');
    expect(all).toMatch('最近 20 张，每张只用了 0.8 秒（至少要 3 秒）');
    expect(all).toMatch('系统按规则自动停的');
    expect(all).toMatch('赵组长 看过后会解除暂停');
    expect(all).toMatch('只停了这个订单：形状画框');
    expect(all).toMatch('暂停前做的 6 张不计钱（¥0.60）');
  });
  it("a lead's pause says so, with the lead's note", () => {
    setLang('zh-CN');
    const w = pauseWords({ ...base, reason: 'lead', by: 'lead', by_name: '赵组长', note: '来一下', figures: null, order_id: null, unpaid_labels: 0 }, []);
    expect(w.title).toBe('组长让你先休息一下');
    expect(w.lines.join('\n')).toMatch('组长说：来一下');
    expect(w.lines.join('\n')).not.toMatch('系统');
    expect(w.lines.join('\n')).toMatch('所有任务都停了');
  });
  it('picks the live pause of the order, never a lifted one', () => {
    const lifted = { ...base, id: 2, lifted_at: 5 };
    expect(pauseFor([lifted], 7)).toBeNull();
    expect(pauseFor([lifted, base], 7)?.id).toBe(1);
  });
});
