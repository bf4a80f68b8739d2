// The order form: new (POST /orders) or edit while draft (PUT /orders/{id}).

import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, type Items } from '../../api';
import { t, type Key } from '../../i18n';
import { Icon } from '../../components/Icon';
import { Button, ErrorNote, LoadState, Loading, useLoad } from '../../components/ui';
import {
  buildSpec,
  emptyOrderForm,
  formFromSpec,
  newLabelRow,
  paysPerBox,
  suggestHotkey,
  TASK_TYPES,
  type LabelRow,
  type Order,
  type OrderForm,
} from '../../orders';
import { parseYuan } from '../../money';
import { yuan } from '../../util';
import type { Dataset } from './Dataset';
import { BackLink, go } from './nav';
import { ExamplePicker } from './ExamplePicker';
import { WageLine } from './WageLine';
import { wageRequest } from '../../wage';
import type { TemplateBuilder as Builder } from './TemplateBuilder';
import { questionOfPath } from '../../kinds/builder';
import { buildSuggestions, suggestFormFromSpec, SuggestionsSection, type SuggestForm } from './SuggestionsSection';
import { buildMedical, MEDICAL, MedicalSection, medicalFormFromSpec, type MedicalForm } from './MedicalSection';

/** A field's problem, shown under it: our own words, and the server's detail when it sent one. */
interface FieldError {
  field: string;
  text: string;
  detail?: string;
}

const FIELD_KEYS: Record<string, Key> = {
  name: 'order_name',
  dataset_id: 'dataset',
  labels: 'labels',
  instructions: 'instructions',
  overlap: 'overlap',
  gold_share: 'gold_share',
  max_gold_items: 'max_gold_items',
  gold: 'gold',
  unit_size: 'unit_size',
  piece_rate_fen: 'piece_rate',
  box_rate_fen: 'box_rate',
  box_pay_cap: 'box_pay_cap',
  deadline: 'deadline',
  priority: 'priority',
  eligible_centres: 'eligible_centres',
  required_qualification: 'required_qualification',
  required_level: 'required_level',
  template: 'tb_title',
  suggestions: 'sug_title',
  medical: 'med_title',
  'medical.expert_rate_fen': 'med_expert_rate',
  'medical.doctor_rate_fen': 'med_doctor_rate',
  'medical.doctor_user_id': 'med_doctor',
};

/** The words for a field the server named: a template's question by its number. */
function fieldLabel(field: string): string {
  const q = questionOfPath(field);
  if (q !== null) return t('tb_question_n', { n: q + 1 });
  if (field.startsWith('template')) return t('tb_title');
  return FIELD_KEYS[field] ? t(FIELD_KEYS[field]) : field;
}

export function OrderFormPage({ datasetId, orderId }: { datasetId: number | null; orderId: number | null }) {
  const datasets = useLoad(() => api.get<Items<Dataset>>('/datasets'));
  const existing = useLoad(
    () => (orderId === null ? Promise.resolve(null) : api.get<Order>(`/orders/${orderId}`)),
    [orderId],
  );
  return (
    <main class="dash">
      <BackLink to={orderId === null ? (datasetId ? `#/datasets/${datasetId}` : '') : `#/orders/${orderId}`} label={t('back')} />
      <h2 class="page-title">
        <Icon name={orderId === null ? 'plus' : 'edit'} />
        <span>{orderId === null ? t('new_order') : t('edit_order')}</span>
      </h2>
      <LoadState state={datasets}>
        {(ds) =>
          existing.loading && existing.data === undefined ? (
            <Loading />
          ) : existing.error ? (
            <ErrorNote error={existing.error} />
          ) : (
            <Form datasets={ds.items} datasetId={existing.data?.dataset_id ?? datasetId} order={existing.data ?? null} />
          )
        }
      </LoadState>
    </main>
  );
}

/** The template builder, loaded when a client first picks 模板 (annotators never load it). */
function LazyBuilder(p: Parameters<typeof Builder>[0]) {
  const [B, setB] = useState<typeof Builder | null>(null);
  useEffect(() => {
    let alive = true;
    void import('./TemplateBuilder').then((m) => alive && setB(() => m.TemplateBuilder));
    return () => {
      alive = false;
    };
  }, []);
  return B ? <B {...p} /> : <Loading />;
}

