// The administrator's sign-in locks page in English and Chinese (keys admin.*).
import { addStrings } from "../i18n.js";

// [key, English, Chinese]
const STRINGS = [
  ["nav.locks", "Sign-in locks", "登录限制"],
  ["locks.title", "Sign-in locks", "登录限制"],
  ["locks.intro", "Too many wrong passwords hold back an address or an account for a while; each lock ends by itself at the time shown.", "密码错误次数过多时，相应的地址或账号会被暂时限制登录；每项限制到所示时间自动解除。"],
  ["locks.empty", "No sign-in is held back.", "当前没有登录限制。"],
  ["locks.kind", "Held back", "限制对象"],
  ["locks.address", "Address", "地址"],
  ["locks.user", "User name", "用户名"],
  ["locks.until", "Until", "解除时间"],
  ["locks.refused", "Refused", "已拒绝"],
  ["locks.actions", "Actions", "操作"],
  ["locks.kind.address_account", "One account from one address", "某地址登录某账号"],
  ["locks.kind.address", "One address, any account", "某地址登录任何账号"],
  ["locks.kind.account", "One account, from anywhere", "某账号（任何地址）"],
  ["locks.any", "any", "任意"],
  ["locks.unlock", "Unlock", "解除"],
  ["locks.unlocked", "Unlocked.", "已解除。"],
  ["locks.refresh", "Refresh", "刷新"],
];

addStrings({
  en: Object.fromEntries(STRINGS.map(([key, en]) => [`admin.${key}`, en])),
  "zh-CN": Object.fromEntries(STRINGS.map(([key, , zh]) => [`admin.${key}`, zh])),
});
