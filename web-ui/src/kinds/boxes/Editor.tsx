// The boxes question's editor: the workbench's BoxEditor on the question's picture, with the
// classes as its labels and a small form of attributes for the chosen box.

import { useRef } from 'preact/hooks';
import type { EditorProps } from '../index';
import { optionName, type AttributeDef } from '../types';
import { optionColour } from '../shared';
import { BoxEditor, type BoxControl } from '../../pages/work/BoxEditor';
import type { Box, LabelDef, OrderBrief, WorkItem } from '../../work/types';
import { t, type Lang } from '../../i18n';
import { Icon } from '../../components/Icon';
import { boxControls } from './controls';

export function BoxesEditor({ q, value, onChange, field, lang }: EditorProps) {
  const control = useRef<BoxControl | null>(null);
  boxControls.set(q.key, control);
  const labels: LabelDef[] = (q.options ?? []).map((o, i) => ({
    key: o.key,
    name_zh: o.name_zh,
    name_en: o.name_en || o.name_zh,
    colour: optionColour(q, i),
    hotkey: o.hotkey ?? null,
    examples: [],
  }));
  const order = { id: 0, name: '', task_type: 'bbox', labels, instructions: '', instruction_examples: [], piece_rate_fen: 0 } as OrderBrief;
  const item: WorkItem = {
    item_id: 0,
    kind: 'image',
    thumb_url: field?.thumb_url ?? null,
    screen_url: field?.screen_url ?? null,
    text: null,
    width: field?.width ?? null,
    height: field?.height ?? null,
    answer: null,
    skip_reason: null,
  };
  const attrs = q.settings?.attributes ?? [];
  const list = Array.isArray(value) ? (value as Box[]) : [];
  return (
    <div class="q-boxes" data-testid="q-boxes" data-question={q.key}>
      <BoxEditor
        key={q.key + (field?.screen_url ?? '')}
        order={order}
        item={item}
        initial={list}
        control={control}
        noDone
        onDone={() => {}}
        onChange={(bs) => onChange(bs)}
        footer={
          value === undefined ? (
            <button type="button" class="btn btn-plain opt-none" data-testid="boxes-none" data-question={q.key} onClick={() => onChange([])}>
              <Icon name="ban" />
              <span>{t('q_no_objects', {}, lang)}</span>
            </button>
          ) : null
        }
        boxForm={attrs.length ? (b, set) => <AttributeForm attrs={attrs} box={b} set={set} lang={lang} /> : undefined}
      />
    </div>
  );
}

/** A small form of a drawn object's attributes (a box's, a polygon's, …). */
export function AttributeForm({
  attrs,
  box,
  set,
  lang,
}: {
  attrs: AttributeDef[];
  box: { attributes?: Box['attributes'] };
  set: (p: { attributes: NonNullable<Box['attributes']> }) => void;
  lang: Lang;
}) {
  const cur = box.attributes ?? {};
  const put = (k: string, v: string | boolean | undefined) => {
    const next = { ...cur };
    if (v === undefined) delete next[k];
    else next[k] = v;
    set({ attributes: next });
  };
  return (
    <fieldset class="attr-form">
      <legend>
        <Icon name="tag" size={18} />
        {t('q_box_attributes', {}, lang)}
      </legend>
      {attrs.map((a) =>
        a.options && a.options.length ? (
          <div class="attr-row" role="radiogroup" aria-label={optionName(a, lang)} key={a.key}>
            <span class="attr-name">{optionName(a, lang)}</span>
            {a.options.map((o) => (
              <button
                type="button"
                key={o.key}
                role="radio"
                aria-checked={cur[a.key] === o.key}
                class={'btn btn-secondary attr-opt' + (cur[a.key] === o.key ? ' on' : '')}
                data-testid="attr-opt"
                data-attr={a.key}
                data-key={o.key}
                onClick={() => put(a.key, cur[a.key] === o.key ? undefined : o.key)}
              >
                {cur[a.key] === o.key && <Icon name="check" size={18} />}
                <span>{optionName(o, lang)}</span>
              </button>
            ))}
          </div>
        ) : (
          <label class="check attr-yesno" key={a.key}>
            <input
              type="checkbox"
              data-testid="attr-yes"
              data-attr={a.key}
              checked={cur[a.key] === true}
              onChange={(e) => put(a.key, e.currentTarget.checked)}
            />
            <span>{optionName(a, lang)}</span>
          </label>
        ),
      )}
    </fieldset>
  );
}