function Form({ datasets, datasetId, order }: { datasets: Dataset[]; datasetId: number | null; order: Order | null }) {
  const [f, setF] = useState<OrderForm>(() => (order ? formFromSpec(order.spec) : emptyOrderForm()));
  const [dataset, setDataset] = useState<string>(datasetId ? String(datasetId) : datasets.length === 1 ? String(datasets[0].id) : '');
  const [err, setErr] = useState<FieldError | null>(null);
  const [general, setGeneral] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [sug, setSug] = useState<SuggestForm>(() => suggestFormFromSpec(order?.spec.suggestions));
  const [med, setMed] = useState<MedicalForm>(() => medicalFormFromSpec(order?.spec.medical));
  const isBox = paysPerBox(f);
  // The questions a model may answer: a template's, or the one question of the other types.
  const sugQuestions = f.task_type === 'template' ? f.template.questions : [{ key: f.task_type, title_zh: '' }];

  // an edit clears the problem shown (the next save checks again)
  const set = <K extends keyof OrderForm>(k: K, v: OrderForm[K]) => {
    setErr(null);
    setF((old) => ({ ...old, [k]: v }));
  };
  const setLabel = (i: number, patch: Partial<LabelRow>) => {
    setErr(null);
    setF((old) => ({ ...old, labels: old.labels.map((l, j) => (j === i ? { ...l, ...patch } : l)) }));
  };

  function fieldError(field: string): ComponentChildren {
    if (!err || err.field !== field) return null;
    return (
      <p class="field-error" role="alert" data-testid={`error-${field}`}>
        <Icon name="alert" size={18} />
        <span>
          {err.text}
          {err.detail && (
            <small class="err-detail" lang="en">
              {err.detail}
            </small>
          )}
        </span>
      </p>
    );
  }

  async function submit(ev: Event) {
    ev.preventDefault();
    setErr(null);
    setGeneral(null);
    if (!order && !dataset) {
      setErr({ field: 'dataset_id', text: t('err_required', { field: t('dataset') }) });
      return;
    }
    const built = buildSpec(f);
    if ('problem' in built) {
      setErr({ field: built.problem.field, text: t(built.problem.key) });
      focusField(built.problem.field);
      return;
    }
    const sugBuilt = buildSuggestions(sug, f.task_type === 'template' ? f.template.questions.map((q) => q.key) : []);
    if ('problem' in sugBuilt) {
      setErr({ field: sugBuilt.problem.field, text: t(sugBuilt.problem.key) });
      focusField(sugBuilt.problem.field);
      return;
    }
    const medBuilt = buildMedical(med);
    if ('problem' in medBuilt) {
      setErr({ field: medBuilt.problem.field, text: t(medBuilt.problem.key) });
      focusField(medBuilt.problem.field);
      return;
    }
    const spec = {
      ...built.spec,
      suggestions: sugBuilt.policy ?? undefined,
      medical: medBuilt.policy ?? undefined,
      // A medical order (the ladder, or findings on a series) goes only to annotators with
      // the medical qualification.
      ...(medBuilt.policy || (f.task_type === 'template' && f.template.questions.some((q) => q.kind === 'finding'))
        ? { required_qualification: MEDICAL }
        : {}),
    };
    setBusy(true);
    try {
      let id: number;
      if (order) {
        await api.put(`/orders/${order.id}`, { spec });
        id = order.id;
      } else {
        const o = await api.post<Order>('/orders', { dataset_id: Number(dataset), spec });
        id = o.id;
      }
      go(`#/orders/${id}`);
    } catch (e) {
      const field = e instanceof ApiError ? e.details.field : undefined;
      if (typeof field === 'string' && field) {
        const label = fieldLabel(field);
        setErr({ field, text: t('err_validation_field', { field: label }), detail: e instanceof ApiError ? e.message : undefined });
        focusField(field);
      } else setGeneral(e);
    } finally {
      setBusy(false);
    }
  }

  const fen = parseYuan(f.piece_rate);
  return (
    <form class="card order-form" onSubmit={submit} noValidate data-testid="order-form">
      {!order && (
        <label class="field" id="f-dataset_id">
          <span class="field-label">{t('dataset')}</span>
          <select name="dataset" value={dataset} onChange={(e) => setDataset(e.currentTarget.value)}>
            <option value="">{t('choose')}</option>
            {datasets.map((d) => (
              <option value={String(d.id)} key={d.id}>
                {d.name} ({t('item_count', { n: d.item_count })})
              </option>
            ))}
          </select>
          {fieldError('dataset_id')}
        </label>
      )}
      <label class="field" id="f-name">
        <span class="field-label">{t('order_name')}</span>
        <input name="order_name" maxLength={100} value={f.name} onInput={(e) => set('name', e.currentTarget.value)} />
        {fieldError('name')}
      </label>

      <fieldset class="group">
        <legend>{t('task_type')}</legend>
        <div class="choices" role="radiogroup">
          {TASK_TYPES.map((tt) => (
            <label class={'choice' + (f.task_type === tt ? ' on' : '')} key={tt}>
              <input
                type="radio"
                name="task_type"
                value={tt}
                checked={f.task_type === tt}
                onChange={() => set('task_type', tt)}
              />
              <span>{t(('task_' + tt) as Key)}</span>
            </label>
          ))}
        </div>
      </fieldset>

      {f.task_type === 'template' && (
        <LazyBuilder
          value={f.template}
          onChange={(tpl) => set('template', tpl)}
          error={err && err.field.startsWith('template') ? err : null}
          datasetId={order?.dataset_id ?? (Number(dataset) || null)}
        />
      )}

      {f.task_type !== 'template' && (
      <fieldset class="group" id="f-labels">
        <legend>{t('labels')}</legend>
        <p class="muted hint">{t('labels_hint')}</p>
        <ol class="label-rows">
          {f.labels.map((l, i) => (
            <li class="label-row" key={i} data-testid="label-row">
              <span class="swatch" style={{ background: l.colour }} aria-hidden="true">
                {l.hotkey || '·'}
              </span>
              <label class="field">
                <span class="field-label">{t('label_zh')}</span>
                <input name={`label_zh_${i}`} value={l.name_zh} onInput={(e) => setLabel(i, { name_zh: e.currentTarget.value })} />
              </label>
              <label class="field">
                <span class="field-label">{t('label_en')}</span>
                <input name={`label_en_${i}`} lang="en" value={l.name_en} onInput={(e) => setLabel(i, { name_en: e.currentTarget.value })} />
              </label>
              <label class="field">
                <span class="field-label">{t('label_key')}</span>
                <input
                  name={`label_key_${i}`}
                  lang="en"
                  placeholder={t('label_key_auto')}
                  value={l.key}
                  onInput={(e) => setLabel(i, { key: e.currentTarget.value })}
                />
              </label>
              <label class="field field-small">
                <span class="field-label">{t('colour')}</span>
                <input type="color" name={`label_colour_${i}`} value={l.colour} onInput={(e) => setLabel(i, { colour: e.currentTarget.value })} />
              </label>
              <label class="field field-small">
                <span class="field-label">{t('hotkey')}</span>
                <input
                  name={`label_hotkey_${i}`}
                  maxLength={1}
                  value={l.hotkey}
                  onInput={(e) => setLabel(i, { hotkey: e.currentTarget.value.slice(0, 1) })}
                />
              </label>
              <button
                type="button"
                class="btn btn-plain icon-btn"
                aria-label={t('remove_label', { n: i + 1 })}
                title={t('remove_label', { n: i + 1 })}
                data-testid="remove-label"
                onClick={() => setF((old) => ({ ...old, labels: old.labels.filter((_, j) => j !== i) }))}
              >
                <Icon name="trash" />
              </button>
            </li>
          ))}
        </ol>
        {fieldError('labels')}
        <div class="btn-row">
          <Button
            icon="plus"
            label={t('add_label')}
            data-testid="add-label"
            disabled={f.labels.length >= 50}
            onClick={() => setF((old) => ({ ...old, labels: [...old.labels, newLabelRow(old.labels)] }))}
          />
          {f.labels.some((l) => !l.hotkey) && (
            <Button
              icon="key"
              kind="plain"
              label={t('fill_hotkeys')}
              onClick={() =>
                setF((old) => {
                  const rows = old.labels.map((l) => ({ ...l }));
                  for (const r of rows) if (!r.hotkey) r.hotkey = suggestHotkey(rows.map((x) => x.hotkey));
                  return { ...old, labels: rows };
                })
              }
            />
          )}
        </div>
      </fieldset>
      )}

      <label class="field" id="f-instructions">
        <span class="field-label">{t('instructions')}</span>
        <textarea name="instructions" rows={3} maxLength={2000} value={f.instructions} onInput={(e) => set('instructions', e.currentTarget.value)} />
        {fieldError('instructions')}
      </label>

      {(order?.dataset_id ?? Number(dataset)) > 0 && f.task_type !== 'template' && (
        <details class="group more-options" data-testid="examples-group">
          <summary>
            <Icon name="image" />
            <span>{t('examples')}</span>
          </summary>
          <ExamplePicker
            datasetId={order?.dataset_id ?? Number(dataset)}
            labels={f.labels}
            instruction={f.instruction_examples}
            onChange={(v) => setF((old) => ({ ...old, labels: v.labels, instruction_examples: v.instruction_examples }))}
          />
        </details>
      )}

      <fieldset class="group" id="f-overlap">
        <legend>{t('overlap')}</legend>
        <div class="choices" role="radiogroup">
          {(['fixed', 'dynamic'] as const).map((k) => (
            <label class={'choice' + (f.overlap_kind === k ? ' on' : '')} key={k}>
              <input type="radio" name="overlap_kind" value={k} checked={f.overlap_kind === k} onChange={() => set('overlap_kind', k)} />
              <span>{t(('overlap_' + k) as Key)}</span>
            </label>
          ))}
        </div>
        {f.overlap_kind === 'fixed' ? (
          <div class="form-grid">
            <NumField name="overlap_n" label={t('overlap_n')} value={f.overlap_n} onValue={(v) => set('overlap_n', v)} />
          </div>
        ) : (
          <div class="form-grid">
            <NumField name="overlap_min" label={t('overlap_min')} value={f.overlap_min} onValue={(v) => set('overlap_min', v)} />
            <NumField name="overlap_max" label={t('overlap_max')} value={f.overlap_max} onValue={(v) => set('overlap_max', v)} />
            <NumField name="overlap_target" label={t('overlap_target')} suffix="%" value={f.overlap_target} onValue={(v) => set('overlap_target', v)} />
          </div>
        )}
        <p class="muted hint">{t(f.overlap_kind === 'fixed' ? 'overlap_fixed_hint' : 'overlap_dynamic_hint')}</p>
        {fieldError('overlap')}
      </fieldset>

      <fieldset class="group">
        <legend>{t('gold')}</legend>
        <p class="muted hint">{t('gold_form_hint')}</p>
        <div class="form-grid">
          <div id="f-gold_share">
            <NumField name="gold_share" label={t('gold_share')} suffix="%" value={f.gold_share} onValue={(v) => set('gold_share', v)} />
            {fieldError('gold_share')}
          </div>
          <div id="f-max_gold_items">
            <NumField
              name="max_gold_items"
              label={t('max_gold_items')}
              placeholder={t('no_limit')}
              value={f.max_gold_items}
              onValue={(v) => set('max_gold_items', v)}
            />
            {fieldError('max_gold_items')}
          </div>
        </div>
        {fieldError('gold')}
      </fieldset>

      <fieldset class="group">
        <legend>{t('pay')}</legend>
        <div class="form-grid">
          <div id="f-piece_rate_fen">
            <label class="field">
              <span class="field-label">{t('piece_rate')}</span>
              <span class="money-input">
                <span aria-hidden="true">¥</span>
                <input name="piece_rate" inputMode="decimal" value={f.piece_rate} onInput={(e) => set('piece_rate', e.currentTarget.value)} />
              </span>
              <span class="muted hint">{fen === null ? t('price_hint') : t('price_is', { fen, yuan: yuan(fen) })}</span>
            </label>
            {fieldError('piece_rate_fen')}
          </div>
          {isBox && (
            <div id="f-box_rate_fen">
              <label class="field">
                <span class="field-label">{t('box_rate')}</span>
                <span class="money-input">
                  <span aria-hidden="true">¥</span>
                  <input name="box_rate" inputMode="decimal" value={f.box_rate} onInput={(e) => set('box_rate', e.currentTarget.value)} />
                </span>
              </label>
              {fieldError('box_rate_fen')}
            </div>
          )}
          {isBox && (
            <div id="f-box_pay_cap">
              <NumField name="box_pay_cap" label={t('box_pay_cap')} value={f.box_pay_cap} onValue={(v) => set('box_pay_cap', v)} />
              {fieldError('box_pay_cap')}
            </div>
          )}
          <label class="field">
            <span class="field-label">{t('pay_on')}</span>
            <select name="pay_on" value={f.pay_on} onChange={(e) => set('pay_on', e.currentTarget.value as OrderForm['pay_on'])}>
              <option value="accepted">{t('pay_on_accepted')}</option>
              <option value="submit">{t('pay_on_submit')}</option>
            </select>
          </label>
        </div>
        <WageLine request={wageRequest(f, order?.id ?? null, order?.dataset_id ?? (Number(dataset) || null))} />
      </fieldset>

      <SuggestionsSection
        value={sug}
        onChange={(v) => {
          setErr(null);
          setSug(v);
        }}
        questions={sugQuestions}
        errorFor={fieldError}
      />

      <MedicalSection
        value={med}
        onChange={(v) => {
          setErr(null);
          setMed(v);
        }}
        errorFor={fieldError}
      />

      <details class="group more-options" data-testid="more-options" open={!!err && ['unit_size', 'deadline', 'priority', 'eligible_centres', 'required_qualification', 'required_level'].includes(err.field)}>
        <summary>
          <Icon name="more" />
          <span>{t('more_options')}</span>
        </summary>
        <div class="form-grid">
          <div id="f-unit_size">
            <NumField name="unit_size" label={t('unit_size')} value={f.unit_size} onValue={(v) => set('unit_size', v)} />
            {fieldError('unit_size')}
          </div>
          <div id="f-deadline">
            <label class="field">
              <span class="field-label">{t('deadline')}</span>
              <input type="datetime-local" name="deadline" value={f.deadline} onInput={(e) => set('deadline', e.currentTarget.value)} />
            </label>
            {fieldError('deadline')}
          </div>
          <div id="f-priority">
            <NumField name="priority" label={t('priority')} value={f.priority} onValue={(v) => set('priority', v)} />
            {fieldError('priority')}
          </div>
          <div id="f-eligible_centres">
            <label class="field">
              <span class="field-label">{t('eligible_centres')}</span>
              <input name="eligible_centres" placeholder={t('all_centres')} value={f.eligible_centres} onInput={(e) => set('eligible_centres', e.currentTarget.value)} />
            </label>
            {fieldError('eligible_centres')}
          </div>
          <div id="f-required_qualification">
            <label class="field">
              <span class="field-label">{t('required_qualification')}</span>
              <input
                name="required_qualification"
                lang="en"
                placeholder={t('optional')}
                value={f.required_qualification}
                onInput={(e) => set('required_qualification', e.currentTarget.value)}
              />
            </label>
            {fieldError('required_qualification')}
          </div>
          <label class="field">
            <span class="field-label">{t('required_level')}</span>
            <select
              name="required_level"
              value={f.required_level}
              onChange={(e) => set('required_level', e.currentTarget.value as OrderForm['required_level'])}
            >
              <option value="">{t('any_level')}</option>
              <option value="trainee">{t('skill_trainee')}</option>
              <option value="standard">{t('skill_standard')}</option>
              <option value="expert">{t('skill_expert')}</option>
            </select>
          </label>
        </div>
      </details>

      {general ? <ErrorNote error={general} /> : err && !err.field.startsWith('template') && !document.getElementById('f-' + err.field) ? (
        <p class="field-error" role="alert">
          <Icon name="alert" size={18} />
          <span>{err.text}</span>
        </p>
      ) : null}
      <div class="btn-row form-actions">
        <Button type="submit" icon="check" kind="primary" label={order ? t('save') : t('save_draft')} busy={busy} data-testid="save-order" />
      </div>
      <p class="muted hint">{t('draft_hint')}</p>
    </form>
  );
}

