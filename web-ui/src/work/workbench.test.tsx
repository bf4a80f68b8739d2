import 'fake-indexeddb/auto';
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setFetch } from '../api';
import { setLang } from '../i18n';
import { Workbench } from '../pages/work/Workbench';
import { AnnotatorApp, NothingPanel, viewFromHash } from '../pages/work/AnnotatorApp';
import { answerText, knownLabels, rememberLabels } from '../pages/work/common';
import { askForWork } from './next';
import type { Assignment } from './types';

const user = { id: 5, username: null, display_name: '王芳', role: 'annotator' as const, centre_id: 1, org_id: null, skill_level: 'trainee' as const };

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

function assignment(training: boolean, n = 2): Assignment {
  return {
    id: 31,
    lease_expires_at: Date.now() + 600_000,
    training,
    order: {
      id: 3,
      name: '猫狗',
      task_type: 'single_choice',
      labels: [
        { key: 'cat', name_zh: '猫', name_en: 'Cat', colour: '#1e88e5', hotkey: '1', examples: [900] },
        { key: 'dog', name_zh: '狗', name_en: 'Dog', colour: '#e53935', hotkey: '2', examples: [] },
      ],
      instructions: '是猫还是狗？',
      instruction_examples: [],
      piece_rate_fen: 5,
      examples: [{ item_id: 900, thumb_url: '/api/v1/media/ex/thumb', screen_url: '/api/v1/media/ex/screen', text: null }],
    },
    items: Array.from({ length: n }, (_, i) => ({
      item_id: 100 + i,
      kind: 'image',
      thumb_url: `/api/v1/media/i${i}/thumb`,
      screen_url: `/api/v1/media/i${i}/screen`,
      text: null,
      width: 480,
      height: 360,
      answer: null,
      skip_reason: null,
    })),
  };
}

let root: HTMLElement;
let calls: { key: string; body: any }[];
let routes: Record<string, (body: any) => [number, unknown]>;

async function settle(n = 8) {
  for (let i = 0; i < n; i++)
    await act(async () => {
      await new Promise((r) => setTimeout(r, 0));
    });
}

function press(key: string) {
  window.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }));
}

const $ = (sel: string) => root.querySelector(sel);

beforeEach(() => {
  setLang('zh-CN');
  root = document.createElement('div');
  document.body.appendChild(root);
  calls = [];
  routes = {};
  setFetch(async (url, init) => {
    const key = `${init?.method ?? 'GET'} ${String(url)}`;
    const body = init?.body ? JSON.parse(String(init.body)) : undefined;
    calls.push({ key, body });
    const h = routes[key];
    if (!h) return json(404, { error: { code: 'not_found', message: 'no route' } });
    const [status, out] = h(body);
    return json(status, out);
  });
});

afterEach(() => {
  render(null, root);
  root.remove();
});

