import { describe, expect, it } from 'vitest';
import { avatarColour, initial, sortByName, yuan } from './util';
import { enrollCodeFromHash } from './router';
import { enrollLink, isLocked, minutesLeft } from './pages/Lead';
import { secretOf } from './pages/Client';
import { defaultDeviceName, kindOfName } from './pages/Enroll';

describe('helpers', () => {
  it('takes the first character of a name', () => {
    expect(initial('王芳')).toBe('王');
    expect(initial(' anna')).toBe('A');
    expect(initial('𠀀x')).toBe('𠀀');
    expect(initial('')).toBe('?');
  });
  it('gives a person a stable colour', () => {
    expect(avatarColour(5)).toBe(avatarColour(5));
    expect(avatarColour(5)).not.toBe(avatarColour(6));
  });
  it('sorts names in pinyin order', () => {
    const names = ['王芳', '李娜', '张丽', '刘静', '陈杰', '杨洋'].map((display_name) => ({ display_name }));
    expect(sortByName(names).map((x) => x.display_name)).toEqual(['陈杰', '李娜', '刘静', '王芳', '杨洋', '张丽']);
  });
  it('formats fen as yuan', () => {
    expect(yuan(4260)).toBe('¥42.60');
    expect(yuan(5)).toBe('¥0.05');
    expect(yuan(-130)).toBe('-¥1.30');
  });
  it('reads the enroll code from the hash', () => {
    expect(enrollCodeFromHash('#code=ABCD-1234')).toBe('ABCD-1234');
    expect(enrollCodeFromHash('#code=%20AB%2012%20')).toBe('AB 12');
    expect(enrollCodeFromHash('')).toBeNull();
    expect(enrollCodeFromHash('#other=1')).toBeNull();
  });
  it('builds the phone link', () => {
    expect(enrollLink('http://10.0.0.2:8080', 'ABCD-1234')).toBe('http://10.0.0.2:8080/enroll#code=ABCD-1234');
    expect(enrollLink('http://h', 'X', '/enroll#code=X')).toBe('http://h/enroll#code=X');
  });
  it('counts minutes until a code expires', () => {
    const now = 1_700_000_000_000;
    expect(minutesLeft(now + 60 * 60_000, now)).toBe(60);
    expect(minutesLeft(now + 10_000, now)).toBe(1);
    expect(minutesLeft(undefined, now)).toBeNull();
  });
  it('knows a locked annotator', () => {
    const now = 1_700_000_000_000;
    expect(isLocked({ locked_until: now + 1000 }, now)).toBe(true);
    expect(isLocked({ locked_until: now - 1000 }, now)).toBe(false);
    expect(isLocked({ locked_until: null }, now)).toBe(false);
    expect(isLocked({ locked: true }, now)).toBe(true);
  });
  it('finds the one-time token secret in likely shapes', () => {
    expect(secretOf({ secret: 's1', token: { id: 1 } })).toBe('s1');
    expect(secretOf({ id: 1, name: 'x', token: 's2' })).toBe('s2');
    expect(secretOf({ token: { id: 1, secret: 's3' } })).toBe('s3');
    expect(secretOf({ id: 1 })).toBeNull();
  });
  it('names a claimed device by its kind', () => {
    expect(defaultDeviceName('Mozilla/5.0 (Linux; Android 12; M2006C3MG) Mobile Safari/537.36')).toBe('手机');
    expect(defaultDeviceName('Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120')).toBe('电脑');
    expect(defaultDeviceName('Mozilla/5.0 (Linux; Android 13; SM-X200) AppleWebKit/537.36 Safari/537.36')).toBe('平板');
    expect(defaultDeviceName('Mozilla/5.0 (iPad; CPU OS 16_0 like Mac OS X)')).toBe('平板');
    // A phone's browser in desktop mode, an iPad that says Macintosh: the screen tells.
    const desktop = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120 Safari/537.36';
    expect(defaultDeviceName(desktop, { touchPoints: 5, shortSide: 360 })).toBe('手机');
    expect(defaultDeviceName('Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Safari/605.1.15', { touchPoints: 5, shortSide: 820 })).toBe('平板');
    expect(defaultDeviceName(desktop, { touchPoints: 0, shortSide: 360 })).toBe('电脑');
    expect(defaultDeviceName(desktop, { touchPoints: 10, shortSide: 1080 })).toBe('电脑');
    expect(kindOfName('手机')).toBe('phone');
    expect(kindOfName('Tablet')).toBe('tablet');
    expect(kindOfName('中心电脑')).toBe('pc');
  });
});

import { qrPath } from './components/QrCode';
describe('QR drawing', () => {
  it('draws one square per dark module, shifted by the border', () => {
    expect(qrPath([[true, false], [false, true]], 4)).toBe('M4 4h1v1h-1zM5 5h1v1h-1z');
  });
});
