// Every word the UI shows, in both languages. zh-CN first; English is the switch.
// Keep words short and concrete, and the same word for the same thing everywhere
// (see shared/UX.md). `{name}` placeholders are filled by `t(key, {name: …})`.

export type Lang = 'zh-CN' | 'en';

const zh = {
  app_name: '木豆',
  lang_switch: '中/EN',
  lang_switch_label: '切换到英文',
  loading: '加载中…',
  retry: '再试一次',
  cancel: '取消',
  back: '返回',
  save: '保存',
  add: '添加',
  create: '创建',
  close: '关闭',
  copy: '复制',
  copied: '已复制',
  yes_sure: '确定',
  none_yet: '还没有',

  // login
  login_title: '登录',
  who_are_you: '点你的名字',
  not_me: '换人',
  enter_pin: '输入密码',
  pin_label: '数字密码',
  pin_dots: '已输入 {n} 位',
  key_delete: '删除',
  key_ok: '确定',
  staff_login: '组长/客户/管理员登录',
  annotator_login: '标注员登录',
  username: '用户名',
  password: '密码',
  sign_in: '登录',
  not_enrolled_hint: '标注员请在组长登记过的中心电脑或手机上登录。',
  locked_badge: '已锁定',
  roster_empty: '这个中心还没有标注员。',

  // enroll
  enroll_title: '登记设备',
  device_phone: '手机',
  device_pc: '电脑',
  enroll_working: '正在登记这台设备…',
  enroll_done: '登记好了',
  enroll_no_code: '链接里没有登记码。请向组长要新的链接。',
  enroll_failed: '登记码不能用（已用过或已过期）。请向组长要新的。',
  go_login: '去登录',

  // top bar / roles
  logout: '退出',
  role_admin: '管理员',
  role_client: '客户',
  role_lead: '组长',
  role_annotator: '标注员',
  skill_trainee: '新手',
  skill_standard: '标准',
  skill_expert: '高手',

  // annotator home
  hello: '你好，{name}',
  start: '开始工作',
  checking_work: '正在找任务…',
  no_work: '暂时没有任务',
  no_work_hint: '过一会儿再点开始。',
  today_earnings: '今天收入',
  today_done: '今天完成',
  not_counted: '—',

  // lead home
  this_device: '这台设备',
  device_enrolled_as: '已登记为：{name}',
  device_not_enrolled: '还没登记',
  enroll_this_device: '本机登记为中心设备',
  device_name: '设备名称',
  device_name_default: '中心电脑',
  phone_code: '手机登记码',
  phone_code_hint: '用手机扫码，或打开这个链接：',
  qr_label: '登记码的二维码',
  phone_code_expires: '{min} 分钟内有效，只能用一次。',
  devices: '设备',
  revoke: '撤销',
  revoke_confirm: '确定撤销？',
  revoked: '已撤销',
  last_seen: '最近使用 {time}',
  annotators: '标注员',
  add_annotator: '添加标注员',
  display_name: '姓名',
  new_pin: '新密码（4–6 位数字）',
  reset_pin: '重设密码',
  unlock: '解锁',
  pin_saved: '密码已改好',
  annotator_added: '已添加 {name}',

  // client home
  organisation: '单位',
  api_tokens: 'API 令牌',
  datasets: '数据集',
  item_count: '{n} 条',
  token_name: '令牌名称',
  new_token: '新建令牌',
  token_secret_once: '请现在复制。这个密钥只显示这一次。',
  delete: '删除',
  enable: '启用',
  delete_confirm: '确定删除？',
  created_at: '创建于 {time}',

  // admin home
  centres: '中心',
  orgs: '客户单位',
  users: '账号',
  name: '名称',
  county: '县',
  province: '省',
  timezone: '时区',
  add_centre: '添加中心',
  add_org: '添加客户单位',
  add_user: '添加账号',
  role: '角色',
  centre: '中心',
  org: '客户单位',
  pin: '数字密码',
  disable: '停用',
  disable_confirm: '确定停用？',
  disabled: '已停用',
  choose: '请选择',
  optional: '可不填',

  // errors
  err_invalid_credentials: '用户名或密码不对',
  err_invalid_credentials_left: '用户名或密码不对，还能试 {n} 次',
  err_invalid_pin: '密码不对',
  err_invalid_pin_left: '密码不对，还能试 {n} 次',
  err_locked: '已锁定，请稍后再试',
  err_locked_min: '已锁定，{min} 分钟后再试',
  err_device_not_enrolled: '这台设备没有登记',
  err_unauthenticated: '请先登录',
  err_forbidden: '没有权限',
  err_validation: '填写有误',
  err_validation_field: '请检查：{field}',
  err_conflict: '已经有了，不能重复',
  err_not_found: '找不到',
  err_rate_limited: '试太多次了，请稍后再试',
  err_rate_limited_min: '试太多次了，{min} 分钟后再试',
  err_network: '连不上服务器',
  err_server: '服务器出错了',
  err_pin_format: '密码要 4–6 位数字',
  err_required: '请填写：{field}',
} as const;