describe('work screen', () => {
  it('answers by key, goes back to change, submits after the last answer, then asks for the next unit', async () => {
    let next = 0;
    routes['GET /api/v1/work/next'] = () => (next++ === 0 ? [200, { status: 'assigned', assignment: assignment(false, 3) }] : [200, { status: 'nothing', reason: 'all_done' }]);
    routes['POST /api/v1/work/labels'] = () => [200, { label_id: 1, status: 'stored', item_state: 'open' }];
    routes['POST /api/v1/work/assignments/31/submit'] = () => [200, { id: 31, state: 'submitted', lease_expires_at: 0 }];
    routes['GET /api/v1/me/earnings'] = () => [200, { today_fen: 4260, week_fen: 0, month_fen: 0, pending_fen: 0, confirmed_fen: 0, paid_fen: 0, today_labels: 128 }];
    const onHome = vi.fn();
    await act(() => render(<Workbench user={user} initial={null} onHome={onHome} />, root));
    await settle();
    expect($('[data-testid=work]')?.getAttribute('data-item-id')).toBe('100');
    expect($('[data-testid=work-earnings]')?.textContent).toContain('¥42.60');
    // a label button: ≥ 64 px by CSS, its key, its example picture, its name
    const cat = $('[data-testid=label-btn][data-key=cat]')!;
    expect(cat.querySelector('.label-key')?.textContent).toBe('1');
    expect(cat.querySelector('img')?.getAttribute('src')).toBe('/api/v1/media/ex/thumb');
    press('1');
    await settle();
    expect($('[data-testid=work]')?.getAttribute('data-item-id')).toBe('101');
    expect($('[data-testid=work-earnings]')?.textContent).toContain('¥42.65');
    press('ArrowLeft');
    await settle();
    expect($('[data-testid=label-btn][data-key=cat]')?.getAttribute('aria-pressed')).toBe('true');
    press('2');
    await settle();
    // a change earns nothing more
    expect($('[data-testid=work-earnings]')?.textContent).toContain('¥42.65');
    expect($('[data-testid=work]')?.getAttribute('data-item-id')).toBe('101');
    press('2');
    await settle();
    // skip with a reason
    (root.querySelector('[data-testid=skip]') as HTMLButtonElement).click();
    await settle();
    (root.querySelector('[data-testid=skip-broken_file]') as HTMLButtonElement).click();
    await settle(20);
    const posted = calls.filter((c) => c.key === 'POST /api/v1/work/labels').map((c) => c.body);
    expect(posted.map((b) => [b.item_id, b.answer ?? b.skip])).toEqual([
      [100, { label: 'cat' }],
      [100, { label: 'dog' }],
      [101, { label: 'dog' }],
      [102, 'broken_file'],
    ]);
    for (const b of posted) {
      expect(b.client_uuid).toMatch(/^[0-9a-f-]{36}$/);
      expect(b.assignment_id).toBe(31);
      expect(b.duration_ms).toBeGreaterThanOrEqual(0);
    }
    expect(new Set(posted.map((b) => b.client_uuid)).size).toBe(4);
    const keys = calls.map((c) => c.key);
    expect(keys.indexOf('POST /api/v1/work/assignments/31/submit')).toBeGreaterThan(keys.lastIndexOf('POST /api/v1/work/labels'));
    expect(onHome).toHaveBeenCalledWith('all_done');
  });

  it('renews the lease every two minutes and says so when the unit was lost', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      routes['GET /api/v1/work/next'] = () => [200, { status: 'assigned', assignment: assignment(false, 3) }];
      let beats = 0;
      routes['POST /api/v1/work/assignments/31/heartbeat'] = () =>
        ++beats === 1 ? [200, { id: 31, state: 'active', lease_expires_at: Date.now() + 600_000 }] : [409, { error: { code: 'assignment_ended', message: 'the assignment is expired' } }];
      await act(() => render(<Workbench user={user} initial={null} onHome={() => {}} />, root));
      await settle();
      vi.advanceTimersByTime(119_000);
      await settle();
      expect(beats).toBe(0);
      vi.advanceTimersByTime(1_000);
      await settle();
      expect(beats).toBe(1);
      expect(root.textContent).not.toContain('超时');
      vi.advanceTimersByTime(120_000);
      await settle();
      expect(beats).toBe(2);
      expect(root.textContent).toContain('这组任务超时了');
    } finally {
      vi.useRealTimers();
    }
  });

  it('two keys within one frame answer two items', async () => {
    routes['GET /api/v1/work/next'] = () => [200, { status: 'assigned', assignment: assignment(false, 3) }];
    routes['POST /api/v1/work/labels'] = () => [200, { label_id: 1, status: 'stored', item_state: 'open' }];
    await act(() => render(<Workbench user={user} initial={null} onHome={() => {}} />, root));
    await settle();
    press('1');
    press('2');
    await settle(20);
    expect($('[data-testid=work]')?.getAttribute('data-item-id')).toBe('102');
    const posted = calls.filter((c) => c.key === 'POST /api/v1/work/labels').map((c) => [c.body.item_id, c.body.answer]);
    expect(posted).toEqual([
      [100, { label: 'cat' }],
      [101, { label: 'dog' }],
    ]);
  });

  it('training: each answer shows right or wrong with the right answer and its picture', async () => {
    routes['GET /api/v1/work/next'] = () => [200, { status: 'assigned', assignment: assignment(true, 3) }];
    let n = 0;
    routes['POST /api/v1/work/labels'] = () => {
      n++;
      const feedback = n === 1 ? { correct: false, answer: { label: 'cat' } } : n === 2 ? { correct: true, answer: { label: 'cat' } } : undefined;
      return [200, { label_id: n, status: 'stored', item_state: 'open', ...(feedback ? { feedback } : {}) }];
    };
    await act(() => render(<Workbench user={user} initial={null} onHome={() => {}} />, root));
    await settle();
    expect($('[data-testid=training-badge]')).not.toBeNull();
    press('2');
    await settle(20);
    const fb = $('[data-testid=feedback]')!;
    expect(fb.getAttribute('data-state')).toBe('wrong');
    expect(fb.textContent).toContain('再看看');
    expect(fb.textContent).toContain('你选了：狗');
    expect(fb.textContent).toContain('正确：猫');
    // the right label's example picture, beside this item
    expect([...fb.querySelectorAll('img')].map((i) => i.getAttribute('src'))).toEqual(['/api/v1/media/i0/screen', '/api/v1/media/ex/thumb']);
    // keys do not answer while the feedback shows; Enter goes on
    press('1');
    await settle();
    expect(calls.filter((c) => c.key === 'POST /api/v1/work/labels')).toHaveLength(1);
    press('Enter');
    await settle();
    expect($('[data-testid=work]')?.getAttribute('data-item-id')).toBe('101');
    press('1');
    await settle(20);
    expect($('[data-testid=feedback]')?.getAttribute('data-state')).toBe('right');
    expect($('[data-testid=feedback]')?.textContent).toContain('答对了');
    press('Enter');
    await settle();
    // a reply without a verdict: saved, not marked, and Enter goes on
    press('2');
    await settle(20);
    expect($('[data-testid=feedback]')?.getAttribute('data-state')).toBe('none');
    expect($('[data-testid=feedback]')?.textContent).toContain('不判对错');
    // the unit is graded on submit, and the result waits for the person
    routes['POST /api/v1/work/assignments/31/submit'] = () => [
      200,
      { id: 31, state: 'submitted', lease_expires_at: 0, training: { total: 3, right: 1, passed: false, qualification: 'single_choice' } },
    ];
    press('Enter');
    await settle(30);
    const result = $('[data-testid=training-result]')!;
    expect(result.getAttribute('data-passed')).toBe('false');
    expect(result.textContent).toContain('还没通过');
    expect(result.textContent).toContain('答对 1 / 3');
    const nexts = calls.filter((c) => c.key === 'GET /api/v1/work/next').length;
    (root.querySelector('[data-testid=training-go-on]') as HTMLButtonElement).click();
    await settle();
    expect(calls.filter((c) => c.key === 'GET /api/v1/work/next').length).toBe(nexts + 1);
  });

  it('home: shows why there is no work, the stars and the lead’s messages', async () => {
    routes['GET /api/v1/work/next'] = () => [200, { status: 'nothing', reason: 'paused' }];
    routes['GET /api/v1/me/quality'] = () => [200, { stars: 4, level: 'standard', gold_answered: 30 }];
    routes['GET /api/v1/me/earnings'] = () => [200, { today_fen: 4260, week_fen: 30120, month_fen: 128640, pending_fen: 420, confirmed_fen: 3840, paid_fen: 0, today_labels: 128 }];
    routes['GET /api/v1/me/messages'] = () => [
      200,
      {
        messages: [
          { id: 1, from_name: '赵组长', text: '这张是猫，不是狗', created_at: Date.now(), read_at: null, item: { item_id: 5, thumb_url: '/t.jpg', screen_url: null, text: null, answer: { label: 'cat' } } },
        ],
      },
    ];
    history.replaceState(null, '', '/');
    localStorage.removeItem('mudou.labels');
    await act(() => render(<AnnotatorApp user={user} topBar={null} />, root));
    await settle();
    expect($('[data-testid=quality]')?.getAttribute('data-stars')).toBe('4');
    expect($('[data-testid=quality]')?.getAttribute('aria-label')).toContain('4 星');
    expect($('[data-testid=today-earnings]')?.textContent).toContain('¥42.60');
    expect($('[data-testid=today-count]')?.textContent).toContain('128');
    const msg = $('[data-testid=message]')!;
    expect(msg.textContent).toContain('这张是猫');
    // the label's key until this device has seen the order's names…
    expect(msg.textContent).toContain('正确答案：cat');
    // …and its name once it has
    rememberLabels(assignment(false).order.labels);
    expect(answerText({ label: 'cat' }, knownLabels())).toBe('猫');
    expect(msg.querySelector('img')?.getAttribute('src')).toBe('/t.jpg');
    (root.querySelector('[data-testid=start]') as HTMLButtonElement).click();
    await settle();
    expect($('[data-testid=no-work]')?.getAttribute('data-reason')).toBe('paused');
    expect($('[data-testid=no-work]')?.textContent).toContain('组长让你先休息一下');
    expect(viewFromHash('#/work')).toBe('work');
    expect(viewFromHash('#/earnings')).toBe('earnings');
    expect(viewFromHash('')).toBe('home');
  });
});

