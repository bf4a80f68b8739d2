// The client's template builder (task type 模板): the fields each item shows and their layout,
// the questions (kind, wording, options with hotkeys and icons, required, a condition on an
// earlier choice or rating, the kind's settings), moved up and down; beside it a live preview
// that is the workbench's own TemplateForm on a sample item of the dataset. A problem (ours,
// or the server's 422 by its `error.field` path) shows at the question it names.

import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type Items } from '../../api';
import { getLang, t, type Key } from '../../i18n';
import { Icon } from '../../components/Icon';
import { Button, useLoad } from '../../components/ui';
import { KIND_NAMES, kindOf } from '../../kinds';
import { adaptStarter, cleanTemplate, checkTemplate, defaultSkeleton, moveQuestion, parseEdges, newAttribute, newOption, newQuestion, questionOfPath, removeQuestion, sameTemplate, starterTemplate, withKind } from '../../kinds/builder';
import { DEFAULT_MAX_FINDINGS } from '../../kinds/finding/model';
import type { AttributeDef, FieldDef, KindName, Layout, OptionDef, Question, Settings, Skeleton, SkeletonPoint, Template } from '../../kinds/types';
import { TemplateForm } from '../work/TemplateForm';
import { OptionIcon } from '../../kinds/shared';
import type { Item } from './Dataset';
import { RubricWordsEditor } from '../../kinds/rubric/Words';

export interface BuilderError {
  field: string;
  text: string;
  detail?: string;
}

const LAYOUTS: Layout[] = ['one', 'side_by_side', 'swipe', 'stacked'];

