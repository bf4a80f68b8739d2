// Gold answers typed in by the client while the order is a draft: pick the right label for a
// few items from their thumbnails (PUT /orders/{id}/gold/{item_id}). Box orders take their gold
// boxes from the manifest. A template order's gold is answered with the workbench's own form.

import { useState } from 'preact/hooks';
import { api, type Items } from '../../api';
import { getLang, t } from '../../i18n';
import { Icon } from '../../components/Icon';
import { Button, ErrorNote, Note } from '../../components/ui';
import type { Order } from '../../orders';
import { goldText, type Item } from './Dataset';
import { TemplateForm } from '../work/TemplateForm';
import { answerWords } from '../../kinds/template';
import type { FormAnswer, Template } from '../../kinds/types';
import { kindOf } from '../../kinds';

const PAGE = 24;

/** The answer body for the labels picked on an item, in the order's shape. */
export function goldAnswer(taskType: Order['spec']['task_type'], keys: string[]): Record<string, unknown> | null {
  if (taskType === 'multi_label') return { labels: keys };
  if (taskType === 'bbox') return null;
  return keys.length === 1 ? { label: keys[0] } : null;
}

/** A form's answer as a gold answer: each question's kind keeps what gold needs (a
 * pairwise preference its winner only). */
export function goldOfForm(template: Template, answer: FormAnswer): FormAnswer {
  const out: FormAnswer = {};
  for (const [k, v] of Object.entries(answer)) {
    const q = template.questions.find((x) => x.key === k);
    const kind = q && kindOf(q.kind);
    out[k] = q && kind?.gold ? kind.gold(q, v) : v;
  }
  return out;
}