import { LoginPage } from '../pages/Login';
import { voiceFor } from './speech';

describe('roster and speech', () => {
  it('shows a photo tile when a photo is set, the coloured initial otherwise', async () => {
    routes['GET /api/v1/device'] = () => [200, { enrolled: true, centre: { id: 1, name: '示范县' } }];
    routes['GET /api/v1/device/roster'] = () => [
      200,
      {
        centre: { id: 1, name: '示范县' },
        annotators: [
          { id: 5, display_name: '王芳', photo_url: '/photos/5.jpg', locked: false },
          { id: 6, display_name: '李娜', photo_url: null, locked: false },
        ],
      },
    ];
    await act(() => render(<LoginPage onLoggedIn={() => {}} />, root));
    await settle();
    const tiles = [...root.querySelectorAll('[data-testid=roster-tile]')];
    const wang = tiles.find((t) => t.textContent?.includes('王芳'))!;
    const li = tiles.find((t) => t.textContent?.includes('李娜'))!;
    expect(wang.querySelector('img')?.getAttribute('src')).toBe('/photos/5.jpg');
    expect((wang.querySelector('img') as HTMLImageElement).style.width).toBe('96px');
    expect(li.querySelector('img')).toBeNull();
    expect(li.querySelector('.avatar')?.textContent).toBe('李');
  });

  it('picks the zh-CN voice first, then any Chinese one; none means no speaker button', () => {
    expect(voiceFor([{ lang: 'en-US' }, { lang: 'zh-TW' }, { lang: 'zh-CN' }], 'zh-CN')).toBe(2);
    expect(voiceFor([{ lang: 'en-US' }, { lang: 'zh_HK' }], 'zh-CN')).toBe(1);
    expect(voiceFor([{ lang: 'en-GB' }], 'zh-CN')).toBe(-1);
    expect(voiceFor([{ lang: 'en-GB' }], 'en')).toBe(0);
  });
});