export function TemplateBuilder({
  value,
  onChange,
  error,
  datasetId,
}: {
  value: Template;
  onChange: (t: Template) => void;
  error: BuilderError | null;
  datasetId: number | null;
}) {
  const tpl = value;
  const setQ = (i: number, patch: Partial<Question>) => onChange({ ...tpl, questions: tpl.questions.map((q, j) => (j === i ? { ...q, ...patch } : q)) });
  const setField = (i: number, patch: Partial<FieldDef>) => onChange({ ...tpl, fields: tpl.fields.map((f, j) => (j === i ? { ...f, ...patch } : f)) });
  const errQ = error ? questionOfPath(error.field) : null;
  const sample = useLoad(
    () => (datasetId ? api.get<Items<Item>>(`/datasets/${datasetId}/items?limit=1`).then((r) => r.items[0] ?? null) : Promise.resolve(null)),
    [datasetId],
  );
  // the starter last put in: while the template is still it, the dataset's own fields replace it
  // (a finding on a series, a choice on a picture or a text); once the client changed anything,
  // their work stays, whatever dataset they pick
  const started = useRef(starterTemplate());
  useEffect(() => {
    const fields = sample.data?.fields;
    const next = fields?.length ? adaptStarter(tpl, started.current, fields) : null;
    if (!next) return;
    started.current = next;
    if (!sameTemplate(next, tpl)) onChange(next);
  }, [sample.data]);
  const errText = (where: string): ComponentChildren =>
    error && error.field.startsWith(where) && (where !== 'template.questions' || errQ === null) ? <ErrorLine e={error} /> : null;
  return (
    <div class="tb" data-testid="template-builder" id="f-template">
      <div class="tb-edit">
        <fieldset class="group" id="f-template.layout">
          <legend>{t('tb_layout')}</legend>
          <div class="choices" role="radiogroup">
            {LAYOUTS.map((l) => (
              <label class={'choice' + ((tpl.layout ?? 'one') === l ? ' on' : '')} key={l}>
                <input type="radio" name="tb_layout" value={l} checked={(tpl.layout ?? 'one') === l} onChange={() => onChange({ ...tpl, layout: l })} />
                <span>{t(('layout_' + l) as Key)}</span>
              </label>
            ))}
          </div>
          {errText('template.layout')}
        </fieldset>
        <fieldset class="group" id="f-template.fields">
          <legend>{t('tb_fields')}</legend>
          <ol class="tb-list">
            {tpl.fields.map((f, i) => (
              <li class="tb-row" key={i} data-testid="tb-field">
                <label class="field">
                  <span class="field-label">{t('tb_field_name')}</span>
                  <input lang="en" name={`tb_field_name_${i}`} value={f.name} onInput={(e) => setField(i, { name: e.currentTarget.value })} />
                </label>
                <label class="field field-small">
                  <span class="field-label">{t('tb_field_kind')}</span>
                  <select value={f.kind} onChange={(e) => setField(i, { kind: e.currentTarget.value as FieldDef['kind'] })}>
                    <option value="image">{t('tb_field_image')}</option>
                    <option value="text">{t('tb_field_text')}</option>
                    <option value="conversation">{t('tb_field_conversation')}</option>
                    <option value="markdown">{t('tb_field_markdown')}</option>
                    <option value="series">{t('tb_field_series')}</option>
                  </select>
                </label>
                <label class="field">
                  <span class="field-label">{t('tb_field_title_zh')}</span>
                  <input value={f.title_zh ?? ''} onInput={(e) => setField(i, { title_zh: e.currentTarget.value })} />
                </label>
                <label class="field">
                  <span class="field-label">{t('tb_field_title_en')}</span>
                  <input lang="en" value={f.title_en ?? ''} onInput={(e) => setField(i, { title_en: e.currentTarget.value })} />
                </label>
                <button
                  type="button"
                  class="btn btn-plain icon-btn"
                  aria-label={t('tb_remove_field', { n: i + 1 })}
                  title={t('tb_remove_field', { n: i + 1 })}
                  disabled={tpl.fields.length <= 1}
                  onClick={() => onChange({ ...tpl, fields: tpl.fields.filter((_, j) => j !== i) })}
                >
                  <Icon name="trash" />
                </button>
              </li>
            ))}
          </ol>
          {errText('template.fields')}
          <Button
            icon="plus"
            label={t('tb_add_field')}
            disabled={tpl.fields.length >= 8}
            onClick={() => onChange({ ...tpl, fields: [...tpl.fields, { name: 'field' + (tpl.fields.length + 1), kind: 'image', title_zh: '', title_en: '' }] })}
          />
        </fieldset>
        <fieldset class="group" id="f-template.questions">
          <legend>{t('tb_questions')}</legend>
          {errText('template.questions')}
          <ol class="tb-questions">
            {tpl.questions.map((q, i) => (
              <QuestionEditor
                key={i}
                tpl={tpl}
                q={q}
                i={i}
                set={(p) => setQ(i, p)}
                onMove={(d) => onChange(moveQuestion(tpl, i, d))}
                onRemove={() => onChange(removeQuestion(tpl, i))}
                error={errQ === i ? error : null}
              />
            ))}
          </ol>
          <div class="btn-row">
            <Button
              icon="plus"
              label={t('tb_add_question')}
              data-testid="tb-add-question"
              disabled={tpl.questions.length >= 30}
              onClick={() => onChange({ ...tpl, questions: [...tpl.questions, newQuestion(tpl, 'choice')] })}
            />
          </div>
        </fieldset>
      </div>
      <Preview tpl={tpl} sample={sample.data ?? null} />
    </div>
  );
}

function ErrorLine({ e }: { e: BuilderError }) {
  return (
    <p class="field-error" role="alert" data-testid={`error-${e.field}`}>
      <Icon name="alert" size={18} />
      <span>
        {e.text}
        {e.detail && (
          <small class="err-detail" lang="en">
            {e.detail}
          </small>
        )}
      </span>
    </p>
  );
}

/** Text typed for a value: kept as typed while it reads as the value, else the value's own. */
function useTyped<V>(value: V, read: (s: string) => V, show: (v: V) => string): [string, (s: string) => void] {
  const [text, setText] = useState(() => show(value));
  const shown = JSON.stringify(read(text)) === JSON.stringify(value) ? text : show(value);
  return [shown, setText];
}

function num(s: string): number | undefined {
  const x = s.trim();
  if (!x) return undefined;
  const n = Number(x);
  return Number.isFinite(n) ? n : undefined;
}

