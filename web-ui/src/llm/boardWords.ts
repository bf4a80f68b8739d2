// The words of the LLM exports and the model leaderboard (issue 27): the client's download
// buttons and the order page's leaderboard card. Spread into i18n.ts's dictionaries.

export const boardZh = {
  download_preference: '偏好对 (TRL)',
  download_ranking: '排序结果',
  download_ratings: '分项评分',
  download_leaderboard: '模型排行 CSV',
  lb_title: '模型排行',
  lb_bt: '标准',
  lb_noisy: '看可靠度',
  lb_empty: '还没有比较结果。',
  lb_summary: '{n} 次模型之间的比较，{a} 位标注员。',
  lb_hint: '分数越高越好，点是分数，横线是 95% 区间；平局算各半，“都不好”不算。',
  lb_parts: '有的模型之间从没比过，它们的分数不能直接相比。',
  lb_record: '胜 {w} · 负 {l} · 平 {t}',
  lb_interval: '区间 {lo} 到 {hi}',
  lb_row_aria: '第 {rank} 名 {model}：分数 {score}，区间 {lo} 到 {hi}',
} as const;

export const boardEn: Record<keyof typeof boardZh, string> = {
  download_preference: 'Preference pairs (TRL)',
  download_ranking: 'Rankings',
  download_ratings: 'Ratings per axis',
  download_leaderboard: 'Leaderboard CSV',
  lb_title: 'Model leaderboard',
  lb_bt: 'Standard',
  lb_noisy: 'By reliability',
  lb_empty: 'No comparisons yet.',
  lb_summary: '{n} comparisons between models, by {a} annotators.',
  lb_hint: 'Higher is better: the dot is the score, the line its 95% interval; a tie counts half each, "both bad" not at all.',
  lb_parts: 'Some models were never compared with each other: their scores do not compare.',
  lb_record: '{w} won · {l} lost · {t} tied',
  lb_interval: 'interval {lo} to {hi}',
  lb_row_aria: 'Rank {rank} {model}: score {score}, interval {lo} to {hi}',
};
