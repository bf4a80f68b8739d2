import { render } from 'preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setFetch } from '../../api';
import { setLang } from '../../i18n';
import { AskSheet, type QuestionOut } from './Ask';

const answered = (id: number, text: string, answer: string, why: QuestionOut['why']): QuestionOut => ({
  id,
  asker_name: '李娜',
  order_id: 5,
  order_name: '猫狗',
  item: { item_id: 100 + id, kind: 'image', thumb_url: null, screen_url: null, text: null },
  reason: 'several_fit',
  text,
  voice_url: null,
  voice_ms: null,
  hold: true,
  created_at: 1,
  forwarded_at: null,
  answer: { text: answer, voice_url: '/api/v1/questions/' + id + '/answer/voice', voice_ms: 900, picture_url: '/api/v1/questions/' + id + '/answer/picture', by_name: '组长', by_role: 'lead', at: 2, seen_at: null },
  why,
});

let root: HTMLElement;
/** The questions sent (POSTs). */
let sent: { url: string; body: Record<string, unknown> }[];
/** The similar lists asked for (GETs). */
let looked: URL[];
let similar: QuestionOut[];
beforeEach(() => {
  setLang('zh-CN');
  root = document.createElement('div');
  document.body.appendChild(root);
  sent = [];
  looked = [];
  similar = [];
  setFetch((async (url: string, init?: RequestInit) => {
    if ((init?.method ?? 'GET') === 'GET') {
      looked.push(new URL(url, 'http://x'));
      return new Response(JSON.stringify({ questions: similar }), { status: 200, headers: { 'Content-Type': 'application/json' } });
    }
    const body = JSON.parse(String(init?.body ?? '{}')) as Record<string, unknown>;
    sent.push({ url, body });
    return new Response(JSON.stringify({ id: 9, reason: body.reason, hold: body.while_open === 'hold' }), {
      status: 200,
      headers: { 'Content-Type': 'application/json' },
    });
  }) as typeof fetch);
});
afterEach(() => {
  render(null, root);
  root.remove();
  vi.unstubAllGlobals();
});

