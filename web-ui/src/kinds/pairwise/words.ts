// The pairwise question's words (spread into kinds/words.ts).

export const pairZh = {
  pw_a: 'A 更好',
  pw_b: 'B 更好',
  pw_tie: '一样好',
  pw_both_bad: '都不好',
  pw_side_a: '回答 A',
  pw_side_b: '回答 B',
  pw_strength: '好多少？',
  pw_slightly: '稍好',
  pw_clearly: '明显更好',
  pw_reasons: '哪方面更好（可不选）',
  pw_reason_same: '一样',
  kind_pairwise: '两个回答比较',
  pw_bias: '选左边（A）的占 {pct}%（{left}/{picked}）',
  pw_bias_hint: '认真看内容的人接近 50%',
  err_tpl_pair: '比较题要两个不同的 Markdown 回答字段（默认 response_1 和 response_2）',
};

export const pairEn: Record<keyof typeof pairZh, string> = {
  pw_a: 'A is better',
  pw_b: 'B is better',
  pw_tie: 'Equally good',
  pw_both_bad: 'Both bad',
  pw_side_a: 'Answer A',
  pw_side_b: 'Answer B',
  pw_strength: 'How much better?',
  pw_slightly: 'Slightly',
  pw_clearly: 'Clearly',
  pw_reasons: 'Better at (optional)',
  pw_reason_same: 'Same',
  kind_pairwise: 'Compare two answers',
  pw_bias: 'Picked the left one (A) {pct}% ({left}/{picked})',
  pw_bias_hint: 'Near 50% when reading closely',
  err_tpl_pair: 'A comparison needs two different Markdown answer fields (response_1 and response_2 by default)',
};
