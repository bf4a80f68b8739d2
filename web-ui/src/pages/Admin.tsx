// The admin's home: centres, client organisations and accounts, one tab each.

import { useState } from 'preact/hooks';
import { api, type Items, type Role } from '../api';
import { getLang, t, type Key } from '../i18n';
import { fenToYuanInput, parseYuan } from '../money';
import { shortTime, yuan } from '../util';
import { fieldsForRole, newUserBody, newUserProblem, type NewUserForm } from '../forms';
import { useLeadModule } from './lead/lazy';
import { Icon, type IconName } from '../components/Icon';
import { AdminThroughput } from './dashboards/Throughput';
import { AdminPayroll } from './dashboards/Pay';
import { Tokens } from './Client';
import {
  Button,
  ConfirmButton,
  ErrorNote,
  Field,
  Loading,
  LoadState,
  Note,
  PinInput,
  Section,
  useLoad,
  useSay,
  type Loaded,
} from '../components/ui';

interface Centre {
  id: number;
  name: string;
  county?: string;
  province?: string;
  timezone?: string;
  /** The local minimum hourly wage in fen (`null`: none). */
  min_hourly_wage_fen?: number | null;
  wage_policy?: 'warn' | 'refuse';
}
interface Org {
  id: number;
  name: string;
}
interface AdminUser {
  id: number;
  username: string | null;
  display_name: string;
  role: Role;
  centre_id?: number | null;
  org_id?: number | null;
  disabled?: boolean;
  disabled_at?: string | null;
}

type Tab = 'centres' | 'orgs' | 'users' | 'throughput' | 'payroll' | 'proposals' | 'tokens';
const TABS: { id: Tab; icon: IconName; label: Key }[] = [
  { id: 'centres', icon: 'building', label: 'centres' },
  { id: 'orgs', icon: 'briefcase', label: 'orgs' },
  { id: 'users', icon: 'users', label: 'users' },
  { id: 'throughput', icon: 'chart', label: 'nav_throughput' },
  { id: 'payroll', icon: 'coin', label: 'nav_pay' },
  { id: 'proposals', icon: 'star', label: 'lead_proposals' },
  { id: 'tokens', icon: 'key', label: 'api_tokens' },
];

export function AdminHome() {
  const [tab, setTab] = useState<Tab>('centres');
  const centres = useLoad(() => api.get<Items<Centre>>('/admin/centres'));
  const orgs = useLoad(() => api.get<Items<Org>>('/admin/orgs'));

  return (
    <main class="dash">
      <div class="tabs" role="tablist">
        {TABS.map((x) => (
          <button
            type="button"
            role="tab"
            key={x.id}
            id={'tab-' + x.id}
            class={'tab' + (tab === x.id ? ' on' : '')}
            aria-selected={tab === x.id}
            data-testid={'tab-' + x.id}
            onClick={() => setTab(x.id)}
          >
            <Icon name={x.icon} />
            <span>{t(x.label)}</span>
          </button>
        ))}
      </div>
      <div role="tabpanel" aria-labelledby={'tab-' + tab}>
        {tab === 'centres' && (
          <>
            <WageAlerts />
            <Centres centres={centres} />
          </>
        )}
        {tab === 'orgs' && <Orgs orgs={orgs} />}
        {tab === 'users' && <Users centres={centres} orgs={orgs} />}
        {tab === 'throughput' && <LoadState state={centres}>{(c) => <AdminThroughput centres={c.items} />}</LoadState>}
        {tab === 'payroll' && <LoadState state={centres}>{(c) => <AdminPayroll centres={c.items} />}</LoadState>}
        {tab === 'proposals' && <Proposals />}
        {tab === 'tokens' && <Tokens scopes={['admin', 'admin:users']} />}
      </div>
    </main>
  );
}

function useSubmit(run: () => Promise<void>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  async function submit(ev: Event) {
    ev.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await run();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, submit };
}

