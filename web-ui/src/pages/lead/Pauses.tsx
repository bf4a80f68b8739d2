// Pauses (by hand and by the rules: lift, leave the stretch out of consensus or take it back)
// and each order's automatic rules.

import { useEffect, useState } from 'preact/hooks';
import { api, type Items } from '../../api';
import { getLang, t } from '../../i18n';
import { shortTime } from '../../util';
import { Icon } from '../../components/Icon';
import { Button, ConfirmButton, ErrorNote, Field, LoadState, Note, Section, useLoad, useSay } from '../../components/ui';
import { pauseText, type PauseOut } from '../../lead/review';
import { go } from '../client/nav';
import type { LeadOrder } from './Quality';

interface Rules {
  gold_enabled: boolean;
  gold_min_items: number;
  gold_threshold: number;
  fast_enabled: boolean;
  fast_min_labels: number;
  fast_seconds: number;
  spam_enabled: boolean;
  spam_min_labels: number;
  spam_agreement: number;
  exclude_labels: boolean;
}

export function PausesPage({ order, onChanged }: { order: number | null; onChanged?: () => void }) {
  const pauses = useLoad(() => api.get<Items<PauseOut>>('/lead/pauses'));
  const orders = useLoad(() => api.get<Items<LeadOrder>>('/lead/orders'));
  return (
    <>
      <Section icon="pause" title={t('pauses')} testid="pauses">
        <LoadState state={pauses}>
          {(p) =>
            p.items.length === 0 ? (
              <p class="muted">{t('no_pauses')}</p>
            ) : (
              <ul class="rows">
                {p.items.map((x) => (
                  <PauseRow
                    key={x.id}
                    p={x}
                    onChanged={async () => {
                      await pauses.reload();
                      onChanged?.();
                    }}
                  />
                ))}
              </ul>
            )
          }
        </LoadState>
      </Section>
      <Section icon="shield" title={t('rules')} testid="rules">
        <LoadState state={orders}>
          {(o) => (
            <>
              <Field label={t('rules_for')}>
                <select
                  data-testid="rules-order"
                  value={order ? String(order) : ''}
                  onChange={(e) => go(e.currentTarget.value ? `#/pauses?order=${e.currentTarget.value}` : '#/pauses')}
                >
                  <option value="">{t('pick_order')}</option>
                  {o.items.map((x) => (
                    <option key={x.id} value={String(x.id)}>
                      {x.name}
                    </option>
                  ))}
                </select>
              </Field>
              {order && <RulesForm key={order} order={order} />}
            </>
          )}
        </LoadState>
      </Section>
    </>
  );
}