describe('speaker buttons', () => {
  afterEach(() => {
    delete (globalThis as any).speechSynthesis;
    delete (globalThis as any).SpeechSynthesisUtterance;
  });

  it('read the line aloud in zh-CN where a voice exists, and are absent where none does', async () => {
    routes['GET /api/v1/me/earnings'] = () => [200, { today_fen: 4260, week_fen: 0, month_fen: 0, pending_fen: 0, confirmed_fen: 0, paid_fen: 0, today_labels: 3 }];
    history.replaceState(null, '', '/');
    await act(() => render(<AnnotatorApp user={user} topBar={null} />, root));
    await settle();
    expect($('[data-testid=speak-today]')).toBeNull();
    render(null, root);

    const spoken: { text: string; lang: string }[] = [];
    (globalThis as any).SpeechSynthesisUtterance = class {
      lang = '';
      voice: unknown = null;
      rate = 1;
      onend: (() => void) | null = null;
      onerror: (() => void) | null = null;
      constructor(public text: string) {}
    };
    (globalThis as any).speechSynthesis = {
      getVoices: () => [{ lang: 'zh-CN', name: 'Xiaoxiao' }],
      speak: (u: { text: string; lang: string }) => spoken.push({ text: u.text, lang: u.lang }),
      cancel: () => {},
      speaking: false,
      addEventListener: () => {},
      removeEventListener: () => {},
    };
    await act(() => render(<AnnotatorApp user={user} topBar={null} />, root));
    await settle();
    const btn = $('[data-testid=speak-today]') as HTMLButtonElement;
    expect(btn.getAttribute('aria-label')).toBe('读给我听');
    btn.click();
    await settle();
    expect(spoken).toEqual([{ text: '今天收入 ¥42.60', lang: 'zh-CN' }]);
    expect(btn.getAttribute('aria-pressed')).toBe('true');
  });
});