function Centres({ centres }: { centres: Loaded<Items<Centre>> }) {
  const empty = { name: '', county: '', province: '', timezone: 'Asia/Shanghai' };
  const [f, setF] = useState(empty);
  const s = useSubmit(async () => {
    await api.post('/admin/centres', {
      name: f.name.trim(),
      county: f.county.trim(),
      province: f.province.trim(),
      timezone: f.timezone.trim(),
    });
    setF(empty);
    await centres.reload();
  });
  const input = (k: keyof typeof empty, label: Key) => (
    <Field label={t(label)}>
      <input name={k} required value={f[k]} onInput={(e) => setF({ ...f, [k]: e.currentTarget.value })} />
    </Field>
  );
  return (
    <Section icon="building" title={t('centres')} testid="centres">
      <LoadState state={centres}>
        {(d) => (
          <ul class="rows">
            {d.items.length === 0 && <li class="muted">{t('none_yet')}</li>}
            {d.items.map((c) => (
              <li class="row" key={c.id}>
                <Icon name="building" />
                <div class="row-main">
                  <strong>{c.name}</strong>
                  <span class="muted">{[c.province, c.county, c.timezone].filter(Boolean).join(' · ')}</span>
                  <CentreWage centre={c} onSaved={() => centres.reload()} />
                </div>
              </li>
            ))}
          </ul>
        )}
      </LoadState>
      <form class="sub-form" onSubmit={s.submit}>
        <h3>
          <Icon name="plus" />
          <span>{t('add_centre')}</span>
        </h3>
        <div class="form-grid">
          {input('name', 'name')}
          {input('province', 'province')}
          {input('county', 'county')}
          {input('timezone', 'timezone')}
        </div>
        <ErrorNote error={s.error} />
        <Button type="submit" icon="plus" kind="primary" label={t('add_centre')} busy={s.busy} />
      </form>
    </Section>
  );
}

/** A centre's minimum hourly wage (yuan as typed) and what an order under it does. */
function CentreWage({ centre, onSaved }: { centre: Centre; onSaved: () => Promise<void> | void }) {
  const [floor, setFloor] = useState(centre.min_hourly_wage_fen == null ? '' : fenToYuanInput(centre.min_hourly_wage_fen));
  const [policy, setPolicy] = useState<'warn' | 'refuse'>(centre.wage_policy ?? 'warn');
  const [bad, setBad] = useState(false);
  const s = useSubmit(async () => {
    const fen = floor.trim() === '' ? null : parseYuan(floor);
    if (floor.trim() !== '' && (fen === null || fen <= 0)) {
      setBad(true);
      return;
    }
    setBad(false);
    await api.put(`/admin/centres/${centre.id}/wage`, { min_hourly_wage_fen: fen, wage_policy: policy });
    await onSaved();
  });
  return (
    <form class="wage-form" onSubmit={s.submit} data-testid={`centre-wage-${centre.id}`}>
      <Field label={t('wage_floor')}>
        <span class="money-input">
          <span aria-hidden="true">¥</span>
          <input name="min_hourly_wage" inputMode="decimal" placeholder={t('wage_floor_none')} value={floor} onInput={(e) => setFloor(e.currentTarget.value)} />
        </span>
      </Field>
      <Field label={t('wage_policy')}>
        <select name="wage_policy" value={policy} onChange={(e) => setPolicy(e.currentTarget.value as 'warn' | 'refuse')}>
          <option value="warn">{t('wage_policy_warn')}</option>
          <option value="refuse">{t('wage_policy_refuse')}</option>
        </select>
      </Field>
      {bad && <Note kind="error">{t('err_price')}</Note>}
      <ErrorNote error={s.error} />
      <Button type="submit" icon="coin" label={t('wage_set')} busy={s.busy} />
    </form>
  );
}

interface WageAlert {
  id: number;
  text: string;
  order_name: string | null;
  data: { event?: string; fen_per_hour?: number; floor_fen?: number } | null;
  created_at: number;
  read_at: number | null;
}

