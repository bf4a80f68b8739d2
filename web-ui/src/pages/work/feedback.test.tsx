import { render } from 'preact';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setLang } from '../../i18n';
import { shopTemplate } from '../../kinds/examples';
import type { OrderBrief, WorkItem } from '../../work/types';
import { FeedbackPanel } from './FeedbackPanel';

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

describe('training feedback on a template order', () => {
  it('says every question of the given and the right answer in the template\'s words', () => {
    const order = {
      id: 1, name: '练习', task_type: 'template', labels: [], template: shopTemplate(),
      instructions: '', instruction_examples: [], piece_rate_fen: 0, examples: [],
    } as unknown as OrderBrief;
    const item = { item_id: 5, kind: 'image', thumb_url: null, screen_url: null, text: null, width: 10, height: 10, answer: null, skip_reason: null } as unknown as WorkItem;
    render(
      <FeedbackPanel
        order={order}
        item={item}
        given={{ answer: { class: 'bike', stars: 2 }, skip: null } as never}
        result={{ correct: false, answer: { class: 'car', stars: 4 } } as never}
        arrived
        onNext={() => {}}
      />,
      root,
    );
    const text = root.textContent ?? '';
    // The options' Chinese names (the answer as the template words it), not their keys.
    const [car, bike] = ['车', '自行车'];
    expect(text).toContain(bike);
    expect(text).toContain(car);
    expect(text).not.toContain('bike');
    expect(root.querySelector('[data-state=wrong]')).not.toBeNull();
  });
});
