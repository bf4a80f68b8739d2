// The order builder's rubric words (issue 27, part 5): each step's words in Chinese and English
// and an example per axis are typed in the builder and kept by the cleaned template the server
// checks; empty ones are left out.
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setLang } from '../i18n';
import { TemplateBuilder } from '../pages/client/TemplateBuilder';
import { checkTemplate, cleanTemplate, newQuestion } from './builder';
import { withExample, withStep } from './rubric/Words';
import type { Template } from './types';

let root: HTMLElement;
beforeEach(() => {
  setLang('zh-CN');
  root = document.createElement('div');
  document.body.appendChild(root);
});
afterEach(() => {
  render(null, root);
  root.remove();
});

function rubricTemplate(): Template {
  const t: Template = { layout: 'stacked', fields: [{ name: 'response_1', kind: 'markdown', title_zh: '回答', title_en: '' }], questions: [] };
  const q = newQuestion(t, 'rubric');
  q.title_zh = '打分';
  q.settings = { max: 3 };
  q.options = [
    { key: 'helpful', name_zh: '有用', name_en: 'Helpful' },
    { key: 'correct', name_zh: '正确', name_en: 'Correct' },
  ];
  return { ...t, questions: [q] };
}

const type = async (el: HTMLInputElement, v: string) => {
  await act(() => {
    el.value = v;
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
};

describe("a rubric's words in the builder", () => {
  it('keeps steps in order and drops empty examples', () => {
    expect(withStep(undefined, 3, { name_zh: '好' })).toEqual([{ value: 3, name_zh: '好', name_en: '' }]);
    expect(withStep([{ value: 3, name_zh: '好' }], 1, { name_zh: '差' }).map((s) => s.value)).toEqual([1, 3]);
    expect(withStep([{ value: 1, name_zh: '差' }], 1, { name_en: 'Bad' })).toEqual([{ value: 1, name_zh: '差', name_en: 'Bad' }]);
    expect(withExample({ helpful: 'x' }, 'helpful', '')).toEqual({});
    expect(withExample(undefined, 'correct', '算对了')).toEqual({ correct: '算对了' });
  });

  it('edits each step and each axis example, and the cleaned template keeps them', async () => {
    let tpl = rubricTemplate();
    const draw = () => act(() => render(<TemplateBuilder value={tpl} onChange={(x) => ((tpl = x), void draw())} error={null} datasetId={null} />, root));
    await draw();
    const steps = Array.from(root.querySelectorAll('[data-testid=tb-rubric-step]')) as HTMLElement[];
    expect(steps.map((s) => s.dataset.step)).toEqual(['1', '2', '3']);
    const examples = Array.from(root.querySelectorAll('[data-testid=tb-rubric-example]')) as HTMLElement[];
    expect(examples.map((e) => e.textContent)).toEqual(['“有用”的例子', '“正确”的例子']);
    await type(root.querySelector('input[name$=_step_3_zh]') as HTMLInputElement, '很好');
    await draw();
    await type(root.querySelector('input[name$=_step_3_en]') as HTMLInputElement, 'Great');
    await draw();
    await type(root.querySelector('input[name$=_step_1_zh]') as HTMLInputElement, '很差');
    await draw();
    await type(root.querySelector('input[name$=_example_helpful]') as HTMLInputElement, '回答了问题');
    await draw();
    const clean = cleanTemplate(tpl);
    expect(clean.questions[0].settings).toEqual({
      max: 3,
      steps: [
        { value: 1, name_zh: '很差', name_en: '' },
        { value: 3, name_zh: '很好', name_en: 'Great' },
      ],
      examples: { helpful: '回答了问题' },
    });
    expect(checkTemplate(clean)).toBeNull();
    // the words show in the builder's inputs as typed
    expect((root.querySelector('input[name$=_step_3_en]') as HTMLInputElement).value).toBe('Great');
    setLang('en');
    await draw();
    expect(root.querySelector('[data-testid=tb-rubric-words]')!.textContent).toContain('Words for each step');
  });
});
