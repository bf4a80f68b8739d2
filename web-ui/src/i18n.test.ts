import { beforeEach, describe, expect, it } from 'vitest';
import { dictionaries, getLang, initLang, onLangChange, setLang, t, toggleLang } from './i18n';

describe('i18n', () => {
  beforeEach(() => {
    localStorage.clear();
    initLang();
  });

  it('has the same keys in both languages, none empty', () => {
    const zh = Object.keys(dictionaries['zh-CN']).sort();
    const en = Object.keys(dictionaries.en).sort();
    expect(en).toEqual(zh);
    for (const lang of ['zh-CN', 'en'] as const) {
      for (const [k, v] of Object.entries(dictionaries[lang])) {
        expect(v.trim(), `${lang}.${k}`).not.toBe('');
      }
    }
  });

  it('uses the same placeholders in both languages', () => {
    const names = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
    for (const k of Object.keys(dictionaries['zh-CN']) as (keyof typeof dictionaries.en)[]) {
      expect(names(dictionaries.en[k]), k).toEqual(names(dictionaries['zh-CN'][k]));
    }
  });

  it('keeps the words of the UX table', () => {
    expect(t('start', undefined, 'zh-CN')).toBe('开始工作');
    expect(t('start', undefined, 'en')).toBe('Start');
    expect(t('today_earnings', undefined, 'zh-CN')).toBe('今天收入');
    expect(t('today_done', undefined, 'en')).toBe('Done today');
  });

  it('starts in Chinese and sets the lang attribute', () => {
    expect(getLang()).toBe('zh-CN');
    expect(document.documentElement.lang).toBe('zh-CN');
  });

  it('remembers the switch in localStorage', () => {
    setLang('en');
    expect(localStorage.getItem('mudou.lang')).toBe('en');
    expect(document.documentElement.lang).toBe('en');
    expect(initLang()).toBe('en');
    expect(toggleLang()).toBe('zh-CN');
    expect(initLang()).toBe('zh-CN');
  });

  it('ignores a garbage stored value', () => {
    localStorage.setItem('mudou.lang', 'fr');
    expect(initLang()).toBe('zh-CN');
  });

  it('fills placeholders and leaves unknown ones', () => {
    expect(t('err_invalid_pin_left', { n: 3 }, 'zh-CN')).toBe('密码不对，还能试 3 次');
    expect(t('err_invalid_pin_left', { n: 3 }, 'en')).toBe('Wrong PIN, 3 tries left');
    expect(t('hello', {}, 'en')).toBe('Hello, {name}');
  });

  it('notifies listeners on change', () => {
    const seen: string[] = [];
    const off = onLangChange((l) => seen.push(l));
    toggleLang();
    off();
    toggleLang();
    expect(seen).toEqual(['en']);
  });
});
