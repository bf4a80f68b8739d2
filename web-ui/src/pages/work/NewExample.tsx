// The "new example" card: the order's instructions changed after it was published, and the
// annotator sees the new example once, before their next item — picture first, then its words,
// with a speaker (the words read aloud), and one big "got it".

import { t } from '../../i18n';
import { Icon } from '../../components/Icon';
import type { NewExample } from '../../work/types';
import { QuestionSpeaker } from './Question';

export function NewExampleCard({ example, onOk }: { example: NewExample; onOk: () => void }) {
  const pic = example.screen_url ?? example.thumb_url;
  return (
    <div class="work work-center" data-testid="new-example" data-version={example.version}>
      <section class="card new-example stack" aria-label={t('new_example_title')}>
        <h1 class="new-example-head">
          <Icon name="star" size={32} />
          <span>{t('new_example_title')}</span>
        </h1>
        {pic ? (
          <img class="new-example-pic" src={pic} alt={example.words} data-testid="new-example-pic" />
        ) : example.text ? (
          <p class="new-example-text" data-testid="new-example-text">
            {example.text}
          </p>
        ) : null}
        <p class="new-example-words" data-testid="new-example-words">
          <QuestionSpeaker text={example.words} testid="new-example-speak" />
          <span>{example.words}</span>
        </p>
        <p class="muted">{t('new_example_hint')}</p>
        <button type="button" class="btn btn-primary btn-big" data-testid="new-example-ok" onClick={onOk}>
          <Icon name="check" />
          <span>{t('new_example_ok')}</span>
        </button>
      </section>
    </div>
  );
}
