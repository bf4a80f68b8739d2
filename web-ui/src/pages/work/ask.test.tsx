import { render } from 'preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setFetch } from '../../api';
import { setLang } from '../../i18n';
import { AskSheet, type QuestionOut } from './Ask';

let root: HTMLElement;
let sent: { url: string; body: Record<string, unknown> }[];
beforeEach(() => {
  setLang('zh-CN');
  root = document.createElement('div');
  document.body.appendChild(root);
  sent = [];
  setFetch((async (url: string, init?: RequestInit) => {
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
    await tick();
    expect((root.querySelector('[data-testid=ask-send]') as HTMLButtonElement).disabled).toBe(false);
    click('ask-send');
    await tick();
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
    await tick();
    expect(root.querySelector('[data-testid=ask-seconds]')?.textContent).toContain('正在录音');
    click('ask-stop');
    await tick();
    expect(root.querySelector('[data-testid=ask-recorded]')).not.toBeNull();
    expect(track.stop).toHaveBeenCalled();
    click('ask-reason-unclear');
    await tick();
    click('ask-send');
    await tick();
    const voice = sent[0].body.voice as { base64: string; duration_ms: number };
    expect(atob(voice.base64).slice(0, 4)).toBe('OggS');
    expect(voice.duration_ms).toBeGreaterThan(0);
    expect(sent[0].body.while_open).toBe('hold');
  });
});