function NumField({
  name,
  label,
  value,
  onValue,
  suffix,
  placeholder,
}: {
  name: string;
  label: string;
  value: string;
  onValue: (v: string) => void;
  suffix?: string;
  placeholder?: string;
}) {
  return (
    <label class="field">
      <span class="field-label">{label}</span>
      <span class={suffix ? 'money-input suffix' : undefined}>
        <input name={name} inputMode="decimal" placeholder={placeholder} value={value} onInput={(e) => onValue(e.currentTarget.value)} />
        {suffix && <span aria-hidden="true">{suffix}</span>}
      </span>
    </label>
  );
}

function focusField(field: string) {
  setTimeout(() => {
    // a template's path finds its question (`template.questions[2].options` → question 3)
    let path = field;
    let el = document.getElementById('f-' + path);
    while (!el && /[.[]/.test(path)) {
      const shorter = path.replace(/(\.[^.[\]]+|\[\d+\])$/, '');
      if (shorter === path) break;
      path = shorter;
      el = document.getElementById('f-' + path);
    }
    if (!el) return;
    const d = el.closest('details');
    if (d) d.open = true;
    el.scrollIntoView?.({ block: 'center' });
    el.querySelector<HTMLElement>('input,select,textarea')?.focus();
  }, 0);
}

