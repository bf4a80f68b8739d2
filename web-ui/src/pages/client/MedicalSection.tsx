// The order form's "医学" section: the expert ladder (issue 31). Items the annotators disagree
// on go to the centres' medical experts, then to the doctor the client names. The costs of a
// decision are typed in yuan and sent as fen; the doctor is chosen from the organisation's
// users (`GET /org/users`). Sent as `spec.medical` (`mudou_domain::medical::MedicalPolicy`),
// with `required_qualification: "medical"`; the server checks both again and names the field
// `medical`.

import type { ComponentChildren } from 'preact';
import { t, type Key } from '../../i18n';
import { Icon } from '../../components/Icon';
import { parseYuan } from '../../money';
import { yuan } from '../../util';
import { orgUsers, type MedicalPolicy, type OrgUser } from '../../api';
import { useLoad } from '../../components/ui';

/** The section as typed: strings for inputs, so half-typed numbers survive. */
export interface MedicalForm {
  on: boolean;
  /** Yuan. */
  expert_rate: string;
  doctor_rate: string;
  /** A user id, '' before one is chosen. */
  doctor: string;
}

/** The highest cost of a decision, in fen (the server's bound). */
export const MAX_MEDICAL_FEN = 100_000;
/** The qualification a medical order requires. */
export const MEDICAL = 'medical';

export function emptyMedicalForm(): MedicalForm {
  return { on: false, expert_rate: '', doctor_rate: '', doctor: '' };
}

const fenText = (fen: number) => yuan(fen).replace(/^¥/, '');

/** The section's state for an order's spec (an edit keeps what was set). */
export function medicalFormFromSpec(p: MedicalPolicy | null | undefined): MedicalForm {
  if (!p) return emptyMedicalForm();
  return {
    on: true,
    expert_rate: fenText(p.expert_rate_fen),
    doctor_rate: fenText(p.doctor_rate_fen),
    doctor: p.doctor_user_id > 0 ? String(p.doctor_user_id) : '',
  };
}

export interface MedicalProblem {
  field: string;
  key: Key;
}

/** The policy to send (`null`: no ladder), or the first problem, named by the field it is
 * about (`medical.expert_rate_fen`, …). */
export function buildMedical(f: MedicalForm): { policy: MedicalPolicy | null } | { problem: MedicalProblem } {
  if (!f.on) return { policy: null };
  const rate = (s: string, field: string): number | MedicalProblem => {
    const fen = s.trim() === '' ? 0 : parseYuan(s);
    return fen === null || fen < 0 || fen > MAX_MEDICAL_FEN ? { field, key: 'err_med_rate' } : fen;
  };
  const expert = rate(f.expert_rate, 'medical.expert_rate_fen');
  if (typeof expert === 'object') return { problem: expert };
  const doctorFen = rate(f.doctor_rate, 'medical.doctor_rate_fen');
  if (typeof doctorFen === 'object') return { problem: doctorFen };
  const doctor = Number(f.doctor);
  if (!Number.isInteger(doctor) || doctor <= 0) return { problem: { field: 'medical.doctor_user_id', key: 'err_med_doctor' } };
  return { policy: { expert_rate_fen: expert, doctor_rate_fen: doctorFen, doctor_user_id: doctor } };
}

export function MedicalSection({
  value,
  onChange,
  errorFor,
}: {
  value: MedicalForm;
  onChange: (v: MedicalForm) => void;
  /** The problem shown under a field, if it has one. */
  errorFor: (field: string) => ComponentChildren;
}) {
  const set = <K extends keyof MedicalForm>(k: K, v: MedicalForm[K]) => onChange({ ...value, [k]: v });
  const users = useLoad<OrgUser[]>(() => (value.on ? orgUsers() : Promise.resolve([])), [value.on]);
  const rateHint = (s: string) => {
    const fen = s.trim() === '' ? 0 : parseYuan(s);
    return fen === null ? null : t('price_is', { fen, yuan: yuan(fen) });
  };
  const fields = ['medical', 'medical.expert_rate_fen', 'medical.doctor_rate_fen', 'medical.doctor_user_id'];
  const erred = fields.some((f) => errorFor(f));
  const list = users.data ?? [];
  return (
    <details class="group more-options" id="f-medical" data-testid="medical-group" open={value.on || erred}>
      <summary>
        <Icon name="users" />
        <span>{t('med_title')}</span>
      </summary>
      <p class="muted hint">{t('med_hint')}</p>
      <label class="check">
        <input type="checkbox" name="medical_on" checked={value.on} onChange={(e) => set('on', e.currentTarget.checked)} />
        <span>{t('med_use')}</span>
      </label>
      {value.on && (
        <>
          <p class="muted hint">
            <Icon name="info" size={18} /> {t('med_qualification')}
          </p>
          <div class="form-grid">
            <div id="f-medical.expert_rate_fen">
              <label class="field">
                <span class="field-label">{t('med_expert_rate')}</span>
                <span class="money-input">
                  <span aria-hidden="true">¥</span>
                  <input name="expert_rate" inputMode="decimal" value={value.expert_rate} onInput={(e) => set('expert_rate', e.currentTarget.value)} />
                </span>
                <span class="muted hint">{rateHint(value.expert_rate)}</span>
              </label>
              {errorFor('medical.expert_rate_fen')}
            </div>
            <div id="f-medical.doctor_rate_fen">
              <label class="field">
                <span class="field-label">{t('med_doctor_rate')}</span>
                <span class="money-input">
                  <span aria-hidden="true">¥</span>
                  <input name="doctor_rate" inputMode="decimal" value={value.doctor_rate} onInput={(e) => set('doctor_rate', e.currentTarget.value)} />
                </span>
                <span class="muted hint">{rateHint(value.doctor_rate)}</span>
              </label>
              {errorFor('medical.doctor_rate_fen')}
            </div>
            <div id="f-medical.doctor_user_id">
              <label class="field">
                <span class="field-label">
                  <Icon name="user" size={18} /> {t('med_doctor')}
                </span>
                <select name="doctor" value={value.doctor} onChange={(e) => set('doctor', e.currentTarget.value)} data-testid="medical-doctor">
                  <option value="">{t('choose')}</option>
                  {list.map((u) => (
                    <option value={String(u.id)} key={u.id}>
                      {u.display_name}
                      {u.username ? ` (${u.username})` : ''}
                    </option>
                  ))}
                </select>
                <span class="muted hint">{users.data && list.length === 0 ? t('med_no_users') : t('med_doctor_hint')}</span>
              </label>
              {errorFor('medical.doctor_user_id')}
            </div>
          </div>
        </>
      )}
      {errorFor('medical')}
    </details>
  );
}
