// The admin's side of the career path: leads propose annotators as new leads; an admin
// confirms (giving them a username and password) or declines.

import { useState } from 'preact/hooks';
import { api, type Items } from '../../api';
import { getLang, t } from '../../i18n';
import { shortTime } from '../../util';
import { Icon } from '../../components/Icon';
import { Button, ErrorNote, Field, LoadState, Section, useLoad } from '../../components/ui';

export interface Proposal {
  id: number;
  annotator_id: number;
  annotator_name: string;
  centre_id: number;
  centre_name: string;
  proposed_by: number;
  proposed_by_name: string;
  note: string;
  created_at: number;
  decision: 'confirmed' | 'declined' | null;
  decided_at: number | null;
}

export function ProposalsAdmin() {
  const list = useLoad(() => api.get<Items<Proposal>>('/admin/lead-proposals'));
  return (
    <Section icon="users" title={t('lead_proposals')} testid="proposals">
      <LoadState state={list}>
        {(d) =>
          d.items.length === 0 ? (
            <p class="muted">{t('no_proposals')}</p>
          ) : (
            <ul class="rows">
              {d.items.map((p) => (
                <ProposalRow key={p.id} p={p} onChanged={() => void list.reload()} />
              ))}
            </ul>
          )
        }
      </LoadState>
    </Section>
  );
}

function ProposalRow({ p, onChanged }: { p: Proposal; onChanged: () => void }) {
  const [open, setOpen] = useState(false);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  async function act(kind: 'confirm' | 'decline', body: unknown) {
    setBusy(kind);
    setError(null);
    try {
      await api.post(`/admin/lead-proposals/${p.id}/${kind}`, body);
      setOpen(false);
      onChanged();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  }
  return (
    <li class="row row-wrap" data-testid="proposal-row" data-id={p.id}>
      <Icon name="user" />
      <div class="row-main">
        <strong>{p.annotator_name}</strong>
        <span class="muted">
          {t('proposed_by', { lead: p.proposed_by_name, centre: p.centre_name })} · {shortTime(p.created_at, getLang())}
        </span>
        {p.note && <span>{p.note}</span>}
      </div>
      {p.decision === null ? (
        <>
          {!open && <Button icon="check" kind="primary" label={t('confirm_lead')} data-testid="confirm-open" onClick={() => setOpen(true)} />}
          <Button icon="x" kind="plain" label={t('decline')} busy={busy === 'decline'} onClick={() => void act('decline', {})} />
        </>
      ) : (
        <span class={'badge' + (p.decision === 'confirmed' ? ' badge-ok' : '')}>
          {t(p.decision === 'confirmed' ? 'proposal_confirmed' : 'proposal_declined')}
        </span>
      )}
      {open && (
        <form
          class="inline-form row-full"
          onSubmit={(e) => {
            e.preventDefault();
            void act('confirm', { username: username.trim(), password });
          }}
        >
          <Field label={t('new_username')}>
            <input name="lead_username" autocomplete="off" value={username} onInput={(e) => setUsername(e.currentTarget.value)} />
          </Field>
          <Field label={t('new_password')}>
            <input name="lead_password" type="password" autocomplete="new-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
          </Field>
          <Button type="submit" icon="check" kind="primary" label={t('confirm_lead')} busy={busy === 'confirm'} data-testid="confirm-lead" />
          <Button icon="x" kind="plain" label={t('cancel')} onClick={() => setOpen(false)} />
        </form>
      )}
      {error ? (
        <div class="row-full">
          <ErrorNote error={error} />
        </div>
      ) : null}
    </li>
  );
}
