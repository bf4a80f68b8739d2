import { render } from 'preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setLang } from '../../i18n';
import { NewExampleCard } from './NewExample';
import { QuestionSpeaker, serverSpeechUrl } from './Question';
import { Recorder } from '../../components/Recorder';

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

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('the new-example card', () => {
  it('shows the picture first, then the words with a speaker, and closes with one tap', () => {
    const ok = vi.fn();
    render(
      <NewExampleCard
        example={{ version: 2, item_id: 7, words: '这样的是好评', thumb_url: '/t.png', screen_url: '/s.png', text: null }}
        onOk={ok}
      />,
      root,
    );
    const card = root.querySelector('[data-testid="new-example"]')!;
    expect(card.getAttribute('data-version')).toBe('2');
    const pic = root.querySelector('[data-testid="new-example-pic"]') as HTMLImageElement;
    expect(pic.getAttribute('src')).toBe('/s.png');
    const words = root.querySelector('[data-testid="new-example-words"]')!;
    expect(words.textContent).toContain('这样的是好评');
    // the picture comes before the words
    expect(pic.compareDocumentPosition(words) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    expect(root.querySelector('[data-testid="new-example-speak"]')).not.toBeNull();
    expect(root.textContent).toContain('新例子');
    (root.querySelector('[data-testid="new-example-ok"]') as HTMLButtonElement).click();
    expect(ok).toHaveBeenCalledOnce();
  });

  it('shows a text example when there is no picture', () => {
    render(<NewExampleCard example={{ version: 3, item_id: 8, words: '差评', text: '太差了' }} onOk={() => {}} />, root);
    expect(root.querySelector('[data-testid="new-example-pic"]')).toBeNull();
    expect(root.querySelector('[data-testid="new-example-text"]')!.textContent).toBe('太差了');
  });
});

describe('the speaker without a browser voice', () => {
  it('plays speech made on the server instead of greying out', () => {
    const played: string[] = [];
    class FakeAudio {
      src = '';
      onended: (() => void) | null = null;
      onerror: (() => void) | null = null;
      play() {
        played.push(this.src);
        return Promise.resolve();
      }
      pause() {}
    }
    vi.stubGlobal('Audio', FakeAudio);
    render(<QuestionSpeaker text="选好评" />, root);
    const b = root.querySelector('[data-testid="question-speak"]') as HTMLButtonElement;
    expect(b.getAttribute('data-source')).toBe('server');
    expect(b.className).not.toContain('speak-off');
    b.click();
    expect(played).toEqual([serverSpeechUrl('选好评', 'zh-CN')]);
    expect(played[0]).toBe('/api/v1/speech?lang=zh&text=' + encodeURIComponent('选好评'));
  });

  it('prefers the recording', () => {
    render(<QuestionSpeaker text="选好评" audio="/api/v1/orders/1/recordings/instructions?v=ab" />, root);
    expect(root.querySelector('[data-testid="question-speak"]')!.getAttribute('data-source')).toBe('recording');
  });
});

describe('the recorder', () => {
  it('says so where the browser cannot record', () => {
    vi.stubGlobal('MediaRecorder', undefined);
    render(<Recorder path="/orders/1/recordings/instructions" label="录说明" />, root);
    const r = root.querySelector('[data-testid="recorder"]')!;
    expect(r.getAttribute('data-state')).toBe('none');
    expect(r.textContent).toContain('这台设备不能录音');
  });

  it('records, stops, and saves the audio with a PUT', async () => {
    const stopTrack = vi.fn();
    class FakeRecorder {
      state = 'inactive';
      mimeType = 'audio/webm';
      ondataavailable: ((e: { data: Blob }) => void) | null = null;
      onstop: (() => void) | null = null;
      constructor(public stream: unknown) {}
      start() {
        this.state = 'recording';
      }
      stop() {
        this.state = 'inactive';
        this.ondataavailable?.({ data: new Blob([new Uint8Array([0x1a, 0x45, 0xdf, 0xa3])], { type: 'audio/webm' }) });
        this.onstop?.();
      }
    }
    vi.stubGlobal('MediaRecorder', FakeRecorder);
    Object.defineProperty(navigator, 'mediaDevices', {
      configurable: true,
      value: { getUserMedia: () => Promise.resolve({ getTracks: () => [{ stop: stopTrack }] }) },
    });
    vi.stubGlobal('URL', Object.assign(URL, { createObjectURL: () => 'blob:x' }));
    const calls: { url: string; init: RequestInit }[] = [];
    vi.stubGlobal('fetch', (url: string, init: RequestInit) => {
      calls.push({ url, init });
      return Promise.resolve(new Response(JSON.stringify({ target: 'instructions', url: '/api/v1/orders/1/recordings/instructions?v=1' }), { status: 200 }));
    });
    const saved = vi.fn();
    render(<Recorder path="/orders/1/recordings/instructions" label="录说明" onSaved={saved} />, root);
    const q = (id: string) => root.querySelector(`[data-testid="recorder-${id}"]`) as HTMLButtonElement;
    q('record').click();
    await flush();
    expect(root.querySelector('[data-testid="recorder"]')!.getAttribute('data-state')).toBe('recording');
    q('stop').click();
    await flush();
    expect(stopTrack).toHaveBeenCalled();
    expect(q('play')).not.toBeNull();
    q('save').click();
    await flush();
    await flush();
    expect(calls).toHaveLength(1);
    expect(calls[0].url).toBe('/api/v1/orders/1/recordings/instructions');
    expect(calls[0].init.method).toBe('PUT');
    expect(calls[0].init.body).toBeInstanceOf(Blob);
    expect(saved).toHaveBeenCalledWith('/api/v1/orders/1/recordings/instructions?v=1');
    expect(root.textContent).toContain('录音已保存');
  });
});