function QuestionEditor({
  tpl,
  q,
  i,
  set,
  onMove,
  onRemove,
  error,
}: {
  tpl: Template;
  q: Question;
  i: number;
  set: (p: Partial<Question>) => void;
  onMove: (d: -1 | 1) => void;
  onRemove: () => void;
  error: BuilderError | null;
}) {
  const lang = getLang();
  const kind = kindOf(q.kind);
  const earlier = tpl.questions.slice(0, i).filter((x) => kindOf(x.kind)?.conditions);
  const cond = q.when ? tpl.questions.find((x) => x.key === q.when!.question) : undefined;
  const opts = q.options ?? [];
  const s = q.settings ?? {};
  const setS = (p: Partial<Settings>) => set({ settings: { ...s, ...p } });
  const pre = `tbq${i}`;
  // a drawing kind is about a field of its own kind: a picture, or a medical series
  const fieldKind = kind?.needsImage ? 'image' : kind?.needsSeries ? 'series' : null;
  return (
    <li class={'tb-q card' + (error ? ' has-problem' : '')} data-testid="tb-question" data-index={i} id={`f-template.questions[${i}]`}>
      <header class="tb-q-head">
        <strong>{t('tb_question_n', { n: i + 1 })}</strong>
        {kind && <Icon name={kind.icon} />}
        <span class="tb-q-tools">
          <button type="button" class="btn btn-plain icon-btn" aria-label={t('tb_up')} title={t('tb_up')} disabled={i === 0} data-testid="tb-up" onClick={() => onMove(-1)}>
            <Icon name="up" />
          </button>
          <button type="button" class="btn btn-plain icon-btn" aria-label={t('tb_down')} title={t('tb_down')} disabled={i === tpl.questions.length - 1} data-testid="tb-down" onClick={() => onMove(1)}>
            <Icon name="down" />
          </button>
          <button type="button" class="btn btn-plain icon-btn" aria-label={t('tb_remove_question', { n: i + 1 })} title={t('tb_remove_question', { n: i + 1 })} data-testid="tb-remove" onClick={onRemove}>
            <Icon name="trash" />
          </button>
        </span>
      </header>
      {error && <ErrorLine e={error} />}
      <div class="form-grid">
        <label class="field">
          <span class="field-label">{t('tb_kind')}</span>
          <select name={`${pre}_kind`} data-testid="tb-kind" value={q.kind} onChange={(e) => set(withKind(q, e.currentTarget.value as KindName, tpl))}>
            {KIND_NAMES.map((k) => (
              <option value={k} key={k}>
                {t(('kind_' + k) as Key)}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          <span class="field-label">{t('tb_title_zh')}</span>
          <input name={`${pre}_title_zh`} data-testid="tb-title-zh" value={q.title_zh} onInput={(e) => set({ title_zh: e.currentTarget.value })} />
        </label>
        <label class="field">
          <span class="field-label">{t('tb_title_en')}</span>
          <input name={`${pre}_title_en`} lang="en" value={q.title_en ?? ''} onInput={(e) => set({ title_en: e.currentTarget.value })} />
        </label>
        <label class="field field-small">
          <span class="field-label">{t('tb_key')}</span>
          <input name={`${pre}_key`} lang="en" value={q.key} onInput={(e) => set({ key: e.currentTarget.value })} />
        </label>
        <label class="field">
          <span class="field-label">{t('tb_field')}</span>
          <select name={`${pre}_field`} value={q.field ?? ''} onChange={(e) => set({ field: e.currentTarget.value || null })}>
            {!fieldKind && <option value="">{t('tb_whole_item')}</option>}
            {tpl.fields
              .filter((f) => !fieldKind || f.kind === fieldKind)
              .map((f) => (
                <option value={f.name} key={f.name}>
                  {f.name}
                </option>
              ))}
          </select>
        </label>
        <label class="check">
          <input type="checkbox" name={`${pre}_required`} checked={q.required !== false} onChange={(e) => set({ required: e.currentTarget.checked })} />
          <span>{t('tb_required')}</span>
        </label>
      </div>
      {earlier.length > 0 && (
        <div class="tb-when">
          <label class="field">
            <span class="field-label">{t('tb_when')}</span>
            <select
              name={`${pre}_when`}
              data-testid="tb-when"
              value={q.when?.question ?? ''}
              onChange={(e) => set({ when: e.currentTarget.value ? { question: e.currentTarget.value, any_of: [] } : null })}
            >
              <option value="">{t('tb_when_none')}</option>
              {earlier.map((x) => (
                <option value={x.key} key={x.key}>
                  {x.title_zh || x.key}
                </option>
              ))}
            </select>
          </label>
          {cond && (
            <div class="choices" role="group" aria-label={t('tb_when_any')}>
              <span>{t('tb_when_any')}</span>
              {(cond.options ?? []).map((o) => (
                <label class={'check' + (q.when!.any_of.includes(o.key) ? ' on' : '')} key={o.key}>
                  <input
                    type="checkbox"
                    data-testid="tb-when-option"
                    data-key={o.key}
                    checked={q.when!.any_of.includes(o.key)}
                    onChange={(e) =>
                      set({
                        when: {
                          question: cond.key,
                          any_of: e.currentTarget.checked ? [...q.when!.any_of, o.key] : q.when!.any_of.filter((k) => k !== o.key),
                        },
                      })
                    }
                  />
                  <span>{(lang === 'en' ? o.name_en || o.name_zh : o.name_zh) || o.key}</span>
                </label>
              ))}
            </div>
          )}
        </div>
      )}
      {kind && (kind.minOptions > 0 || kind.optionalOptions) && (
        <div class="tb-options">
          <h4 class="sub-head">{t(q.kind === 'rating' ? 'tb_steps' : q.kind === 'boxes' ? 'tb_classes' : 'tb_options')}</h4>
          <OptionRows opts={opts} onChange={(o) => set({ options: o })} name={`${pre}_opt`} fresh={() => newOption(opts, q.kind === 'rating' ? 's' : 'o')} />
        </div>
      )}
      {kind && kind.settings.length > 0 && (
        <div class="form-grid tb-settings">
          {kind.settings.includes('min') && <NumIn label={t('tb_min')} name={`${pre}_min`} value={s.min} onValue={(v) => setS({ min: v })} />}
          {kind.settings.includes('max') && <NumIn label={t('tb_max')} name={`${pre}_max`} value={s.max} onValue={(v) => setS({ max: v })} />}
          {kind.settings.includes('step') && <NumIn label={t('tb_step')} name={`${pre}_step`} value={s.step} onValue={(v) => setS({ step: v })} />}
          {kind.settings.includes('unit') && (
            <label class="field field-small">
              <span class="field-label">{t('tb_unit')}</span>
              <input name={`${pre}_unit`} maxLength={10} value={s.unit ?? ''} onInput={(e) => setS({ unit: e.currentTarget.value })} />
            </label>
          )}
          {kind.settings.includes('min_chars') && <NumIn label={t('tb_min_chars')} name={`${pre}_min_chars`} value={s.min_chars} onValue={(v) => setS({ min_chars: v })} />}
          {kind.settings.includes('max_chars') && <NumIn label={t('tb_max_chars')} name={`${pre}_max_chars`} value={s.max_chars} onValue={(v) => setS({ max_chars: v })} />}
          {q.kind === 'writing' && (
            <label class="field field-small">
              <span class="field-label">{t('tb_rewrite')}</span>
              <select name={`${pre}_rewrite`} value={s.rewrite ?? ''} onChange={(e) => setS({ rewrite: e.currentTarget.value || undefined })}>
                <option value="">{t('tb_rewrite_none')}</option>
                {tpl.fields
                  .filter((f) => f.kind === 'text' || f.kind === 'markdown')
                  .map((f) => (
                    <option key={f.name} value={f.name}>
                      {f.name}
                    </option>
                  ))}
              </select>
            </label>
          )}
          {kind.settings.includes('tolerance') && <NumIn label={t('tb_tolerance')} name={`${pre}_tolerance`} value={s.tolerance} onValue={(v) => setS({ tolerance: v })} />}
          {kind.settings.includes('ties') && (
            <label class="check">
              <input type="checkbox" name={`${pre}_ties`} checked={s.ties === true} onChange={(e) => setS({ ties: e.currentTarget.checked })} />
              <span>{t('tb_ties')}</span>
            </label>
          )}
          {kind.settings.includes('outline') && (
            <label class="check">
              <input type="checkbox" name={`${pre}_outline`} checked={s.outline === true} onChange={(e) => setS({ outline: e.currentTarget.checked })} />
              <span>{t('tb_fd_outline')}</span>
            </label>
          )}
          {kind.settings.includes('match_mm') && <NumIn label={t('tb_fd_match_mm')} name={`${pre}_match_mm`} value={s.match_mm} onValue={(v) => setS({ match_mm: v })} />}
          {kind.settings.includes('max_findings') && (
            <NumIn label={t('tb_fd_max_findings')} name={`${pre}_max_findings`} value={s.max_findings} placeholder={String(DEFAULT_MAX_FINDINGS)} onValue={(v) => setS({ max_findings: v })} />
          )}
        </div>
      )}
      {kind?.settings.includes('attributes') && (
        <AttributesEditor attrs={s.attributes ?? []} pre={pre} finding={q.kind === 'finding'} onChange={(a) => setS({ attributes: a })} />
      )}
      {kind?.settings.includes('steps') && <RubricWordsEditor q={q} pre={pre} setS={setS} />}
      {kind?.settings.includes('skeleton') && <SkeletonEditor skeleton={s.skeleton ?? defaultSkeleton()} onChange={(sk) => setS({ skeleton: sk })} />}
      <label class="field">
        <span class="field-label">{t('tb_read_aloud')}</span>
        <input name={`${pre}_read_aloud`} maxLength={300} value={q.read_aloud ?? ''} onInput={(e) => set({ read_aloud: e.currentTarget.value })} />
      </label>
    </li>
  );
}

function NumIn({
  label,
  name,
  value,
  placeholder,
  onValue,
}: {
  label: string;
  name: string;
  value: number | undefined;
  /** Shown while blank: what blank means (the server's default). */
  placeholder?: string;
  onValue: (v: number | undefined) => void;
}) {
  // typed text is kept as typed ("1." survives); the number follows, and a value changed
  // from outside (a question moved up or down) shows
  const [text, setText] = useTyped(value, (s) => num(s), (v) => (v === undefined ? '' : String(v)));
  return (
    <label class="field field-small">
      <span class="field-label">{label}</span>
      <input
        name={name}
        inputMode="decimal"
        placeholder={placeholder}
        value={text}
        onInput={(e) => {
          setText(e.currentTarget.value);
          onValue(num(e.currentTarget.value));
        }}
      />
    </label>
  );
}

/** A list of options, each its names and key — and, for a question's own options (`full`),
 * its colour, hotkey and icon — removable; and a button for one more. Inputs are named
 * `${name}_zh_${j}`, …. */
function OptionRows({ opts, onChange, name, fresh, full = true }: { opts: OptionDef[]; onChange: (o: OptionDef[]) => void; name: string; fresh: () => OptionDef; full?: boolean }) {
  const setO = (j: number, p: Partial<OptionDef>) => onChange(opts.map((o, k) => (k === j ? { ...o, ...p } : o)));
  const tid = full ? 'tb-option' : 'tb-attr-option';
  return (
    <>
      <ol class="tb-list">
        {opts.map((o, j) => (
          <li class="tb-row" key={j} data-testid={tid}>
            {full && (
              <span class="swatch" style={{ background: o.colour || '#888' }} aria-hidden="true">
                {o.icon ? <OptionIcon icon={o.icon} size={18} /> : o.hotkey || '·'}
              </span>
            )}
            <label class="field">
              <span class="field-label">{t('tb_option_zh')}</span>
              <input name={`${name}_zh_${j}`} data-testid={`${tid}-zh`} value={o.name_zh} onInput={(e) => setO(j, { name_zh: e.currentTarget.value })} />
            </label>
            <label class="field">
              <span class="field-label">{t('tb_option_en')}</span>
              <input name={`${name}_en_${j}`} lang="en" value={o.name_en ?? ''} onInput={(e) => setO(j, { name_en: e.currentTarget.value })} />
            </label>
            <label class="field field-small">
              <span class="field-label">{t('tb_option_key')}</span>
              <input name={`${name}_key_${j}`} lang="en" value={o.key} onInput={(e) => setO(j, { key: e.currentTarget.value })} />
            </label>
            {full && (
              <>
                <label class="field field-small">
                  <span class="field-label">{t('tb_option_hotkey')}</span>
                  <input name={`${name}_hotkey_${j}`} data-testid="tb-option-hotkey" maxLength={1} value={o.hotkey ?? ''} onInput={(e) => setO(j, { hotkey: e.currentTarget.value.slice(0, 1) || null })} />
                </label>
                <label class="field field-small">
                  <span class="field-label">{t('tb_option_icon')}</span>
                  <input name={`${name}_icon_${j}`} maxLength={20} value={o.icon ?? ''} onInput={(e) => setO(j, { icon: e.currentTarget.value || null })} />
                </label>
              </>
            )}
            <button
              type="button"
              class="btn btn-plain icon-btn"
              aria-label={t('tb_remove_option', { n: j + 1 })}
              title={t('tb_remove_option', { n: j + 1 })}
              onClick={() => onChange(opts.filter((_, k) => k !== j))}
            >
              <Icon name="trash" />
            </button>
          </li>
        ))}
      </ol>
      <Button icon="plus" label={t('tb_add_option')} data-testid={`${full ? 'tb' : 'tb-attr'}-add-option`} onClick={() => onChange([...opts, fresh()])} />
    </>
  );
}

/** The small form asked on each drawn object (a box, a shape, a finding): each attribute's
 * names, key, whether it must be given, and its options (none: yes/no; a finding's need 2 or more). */
function AttributesEditor({ attrs, pre, finding, onChange }: { attrs: AttributeDef[]; pre: string; finding: boolean; onChange: (a: AttributeDef[]) => void }) {
  const set = (i: number, p: Partial<AttributeDef>) => onChange(attrs.map((a, j) => (j === i ? { ...a, ...p } : a)));
  return (
    <div class="tb-options">
      <h4 class="sub-head">{t(finding ? 'tb_attributes_finding' : 'tb_attributes')}</h4>
      <ol class="tb-list">
        {attrs.map((a, i) => {
          const opts = a.options ?? [];
          const name = `${pre}_attr${i}`;
          return (
            <li class="tb-attr" key={i} data-testid="tb-attribute">
              <div class="tb-row">
                <label class="field">
                  <span class="field-label">{t('tb_attr_zh')}</span>
                  <input name={`${name}_zh`} value={a.name_zh} onInput={(e) => set(i, { name_zh: e.currentTarget.value })} />
                </label>
                <label class="field">
                  <span class="field-label">{t('tb_attr_en')}</span>
                  <input name={`${name}_en`} lang="en" value={a.name_en ?? ''} onInput={(e) => set(i, { name_en: e.currentTarget.value })} />
                </label>
                <label class="field field-small">
                  <span class="field-label">{t('tb_key')}</span>
                  <input name={`${name}_key`} lang="en" value={a.key} onInput={(e) => set(i, { key: e.currentTarget.value })} />
                </label>
                <label class="check">
                  <input type="checkbox" name={`${name}_required`} checked={a.required === true} onChange={(e) => set(i, { required: e.currentTarget.checked })} />
                  <span>{t('tb_attr_required')}</span>
                </label>
                <button type="button" class="btn btn-plain icon-btn" aria-label={t('tb_remove_attribute', { n: i + 1 })} title={t('tb_remove_attribute', { n: i + 1 })} onClick={() => onChange(attrs.filter((_, j) => j !== i))}>
                  <Icon name="trash" />
                </button>
              </div>
              <div class="tb-attr-options" role="group" aria-label={t(finding ? 'tb_attr_options_needed' : 'tb_attr_options')}>
                <span class="field-label">{t(finding ? 'tb_attr_options_needed' : 'tb_attr_options')}</span>
                <OptionRows opts={opts} onChange={(o) => set(i, { options: o })} name={`${name}_opt`} full={false} fresh={() => newOption(opts, `${a.key}_`, false)} />
              </div>
            </li>
          );
        })}
      </ol>
      <Button icon="plus" label={t('tb_add_attribute')} data-testid="tb-add-attribute" onClick={() => onChange([...attrs, newAttribute(attrs)])} />
    </div>
  );
}

/** A keypoints question's skeleton: its points in order (name, key, sigma) and the edges. */
function SkeletonEditor({ skeleton, onChange }: { skeleton: Skeleton; onChange: (s: Skeleton) => void }) {
  const pts = skeleton.points;
  const set = (i: number, p: Partial<SkeletonPoint>) => onChange({ ...skeleton, points: pts.map((x, j) => (j === i ? { ...x, ...p } : x)) });
  const [edges, setEdges] = useTyped(
    skeleton.edges,
    (v) => parseEdges(v) ?? skeleton.edges,
    (es) => es.map(([a, b]) => `${a}-${b}`).join(', '),
  );
  return (
    <div class="tb-options" data-testid="tb-skeleton">
      <h4 class="sub-head">{t('tb_skeleton')}</h4>
      <ol class="tb-list" start={0}>
        {pts.map((p, i) => (
          <li class="tb-row" key={i} data-testid="tb-skeleton-point">
            <label class="field">
              <span class="field-label">{t('tb_attr_zh')}</span>
              <input value={p.name_zh} onInput={(e) => set(i, { name_zh: e.currentTarget.value })} />
            </label>
            <label class="field field-small">
              <span class="field-label">{t('tb_key')}</span>
              <input lang="en" value={p.key} onInput={(e) => set(i, { key: e.currentTarget.value })} />
            </label>
            <NumIn label={t('tb_sigma')} name={`sk_sigma_${i}`} value={p.sigma} onValue={(v) => set(i, { sigma: v ?? 0 })} />
            <button
              type="button"
              class="btn btn-plain icon-btn"
              aria-label={t('tb_remove_attribute', { n: i + 1 })}
              disabled={pts.length < 2}
              onClick={() =>
                onChange({
                  points: pts.filter((_, j) => j !== i),
                  edges: skeleton.edges.filter((e) => !e.includes(i)).map(([a, b]) => [a > i ? a - 1 : a, b > i ? b - 1 : b] as [number, number]),
                })
              }
            >
              <Icon name="trash" />
            </button>
          </li>
        ))}
      </ol>
      <Button icon="plus" label={t('tb_add_point')} onClick={() => onChange({ ...skeleton, points: [...pts, { key: 'p' + (pts.length + 1), name_zh: '', name_en: '', sigma: 0.05 }] })} />
      <label class="field">
        <span class="field-label">{t('tb_skeleton_edges')}</span>
        <input
          lang="en"
          data-testid="tb-skeleton-edges"
          value={edges}
          onInput={(e) => {
            setEdges(e.currentTarget.value);
            const es = parseEdges(e.currentTarget.value);
            if (es) onChange({ ...skeleton, edges: es });
          }}
        />
      </label>
    </div>
  );
}

/** The workbench's own form on a sample item of the dataset (every field of it: a series
 * shows), as a phone or a laptop. */
function Preview({ tpl, sample: it }: { tpl: Template; sample: Item | null }) {
  const [phone, setPhone] = useState(false);
  const [answer, setAnswer] = useState<unknown>(null);
  const clean = cleanTemplate(tpl);
  const problem = checkTemplate(clean);
  const item = it
    ? { kind: it.kind, text: it.text, thumb_url: it.thumb_url, screen_url: it.screen_url, width: it.width, height: it.height, fields: it.fields }
    : { kind: tpl.fields[0]?.kind ?? 'image', text: '示例文字 Sample text', thumb_url: null, screen_url: null, width: null, height: null };
  return (
    <aside class="tb-preview" data-testid="tb-preview" aria-label={t('tb_preview')}>
      <h3 class="sub-head">
        <Icon name="monitor" size={20} />
        {t('tb_preview')}
      </h3>
      <div class="choices" role="radiogroup">
        {[false, true].map((p) => (
          <label class={'choice' + (phone === p ? ' on' : '')} key={String(p)}>
            <input type="radio" name="tb_preview_size" checked={phone === p} onChange={() => setPhone(p)} />
            <Icon name={p ? 'phone' : 'monitor'} size={18} />
            <span>{t(p ? 'tb_preview_phone' : 'tb_preview_laptop')}</span>
          </label>
        ))}
      </div>
      {clean.questions.length === 0 || (problem && problem.field === 'template.fields') ? (
        <p class="muted">{problem ? t(problem.key) : ''}</p>
      ) : (
        <div class={'tb-screen' + (phone ? ' tb-screen-phone' : '')}>
          <TemplateForm key={JSON.stringify(clean) + String(phone)} template={clean} item={item} narrow={phone} keys={false} idPrefix="preview" onSubmit={(a) => setAnswer(a)} />
        </div>
      )}
      {answer !== null && (
        <p class="muted" data-testid="tb-preview-answer">
          {t('tb_preview_answer')} <code>{JSON.stringify(answer)}</code>
        </p>
      )}
    </aside>
  );
}
