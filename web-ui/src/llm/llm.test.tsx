import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setLang } from '../i18n';
import { TemplateForm } from '../pages/work/TemplateForm';
import type { Template } from '../kinds/types';
import { renderMarkdown } from './markdown';
import { Conversation, parseTurns } from './Conversation';
import { loadMarkdown } from './Markdown';
import { follow, syncScroll } from './sync';

let root: HTMLElement;
const $ = (sel: string) => root.querySelector(sel) as HTMLElement | null;
const $$ = (sel: string) => [...root.querySelectorAll(sel)] as HTMLElement[];
async function settle(n = 8) {
  for (let i = 0; i < n; i++)
    await act(async () => {
      await new Promise((r) => setTimeout(r, 0));
    });
}
/** The markup as a detached element, to look into. */
function html(src: string): HTMLElement {
  const d = document.createElement('div');
  d.innerHTML = renderMarkdown(src);
  return d;
}

beforeEach(() => {
  setLang('zh-CN');
  root = document.createElement('div');
  document.body.appendChild(root);
});
afterEach(() => {
  render(null, root);
  root.remove();
});

describe('markdown from the data never runs', () => {
  it('shows a <script> as words', () => {
    const d = html('hello <script>window.__pwned = 1</script> world');
    expect(d.querySelector('script')).toBeNull();
    expect(d.textContent).toContain('<script>window.__pwned = 1</script>');
  });

  it('shows raw HTML and an <img onerror> as words', () => {
    const d = html('<img src=x onerror="alert(1)">\n\n<div onclick="alert(2)">click</div>\n\n<iframe src="https://evil.example"></iframe>');
    expect(d.querySelector('img, iframe, [onclick], [onerror]')).toBeNull();
    expect(d.textContent).toContain('<img src=x onerror="alert(1)">');
    expect(d.textContent).toContain('<div onclick="alert(2)">click</div>');
  });

  it('makes a javascript: link inert and others safe', () => {
    for (const src of ['[go](javascript:alert(1))', '[go](JAVASCRIPT:alert(1))', '[go](vbscript:msgbox)', '[go](data:text/html;base64,PHNjcmlwdD4=)', '<javascript:alert(1)>']) {
      const d = html(src);
      for (const a of d.querySelectorAll('a')) expect(a.getAttribute('href') ?? '').not.toMatch(/^\s*(javascript|vbscript|data):/i);
      expect(d.innerHTML).not.toMatch(/href="\s*(javascript|vbscript|data):/i);
    }
    const a = html('[docs](https://example.com/a?b=1)').querySelector('a')!;
    expect(a.getAttribute('href')).toBe('https://example.com/a?b=1');
    expect(a.getAttribute('rel')).toBe('noopener nofollow noreferrer');
    expect(a.getAttribute('target')).toBe('_blank');
  });

  it('loads no picture from the data', () => {
    const d = html('![a cat](https://example.com/cat.png)');
    expect(d.querySelector('img')).toBeNull();
    const a = d.querySelector('a')!;
    expect(a.textContent).toContain('a cat');
    expect(a.getAttribute('href')).toBe('https://example.com/cat.png');
  });

  it('keeps no style or class of its own beyond the table alignment and code language', () => {
    const d = html('| a | b |\n|:--|--:|\n| 1 | 2 |');
    expect(d.querySelector('th')!.getAttribute('style')).toBe('text-align:left');
    const w = html('`x`{style="color:red"} <span style="color:red" class="evil">y</span>');
    expect(w.querySelector('[style], [class], span')).toBeNull();
  });
});

describe('markdown that is drawn', () => {
  it('draws a table in a box that scrolls sideways', () => {
    const d = html('| 城市 | 人口 |\n|---|---|\n| 北京 | 2189 万 |\n| 上海 | 2487 万 |');
    const box = d.querySelector('div.md-table')!;
    expect(box).not.toBeNull();
    expect(box.querySelectorAll('tbody tr')).toHaveLength(2);
    expect(box.querySelector('th')!.textContent).toBe('城市');
  });

  it('draws a code block, its HTML as words', () => {
    const d = html('```python\nprint("<b>hi</b>")\nx = 1 < 2\n```');
    const code = d.querySelector('pre > code')!;
    expect(code.className).toBe('language-python');
    expect(code.textContent).toBe('print("<b>hi</b>")\nx = 1 < 2\n');
    expect(d.querySelector('b')).toBeNull();
  });

  it('keeps line breaks and lists', () => {
    const d = html('第一行\n第二行\n\n- 一\n- 二');
    expect(d.querySelector('p br')).not.toBeNull();
    expect(d.querySelectorAll('li')).toHaveLength(2);
  });
});

describe('conversation', () => {
  it('reads turns and shows each with an icon, words as Markdown', async () => {
    await loadMarkdown();
    const turns = [
      { role: 'system', content: '你是助手' },
      { role: 'user', content: '写个 **表格** <script>x()</script>' },
      { role: 'assistant', content: '好的' },
    ];
    expect(parseTurns(JSON.stringify(turns)).map((t) => t.role)).toEqual(['system', 'user', 'assistant']);
    expect(parseTurns('just words')).toEqual([{ role: 'user', content: 'just words' }]);
    await act(async () => render(<Conversation text={JSON.stringify(turns)} />, root));
    await settle();
    const shown = $$('[data-testid="chat-turn"]');
    expect(shown.map((t) => t.dataset.role)).toEqual(['system', 'user', 'assistant']);
    expect(shown[1].querySelector('.chat-who svg')).not.toBeNull();
    expect(shown[1].querySelector('.chat-who')!.getAttribute('aria-label')).toBe('用户');
    expect(shown[1].querySelector('strong')!.textContent).toBe('表格');
    expect(root.querySelector('script')).toBeNull();
  });
});

describe('answers scroll together', () => {
  function box(scrollHeight: number, clientHeight: number): HTMLElement {
    const el = document.createElement('div');
    Object.defineProperty(el, 'scrollHeight', { value: scrollHeight });
    Object.defineProperty(el, 'clientHeight', { value: clientHeight });
    let top = 0;
    Object.defineProperty(el, 'scrollTop', {
      get: () => top,
      set: (v: number) => {
        top = Math.max(0, Math.min(v, scrollHeight - clientHeight));
      },
    });
    return el;
  }

  it('moves the twin to the same share of its height', () => {
    const a = box(1100, 100);
    const b = box(2100, 100);
    a.scrollTop = 500;
    follow(a, b);
    expect(b.scrollTop).toBe(1000);
    const short = box(100, 100);
    follow(a, short);
    expect(short.scrollTop).toBe(0);
  });

  it('follows a scroll either way, not back and forth, and stops when told', () => {
    const a = box(1100, 100);
    const b = box(600, 100);
    let on = true;
    const stop = syncScroll([a, b], () => on);
    a.scrollTop = 250;
    a.dispatchEvent(new Event('scroll'));
    expect(b.scrollTop).toBe(125);
    // the twin's own scroll event (from the move) moves nothing back
    b.dispatchEvent(new Event('scroll'));
    expect(a.scrollTop).toBe(250);
    b.scrollTop = 500;
    b.dispatchEvent(new Event('scroll'));
    expect(a.scrollTop).toBe(1000);
    a.dispatchEvent(new Event('scroll'));
    on = false;
    b.scrollTop = 0;
    b.dispatchEvent(new Event('scroll'));
    expect(a.scrollTop).toBe(1000);
    on = true;
    // a reader's scroll in the same frame as the follow (one event for both) still counts
    a.scrollTop = 200;
    a.dispatchEvent(new Event('scroll'));
    expect(b.scrollTop).toBe(100);
    b.scrollTop = 400;
    b.dispatchEvent(new Event('scroll'));
    expect(a.scrollTop).toBe(800);
    stop();
    b.scrollTop = 250;
    b.dispatchEvent(new Event('scroll'));
    expect(a.scrollTop).toBe(800);
  });
});

describe('an LLM item on the workbench', () => {
  const template: Template = {
    layout: 'side_by_side',
    fields: [
      { name: 'prompt', kind: 'conversation', title_zh: '问题' },
      { name: 'response_1', kind: 'markdown', title_zh: '回答 A' },
      { name: 'response_2', kind: 'markdown', title_zh: '回答 B' },
    ],
    questions: [
      {
        key: 'better',
        kind: 'choice',
        title_zh: '哪个更好?',
        options: [
          { key: 'a', name_zh: 'A' },
          { key: 'b', name_zh: 'B' },
          { key: 'tie', name_zh: '一样' },
        ],
      },
    ],
  };
  const item = {
    kind: 'text',
    fields: [
      { name: 'prompt', kind: 'conversation' as const, text: JSON.stringify([{ role: 'user', content: '比较 <img src=x onerror=alert(1)>' }]) },
      { name: 'response_1', kind: 'markdown' as const, text: '| a | b |\n|---|---|\n| 1 | 2 |', model: 'qwen' },
      { name: 'response_2', kind: 'markdown' as const, text: '```js\nalert(1)\n```' },
    ],
  };

  it('shows the prompt over two answers side by side on a laptop, and takes an answer', async () => {
    let given: unknown = null;
    await act(async () => render(<TemplateForm template={template} item={item} narrow={false} onSubmit={(a) => (given = a)} />, root));
    await settle();
    expect($('[data-field="prompt"] [data-testid="chat"]')).not.toBeNull();
    const pair = $('[data-testid="llm-pair"]')!;
    expect(pair.dataset.side).toBe('true');
    expect($$('[data-testid="llm-pair"] [data-testid="md-scroll"]')).toHaveLength(2);
    expect(pair.querySelector('[data-field="response_1"] table')).not.toBeNull();
    expect(pair.querySelector('[data-field="response_1"] [data-testid="md-model"]')!.textContent).toContain('qwen');
    expect(pair.querySelector('[data-field="response_2"] pre code')!.textContent).toBe('alert(1)\n');
    expect(root.querySelector('img')).toBeNull();
    const opt = $$('[data-testid="q-card"] button').find((b) => b.textContent?.includes('一样'))!;
    await act(async () => opt.click());
    await act(async () => $('[data-testid="q-submit"]')!.click());
    expect(given).toEqual({ better: 'tie' });
  });

  it('stacks the answers on a phone', async () => {
    await act(async () => render(<TemplateForm template={template} item={item} narrow={true} onSubmit={() => {}} />, root));
    await settle();
    expect($('[data-testid="llm-pair"]')!.dataset.side).toBe('false');
    expect($$('[data-testid="tpl-field"]').map((f) => f.dataset.field)).toEqual(['prompt', 'response_1', 'response_2']);
  });
});
