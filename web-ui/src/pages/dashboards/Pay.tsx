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
      <Section icon="clipboard" title={t('payroll_runs')} testid="pay-runs">
        <LoadState state={runs}>
          {(r) =>
            r.items.length === 0 ? (
              <p class="muted">{t('none_yet')}</p>
            ) : (
              <ul class="rows">
                {r.items.map((x) => (
                  <li class="row" key={x.id} data-testid="pay-run" data-period={x.period} data-total={x.total_fen}>
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
                    <a class="btn btn-secondary" href={x.payroll_url} download data-testid="payroll-download">
                      <Icon name="download" />
                      <span>{t('payroll_download')}</span>
                    </a>
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

/** A lead's pay page: what each of their people is owed, adjustments with a reason. */
export function LeadPay() {
  const owed = useLoad(() => api.get<Items<PayrollLine>>('/centre/earnings'));
  const people = useLoad(() => api.get<Items<Person>>('/centre/annotators'));
  const adjustments = useLoad(() => api.get<Items<Adjustment>>('/centre/adjustments'));
  const [who, setWho] = useState<number | null>(null);
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [ok, setOk] = useState(false);
  const fen = fenFromYuan(amount);

  async function add(ev: Event) {
    ev.preventDefault();
    const annotator = who ?? people.data?.items[0]?.id;
    if (!annotator || !fen || !reason.trim()) return;
    setBusy(true);
    setError(null);
    setOk(false);
    try {
      await api.post('/centre/adjustments', { annotator_id: annotator, amount_fen: fen, reason: reason.trim() });
      setAmount('');
      setReason('');
      setOk(true);
      await Promise.all([owed.reload(), adjustments.reload()]);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="stack" data-testid="lead-pay">
      <Section icon="coin" title={t('adj_owed')} testid="owed">
        <LoadState state={owed}>{(o) => <PayrollTable rows={o.items} testid="owed-table" />}</LoadState>
      </Section>
      <Section icon="edit" title={t('adj_title')} testid="adjust">
        <form class="inline-form" onSubmit={add}>
          <Field label={t('adj_who')}>
            <select data-testid="adj-who" value={who ?? ''} onChange={(e) => setWho(Number(e.currentTarget.value))}>
              {(people.data?.items ?? []).map((p) => (
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
          <Button type="submit" icon="plus" kind="primary" label={t('adj_add')} busy={busy} disabled={!fen || !reason.trim()} data-testid="adj-add" />
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
                  <AdjustmentRow key={x.id} a={x} onChanged={() => void Promise.all([owed.reload(), adjustments.reload()])} />
                ))}
              </ul>
            )
          }
        </LoadState>
      </Section>
    </div>
  );
}

function AdjustmentRow({ a, onChanged }: { a: Adjustment; onChanged: () => void }) {
  const [asking, setAsking] = useState(false);
  const [why, setWhy] = useState('');
  const [error, setError] = useState<unknown>(null);
  return (
    <li class="row" data-testid="adjustment-row">
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
                  await api.post(`/centre/adjustments/${a.id}/reverse`, { reason: why.trim() });
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
