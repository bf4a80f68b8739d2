// The words of the expert ladder on the client's side (issue 31): the order form's "医学"
// section, and the ladder's refusals. Spread into i18n.ts's dictionaries.

export const medZh = {
  med_title: '医学',
  med_use: '分歧交给专家和医生定',
  med_hint: '标注员意见不一致的数据先交给各中心的医学专家；专家拿不准的，转给你指定的医生，医生的答案是最终答案。',
  med_expert_rate: '专家每次决定的费用',
  med_doctor_rate: '医生每次决定的费用',
  med_doctor: '医生',
  med_doctor_hint: '从你们机构的用户里选一位。',
  med_no_users: '你们机构还没有可选的用户。',
  med_qualification: '只有持"医学"资格的标注员能接这个订单。',
  med_cost: '专家决定 {experts} 次，共 {expert}；医生决定 {doctors} 次，共 {doctor}',
  err_med_rate: '费用写成元，比如 3，最多 1000 元',
  err_med_doctor: '请选一位医生',
  err_not_expert: '只有持医学资格的专家能做这个决定',
  err_not_doctor: '只有订单指定的医生能做这个决定',
  err_already_decided: '这条已经有人定过了，请刷新',
  err_doctor_not_in_org: '医生必须是你们机构的用户',
};

export const medEn: Record<keyof typeof medZh, string> = {
  med_title: 'Medical',
  med_use: 'Experts and a doctor settle disagreements',
  med_hint: 'Items the annotators disagree on go first to the centres’ medical experts; what an expert is unsure of goes to the doctor you name, whose answer is final.',
  med_expert_rate: 'Cost of an expert’s decision',
  med_doctor_rate: 'Cost of the doctor’s decision',
  med_doctor: 'Doctor',
  med_doctor_hint: 'One of your organisation’s users.',
  med_no_users: 'Your organisation has no users to choose yet.',
  med_qualification: 'Only annotators with the “medical” qualification get this order.',
  med_cost: 'Experts decided {experts} times, {expert}; the doctor {doctors} times, {doctor}',
  err_med_rate: 'Write the cost in yuan, e.g. 3; at most ¥1000',
  err_med_doctor: 'Choose the doctor',
  err_not_expert: 'Only medical experts make this decision',
  err_not_doctor: 'Only the order’s doctor makes this decision',
  err_already_decided: 'Someone decided this already: reload',
  err_doctor_not_in_org: 'The doctor must be a user of your organisation',
};
