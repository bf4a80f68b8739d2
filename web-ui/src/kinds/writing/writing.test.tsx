import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setLang } from '../../i18n';
import { TemplateForm } from '../../pages/work/TemplateForm';
import { checkTemplate, cleanTemplate } from '../builder';
import { kindOf } from '../index';
import type { Template } from '../types';
import { mostlyCjk, textDiff } from './diff';
import { Changes, WritingReview } from './Editor';

let root: HTMLElement;
const $ = (sel: string) => root.querySelector(sel) as HTMLElement | null;
const $$ = (sel: string) => [...root.querySelectorAll(sel)] as HTMLElement[];
async function settle(n = 6) {
  for (let i = 0; i < n; i++)
    await act(async () => {
      await new Promise((r) => setTimeout(r, 0));
    });
}
async function type(el: HTMLElement, text: string) {
  await act(async () => {
    (el as HTMLTextAreaElement).value = text;
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await settle();
}

const original = 'Beijing is the capital of China.';
const rewrite: Template = {
  layout: 'stacked',
  fields: [
    { name: 'prompt', kind: 'conversation', title_zh: '问题' },
    { name: 'response_1', kind: 'markdown', title_zh: '原回答' },
  ],
  questions: [{ key: 'answer', kind: 'writing', title_zh: '改写回答', field: 'prompt', settings: { rewrite: 'response_1', min_chars: 5, max_chars: 60 } }],
};
const write: Template = { ...rewrite, questions: [{ key: 'answer', kind: 'writing', title_zh: '写回答', field: 'prompt', settings: { min_chars: 5, max_chars: 60 } }] };
const item = {
  kind: 'text',
  fields: [
    { name: 'prompt', kind: 'conversation' as const, text: JSON.stringify([{ role: 'user', content: '中国的首都是哪里？' }]) },
    { name: 'response_1', kind: 'markdown' as const, text: original },
  ],
};

beforeEach(() => {
  setLang('zh-CN');
  root = document.createElement('div');
  document.body.appendChild(root);
});
afterEach(() => {
  render(null, root);
  root.remove();
});

describe('the writing kind', () => {
  it('checks answers as the server does (trimmed, limits, control characters)', () => {
    const k = kindOf('writing')!;
    const q = write.questions[0];
    expect(k.check(q, '  北京是首都。  ')).toBeNull();
    expect(k.check(q, '北京')).toEqual({ key: 'q_too_short', vars: { n: 2, min: 5 } });
    expect(k.check(q, '字'.repeat(61))).toEqual({ key: 'q_too_long', vars: { n: 61, max: 60 } });
    expect(k.check(q, '   ')).toEqual({ key: 'q_empty_text' });
    expect(k.check(q, '有\u0007控制字符')).toEqual({ key: 'q_bad' });
    expect(k.check(q, 42)).toEqual({ key: 'q_bad' });
    expect(k.normalise!(q, ' a\r\nb ')).toBe('a\nb');
    expect(k.isBlank!(q, ' \n ')).toBe(true);
  });

  it('is built and checked like the server: a rewrite names a text field', () => {
    expect(checkTemplate(cleanTemplate(rewrite))).toBeNull();
    const bad: Template = { ...rewrite, questions: [{ ...rewrite.questions[0], settings: { rewrite: 'prompt' } }] };
    expect(checkTemplate(bad)?.field).toBe('template.questions[0].settings.rewrite');
    const long: Template = { ...write, questions: [{ ...write.questions[0], settings: { max_chars: 9000 } }] };
    expect(checkTemplate(long)?.field).toBe('template.questions[0].settings');
    expect(cleanTemplate(rewrite).questions[0].settings).toEqual({ rewrite: 'response_1', min_chars: 5, max_chars: 60 });
  });
});

describe('the diff', () => {
  it('compares Chinese by character and English by word', () => {
    expect(mostlyCjk('北京是首都')).toBe(true);
    expect(mostlyCjk('Beijing is big')).toBe(false);
    const zh = textDiff('北京是首都', '北京是中国首都');
    expect(zh.filter((p) => p.added).map((p) => p.value)).toEqual(['中国']);
    const en = textDiff('Beijing is the capital', 'Beijing is a capital');
    expect(en.filter((p) => p.removed).map((p) => p.value)).toEqual(['the']);
    expect(en.filter((p) => p.added).map((p) => p.value)).toEqual(['a']);
  });

  it('draws removed words struck and added ones marked, or says nothing changed', async () => {
    await act(async () => render(<Changes before="北京是首都" after="北京是中国的首都" />, root));
    await settle(20);
    expect($$('ins').map((e) => e.textContent)).toEqual(['中国的']);
    expect($$('del')).toHaveLength(0);
    render(null, root);
    await act(async () => render(<Changes before="一样" after="一样" />, root));
    await settle(20);
    expect($('[data-testid="wr-diff"]')!.textContent).toBe('没有改动');
  });
});

describe('the writing editor', () => {
  it('starts a rewrite from the original, counts characters live, goes back to the original', async () => {
    let given: unknown = null;
    await act(async () => render(<TemplateForm template={rewrite} item={item} narrow={true} onSubmit={(a) => (given = a)} />, root));
    await settle();
    const box = $('[data-testid="writing-input"]') as HTMLTextAreaElement;
    expect(box.value).toBe(original);
    expect($('[data-testid="writing-count"]')!.textContent).toBe(`${original.length} 字（5–60）`);
    await type(box, 'Beijing, China’s capital, is old.');
    expect($('[data-testid="writing-count"]')!.textContent).toContain('33 字');
    // the changes against the original, word by word
    await act(async () => $('[data-testid="wr-changes"]')!.click());
    await settle(20);
    expect($$('[data-testid="wr-diff"] del').map((e) => e.textContent)).toContain('the ');
    // back to the original
    await act(async () => $('[data-testid="wr-restore"]')!.click());
    await act(async () => $('[data-testid="wr-write"]')!.click());
    expect(($('[data-testid="writing-input"]') as HTMLTextAreaElement).value).toBe(original);
    expect($('[data-testid="wr-restore"]')).toBeNull();
    await type($('[data-testid="writing-input"]')!, '  北京是中国的首都，有三千多年历史。 ');
    await act(async () => $('[data-testid="q-submit"]')!.click());
    await settle();
    expect(given).toEqual({ answer: '北京是中国的首都，有三千多年历史。' });
  });

  it('shows the answer as Markdown in the preview, and refuses a too short one', async () => {
    let given: unknown = null;
    await act(async () => render(<TemplateForm template={write} item={item} narrow={false} onSubmit={(a) => (given = a)} />, root));
    await settle();
    expect(($('[data-testid="writing-input"]') as HTMLTextAreaElement).value).toBe('');
    expect($('[data-testid="wr-changes"]')).toBeNull();
    await type($('[data-testid="writing-input"]')!, '短');
    await act(async () => $('[data-testid="q-submit"]')!.click());
    await settle();
    expect(given).toBeNull();
    expect(root.textContent).toContain('太短了');
    await type($('[data-testid="writing-input"]')!, '首都是 **北京**。\n\n- 历史悠久');
    await act(async () => $('[data-testid="wr-preview"]')!.click());
    await settle(20);
    const md = $('[data-testid="wr-md"]')!;
    expect(md.querySelector('strong')?.textContent).toBe('北京');
    expect(md.querySelector('li')?.textContent).toBe('历史悠久');
  });
});

describe('the writing review', () => {
  it('shows each rewrite as its changes against the original, with its flags', async () => {
    await act(async () =>
      render(
        <WritingReview
          q={rewrite.questions[0]}
          lang="zh-CN"
          fields={item.fields}
          answers={[
            { who: '小王', colour: '#f00', value: 'Beijing is the capital of China!', flags: ['unchanged'] },
            { who: '小李', colour: '#00f', value: 'China’s capital is Beijing.', flags: [] },
          ]}
        />,
        root,
      ),
    );
    await settle(20);
    const rows = $$('[data-testid="wr-answer"]');
    expect(rows).toHaveLength(2);
    expect(rows[0].querySelector('[data-testid="wr-flag"]')!.textContent).toBe('没改原文');
    expect(rows[1].querySelector('[data-testid="wr-flag"]')).toBeNull();
    expect([...rows[1].querySelectorAll('ins')].map((e) => e.textContent).join('')).toContain('China’s');
  });

  it('shows a written answer (no original) as Markdown', async () => {
    await act(async () =>
      render(<WritingReview q={write.questions[0]} lang="zh-CN" fields={item.fields} answers={[{ who: '小王', colour: '#f00', value: '**北京**', flags: ['copied_prompt'] }]} />, root),
    );
    await settle(20);
    expect($('[data-testid="wr-answer-md"] strong')?.textContent).toBe('北京');
    expect($('[data-testid="wr-flag"]')!.dataset.flag).toBe('copied_prompt');
  });
});
