// A template order's item for the lead: the fields, then each question with every
// annotator's answer side by side in their colour, the consensus and gold beside (each
// kind's own review view), and an override made with the workbench's own editors.

import { getLang, t } from '../../i18n';
import { Icon } from '../../components/Icon';
import { kindOf } from '../../kinds';
import { fieldsOfItem } from '../../kinds/template';
import { fieldTitle, questionTitle, type FormAnswer, type Template } from '../../kinds/types';
import { shownKind, WordsBody } from '../../llm/Words';
import type { ReviewItem } from '../../lead/review';
import { TemplateForm } from '../work/TemplateForm';

const get = (a: unknown, key: string): unknown => (a && typeof a === 'object' ? (a as FormAnswer)[key] : undefined);

export function TemplateReview({ template, item }: { template: Template; item: ReviewItem }) {
  const lang = getLang();
  const fields = fieldsOfItem(template, item);
  return (
    <div class="tpl-review" data-testid="template-review">
      <div class="tpl-review-fields">
        {fields.map(({ def, data }) =>
          def.kind === 'conversation' || def.kind === 'markdown' ? (
            <div class="review-words" key={def.name} data-field={def.name}>
              {fieldTitle(def, lang) && <h4 class="sub-head">{fieldTitle(def, lang)}</h4>}
              <WordsBody kind={shownKind(def.kind, data)} data={data} />
            </div>
          ) : def.kind === 'text' || !data.screen_url ? (
            <p class="review-text" key={def.name}>
              {data.text}
            </p>
          ) : (
            <img key={def.name} class="review-img" src={data.screen_url} alt={t('image_of_item')} />
          ),
        )}
      </div>
      {template.questions.map((q) => {
        const kind = kindOf(q.kind);
        if (!kind) return null;
        const answers = item.answers.filter((a) => a.answer).map((a) => ({ who: a.annotator_name, colour: a.colour, value: get(a.answer, q.key), flags: a.flags }));
        if (answers.every((a) => a.value === undefined) && get(item.consensus, q.key) === undefined && get(item.gold, q.key) === undefined) return null;
        const field = fields.find((f) => f.def.name === q.field)?.data;
        return (
          <section class="tpl-review-q" key={q.key}>
            <h4 class="sub-head">
              <Icon name={kind.icon} size={18} />
              {questionTitle(q, lang)}
            </h4>
            <kind.Review q={q} answers={answers} consensus={get(item.consensus, q.key)} gold={item.is_gold ? get(item.gold, q.key) : undefined} field={field} fields={fields.map((f) => f.data)} lang={lang} />
          </section>
        );
      })}
    </div>
  );
}

/** The override: the workbench's form, starting from the consensus (or gold). */
export function TemplateOverride({ template, item, onPick }: { template: Template; item: ReviewItem; onPick: (a: FormAnswer) => void }) {
  const start = (item.consensus ?? (item.is_gold ? item.gold : null)) as FormAnswer | null;
  return (
    <div class="override tpl-override" data-testid="template-override">
      <span>{t('override_with')}</span>
      <TemplateForm template={template} item={item} initial={start} narrow={false} keys={false} idPrefix={`ov${item.item_id}`} onSubmit={onPick} />
    </div>
  );
}