export type Key = keyof typeof zh;

const en: Record<Key, string> = {
  app_name: 'Mudou',
  lang_switch: '中/EN',
  lang_switch_label: 'Switch to Chinese',
  loading: 'Loading…',
  retry: 'Try again',
  cancel: 'Cancel',
  back: 'Back',
  save: 'Save',
  add: 'Add',
  create: 'Create',
  close: 'Close',
  copy: 'Copy',
  copied: 'Copied',
  yes_sure: 'Yes',
  none_yet: 'None yet',

  login_title: 'Log in',
  who_are_you: 'Tap your name',
  not_me: 'Not me',
  enter_pin: 'Type your PIN',
  pin_label: 'PIN',
  pin_dots: '{n} digits typed',
  key_delete: 'Delete',
  key_ok: 'OK',
  staff_login: 'Lead / client / admin login',
  annotator_login: 'Annotator login',
  username: 'Username',
  password: 'Password',
  sign_in: 'Log in',
  not_enrolled_hint: 'Annotators log in on a centre PC or phone that their lead has enrolled.',
  locked_badge: 'Locked',
  roster_empty: 'No annotators in this centre yet.',

  enroll_title: 'Enroll device',
  device_phone: 'Phone',
  device_pc: 'Computer',
  enroll_working: 'Enrolling this device…',
  enroll_done: 'Enrolled',
  enroll_no_code: 'The link has no code. Ask your lead for a new link.',
  enroll_failed: 'This code does not work (used or expired). Ask your lead for a new one.',
  go_login: 'Go to login',

  logout: 'Log out',
  role_admin: 'Admin',
  role_client: 'Client',
  role_lead: 'Lead',
  role_annotator: 'Annotator',
  skill_trainee: 'Trainee',
  skill_standard: 'Standard',
  skill_expert: 'Expert',

  hello: 'Hello, {name}',
  start: 'Start',
  checking_work: 'Looking for work…',
  no_work: 'No work right now',
  no_work_hint: 'Tap Start again in a little while.',
  today_earnings: 'Today',
  today_done: 'Done today',
  not_counted: '—',

  this_device: 'This device',
  device_enrolled_as: 'Enrolled as: {name}',
  device_not_enrolled: 'Not enrolled',
  enroll_this_device: 'Enroll this device',
  device_name: 'Device name',
  device_name_default: 'Centre PC',
  phone_code: 'Code for a phone',
  phone_code_hint: 'Scan it with the phone, or open this link:',
  qr_label: 'QR code of the enrollment link',
  phone_code_expires: 'Works once, for {min} minutes.',
  devices: 'Devices',
  revoke: 'Revoke',
  revoke_confirm: 'Revoke it?',
  revoked: 'Revoked',
  last_seen: 'Last used {time}',
  annotators: 'Annotators',
  add_annotator: 'Add annotator',
  display_name: 'Name',
  new_pin: 'New PIN (4–6 digits)',
  reset_pin: 'Reset PIN',
  unlock: 'Unlock',
  pin_saved: 'PIN changed',
  annotator_added: 'Added {name}',

  organisation: 'Organisation',
  api_tokens: 'API tokens',
  datasets: 'Datasets',
  item_count: '{n} items',
  token_name: 'Token name',
  new_token: 'New token',
  token_secret_once: 'Copy it now. This secret is shown only once.',
  delete: 'Delete',
  enable: 'Enable',
  delete_confirm: 'Delete it?',
  created_at: 'Created {time}',

  centres: 'Centres',
  orgs: 'Client organisations',
  users: 'Accounts',
  name: 'Name',
  county: 'County',
  province: 'Province',
  timezone: 'Time zone',
  add_centre: 'Add centre',
  add_org: 'Add organisation',
  add_user: 'Add account',
  role: 'Role',
  centre: 'Centre',
  org: 'Organisation',
  pin: 'PIN',
  disable: 'Disable',
  disable_confirm: 'Disable it?',
  disabled: 'Disabled',
  choose: 'Choose',
  optional: 'optional',

  err_invalid_credentials: 'Wrong username or password',
  err_invalid_credentials_left: 'Wrong username or password, {n} tries left',
  err_invalid_pin: 'Wrong PIN',
  err_invalid_pin_left: 'Wrong PIN, {n} tries left',
  err_locked: 'Locked, try again later',
  err_locked_min: 'Locked, try again in {min} min',
  err_device_not_enrolled: 'This device is not enrolled',
  err_unauthenticated: 'Please log in',
  err_forbidden: 'Not allowed',
  err_validation: 'Please check the form',
  err_validation_field: 'Please check: {field}',
  err_conflict: 'Already exists',
  err_not_found: 'Not found',
  err_rate_limited: 'Too many tries, wait a little',
  err_rate_limited_min: 'Too many tries, wait {min} min',
  err_network: "Can't reach the server",
  err_server: 'Server error',
  err_pin_format: 'PIN must be 4–6 digits',
  err_required: 'Please fill in: {field}',
};

