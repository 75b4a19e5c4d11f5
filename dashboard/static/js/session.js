// Signing in and out (the server keeps the session in an HttpOnly cookie) and the language.
import { api, ApiError } from "./api.js";
import { chooseLocale, currentLocale, LOCALES, t, textsOf, translate } from "./i18n.js";
import { label } from "./util.js";

const byTestId = (testid) => document.querySelector(`[data-testid=${testid}]`);
const LOCALE_NAMES = { en: "English", "zh-CN": "中文" };
let user = null;

// The signed-in user, or the sign-in form until someone signs in (then the page reloads).
export async function signedInUser() {
  try {
    user = await api.me();
    chooseLocale(user.locale);
    translate();
    return user;
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401) throw error;
  }
  chooseLocale(null);
  translate();
  showSignIn();
  return new Promise(() => {});
}

// { username, display_name, role, node_kind, node_id, permissions, locale }
export function currentUser() {
  return user;
}

function showSignIn() {
  const form = byTestId("sign-in-form");
  const message = byTestId("sign-in-error");
  byTestId("sign-in").hidden = false;
  byTestId("sign-in-user").focus();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.hidden = true;
    try {
      await api.login(form.username.value, form.password.value);
      location.reload();
    } catch (error) {
      message.textContent = signInError(error);
      message.hidden = false;
    }
  });
}

// Why signing in failed, in the user's language where the reason is known.
function signInError(error) {
  if (error.status === 401) return t("common.wrongPassword");
  if (error.status === 429) return t("common.tooManyAttempts", { s: error.retryAfterS ?? 60 });
  if (error.status === 503) return t("common.databaseUnavailable");
  return error.message;
}

// "Amy Li · Safety officer"; a display name that only repeats the role, in any language
// ("Safety officer" as the officer's name), shows the role once, in the user's language.
function whoText(signedIn) {
  const role = label(signedIn.role);
  const name = (signedIn.display_name || signedIn.username).trim();
  const roleTexts = [role, ...Object.values(textsOf(`value.${signedIn.role}`))];
  return roleTexts.includes(name) ? role : `${name} · ${role}`;
}

export function showUser(signedIn) {
  byTestId("who-name").textContent = whoText(signedIn);
  byTestId("who").hidden = false;
  byTestId("sign-out").addEventListener("click", async () => {
    await api.logout();
    location.assign("/");
  });
  const select = byTestId("locale-select");
  select.replaceChildren(...LOCALES.map((locale) => new Option(LOCALE_NAMES[locale], locale)));
  select.value = currentLocale();
  select.addEventListener("change", async () => {
    try {
      await api.setLocale(select.value);
      location.reload(); // every view renders again in the chosen language
    } catch (error) {
      select.value = currentLocale();
      console.warn("language", error);
    }
  });
  select.setAttribute("aria-label", t("common.language"));
}
