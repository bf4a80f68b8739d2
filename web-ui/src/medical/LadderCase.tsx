// One case of the expert ladder, as the expert and the doctor see it: every annotator's answer
// (and the expert's, for the doctor) in each question's review view — findings of all on one
// viewer, coloured per annotator, with a table — then the answer to give in the same editor
// the annotators used (starting from the expert's answer, else annotator A's), a note, and the
// decision: make it final (the form's give button), or for an expert, send it to the doctor.

import { useState } from 'preact/hooks';
import type { LadderDetail } from '../api';
import { getLang, t } from '../i18n';
import { Icon } from '../components/Icon';
import { Button, ErrorNote } from '../components/ui';
import { kindOf } from '../kinds';
import { questionTitle, type FormAnswer } from '../kinds/types';
import { fieldsOfItem } from '../kinds/template';
import { TemplateForm } from '../pages/work/TemplateForm';
import './viewer.css';

const WHO_COLOURS = ['#1e88e5', '#e53935', '#43a047', '#fb8c00', '#8e24aa', '#00897b', '#6d4c41'];

export function CaseView({
  c,
  mode,
  busy,
  error,
  onSettle,
  onRefer,
}: {
  c: LadderDetail;
  mode: 'expert' | 'doctor';
  busy: boolean;
  error: unknown;
  onSettle: (answer: FormAnswer, note: string) => void;
  onRefer?: (note: string) => void;
}) {
  const lang = getLang();
  const template = c.order.template;
  const fields = fieldsOfItem(template, c.item);
  const [note, setNote] = useState('');
  const layers = [
    ...c.answers.map((a, i) => ({ who: a.who, colour: WHO_COLOURS[i % WHO_COLOURS.length], value: a.answer })),
    ...(c.expert?.answer ? [{ who: t('dr_expert', {}, lang), colour: '#212121', value: c.expert.answer }] : []),
  ];
  const initial: FormAnswer | null = c.expert?.answer ?? c.answers[0]?.answer ?? null;
  return (
    <div class="ladder-case" data-testid="ladder-case">
      <section class="card" aria-labelledby="ladder-answers">
        <h2 id="ladder-answers">
          <Icon name="users" />
          <span>{t('ex_answers', {}, lang)}</span>
        </h2>
        {c.expert?.note && (
          <p class="ladder-note" data-testid="ladder-expert-note">
            <Icon name="message" /> {t('dr_expert', {}, lang)}：{c.expert.note}
          </p>
        )}
        {template.questions.map((q) => {
          const k = kindOf(q.kind);
          if (!k) return null;
          const field = fields.find((f) => f.def.name === q.field)?.data ?? fields[0]?.data;
          return (
            <div key={q.key} class="ladder-q" data-testid="ladder-question" data-question={q.key}>
              <h3>{questionTitle(q, lang)}</h3>
              <k.Review q={q} lang={lang} field={field} fields={fields.map((f) => f.data)} answers={layers.map((l) => ({ who: l.who, colour: l.colour, value: l.value?.[q.key] }))} />
            </div>
          );
        })}
      </section>
      <section class="card" aria-labelledby="ladder-yours">
        <h2 id="ladder-yours">
          <Icon name="edit" />
          <span>{t('ex_your_answer', {}, lang)}</span>
        </h2>
        <TemplateForm
          template={template}
          item={c.item}
          initial={initial}
          idPrefix={'ladder-' + mode}
          // no page keys: a refused decision must leave the form usable (a keyed form locks
          // itself once given); the finding editor and viewer keep their own keys
          keys={false}
          submitLabel={mode === 'expert' ? t('ex_settle', {}, lang) : t('dr_decide', {}, lang)}
          onSubmit={(a) => onSettle(a, note.trim())}
          footer={
            <div class="ladder-decide">
              <label class="ladder-note-field">
                <span>{t('ex_note', {}, lang)}</span>
                <textarea rows={2} maxLength={2000} value={note} data-testid="ladder-note" onInput={(e) => setNote((e.currentTarget as HTMLTextAreaElement).value)} />
              </label>
              {onRefer && <Button icon="send" label={t('ex_refer', {}, lang)} busy={busy} data-testid="ladder-refer" onClick={() => onRefer(note.trim())} />}
            </div>
          }
        />
        <ErrorNote error={error} />
      </section>
    </div>
  );
}