export const dictionaries: Record<Lang, Record<Key, string>> = { 'zh-CN': zh, en };

const STORAGE_KEY = 'mudou.lang';
let current: Lang = 'zh-CN';
const listeners = new Set<(l: Lang) => void>();

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null; // private mode or blocked storage: fall back to the default
  }
}

/** Reads the remembered language; Chinese unless English was chosen before. */
export function initLang(): Lang {
  const saved = storage()?.getItem(STORAGE_KEY);
  current = saved === 'en' ? 'en' : 'zh-CN';
  applyDocumentLang();
  return current;
}

export function getLang(): Lang {
  return current;
}

export function setLang(lang: Lang): void {
  current = lang;
  storage()?.setItem(STORAGE_KEY, lang);
  applyDocumentLang();
  listeners.forEach((f) => f(lang));
}

export function toggleLang(): Lang {
  setLang(current === 'zh-CN' ? 'en' : 'zh-CN');
  return current;
}

export function onLangChange(f: (l: Lang) => void): () => void {
  listeners.add(f);
  return () => listeners.delete(f);
}

function applyDocumentLang(): void {
  if (typeof document !== 'undefined') {
    document.documentElement.lang = current;
    document.title = current === 'en' ? 'Mudou' : '木豆';
  }
}

/** Translates `key`, filling `{name}` placeholders from `vars`. */
export function t(key: Key, vars?: Record<string, string | number>, lang: Lang = current): string {
  const s = dictionaries[lang][key] ?? dictionaries['zh-CN'][key] ?? key;
  if (!vars) return s;
  return s.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
}
