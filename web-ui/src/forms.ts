// Form rules that are worth testing on their own.

import type { Role } from './api';
import { isValidPin } from './pin';
import type { Key } from './i18n';

export interface NewUserForm {
  username: string;
  display_name: string;
  role: Role;
  password: string;
  pin: string;
  centre_id: string;
  org_id: string;
}

/** Which fields a role needs: annotators a centre and a PIN (a username is optional: they pick
 * their name on the roster), leads a centre and a password, clients an organisation and a
 * password, admins a password. */
export function fieldsForRole(role: Role): {
  username: boolean;
  password: boolean;
  pin: boolean;
  centre: boolean;
  org: boolean;
} {
  return {
    username: role !== 'annotator',
    password: role !== 'annotator',
    pin: role === 'annotator',
    centre: role === 'annotator' || role === 'lead',
    org: role === 'client',
  };
}

/** The first problem with the form (a dictionary key and the field's label key), or null. */
export function newUserProblem(f: NewUserForm): { key: Key; field?: Key } | null {
  const need = fieldsForRole(f.role);
  if (need.username && !f.username.trim()) return { key: 'err_required', field: 'username' };
  if (!f.display_name.trim()) return { key: 'err_required', field: 'display_name' };
  if (need.centre && !f.centre_id) return { key: 'err_required', field: 'centre' };
  if (need.org && !f.org_id) return { key: 'err_required', field: 'org' };
  if (need.password && !f.password) return { key: 'err_required', field: 'password' };
  if (need.pin && !isValidPin(f.pin)) return { key: 'err_pin_format' };
  return null;
}

/** The JSON body for POST /api/v1/admin/users: only the fields the role uses. */
export function newUserBody(f: NewUserForm): Record<string, unknown> {
  const need = fieldsForRole(f.role);
  const body: Record<string, unknown> = { display_name: f.display_name.trim(), role: f.role };
  if (f.username.trim()) body.username = f.username.trim();
  if (need.password) body.password = f.password;
  if (need.pin) body.pin = f.pin;
  if (need.centre) body.centre_id = Number(f.centre_id);
  if (need.org) body.org_id = Number(f.org_id);
  return body;
}

/** Keeps only digits, at most `max` of them (for PIN inputs). */
export function digitsOnly(s: string, max = 6): string {
  return s.replace(/\D+/g, '').slice(0, max);
}
