import { describe, expect, it } from 'vitest';
import { digitsOnly, fieldsForRole, newUserBody, newUserProblem, type NewUserForm } from './forms';

const base: NewUserForm = {
  username: 'wf',
  display_name: '王芳',
  role: 'annotator',
  password: '',
  pin: '',
  centre_id: '',
  org_id: '',
};

describe('new user form', () => {
  it('asks each role for the right fields', () => {
    const f = (username: boolean, password: boolean, pin: boolean, centre: boolean, org: boolean) => ({
      username,
      password,
      pin,
      centre,
      org,
    });
    expect(fieldsForRole('annotator')).toEqual(f(false, false, true, true, false));
    expect(fieldsForRole('lead')).toEqual(f(true, true, false, true, false));
    expect(fieldsForRole('client')).toEqual(f(true, true, false, false, true));
    expect(fieldsForRole('admin')).toEqual(f(true, true, false, false, false));
  });

  it('finds the first missing field', () => {
    expect(newUserProblem({ ...base, role: 'lead', username: ' ' })).toEqual({ key: 'err_required', field: 'username' });
    expect(newUserProblem({ ...base, username: '', centre_id: '1', pin: '1234' })).toBeNull();
    expect(newUserProblem(base)).toEqual({ key: 'err_required', field: 'centre' });
    expect(newUserProblem({ ...base, centre_id: '1', pin: '12' })).toEqual({ key: 'err_pin_format' });
    expect(newUserProblem({ ...base, centre_id: '1', pin: '1234' })).toBeNull();
    expect(newUserProblem({ ...base, role: 'client' })).toEqual({ key: 'err_required', field: 'org' });
    expect(newUserProblem({ ...base, role: 'admin' })).toEqual({ key: 'err_required', field: 'password' });
  });

  it('sends only the fields of the role', () => {
    expect(newUserBody({ ...base, centre_id: '2', pin: '1234', password: 'leftover', org_id: '3' })).toEqual({
      username: 'wf',
      display_name: '王芳',
      role: 'annotator',
      pin: '1234',
      centre_id: 2,
    });
    expect(newUserBody({ ...base, role: 'client', org_id: '3', password: 'pw', pin: '1' })).toEqual({
      username: 'wf',
      display_name: '王芳',
      role: 'client',
      password: 'pw',
      org_id: 3,
    });
  });

  it('leaves out an empty username', () => {
    expect(newUserBody({ ...base, username: ' ', centre_id: '1', pin: '1234' })).toEqual({
      display_name: '王芳',
      role: 'annotator',
      pin: '1234',
      centre_id: 1,
    });
  });

  it('keeps digits only', () => {
    expect(digitsOnly('1a2 3-4567')).toBe('123456');
  });
});