function PauseRow({ p, onChanged }: { p: PauseOut; onChanged: () => Promise<void> }) {
  const [error, setError] = useState<unknown>(null);
  const [say, setSay] = useSay();
  const [busy, setBusy] = useState(false);
  async function exclude(on: boolean) {
    setBusy(true);
    setError(null);
    try {
      const r = await api.post<{ labels: number; items: number }>(`/lead/pauses/${p.id}/exclude`, { exclude: on });
      setSay(() => (on ? t('left_out_done', { labels: r.labels, items: r.items }) : t('taken_back_done', { labels: r.labels })));
      await onChanged();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  return (
    <li class={'row row-wrap' + (p.live ? '' : ' read')} data-testid="pause-row" data-annotator={p.annotator_id} data-reason={p.reason}>
      <Icon name="pause" />
      <div class="row-main">
        <strong>
          {p.annotator_name} · {p.order_name ?? t('all_work')}
        </strong>
        <span data-testid="pause-reason">{pauseText(p)}</span>
        <span class="muted">
          {shortTime(p.created_at, getLang())}
          {p.lifted_at ? ` · ${t('lifted_at', { time: shortTime(p.lifted_at, getLang()) })}` : ''}
        </span>
        {p.exclude_pending && <span class="muted">{t('stretch_waiting')}</span>}
        {p.excluded_labels > 0 && <span class="muted">{t('stretch_left_out', { n: p.excluded_labels })}</span>}
      </div>
      {p.live && (
        <ConfirmButton
          icon="play"
          label={t('lift')}
          question={t('lift_confirm')}
          testid="lift"
          onConfirm={async () => {
            try {
              await api.post(`/lead/pauses/${p.id}/lift`);
              await onChanged();
            } catch (e) {
              setError(e);
            }
          }}
        />
      )}
      {p.order_id != null &&
        (p.excluded_labels > 0 ? (
          <Button icon="refresh" kind="plain" label={t('take_back')} busy={busy} onClick={() => void exclude(false)} />
        ) : (
          <Button icon="ban" kind="plain" label={t('leave_out')} busy={busy} onClick={() => void exclude(true)} />
        ))}
      {say && (
        <div class="row-full">
          <Note kind="ok">{say()}</Note>
        </div>
      )}
      {error ? (
        <div class="row-full">
          <ErrorNote error={error} />
        </div>
      ) : null}
    </li>
  );
}

function RulesForm({ order }: { order: number }) {
  const loaded = useLoad(() => api.get<Rules>(`/lead/orders/${order}/rules`), [order]);
  const [r, setR] = useState<Rules | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [say, setSay] = useSay();
  useEffect(() => {
    if (loaded.data) setR(loaded.data);
  }, [loaded.data]);
  if (!r) return <LoadState state={loaded}>{() => null}</LoadState>;
  const set = (patch: Partial<Rules>) => {
    setR({ ...r, ...patch });
    setSay(null);
  };
  const num = (v: string) => Number(v.replace(',', '.'));
  async function save(ev: Event) {
    ev.preventDefault();
    if (!r) return;
    setBusy(true);
    setError(null);
    try {
      setR(await api.put<Rules>(`/lead/orders/${order}/rules`, r));
      setSay(() => t('rules_saved'));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  const check = (key: keyof Rules, label: string) => (
    <label class="check">
      <input type="checkbox" checked={r[key] as boolean} onChange={() => set({ [key]: !r[key] } as Partial<Rules>)} />
      {label}
    </label>
  );
  return (
    <form class="sub-form rules-form" data-testid="rules-form" onSubmit={save}>
      <fieldset class="group">
        <legend>{check('gold_enabled', t('rule_gold'))}</legend>
        <div class="form-grid">
          <Field label={t('rule_gold_min')}>
            <input type="number" min={1} max={1000} value={r.gold_min_items} onInput={(e) => set({ gold_min_items: num(e.currentTarget.value) })} />
          </Field>
          <Field label={t('rule_gold_threshold')}>
            <input
              type="number"
              min={1}
              max={100}
              value={Math.round(r.gold_threshold * 100)}
              onInput={(e) => set({ gold_threshold: num(e.currentTarget.value) / 100 })}
            />
          </Field>
        </div>
      </fieldset>
      <fieldset class="group">
        <legend>{check('fast_enabled', t('rule_fast'))}</legend>
        <div class="form-grid">
          <Field label={t('rule_fast_min')}>
            <input type="number" min={5} max={500} value={r.fast_min_labels} onInput={(e) => set({ fast_min_labels: num(e.currentTarget.value) })} />
          </Field>
          <Field label={t('rule_fast_seconds')}>
            <input type="number" min={0.1} max={60} step={0.1} value={r.fast_seconds} onInput={(e) => set({ fast_seconds: num(e.currentTarget.value) })} />
          </Field>
        </div>
      </fieldset>
      <fieldset class="group">
        <legend>{check('spam_enabled', t('rule_spam'))}</legend>
        <div class="form-grid">
          <Field label={t('rule_spam_min')}>
            <input type="number" min={5} max={5000} value={r.spam_min_labels} onInput={(e) => set({ spam_min_labels: num(e.currentTarget.value) })} />
          </Field>
          <Field label={t('rule_spam_agreement')}>
            <input
              type="number"
              min={1}
              max={100}
              value={Math.round(r.spam_agreement * 100)}
              onInput={(e) => set({ spam_agreement: num(e.currentTarget.value) / 100 })}
            />
          </Field>
        </div>
      </fieldset>
      {check('exclude_labels', t('rule_exclude'))}
      <Button type="submit" icon="check" kind="primary" label={t('save')} busy={busy} data-testid="rules-save" />
      {say && <Note kind="ok">{say()}</Note>}
      <ErrorNote error={error} />
    </form>
  );
}