export function GoldPicker({ order }: { order: Order }) {
  const [open, setOpen] = useState(false);
  const [items, setItems] = useState<Item[]>([]);
  const [more, setMore] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  // what was set in this visit (the API has no list of typed gold to read back)
  const [set, setSet] = useState<Record<number, string[]>>({});
  const [saving, setSaving] = useState<number | null>(null);
  const [itemError, setItemError] = useState<{ id: number; error: unknown } | null>(null);
  const multi = order.spec.task_type === 'multi_label';
  const template = order.spec.task_type === 'template' ? order.spec.template : undefined;
  // The item whose template answer is being given.
  const [editing, setEditing] = useState<number | null>(null);
  const [picked, setPicked] = useState<Record<number, string[]>>({});

  async function loadMore() {
    setBusy(true);
    setError(null);
    try {
      const after = items.length ? items[items.length - 1].id : 0;
      const res = await api.get<Items<Item>>(`/datasets/${order.dataset_id}/items?after=${after}&limit=${PAGE}`);
      setItems((old) => [...old, ...res.items]);
      setMore(res.items.length === PAGE);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  async function saveForm(item: Item, answer: FormAnswer) {
    if (!template) return;
    setSaving(item.id);
    setItemError(null);
    try {
      const gold = goldOfForm(template, answer);
      await api.put(`/orders/${order.id}/gold/${item.id}`, { answer: gold });
      setSet((old) => ({ ...old, [item.id]: [answerWords(template, gold, getLang())] }));
      setEditing(null);
    } catch (e) {
      setItemError({ id: item.id, error: e });
    } finally {
      setSaving(null);
    }
  }

  async function save(item: Item, keys: string[]) {
    const answer = goldAnswer(order.spec.task_type, keys);
    if (!answer) return;
    setSaving(item.id);
    setItemError(null);
    try {
      await api.put(`/orders/${order.id}/gold/${item.id}`, { answer });
      setSet((old) => ({ ...old, [item.id]: keys }));
    } catch (e) {
      setItemError({ id: item.id, error: e });
    } finally {
      setSaving(null);
    }
  }

  const name = (key: string) => {
    const l = order.spec.labels.find((x) => x.key === key);
    return l ? (getLang() === 'en' ? l.name_en : l.name_zh) : key;
  };
  const nSet = Object.keys(set).length;

  return (
    <section class="card" aria-label={t('set_gold')} data-testid="gold-picker">
      <div class="card-head">
        <h2>
          <Icon name="star" />
          <span>{t('set_gold')}</span>
        </h2>
        {nSet > 0 && <span class="badge badge-gold">{t('gold_set_n', { n: nSet })}</span>}
      </div>
      {order.spec.task_type === 'bbox' ? (
        <p class="muted">{t('gold_bbox_hint')}</p>
      ) : (
        <>
          <p class="muted hint">{t('set_gold_hint')}</p>
          {!open ? (
            <Button
              icon="star"
              label={t('pick_gold')}
              data-testid="open-gold"
              onClick={() => {
                setOpen(true);
                void loadMore();
              }}
            />
          ) : (
            <>
              <ul class="thumbs">
                {items.map((it) => {
                  const done = set[it.id];
                  const chosen = picked[it.id] ?? done ?? [];
                  return (
                    <li class={'thumb' + (done ? ' thumb-set' : '')} key={it.id} data-testid="gold-item">
                      {it.thumb_url ? (
                        <img src={it.thumb_url} alt={it.file_name} loading="lazy" width={160} height={160} />
                      ) : (
                        <p class="thumb-text">{it.text ?? it.file_name}</p>
                      )}
                      <span class="thumb-meta">
                        <span class="thumb-name">{it.file_name}</span>
                        {it.gold != null && goldText(it.gold) && (
                          <span class="muted hint">{t('manifest_says', { v: goldText(it.gold) })}</span>
                        )}
                        {template ? (
                          editing === it.id ? (
                            <div class="gold-form" data-testid="gold-form">
                              <TemplateForm
                                template={template}
                                item={it}
                                keys={false}
                                narrow={false}
                                idPrefix={`gold${it.id}`}
                                nameSides
                                onSubmit={(a) => void saveForm(it, a)}
                              />
                            </div>
                          ) : (
                            <Button icon="star" label={t('pick_gold')} data-testid="gold-open-form" onClick={() => setEditing(it.id)} />
                          )
                        ) : multi ? (
                          <fieldset class="gold-multi">
                            <legend class="sr-only">{t('gold_for', { name: it.file_name })}</legend>
                            {order.spec.labels.map((l) => (
                              <label key={l.key} class="check">
                                <input
                                  type="checkbox"
                                  checked={chosen.includes(l.key)}
                                  onChange={(e) => {
                                    const on = e.currentTarget.checked;
                                    setPicked((old) => ({
                                      ...old,
                                      [it.id]: on ? [...chosen, l.key] : chosen.filter((k) => k !== l.key),
                                    }));
                                  }}
                                />
                                {name(l.key)}
                              </label>
                            ))}
                            <Button icon="check" label={t('save')} busy={saving === it.id} onClick={() => void save(it, chosen)} />
                          </fieldset>
                        ) : (
                          <select
                            aria-label={t('gold_for', { name: it.file_name })}
                            data-testid="gold-select"
                            value={done?.[0] ?? ''}
                            disabled={saving === it.id}
                            onChange={(e) => {
                              const v = e.currentTarget.value;
                              if (v) void save(it, [v]);
                            }}
                          >
                            <option value="">{t('no_gold')}</option>
                            {order.spec.labels.map((l) => (
                              <option value={l.key} key={l.key}>
                                {name(l.key)}
                              </option>
                            ))}
                          </select>
                        )}
                        {done && (
                          <span class="badge badge-gold" data-testid="gold-saved">
                            <Icon name="check" size={14} />
                            {t('gold')}: {(template ? done : done.map(name)).join(' · ') || '∅'}
                          </span>
                        )}
                        {itemError?.id === it.id && <ErrorNote error={itemError.error} />}
                      </span>
                    </li>
                  );
                })}
              </ul>
              <ErrorNote error={error} />
              {busy && <p class="loading" role="status">{t('loading')}</p>}
              {more && !busy && <Button icon="more" label={t('load_more')} onClick={() => void loadMore()} />}
              {nSet > 0 && <Note kind="info">{t('gold_publish_hint')}</Note>}
            </>
          )}
        </>
      )}
    </section>
  );
}
