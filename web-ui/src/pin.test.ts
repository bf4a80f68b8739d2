import { describe, expect, it } from 'vitest';
import { dotCount, isValidPin, pinKeyFromKeyboard, pinReduce, type PinAction } from './pin';

const run = (actions: PinAction[]) => actions.reduce(pinReduce, '');
const d = (digit: string): PinAction => ({ type: 'digit', digit });

describe('PIN pad', () => {
  it('adds digits up to six', () => {
    expect(run(['1', '2', '3', '4', '5', '6', '7'].map(d))).toBe('123456');
  });
  it('ignores anything but one digit', () => {
    expect(run([d('a'), d('12'), d(''), d('9')])).toBe('9');
  });
  it('deletes the last digit, and nothing when empty', () => {
    expect(run([d('1'), d('2'), { type: 'delete' }])).toBe('1');
    expect(run([{ type: 'delete' }])).toBe('');
  });
  it('clears', () => {
    expect(run([d('1'), { type: 'clear' }])).toBe('');
  });
  it('accepts 4 to 6 digits', () => {
    expect(isValidPin('123')).toBe(false);
    expect(isValidPin('1234')).toBe(true);
    expect(isValidPin('123456')).toBe(true);
    expect(isValidPin('1234567')).toBe(false);
    expect(isValidPin('12a4')).toBe(false);
  });
  it('maps keyboard keys', () => {
    expect(pinKeyFromKeyboard('7')).toEqual({ type: 'digit', digit: '7' });
    expect(pinKeyFromKeyboard('Backspace')).toEqual({ type: 'delete' });
    expect(pinKeyFromKeyboard('Enter')).toEqual({ type: 'submit' });
    expect(pinKeyFromKeyboard('Escape')).toEqual({ type: 'cancel' });
    expect(pinKeyFromKeyboard('a')).toBeNull();
    expect(pinKeyFromKeyboard('F5')).toBeNull();
  });
  it('draws four dots at least, growing to six', () => {
    expect(dotCount('')).toBe(4);
    expect(dotCount('12345')).toBe(5);
    expect(dotCount('123456')).toBe(6);
  });
});
