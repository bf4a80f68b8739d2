// The reviewer's diff of two texts with jsdiff: by character for Chinese (no spaces between
// words), by word for other scripts.

import { diffChars, diffWordsWithSpace, type Change } from 'diff';

const CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]/g;

/** Whether a text is mostly Chinese (or Japanese, Korean): then it is compared by character. */
export function mostlyCjk(s: string): boolean {
  const letters = s.replace(/[\s\p{P}\p{S}\d]/gu, '');
  if (!letters) return false;
  return (letters.match(CJK)?.length ?? 0) * 2 >= [...letters].length;
}

/** The changes from `before` to `after`: by character when either is mostly Chinese, else by word. */
export function textDiff(before: string, after: string): Change[] {
  return mostlyCjk(before) || mostlyCjk(after) ? diffChars(before, after) : diffWordsWithSpace(before, after);
}