const tick = () => new Promise((r) => setTimeout(r, 20));
/** Waits (up to 2 s) until `ok()` holds: effects run after the next paint. */
async function until(ok: () => boolean, what: string) {
  for (let i = 0; i < 200; i++) {
    if (ok()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${what} never happened`);
}
const similarShown = () => root.querySelector('[data-testid=ask-similar]') !== null;
const click = (id: string) => (root.querySelector(`[data-testid=${id}]`) as HTMLButtonElement).click();

describe('the ask sheet', () => {
  it('needs a reason, then sends it with the words and the skip choice', async () => {
    const got: [QuestionOut, boolean][] = [];
    render(<AskSheet assignmentId={3} itemId={42} onClose={() => {}} onSent={(q, s) => got.push([q, s])} />, root);
    const send = root.querySelector('[data-testid=ask-send]') as HTMLButtonElement;
    expect(send.disabled).toBe(true);
    expect(root.textContent).toContain('没有合适的');
    click('ask-reason-several_fit');
    const input = root.querySelector('[data-testid=ask-text]') as HTMLInputElement;
    input.value = '  猫还是狗 ';
    input.dispatchEvent(new Event('input'));
    click('ask-skip');
    await until(() => !(root.querySelector('[data-testid=ask-send]') as HTMLButtonElement).disabled, 'send enabled');
    expect((root.querySelector('[data-testid=ask-send]') as HTMLButtonElement).disabled).toBe(false);
    click('ask-send');
    await until(() => got.length === 1, 'the question sent');
    expect(sent).toHaveLength(1);
    expect(sent[0].url).toBe('/api/v1/work/questions');
    expect(sent[0].body).toEqual({ assignment_id: 3, item_id: 42, reason: 'several_fit', text: '猫还是狗', while_open: 'skip' });
    expect(got).toHaveLength(1);
    expect(got[0][1]).toBe(true);
  });

  it('records a voice note and sends it as base64 with its length', async () => {
    const track = { stop: vi.fn() };
    vi.stubGlobal('navigator', {
      ...navigator,
      mediaDevices: { getUserMedia: vi.fn(async () => ({ getTracks: () => [track] })) },
    });
    class FakeRecorder {
      state = 'inactive';
      mimeType = 'audio/ogg';
      ondataavailable: ((e: { data: Blob }) => void) | null = null;
      onstop: (() => void) | null = null;
      start() {
        this.state = 'recording';
      }
      stop() {
        this.state = 'inactive';
        this.ondataavailable?.({ data: new Blob([new Uint8Array([0x4f, 0x67, 0x67, 0x53, 1, 2])]) });
        this.onstop?.();
      }
    }
    vi.stubGlobal('MediaRecorder', FakeRecorder);
    vi.stubGlobal('URL', Object.assign(URL, { createObjectURL: () => 'blob:x' }));
    render(<AskSheet assignmentId={3} itemId={42} onClose={() => {}} onSent={() => {}} />, root);
    click('ask-record');
    await until(() => root.querySelector('[data-testid=ask-seconds]') !== null, 'recording');
    expect(root.querySelector('[data-testid=ask-seconds]')?.textContent).toContain('正在录音');
    click('ask-stop');
    await until(() => root.querySelector('[data-testid=ask-recorded]') !== null, 'recorded');
    expect(root.querySelector('[data-testid=ask-recorded]')).not.toBeNull();
    expect(track.stop).toHaveBeenCalled();
    click('ask-reason-unclear');
    await until(() => !(root.querySelector('[data-testid=ask-send]') as HTMLButtonElement).disabled, 'send enabled');
    click('ask-send');
    await until(() => sent.length === 1, 'the question sent');
    const voice = sent[0].body.voice as { base64: string; duration_ms: number };
    expect(atob(voice.base64).slice(0, 4)).toBe('OggS');
    expect(voice.duration_ms).toBeGreaterThan(0);
    expect(sent[0].body.while_open).toBe('hold');
  });
});

describe('answered questions like mine, before asking', () => {
  it('shows them as the reason is picked and the words typed; "this answers me" sends nothing', async () => {
    similar = [answered(31, '这是猫还是狗', '有胡子的是猫', 'similar')];
    const got: QuestionOut[] = [];
    const sentQ: QuestionOut[] = [];
    render(<AskSheet assignmentId={3} itemId={42} onClose={() => {}} onSent={(q) => sentQ.push(q)} onAnswered={(q) => got.push(q)} />, root);
    await tick();
    // nothing is looked up before a reason is picked
    expect(looked).toHaveLength(0);
    expect(root.querySelector('[data-testid=ask-similar]')).toBeNull();
    click('ask-reason-several_fit');
    await until(similarShown, 'the similar list');
    expect(looked).toHaveLength(1);
    expect(looked[0].pathname).toBe('/api/v1/work/questions/similar');
    expect(looked[0].searchParams.get('assignment_id')).toBe('3');
    expect(looked[0].searchParams.get('reason')).toBe('several_fit');
    expect(looked[0].searchParams.has('text')).toBe(false);
    const list = root.querySelector('[data-testid=ask-similar]')!;
    expect(list.textContent).toContain('有胡子的是猫');
    expect(list.textContent).toContain('和你问的一样');
    // the answer plays and shows its picture
    expect(list.querySelector('[data-testid=question-answer-voice]')!.getAttribute('src')).toBe('/api/v1/questions/31/answer/voice');
    expect(list.querySelector('[data-testid=question-answer-picture]')!.getAttribute('src')).toBe('/api/v1/questions/31/answer/picture');
    // the words typed narrow it (after a pause)
    const input = root.querySelector('[data-testid=ask-text]') as HTMLInputElement;
    input.value = '猫还是狗';
    input.dispatchEvent(new Event('input'));
    await until(() => looked.length === 2, 'a look with the words');
    expect(looked[1].searchParams.get('text')).toBe('猫还是狗');
    click('ask-this-answers');
    await until(() => got.length === 1, 'this answers me');
    expect(got.map((q) => q.id)).toEqual([31]);
    expect(sent).toHaveLength(0);
    expect(sentQ).toHaveLength(0);
  });

  it('can still ask when none of them answers it', async () => {
    similar = [answered(31, '这是猫还是狗', '有胡子的是猫', 'same_reason')];
    const sentQ: QuestionOut[] = [];
    render(<AskSheet assignmentId={3} itemId={42} onClose={() => {}} onSent={(q) => sentQ.push(q)} />, root);
    click('ask-reason-several_fit');
    await until(similarShown, 'the similar list');
    expect(root.querySelector('[data-testid=ask-similar]')!.textContent).toContain('同样的原因');
    similar = [];
    click('ask-reason-unclear');
    await until(() => !similarShown(), 'the list gone');
    click('ask-send');
    await until(() => sentQ.length === 1, 'the question sent');
    expect(sent).toHaveLength(1);
    expect(sent[0].body.reason).toBe('unclear');
    expect(sentQ).toHaveLength(1);
  });
});