describe('a label with its own recording', () => {
  it('has a speaker beside it that plays the recording and does not answer', async () => {
    const a = assignment(false, 2);
    a.order.label_audio = { dog: '/api/v1/orders/3/recordings/label:dog' };
    routes['GET /api/v1/work/next'] = () => [200, { status: 'assigned', assignment: a }];
    routes['GET /api/v1/me/earnings'] = () => [200, { today_fen: 0, week_fen: 0, month_fen: 0, pending_fen: 0, confirmed_fen: 0, paid_fen: 0, today_labels: 0 }];
    const played: string[] = [];
    const realAudio = globalThis.Audio;
    (globalThis as any).Audio = class {
      src = '';
      onended: (() => void) | null = null;
      onerror: (() => void) | null = null;
      play() {
        played.push(this.src);
        return Promise.resolve();
      }
      pause() {}
    };
    try {
      await act(() => render(<Workbench user={user} initial={null} onHome={() => {}} />, root));
      await settle();
      // only the recorded label has a speaker, and it is not inside the label's button
      expect($('[data-testid="label-speak-cat"]')).toBeNull();
      const speak = $('[data-testid="label-speak-dog"]') as HTMLButtonElement;
      expect(speak.getAttribute('data-source')).toBe('recording');
      expect(speak.closest('[data-testid=label-btn]')).toBeNull();
      expect(speak.closest('.label-cell')?.querySelector('[data-testid=label-btn][data-key=dog]')).not.toBeNull();
      speak.click();
      await settle();
      expect(played).toEqual(['/api/v1/orders/3/recordings/label:dog']);
      // listening is not answering: the same item is still in front
      expect(calls.filter((c) => c.key === 'POST /api/v1/work/labels')).toEqual([]);
      expect($('[data-testid=work]')?.getAttribute('data-item-id')).toBe('100');
    } finally {
      (globalThis as any).Audio = realAudio;
    }
  });
});

describe('asking for work while the server is busy', () => {
  it('asks again while the answer is busy, then takes the unit', async () => {
    let n = 0;
    routes['GET /api/v1/work/next'] = () => (n++ < 2 ? [200, { status: 'nothing', reason: 'busy' }] : [200, { status: 'assigned', assignment: assignment(false, 3) }]);
    const res = await askForWork([1, 1, 1, 1]);
    expect(res.status).toBe('assigned');
    expect(n).toBe(3);
  });

  it('gives up after its waits and says so, kindly', async () => {
    let n = 0;
    routes['GET /api/v1/work/next'] = () => {
      n++;
      return [200, { status: 'nothing', reason: 'busy' }];
    };
    const res = await askForWork([1, 1]);
    expect(res.reason).toBe('busy');
    expect(n).toBe(3);
    await act(() => render(<NothingPanel reason="busy" />, root));
    expect($('[data-testid=no-work]')?.getAttribute('data-reason')).toBe('busy');
    expect($('[data-testid=no-work]')?.textContent).toContain('稍等');
  });

  it('never asks again for any other answer', async () => {
    let n = 0;
    routes['GET /api/v1/work/next'] = () => {
      n++;
      return [200, { status: 'nothing', reason: 'all_done' }];
    };
    expect((await askForWork([1, 1])).reason).toBe('all_done');
    expect(n).toBe(1);
  });
});