/** Open orders that paid under a centre's minimum wage (the service's wage alerts). */
function WageAlerts() {
  const alerts = useLoad(() => api.get<{ unread: number; items: WageAlert[] }>('/admin/alerts'));
  const [error, setError] = useState<unknown>(null);
  return (
    <Section icon="alert" title={t('wage_alerts')} testid="wage-alerts">
      <LoadState state={alerts}>
        {(a) => {
          const rows = a.items.filter((x) => x.data?.event === 'wage_low');
          return rows.length === 0 ? (
            <p class="muted">{t('no_wage_alerts')}</p>
          ) : (
            <ul class="rows">
              {rows.map((x) => (
                <li class={'row row-wrap' + (x.read_at ? ' read' : '')} key={x.id} data-testid="wage-alert">
                  <Icon name="coin" />
                  <div class="row-main">
                    <strong>
                      {t('alert_wage_low', {
                        order: x.order_name ?? '',
                        real: yuan(x.data?.fen_per_hour ?? 0),
                        floor: yuan(x.data?.floor_fen ?? 0),
                      })}
                    </strong>
                    <span class="muted">{shortTime(x.created_at, getLang())}</span>
                  </div>
                  {!x.read_at && (
                    <Button
                      icon="check"
                      kind="plain"
                      label={t('mark_read')}
                      onClick={async () => {
                        try {
                          await api.post(`/admin/alerts/${x.id}/read`);
                          await alerts.reload();
                        } catch (e) {
                          setError(e);
                        }
                      }}
                    />
                  )}
                </li>
              ))}
            </ul>
          );
        }}
      </LoadState>
      <ErrorNote error={error} />
    </Section>
  );
}

function Orgs({ orgs }: { orgs: Loaded<Items<Org>> }) {
  const [name, setName] = useState('');
  const s = useSubmit(async () => {
    await api.post('/admin/orgs', { name: name.trim() });
    setName('');
    await orgs.reload();
  });
  return (
    <Section icon="briefcase" title={t('orgs')} testid="orgs">
      <LoadState state={orgs}>
        {(d) => (
          <ul class="rows">
            {d.items.length === 0 && <li class="muted">{t('none_yet')}</li>}
            {d.items.map((o) => (
              <li class="row" key={o.id}>
                <Icon name="briefcase" />
                <div class="row-main">
                  <strong>{o.name}</strong>
                </div>
              </li>
            ))}
          </ul>
        )}
      </LoadState>
      <form class="sub-form" onSubmit={s.submit}>
        <h3>
          <Icon name="plus" />
          <span>{t('add_org')}</span>
        </h3>
        <Field label={t('name')}>
          <input name="org_name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </Field>
        <ErrorNote error={s.error} />
        <Button type="submit" icon="plus" kind="primary" label={t('add_org')} busy={s.busy} />
      </form>
    </Section>
  );
}

const ROLES: Role[] = ['annotator', 'lead', 'client', 'admin'];

