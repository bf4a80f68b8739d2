// Pay for leads and admins: what each worker is owed, adjustments with a reason (and taking
// one back), and for admins closing a month into a payroll file. Closing a month twice
// changes nothing; the page says so.

import { useState } from 'preact/hooks';
import { api, type Items } from '../../api';
import { getLang, t } from '../../i18n';
import { shortTime, yuan } from '../../util';
import { Icon } from '../../components/Icon';
import { Button, ErrorNote, Field, LoadState, Note, Section, useLoad } from '../../components/ui';
import { fenFromYuan, monthOf } from '../../earnings/format';
import { CsvLink } from './Throughput';

export interface PayrollLine {
  annotator_id: number;
  display_name: string;
  labels: number;
  gross_fen: number;
  adjustments_fen: number;
  total_fen: number;
}

interface PayRun {
  id: number;
  centre_id: number;
  period: string;
  cutoff_at: number;
  entries: number;
  workers: number;
  total_fen: number;
  payroll_url: string;
}

interface Adjustment {
  id: number;
  display_name: string;
  amount_fen: number;
  reason: string | null;
  created_at: number;
  reversed_reason: string | null;
  paid_in: string | null;
}

function PayrollTable({ rows, testid }: { rows: PayrollLine[]; testid: string }) {
  if (rows.length === 0) return <p class="muted">{t('payroll_none')}</p>;
  const total = rows.reduce((s, r) => s + r.total_fen, 0);
  return (
    <div class="table-scroll">
      <table class="table" data-testid={testid}>
        <thead>
          <tr>
            <th>{t('payroll_col_worker')}</th>
            <th class="num">{t('payroll_col_labels')}</th>
            <th class="num">{t('payroll_col_gross')}</th>
            <th class="num">{t('payroll_col_adj')}</th>
            <th class="num">{t('payroll_col_total')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.annotator_id} data-testid="payroll-row" data-total={r.total_fen}>
              <td>{r.display_name}</td>
              <td class="num">{r.labels}</td>
              <td class="num">{yuan(r.gross_fen)}</td>
              <td class="num">{yuan(r.adjustments_fen)}</td>
              <td class="num">{yuan(r.total_fen)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th colSpan={4}>{t('payroll_col_total')}</th>
            <th class="num" data-testid={testid + '-total'} data-fen={total}>
              {yuan(total)}
            </th>
          </tr>
        </tfoot>
      </table>
    </div>
  );
}

/** The admin's payroll: a centre and a month; what closing would pay; closing; past runs. */
export function AdminPayroll({ centres }: { centres: { id: number; name: string }[] }) {
  const [centre, setCentre] = useState<number | undefined>(centres[0]?.id);
  const [period, setPeriod] = useState(monthOf(Date.now()));
  // The preview of the month on offer, exactly what closing it pays (and its CSV).
  const previewQuery = `centre_id=${centre}&period=${encodeURIComponent(period)}`;
  const preview = useLoad(
    () => (centre ? api.get<Items<PayrollLine>>(`/admin/payroll-preview?${previewQuery}`) : Promise.resolve({ items: [] })),
    [centre, period],
  );
  const runs = useLoad(() => api.get<Items<PayRun>>('/admin/pay-runs'), []);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [said, setSaid] = useState<string | null>(null);
  const running = period === monthOf(Date.now());
  const [open, setOpen] = useState<number | null>(null);

  async function close() {
    if (!centre) return;
    setBusy(true);
    setError(null);
    setSaid(null);
    try {
      const r = await api.post<{ created: boolean; run: PayRun }>('/admin/pay-runs', { centre_id: centre, period });
      setSaid(
        r.created
          ? t('payroll_closed', { period: r.run.period, n: r.run.workers, money: yuan(r.run.total_fen) })
          : t('payroll_again', { period: r.run.period }),
      );
      await Promise.all([runs.reload(), preview.reload()]);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="stack" data-testid="admin-payroll">
      <Section icon="coin" title={t('payroll_title')} testid="payroll">
        <div class="inline-form">
          <Field label={t('tp_centre')}>
            <select data-testid="payroll-centre" value={centre} onChange={(e) => setCentre(Number(e.currentTarget.value))}>
              {centres.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t('payroll_period')}>
            <input type="month" name="period" data-testid="payroll-period" value={period} onInput={(e) => setPeriod(e.currentTarget.value)} />
          </Field>
          <Button icon="check" kind="primary" label={t('payroll_close')} busy={busy} data-testid="payroll-close" onClick={() => void close()} />
        </div>
        {running && (
          <p class="muted small">
            <Icon name="info" size={18} /> {t('payroll_running')}
          </p>
        )}
        {said && (
          <Note kind="ok" testid="payroll-said">
            {said}
          </Note>
        )}
        <ErrorNote error={error} />
        <h3>{t('payroll_preview')}</h3>
        <LoadState state={preview}>{(p) => <PayrollTable rows={p.items} testid="payroll-preview" />}</LoadState>
        {centre && <CsvLink href={`/api/v1/admin/payroll-preview?${previewQuery}&format=csv`} testid="payroll-preview-csv" />}
      </Section>
      {centre && <BonusEditor key={'b' + centre} centre={centre} onSaved={() => void preview.reload()} />}
      {centre && (
        <Section icon="edit" title={t('adj_admin_title')} testid="admin-adjust">
          <p class="muted">{t('adj_admin_hint')}</p>
          <AdminAdjustments key={'a' + centre} centre={centre} onChanged={() => void preview.reload()} />
        </Section>
      )}
      <Section icon="clipboard" title={t('payroll_runs')} testid="pay-runs">
        <LoadState state={runs}>
          {(r) =>
            r.items.length === 0 ? (
              <p class="muted">{t('none_yet')}</p>
            ) : (
              <ul class="rows">
                {r.items.map((x) => (
                  <li class="row row-wrap" key={x.id} data-testid="pay-run" data-period={x.period} data-total={x.total_fen}>
                    <Icon name="coin" />
                    <div class="row-main">
                      <strong>
                        {x.period} · {centres.find((c) => c.id === x.centre_id)?.name ?? x.centre_id}
                      </strong>
                      <span class="muted">
                        {t('payroll_total', { money: yuan(x.total_fen) })} · {t('payroll_people', { n: x.workers })} ·{' '}
                        {shortTime(x.cutoff_at, getLang())}
                      </span>
                    </div>
                    <span class="btn-row">
                      <Button
                        icon={open === x.id ? 'up' : 'list'}
                        label={t(open === x.id ? 'payrun_hide' : 'payrun_details')}
                        aria-expanded={open === x.id}
                        data-testid="payrun-details"
                        onClick={() => setOpen(open === x.id ? null : x.id)}
                      />
                      <a class="btn btn-secondary" href={x.payroll_url} download data-testid="payroll-download">
                        <Icon name="download" />
                        <span>{t('payroll_download')}</span>
                      </a>
                    </span>
                    {open === x.id && <RunDetail id={x.id} />}
                  </li>
                ))}
              </ul>
            )
          }
        </LoadState>
      </Section>
    </div>
  );
}

interface Person {
  id: number;
  display_name: string;
}

/** One closed run's payroll, worker by worker. */
function RunDetail({ id }: { id: number }) {
  const d = useLoad(() => api.get<{ lines: PayrollLine[] }>(`/admin/pay-runs/${id}`), [id]);
  return (
    <div class="run-detail" data-testid="payrun-lines">
      <LoadState state={d}>{(x) => <PayrollTable rows={x.lines} testid={`payrun-${id}`} />}</LoadState>
    </div>
  );
}

function AdminAdjustments({ centre, onChanged }: { centre: number; onChanged: () => void }) {
  const users = useLoad(() => api.get<Items<Person & { role: string; centre_id?: number | null }>>('/admin/users'), []);
  const people = (users.data?.items ?? []).filter((u) => u.role === 'annotator' && u.centre_id === centre);
  return <Adjustments base="/admin/adjustments" list={`/admin/adjustments?centre_id=${centre}`} people={people} onChanged={onChanged} />;
}

interface Tier {
  min_accuracy_pct: number;
  bonus_pct: number;
}

/** A centre's monthly quality bonus: how many gold answers qualify, and the tiers. */
function BonusEditor({ centre, onSaved }: { centre: number; onSaved: () => void }) {
  const policy = useLoad(() => api.get<{ min_gold: number; tiers: Tier[] }>(`/admin/centres/${centre}/bonus`), [centre]);
  const [edit, setEdit] = useState<{ min_gold: string; tiers: { acc: string; pct: string }[] } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [ok, setOk] = useState(false);
  const form =
    edit ??
    (policy.data
      ? { min_gold: String(policy.data.min_gold), tiers: policy.data.tiers.map((x) => ({ acc: String(x.min_accuracy_pct), pct: String(x.bonus_pct) })) }
      : null);
  const change = (f: NonNullable<typeof form>) => {
    setOk(false);
    setEdit(f);
  };

  async function save(ev: Event) {
    ev.preventDefault();
    if (!form) return;
    setBusy(true);
    setError(null);
    setOk(false);
    try {
      await api.put(`/admin/centres/${centre}/bonus`, {
        min_gold: Number(form.min_gold),
        tiers: form.tiers.map((x) => ({ min_accuracy_pct: Number(x.acc), bonus_pct: Number(x.pct) })),
      });
      setEdit(null);
      setOk(true);
      await policy.reload();
      onSaved();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Section icon="star" title={t('bonus_title')} testid="bonus">
      <p class="muted">{t('bonus_hint')}</p>
      <LoadState state={policy}>
        {() =>
          form && (
            <form class="stack" onSubmit={save}>
              <Field label={t('bonus_min_gold')}>
                <input
                  name="min_gold"
                  type="number"
                  min={1}
                  inputMode="numeric"
                  data-testid="bonus-min-gold"
                  value={form.min_gold}
                  onInput={(e) => change({ ...form, min_gold: e.currentTarget.value })}
                />
              </Field>
              {form.tiers.length === 0 && <p class="muted">{t('bonus_none')}</p>}
              {form.tiers.map((tier, i) => (
                <fieldset class="inline-form bonus-tier" key={i} data-testid="bonus-tier">
                  <legend>{t('bonus_tier_n', { n: i + 1 })}</legend>
                  <Field label={t('bonus_tier_acc')}>
                    <input
                      type="number"
                      min={1}
                      max={100}
                      inputMode="numeric"
                      data-testid="bonus-acc"
                      value={tier.acc}
                      onInput={(e) => change({ ...form, tiers: form.tiers.map((x, j) => (j === i ? { ...x, acc: e.currentTarget.value } : x)) })}
                    />
                  </Field>
                  <Field label={t('bonus_tier_pct')}>
                    <input
                      type="number"
                      min={1}
                      max={100}
                      inputMode="numeric"
                      data-testid="bonus-pct"
                      value={tier.pct}
                      onInput={(e) => change({ ...form, tiers: form.tiers.map((x, j) => (j === i ? { ...x, pct: e.currentTarget.value } : x)) })}
                    />
                  </Field>
                  <Button
                    icon="trash"
                    kind="plain"
                    label={t('bonus_remove_tier')}
                    onClick={() => change({ ...form, tiers: form.tiers.filter((_, j) => j !== i) })}
                  />
                </fieldset>
              ))}
              <div class="btn-row">
                <Button
                  icon="plus"
                  label={t('bonus_add_tier')}
                  data-testid="bonus-add"
                  disabled={form.tiers.length >= 10}
                  onClick={() => change({ ...form, tiers: [...form.tiers, { acc: '95', pct: '5' }] })}
                />
                <Button type="submit" icon="check" kind="primary" label={t('bonus_save')} busy={busy} data-testid="bonus-save" />
              </div>
              {ok && <Note kind="ok" testid="bonus-saved">{t('bonus_saved')}</Note>}
              <ErrorNote error={error} />
            </form>
          )
        }
      </LoadState>
    </Section>
  );
}

/** A lead's pay page: what each of their people is owed, adjustments with a reason. */
export function LeadPay() {
  const owed = useLoad(() => api.get<Items<PayrollLine>>('/centre/earnings'));
  const people = useLoad(() => api.get<Items<Person>>('/centre/annotators'));
  return (
    <div class="stack" data-testid="lead-pay">
      <Section icon="coin" title={t('adj_owed')} testid="owed">
        <LoadState state={owed}>{(o) => <PayrollTable rows={o.items} testid="owed-table" />}</LoadState>
      </Section>
      <Section icon="edit" title={t('adj_title')} testid="adjust">
        <Adjustments base="/centre/adjustments" list="/centre/adjustments" people={people.data?.items ?? []} onChanged={() => void owed.reload()} />
      </Section>
    </div>
  );
}

/** Adding an adjustment for one of `people`, and the list of adjustments with taking one back:
 * the lead's (`/centre/adjustments`) or an admin's (`/admin/adjustments`, for one centre). */
function Adjustments({ base, list, people, onChanged }: { base: string; list: string; people: Person[]; onChanged: () => void }) {
  const adjustments = useLoad(() => api.get<Items<Adjustment>>(list), [list]);
  const [who, setWho] = useState<number | null>(null);
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [ok, setOk] = useState(false);
  const fen = fenFromYuan(amount);
  const annotator = who != null && people.some((p) => p.id === who) ? who : people[0]?.id;

  async function add(ev: Event) {
    ev.preventDefault();
    if (!annotator || !fen || !reason.trim()) return;
    setBusy(true);
    setError(null);
    setOk(false);
    try {
      await api.post(base, { annotator_id: annotator, amount_fen: fen, reason: reason.trim() });
      setAmount('');
      setReason('');
      setOk(true);
      onChanged();
      await adjustments.reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <form class="inline-form" onSubmit={add}>
        <Field label={t('adj_who')}>
          <select data-testid="adj-who" value={annotator ?? ''} onChange={(e) => setWho(Number(e.currentTarget.value))}>
            {people.map((p) => (
              <option key={p.id} value={p.id}>
                {p.display_name}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t('adj_amount')}>
          <input name="amount" inputMode="decimal" data-testid="adj-amount" value={amount} onInput={(e) => setAmount(e.currentTarget.value)} />
        </Field>
        <Field label={t('adj_reason')}>
          <input name="reason" maxLength={200} data-testid="adj-reason" value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
        </Field>
        <Button type="submit" icon="plus" kind="primary" label={t('adj_add')} busy={busy} disabled={!fen || !reason.trim() || !annotator} data-testid="adj-add" />
      </form>
      {ok && <Note kind="ok">{t('adj_added')}</Note>}
      <ErrorNote error={error} />
      <h3>{t('adj_list')}</h3>
      <LoadState state={adjustments}>
        {(a) =>
          a.items.length === 0 ? (
            <p class="muted">{t('none_yet')}</p>
          ) : (
            <ul class="rows">
              {a.items.map((x) => (
                <AdjustmentRow
                  key={x.id}
                  a={x}
                  reverse={`${base}/${x.id}/reverse`}
                  onChanged={() => {
                    onChanged();
                    void adjustments.reload();
                  }}
                />
              ))}
            </ul>
          )
        }
      </LoadState>
    </>
  );
}

function AdjustmentRow({ a, reverse, onChanged }: { a: Adjustment; reverse: string; onChanged: () => void }) {
  const [asking, setAsking] = useState(false);
  const [why, setWhy] = useState('');
  const [error, setError] = useState<unknown>(null);
  return (
    <li class="row row-wrap" data-testid="adjustment-row" data-fen={a.amount_fen}>
      <Icon name="edit" />
      <div class="row-main">
        <strong>
          {a.display_name} · {yuan(a.amount_fen)}
        </strong>
        <span class="muted">
          {a.reason} · {shortTime(a.created_at, getLang())}
          {a.reversed_reason ? ' · ' + t('adj_reversed', { why: a.reversed_reason }) : ''}
          {a.paid_in ? ' · ' + t('pay_paid_in', { period: a.paid_in }) : ''}
        </span>
        <ErrorNote error={error} />
      </div>
      {!a.reversed_reason &&
        (asking ? (
          <span class="confirm">
            <input aria-label={t('adj_reverse_why')} placeholder={t('adj_reverse_why')} value={why} onInput={(e) => setWhy(e.currentTarget.value)} />
            <Button
              icon="check"
              kind="danger"
              label={t('adj_reverse')}
              disabled={!why.trim()}
              onClick={async () => {
                try {
                  await api.post(reverse, { reason: why.trim() });
                  onChanged();
                } catch (e) {
                  setError(e);
                }
              }}
            />
            <Button icon="x" kind="plain" label={t('cancel')} onClick={() => setAsking(false)} />
          </span>
        ) : (
          <Button icon="back" kind="plain" label={t('adj_reverse')} onClick={() => setAsking(true)} />
        ))}
    </li>
  );
}