function Users({ centres, orgs }: { centres: Loaded<Items<Centre>>; orgs: Loaded<Items<Org>> }) {
  const users = useLoad(() => api.get<Items<AdminUser>>('/admin/users'));
  const empty: NewUserForm = {
    username: '',
    display_name: '',
    role: 'annotator',
    password: '',
    pin: '',
    centre_id: '',
    org_id: '',
  };
  const [f, setF] = useState<NewUserForm>(empty);
  const [problem, setProblem] = useSay();
  const s = useSubmit(async () => {
    const p = newUserProblem(f);
    if (p) {
      setProblem(() => t(p.key, p.field ? { field: t(p.field) } : undefined));
      return;
    }
    setProblem(null);
    await api.post('/admin/users', newUserBody(f));
    setF({ ...empty, role: f.role, centre_id: f.centre_id, org_id: f.org_id });
    await users.reload();
  });
  const need = fieldsForRole(f.role);
  const centreName = (id?: number | null) => centres.data?.items.find((c) => c.id === id)?.name;
  const orgName = (id?: number | null) => orgs.data?.items.find((o) => o.id === id)?.name;

  return (
    <Section icon="users" title={t('users')} testid="users">
      <LoadState state={users}>
        {(d) => (
          <ul class="rows">
            {d.items.map((u) => {
              const disabled = u.disabled || !!u.disabled_at;
              return (
                <li class="row" key={u.id} data-testid="user-row">
                  <Icon name="user" />
                  <div class="row-main">
                    <strong>
                      {u.display_name} {u.username ? <span class="muted">({u.username})</span> : null}
                    </strong>
                    <span class="muted">
                      {[t(('role_' + u.role) as Key), centreName(u.centre_id), orgName(u.org_id)]
                        .filter(Boolean)
                        .join(' · ')}
                    </span>
                  </div>
                  {disabled ? (
                    <>
                      <span class="badge">
                        <Icon name="ban" size={16} />
                        {t('disabled')}
                      </span>
                      <Button
                        icon="check"
                        kind="plain"
                        label={t('enable')}
                        onClick={async () => {
                          await api.post(`/admin/users/${u.id}/enable`);
                          await users.reload();
                        }}
                      />
                    </>
                  ) : (
                    <ConfirmButton
                      icon="ban"
                      label={t('disable')}
                      question={t('disable_confirm')}
                      onConfirm={async () => {
                        await api.post(`/admin/users/${u.id}/disable`);
                        await users.reload();
                      }}
                    />
                  )}
                </li>
              );
            })}
          </ul>
        )}
      </LoadState>
      <form class="sub-form" onSubmit={s.submit} data-testid="add-user">
        <h3>
          <Icon name="plus" />
          <span>{t('add_user')}</span>
        </h3>
        <div class="form-grid">
          <Field label={t('role')}>
            <select name="role" value={f.role} onChange={(e) => setF({ ...f, role: e.currentTarget.value as Role })}>
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {t(('role_' + r) as Key)}
                </option>
              ))}
            </select>
          </Field>
          <Field label={need.username ? t('username') : `${t('username')} (${t('optional')})`}>
            <input
              name="username"
              autocapitalize="off"
              value={f.username}
              onInput={(e) => setF({ ...f, username: e.currentTarget.value })}
            />
          </Field>
          <Field label={t('display_name')}>
            <input
              name="display_name"
              value={f.display_name}
              onInput={(e) => setF({ ...f, display_name: e.currentTarget.value })}
            />
          </Field>
          {need.centre && (
            <Field label={t('centre')}>
              <select name="centre_id" value={f.centre_id} onChange={(e) => setF({ ...f, centre_id: e.currentTarget.value })}>
                <option value="">{t('choose')}</option>
                {centres.data?.items.map((c) => (
                  <option key={c.id} value={String(c.id)}>
                    {c.name}
                  </option>
                ))}
              </select>
            </Field>
          )}
          {need.org && (
            <Field label={t('org')}>
              <select name="org_id" value={f.org_id} onChange={(e) => setF({ ...f, org_id: e.currentTarget.value })}>
                <option value="">{t('choose')}</option>
                {orgs.data?.items.map((o) => (
                  <option key={o.id} value={String(o.id)}>
                    {o.name}
                  </option>
                ))}
              </select>
            </Field>
          )}
          {need.password && (
            <Field label={t('password')}>
              <input
                name="new_password"
                type="password"
                autocomplete="new-password"
                value={f.password}
                onInput={(e) => setF({ ...f, password: e.currentTarget.value })}
              />
            </Field>
          )}
          {need.pin && (
            <Field label={t('new_pin')}>
              <PinInput value={f.pin} onValue={(pin) => setF({ ...f, pin })} />
            </Field>
          )}
        </div>
        {problem && <Note kind="error">{problem()}</Note>}
        <ErrorNote error={s.error} />
        <Button type="submit" icon="plus" kind="primary" label={t('add_user')} busy={s.busy} />
      </form>
    </Section>
  );
}

/** The proposed leads (loaded with the lead's pages). */
function Proposals() {
  const m = useLeadModule();
  return m ? <m.ProposalsAdmin /> : <Loading />;
}
